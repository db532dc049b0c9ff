package export_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

var at = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func now() time.Time { return at }

func date(y int, m time.Month, d int) period.Date { return period.Date{Year: y, Month: m, Day: d} }

// doc returns entry document id: the i-th demo entry of 2024, validated.
func doc(id string, i int, version, status string) *document.Doc {
	e := sinktest.Entry(id, 2024, i)
	valid := e.Date.AddDays(2)
	e.AdditionalProducerProperties = &entry.EntryAdditionalProducerProps{AccountedAt: &valid, Source: entry.Source{Name: entry.SourceManual}}
	return &document.Doc{
		Type: "purchase_invoice", ID: id, Version: version, Hash: "h" + version, Data: e, Status: status,
		Created: time.Date(2024, 1, 1+i, 9, 0, 0, 0, time.UTC), InvoiceDate: e.Date,
	}
}

func docs() export.Docs {
	return export.Docs{doc("d1", 1, "1", "open"), doc("d2", 2, "1", "open"), doc("d3", 3, "1", "late"), doc("d4", 4, "1", "paid")}
}

func newTracker(t testing.TB, s storage.Store, src export.Source) *export.Tracker {
	t.Helper()
	tr, err := export.New(s, src, &export.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func ids(ss []export.Summary) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func pendingIDs(t testing.TB, tr *export.Tracker) []string {
	t.Helper()
	p, err := tr.Pending(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ids(p)
}

// source is a Source whose documents a test changes between steps.
type source struct {
	mu   sync.Mutex
	docs export.Docs
}

func (s *source) Documents(ctx context.Context) iter.Seq2[*document.Doc, error] {
	s.mu.Lock()
	ds := slices.Clone(s.docs)
	s.mu.Unlock()
	return ds.Documents(ctx)
}

func (s *source) set(ds export.Docs) { s.mu.Lock(); s.docs = ds; s.mu.Unlock() }

// TestFlow walks seed 002's flow: export, changes, mutations, export of the
// pending documents, unlogged export, deletion of exports.
func TestFlow(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	src := &source{docs: docs()}
	tr := newTracker(t, store, src)

	if got, want := pendingIDs(t, tr), []string{"d1", "d2", "d3", "d4"}; !slices.Equal(got, want) {
		t.Fatalf("pending = %v, want %v", got, want)
	}
	first, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: "Mars 2024!"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "export-" + first.ID + "-mars-2024.csv"; first.Name != want {
		t.Errorf("file name %q, want %q", first.Name, want)
	}
	if got := pendingIDs(t, tr); len(got) != 0 {
		t.Errorf("pending after export = %v", got)
	}
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}}); !errors.Is(err, export.ErrNothing) {
		t.Errorf("second export: %v, want ErrNothing", err)
	}

	// Changes in the source: d1 paid, d2 amounts, d3 re-dated, d4 deleted.
	d1 := doc("d1", 1, "2", "paid")
	d2 := doc("d2", 2, "2", "open")
	d3 := doc("d3", 3, "2", "late")
	d3.InvoiceDate = date(2024, 1, 31)
	d5 := doc("d5", 5, "1", "open")
	src.set(export.Docs{d1, d2, d3, d5})

	sums, err := tr.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mut := map[string][]export.Mutation{}
	for _, s := range sums {
		mut[s.ID] = s.Mutations
	}
	wantMut := map[string][]export.Mutation{
		"d1": {{FieldName: "status", OldValue: "open", NewValue: "paid"}},
		"d2": {{FieldName: "other"}},
		"d3": {{FieldName: "invoiceDate", OldValue: "2024-01-22", NewValue: "2024-01-31"}},
		"d4": {{FieldName: "deleted"}},
		"d5": {},
	}
	if diff := cmp.Diff(wantMut, mut); diff != "" {
		t.Errorf("mutations (-want +got):\n%s", diff)
	}
	if m, err := tr.Mutations(ctx, "d1"); err != nil || len(m) != 1 || m[0].FieldName != "status" {
		t.Errorf("Mutations(d1) = %v, %v", m, err)
	}
	if got, want := pendingIDs(t, tr), []string{"d1", "d2", "d3", "d5"}; !slices.Equal(got, want) {
		t.Errorf("pending after changes = %v, want %v", got, want)
	}
	files, err := tr.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Documents != 4 || files[0].Mutated != 4 ||
		files[0].InvoiceFrom != date(2024, 1, 8) || files[0].InvoiceTo != date(2024, 1, 29) {
		t.Errorf("files = %+v", files)
	}

	// Export the pending documents invoiced in January only.
	second, err := tr.Export(ctx, &export.Request{Encoder: export.JSON{}, Selection: export.Selection{InvoiceTo: date(2024, 1, 31)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(second); !slices.Equal(got, []string{"d1", "d2", "d3"}) {
		t.Errorf("second export holds %v", got)
	}
	// An unlogged copy moves nothing.
	preview, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Unlogged: true, Selection: export.Selection{IDs: []string{"d1", "d5"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(preview.Name, "unlogged-export-") || preview.Logged {
		t.Errorf("unlogged manifest %+v", preview)
	}
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d5"}) {
		t.Errorf("pending = %v, want [d5]", got)
	}
	in, err := tr.ExportsOf(ctx, "d1")
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 3 || in[0].ID != first.ID || in[1].ID != second.ID || in[2].ID != preview.ID {
		t.Errorf("ExportsOf(d1) = %+v", in)
	}
	sums, _ = tr.Summaries(ctx)
	if s := sums[0]; s.ID != "d1" || s.FileName != second.Name || len(s.AllFiles) != 3 || len(s.Mutations) != 0 || s.Pending {
		t.Errorf("summary of d1 = %+v", s)
	}

	// Deleting the first export: d4 (deleted from the source) is no longer
	// listed; d1..d3 stay exported by the second.
	if err := tr.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d5"}) {
		t.Errorf("pending = %v, want [d5]", got)
	}
	sums, _ = tr.Summaries(ctx)
	if got := ids(sums); !slices.Equal(got, []string{"d1", "d2", "d3", "d5"}) {
		t.Errorf("summaries = %v", got)
	}
	if _, _, err := tr.Open(ctx, first.ID); !errors.Is(err, export.ErrNotFound) {
		t.Errorf("Open(deleted): %v", err)
	}
	if ok, _ := storage.Exists(ctx, store, first.File); ok {
		t.Error("the deleted export's file is still there")
	}
	// Deleting the second: its documents are pending again.
	if err := tr.Delete(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d1", "d2", "d3", "d5"}) {
		t.Errorf("pending = %v", got)
	}
	// Idempotent; unknown ids delete nothing.
	if err := tr.Delete(ctx, first.ID); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	for _, id := range []string{"0123456789abcdef0123", "state/00000000000000000001.json", ""} {
		if err := tr.Delete(ctx, id); !errors.Is(err, export.ErrNotFound) {
			t.Errorf("Delete(%q): %v, want ErrNotFound", id, err)
		}
	}
	rc, m, err := tr.Open(ctx, preview.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if m.ID != preview.ID || !strings.HasPrefix(string(data), "document_id,") {
		t.Errorf("Open(preview) = %+v, %q", m, data)
	}
}

func itemIDs(m *export.Manifest) []string {
	var out []string
	for _, it := range m.Documents {
		out = append(out, it.ID)
	}
	return out
}

// A document exported in two logged exports at the same version stays
// exported when one of them is deleted.
func TestDeleteKeepsOtherExport(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, memstore.New(nil), docs())
	a, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d1", "d2"}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.Export(ctx, &export.Request{Encoder: export.JSON{}, Selection: export.Selection{IDs: []string{"d1"}, Again: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d3", "d4"}) {
		t.Errorf("pending = %v, want [d3 d4]", got)
	}
	if err := tr.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, tr); len(got) != 4 {
		t.Errorf("pending = %v, want all", got)
	}
}

