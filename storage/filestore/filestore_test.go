package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/storagetest"
)

func newStore(t *testing.T, dir string, opts *filestore.Options) *filestore.Store {
	t.Helper()
	s, err := filestore.New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *filestore.Options
	}{
		{"default", nil},
		{"sync", &filestore.Options{Sync: true}},
		{"sync without syncfs", &filestore.Options{Sync: true, NoSyncfs: true}},
		{"remove empty dirs", &filestore.Options{RemoveEmptyDirs: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunWithOptions(t, func(t *testing.T) storage.Store {
				dir := t.TempDir()
				t.Cleanup(func() { assertNoLeftovers(t, dir) }) // runs after Close
				return newStore(t, dir, tc.opts)
			}, &storagetest.RunOptions{NestedKeysConflict: true})
		})
	}
}

// assertNoTemp fails if a temporary file is left anywhere under dir. The
// lock files of the Stores still open on dir are expected.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), filestore.TempPrefix) && !isLockFile(dir, p) {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

// assertNoLeftovers fails if anything named with TempPrefix is left under
// dir, lock files included: once every Store on dir is closed, nothing is.
func assertNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), filestore.TempPrefix) {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// isLockFile reports whether the file p is a Store's lock file: in the
// root dir, named TempPrefix, 8 hex digits and ".lock".
func isLockFile(dir, p string) bool {
	name := filepath.Base(p)
	tag, ok := strings.CutSuffix(strings.TrimPrefix(name, filestore.TempPrefix), ".lock")
	return filepath.Dir(p) == filepath.Clean(dir) && strings.HasPrefix(name, filestore.TempPrefix) && ok && len(tag) == 8
}

// tree returns the files under dir (slash paths) with their contents,
// except the lock files of the Stores open on dir.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := rawTree(t, dir)
	for p := range m {
		if isLockFile(dir, filepath.Join(dir, filepath.FromSlash(p))) {
			delete(m, p)
		}
	}
	return m
}

// rawTree returns every file and symbolic link under dir (slash paths)
// with its contents or target.
func rawTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			m[filepath.ToSlash(rel)] = "-> " + target
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewErrors(t *testing.T) {
	if _, err := filestore.New(filepath.Join(t.TempDir(), "missing"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("New(missing dir) = %v, want ErrNotExist", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := filestore.New(f, nil); err == nil {
		t.Errorf("New(a file) = nil, want an error")
	}
}

func TestLayoutOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, nil)
	ctx := t.Context()
	for _, k := range []string{"e1/a.json", "e1/sub/b.json", "top"} {
		if err := storage.WriteAll(ctx, s, k, []byte(k), nil); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"e1/a.json": "e1/a.json", "e1/sub/b.json": "e1/sub/b.json", "top": "top"}
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("files on disk mismatch (-want +got): a key maps to the file root/FromSlash(key):\n%s", diff)
	}
	fi, err := os.Stat(filepath.Join(dir, "e1", "a.json"))
	if err != nil || fi.Mode().Perm()&0o600 != 0o600 {
		t.Errorf("file mode = %v, %v; want at least rw for the owner", fi.Mode(), err)
	}
}

func TestReservedKeys(t *testing.T) {
	s := newStore(t, t.TempDir(), nil)
	for _, k := range []string{filestore.TempPrefix + "x", "a/" + filestore.TempPrefix + "x", filestore.TempPrefix + "d/x"} {
		err := storage.WriteAll(t.Context(), s, k, []byte("x"), nil)
		var ke *storage.KeyError
		if !errors.As(err, &ke) || ke.Rule != storage.RuleReserved || !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want a KeyError with rule %q", k, err, storage.RuleReserved)
		}
		if _, err := s.Get(t.Context(), k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", k, err)
		}
		err = storage.PutBatch(t.Context(), s, []storage.BatchObject{{Key: "ok"}, {Key: k}}, nil)
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("PutBatch with %q = %v, want ErrInvalidKey", k, err)
		}
	}
	err := s.PutBatch(t.Context(), []storage.BatchObject{{Key: "a//b"}, {Key: filestore.TempPrefix + "x"}}, nil)
	var ke *storage.KeyError
	if !errors.As(err, &ke) || ke.Key != "a//b" {
		t.Errorf("PutBatch = %v, want the invalid key reported", err)
	}
	if err == nil || !strings.Contains(err.Error(), "[reserved]") {
		t.Errorf("PutBatch = %v, want the reserved key reported too", err)
	}
	// Prefixes naming a temporary directory list nothing.
	for _, p := range []string{filestore.TempPrefix, "a/" + filestore.TempPrefix, filestore.TempPrefix + "d/"} {
		for k, err := range storage.Keys(t.Context(), s, p) {
			t.Errorf("Keys(%q) yielded %q, %v; want nothing", p, k, err)
		}
	}
}

