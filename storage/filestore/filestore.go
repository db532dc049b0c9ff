package filestore

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ledgersink/ledgersink/storage"
)

// TempPrefix starts the name of every temporary file the store creates
// (followed by 24 hex digits) and of its lock file in the root (followed by
// 8 hex digits and ".lock"). A key with an element starting with
// TempPrefix is rejected with [storage.RuleReserved], and List never yields
// such names.
const TempPrefix = ".ledgersink-tmp-"

// ErrConflict is matched by the error of a Put whose key cannot be a file
// because of another key: "a/b" when "a/b/c" exists (a directory is in the
// way), or "a/b/c" when "a/b" exists (a file is in the way). The objects
// already stored are left untouched. Object stores have no such limit; a
// file system does.
var ErrConflict = errors.New("filestore: key conflicts with an existing key")

// Options configures a [Store]. A nil *Options, and the zero value of each
// field, give the defaults documented on the field.
type Options struct {
	// Sync makes every write durable before it returns: Put fsyncs the
	// temporary file before publishing it, then the directory that holds
	// it (and the parent of every directory it created); Delete fsyncs the
	// directory. PutBatch makes the whole batch durable with one flush of
	// the file system (syncfs on Linux, one fsync per file elsewhere) and
	// one fsync per directory. Off by default: without Sync, writes are
	// atomic (a reader never sees a partial object) but a power failure may
	// lose the last ones, as with most file writes. A fsync per Put costs
	// about 5x; use PutBatch for durable writing of many objects.
	Sync bool
	// NoSyncfs makes a durable PutBatch flush with one fsync per file
	// instead of syncfs(2). syncfs flushes every dirty file of the file
	// system, other programs' included, so on a volume shared with heavy
	// writers a batch may wait for their data too; per-file fsyncs cost
	// more on a quiet volume (about 5x for 1 KiB files) but depend only on
	// the batch. Without Sync, or off Linux, it changes nothing.
	NoSyncfs bool
	// RemoveEmptyDirs makes Delete remove the directories it leaves empty,
	// up to (not including) the root. Off by default. A Put racing such a
	// Delete for the same directory still succeeds: within one Store the
	// two are ordered by a lock; against another process sharing the root,
	// the Put recreates the directory and tries again, up to 64 times.
	RemoveEmptyDirs bool
	// Perm is the permission of the files created, before the umask. Zero
	// means 0o644. Directories get Perm plus the matching execute bits
	// (0o755 by default).
	Perm fs.FileMode
	// OrphanAge is how old a temporary file must be for a Store to remove
	// it as a leftover when it cannot tell whether its owner is alive: no
	// lock file names the owner (a file of an older version of this
	// package, or of a system without flock(2), such as Windows, where
	// every leftover is judged this way), or the lock file cannot be
	// opened. Zero means one hour; a negative value keeps such files. A
	// write in progress keeps its file's modification time recent, so only
	// a write stalled longer than OrphanAge could lose its file (and fail).
	OrphanAge time.Duration
	// NoCleanup stops the Store from removing the leftovers of killed
	// Stores (see "Leftovers" in the package documentation); RemoveTemp
	// still removes them on request. Set it on every Store sharing a root
	// between machines through a network file system whose flock(2) locks
	// the other machines do not see.
	NoCleanup bool
	// Now is the clock OrphanAge is measured with. Nil means time.Now.
	Now func() time.Time
}

