package filestore

import (
	"context"
	"io/fs"
	"iter"
	"os"
	"slices"
	"strings"

	"github.com/ledgersink/ledgersink/storage"
)

// List implements [storage.Store.List]. It walks the directories under the
// prefix, reading each directory once and sorting its entries so that keys
// come out in byte order of the whole key (a directory "b" sorts as "b/",
// after "b.c" and before "b0"). It stats each file for its size and
// modification time; [Store.Keys] skips that stat and is several times
// faster on large directories.
//
// Only regular files whose key is valid are listed: temporary files,
// symbolic links, and names no valid key can produce (written by other
// programs) are skipped. Directories that disappear during the walk, and
// files deleted between the directory read and their stat, are skipped.
// Errors: an invalid prefix yields a *storage.KeyError matching
// storage.ErrInvalidKey; a done ctx yields ctx's error; a directory that
// cannot be read yields the file system's error.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		s.walk(ctx, "list", prefix, true, func(key string, fi fs.FileInfo, err error) bool {
			if err != nil {
				return yield(storage.Object{}, err)
			}
			return yield(storage.Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil)
		})
	}
}

// Keys implements [storage.KeyLister]: it yields what List yields, keys
// only, without a stat per file. A symbolic link is recognized by the
// directory entry's type, so Keys never follows one either.
func (s *Store) Keys(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		s.walk(ctx, "list", prefix, false, func(key string, _ fs.FileInfo, err error) bool {
			return yield(key, err)
		})
	}
}

// entry is a directory entry being sorted: small, so that sorting moves
// little memory.
type entry struct {
	name string
	idx  int32 // index in the directory's []fs.DirEntry
	dir  bool
}

// at returns the byte at i of the entry's sort key, its name followed by a
// slash for a directory, or -1 past its end.
func (e *entry) at(i int) int {
	switch {
	case i < len(e.name):
		return int(e.name[i])
	case i == len(e.name) && e.dir:
		return '/'
	}
	return -1
}

// compareEntries orders entries as the keys below them sort: a directory
// "b" sorts as "b/", after "b.c" and before "b0". Names in a directory are
// unique, so only a name that is a prefix of another needs the suffix.
func compareEntries(a, b entry) int {
	n := min(len(a.name), len(b.name))
	if c := strings.Compare(a.name[:n], b.name[:n]); c != 0 {
		return c
	}
	return a.at(n) - b.at(n)
}

// walk calls fn for every regular file under prefix, in key order, with its
// FileInfo when stat is set. fn is called at most once with an error, last.
func (s *Store) walk(ctx context.Context, op, prefix string, stat bool, fn func(string, fs.FileInfo, error) bool) {
	if err := storage.CheckPrefix(op, prefix); err != nil {
		fn("", nil, err)
		return
	}
	if err := ctx.Err(); err != nil {
		fn("", nil, err)
		return
	}
	dirPrefix, namePrefix := "", prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirPrefix, namePrefix = prefix[:i+1], prefix[i+1:]
	}
	if reserved(dirPrefix) {
		return // no object lives under a temporary name
	}
	r, err := s.openListDir(dirPrefix)
	if err != nil {
		if isNotExist(err) {
			return
		}
		fn("", nil, &storage.KeyError{Op: op, Key: prefix, Err: err})
		return
	}
	defer r.Close()
	w := walker{ctx: ctx, op: op, prefix: prefix, stat: stat, fn: fn}
	w.dir(r, dirPrefix, namePrefix)
}

type walker struct {
	ctx    context.Context
	op     string
	prefix string
	stat   bool
	fn     func(string, fs.FileInfo, error) bool
	n      int
}

// dir lists the directory r, whose keys start with keyPrefix, keeping the
// entries whose names start with namePrefix. It returns false to stop.
func (w *walker) dir(r *os.Root, keyPrefix, namePrefix string) bool {
	var entries []fs.DirEntry
	var err error
	if w.stat {
		entries, err = readDirStat(r)
	} else {
		entries, err = readDirTypes(r)
	}
	if err != nil {
		if isNotExist(err) {
			return true // removed while we walked
		}
		return w.fn("", nil, &storage.KeyError{Op: w.op, Key: w.prefix, Err: err})
	}
	list := make([]entry, 0, len(entries))
	for i, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, namePrefix) || strings.HasPrefix(name, TempPrefix) ||
			len(keyPrefix)+len(name) > storage.MaxKeyLen || !storage.ValidKey(name) {
			// Not asked for, temporary, or a name no valid key can
			// produce (written by another program). keyPrefix is a valid
			// prefix ending in "/", so keyPrefix+name is a valid key
			// exactly when name is a valid one-element key that fits.
			continue
		}
		switch t := e.Type(); {
		case t.IsDir():
			list = append(list, entry{name: name, idx: int32(i), dir: true})
		case t.IsRegular():
			list = append(list, entry{name: name, idx: int32(i)})
		}
	}
	slices.SortFunc(list, compareEntries)
	for _, e := range list {
		if w.n++; w.n%256 == 0 {
			if err := w.ctx.Err(); err != nil {
				return w.fn("", nil, err)
			}
		}
		key := keyPrefix + e.name
		if e.dir {
			sub, err := r.OpenRoot(e.name + "/.") // "/.": O_DIRECTORY, see openDirOnce in dir_other.go
			if err != nil {
				if isNotExist(err) {
					continue
				}
				return w.fn("", nil, &storage.KeyError{Op: w.op, Key: w.prefix, Err: err})
			}
			ok := w.dir(sub, key+"/", "")
			sub.Close()
			if !ok {
				return false
			}
			continue
		}
		var fi fs.FileInfo
		if w.stat {
			fi, err = entries[e.idx].Info() // loaded by readDirStat already
			if err != nil {
				if isNotExist(err) {
					continue
				}
				return w.fn("", nil, &storage.KeyError{Op: w.op, Key: w.prefix, Err: err})
			}
			if !fi.Mode().IsRegular() {
				continue
			}
		}
		if !w.fn(key, fi, nil) {
			return false
		}
	}
	return true
}

// openListDir opens the directory dirPrefix ("" for the root, else ending in
// a slash) one element at a time, refusing symbolic links as the walk below
// does: a prefix through a link lists nothing, as the link does not appear
// in the listing of its parent either.
func (s *Store) openListDir(dirPrefix string) (*os.Root, error) {
	r, err := s.root.OpenRoot(".")
	if err != nil {
		return nil, err
	}
	rest := dirPrefix
	for rest != "" {
		elem, tail, _ := strings.Cut(rest, "/")
		rest = tail
		fi, err := r.Lstat(elem)
		if err == nil && !fi.IsDir() {
			err = fs.ErrNotExist // a file or a symbolic link: no directory here
		}
		var sub *os.Root
		if err == nil {
			sub, err = r.OpenRoot(elem + "/.") // "/.": O_DIRECTORY, see openDirOnce in dir_other.go
		}
		r.Close()
		if err != nil {
			return nil, err
		}
		r = sub
	}
	return r, nil
}

// readDirStat reads the entries of the directory r with their FileInfo: a
// directory opened in a Root loads it with one lstatat per entry, relative
// to the directory, so it never follows a path out of the root.
func readDirStat(r *os.Root) ([]fs.DirEntry, error) {
	f, err := r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}
