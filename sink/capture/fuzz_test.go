package capture_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// FuzzStoredSnapshot replaces the part of a stored snapshot with arbitrary
// bytes: reading it (Documents) and syncing against it must never panic, and
// must either work or fail with an error; a part that does not decode is
// ErrDamaged, never an empty snapshot.
func FuzzStoredSnapshot(f *testing.F) {
	ctx := context.Background()
	mem := memstore.New(nil)
	c := newCapture(f, mem, nil)
	if _, err := c.Sync(ctx, seq(first()...), nil); err != nil {
		f.Fatal(err)
	}
	var part string
	for key := range storage.Keys(ctx, mem, "_ledgersink/capture/"+entity+"/runs/") {
		part = key
	}
	seed, err := storage.ReadAll(ctx, mem, part)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"id":"x","event":"comptaCompteInserted","payload":{}}` + "\n"))
	f.Add(bytes.Repeat([]byte("\n"), 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := memstore.New(nil)
		for key := range storage.Keys(ctx, mem, "") {
			b, _ := storage.ReadAll(ctx, mem, key)
			if key == part {
				b = data
			}
			if err := storage.WriteAll(ctx, s, key, b, nil); err != nil {
				t.Fatal(err)
			}
		}
		c := newCapture(t, s, nil)
		for _, err := range c.Documents(ctx) {
			if err != nil && !errors.Is(err, capture.ErrDamaged) {
				t.Fatalf("Documents: %v", err)
			}
		}
		_, _ = c.Sync(ctx, seq(first()...), &capture.SyncOptions{Force: true})
	})
}
