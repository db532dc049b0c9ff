package storage_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
	"github.com/ledgersink/ledgersink/storage/storagetest"
)

func TestPrefixStoreConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return &prefixStore{objs: map[string][]byte{}, at: time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)}
	})
}

// flaky fails Put for the keys in fail, and Close of Get's reader for the
// keys in badClose; it has no Batcher, so PutBatch loops.
type flaky struct {
	storage.Store
	fail     map[string]error
	badClose map[string]bool
	puts     []string
}

var errFlaky = errors.New("flaky")

func (f *flaky) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	f.puts = append(f.puts, key)
	if err := f.fail[key]; err != nil {
		return err
	}
	return f.Store.Put(ctx, key, r, opts)
}

type badCloser struct{ io.ReadCloser }

func (badCloser) Close() error { return errFlaky }

func (f *flaky) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := f.Store.Get(ctx, key)
	if err == nil && f.badClose[key] {
		return badCloser{r}, nil
	}
	return r, err
}

func (f *flaky) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return f.Store.List(ctx, prefix)
}

func TestPutBatchLoopReportsEachFailure(t *testing.T) {
	f := &flaky{Store: memstore.New(nil), fail: map[string]error{"b": errFlaky, "d": errFlaky}}
	objs := []storage.BatchObject{{Key: "a"}, {Key: "b"}, {Key: "c"}, {Key: "d"}, {Key: "e"}}
	err := storage.PutBatch(t.Context(), f, objs, nil)
	var be *storage.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("PutBatch = %v, want a *BatchError", err)
	}
	if diff := cmp.Diff([]string{"b", "d"}, be.Keys()); diff != "" {
		t.Errorf("failed keys mismatch (-want +got):\n%s", diff)
	}
	if !errors.Is(err, errFlaky) {
		t.Errorf("errors.Is(err, errFlaky) = false: the cause of each failure must be reachable")
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, f.puts); diff != "" {
		t.Errorf("PutBatch must try every object, in order (-want +got):\n%s", diff)
	}
	const want = `storage: put batch: 2 objects not committed: putbatch "b": flaky; putbatch "d": flaky`
	if err.Error() != want {
		t.Errorf("Error() = %s\nwant      %s", err, want)
	}
}

func TestPutBatchLoopStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	f := &flaky{Store: memstore.New(nil), fail: map[string]error{}}
	objs := []storage.BatchObject{{Key: "a"}, {Key: "b"}, {Key: "c"}}
	// Cancel while "b" is written: "c" must not be attempted.
	f.Store = cancelOn{Store: f.Store, key: "b", cancel: cancel}
	err := storage.PutBatch(ctx, f, objs, nil)
	var be *storage.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("PutBatch = %v, want a *BatchError", err)
	}
	if diff := cmp.Diff([]string{"b", "c"}, be.Keys()); diff != "" {
		t.Errorf("failed keys mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b"}, f.puts); diff != "" {
		t.Errorf("puts attempted mismatch (-want +got):\n%s", diff)
	}
}

type cancelOn struct {
	storage.Store
	key    string
	cancel context.CancelFunc
}

func (c cancelOn) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if key == c.key {
		c.cancel()
	}
	return c.Store.Put(ctx, key, r, opts)
}

func TestBatchErrorMessageTruncates(t *testing.T) {
	be := &storage.BatchError{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		be.Errs = append(be.Errs, &storage.KeyError{Op: "putbatch", Key: k, Err: storage.ErrExist})
	}
	const want = `storage: put batch: 7 objects not committed: putbatch "a": file already exists; putbatch "b": file already exists; putbatch "c": file already exists; putbatch "d": file already exists; putbatch "e": file already exists; ...`
	if be.Error() != want {
		t.Errorf("Error() = %s\nwant      %s", be, want)
	}
}

func TestReadAllReportsCloseError(t *testing.T) {
	f := &flaky{Store: memstore.New(nil), badClose: map[string]bool{"k": true}}
	if err := storage.WriteAll(t.Context(), f, "k", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.ReadAll(t.Context(), f, "k"); !errors.Is(err, errFlaky) {
		t.Errorf("ReadAll with a failing Close = %v, want the Close error", err)
	}
	if ok, err := storage.Exists(t.Context(), f, "k"); ok || !errors.Is(err, errFlaky) {
		t.Errorf("Exists with a failing Close = %v, %v; want false and the Close error", ok, err)
	}
}

func TestCheckBatch(t *testing.T) {
	err := storage.CheckBatch([]storage.BatchObject{{Key: "a"}, {Key: "a"}, {Key: "/b"}, {Key: "c"}, {Key: "a"}})
	var got [][2]string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ke *storage.KeyError
		if errors.As(e, &ke) {
			got = append(got, [2]string{ke.Key, ke.Rule})
		}
	}
	want := [][2]string{{"a", storage.RuleDuplicate}, {"/b", storage.RuleLeadingSlash}, {"a", storage.RuleDuplicate}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CheckBatch mismatch (-want +got):\n%s", diff)
	}
	if err := storage.CheckBatch(nil); err != nil {
		t.Errorf("CheckBatch(nil) = %v", err)
	}
}

// loopOnly hides memstore's Batcher, so that PutBatch loops over Put.
type loopOnly struct{ storage.Store }