func TestSelection(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		sel     export.Selection
		want    []string
		wantErr error
	}{
		{name: "all pending", want: []string{"d2", "d3", "d4"}},
		{name: "ids", sel: export.Selection{IDs: []string{"d4", "d2"}}, want: []string{"d2", "d4"}},
		{name: "unknown id", sel: export.Selection{IDs: []string{"d2", "nope"}}, wantErr: export.ErrSelection},
		{name: "exported id", sel: export.Selection{IDs: []string{"d1"}}, wantErr: export.ErrSelection},
		{name: "exported id again", sel: export.Selection{IDs: []string{"d1"}, Again: true}, want: []string{"d1"}},
		{name: "invoice range", sel: export.Selection{InvoiceFrom: date(2024, 1, 15), InvoiceTo: date(2024, 1, 22)}, want: []string{"d2", "d3"}},
		{name: "created range", sel: export.Selection{CreatedFrom: date(2024, 1, 4), CreatedTo: date(2024, 1, 4)}, want: []string{"d3"}},
		{name: "range with exported, again", sel: export.Selection{CreatedTo: date(2024, 1, 3), Again: true}, want: []string{"d1", "d2"}},
		{name: "empty range", sel: export.Selection{InvoiceFrom: date(2025, 1, 1)}, wantErr: export.ErrNothing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memstore.New(nil)
			tr := newTracker(t, store, docs())
			if _, err := tr.Export(ctx, &export.Request{Encoder: export.JSON{}, Selection: export.Selection{IDs: []string{"d1"}}}); err != nil {
				t.Fatal(err)
			}
			gen, _ := tr.Generation(ctx)
			m, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: tt.sel})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Export: %v, want %v", err, tt.wantErr)
				}
				if g, _ := tr.Generation(ctx); g != gen {
					t.Error("a refused export changed the state")
				}
				if n := len(keys(t, store, "_ledgersink/export/files/")); n != 1 {
					t.Errorf("a refused export wrote a file (%d files)", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := itemIDs(m); !slices.Equal(got, tt.want) {
				t.Errorf("exported %v, want %v", got, tt.want)
			}
		})
	}
	var se *export.SelectionError
	_, err := newTracker(t, memstore.New(nil), docs()).Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"x", "a"}}})
	if !errors.As(err, &se) || !slices.Equal(se.Unknown, []string{"a", "x"}) {
		t.Errorf("Export: %v, want a SelectionError naming a and x", err)
	}
}