// Store is a [storage.Store] over a local directory, its root. Create it with
// [New] and Close it when done; the zero Store is not usable. It is safe
// for concurrent use, including by several processes sharing the root.
//
// The temporary files of a killed Store are removed by the next Store that
// writes the same folder, never those of a live one: a Store holds a lock
// file in the root from its first write to Close, and its first write into
// a folder lists the folder once and removes the temporary files whose
// owner's lock it can take, or, where the owner cannot be told, those older
// than [Options.OrphanAge] (see "Leftovers" in the package documentation).
type Store struct {
	root    *os.Root
	rootDir *os.File // the root itself, for syncfs
	opts    Options
	dirPerm fs.FileMode
	bufs    sync.Pool // *[]byte copy buffers
	tag     string    // random, distinguishes this store's temporary files; final once owner has run
	seq     atomic.Uint64

	// owner creates the lock file and sweeps the root, once, before the
	// first temporary file; lock is the lock file, held until Close (nil
	// without one). dirState maps each directory the Store wrote into to
	// a *dirState. See leftovers.go.
	owner    sync.Once
	lock     *os.File
	dirState sync.Map

	// dirs orders, within this process, the removal of empty directories
	// (Delete with Options.RemoveEmptyDirs, exclusive) against the window
	// in which a Put has opened a directory but not yet created its
	// temporary file there (shared). Without it, Deletes emptying a
	// directory over and over could starve a Put of it; other processes
	// sharing the root are still handled by retrying.
	dirs sync.RWMutex

	// noRenameNoReplace is set once renaming without replacing proved
	// unsupported (always, off Linux; on Linux, an old kernel or a file
	// system without RENAME_NOREPLACE, such as some overlay and network
	// ones): create-only Puts then publish by hard link.
	noRenameNoReplace atomic.Bool

	// noSyncfs is set once syncfs proved unavailable (ENOSYS, or EPERM
	// from a sandbox's system call filter): durable batches then fsync
	// each file. flushFS is syncfs, replaced by tests.
	noSyncfs atomic.Bool
	flushFS  func(*os.File) error

	handles dirCache // open directory handles (Linux)
}

var (
	_ storage.Store     = (*Store)(nil)
	_ storage.Batcher   = (*Store)(nil)
	_ storage.KeyLister = (*Store)(nil)
)

// New opens the store rooted at the directory root, which must exist. A nil
// opts means the default [Options]; New copies *opts and does not retain it.
// The caller must Close the store. Every access goes through an [os.Root]
// opened on root, so neither keys nor symbolic links placed inside the root
// can reach a file outside it.
func New(root string, opts *Options) (*Store, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	d, err := r.Open(".")
	if err != nil {
		r.Close()
		return nil, err
	}
	s := &Store{root: r, rootDir: d, flushFS: syncfs}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Perm == 0 {
		s.opts.Perm = 0o644
	}
	s.dirPerm = s.opts.Perm | (s.opts.Perm&0o444)>>2
	s.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	s.tag = newTag()
	return s, nil
}

// Close removes the store's lock file, then releases the directory handles
// the store keeps open and the root directory. Calls made after Close fail.
func (s *Store) Close() error {
	s.dropLock()
	s.handles.closeAll()
	err := s.rootDir.Close()
	if rerr := s.root.Close(); err == nil {
		err = rerr
	}
	return err
}

// Root returns the name of the root directory, as given to New.
func (s *Store) Root() string { return s.root.Name() }

// checkKey applies storage.CheckKey and the store's reserved names.
func checkKey(op, key string) error {
	if err := storage.CheckKey(op, key); err != nil {
		return err
	}
	if reserved(key) {
		return &storage.KeyError{Op: op, Key: key, Rule: storage.RuleReserved, Err: storage.ErrInvalidKey}
	}
	return nil
}

// reserved reports whether an element of key starts with TempPrefix.
func reserved(key string) bool {
	return strings.HasPrefix(key, TempPrefix) || strings.Contains(key, "/"+TempPrefix)
}

func keyErr(op, key string, err error) error {
	return &storage.KeyError{Op: op, Key: key, Err: err}
}

// isNotExist reports whether err says a file is missing, including because
// a file stands where a directory of its path should be.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// tempName returns a fresh temporary file name: the store's random tag
// and a counter, so names never repeat within a store and collide across
// stores (processes) only by chance, which O_EXCL then catches.
func (s *Store) tempName() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.seq.Add(1))
	return TempPrefix + s.tag + hex.EncodeToString(b[:])
}

// openDir opens dir (a slash path, "." for the root), creating it and its
// missing parents when create is set, and appending the directories created
// to *created. A file in the way gives ErrConflict.
func (s *Store) openDir(dir string, create bool, created *[]string) (dirHandle, error) {
	for attempt := 0; ; attempt++ {
		d, err := s.openDirOnce(dir)
		switch {
		case err == nil:
			return d, nil
		case errors.Is(err, syscall.ENOTDIR):
			return dirHandle{}, ErrConflict
		case !create || attempt >= maxAttempts || !errors.Is(err, fs.ErrNotExist):
			return dirHandle{}, err
		}
		if err := s.mkdirs(dir, created); err != nil && !errors.Is(err, fs.ErrNotExist) {
			// (ErrNotExist: a concurrent Delete removed a parent we had
			// just seen; try again.)
			return dirHandle{}, err
		}
	}
}

// errDirGone reports that a directory was removed after it was opened (by a
// concurrent Delete with RemoveEmptyDirs); the caller opens it again.
var errDirGone = errors.New("filestore: directory removed concurrently")

