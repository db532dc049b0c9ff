package capture_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// call is one call a store received.
type call struct {
	op  faultstore.Op
	key string
}

// oneFault fails, once, the n-th call of s that is not a Delete (deletions
// are best effort everywhere), and records which call it was.
func oneFault(s storage.Store, n int) (*faultstore.Store, func() (call, bool)) {
	var (
		mu    sync.Mutex
		calls []call
	)
	fs := faultstore.New(s, faultstore.Rule{Skip: n, Times: 1, Match: func(op faultstore.Op, key string) bool {
		if op == faultstore.OpDelete {
			return false
		}
		mu.Lock()
		calls = append(calls, call{op, key})
		mu.Unlock()
		return true
	}})
	return fs, func() (call, bool) {
		mu.Lock()
		defer mu.Unlock()
		if fs.Faults() == 0 || len(calls) <= n {
			return call{}, false
		}
		return calls[n], true
	}
}

// bestEffort reports whether a failure of c may go unreported: reading the
// snapshot whose parts a sync prunes.
func bestEffort(c call) bool { return c.op == faultstore.OpGet && strings.Contains(c.key, "/heads/") }

// TestSyncReportsEveryStoreError fails, once, each call the second sync
// makes to the store, one run per call: the sync must return the store's
// error (never carry on as if the call had worked), unless the call was best
// effort and the sync's result is that of a run without fault; and the next
// sync must then end as a run without fault would. (TestSyncCrash crashes
// the store, so that every later call fails too, which would hide an error
// swallowed by one call.)
func TestSyncReportsEveryStoreError(t *testing.T) {
	ctx := context.Background()
	opts := &capture.Options{SortBuffer: 2, PartSize: 2, BatchSize: 2}
	synced := func() *memstore.Store {
		mem := memstore.New(nil)
		if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
			t.Fatal(err)
		}
		return mem
	}
	// interrupted: the second sync recorded its intent, and failed to
	// record its head; the next sync completes it first.
	interrupted := func() *memstore.Store {
		mem := synced()
		fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Match: func(_ faultstore.Op, key string) bool { return strings.Contains(key, "/heads/") }})
		if _, err := newCapture(t, fs, opts).Sync(ctx, seq(second()...), nil); !errors.Is(err, faultstore.ErrInjected) {
			t.Fatalf("the interrupted sync: %v", err)
		}
		return mem
	}
	ref := synced()
	if _, err := newCapture(t, ref, opts).Sync(ctx, seq(second()...), nil); err != nil {
		t.Fatal(err)
	}
	want := readEvents(t, ref)
	for name, setup := range map[string]func() *memstore.Store{"after a sync": synced, "after an interrupted sync": interrupted} {
		for n := 0; ; n++ {
			mem := setup()
			fs, struck := oneFault(mem, n)
			_, err := newCapture(t, fs, opts).Sync(ctx, seq(second()...), nil)
			c, ok := struck()
			if !ok {
				if err != nil {
					t.Fatal(err)
				}
				if n < 10 {
					t.Fatalf("%s: the sync made only %d calls", name, n)
				}
				break
			}
			switch {
			case err == nil && !bestEffort(c):
				t.Fatalf("%s: a failure of call %d (%s %s) was not reported", name, n, c.op, c.key)
			case err != nil && !errors.Is(err, faultstore.ErrInjected):
				t.Fatalf("%s: call %d (%s %s) failed: Sync = %v, want the store's error", name, n, c.op, c.key, err)
			}
			if err == nil {
				if diff := cmp.Diff(want, readEvents(t, mem)); diff != "" {
					t.Fatalf("%s: call %d (%s %s) failed unreported, and the events differ (-want +got):\n%s", name, n, c.op, c.key, diff)
				}
				continue
			}
			if _, err := newCapture(t, mem, opts).Sync(ctx, seq(second()...), nil); err != nil {
				t.Fatalf("%s: call %d (%s %s) failed; the next sync: %v", name, n, c.op, c.key, err)
			}
			if diff := cmp.Diff(want, readEvents(t, mem)); diff != "" {
				t.Fatalf("%s: call %d (%s %s) failed; after the next sync, events (-want +got):\n%s", name, n, c.op, c.key, diff)
			}
		}
	}
}