func keys(t testing.TB, s storage.Store, prefix string) []string {
	t.Helper()
	var out []string
	for k, err := range storage.Keys(context.Background(), s, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

func TestSanitizeExt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"march", "march"},
		{"Client A", "client-a"},
		{"../../etc/passwd", "etc-passwd"},
		{"  a//b\\c\x00d  ", "a-b-c-d"},
		{"été_2024", "t-_2024"},
		{strings.Repeat("ab", 40), strings.Repeat("ab", 16)},
		{"---", ""},
	}
	for _, tt := range tests {
		if got := export.SanitizeExt(tt.in); got != tt.want {
			t.Errorf("SanitizeExt(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSanitizeExt(f *testing.F) {
	for _, s := range []string{"", "march", "../x", "a b", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := export.SanitizeExt(s)
		if len(got) > 32 || strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") {
			t.Fatalf("SanitizeExt(%q) = %q", s, got)
		}
		for _, r := range got {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Fatalf("SanitizeExt(%q) = %q holds %q", s, got, r)
			}
		}
		if export.SanitizeExt(got) != got {
			t.Fatalf("SanitizeExt is not idempotent on %q", s)
		}
	})
}

// view is what a crash test compares: every query's answer, and the keys.
func view(t testing.TB, s storage.Store, src export.Source) string {
	t.Helper()
	ctx := context.Background()
	tr := newTracker(t, s, src)
	sums, err := tr.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files, err := tr.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// No document is ever marked exported into a missing file.
	for _, f := range files {
		if ok, err := storage.Exists(ctx, s, f.Key); !ok || err != nil {
			t.Errorf("export %s has no file", f.ID)
		}
	}
	date, err := tr.SyncDate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := storage.ReadAll(ctx, s, crashList)
	data, _ := json.MarshalIndent(map[string]any{"summaries": sums, "files": files, "syncDate": date,
		"keys": keys(t, s, "_ledgersink/export/files/"), "manifests": keys(t, s, "_ledgersink/export/manifests/"),
		"list": string(list)}, "", " ")
	return string(data)
}

// crashList is the summary list TestCrash publishes.
const crashList = "public/incoming-summary-list.json"