// TestNoEscape plants symbolic links to a directory outside the root and
// checks that no method reads or writes through them, and that invalid keys
// (.., absolute, backslashes) never touch the outside either.
func TestNoEscape(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{root, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "secret"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"dirlink":      outside,                            // absolute, to a directory
		"reldirlink":   filepath.Join("..", "outside"),     // relative, to a directory
		"filelink":     filepath.Join(outside, "secret"),   // absolute, to a file
		"relfilelink":  filepath.Join("..", "secret"),      // relative, to a file
		"danglinglink": filepath.Join(outside, "new-file"), // to a file that does not exist yet
		"sub":          "",                                 // a real directory holding links
	}
	for name, target := range links {
		if target == "" {
			continue
		}
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(root, "sub"), 0o755)
	if err := os.Symlink(filepath.Join("..", "..", "outside"), filepath.Join(root, "sub", "up")); err != nil {
		t.Fatal(err)
	}
	before := rawTree(t, base)

	for _, opts := range []*filestore.Options{nil, {Sync: true, RemoveEmptyDirs: true}} {
		s := newStore(t, root, opts)
		ctx := t.Context()
		keys := []string{
			"dirlink/secret", "dirlink/new", "reldirlink/secret", "reldirlink/new/deeper",
			"filelink", "relfilelink", "danglinglink", "sub/up/secret", "sub/up/new",
		}
		for _, tc := range storagetest.InvalidKeys() {
			keys = append(keys, tc.Key)
		}
		keys = append(keys, "../secret", "../outside/secret", "/"+filepath.ToSlash(outside)+"/secret", `..\secret`)
		for _, k := range keys {
			if got, err := storage.ReadAll(ctx, s, k); err == nil {
				t.Errorf("Get(%q) = %q, nil; want an error: it reads outside the root", k, got)
			}
			for _, o := range []*storage.PutOptions{nil, {IfNotExist: true}} {
				if err := storage.WriteAll(ctx, s, k, []byte("pwned"), o); err == nil && !strings.HasPrefix(k, "filelink") && !strings.HasPrefix(k, "relfilelink") && k != "danglinglink" {
					t.Errorf("Put(%q) = nil; want an error: it writes outside the root", k)
				}
			}
			if err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: k, Data: []byte("pwned")}}, nil); err == nil && !strings.HasSuffix(k, "link") {
				t.Errorf("PutBatch(%q) = nil; want an error", k)
			}
			s.Delete(ctx, k)
		}
		for _, p := range []string{"", "dirlink/", "reldirlink/", "sub/up/", "sub/", "dirlink/s", "sub/up/secret"} {
			for k, err := range storage.Keys(ctx, s, p) {
				if err != nil || strings.Contains(k, "secret") || strings.Contains(k, "link") || strings.Contains(k, "up") {
					t.Errorf("Keys(%q) yielded %q, %v: listing must skip symbolic links, silently", p, k, err)
				}
			}
			for o, err := range s.List(ctx, p) {
				if err != nil || strings.Contains(o.Key, "secret") || strings.Contains(o.Key, "link") || strings.Contains(o.Key, "up") {
					t.Errorf("List(%q) yielded %q, %v: listing must skip symbolic links, silently", p, o.Key, err)
				}
			}
		}
	}
	after := rawTree(t, base)
	// Writes to "filelink", "relfilelink" and "danglinglink" replace the
	// link itself (rename over it, or delete it): the root changes, the
	// outside never does.
	for p, v := range after {
		if strings.HasPrefix(p, "root/") {
			continue
		}
		if before[p] != v {
			t.Errorf("outside the root, %s changed: %q -> %q", p, before[p], v)
		}
	}
	for p, v := range before {
		if !strings.HasPrefix(p, "root/") {
			if _, ok := after[p]; !ok {
				t.Errorf("outside the root, %s (%q) was removed", p, v)
			}
		}
	}
	assertNoTemp(t, root) // and nothing new outside the root, checked above
}

