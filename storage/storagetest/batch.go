package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
)

// loopOnly hides a store's Batcher, so storage.PutBatch falls back on Put.
type loopOnly struct{ storage.Store }

func (h *harness) testBatch(t *testing.T, s storage.Store) {
	paths := []struct {
		name string
		wrap func(storage.Store) storage.Store
	}{{"Loop", func(s storage.Store) storage.Store { return loopOnly{s} }}}
	if _, ok := s.(storage.Batcher); ok {
		paths = append([]struct {
			name string
			wrap func(storage.Store) storage.Store
		}{{"Batcher", func(s storage.Store) storage.Store { return s }}}, paths...)
	}
	cases := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"RoundTrip", testBatchRoundTrip},
		{"IfNotExist", testBatchIfNotExist},
		{"InvalidKeys", testBatchInvalidKeys},
		{"DuplicateKeys", testBatchDuplicateKeys},
		{"Empty", testBatchEmpty},
		{"CanceledContext", testBatchCanceled},
		{"NoAliasing", testBatchNoAliasing},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					c.fn(t, p.wrap(h.newStore(t)))
				})
			}
		})
	}
}

func batchOf(prefix string, n int) []storage.BatchObject {
	objs := make([]storage.BatchObject, n)
	for i := range objs {
		objs[i] = storage.BatchObject{Key: fmt.Sprintf("%s/k%02d", prefix, i), Data: pattern(byte(i), 100+i)}
	}
	return objs
}

func testBatchRoundTrip(t *testing.T, s storage.Store) {
	objs := batchOf("b", 12)
	objs = append(objs, storage.BatchObject{Key: "b/sub/dir/deep", Data: []byte("deep")}, storage.BatchObject{Key: "b/zero"})
	if err := storage.PutBatch(t.Context(), s, objs, nil); err != nil {
		t.Fatalf("PutBatch of %d new objects = %v, want nil", len(objs), err)
	}
	want := []string{}
	for _, o := range objs {
		want = append(want, o.Key)
		data := o.Data
		if data == nil {
			data = []byte{}
		}
		mustGet(t, s, o.Key, data, "PutBatch returned nil, so every object must be committed")
	}
	if diff := cmp.Diff(want, listKeys(t, s, "b/")); diff != "" {
		t.Errorf("List after PutBatch mismatch (-want +got):\n%s", diff)
	}
	objs[0].Data = []byte("rewritten")
	if err := storage.PutBatch(t.Context(), s, objs[:1], nil); err != nil {
		t.Fatalf("PutBatch overwriting one object = %v, want nil", err)
	}
	mustGet(t, s, objs[0].Key, []byte("rewritten"), "PutBatch without IfNotExist overwrites")
}

func testBatchIfNotExist(t *testing.T, s storage.Store) {
	mustPut(t, s, "b/k03", []byte("old3"))
	mustPut(t, s, "b/k07", []byte("old7"))
	objs := batchOf("b", 10)
	err := storage.PutBatch(t.Context(), s, objs, &storage.PutOptions{IfNotExist: true})
	var be *storage.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("create-only PutBatch with 2 existing keys = %v, want a *storage.BatchError naming them", err)
	}
	if diff := cmp.Diff([]string{"b/k03", "b/k07"}, be.Keys()); diff != "" {
		t.Errorf("BatchError keys mismatch (-want +got): the error must name exactly the objects not committed:\n%s", diff)
	}
	for _, ke := range be.Errs {
		if !errors.Is(ke, storage.ErrExist) {
			t.Errorf("BatchError entry %v does not match storage.ErrExist", ke)
		}
	}
	if !errors.Is(err, storage.ErrExist) {
		t.Errorf("errors.Is(%v, storage.ErrExist) = false, want true", err)
	}
	mustGet(t, s, "b/k03", []byte("old3"), "create-only PutBatch leaves existing objects untouched")
	mustGet(t, s, "b/k07", []byte("old7"), "create-only PutBatch leaves existing objects untouched")
	for i, o := range objs {
		if i != 3 && i != 7 {
			mustGet(t, s, o.Key, o.Data, "objects a BatchError does not name must be committed")
		}
	}
	// Retrying the same batch commits nothing more and names every key.
	err = storage.PutBatch(t.Context(), s, objs, &storage.PutOptions{IfNotExist: true})
	if !errors.As(err, &be) || len(be.Errs) != len(objs) {
		t.Errorf("retried create-only PutBatch = %v, want a *storage.BatchError naming all %d keys", err, len(objs))
	}
}

