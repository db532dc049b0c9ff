package capture_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestSyncReportsTheFirstBadDocument syncs many documents, encoded by
// several goroutines, with a bad one among them and a source error after
// it: the sync reports the bad document, as if they were encoded one by one.
func TestSyncReportsTheFirstBadDocument(t *testing.T) {
	ctx := context.Background()
	failure := errors.New("source failed")
	for _, bad := range []int{0, 1, 300, 999} {
		docs := func(yield func(*document.Doc, error) bool) {
			for i := range 1000 {
				d := accountDoc(fmt.Sprintf("acc-%04d", i), "Compte", "1")
				if i == bad {
					d.Data = "not a payload"
				}
				if !yield(d, nil) {
					return
				}
			}
			yield(nil, failure)
		}
		c := newCapture(t, memstore.New(nil), &capture.Options{SortBuffer: 100})
		_, err := c.Sync(ctx, docs, nil)
		if de, ok := errors.AsType[*capture.DocError](err); !ok || de.ID != fmt.Sprintf("acc-%04d", bad) || !errors.Is(err, capture.ErrDocument) {
			t.Errorf("bad document %d: Sync = %v, want its DocError", bad, err)
		}
	}
	t.Run("source error", func(t *testing.T) {
		docs := func(yield func(*document.Doc, error) bool) {
			for i := range 1000 {
				if !yield(&document.Doc{Type: "account", ID: fmt.Sprintf("acc-%04d", i), Data: &sink.Account{Number: "1", Label: "x"}}, nil) {
					return
				}
			}
			yield(nil, failure)
		}
		if _, err := newCapture(t, memstore.New(nil), nil).Sync(ctx, docs, nil); !errors.Is(err, failure) {
			t.Errorf("Sync = %v, want the source's error", err)
		}
	})
}

// TestSyncCompletesInRecordedBatches interrupts a sync after its events
// are written, and completes it with a capture whose BatchSize differs:
// the batches are those the sync recorded, written once.
func TestSyncCompletesInRecordedBatches(t *testing.T) {
	ctx := context.Background()
	synced := func() *memstore.Store {
		mem := memstore.New(nil)
		if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
			t.Fatal(err)
		}
		return mem
	}
	ref := synced()
	if _, err := newCapture(t, ref, &capture.Options{BatchSize: 2}).Sync(ctx, seq(second()...), nil); err != nil {
		t.Fatal(err)
	}
	mem := synced()
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Match: func(_ faultstore.Op, key string) bool { return strings.Contains(key, "/heads/") }})
	if _, err := newCapture(t, fs, &capture.Options{BatchSize: 2}).Sync(ctx, seq(second()...), nil); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("the interrupted sync: %v", err)
	}
	res, err := newCapture(t, mem, &capture.Options{BatchSize: 3}).Sync(ctx, seq(second()...), nil)
	if err != nil || !res.Resumed {
		t.Fatalf("Sync = %+v, %v; want a resumed sync", res, err)
	}
	if diff := cmp.Diff(readEvents(t, ref), readEvents(t, mem)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