// TestCreateOnlyAcrossStores races create-only Puts through two Stores on one
// root, as two processes would: the file system decides (renameat2 without
// replacing, or a hard link), not a mutex.
func TestCreateOnlyAcrossStores(t *testing.T) {
	dir := t.TempDir()
	stores := []*filestore.Store{newStore(t, dir, nil), newStore(t, dir, nil)}
	for round := range 20 {
		key := "race/" + string(rune('a'+round))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		start := make(chan struct{})
		for i := range errs {
			wg.Go(func() {
				<-start
				errs[i] = storage.WriteAll(t.Context(), stores[i%2], key, []byte{byte(i)}, &storage.PutOptions{IfNotExist: true})
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else if !errors.Is(err, storage.ErrExist) {
				t.Errorf("%s: loser got %v, want ErrExist", key, err)
			}
		}
		if wins != 1 {
			t.Errorf("%s: %d winners, want exactly 1", key, wins)
		}
	}
	assertNoTemp(t, dir)
}

func TestRemoveEmptyDirs(t *testing.T) {
	for _, remove := range []bool{false, true} {
		dir := t.TempDir()
		s := newStore(t, dir, &filestore.Options{RemoveEmptyDirs: remove})
		ctx := t.Context()
		for _, k := range []string{"a/b/c/d", "a/x"} {
			if err := storage.WriteAll(ctx, s, k, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Delete(ctx, "a/b/c/d"); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(filepath.Join(dir, "a", "b"))
		if remove != errors.Is(err, fs.ErrNotExist) {
			t.Errorf("RemoveEmptyDirs=%v: stat a/b after deleting its only object = %v", remove, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "a", "x")); err != nil {
			t.Errorf("RemoveEmptyDirs=%v: a non-empty directory was affected: %v", remove, err)
		}
		if err := storage.WriteAll(ctx, s, "a/b/c/e", nil, nil); err != nil {
			t.Errorf("Put below removed directories = %v", err)
		}
	}
}

// TestKeysMatchesList checks the KeyLister fast path against List.
func TestKeysMatchesList(t *testing.T) {
	s := newStore(t, t.TempDir(), nil)
	ctx := t.Context()
	keys := []string{"a/b c", "a/b-", "a/b.c", "a/b/c", "a/b0", "a/bc", "b", "c/d/e/f", "c/d/e0"}
	for _, k := range keys {
		if err := storage.WriteAll(ctx, s, k, []byte(k), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"", "a", "a/", "a/b", "a/b/", "c/d/e", "zz", "//"} {
		var fromKeys, fromList []string
		var errKeys, errList error
		for k, err := range s.Keys(ctx, p) {
			if err != nil {
				errKeys = err
				break
			}
			fromKeys = append(fromKeys, k)
		}
		for o, err := range s.List(ctx, p) {
			if err != nil {
				errList = err
				break
			}
			fromList = append(fromList, o.Key)
		}
		if !slices.Equal(fromKeys, fromList) || (errKeys == nil) != (errList == nil) {
			t.Errorf("prefix %q: Keys = %q, %v; List = %q, %v", p, fromKeys, errKeys, fromList, errList)
		}
	}
}

// TestScanKeysMatchesKeys: ScanKeys yields the keys Keys yields, in any
// order, for a directory larger than one read, links and temporary files
// left out.
func TestScanKeysMatchesKeys(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root, nil)
	ctx := t.Context()
	keys := []string{"a/b c", "a/b-", "a/b.c", "a/b/c", "a/b0", "a/bc", "b", "c/d/e/f", "c/d/e0"}
	for i := range 2500 {
		keys = append(keys, fmt.Sprintf("big/k%05d", i))
	}
	for _, k := range keys {
		if err := storage.WriteAll(ctx, s, k, []byte(k), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "b"), filepath.Join(root, "big", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "big", filestore.TempPrefix+"x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", "a", "a/", "a/b", "a/b/", "c/d/e", "zz", "big/", "big/k0001"} {
		var fromKeys, fromScan []string
		var errKeys, errScan error
		for k, err := range s.Keys(ctx, p) {
			if err != nil {
				errKeys = err
				break
			}
			fromKeys = append(fromKeys, k)
		}
		for k, err := range storage.ScanKeys(ctx, s, p) {
			if err != nil {
				errScan = err
				break
			}
			fromScan = append(fromScan, k)
		}
		slices.Sort(fromScan)
		if !slices.Equal(fromKeys, fromScan) || (errKeys == nil) != (errScan == nil) {
			t.Errorf("prefix %q: Keys = %d keys, %v; ScanKeys = %d keys, %v", p, len(fromKeys), errKeys, len(fromScan), errScan)
		}
	}
	for _, err := range storage.ScanKeys(ctx, s, "/bad") {
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("invalid prefix: %v", err)
		}
	}
}

// TestRemoveEmptyDirsRace runs Puts and Deletes in the same nested
// directories while Delete removes the directories it empties: a Put must
// never fail because its directory vanished under it. It runs with one
// store, and with two stores on the same root, as two processes would share
// it (where only retrying protects a Put).
func TestRemoveEmptyDirsRace(t *testing.T) {
	for _, stores := range []int{1, 2} {
		t.Run(strconv.Itoa(stores)+"-stores", func(t *testing.T) {
			dir := t.TempDir()
			var ss []*filestore.Store
			for range stores {
				ss = append(ss, newStore(t, dir, &filestore.Options{RemoveEmptyDirs: true}))
			}
			ctx := t.Context()
			var wg sync.WaitGroup
			for w := range 4 {
				s := ss[w%len(ss)]
				wg.Go(func() {
					for i := range 60 {
						key := "x/y/z/" + strconv.Itoa(w) + "-" + strconv.Itoa(i%3)
						if err := storage.WriteAll(ctx, s, key, []byte("v"), nil); err != nil {
							t.Errorf("Put(%q) = %v", key, err)
							return
						}
						if err := s.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotExist) {
							t.Errorf("Delete(%q) = %v", key, err)
							return
						}
					}
				})
			}
			s := ss[len(ss)-1]
			wg.Go(func() {
				for range 60 {
					err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "x/y/b1"}, {Key: "x/y/z/b2"}}, nil)
					if err != nil {
						t.Errorf("PutBatch = %v", err)
						return
					}
					s.Delete(ctx, "x/y/b1")
					s.Delete(ctx, "x/y/z/b2")
				}
			})
			wg.Wait()
			assertNoTemp(t, dir)
		})
	}
}

