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
	"github.com/ledgersink/ledgersink/storage"
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

// manyAccounts returns accounts acc-0000 ... acc-<n-1>, in a scrambled
// order; those for which rename is true get another label and version.
func manyAccounts(n int, keep, rename func(i int) bool) []*document.Doc {
	var docs []*document.Doc
	for j := range n {
		i := (j * 7) % n // n is not a multiple of 7
		if !keep(i) {
			continue
		}
		d := accountDoc(fmt.Sprintf("acc-%04d", i), fmt.Sprintf("Compte %d", i), "1")
		if rename(i) {
			d.Data.(*sink.Account).Label += " (renommé)"
			d.Version = "2"
		}
		docs = append(docs, d)
	}
	return docs
}

// Many documents, many chunks of pairs, runs, parts and batches: the events
// come in id order, each once, and rebuild the stored snapshot.
func TestSyncManyDocuments(t *testing.T) {
	ctx := context.Background()
	const n = 1000
	mem := memstore.New(nil)
	c := newCapture(t, mem, &capture.Options{SortBuffer: 100, PartSize: 50, BatchSize: 7})
	none := func(int) bool { return false }
	if _, err := c.Sync(ctx, seq(manyAccounts(n, func(i int) bool { return i < n-100 }, none)...), nil); err != nil {
		t.Fatal(err)
	}
	keep := func(i int) bool { return i%10 != 5 }
	rename := func(i int) bool { return i%3 == 0 }
	res, err := c.Sync(ctx, seq(manyAccounts(n, keep, rename)...), nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []event
	for i := range n - 100 {
		want = append(want, event{Name: sink.AccountInserted, ID: fmt.Sprintf("acc-%04d", i)})
	}
	for i := range n {
		id := fmt.Sprintf("acc-%04d", i)
		switch {
		case i >= n-100 && keep(i):
			want = append(want, event{Name: sink.AccountInserted, ID: id})
		case i >= n-100:
		case !keep(i):
			want = append(want, event{Name: sink.AccountDeleted, ID: id})
		case rename(i):
			want = append(want, event{Name: sink.AccountUpdated, ID: id, Changed: []string{"libelle"}})
		}
	}
	if diff := cmp.Diff(want, readEvents(t, mem)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if res.Events != len(want)-(n-100) {
		t.Errorf("second sync wrote %d events, want %d", res.Events, len(want)-(n-100))
	}
	checkReplica(t, mem, c)
}

// A stored payload that does not decode stops the sync with ErrDamaged, and
// no event after the damaged document is written.
func TestSyncDamagedPayload(t *testing.T) {
	ctx := context.Background()
	const n, damaged = 300, 250
	mem := memstore.New(nil)
	opts := &capture.Options{BatchSize: 5}
	all := func(int) bool { return true }
	if _, err := newCapture(t, mem, opts).Sync(ctx, seq(manyAccounts(n, all, func(int) bool { return false })...), nil); err != nil {
		t.Fatal(err)
	}
	before := len(readEvents(t, mem))
	id := fmt.Sprintf("acc-%04d", damaged)
	for key := range storage.Keys(ctx, mem, "_ledgersink/capture/"+entity+"/runs/") {
		data, err := storage.ReadAll(ctx, mem, key)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for line := range strings.Lines(string(data)) {
			if strings.HasPrefix(line, `{"id":"`+id+`"`) {
				head, _, _ := strings.Cut(line, "\t")
				line = head + "\t{}\n"
			}
			lines = append(lines, line)
		}
		if err := storage.WriteAll(ctx, mem, key, []byte(strings.Join(lines, "")), nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err := newCapture(t, mem, opts).Sync(ctx, seq(manyAccounts(n, all, all)...), nil)
	if !errors.Is(err, capture.ErrDamaged) {
		t.Fatalf("Sync: %v, want ErrDamaged", err)
	}
	got := readEvents(t, mem)[before:]
	for _, ev := range got {
		if ev.ID >= id {
			t.Errorf("event %v written after the damaged document", ev)
		}
	}
}