// TestReadsReportEveryStoreError fails, once, each call that reading the
// stored snapshot makes: Documents, Headers and Select must yield the
// store's error.
func TestReadsReportEveryStoreError(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	opts := &capture.Options{SortBuffer: 2, PartSize: 2}
	if _, err := newCapture(t, mem, opts).Sync(ctx, seq(first()...), nil); err != nil {
		t.Fatal(err)
	}
	for _, read := range []struct {
		name string
		docs func(*capture.Capture) func(func(*document.Doc, error) bool)
	}{
		{"Documents", func(c *capture.Capture) func(func(*document.Doc, error) bool) { return c.Documents(ctx) }},
		{"Headers", func(c *capture.Capture) func(func(*document.Doc, error) bool) { return c.Headers(ctx) }},
		{"Select", func(c *capture.Capture) func(func(*document.Doc, error) bool) {
			return c.Select(ctx, func(*document.Doc) bool { return true })
		}},
	} {
		for n := 0; ; n++ {
			fs, struck := oneFault(mem, n)
			var got error
			docs := 0
			for d, err := range read.docs(newCapture(t, fs, opts)) {
				if err != nil {
					got = err
					break
				}
				_ = d
				docs++
			}
			c, ok := struck()
			if !ok {
				if got != nil || docs != len(first()) {
					t.Fatalf("%s without fault: %d documents, %v", read.name, docs, got)
				}
				break
			}
			if !errors.Is(got, faultstore.ErrInjected) {
				t.Fatalf("%s: a failure of call %d (%s %s) gave %d documents and %v, want the store's error", read.name, n, c.op, c.key, docs, got)
			}
		}
	}
}

// TestDamagedRecords damages a record of the stored snapshot in each way
// its decoder checks: reading the snapshot, and syncing against it, must
// fail with ErrDamaged, never skip the record.
func TestDamagedRecords(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, old, new string
		headersOK      bool // the damage is in the payload, which Headers does not decode
		syncOK         bool // the damage is in what the sync does not need (an invoice date)
	}{
		{"version not a string", `"version":"1"`, `"version":1`, false, false},
		{"changed not a number", `"changed":1706778000000`, `"changed":"x"`, false, false},
		{"event not a string", `"event":"comptaCompteInserted"`, `"event":7`, false, false},
		{"unknown event", `"event":"comptaCompteInserted"`, `"event":"comptaNope"`, false, false},
		{"bad invoice date", `"event":"comptaCompteInserted"`, `"invoiceDate":"2024-13-01","event":"comptaCompteInserted"`, false, true},
		// The renamed account: the sync decodes its stored version.
		{"payload of the wrong shape", `"numero":"601000"`, `"numero":601000`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memstore.New(nil)
			if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
				t.Fatal(err)
			}
			damaged := 0
			for k, err := range storage.Keys(ctx, mem, "_ledgersink/capture/") {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(k, "/part-") {
					continue
				}
				data, err := storage.ReadAll(ctx, mem, k)
				if err != nil {
					t.Fatal(err)
				}
				if s := string(data); strings.Contains(s, tt.old) {
					if err := mem.Delete(ctx, k); err != nil {
						t.Fatal(err)
					}
					if err := storage.WriteAll(ctx, mem, k, []byte(strings.Replace(s, tt.old, tt.new, 1)), nil); err != nil {
						t.Fatal(err)
					}
					damaged++
				}
			}
			if damaged != 1 {
				t.Fatalf("%d parts damaged, want 1", damaged)
			}
			c := newCapture(t, mem, nil)
			reads := map[string]func(func(*document.Doc, error) bool){"Documents": c.Documents(ctx), "Headers": c.Headers(ctx)}
			for name, docs := range reads {
				var got error
				for _, err := range docs {
					if err != nil {
						got = err
						break
					}
				}
				if name == "Headers" && tt.headersOK {
					if got != nil {
						t.Errorf("Headers: %v, want no error: the payload is not decoded", got)
					}
					continue
				}
				if !errors.Is(got, capture.ErrDamaged) {
					t.Errorf("%s: %v, want ErrDamaged", name, got)
				}
			}
			if _, err := c.Sync(ctx, seq(second()...), nil); !tt.syncOK && !errors.Is(err, capture.ErrDamaged) {
				t.Errorf("Sync against the damaged snapshot: %v, want ErrDamaged", err)
			}
		})
	}
}
