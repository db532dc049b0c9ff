package sink

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// encodedAccount returns the encoded Inserted event of an account.
func encodedAccount(t *testing.T, entity, id string) Encoded {
	t.Helper()
	data, err := accountEvent(entity, id, "1").Encode()
	if err != nil {
		t.Fatal(err)
	}
	return Encoded{Name: AccountInserted, Entity: entity, Data: data}
}

// TestWriteCheckedOnce writes a checked batch, and the same events with
// WriteEncodedOnce in another store: the files and the records are the
// same, and a later WriteEncodedOnce with the id finds them.
func TestWriteCheckedOnce(t *testing.T) {
	ctx := context.Background()
	evs := []Encoded{encodedAccount(t, "ent", "a1"), encodedAccount(t, "ent", "a2"), encodedAccount(t, "other", "a3")}
	contents := func(s storage.Store) map[string]string {
		m := map[string]string{}
		for key, err := range storage.Keys(ctx, s, "") {
			if err != nil {
				t.Fatal(err)
			}
			data, err := storage.ReadAll(ctx, s, key)
			if err != nil {
				t.Fatal(err)
			}
			m[key] = string(data)
		}
		return m
	}
	checked, plain := memstore.New(nil), memstore.New(nil)
	w, _ := NewWriter(checked, &WriterOptions{Now: clock()})
	b, err := w.CheckEncodedBatch(evs)
	if err != nil || b.Len() != 3 {
		t.Fatalf("CheckEncodedBatch = %v, %v", b, err)
	}
	res, err := w.WriteCheckedOnce(ctx, "id-1", b)
	if err != nil || res.Count(WriteCreated) != 3 {
		t.Fatalf("WriteCheckedOnce = %+v, %v", res, err)
	}
	w2, _ := NewWriter(plain, &WriterOptions{Now: clock()})
	if _, err := w2.WriteEncodedOnce(ctx, "id-1", evs); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(contents(plain), contents(checked)); diff != "" {
		t.Errorf("stores differ (-WriteEncodedOnce +WriteCheckedOnce):\n%s", diff)
	}
	again, err := w.WriteEncodedOnce(ctx, "id-1", evs)
	if err != nil || again.Count(WriteExisting) != 3 {
		t.Errorf("WriteEncodedOnce after WriteCheckedOnce = %+v, %v", again, err)
	}
}

// TestCheckEncodedBatchErrors checks bad batches: the first bad event is
// named, a batch checked by another writer is checked again by the one
// writing it, and a nil batch is an error.
func TestCheckEncodedBatchErrors(t *testing.T) {
	ctx := context.Background()
	w, _ := NewWriter(memstore.New(nil), &WriterOptions{Now: clock(), StateDir: "state"})
	bad := encodedAccount(t, "ent", "a2")
	bad.Data = []byte(`{"timestamp":1}`)
	_, err := w.CheckEncodedBatch([]Encoded{encodedAccount(t, "ent", "a1"), bad, bad})
	if we, ok := errors.AsType[*WriteError](err); !ok || we.Index != 1 || !errors.Is(err, ErrPayload) {
		t.Errorf("CheckEncodedBatch = %v, want a *WriteError for event 1", err)
	}
	// Entity "state" is another writer's entity, and w's state directory.
	other, _ := NewWriter(memstore.New(nil), &WriterOptions{Now: clock()})
	b, err := other.CheckEncodedBatch([]Encoded{encodedAccount(t, "state", "a1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteCheckedOnce(ctx, "id-1", b); !errors.Is(err, ErrEntity) {
		t.Errorf("WriteCheckedOnce of another writer's batch = %v, want ErrEntity", err)
	}
	if _, err := w.WriteCheckedOnce(ctx, "id-2", nil); err == nil {
		t.Error("WriteCheckedOnce(nil) succeeded")
	}
}