// TestCrash crashes an export, then a deletion, at every call they make to
// the store (before and after the call takes effect), then retries on the
// store as the crash left it: the result must be that of an uninterrupted
// run.
func TestCrash(t *testing.T) {
	ctx := context.Background()
	src := docs()
	fec, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31)})
	if err != nil {
		t.Fatal(err)
	}
	exportReq := &export.Request{Encoder: export.CSV{}, Ext: "crash", Key: "job-42"}
	fecReq := &export.Request{Encoder: fec, Key: "job-43"}
	open := func(s storage.Store) *export.Tracker {
		tr, err := export.New(s, src, &export.Options{Now: now, SummaryList: crashList})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	// The first export is a FEC: deleting it removes its description too.
	setup := func() *memstore.Store {
		mem := memstore.New(nil)
		tr := open(mem)
		if _, err := tr.Export(ctx, &export.Request{Encoder: fec, Selection: export.Selection{IDs: []string{"d1"}}}); err != nil {
			t.Fatal(err)
		}
		return mem
	}
	steps := []struct {
		name string
		run  func(tr *export.Tracker, firstID string) error
	}{
		{"export", func(tr *export.Tracker, _ string) error { _, err := tr.Export(ctx, exportReq); return err }},
		{"export with a companion", func(tr *export.Tracker, _ string) error { _, err := tr.Export(ctx, fecReq); return err }},
		{"delete", func(tr *export.Tracker, id string) error { return tr.Delete(ctx, id) }},
		{"sync", func(tr *export.Tracker, _ string) error { return tr.Synced(ctx, at.Add(time.Hour)) }},
	}
	for _, step := range steps {
		ref := setup()
		firstID := newTrackerFirstID(t, ref, src)
		if err := step.run(open(ref), firstID); err != nil {
			t.Fatal(err)
		}
		want := view(t, ref, src)
		for _, mode := range []faultstore.Mode{faultstore.FailBefore, faultstore.FailAfter} {
			for n := 0; ; n++ {
				mem := setup()
				fs := faultstore.New(mem, faultstore.Rule{Skip: n, Mode: mode, Crash: true})
				err := step.run(open(fs), firstID)
				if fs.Faults() == 0 {
					if err != nil {
						t.Fatal(err)
					}
					if n < 3 {
						t.Fatalf("%s made only %d calls", step.name, n)
					}
					break
				}
				// A crash mid-way leaves a consistent state...
				_ = view(t, mem, src)
				// ... from which a retry gives the uninterrupted result.
				if err := step.run(open(mem), firstID); err != nil {
					t.Fatalf("%s, %v at call %d: retry: %v", step.name, mode, n, err)
				}
				if got := view(t, mem, src); got != want {
					t.Fatalf("%s, %v at call %d: after retry\n%s\nwant\n%s", step.name, mode, n, got, want)
				}
			}
		}
	}
}

func newTrackerFirstID(t testing.TB, s storage.Store, src export.Source) string {
	files, err := newTracker(t, s, src).Files(context.Background())
	if err != nil || len(files) == 0 {
		t.Fatal("no first export", err)
	}
	return files[0].ID
}

// TestConcurrentExporters runs exporters of the pending documents at once,
// each with its own Tracker (as separate processes would): every document
// ends up in exactly one live logged export, the losers fail with a
// *ConflictError, and exporters of disjoint documents all succeed.
func TestConcurrentExporters(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"memstore", "filestore"} {
		t.Run("overlapping/"+kind, func(t *testing.T) {
			// With the file store, every exporter opens the folder on its
			// own, as separate processes do.
			var open func() storage.Store
			if kind == "memstore" {
				mem := memstore.New(nil)
				open = func() storage.Store { return mem }
			} else {
				dir := t.TempDir()
				open = func() storage.Store {
					fs, err := filestore.New(dir, nil)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { fs.Close() })
					return fs
				}
			}
			var wg sync.WaitGroup
			errs := make([]error, 6)
			// Every exporter reads the state before any selects: they all
			// see every document pending.
			src := &barrier{docs: docs()}
			src.wg.Add(len(errs))
			trackers := make([]*export.Tracker, len(errs))
			for i := range trackers {
				trackers[i] = newTracker(t, open(), src)
			}
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = trackers[i].Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: string(rune('a' + i))})
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				var ce *export.ConflictError
				switch {
				case err == nil:
					won++
				case errors.As(err, &ce) && len(ce.IDs) > 0:
				default:
					t.Errorf("Export: %v, want nil or a *ConflictError", err)
				}
			}
			if won != 1 {
				t.Errorf("%d exporters won, want 1", won)
			}
			checkOnce(t, open())
		})
	}
	t.Run("disjoint", func(t *testing.T) {
		store := memstore.New(nil)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := docs()[i].ID
				_, errs[i] = newTracker(t, store, docs()).Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{id}}})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("Export: %v", err)
			}
		}
		checkOnce(t, store)
		if g, _ := newTracker(t, store, docs()).Generation(ctx); g != 4 {
			t.Errorf("generation %d, want 4", g)
		}
	})
	// With one generation kept, a reader often lists a generation that a
	// writer deletes before it is read: it must read the newer one instead
	// of failing.
	t.Run("disjoint, compacting hard", func(t *testing.T) {
		for range 10 {
			mem := memstore.New(nil)
			store := slowGets{mem}
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				tr, err := export.New(store, docs(), &export.Options{Now: now, KeepGenerations: 1})
				if err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					_, errs[i] = tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{docs()[i].ID}}})
				})
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("Export: %v", err)
				}
			}
			checkOnce(t, mem)
		}
	})
}

