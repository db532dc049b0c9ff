package capture_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

const entity = sinktest.DemoEntityID

var clock = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

// newCapture returns a capture and its writer over s, with a fixed clock.
func newCapture(t testing.TB, s storage.Store, opts *capture.Options) *capture.Capture {
	t.Helper()
	w, err := sink.NewWriter(s, &sink.WriterOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var o capture.Options
	if opts != nil {
		o = *opts
	}
	o.Now = fixedNow
	c, err := capture.New(capture.Config{Store: s, Writer: w, EntityID: entity, ApplicationID: sinktest.DemoApplicationID}, &o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func entryDoc(id string, i int, version string) *document.Doc {
	return &document.Doc{Type: "purchase_invoice", ID: id, Version: version, Data: sinktest.Entry(id, 2024, i),
		Changed: time.Date(2024, 2, 1, 10, 0, i, 0, time.UTC), Status: "open"}
}

func accountDoc(id, label, version string) *document.Doc {
	return &document.Doc{Type: "account", ID: id, Version: version, Data: &sink.Account{Number: strings.TrimPrefix(id, "acc-"), Label: label, Type: 1},
		Changed: time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC)}
}

func seq(docs ...*document.Doc) iter.Seq2[*document.Doc, error] {
	return func(yield func(*document.Doc, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
	}
}

// event is what a test compares of an event read back.
type event struct {
	Name    sink.EventName
	ID      string
	Changed []string
	Update  bool
}

func readEvents(t testing.TB, s storage.Store) []event {
	t.Helper()
	r, err := sink.NewReader(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Read(context.Background(), entity, nil)
	var got []event
	for it, err := range st.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, event{it.Event.Name, it.Event.ID, it.Event.Changed, it.Event.Update})
	}
	if d := st.Stats().Duplicates; d != 0 {
		t.Errorf("%d events written twice", d)
	}
	return got
}

func first() []*document.Doc {
	return []*document.Doc{
		entryDoc("e1", 1, "1"), entryDoc("e2", 2, "1"), entryDoc("e3", 3, "1"),
		accountDoc("acc-601000", "Achats", "1"), accountDoc("acc-401000", "Fournisseurs", "1"),
		accountDoc("x1", "Divers", "1"),
	}
}

// second changes every document of first in a different way.
func second() []*document.Doc {
	e1 := entryDoc("e1", 1, "2") // new content: an entry update
	e1.Changed = e1.Changed.Add(time.Hour)
	for i := range e1.Data.(*entry.Entry).Movements {
		e1.Data.(*entry.Entry).Movements[i].Description = "corrigé"
	}
	retyped := accountDoc("acc-401000", "Fournisseurs", "1")
	retyped.Type = "supplier-account" // same content, another type: no event
	return []*document.Doc{
		entryDoc("e4", 4, "1"), // new
		e1,
		entryDoc("e2", 2, "2"), // new version, same content: no event
		accountDoc("acc-601000", "Achats de marchandises", "2"), // renamed: Updated
		retyped,
		{Type: "journal", ID: "x1", Version: "2", Data: &sink.Journal{Code: "OD", Label: "Divers", Type: sink.JournalTypeMisc},
			Changed: time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC)}, // another object: delete + insert
		// e3 is gone: deleted
	}
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(nil)
	c := newCapture(t, s, nil)
	res, err := c.Sync(ctx, seq(first()...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (capture.Result{Generation: 1, Inserted: 6, Events: 6}); *res != want {
		t.Errorf("first sync = %+v, want %+v", *res, want)
	}
	res, err = c.Sync(ctx, seq(second()...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (capture.Result{Generation: 2, Inserted: 1, Updated: 3, Deleted: 1, Retyped: 2, Events: 7}); *res != want {
		t.Errorf("second sync = %+v, want %+v", *res, want)
	}
	// The same snapshot again: nothing changes.
	res, err = c.Sync(ctx, seq(second()...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (capture.Result{Generation: 3, Unchanged: 6}); *res != want {
		t.Errorf("third sync = %+v, want %+v", *res, want)
	}
	want := []event{
		{Name: sink.AccountInserted, ID: "acc-401000"},
		{Name: sink.AccountInserted, ID: "acc-601000"},
		{Name: sink.EntryInserted, ID: "e1"},
		{Name: sink.EntryInserted, ID: "e2"},
		{Name: sink.EntryInserted, ID: "e3"},
		{Name: sink.AccountInserted, ID: "x1"},
		// second sync, in id order
		{Name: sink.AccountUpdated, ID: "acc-601000", Changed: []string{"libelle"}},
		{Name: sink.EntryDeleted, ID: "e1", Update: true},
		{Name: sink.EntryInserted, ID: "e1"},
		{Name: sink.EntryDeleted, ID: "e3"},
		{Name: sink.EntryInserted, ID: "e4"},
		{Name: sink.AccountDeleted, ID: "x1"},
		{Name: sink.JournalInserted, ID: "x1"},
	}
	if diff := cmp.Diff(want, readEvents(t, s)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	checkReplica(t, s, c)
}

// checkReplica checks that the events of the sink rebuild the stored
// snapshot exactly.
func checkReplica(t *testing.T, s storage.Store, c *capture.Capture) {
	t.Helper()
	ctx := context.Background()
	r, _ := sink.NewReader(s, nil)
	rep := sink.NewReplica(entity)
	for it, err := range r.Read(ctx, entity, nil).All() {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rep.Apply(it.Event); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]any{}
	for _, o := range sink.Objects() {
		for id, v := range rep.Objects(o) {
			got[id] = v
		}
	}
	want := map[string]any{}
	for d, err := range c.Documents(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		want[d.ID] = d.Data
	}
	if diff := cmp.Diff(want, got, entrycmp.Options()); diff != "" {
		t.Errorf("replica differs from the stored snapshot (-want +got):\n%s", diff)
	}
}

func TestSyncRefusesMassDeletion(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		max     int
		keep    int // documents of first() kept
		force   bool
		wantErr bool
	}{
		{name: "half deleted is allowed", keep: 3},
		{name: "more than half is refused", keep: 2, wantErr: true},
		{name: "empty snapshot is refused", keep: 0, wantErr: true},
		{name: "forced", keep: 0, force: true},
		{name: "stricter share", max: 10, keep: 5, wantErr: true},
		{name: "no limit", max: 100, keep: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := memstore.New(nil)
			c := newCapture(t, s, &capture.Options{MaxDeletePercent: tt.max})
			if _, err := c.Sync(ctx, seq(first()...), nil); err != nil {
				t.Fatal(err)
			}
			before := len(readEvents(t, s))
			scratch := countKeys(t, s, "_ledgersink/capture/"+entity+"/runs/")
			_, err := c.Sync(ctx, seq(first()[:tt.keep]...), &capture.SyncOptions{Force: tt.force})
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Sync: %v", err)
				}
				return
			}
			var de *capture.DeleteError
			if !errors.As(err, &de) || !errors.Is(err, capture.ErrTooManyDeletes) {
				t.Fatalf("Sync: %v, want a *DeleteError", err)
			}
			if de.Deleted != 6-tt.keep || de.Stored != 6 {
				t.Errorf("DeleteError = %+v", de)
			}
			if n := len(readEvents(t, s)); n != before {
				t.Errorf("a refused sync wrote %d events", n-before)
			}
			if g, _ := c.Generation(ctx); g != 1 {
				t.Errorf("generation %d after a refused sync, want 1", g)
			}
			if n := countKeys(t, s, "_ledgersink/capture/"+entity+"/runs/"); n != scratch {
				t.Errorf("a refused sync left %d scratch files", n-scratch)
			}
		})
	}
}

func TestSyncRejectsBadDocuments(t *testing.T) {
	ctx := context.Background()
	many := func(ids ...string) []*document.Doc {
		var docs []*document.Doc
		for _, id := range ids {
			docs = append(docs, accountDoc("acc-"+id, "x", "1"))
		}
		return docs
	}
	tests := []struct {
		name string
		docs []*document.Doc
		sort int
		want error
	}{
		{name: "duplicate in one run", docs: many("1", "2", "1"), want: capture.ErrDuplicate},
		{name: "duplicate across runs", docs: many("1", "2", "3", "1"), sort: 2, want: capture.ErrDuplicate},
		{name: "no id", docs: []*document.Doc{{Data: &sink.Account{}}}, want: capture.ErrDocument},
		{name: "not a payload", docs: []*document.Doc{{ID: "a", Data: "text"}}, want: capture.ErrDocument},
		{name: "nil document", docs: []*document.Doc{nil}, want: capture.ErrDocument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := memstore.New(nil)
			c := newCapture(t, s, &capture.Options{SortBuffer: tt.sort})
			if _, err := c.Sync(ctx, seq(tt.docs...), nil); !errors.Is(err, tt.want) {
				t.Fatalf("Sync: %v, want %v", err, tt.want)
			}
			if g, err := c.Generation(ctx); g != 0 || err != nil {
				t.Errorf("Generation = %d, %v; want 0", g, err)
			}
			var left []string
			for key := range storage.Keys(ctx, s, "") {
				left = append(left, key)
			}
			if len(left) != 0 {
				t.Errorf("a failed sync left %v", left)
			}
		})
	}
	t.Run("source error", func(t *testing.T) {
		c := newCapture(t, memstore.New(nil), nil)
		boom := errors.New("page 3 failed")
		docs := func(yield func(*document.Doc, error) bool) {
			_ = yield(accountDoc("acc-1", "x", "1"), nil) && yield(nil, boom)
		}
		if _, err := c.Sync(ctx, docs, nil); !errors.Is(err, boom) {
			t.Fatalf("Sync: %v, want the source's error", err)
		}
	})
}

// A read error of the stored snapshot is never taken for "no snapshot"
// (mb-export's bug B4, which made everything look new).
func TestSyncReadErrorIsNotEmpty(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
		t.Fatal(err)
	}
	for _, rule := range []faultstore.Rule{
		{Op: faultstore.OpList, Match: inCapture},
		{Op: faultstore.OpGet, Match: inCapture},
	} {
		t.Run(string(rule.Op), func(t *testing.T) {
			fs := faultstore.New(mem, rule)
			c := newCapture(t, fs, nil)
			if _, err := c.Sync(ctx, seq(first()...), nil); !errors.Is(err, faultstore.ErrInjected) {
				t.Fatalf("Sync: %v, want the injected error", err)
			}
			var errs []error
			for _, err := range c.Documents(ctx) {
				errs = append(errs, err)
			}
			if len(errs) != 1 || !errors.Is(errs[0], faultstore.ErrInjected) {
				t.Fatalf("Documents: %v, want the injected error, once and alone", errs)
			}
		})
	}
	if n := len(readEvents(t, mem)); n != 6 {
		t.Errorf("%d events, want the 6 of the first sync", n)
	}
}

// TestSyncCrash crashes the second sync at every call it makes to the
// store, before and after the call takes effect, then runs the sync again on
// the store as the crash left it: the events must be exactly those of an
// uninterrupted run, each written once, and the replica they build must be the
// stored snapshot.
func TestSyncCrash(t *testing.T) {
	ctx := context.Background()
	run := func(s storage.Store) error {
		_, err := newCapture(t, s, &capture.Options{SortBuffer: 2, PartSize: 2, BatchSize: 2}).Sync(ctx, seq(second()...), nil)
		return err
	}
	setup := func() *memstore.Store {
		mem := memstore.New(nil)
		if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
			t.Fatal(err)
		}
		return mem
	}
	ref := setup()
	if err := run(ref); err != nil {
		t.Fatal(err)
	}
	want := readEvents(t, ref)
	for _, mode := range []faultstore.Mode{faultstore.FailBefore, faultstore.FailAfter} {
		for n := 0; ; n++ {
			mem := setup()
			fs := faultstore.New(mem, faultstore.Rule{Skip: n, Mode: mode, Crash: true})
			err := run(fs)
			if fs.Faults() == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if n < 10 {
					t.Fatalf("the sync made only %d calls", n)
				}
				break
			}
			if err == nil && mode == faultstore.FailBefore {
				t.Fatalf("%v at call %d: no error", mode, n)
			}
			if err := run(mem); err != nil { // restart
				t.Fatalf("%v at call %d: resumed sync: %v", mode, n, err)
			}
			if diff := cmp.Diff(want, readEvents(t, mem)); diff != "" {
				t.Fatalf("%v at call %d: events (-want +got):\n%s", mode, n, diff)
			}
			checkReplica(t, mem, newCapture(t, mem, nil))
		}
	}
}

