package storagetest_test

import (
	"bytes"
	"context"
	"io"
	"iter"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
	"github.com/ledgersink/ledgersink/storage/storagetest"
)

// broken is a memstore with one deliberate defect, to prove that the suite
// catches it.
type broken struct {
	*memstore.Store
	defect string
}

func (b *broken) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	switch b.defect {
	case "ignore-ifnotexist":
		opts = nil
	case "partial-on-error":
		data, err := io.ReadAll(r)
		if perr := b.Store.Put(context.Background(), key, bytes.NewReader(data), opts); err == nil {
			err = perr
		}
		return err
	case "no-key-check":
		if !storage.ValidKey(key) {
			return b.Store.Put(ctx, "invalid-key-stored", r, opts)
		}
	case "ignore-ctx":
		ctx = context.Background()
	}
	return b.Store.Put(ctx, key, r, opts)
}

func (b *broken) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	if b.defect != "unsorted-list" {
		return b.Store.List(ctx, prefix)
	}
	return func(yield func(storage.Object, error) bool) {
		var objs []storage.Object
		for o, err := range b.Store.List(ctx, prefix) {
			if err != nil {
				yield(o, err)
				return
			}
			objs = append(objs, o)
		}
		slices.Reverse(objs)
		for _, o := range objs {
			if !yield(o, nil) {
				return
			}
		}
	}
}

func (b *broken) PutBatch(ctx context.Context, objs []storage.BatchObject, opts *storage.PutOptions) error {
	if b.defect == "batch-hides-exist" {
		for _, o := range objs {
			b.Store.Put(ctx, o.Key, bytes.NewReader(o.Data), opts) // errors dropped
		}
		return nil
	}
	return b.Store.PutBatch(ctx, objs, opts)
}

// TestBrokenStore runs the suite on a broken store when the parent test
// asks for it; otherwise it is skipped.
func TestBrokenStore(t *testing.T) {
	defect := os.Getenv("STORAGETEST_DEFECT")
	if defect == "" {
		t.Skip("run by TestSuiteCatchesDefects")
	}
	storagetest.Run(t, func(t *testing.T) storage.Store { return &broken{memstore.New(nil), defect} })
}

// TestSuiteCatchesDefects checks that the suite fails, in the expected
// subtest, for each deliberate defect: a conformance suite that cannot fail
// proves nothing.
func TestSuiteCatchesDefects(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary once per defect")
	}
	for _, tc := range []struct{ defect, subtest string }{
		{"ignore-ifnotexist", "IfNotExist"},
		{"partial-on-error", "FailingReader"},
		{"no-key-check", "InvalidKeys"},
		{"ignore-ctx", "CanceledContext"},
		{"unsorted-list", "ListOrder"},
		{"batch-hides-exist", "Batch/Batcher/IfNotExist"},
	} {
		t.Run(tc.defect, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStore$", "-test.count=1")
			cmd.Env = append(os.Environ(), "STORAGETEST_DEFECT="+tc.defect)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store with defect %q:\n%s", tc.defect, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenStore/"+tc.subtest) {
				t.Errorf("defect %q: want a failure in subtest %s, got:\n%s", tc.defect, tc.subtest, out)
			}
		})
	}
}