func TestPutBatchLoopNamesKeyOnce(t *testing.T) {
	s := loopOnly{memstore.New(nil)}
	if err := storage.WriteAll(t.Context(), s, "a", nil, nil); err != nil {
		t.Fatal(err)
	}
	err := storage.PutBatch(t.Context(), s, []storage.BatchObject{{Key: "a"}, {Key: "b"}}, &storage.PutOptions{IfNotExist: true})
	const want = `storage: put batch: 1 objects not committed: putbatch "a": file already exists`
	if err == nil || err.Error() != want || !errors.Is(err, storage.ErrExist) {
		t.Errorf("PutBatch = %v\nwant        %s", err, want)
	}
}

func TestPutConcurrently(t *testing.T) {
	objs := make([]storage.BatchObject, 40)
	for i := range objs {
		objs[i] = storage.BatchObject{Key: fmt.Sprintf("k%02d", i)}
	}
	for _, n := range []int{-1, 0, 1, 4, 100} {
		var mu sync.Mutex
		running, peak := 0, 0
		err := storage.PutConcurrently(t.Context(), objs, n, func(ctx context.Context, o storage.BatchObject) error {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			switch o.Key {
			case "k03":
				return errFlaky
			case "k07":
				return &storage.KeyError{Op: "put", Key: "k07", Err: storage.ErrExist}
			}
			return nil
		})
		var be *storage.BatchError
		if !errors.As(err, &be) {
			t.Fatalf("n=%d: PutConcurrently = %v, want a BatchError", n, err)
		}
		if diff := cmp.Diff([]string{"k03", "k07"}, be.Keys()); diff != "" {
			t.Errorf("n=%d: failed keys mismatch (-want +got):\n%s", n, diff)
		}
		for _, ke := range be.Errs {
			if ke.Op != "putbatch" {
				t.Errorf("n=%d: entry %v has Op %q, want putbatch", n, ke, ke.Op)
			}
		}
		if !errors.Is(err, storage.ErrExist) || !errors.Is(err, errFlaky) {
			t.Errorf("n=%d: causes not reachable through %v", n, err)
		}
		if want := min(max(n, 1), len(objs)); peak > want {
			t.Errorf("n=%d: %d puts ran at once, want at most %d", n, peak, want)
		}
	}
}

func TestPutConcurrentlyCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	objs := []storage.BatchObject{{Key: "a"}, {Key: "b"}, {Key: "c"}}
	var done []string
	err := storage.PutConcurrently(ctx, objs, 1, func(ctx context.Context, o storage.BatchObject) error {
		done = append(done, o.Key)
		if o.Key == "b" {
			cancel()
		}
		return nil
	})
	var be *storage.BatchError
	if !errors.As(err, &be) || !cmp.Equal(be.Keys(), []string{"c"}) || !errors.Is(err, context.Canceled) {
		t.Errorf("PutConcurrently canceled during b = %v, want a BatchError naming c with context.Canceled", err)
	}
	if !cmp.Equal(done, []string{"a", "b"}) {
		t.Errorf("puts attempted = %q, want [a b]", done)
	}
}

func TestCheckKeyUnder(t *testing.T) {
	for _, tt := range []struct {
		prefix, key, rule string
	}{
		{"", "a", ""},
		{"tenant/42/", "a/b", ""},
		{"tenant/42/", strings.Repeat("abcdefghi/", 101) + "zzzz", ""},                  // 1014 + 10 bytes
		{"tenant/42/", strings.Repeat("abcdefghi/", 101) + "zzzzz", storage.RuleLength}, // 1015 + 10 bytes
		{"tenant/42/", "a//b", storage.RuleEmptyElement},
	} {
		err := storage.CheckKeyUnder("put", tt.prefix, tt.key)
		var ke *storage.KeyError
		switch {
		case tt.rule == "" && err != nil:
			t.Errorf("CheckKeyUnder(%q, %q) = %v, want nil", tt.prefix, tt.key, err)
		case tt.rule != "" && (!errors.As(err, &ke) || ke.Rule != tt.rule || ke.Op != "put" || !errors.Is(err, storage.ErrInvalidKey)):
			t.Errorf("CheckKeyUnder(%q, %q) = %v, want rule %q and Op put", tt.prefix, tt.key, err, tt.rule)
		}
		berr := storage.CheckBatchUnder(tt.prefix, []storage.BatchObject{{Key: tt.key}})
		if (berr == nil) != (tt.rule == "") {
			t.Errorf("CheckBatchUnder(%q, %q) = %v, want rule %q", tt.prefix, tt.key, berr, tt.rule)
		}
	}
}

func TestReadAtMost(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(nil)
	if err := storage.WriteAll(ctx, s, "k", []byte("12345"), nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		limit   int64
		wantErr error
	}{{5, nil}, {6, nil}, {4, storage.ErrTooLarge}, {0, storage.ErrTooLarge}} {
		got, err := storage.ReadAtMost(ctx, s, "k", tt.limit)
		if !errors.Is(err, tt.wantErr) || (err == nil && string(got) != "12345") {
			t.Errorf("ReadAtMost(limit %d) = %q, %v; want the content or %v", tt.limit, got, err, tt.wantErr)
		}
	}
	if _, err := storage.ReadAtMost(ctx, s, "missing", 10); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("missing key: %v", err)
	}
}