// temp is a temporary file created in an open directory.
type temp struct {
	dir  dirHandle
	f    tempFile // open for writing
	name string
}

// createTemp creates a temporary file in the open directory d.
func (s *Store) createTemp(d dirHandle) (temp, error) {
	for attempt := 0; ; attempt++ {
		name := s.tempName()
		f, err := d.create(name, s.opts.Perm)
		switch {
		case err == nil:
			return temp{dir: d, f: f, name: name}, nil
		case errors.Is(err, fs.ErrExist) && attempt < 5:
			continue // a name collision with another process: draw again
		case errors.Is(err, fs.ErrNotExist):
			return temp{}, errDirGone
		default:
			return temp{}, err
		}
	}
}

// openTemp opens dir (creating it if needed) and creates a temporary file
// in it, reopening dir if a concurrent Delete removed it in between. The
// caller closes t.dir.
func (s *Store) openTemp(ctx context.Context, dir string, created *[]string) (temp, error) {
	if s.opts.RemoveEmptyDirs {
		s.dirs.RLock()
		defer s.dirs.RUnlock()
	}
	for attempt := 0; ; attempt++ {
		d, err := s.openDir(dir, true, created)
		if err != nil {
			return temp{}, err
		}
		s.prepare(ctx, d, dir, slices.Contains(*created, dir))
		t, err := s.createTemp(d)
		if err == nil {
			return t, nil
		}
		d.close()
		if err != errDirGone || attempt >= maxAttempts {
			return temp{}, err
		}
	}
}

// maxAttempts bounds the retries of a Put whose directory is removed under
// it by concurrent Deletes (Options.RemoveEmptyDirs).
const maxAttempts = 64

// mkdirs creates dir and its missing parents, appending each directory it
// created to *created.
func (s *Store) mkdirs(dir string, created *[]string) error {
	for i := 0; i <= len(dir); i++ {
		if i < len(dir) && dir[i] != '/' {
			continue
		}
		d := dir[:i]
		err := s.root.Mkdir(d, s.dirPerm)
		switch {
		case err == nil:
			*created = append(*created, d)
		case errors.Is(err, fs.ErrExist):
			// Already there; if it is a file, opening it fails with
			// ENOTDIR and the caller reports a conflict.
		case errors.Is(err, syscall.ENOTDIR):
			return ErrConflict
		default:
			return err
		}
	}
	return nil
}

// write copies r into f, checking ctx between reads.
func (s *Store) write(ctx context.Context, f tempFile, r io.Reader) error {
	bp := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(bp)
	buf := *bp
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// Put implements [storage.Store.Put]. It writes r to a temporary file in the
// key's directory (created if needed), then publishes it: with
// opts.IfNotExist by a rename that refuses to replace the key (renameat2
// on Linux) or by a hard link to it, either of which fails if the key
// exists even when another process races for it, otherwise by a rename
// over the key. A reader never sees a partial object. On any error, and on
// cancellation, the temporary file is removed and the key is untouched.
//
// Errors: a *storage.KeyError matching storage.ErrInvalidKey (invalid or
// reserved key), storage.ErrExist (opts.IfNotExist and the key exists) or
// ErrConflict; r's error; ctx's error; or the file system's error. With
// Options.Sync, Put returns only once the object is durable.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if err := checkKey("put", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir, name := split(key)
	var created []string
	t, err := s.openTemp(ctx, dir, &created)
	if err != nil {
		return keyErr("put", key, err)
	}
	d, tmp := t.dir, t.name
	defer d.close()
	err = s.write(ctx, t.f, r)
	if err == nil && s.opts.Sync {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		d.remove(tmp)
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err
		}
		return keyErr("put", key, err)
	}
	if err := s.publish(d, tmp, name, opts != nil && opts.IfNotExist); err != nil {
		return keyErr("put", key, err)
	}
	if s.opts.Sync {
		if err := d.sync(); err != nil {
			return keyErr("put", key, err)
		}
		if err := s.syncParents(created); err != nil {
			return keyErr("put", key, err)
		}
	}
	return nil
}

// split returns the directory ("." at the top) and the name of key.
func split(key string) (dir, name string) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return ".", key
	}
	return key[:i], key[i+1:]
}