// slowGets delays every read, widening the window between listing a key
// and reading it.
type slowGets struct{ storage.Store }

func (s slowGets) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	time.Sleep(time.Millisecond)
	return s.Store.Get(ctx, key)
}

// checkOnce checks that every document is in exactly one live logged export.
func checkOnce(t *testing.T, store storage.Store) {
	t.Helper()
	sums, err := newTracker(t, store, docs()).Summaries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		if s.Pending || len(s.AllFiles) != 1 {
			t.Errorf("document %s: pending %v, in %v", s.ID, s.Pending, s.AllFiles)
		}
	}
}

// A read error of the state is never taken for "nothing exported".
func TestReadErrorIsNotEmpty(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	if _, err := newTracker(t, mem, docs()).Export(ctx, &export.Request{Encoder: export.CSV{}}); err != nil {
		t.Fatal(err)
	}
	for _, op := range []faultstore.Op{faultstore.OpList, faultstore.OpGet} {
		tr := newTracker(t, faultstore.New(mem, faultstore.Rule{Op: op}), docs())
		if _, err := tr.Pending(ctx, nil); !errors.Is(err, faultstore.ErrInjected) {
			t.Errorf("%s fault: Pending: %v, want the injected error", op, err)
		}
		if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{Again: true}}); !errors.Is(err, faultstore.ErrInjected) {
			t.Errorf("%s fault: Export: %v, want the injected error", op, err)
		}
	}
}

// barrier is a Source whose first len(wg) reads wait for each other.
type barrier struct {
	wg   sync.WaitGroup
	docs export.Docs
}

func (b *barrier) Documents(ctx context.Context) iter.Seq2[*document.Doc, error] {
	b.wg.Done()
	b.wg.Wait()
	return b.docs.Documents(ctx)
}

// TestJSONShapes pins the JSON of the summary list and of the file list, as
// the package documents them.
func TestJSONShapes(t *testing.T) {
	ctx := context.Background()
	src := &source{docs: docs()}
	tr := newTracker(t, memstore.New(nil), src)
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: "march", Selection: export.Selection{IDs: []string{"d1", "d2"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.JSON{}, Unlogged: true, Selection: export.Selection{IDs: []string{"d2", "d3"}}}); err != nil {
		t.Fatal(err)
	}
	paid := doc("d1", 1, "2", "paid")
	src.set(export.Docs{paid, docs()[1], docs()[2]}) // d4 gone: it was never exported, so it is no longer listed
	sums, err := tr.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files, err := tr.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(map[string]any{"summaries": sums, "files": files}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "lists.json.golden", append(data, '\n'))
}

// Export names never collide, even for the same extension at the same
// instant.
func TestNamesNeverCollide(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, memstore.New(nil), docs())
	seen := map[string]bool{}
	for _, id := range []string{"d1", "d2", "d3"} {
		m, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: "same", Selection: export.Selection{IDs: []string{id}}})
		if err != nil {
			t.Fatal(err)
		}
		if seen[m.File] || seen[m.Name] {
			t.Errorf("%s reused", m.Name)
		}
		seen[m.File], seen[m.Name] = true, true
	}
}

// Without a Key, a retry of a committed export finds nothing to export; with
// one, it returns the committed export.
func TestRetryKey(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, memstore.New(nil), docs())
	first, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Key: "job-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Key: "job-1"})
	if err != nil || again.ID != first.ID {
		t.Errorf("retry with the key: %v, %v; want export %s", again, err, first.ID)
	}
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}}); !errors.Is(err, export.ErrNothing) {
		t.Errorf("retry without a key: %v, want ErrNothing", err)
	}
}

