package sink

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestWriteOnceReservesOnce writes batches larger than the offset block:
// each reserves the blocks it needs with one reservation, keeps the rest of
// the current block, and numbers its events without a gap.
func TestWriteOnceReservesOnce(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := NewWriter(store, &WriterOptions{Now: clock(), OffsetBlock: 100})
	var want []int64
	for b, n := range []int{250, 30, 260} {
		evs := make([]*Event, n)
		for i := range evs {
			evs[i] = accountEvent("ent", fmt.Sprintf("a%d-%d", b, i), "1")
		}
		res, err := w.WriteOnce(ctx, fmt.Sprintf("batch-%d", b), evs)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Files {
			want = append(want, int64(len(want)))
			if f.Name.Offset != want[len(want)-1] {
				t.Fatalf("batch %d: offset %d, want %d", b, f.Name.Offset, want[len(want)-1])
			}
		}
	}
	var ends []string
	for key, err := range storage.Keys(ctx, store, w.reservationDir("ent")) {
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, key[len(w.reservationDir("ent")):])
	}
	// 250 events: one reservation of 300; 30 more: within it; 260 more
	// (20 left): one of 300, up to 600.
	if want := []string{"0000000000000000300", "0000000000000000600"}; !slices.Equal(ends, want) {
		t.Errorf("reservations %v, want %v", ends, want)
	}
}
