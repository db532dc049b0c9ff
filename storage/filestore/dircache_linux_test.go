//go:build linux && (amd64 || arm64)

package filestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
)

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// The store keeps at most maxCachedDirs directories open, reuses them, and
// closes them all on Close, including one in use at the time.
func TestDirCacheBoundedAndClosed(t *testing.T) {
	base := openFDs(t)
	dir := t.TempDir()
	s, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	opened := openFDs(t) // the root's descriptors
	ctx := t.Context()
	for i := range 3 * maxCachedDirs {
		for j := range 3 {
			if err := storage.WriteAll(ctx, s, fmt.Sprintf("e%03d/f%d", i, j), []byte("x"), &storage.PutOptions{IfNotExist: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s.lock != nil {
		opened++ // the lock file the first write created
	}
	if n := openFDs(t) - opened; n > maxCachedDirs {
		t.Errorf("%d directories left open, want at most %d", n, maxCachedDirs)
	}
	if n := len(s.handles.entries); n != maxCachedDirs {
		t.Errorf("%d handles cached, want %d", n, maxCachedDirs)
	}
	// A hit lends the same descriptor.
	a, err := s.openDir("e000", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.openDir("e000", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.cached == nil || a.fd != b.fd {
		t.Errorf("two opens of a cached directory: descriptors %d (cached %v) and %d", a.fd, a.cached != nil, b.fd)
	}
	b.close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := openFDs(t); n != base+1 { // a, still held
		t.Errorf("%d descriptors open after Close with one handle in use, want %d", n, base+1)
	}
	a.close()
	if n := openFDs(t); n != base {
		t.Errorf("%d descriptors open after the last handle was given back, want %d", n, base)
	}
	if err := storage.WriteAll(ctx, s, "e000/late", nil, nil); err == nil {
		t.Error("Put after Close succeeded through a cached handle")
	}
}

// A directory whose path is replaced by a symbolic link leading out of the
// root while its handle is cached: nothing is ever written outside the
// root. The cached descriptor still names the directory the store opened:
// moved inside the root, it keeps receiving the Puts of its former path;
// removed, its handle is dropped and the path, now a link, is refused.
func TestDirCacheLinkSwap(t *testing.T) {
	for _, removed := range []bool{false, true} {
		t.Run(fmt.Sprintf("removed=%v", removed), func(t *testing.T) {
			base := t.TempDir()
			root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
			for _, d := range []string{root, outside} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			s := newInternalStore(t, root, &Options{RemoveEmptyDirs: removed}, false)
			ctx := t.Context()
			if err := storage.WriteAll(ctx, s, "e/a", []byte("a"), &storage.PutOptions{IfNotExist: true}); err != nil {
				t.Fatal(err)
			}
			if _, ok := s.handles.entries["e"]; !ok {
				t.Fatal("the directory's handle is not cached")
			}
			if removed {
				if err := s.Delete(ctx, "e/a"); err != nil { // removes e, now empty
					t.Fatal(err)
				}
			} else if err := os.Rename(filepath.Join(root, "e"), filepath.Join(root, "moved")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(root, "e")); err != nil {
				t.Fatal(err)
			}
			for _, o := range []*storage.PutOptions{nil, {IfNotExist: true}} {
				err := storage.WriteAll(ctx, s, "e/b", []byte("b"), o)
				if removed && err == nil {
					t.Errorf("Put through the link leading out = nil, want an error")
				}
				if !removed && err != nil && !errors.Is(err, storage.ErrExist) {
					t.Errorf("Put into the moved directory = %v", err)
				}
			}
			if err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "e/c", Data: []byte("c")}}, nil); removed == (err == nil) {
				t.Errorf("PutBatch = %v", err)
			}
			wantRoot := map[string]string{}
			if !removed {
				wantRoot["root/moved/a"], wantRoot["root/moved/b"], wantRoot["root/moved/c"] = "a", "b", "c"
			}
			got := files(t, base)
			for name := range got {
				if lockTag(filepath.Base(name)) != "" {
					delete(got, name) // the store's own lock file, in the root
				}
			}
			if diff := cmp.Diff(wantRoot, got); diff != "" {
				t.Errorf("files mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A cached directory removed by another program is created again by the
// next Put, which lands in the new directory.
func TestDirCacheRemovedDirectory(t *testing.T) {
	root := t.TempDir()
	s := newInternalStore(t, root, nil, false)
	ctx := t.Context()
	if err := storage.WriteAll(ctx, s, "e/a", []byte("a"), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "e")); err != nil {
		t.Fatal(err)
	}
	for i, o := range []*storage.PutOptions{nil, {IfNotExist: true}} {
		key := fmt.Sprintf("e/b%d", i)
		if err := storage.WriteAll(ctx, s, key, []byte("b"), o); err != nil {
			t.Fatalf("Put after the directory was removed = %v", err)
		}
		if got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(key))); err != nil || string(got) != "b" {
			t.Errorf("%s on disk = %q, %v", key, got, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "e")); err != nil {
		t.Fatal(err)
	}
	if err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "e/c", Data: []byte("c")}}, nil); err != nil {
		t.Fatalf("PutBatch after the directory was removed = %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(root, "e", "c")); err != nil || string(got) != "c" {
		t.Errorf("e/c on disk = %q, %v", got, err)
	}
}

// Puts into a few directories, concurrently with Deletes that remove them
// and with evictions (more directories than the cache holds).
func TestDirCacheConcurrent(t *testing.T) {
	root := t.TempDir()
	s := newInternalStore(t, root, &Options{RemoveEmptyDirs: true}, false)
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("d%d/%d-%d", (g*7+i)%(maxCachedDirs+8), g, i)
				if err := storage.WriteAll(ctx, s, key, []byte("x"), &storage.PutOptions{IfNotExist: true}); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if err := s.Delete(ctx, key); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	n := 0
	for _, err := range storage.Keys(ctx, s, "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if want := 8 * (200 - 67); n != want {
		t.Errorf("%d files, want %d", n, want)
	}
}