// publish makes the complete temporary file tmp visible as name in d, and
// removes tmp in every case. A directory named name gives ErrConflict.
func (s *Store) publish(d dirHandle, tmp, name string, ifNotExist bool) error {
	var err error
	if ifNotExist {
		err = s.publishNew(d, tmp, name)
	} else {
		err = d.rename(tmp, name)
	}
	if err == nil {
		return nil
	}
	d.remove(tmp)
	if d.isDir(name) {
		return ErrConflict
	}
	if ifNotExist && errors.Is(err, fs.ErrExist) {
		return storage.ErrExist
	}
	return err
}

// publishNew publishes tmp as name unless name exists (EEXIST): by a
// rename that refuses to replace, one atomic step even against other
// processes, where the system supports it (Linux's renameat2); otherwise,
// once the system said it does not, by a hard link.
func (s *Store) publishNew(d dirHandle, tmp, name string) error {
	if !s.noRenameNoReplace.Load() {
		err := d.renameNoReplace(tmp, name)
		if err != errNoRenameNoReplace {
			return err
		}
		s.noRenameNoReplace.Store(true)
	}
	return linkNew(d, tmp, name)
}

// errNoRenameNoReplace is dirHandle.renameNoReplace's error when the system
// or the file system cannot rename without replacing.
var errNoRenameNoReplace = errors.New("filestore: rename without replacing is not supported")

// linkNew is the portable create-only publish: a hard link to name, which
// fails with EEXIST when name exists, then the removal of tmp. On error,
// tmp is left for the caller to remove.
func linkNew(d dirHandle, tmp, name string) error {
	if err := d.link(tmp, name); err != nil {
		return err
	}
	d.remove(tmp)
	return nil
}

// syncParents fsyncs the parent of each directory in created, so that the
// new directories themselves are durable.
func (s *Store) syncParents(created []string) error {
	seen := map[string]bool{}
	for _, c := range created {
		p, _ := split(c)
		if seen[p] {
			continue
		}
		seen[p] = true
		if err := s.syncPath(p); err != nil {
			return err
		}
	}
	return nil
}

// syncPath fsyncs the directory dir.
func (s *Store) syncPath(dir string) error {
	d, err := s.openDir(dir, false, nil)
	if err != nil {
		return err
	}
	defer d.close()
	return d.sync()
}

// Get implements [storage.Store.Get]. The reader reads the file that held the
// object when Get opened it: a later Put publishes a new file and leaves the
// open one intact. The reader does not watch ctx: cancelling ctx after Get
// returns does not interrupt reads. Only regular files are objects; a directory, or a
// symbolic link leading outside the root, is reported missing or as an
// error, never followed out. Errors: a *storage.KeyError matching
// storage.ErrNotExist or storage.ErrInvalidKey, ctx's error, or the file
// system's error.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey("get", key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := s.root.OpenFile(key, openReadFlags, 0)
	if err != nil {
		if isNotExist(err) {
			return nil, keyErr("get", key, storage.ErrNotExist)
		}
		return nil, keyErr("get", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, keyErr("get", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, keyErr("get", key, storage.ErrNotExist)
	}
	return f, nil
}

// Delete implements [storage.Store.Delete]. It removes the file (or a
// symbolic link, never its target) stored under key; a directory is not an
// object and gives storage.ErrNotExist. With Options.RemoveEmptyDirs it
// then removes the directories left empty; with Options.Sync it fsyncs the
// directory. Errors: a *storage.KeyError matching storage.ErrNotExist or
// storage.ErrInvalidKey, ctx's error, or the file system's error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := s.root.Lstat(key)
	if err != nil {
		if isNotExist(err) {
			return keyErr("delete", key, storage.ErrNotExist)
		}
		return keyErr("delete", key, err)
	}
	if fi.IsDir() {
		return keyErr("delete", key, storage.ErrNotExist)
	}
	if err := s.root.Remove(key); err != nil {
		if isNotExist(err) {
			return keyErr("delete", key, storage.ErrNotExist)
		}
		return keyErr("delete", key, err)
	}
	dir, _ := split(key)
	synced := dir
	if s.opts.RemoveEmptyDirs {
		s.dirs.Lock()
		for d := dir; d != "."; d, _ = split(d) {
			if s.root.Remove(d) != nil {
				break // not empty (or gone): stop there
			}
			synced, _ = split(d)
		}
		s.dirs.Unlock()
	}
	if s.opts.Sync {
		if err := s.syncPath(synced); err != nil && !isNotExist(err) {
			return keyErr("delete", key, err)
		}
	}
	return nil
}
