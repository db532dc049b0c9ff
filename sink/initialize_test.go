package sink_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func fixedClock() func() time.Time {
	t := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	var n atomic.Int64
	return func() time.Time { return t.Add(time.Duration(n.Add(1)) * time.Second) }
}

// snapshot returns every object of the store, key to content.
func snapshot(t testing.TB, s storage.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for obj, err := range s.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		b, err := storage.ReadAll(ctx, s, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[obj.Key] = string(b)
	}
	return out
}

func initialize(t testing.TB, s storage.Store, in *sink.Initialization, opts *sink.InitOptions) (*sink.InitResult, error) {
	t.Helper()
	w, err := sink.NewWriter(s, &sink.WriterOptions{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	return w.Initialize(context.Background(), in, opts)
}

// TestInitializeDemo checks the seed's rules on the demo company (scenario
// 1: 2024 open, 2023 and 2022 closed): nothing of 2022 is sent, the report
// counts what was written, and it is written last.
func TestInitializeDemo(t *testing.T) {
	store := memstore.New(nil)
	res, err := initialize(t, store, sinktest.Company(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []report.InitRow{
		{Schema: "comptaJournalInserted", Count: 3}, {Schema: "comptaTvaInserted", Count: 1},
		{Schema: "comptaEtablissementInserted", Count: 1}, {Schema: "comptaCompteInserted", Count: 9},
		{Schema: "comptaSectionInserted", Count: 1}, {Schema: "comptaPeriodeInserted", Count: 4},
		{Schema: "comptaTiersInserted", Count: 1}, {Schema: "comptaTiersInserted", Count: 1},
		{Schema: "comptaTiersInserted", Count: 1}, {Schema: "comptaTiersInserted", Count: 1},
		{Schema: "comptaParametreUpdated", Count: 1}, {Schema: "comptaEcritureInserted", Count: 8},
		{Schema: "comptaCompteBancaireInserted", Count: 1}, {Schema: "comptaReconciliationInserted", Count: 0},
	}
	if diff := cmp.Diff(want, res.Report.Rows); diff != "" {
		t.Errorf("report rows mismatch (-want +got):\n%s", diff)
	}
	if res.OutOfScope != 4 || res.Created != 33 || res.Existing != 0 || res.AlreadyDone {
		t.Errorf("result %+v: want 4 entries out of scope (2022), 33 files created", res)
	}
	if got := res.Scope.String(); !strings.Contains(got, "2023-01-01") || strings.Contains(got, "2022") {
		t.Errorf("scope %s, want 2023-01-01..2024-12-31", got)
	}
	files := snapshot(t, store)
	var events int
	for key, content := range files {
		if strings.HasPrefix(key, "_ledgersink/") {
			continue
		}
		if strings.Contains(content, `"date":"2022-`) || strings.Contains(content, "ex-2022") || strings.Contains(content, "sit-2022") {
			t.Errorf("%s is about 2022, which is out of scope:\n%s", key, content)
		}
		if key != res.ReportKey {
			events++
		}
	}
	if events != 33 {
		t.Errorf("%d event files, want 33", events)
	}
	if res.ReportKey != sinktest.DemoEntityID+"/initialisation-report-2024-02-01T08:00:02.000Z.json" {
		t.Errorf("report key %q", res.ReportKey)
	}
	// Parameters are sent as updates carrying every field.
	for key, content := range files {
		if strings.Contains(key, "comptaParametreUpdated") && !strings.Contains(content, `"valeur":"EUR"`) {
			t.Errorf("%s does not carry every field: %s", key, content)
		}
	}

	// A second run writes nothing and says so.
	again, err := initialize(t, store, sinktest.Company(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyDone || again.Created != 0 || again.ReportKey != res.ReportKey {
		t.Errorf("second run %+v, want AlreadyDone with the same report", again)
	}
	if diff := cmp.Diff(files, snapshot(t, store)); diff != "" {
		t.Errorf("second run changed the store (-before +after):\n%s", diff)
	}
}

// TestInitializeResumesAfterAnyFailure crashes an initialization at each of
// its writes in turn, in every way a write can fail (not done, done but not
// acknowledged, cut midway), restarts it on the same store, and checks that
// the store ends exactly as after an uninterrupted run: no file missing,
// none duplicated, one report.
func TestInitializeResumesAfterAnyFailure(t *testing.T) {
	opts := &sink.InitOptions{BatchSize: 4}
	clean := memstore.New(nil)
	if _, err := initialize(t, clean, sinktest.Company(nil), opts); err != nil {
		t.Fatal(err)
	}
	want := withoutReportTime(t, snapshot(t, clean))
	for _, mode := range []faultstore.Mode{faultstore.FailBefore, faultstore.FailAfter, faultstore.FailDuring} {
		crashes := 0
		for n := 0; ; n++ {
			inner := memstore.New(nil)
			faulty := faultstore.New(inner, faultstore.Rule{Op: faultstore.OpPut, Skip: n, Times: 1, Mode: mode, Crash: true})
			_, err := initialize(t, faulty, sinktest.Company(nil), opts)
			if faulty.Faults() == 0 {
				if err != nil {
					t.Fatalf("%v: no fault, yet %v", mode, err)
				}
				break // n is past the last write
			}
			crashes++
			if !errors.Is(err, faultstore.ErrInjected) && !errors.Is(err, faultstore.ErrCrashed) {
				t.Fatalf("%v at put %d: error %v, want the injected one", mode, n, err)
			}
			// The process restarts on the store as the crash left it.
			res, err := initialize(t, inner, sinktest.Company(nil), opts)
			if err != nil {
				t.Fatalf("%v at put %d: resume: %v", mode, n, err)
			}
			if res.Created+res.Existing != 33 && !res.AlreadyDone {
				t.Errorf("%v at put %d: resume created %d + found %d, want 33", mode, n, res.Created, res.Existing)
			}
			if diff := cmp.Diff(want, withoutReportTime(t, snapshot(t, inner))); diff != "" {
				t.Fatalf("%v at put %d: the resumed store differs (-uninterrupted +resumed):\n%s", mode, n, diff)
			}
		}
		if crashes < 36 {
			t.Errorf("%v: only %d crash points, want one per write (36 or more)", mode, crashes)
		}
	}
}

// withoutReportTime renames the one initialization report of files to
// "<entity>/initialisation-report": its name holds the time a run completed,
// which differs between an uninterrupted run and a resumed one.
var reportName = regexp.MustCompile(`initialisation-report-[0-9T:.Z-]+\.json`)

func withoutReportTime(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	reports := 0
	for k, v := range files {
		if dir, name, _ := strings.Cut(k, "/"); report.IsInitFileName(name) {
			k = dir + "/initialisation-report"
			reports++
		}
		out[k] = reportName.ReplaceAllString(v, "initialisation-report")
	}
	if reports != 1 {
		t.Fatalf("%d initialization reports, want exactly 1", reports)
	}
	return out
}

func TestInitializeCancelled(t *testing.T) {
	store := memstore.New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock()})
	calls := 0
	_, err := w.Initialize(ctx, sinktest.Company(nil), &sink.InitOptions{BatchSize: 2, Progress: func(p sink.InitProgress) {
		if calls++; calls == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Initialize after cancel: %v, want context.Canceled", err)
	}
	for obj := range store.List(context.Background(), sinktest.DemoEntityID+"/initialisation-report") {
		t.Errorf("a cancelled initialization wrote its report %s", obj.Key)
	}
	res, err := w.Initialize(context.Background(), sinktest.Company(nil), nil)
	if err != nil || res.Existing == 0 || res.Created+res.Existing != 33 {
		t.Fatalf("resume after cancel: %+v, %v", res, err)
	}
}

// TestInitializeSourcesChanged: a resumed initialization whose sources
// changed meanwhile fails with a conflict instead of overwriting.
func TestInitializeSourcesChanged(t *testing.T) {
	store := faultstore.New(memstore.New(nil), faultstore.Rule{Op: faultstore.OpPut, Skip: 20, Times: 1}) // stop midway
	if _, err := initialize(t, store, sinktest.Company(nil), &sink.InitOptions{BatchSize: 1}); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("first run: %v", err)
	}
	in := sinktest.Company(nil)
	in.Sources.Journals = sink.SliceSource([]sink.Record[*sink.Journal]{{ID: "jnl-ac", Timestamp: 1, Data: &sink.Journal{Code: "AC", Label: "RENAMED"}}})
	_, err := initialize(t, store, in, nil)
	if !errors.Is(err, sink.ErrConflict) {
		t.Fatalf("resume with changed sources: %v, want ErrConflict", err)
	}
}

func TestInitializeBadInput(t *testing.T) {
	broken := sinktest.Company(nil)
	unbalanced := sinktest.Entry("bad", 2024, 1)
	unbalanced.Movements = unbalanced.Movements[:1] // one line
	broken.Sources.Entries = sink.SliceSource([]sink.Record[*entry.Entry]{{ID: "bad", Timestamp: 1, Data: unbalanced}})
	overlapping := sinktest.Company(nil)
	ex, _ := period.NewExercise("ex-overlap", mustDate("2024-06-01"), mustDate("2025-05-31"), period.StatusOpen)
	overlapping.Calendar.Periods = append(overlapping.Calendar.Periods, ex)
	sourceErr := errors.New("source down")
	failing := sinktest.Company(nil)
	failing.Sources.Accounts = func(yield func(sink.Record[*sink.Account], error) bool) {
		yield(sink.Record[*sink.Account]{}, sourceErr)
	}
	noApp := sinktest.Company(nil)
	noApp.ApplicationID = ""
	badEntity := sinktest.Company(&sinktest.CompanyOptions{EntityID: "../x"})
	tests := []struct {
		name string
		in   *sink.Initialization
		want error
	}{
		{"invalid entry", broken, entry.ErrUnbalanced},
		{"overlapping exercises", overlapping, period.ErrOverlap},
		{"source error", failing, sourceErr},
		{"no application id", noApp, sink.ErrInitialization},
		{"bad entity", badEntity, sink.ErrEntity},
		{"nil", nil, sink.ErrInitialization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memstore.New(nil)
			_, err := initialize(t, store, tt.in, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Initialize = %v, want %v", err, tt.want)
			}
			for obj := range store.List(context.Background(), "") {
				if strings.Contains(obj.Key, "initialisation-report") {
					t.Errorf("bad input led to a report: %s", obj.Key)
				}
			}
		})
	}
}

func TestInitializeNoExercise(t *testing.T) {
	in := sinktest.Company(nil)
	in.Calendar = period.Calendar{}
	res, err := initialize(t, memstore.New(nil), in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Scope.IsEmpty() || res.Report.Count("comptaEcritureInserted") != 0 || res.OutOfScope != 12 || res.Report.Count("comptaPeriodeInserted") != 0 {
		t.Errorf("no exercise: scope %v, report %+v, out of scope %d; want nothing dated sent", res.Scope, res.Report.Rows, res.OutOfScope)
	}
}

// TestLiveWritesAfterInitialization: live events are numbered after the
// initialization's, and live events written during it are detected.
func TestLiveWritesAfterInitialization(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock()})
	ev, err := sink.NewDeleted(sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: sinktest.DemoEntityID, ID: "acc-1"}, sink.ObjectAccount)
	if err != nil {
		t.Fatal(err)
	}
	written, err := w.Write(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	before := written.Files[0].Name
	res, err := w.Initialize(ctx, sinktest.Company(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	written, err = w.Write(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	after := written.Files[0].Name
	if res.FirstOffset <= before.Offset || after.Offset != res.FirstOffset+33 {
		t.Errorf("offsets: live %d, initialization from %d (33 events), live %d; want strictly increasing without overlap",
			before.Offset, res.FirstOffset, after.Offset)
	}

	// A live write during an initialization (simulated by a failure in
	// the middle, a live write, then the resume) is detected.
	store2 := faultstore.New(memstore.New(nil), faultstore.Rule{Op: faultstore.OpPut, Skip: 10, Times: 1})
	w2, _ := sink.NewWriter(store2, &sink.WriterOptions{Now: fixedClock()})
	if _, err := w2.Initialize(ctx, sinktest.Company(nil), nil); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatal(err)
	}
	if _, err := w2.Write(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Initialize(ctx, sinktest.Company(nil), nil); !errors.Is(err, sink.ErrInitialization) {
		t.Errorf("resume after a live write: %v, want ErrInitialization", err)
	}
}

func mustDate(s string) period.Date {
	d, err := period.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
