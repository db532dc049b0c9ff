package capture_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// The events are made by one goroutine and written by another: an error on
// either side ends the sync with that error (never the cancellation it
// causes on the other side), leaves the stored snapshot where it was, and
// the next sync completes the work.
func TestSyncErrorWhileWritingEvents(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		rule faultstore.Rule
	}{
		{name: "reading the changed records", rule: faultstore.Rule{Op: faultstore.OpGet, Match: func(_ faultstore.Op, key string) bool {
			return strings.Contains(key, "/new-")
		}}},
		{name: "writing the second batch", rule: faultstore.Rule{Op: faultstore.OpPut, Skip: 2, Match: func(_ faultstore.Op, key string) bool {
			return strings.HasPrefix(key, entity+"/")
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memstore.New(nil)
			opts := &capture.Options{BatchSize: 2}
			if _, err := newCapture(t, mem, opts).Sync(ctx, seq(first()...), nil); err != nil {
				t.Fatal(err)
			}
			c := newCapture(t, faultstore.New(mem, tt.rule), opts)
			if _, err := c.Sync(ctx, seq(second()...), nil); !errors.Is(err, faultstore.ErrInjected) {
				t.Fatalf("Sync: %v, want the injected error", err)
			}
			if g, err := c.Generation(ctx); g != 1 || err != nil {
				t.Errorf("Generation = %d, %v; want 1", g, err)
			}
			res, err := newCapture(t, mem, opts).Sync(ctx, seq(second()...), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Resumed {
				t.Errorf("next sync = %+v, want the interrupted one completed first", res)
			}
			if n := len(readEvents(t, mem)); n != 13 {
				t.Errorf("%d events, want 13", n)
			}
			checkReplica(t, mem, newCapture(t, mem, nil))
		})
	}
}
