package filestore

import (
	"context"
	"io"
	"iter"
	"os"
	"strings"

	"github.com/ledgersink/ledgersink/storage"
)

// scanBatch is how many directory entries ScanKeys reads at a time.
const scanBatch = 1024

// ScanKeys implements [storage.KeyScanner]: it yields the keys Keys yields,
// in no particular order, reading each directory a part at a time, so that
// listing a directory of any size holds a few thousand names at most. It
// follows no symbolic link and skips what Keys skips.
func (s *Store) ScanKeys(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		const op = "list"
		if err := storage.CheckPrefix(op, prefix); err != nil {
			yield("", err)
			return
		}
		dirPrefix, namePrefix := "", prefix
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			dirPrefix, namePrefix = prefix[:i+1], prefix[i+1:]
		}
		if reserved(dirPrefix) {
			return
		}
		r, err := s.openListDir(dirPrefix)
		if err != nil {
			if !isNotExist(err) {
				yield("", &storage.KeyError{Op: op, Key: prefix, Err: err})
			}
			return
		}
		defer r.Close()
		sc := scanner{ctx: ctx, prefix: prefix, yield: yield}
		sc.dir(r, dirPrefix, namePrefix)
	}
}

type scanner struct {
	ctx    context.Context
	prefix string
	yield  func(string, error) bool
	n      int
}

// dir yields the keys of the directory r, whose keys start with keyPrefix,
// keeping the names that start with namePrefix. It returns false to stop.
func (sc *scanner) dir(r *os.Root, keyPrefix, namePrefix string) bool {
	f, err := openDirTypes(r)
	if err != nil {
		if isNotExist(err) {
			return true // removed while we walked
		}
		return sc.yield("", &storage.KeyError{Op: "list", Key: sc.prefix, Err: err})
	}
	defer f.Close()
	for {
		entries, err := f.ReadDir(scanBatch)
		for _, e := range entries {
			if sc.n++; sc.n%256 == 0 {
				if err := sc.ctx.Err(); err != nil {
					return sc.yield("", err)
				}
			}
			name := e.Name()
			if !strings.HasPrefix(name, namePrefix) || strings.HasPrefix(name, TempPrefix) ||
				len(keyPrefix)+len(name) > storage.MaxKeyLen || !storage.ValidKey(name) {
				continue // as in walker.dir
			}
			key := keyPrefix + name
			switch t := e.Type(); {
			case t.IsRegular():
				if !sc.yield(key, nil) {
					return false
				}
			case t.IsDir():
				sub, err := r.OpenRoot(name + "/.")
				if err != nil {
					if isNotExist(err) {
						continue
					}
					return sc.yield("", &storage.KeyError{Op: "list", Key: sc.prefix, Err: err})
				}
				ok := sc.dir(sub, key+"/", "")
				sub.Close()
				if !ok {
					return false
				}
			}
		}
		if err == io.EOF || err == nil && len(entries) == 0 {
			return true
		}
		if err != nil {
			if isNotExist(err) {
				return true
			}
			return sc.yield("", &storage.KeyError{Op: "list", Key: sc.prefix, Err: err})
		}
	}
}