// Old generations are compacted away; a writer that read a state older than
// the generations kept, and so writes into a compacted slot, notices it and
// applies its change again on the latest state: no update is lost.
func TestCompaction(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	opts := &export.Options{Now: now, KeepGenerations: 2}
	a, _ := export.New(mem, docs(), opts)
	once := false
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Match: func(_ faultstore.Op, key string) bool {
		if strings.Contains(key, "/state/") && !once {
			once = true // b is about to commit generation 1: a commits three first
			for _, id := range []string{"d1", "d2", "d3"} {
				if _, err := a.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{id}}}); err != nil {
					t.Error(err)
				}
			}
		}
		return false
	}})
	b, _ := export.New(fs, docs(), opts)
	if _, err := b.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"d4"}}}); err != nil {
		t.Fatal(err)
	}
	checkOnce(t, mem)
	if g, _ := a.Generation(ctx); g != 4 {
		t.Errorf("generation %d, want 4", g)
	}
	if n := len(keys(t, mem, "_ledgersink/export/state/")); n > 3 {
		t.Errorf("%d generations kept, want at most 2 (and the stale one)", n)
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	future := at.Add(time.Hour)
	t.Run("orphans of a lost race", func(t *testing.T) {
		mem := memstore.New(&memstore.Options{Now: now})
		src := &barrier{docs: docs()}
		src.wg.Add(2)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = newTracker(t, mem, src).Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: string(rune('a' + i))})
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("errors %v, want one winner", errs)
		}
		tr := newTracker(t, mem, docs())
		lists := func() any {
			sums, err1 := tr.Summaries(ctx)
			files, err2 := tr.Files(ctx)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			return []any{sums, files}
		}
		before := lists()
		if n, err := tr.Sweep(ctx, at.Add(-time.Hour)); n != 0 || err != nil {
			t.Errorf("Sweep of recent objects = %d, %v; want 0", n, err)
		}
		if n, err := tr.Sweep(ctx, future); n != 1 || err != nil {
			t.Errorf("Sweep = %d, %v; want 1", n, err)
		}
		if n := len(keys(t, mem, "_ledgersink/export/files/")); n != 1 {
			t.Errorf("%d files left, want the winner's", n)
		}
		if n := len(keys(t, mem, "_ledgersink/export/manifests/")); n != 1 {
			t.Errorf("%d manifests left, want the winner's", n)
		}
		if diff := cmp.Diff(before, lists()); diff != "" {
			t.Errorf("Sweep changed the exports (-before +after):\n%s", diff)
		}
		_ = view(t, mem, docs()) // every export has its file
		if n, err := tr.Sweep(ctx, future); n != 0 || err != nil {
			t.Errorf("second Sweep = %d, %v; want 0", n, err)
		}
	})
	t.Run("an export still running cannot commit what was swept", func(t *testing.T) {
		mem := memstore.New(&memstore.Options{Now: now})
		swept := false
		fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Match: func(_ faultstore.Op, key string) bool {
			if strings.Contains(key, "/state/") && !swept {
				swept = true // the export is about to commit: sweep it first
				if n, err := newTracker(t, mem, docs()).Sweep(ctx, future); n != 1 || err != nil {
					t.Errorf("Sweep = %d, %v", n, err)
				}
			}
			return false
		}})
		_, err := newTracker(t, fs, docs()).Export(ctx, &export.Request{Encoder: export.CSV{}})
		if !errors.Is(err, export.ErrConflict) {
			t.Fatalf("Export: %v, want ErrConflict", err)
		}
		_ = view(t, mem, docs()) // no export without its file
		if got := pendingIDs(t, newTracker(t, mem, docs())); len(got) != 4 {
			t.Errorf("pending = %v, want all", got)
		}
		// Exporting again works: another state, another id.
		if _, err := newTracker(t, mem, docs()).Export(ctx, &export.Request{Encoder: export.CSV{}}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzStoredState reads a state generation, a manifest and a deletion
// record as a tracker finds them in its store, possibly damaged, the state
// possibly lacking the records: the queries, a new export and a deletion
// never panic, a damaged file is an error, never taken for "nothing
// exported", and nothing outside the export's own files is ever deleted.
func FuzzStoredState(f *testing.F) {
	ctx := context.Background()
	mem := memstore.New(nil)
	tr := newTracker(f, mem, docs())
	m, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}})
	if err != nil {
		f.Fatal(err)
	}
	id := m.ID
	var stateKey string
	for key, err := range storage.Keys(ctx, mem, "_ledgersink/export/state/") {
		if err != nil {
			f.Fatal(err)
		}
		stateKey = key
	}
	state, _ := storage.ReadAll(ctx, mem, stateKey)
	manifest, _ := storage.ReadAll(ctx, mem, "_ledgersink/export/manifests/"+id+".json")
	deletion := []byte(`{"id":"` + id + `","deletedAt":"2024-03-01T12:00:00Z"}`)
	f.Add(state, manifest, deletion)
	f.Add(state, manifest, []byte{})
	f.Add([]byte(`{"generation":1,"exports":[]}`), manifest, []byte{})
	f.Add([]byte(`{"generation":1,"exports":[]}`), manifest, deletion)
	f.Add([]byte(`{"generation":1,"exports":null}`), []byte(`{}`), []byte(`{}`))
	f.Add([]byte(`{"generation":2}`), []byte(`[]`), []byte(`null`))
	f.Add([]byte(`{"generation":1,"exports":[{"manifest":null}]}`), manifest, []byte{})
	f.Fuzz(func(t *testing.T, state, manifest, deletion []byte) {
		s := memstore.New(nil)
		objects := map[string][]byte{
			stateKey: state,
			"_ledgersink/export/manifests/" + id + ".json":  manifest,
			"_ledgersink/export/files/" + id + "/" + m.Name: []byte("x"),
			"keep/me.txt": []byte("precious"),
		}
		if len(deletion) > 0 {
			objects["_ledgersink/export/manifests/"+id+".deleted.json"] = deletion
		}
		for key, data := range objects {
			if err := storage.WriteAll(ctx, s, key, data, nil); err != nil {
				t.Fatal(err)
			}
		}
		tr := newTracker(t, s, docs())
		sums, err := tr.Summaries(ctx)
		if err == nil && !json.Valid(state) {
			t.Fatalf("a state that is not JSON was read: %d summaries", len(sums))
		}
		tr.Files(ctx)
		tr.Pending(ctx, nil)
		tr.PendingCount(ctx, nil)
		tr.Export(ctx, &export.Request{Encoder: export.CSV{}})
		for _, r := range sums {
			if r.ExportID != "" {
				tr.Delete(ctx, r.ExportID)
			}
		}
		tr.Sweep(ctx, time.Now().Add(time.Hour))
		if ok, err := storage.Exists(ctx, s, "keep/me.txt"); !ok || err != nil {
			t.Fatalf("an object outside the exports was deleted (%v)", err)
		}
	})
}