func TestConcurrentSyncs(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = newCapture(t, mem, nil).Sync(ctx, seq(second()...), nil)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, capture.ErrBusy):
			t.Errorf("Sync: %v, want nil or ErrBusy", err)
		}
	}
	if ok == 0 {
		t.Error("no sync succeeded")
	}
	// Whatever the interleaving, each change is written once.
	got := readEvents(t, mem)
	if n := len(got); n != 13 {
		t.Errorf("%d events, want 13: %v", n, got)
	}
	c := newCapture(t, mem, nil)
	checkReplica(t, mem, c)
}

func inCapture(_ faultstore.Op, key string) bool {
	return strings.HasPrefix(key, "_ledgersink/capture/")
}

func countKeys(t testing.TB, s storage.Store, prefix string) int {
	t.Helper()
	n := 0
	for _, err := range storage.Keys(context.Background(), s, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// The stored snapshot advances only once the events are written: when they
// cannot be, the stored snapshot stays the previous one, and the next sync
// writes them.
func TestSnapshotAdvancesAfterEvents(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
		t.Fatal(err)
	}
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Match: func(_ faultstore.Op, key string) bool {
		return strings.HasPrefix(key, entity+"/")
	}})
	c := newCapture(t, fs, nil)
	if _, err := c.Sync(ctx, seq(second()...), nil); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("Sync: %v, want the injected error", err)
	}
	if g, err := c.Generation(ctx); g != 1 || err != nil {
		t.Errorf("Generation = %d, %v; want 1", g, err)
	}
	n := 0
	for d, err := range c.Documents(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if d.Version != "1" {
			t.Errorf("stored %s at version %s", d.ID, d.Version)
		}
		n++
	}
	if n != 6 {
		t.Errorf("%d stored documents, want the 6 of the first sync", n)
	}
	res, err := newCapture(t, mem, nil).Sync(ctx, seq(second()...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Generation != 3 {
		t.Errorf("next sync = %+v, want the interrupted one completed first", res)
	}
	if got := len(readEvents(t, mem)); got != 13 {
		t.Errorf("%d events, want 13", got)
	}
}

// Headers lists what Documents lists, without the data.
func TestHeaders(t *testing.T) {
	ctx := context.Background()
	c := newCapture(t, memstore.New(nil), nil)
	if _, err := c.Sync(ctx, seq(second()...), nil); err != nil {
		t.Fatal(err)
	}
	var docs, heads []*document.Doc
	for d, err := range c.Documents(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if d.Data == nil || d.Hash == "" {
			t.Errorf("document %s without data or hash", d.ID)
		}
		d.Data = nil
		docs = append(docs, d)
	}
	for d, err := range c.Headers(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, d)
	}
	if len(docs) != 6 {
		t.Errorf("%d documents, want 6", len(docs))
	}
	if diff := cmp.Diff(docs, heads); diff != "" {
		t.Errorf("Headers differs from Documents (-documents +headers):\n%s", diff)
	}
}

