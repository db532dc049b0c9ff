package filestore

import (
	"context"
	"errors"
	"slices"
	"syscall"

	"github.com/ledgersink/ledgersink/storage"
)

// PutBatch implements [storage.Batcher] with a group commit: it writes
// every object to a temporary file, makes them all durable with one flush
// (with Options.Sync: syncfs(2) on Linux, one fsync per file elsewhere,
// with Options.NoSyncfs, or once syncfs was refused by the system),
// publishes them one by one (as Put does: a
// rename, refusing to replace the key with opts.IfNotExist), then fsyncs
// each directory it touched once. Durable writing of many small files
// costs about as much as plain writing this way, where a Put with Sync
// costs a fsync per file.
//
// The result follows the contract of [storage.PutBatch]: nil when every
// object was committed; a plain error, with nothing written and no
// temporary file left, when a key is invalid, reserved or repeated, when
// ctx is done before the publishing step, or when writing or flushing the
// temporary files fails; otherwise a *storage.BatchError naming the objects
// not committed: those whose key existed with opts.IfNotExist
// (storage.ErrExist), conflicted with a directory (ErrConflict) or failed to
// publish, and, when a directory fsync fails, every object published in
// that directory (committed, but perhaps not durable).
func (s *Store) PutBatch(ctx context.Context, objs []storage.BatchObject, opts *storage.PutOptions) error {
	// Report every invalid, repeated and reserved key at once.
	invalid := []error{storage.CheckBatch(objs)}
	for _, o := range objs {
		if reserved(o.Key) && storage.ValidKey(o.Key) {
			invalid = append(invalid, &storage.KeyError{Op: "putbatch", Key: o.Key, Rule: storage.RuleReserved, Err: storage.ErrInvalidKey})
		}
	}
	if err := errors.Join(invalid...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(objs) == 0 {
		return nil
	}

	// 1. Write every object to a temporary file in its directory, opening
	// each directory once.
	useSyncfs := canSyncfs && !s.opts.NoSyncfs && !s.noSyncfs.Load()
	perFile := s.opts.Sync && !useSyncfs
	dirs := map[string]dirHandle{}
	var dirOrder []string
	defer func() {
		for _, d := range dirs {
			d.close()
		}
	}()
	var created []string
	temps := make([]string, 0, len(objs))
	handles := make([]dirHandle, 0, len(objs))
	removeTemps := func() {
		for i, t := range temps {
			if t != "" {
				handles[i].remove(t)
			}
		}
	}
	for _, o := range objs {
		if err := ctx.Err(); err != nil {
			removeTemps()
			return err
		}
		dir, _ := split(o.Key)
		t, err := s.batchTemp(ctx, dirs, &dirOrder, dir, &created)
		if err != nil {
			removeTemps()
			return &storage.KeyError{Op: "putbatch", Key: o.Key, Err: err}
		}
		temps = append(temps, t.name)
		handles = append(handles, t.dir)
		_, err = t.f.Write(o.Data)
		if err == nil && perFile {
			err = t.f.Sync()
		}
		if cerr := t.f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			removeTemps()
			return &storage.KeyError{Op: "putbatch", Key: o.Key, Err: err}
		}
	}

	// 2. One flush for all of them.
	if s.opts.Sync && useSyncfs {
		err := s.flushFS(s.rootDir)
		if errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM) {
			// No syncfs here (an old kernel, a sandbox's filter): flush
			// each file instead, from now on as for this batch.
			s.noSyncfs.Store(true)
			err = nil
			for i, t := range temps {
				if err = handles[i].syncFile(t); err != nil {
					break
				}
			}
		}
		if err != nil {
			removeTemps()
			return &storage.KeyError{Op: "putbatch", Key: objs[0].Key, Err: err}
		}
	}
	if err := ctx.Err(); err != nil {
		removeTemps()
		return err
	}

	// 3. Publish each one; from here on, objects become visible.
	ifNotExist := opts != nil && opts.IfNotExist
	var failed []*storage.KeyError
	committed := make(map[string][]int) // directory -> indexes of objects published there
	for i, o := range objs {
		dir, name := split(o.Key)
		err := s.publish(handles[i], temps[i], name, ifNotExist)
		temps[i] = "" // publish removed it
		if err != nil {
			failed = append(failed, &storage.KeyError{Op: "putbatch", Key: o.Key, Err: err})
			continue
		}
		committed[dir] = append(committed[dir], i)
	}

	// 4. One fsync per directory touched, and per parent of a new one.
	if s.opts.Sync {
		unsure := func(idx []int, err error) {
			for _, i := range idx {
				failed = append(failed, &storage.KeyError{Op: "putbatch", Key: objs[i].Key, Err: err})
			}
		}
		n := len(failed)
		for _, dir := range dirOrder {
			if idx := committed[dir]; len(idx) > 0 {
				if err := dirs[dir].sync(); err != nil {
					unsure(idx, err)
					delete(committed, dir)
				}
			}
		}
		if err := s.syncParents(created); err != nil {
			for _, dir := range dirOrder {
				unsure(committed[dir], err)
			}
		}
		if len(failed) > n {
			sortByBatchOrder(failed, objs)
		}
	}
	if len(failed) > 0 {
		return &storage.BatchError{Errs: failed}
	}
	return nil
}

// batchTemp creates a temporary file in dir, opening dir once per batch (and
// again if a concurrent Delete removed it).
func (s *Store) batchTemp(ctx context.Context, dirs map[string]dirHandle, order *[]string, dir string, created *[]string) (temp, error) {
	if s.opts.RemoveEmptyDirs {
		s.dirs.RLock()
		defer s.dirs.RUnlock()
	}
	for attempt := 0; ; attempt++ {
		d, ok := dirs[dir]
		if !ok {
			var err error
			if d, err = s.openDir(dir, true, created); err != nil {
				return temp{}, err
			}
			s.prepare(ctx, d, dir, slices.Contains(*created, dir))
			dirs[dir] = d
			*order = append(*order, dir)
		}
		t, err := s.createTemp(d)
		if err == nil {
			return t, nil
		}
		if err != errDirGone || attempt >= maxAttempts {
			return temp{}, err
		}
		// Temporary files already written there are gone with the old
		// directory only if it was empty, which it was not; so none are.
		d.close()
		delete(dirs, dir)
		*order = slices.DeleteFunc(*order, func(o string) bool { return o == dir })
	}
}

// sortByBatchOrder orders errs as their keys appear in objs.
func sortByBatchOrder(errs []*storage.KeyError, objs []storage.BatchObject) {
	pos := make(map[string]int, len(objs))
	for i, o := range objs {
		pos[o.Key] = i
	}
	slices.SortStableFunc(errs, func(a, b *storage.KeyError) int { return pos[a.Key] - pos[b.Key] })
}
