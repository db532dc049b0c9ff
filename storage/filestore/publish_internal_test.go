package filestore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
)

// publishModes are the two ways a create-only Put publishes: a rename that
// refuses to replace (renameat2 on Linux; other systems fall back on their
// first create-only Put), and the hard link, forced as a file system
// without RENAME_NOREPLACE would force it.
var publishModes = []struct {
	name      string
	forceLink bool
}{
	{"rename-noreplace", false},
	{"link-fallback", true},
}

func newInternalStore(t *testing.T, dir string, opts *Options, forceLink bool) *Store {
	t.Helper()
	s, err := New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.noRenameNoReplace.Store(forceLink)
	return s
}

// files returns the regular files under dir (slash paths) with their
// contents, temporary files included, the lock files of open Stores not.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if err != nil || !d.Type().IsRegular() || lockTag(rel) != "" {
			return err
		}
		b, err := os.ReadFile(p)
		m[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// cancelAfterFirstRead yields n bytes per Read and cancels its context
// after the first one.
type cancelAfterFirstRead struct {
	cancel context.CancelFunc
	reads  int
}

func (r *cancelAfterFirstRead) Read(p []byte) (int, error) {
	r.reads++
	if r.reads == 2 {
		r.cancel()
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestCreateOnlyPublish(t *testing.T) {
	create := &storage.PutOptions{IfNotExist: true}
	for _, mode := range publishModes {
		for _, sync := range []bool{false, true} {
			name := mode.name
			if sync {
				name += "/sync"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				s := newInternalStore(t, dir, &Options{Sync: sync}, mode.forceLink)
				ctx := t.Context()
				put := func(key, data string, opts *storage.PutOptions) error {
					return storage.WriteAll(ctx, s, key, []byte(data), opts)
				}
				if err := put("e/a", "first", create); err != nil {
					t.Fatalf("create-only Put of a new key = %v", err)
				}
				if err := put("e/a", "second", create); !errors.Is(err, storage.ErrExist) || errors.Is(err, ErrConflict) {
					t.Errorf("create-only Put of an existing key = %v, want ErrExist (and not ErrConflict)", err)
				}
				if err := os.MkdirAll(filepath.Join(dir, "e", "d", "sub"), 0o755); err != nil {
					t.Fatal(err)
				}
				for _, o := range []*storage.PutOptions{create, nil} {
					if err := put("e/d", "x", o); !errors.Is(err, ErrConflict) || errors.Is(err, storage.ErrExist) {
						t.Errorf("Put(e/d, %+v) over a directory = %v, want ErrConflict (and not ErrExist)", o, err)
					}
				}
				// Canceled while writing: nothing published, no temporary file.
				cctx, cancel := context.WithCancel(ctx)
				err := s.Put(cctx, "e/c", &cancelAfterFirstRead{cancel: cancel}, create)
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Errorf("create-only Put canceled while writing = %v, want context.Canceled", err)
				}
				// A batch reports the existing key and the directory, and
				// commits the rest.
				err = s.PutBatch(ctx, []storage.BatchObject{
					{Key: "e/a", Data: []byte("third")},
					{Key: "e/b", Data: []byte("b")},
					{Key: "e/d", Data: []byte("d")},
				}, create)
				var be *storage.BatchError
				if !errors.As(err, &be) || !slices.Equal(be.Keys(), []string{"e/a", "e/d"}) ||
					!errors.Is(be.Errs[0], storage.ErrExist) || !errors.Is(be.Errs[1], ErrConflict) {
					t.Errorf("create-only PutBatch = %v, want a BatchError: e/a ErrExist, e/d ErrConflict", err)
				}
				want := map[string]string{"e/a": "first", "e/b": "b"}
				if diff := cmp.Diff(want, files(t, dir)); diff != "" {
					t.Errorf("files on disk mismatch (-want +got):\n%s", diff)
				}
				if !mode.forceLink && s.noRenameNoReplace.Load() {
					t.Logf("no rename without replacing here (%s): create-only Puts used hard links", runtime.GOOS)
				}
			})
		}
	}
}

// TestCreateOnlyRacePublishModes races create-only Puts through two Stores
// on one root, in both publish modes: exactly one wins, the others get
// ErrExist, and no temporary file is left.
func TestCreateOnlyRacePublishModes(t *testing.T) {
	for _, mode := range publishModes {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			stores := []*Store{newInternalStore(t, dir, nil, mode.forceLink), newInternalStore(t, dir, nil, mode.forceLink)}
			for round := range 10 {
				key := "race/" + string(rune('a'+round))
				var wg sync.WaitGroup
				errs := make([]error, 8)
				start := make(chan struct{})
				for i := range errs {
					wg.Go(func() {
						<-start
						errs[i] = storage.WriteAll(t.Context(), stores[i%2], key, []byte{'0' + byte(i)}, &storage.PutOptions{IfNotExist: true})
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
			for p := range files(t, dir) {
				if strings.Contains(p, TempPrefix) {
					t.Errorf("temporary file left behind: %s", p)
				}
			}
		})
	}
}

// TestUseAfterClose checks that a closed store fails cleanly: the
// descriptors it used are gone, and nothing is written.
func TestUseAfterClose(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"top", "e/x"} {
		if err := storage.WriteAll(t.Context(), s, key, []byte("x"), nil); err == nil {
			t.Errorf("Put(%q) after Close = nil, want an error", key)
		}
		if err := s.PutBatch(t.Context(), []storage.BatchObject{{Key: key}}, nil); err == nil {
			t.Errorf("PutBatch(%q) after Close = nil, want an error", key)
		}
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files after Close = %q, want none", got)
	}
}

// Where syncfs is refused (ENOSYS from an old kernel, EPERM from a
// sandbox's filter), a durable batch flushes each file instead, from then
// on without trying syncfs again; another syncfs error fails the batch and
// leaves nothing.
func TestSyncfsUnavailable(t *testing.T) {
	if !canSyncfs {
		t.Skip("this system flushes a batch file by file anyway")
	}
	ctx := context.Background()
	objs := []storage.BatchObject{{Key: "a/x", Data: []byte("1")}, {Key: "b/y", Data: []byte("2")}}
	for _, refusal := range []error{os.NewSyscallError("syncfs", syscall.ENOSYS), os.NewSyscallError("syncfs", syscall.EPERM)} {
		dir := t.TempDir()
		s := newInternalStore(t, dir, &Options{Sync: true}, false)
		calls := 0
		s.flushFS = func(*os.File) error { calls++; return refusal }
		for round := range 2 {
			batch := slices.Clone(objs)
			for i := range batch {
				batch[i].Key += strconv.Itoa(round)
			}
			if err := s.PutBatch(ctx, batch, nil); err != nil {
				t.Fatalf("%v, round %d: PutBatch = %v", refusal, round, err)
			}
		}
		if calls != 1 {
			t.Errorf("%v: syncfs tried %d times, want once", refusal, calls)
		}
		if got := files(t, dir); len(got) != 4 || got["a/x0"] != "1" || got["b/y1"] != "2" {
			t.Errorf("%v: files %v", refusal, got)
		}
	}

	dir := t.TempDir()
	s := newInternalStore(t, dir, &Options{Sync: true}, false)
	s.flushFS = func(*os.File) error { return os.NewSyscallError("syncfs", syscall.EIO) }
	if err := s.PutBatch(ctx, objs, nil); !errors.Is(err, syscall.EIO) {
		t.Errorf("PutBatch with syncfs failing with EIO = %v, want EIO", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("a batch that failed to flush left %v", got)
	}
	if s.noSyncfs.Load() {
		t.Error("an I/O error turned syncfs off")
	}
}