func testBatchInvalidKeys(t *testing.T, s storage.Store) {
	objs := []storage.BatchObject{
		{Key: "ok/1", Data: []byte("1")},
		{Key: "bad//2", Data: []byte("2")},
		{Key: "ok/3", Data: []byte("3")},
		{Key: "../escape", Data: []byte("4")},
	}
	err := storage.PutBatch(t.Context(), s, objs, nil)
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("PutBatch with invalid keys = %v, want an error matching storage.ErrInvalidKey", err)
	}
	var be *storage.BatchError
	if errors.As(err, &be) {
		t.Errorf("PutBatch with invalid keys returned a *storage.BatchError, which would claim the other objects were committed; want a plain error and nothing written")
	}
	if got := invalidKeys(err); !cmp.Equal(got, []string{"bad//2", "../escape"}) {
		t.Errorf("PutBatch invalid keys reported = %q, want both invalid keys: validation reports every problem", got)
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Errorf("List after a PutBatch rejected for invalid keys = %q, want nothing: keys are checked before any write", got)
	}
}

func invalidKeys(err error) []string {
	var keys []string
	var walk func(error)
	walk = func(err error) {
		var ke *storage.KeyError
		if k, ok := err.(*storage.KeyError); ok {
			ke = k
			keys = append(keys, ke.Key)
			return
		}
		if m, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range m.Unwrap() {
				walk(e)
			}
		} else if e := errors.Unwrap(err); e != nil {
			walk(e)
		}
	}
	walk(err)
	return keys
}

func testBatchDuplicateKeys(t *testing.T, s storage.Store) {
	objs := []storage.BatchObject{{Key: "d/1", Data: []byte("a")}, {Key: "d/2"}, {Key: "d/1", Data: []byte("b")}}
	err := storage.PutBatch(t.Context(), s, objs, nil)
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("PutBatch with a repeated key = %v, want an error matching storage.ErrInvalidKey: which version would win is undefined", err)
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Errorf("List after a rejected PutBatch = %q, want nothing", got)
	}
}

func testBatchEmpty(t *testing.T, s storage.Store) {
	if err := storage.PutBatch(t.Context(), s, nil, &storage.PutOptions{IfNotExist: true}); err != nil {
		t.Errorf("PutBatch of no object = %v, want nil", err)
	}
}

func testBatchCanceled(t *testing.T, s storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := storage.PutBatch(ctx, s, batchOf("c", 3), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PutBatch with a canceled context = %v, want an error matching context.Canceled", err)
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Errorf("List after a canceled PutBatch = %q, want nothing", got)
	}
}

func testBatchNoAliasing(t *testing.T, s storage.Store) {
	objs := []storage.BatchObject{{Key: "a/1", Data: []byte("one")}, {Key: "a/2", Data: []byte("two")}}
	if err := storage.PutBatch(t.Context(), s, objs, nil); err != nil {
		t.Fatal(err)
	}
	copy(objs[0].Data, "XXX")
	objs[1].Key = "a/3"
	mustGet(t, s, "a/1", []byte("one"), "PutBatch must copy the data: the caller may reuse it once PutBatch returns")
	mustGet(t, s, "a/2", []byte("two"), "PutBatch must not retain the batch")
}