func TestConflicts(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, &filestore.Options{Sync: true})
	ctx := t.Context()
	for _, k := range []string{"d/sub/x", "f"} {
		if err := storage.WriteAll(ctx, s, k, []byte(k), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		key  string
		opts *storage.PutOptions
	}{
		{"d/sub", nil}, {"d/sub", &storage.PutOptions{IfNotExist: true}}, {"f/x", nil}, {"f/x/y", nil},
	} {
		err := storage.WriteAll(ctx, s, tc.key, []byte("new"), tc.opts)
		if !errors.Is(err, filestore.ErrConflict) || errors.Is(err, storage.ErrExist) {
			t.Errorf("Put(%q, %+v) = %v, want ErrConflict (and not ErrExist)", tc.key, tc.opts, err)
		}
	}
	// In a batch, a directory in the way is found when publishing: the other
	// objects are committed and the BatchError names the conflict.
	err := storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "d/sub"}, {Key: "ok1"}}, nil)
	var be *storage.BatchError
	if !errors.As(err, &be) || !slices.Equal(be.Keys(), []string{"d/sub"}) || !errors.Is(err, filestore.ErrConflict) {
		t.Errorf("PutBatch with a directory in the way = %v, want a BatchError naming d/sub with ErrConflict", err)
	}
	// A file in the way is found while writing the temporary files: nothing
	// is written, and the error is not a BatchError.
	err = storage.PutBatch(ctx, s, []storage.BatchObject{{Key: "ok2"}, {Key: "f/x"}}, nil)
	if !errors.Is(err, filestore.ErrConflict) || errors.As(err, &be) {
		t.Errorf("PutBatch with a file in the way = %v, want a plain error matching ErrConflict", err)
	}
	want := map[string]string{"d/sub/x": "d/sub/x", "f": "f", "ok1": ""}
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("files on disk mismatch (-want +got):\n%s", diff)
	}
}

func TestRemoveTemp(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, &filestore.Options{NoCleanup: true}) // writes remove nothing: RemoveTemp alone does
	if s.Root() != dir {
		t.Errorf("Root() = %q, want %q", s.Root(), dir)
	}
	ctx := t.Context()
	at := time.Date(2024, 1, 30, 12, 0, 0, 0, time.UTC)
	old, recent := at.Add(-2*time.Hour), at.Add(-time.Minute)
	plant := func(rel string, mtime time.Time) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	plant(filestore.TempPrefix+"old1", old)
	plant("e/"+filestore.TempPrefix+"old2", old)
	plant("e/"+filestore.TempPrefix+"recent", recent)
	plant("e/old-object.json", old)
	if err := storage.WriteAll(ctx, s, "e/object.json", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	n, err := s.RemoveTemp(ctx, at.Add(-time.Hour))
	if err != nil || n != 2 {
		t.Errorf("RemoveTemp = %d, %v; want 2, nil", n, err)
	}
	want := map[string]string{
		"e/" + filestore.TempPrefix + "recent": "partial",
		"e/old-object.json":                    "partial",
		"e/object.json":                        "x",
	}
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("files after RemoveTemp mismatch (-want +got):\n%s", diff)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.RemoveTemp(canceled, at); !errors.Is(err, context.Canceled) {
		t.Errorf("RemoveTemp with a canceled context = %v, want context.Canceled", err)
	}
}