// Select keeps the documents its function keeps, with their data.
func TestSelect(t *testing.T) {
	ctx := context.Background()
	c := newCapture(t, memstore.New(nil), nil)
	if _, err := c.Sync(ctx, seq(second()...), nil); err != nil {
		t.Fatal(err)
	}
	var seen, got []string
	for d, err := range c.Select(ctx, func(d *document.Doc) bool {
		if d.Data != nil {
			t.Errorf("keep(%s) was given the data", d.ID)
		}
		seen = append(seen, d.ID)
		return d.Type == "purchase_invoice"
	}) {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := d.Data.(*entry.Entry); !ok {
			t.Errorf("%s selected without its entry", d.ID)
		}
		got = append(got, d.ID)
	}
	if want := []string{"e1", "e2", "e4"}; !cmp.Equal(got, want) {
		t.Errorf("selected %v, want %v", got, want)
	}
	if len(seen) != 6 {
		t.Errorf("keep saw %v, want every document", seen)
	}
}

// Syncs of changing snapshots racing each other: whoever wins, the events
// written rebuild exactly the stored snapshot.
func TestConcurrentSyncsConverge(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newCapture(t, mem, &capture.Options{SortBuffer: 2, PartSize: 2, BatchSize: 3})
			for j := range 6 {
				snap := first()
				if (i+j)%2 == 1 {
					snap = second()
				}
				if _, err := c.Sync(ctx, seq(snap...), nil); err != nil && !errors.Is(err, capture.ErrBusy) {
					t.Errorf("Sync: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	c := newCapture(t, mem, nil)
	if _, err := c.Sync(ctx, seq(second()...), nil); err != nil {
		t.Fatal(err)
	}
	checkReplica(t, mem, c)
}

// A document deleted, then back with the same source timestamp, is dated
// after its deletion, so that consumers do not drop it as stale.
func TestBackAfterDeletion(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	c := newCapture(t, mem, nil)
	all := first()
	for _, snap := range [][]*document.Doc{all, all[:2], all[:2], all} {
		if _, err := c.Sync(ctx, seq(snap...), &capture.SyncOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := sink.NewReader(mem, nil)
	var stamps []int64
	for it, err := range r.Read(ctx, entity, nil).All() {
		if err != nil {
			t.Fatal(err)
		}
		if it.Event.ID == "e3" {
			stamps = append(stamps, it.Event.Timestamp)
		}
	}
	if len(stamps) != 3 || !(stamps[0] < stamps[1] && stamps[1] < stamps[2]) {
		t.Errorf("e3's events are dated %v, want 3 increasing timestamps", stamps)
	}
	checkReplica(t, mem, c)
}

// A document the writer would refuse (an unbalanced entry) fails the sync
// before anything is recorded, as the writer's rules say; the writer's
// Skip lets it through.
func TestSyncAppliesTheWriterRules(t *testing.T) {
	ctx := context.Background()
	bad := entryDoc("e9", 1, "1")
	e := bad.Data.(*entry.Entry)
	e.Movements = e.Movements[:2] // the VAT line lost
	mem := memstore.New(nil)
	_, err := newCapture(t, mem, nil).Sync(ctx, seq(append(first(), bad)...), nil)
	var de *capture.DocError
	if !errors.As(err, &de) || de.ID != "e9" || !errors.Is(err, capture.ErrDocument) || !errors.Is(err, entry.ErrUnbalanced) {
		t.Fatalf("Sync with an unbalanced entry = %v, want a *DocError for e9 matching ErrDocument and entry.ErrUnbalanced", err)
	}
	for obj, err := range mem.List(ctx, "") {
		t.Errorf("the refused sync left %s (%v)", obj.Key, err)
	}

	w, err := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedNow, Skip: []sink.WriteRule{sink.RuleEntryValidation}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := capture.New(capture.Config{Store: mem, Writer: w, EntityID: entity, ApplicationID: sinktest.DemoApplicationID}, &capture.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Sync(ctx, seq(append(first(), bad)...), nil); err != nil || res.Events != 7 {
		t.Fatalf("Sync with the rule skipped = %+v, %v; want 7 events", res, err)
	}
}

// With a writer that knows the calendar, an entry outside the period scope
// is kept in the snapshot but gives no event, as the writer's rules say.
func TestSyncLeavesOutEntriesOutOfScope(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	cal := sinktest.Calendar()
	w, err := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedNow,
		Calendar: func(context.Context, string) (*period.Calendar, error) { return &cal, nil }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := capture.New(capture.Config{Store: mem, Writer: w, EntityID: entity, ApplicationID: sinktest.DemoApplicationID}, &capture.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	old := &document.Doc{Type: "purchase_invoice", ID: "e2022", Version: "1", Data: sinktest.Entry("e2022", 2022, 1), Changed: clock}
	res, err := c.Sync(ctx, seq(append(first(), old)...), nil)
	if err != nil || res.Inserted != 7 || res.Events != 6 {
		t.Fatalf("Sync = %+v, %v; want 7 documents, 6 events", res, err)
	}
	for _, ev := range readEvents(t, mem) {
		if ev.ID == "e2022" {
			t.Errorf("the entry of 2022 was written: %+v", ev)
		}
	}
}
