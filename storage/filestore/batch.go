package filestore

import (
	"context"
	"errors"
	"path"
	"slices"

	"github.com/ledgersink/ledgersink/storage"
)

// PutBatch implements [storage.Batcher] with a group commit: it writes
// every object to a temporary file, makes them all durable with one flush
// (with Options.Sync: syncfs(2) on Linux, one fsync per file elsewhere),
// publishes them one by one (a hard link with opts.IfNotExist, a rename
// otherwise), then fsyncs each directory it touched once. Durable writing
// of many small files costs about as much as plain writing this way, where a
// Put with Sync costs a fsync per file.
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
	if err := storage.CheckBatch(objs); err != nil {
		return err
	}
	var invalid []error
	for _, o := range objs {
		if reserved(o.Key) {
			invalid = append(invalid, &storage.KeyError{Op: "putbatch", Key: o.Key, Rule: storage.RuleReserved, Err: storage.ErrInvalidKey})
		}
	}
	if len(invalid) > 0 {
		return errors.Join(invalid...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(objs) == 0 {
		return nil
	}

	// 1. Write every object to a temporary file in its directory.
	perFile := s.opts.Sync && !canSyncfs
	temps := make([]string, 0, len(objs))
	removeTemps := func() {
		for _, t := range temps {
			if t != "" {
				s.root.Remove(t)
			}
		}
	}
	var created []string
	for _, o := range objs {
		if err := ctx.Err(); err != nil {
			removeTemps()
			return err
		}
		f, tmp, err := s.createTemp(path.Dir(o.Key), &created)
		if err != nil {
			removeTemps()
			return &storage.KeyError{Op: "putbatch", Key: o.Key, Err: err}
		}
		temps = append(temps, tmp)
		_, err = f.Write(o.Data)
		if err == nil && perFile {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			removeTemps()
			return &storage.KeyError{Op: "putbatch", Key: o.Key, Err: err}
		}
	}

	// 2. One flush for all of them.
	if s.opts.Sync && canSyncfs {
		if err := syncfs(s.rootDir); err != nil {
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
		err := s.publish(temps[i], o.Key, ifNotExist)
		temps[i] = "" // publish removed it
		if err != nil {
			failed = append(failed, &storage.KeyError{Op: "putbatch", Key: o.Key, Err: err})
			continue
		}
		d := path.Dir(o.Key)
		committed[d] = append(committed[d], i)
	}

	// 4. One fsync per directory touched, and per parent of a new one.
	if s.opts.Sync {
		dirs := make([]string, 0, len(committed))
		for d := range committed {
			dirs = append(dirs, d)
		}
		for _, c := range created {
			if _, ok := committed[path.Dir(c)]; !ok {
				committed[path.Dir(c)] = nil
				dirs = append(dirs, path.Dir(c))
			}
		}
		syncFailed := false
		for _, d := range dirs {
			if err := s.syncDir(d); err != nil {
				for _, i := range committed[d] {
					syncFailed = true
					failed = append(failed, &storage.KeyError{Op: "putbatch", Key: objs[i].Key, Err: err})
				}
			}
		}
		if syncFailed {
			sortByBatchOrder(failed, objs)
		}
	}
	if len(failed) > 0 {
		return &storage.BatchError{Errs: failed}
	}
	return nil
}

// sortByBatchOrder orders errs as their keys appear in objs.
func sortByBatchOrder(errs []*storage.KeyError, objs []storage.BatchObject) {
	pos := make(map[string]int, len(objs))
	for i, o := range objs {
		pos[o.Key] = i
	}
	slices.SortStableFunc(errs, func(a, b *storage.KeyError) int { return pos[a.Key] - pos[b.Key] })
}