// An encoder with a companion (the FEC and its description) has it written
// beside the file and listed in the manifest; deleting the export removes
// both. A companion name that is not a single key element is refused before
// anything is written.
func TestCompanion(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	tr := newTracker(t, store, docs())
	fec, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := tr.Export(ctx, &export.Request{Encoder: fec})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(m.File, ".txt") + "-description.txt"
	if len(m.Companions) != 1 || m.Companions[0] != want {
		t.Fatalf("companions %q, want [%s]", m.Companions, want)
	}
	if got, err := storage.ReadAll(ctx, store, want); err != nil || string(got) != fec.Description() {
		t.Errorf("the description file holds %q, %v", got, err)
	}
	if again, err := tr.Manifest(ctx, m.ID); err != nil || !slices.Equal(again.Companions, m.Companions) {
		t.Errorf("the stored manifest lists %v, %v", again, err)
	}
	if err := tr.Delete(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{m.File, want} {
		if _, err := storage.ReadAll(ctx, store, key); !errors.Is(err, storage.ErrNotExist) {
			t.Errorf("%s after the deletion: %v, want ErrNotExist", key, err)
		}
	}

	empty := memstore.New(nil)
	bad := newTracker(t, empty, docs())
	for _, name := range []string{"../up.txt", "", "sub/dir.txt"} {
		_, err := bad.Export(ctx, &export.Request{Encoder: badCompanion{fec, name}})
		if !errors.Is(err, export.ErrConfig) {
			t.Errorf("companion %q: %v, want ErrConfig", name, err)
		}
	}
	for obj := range empty.List(ctx, "") {
		t.Errorf("a refused export wrote %s", obj.Key)
	}
}

// badCompanion is a FEC whose companion has a given name.
type badCompanion struct {
	*export.FEC
	name string
}

func (b badCompanion) Companion(string) (string, []byte) { return b.name, []byte("x") }
