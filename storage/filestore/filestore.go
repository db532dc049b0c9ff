package filestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"syscall"

	"github.com/ledgersink/ledgersink/storage"
)

// TempPrefix starts the name of every temporary file the store creates. A
// key with an element starting with TempPrefix is rejected with
// [storage.RuleReserved], and List never yields such names.
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
	// RemoveEmptyDirs makes Delete remove the directories it leaves empty,
	// up to (not including) the root. Off by default.
	RemoveEmptyDirs bool
	// Perm is the permission of the files created, before the umask. Zero
	// means 0o644. Directories get Perm plus the matching execute bits
	// (0o755 by default).
	Perm fs.FileMode
}

// Store is a [storage.Store] over a local directory, its root. Create it with
// [New] and Close it when done; the zero Store is not usable. It is safe
// for concurrent use, including by several processes sharing the root.
type Store struct {
	root    *os.Root
	rootDir *os.File // the root itself, for syncfs
	opts    Options
	dirPerm fs.FileMode
	bufs    sync.Pool // *[]byte copy buffers
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
	s := &Store{root: r, rootDir: d}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Perm == 0 {
		s.opts.Perm = 0o644
	}
	s.dirPerm = s.opts.Perm | (s.opts.Perm&0o444)>>2
	s.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	return s, nil
}

// Close releases the root directory. Calls made after Close fail.
func (s *Store) Close() error {
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
	if err := storage.CheckKey(key); err != nil {
		var ke *storage.KeyError
		if errors.As(err, &ke) {
			ke.Op = op
		}
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

// ctxReader fails with ctx's error as soon as ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// tempName returns a fresh temporary name in dir.
func tempName(dir string) string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	name := TempPrefix + hex.EncodeToString(b[:])
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// createTemp creates a temporary file in dir, creating dir (and recording
// the directories created in *created) if needed.
func (s *Store) createTemp(dir string, created *[]string) (*os.File, string, error) {
	for attempt := 0; ; attempt++ {
		name := tempName(dir)
		f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, s.opts.Perm)
		if err == nil {
			return f, name, nil
		}
		switch {
		case attempt >= 5:
			return nil, "", err
		case errors.Is(err, fs.ErrExist):
			continue // a name collision: draw another
		case errors.Is(err, syscall.ENOTDIR):
			return nil, "", ErrConflict
		case errors.Is(err, fs.ErrNotExist) && dir != ".":
			// The directory is missing, or was removed by a concurrent
			// Delete with RemoveEmptyDirs: create it and retry.
			if err := s.mkdirs(dir, created); err != nil {
				return nil, "", err
			}
		default:
			return nil, "", err
		}
	}
}

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
			// Already there; if it is a file, the next step fails with
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
func (s *Store) write(ctx context.Context, f *os.File, r io.Reader) error {
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
// opts.IfNotExist by a hard link to the key, which fails if the key exists
// even when another process races for it, otherwise by a rename over the
// key. A reader never sees a partial object. On any error, and on
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
	dir := path.Dir(key)
	var created []string
	f, tmp, err := s.createTemp(dir, &created)
	if err != nil {
		return keyErr("put", key, err)
	}
	err = s.write(ctx, f, r)
	if err == nil && s.opts.Sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		s.root.Remove(tmp)
		if errors.Is(err, ctx.Err()) {
			return err
		}
		return keyErr("put", key, err)
	}
	if err := s.publish(tmp, key, opts != nil && opts.IfNotExist); err != nil {
		return keyErr("put", key, err)
	}
	if s.opts.Sync {
		if err := s.syncDirs(dir, created); err != nil {
			return keyErr("put", key, err)
		}
	}
	return nil
}

// publish makes the complete temporary file tmp visible under key, and
// removes tmp in every case.
func (s *Store) publish(tmp, key string, ifNotExist bool) error {
	if ifNotExist {
		err := s.root.Link(tmp, key)
		s.root.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			if fi, serr := s.root.Lstat(key); serr == nil && fi.IsDir() {
				return ErrConflict
			}
			return storage.ErrExist
		}
		return err
	}
	err := s.root.Rename(tmp, key)
	if err != nil {
		s.root.Remove(tmp)
		if fi, serr := s.root.Lstat(key); serr == nil && fi.IsDir() {
			return ErrConflict
		}
	}
	return err
}

// syncDirs fsyncs dir, and the parent of each directory in created.
func (s *Store) syncDirs(dir string, created []string) error {
	seen := map[string]bool{dir: true}
	dirs := []string{dir}
	for _, c := range created {
		if p := path.Dir(c); !seen[p] {
			seen[p] = true
			dirs = append(dirs, p)
		}
	}
	for _, d := range dirs {
		if err := s.syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements [storage.Store.Get]. The reader reads the file that held the
// object when Get opened it: a later Put publishes a new file and leaves the
// open one intact. Only regular files are objects; a directory, or a
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
	// O_NONBLOCK: opening a FIFO planted in the root must not hang.
	f, err := s.root.OpenFile(key, os.O_RDONLY|syscall.O_NONBLOCK, 0)
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
	dir := path.Dir(key)
	synced := dir
	if s.opts.RemoveEmptyDirs {
		for d := dir; d != "."; d = path.Dir(d) {
			if s.root.Remove(d) != nil {
				break // not empty (or gone): stop there
			}
			synced = path.Dir(d)
		}
	}
	if s.opts.Sync {
		if err := s.syncDir(synced); err != nil && !isNotExist(err) {
			return keyErr("delete", key, err)
		}
	}
	return nil
}
