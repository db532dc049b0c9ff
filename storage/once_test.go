package storage_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func TestPutOnce(t *testing.T) {
	ctx := t.Context()
	s := memstore.New(nil)
	opts := &storage.PutOptions{ContentType: "application/json"}
	if created, err := storage.PutOnce(ctx, s, "k", []byte("v1"), opts); !created || err != nil {
		t.Fatalf("PutOnce of a new key = %v, %v; want true, nil", created, err)
	}
	if opts.IfNotExist {
		t.Errorf("PutOnce modified *opts")
	}
	if created, err := storage.PutOnce(ctx, s, "k", []byte("v1"), nil); created || err != nil {
		t.Errorf("PutOnce of the same bytes = %v, %v; want false, nil: a retry succeeds", created, err)
	}
	created, err := storage.PutOnce(ctx, s, "k", []byte("v2"), nil)
	if created || !errors.Is(err, storage.ErrConflict) {
		t.Errorf("PutOnce of other bytes = %v, %v; want false and an error matching ErrConflict", created, err)
	}
	if ke, ok := errors.AsType[*storage.KeyError](err); !ok || ke.Op != "put" || ke.Key != "k" {
		t.Errorf("PutOnce conflict = %#v, want a *KeyError naming put and the key", err)
	}
	if got, _ := storage.ReadAll(ctx, s, "k"); string(got) != "v1" {
		t.Errorf("after a conflict the object holds %q, want the first bytes untouched", got)
	}
	if _, err := storage.PutOnce(ctx, s, "a//b", []byte("x"), nil); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("PutOnce of an invalid key = %v, want ErrInvalidKey", err)
	}
}

// TestPutOnceUnreadable checks that an object that exists but cannot be
// read back is neither a success nor a conflict.
func TestPutOnceUnreadable(t *testing.T) {
	f := &flaky{Store: memstore.New(nil), badClose: map[string]bool{"k": true}}
	if err := storage.WriteAll(t.Context(), f, "k", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	created, err := storage.PutOnce(t.Context(), f, "k", []byte("x"), nil)
	if created || err == nil || errors.Is(err, storage.ErrConflict) || !errors.Is(err, errFlaky) {
		t.Errorf("PutOnce over an unreadable object = %v, %v; want false and the read error, not a conflict", created, err)
	}
}

func TestPutBatchOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		new  func() storage.Store
	}{
		{"batcher", func() storage.Store { return memstore.New(nil) }},
		{"put by put", func() storage.Store { return &flaky{Store: memstore.New(nil)} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := tt.new()
			for k, v := range map[string]string{"same": "s", "other": "o"} {
				if err := storage.WriteAll(ctx, s, k, []byte(v), nil); err != nil {
					t.Fatal(err)
				}
			}
			objs := []storage.BatchObject{
				{Key: "new1", Data: []byte("n1")},
				{Key: "same", Data: []byte("s")},
				{Key: "other", Data: []byte("O")},
				{Key: "new2", Data: []byte("n2")},
			}
			created, err := storage.PutBatchOnce(ctx, s, objs, nil)
			if diff := cmp.Diff([]bool{true, false, false, true}, created); diff != "" {
				t.Errorf("created mismatch (-want +got):\n%s", diff)
			}
			be, ok := errors.AsType[*storage.BatchError](err)
			if !ok || !errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrExist) {
				t.Fatalf("PutBatchOnce = %v, want a *BatchError matching ErrConflict only", err)
			}
			if diff := cmp.Diff([]string{"other"}, be.Keys()); diff != "" {
				t.Errorf("keys not stored mismatch (-want +got): the same bytes are a success:\n%s", diff)
			}
			if got, _ := storage.ReadAll(ctx, s, "other"); string(got) != "o" {
				t.Errorf("conflicting object holds %q, want it untouched", got)
			}
			created, err = storage.PutBatchOnce(ctx, s, objs[:2], nil)
			if err != nil || !cmp.Equal(created, []bool{false, false}) {
				t.Errorf("retried PutBatchOnce = %v, %v; want nothing created and nil", created, err)
			}
			created, err = storage.PutBatchOnce(ctx, s, []storage.BatchObject{{Key: "ok"}, {Key: "/bad"}}, nil)
			if _, isBatch := errors.AsType[*storage.BatchError](err); isBatch || !errors.Is(err, storage.ErrInvalidKey) || !cmp.Equal(created, []bool{false, false}) {
				t.Errorf("PutBatchOnce with an invalid key = %v, %v; want a plain ErrInvalidKey error and nothing created", created, err)
			}
			if ok, _ := storage.Exists(ctx, s, "ok"); ok {
				t.Errorf("PutBatchOnce with an invalid key wrote the valid one")
			}
		})
	}
}
