package sink_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// writePaths are the ways a Writer writes live events, each given events
// in order (Write and WriteAt one call per event, stopping at the first
// error) and returning one result for them all.
var writePaths = []struct {
	name  string
	write func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error)
}{
	{"Write", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		return oneByOne(evs, func(i int, ev *sink.Event) (*sink.WriteResult, error) { return w.Write(ctx, ev) })
	}},
	{"WriteBatch", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		return w.WriteBatch(ctx, evs)
	}},
	{"WriteAt", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		return oneByOne(evs, func(i int, ev *sink.Event) (*sink.WriteResult, error) {
			return w.WriteAt(ctx, placedAt(i, ev).Name, ev)
		})
	}},
	{"WriteAtBatch", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		var ps []sink.Placed
		for i, ev := range evs {
			ps = append(ps, placedAt(i, ev))
		}
		return w.WriteAtBatch(ctx, ps)
	}},
	{"WriteOnce", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		return w.WriteOnce(ctx, "changes-1", evs)
	}},
	{"WriteEncoded", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		encs, err := encodeEvents(evs)
		if err != nil {
			return nil, err
		}
		return w.WriteEncoded(ctx, encs)
	}},
	{"WriteEncodedAt", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		encs, err := encodeEvents(evs)
		if err != nil {
			return nil, err
		}
		var ps []sink.PlacedEncoded
		for i, ev := range evs {
			ps = append(ps, sink.PlacedEncoded{Name: placedAt(i, ev).Name, Event: encs[i]})
		}
		return w.WriteEncodedAt(ctx, ps)
	}},
	{"WriteEncodedOnce", func(ctx context.Context, w *sink.Writer, evs []*sink.Event) (*sink.WriteResult, error) {
		encs, err := encodeEvents(evs)
		if err != nil {
			return nil, err
		}
		return w.WriteEncodedOnce(ctx, "changes-1", encs)
	}},
}

// encodeEvents returns the encoded forms of evs.
func encodeEvents(evs []*sink.Event) ([]sink.Encoded, error) {
	encs := make([]sink.Encoded, len(evs))
	for i, ev := range evs {
		data, err := ev.Encode()
		if err != nil {
			return nil, &sink.WriteError{Index: i, Event: ev.Name, Entity: ev.EntityID, ID: ev.ID, Err: err}
		}
		encs[i] = sink.Encoded{Name: ev.Name, Entity: ev.EntityID, Data: data}
	}
	return encs, nil
}

func oneByOne(evs []*sink.Event, write func(int, *sink.Event) (*sink.WriteResult, error)) (*sink.WriteResult, error) {
	all := &sink.WriteResult{}
	for i, ev := range evs {
		res, err := write(i, ev)
		if err != nil {
			var we *sink.WriteError
			if errors.As(err, &we) {
				we.Index = i // the position among all the events, as a batch says
			}
			return nil, err
		}
		all.Files = append(all.Files, res.Files...)
	}
	return all, nil
}

func placedAt(i int, ev *sink.Event) sink.Placed {
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	return sink.Placed{Name: sink.FileName{Event: ev.Name, Offset: int64(100 + i), Time: at}, Event: ev}
}

func demoEnvelope(id string) sink.Envelope {
	return sink.Envelope{Timestamp: sinktest.ChangedAt, ApplicationID: sinktest.DemoApplicationID, EntityID: sinktest.DemoEntityID, ID: id}
}

// entryEvent returns the EntryInserted of the i-th demo entry of year y.
func entryEvent(t testing.TB, y, i int) *sink.Event {
	t.Helper()
	id := fmt.Sprintf("ecr-%d-%06d", y, i)
	ev, err := sink.NewInserted(demoEnvelope(id), sinktest.Entry(id, y, i))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// unbalancedEvent returns the EntryInserted of a demo entry of 2024 that
// lost its VAT line.
func unbalancedEvent(t testing.TB) *sink.Event {
	t.Helper()
	ev := entryEvent(t, 2024, 1)
	e := ev.Data.(*entry.Entry)
	e.Movements = e.Movements[:2]
	return ev
}

// entityFiles lists the files of the demo entity's directory.
func entityFiles(t testing.TB, s storage.Store) []string {
	t.Helper()
	var keys []string
	for k, err := range storage.Keys(context.Background(), s, sinktest.DemoEntityID+"/") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

func fileStatuses(res *sink.WriteResult) []sink.WriteStatus {
	if res == nil {
		return nil
	}
	var out []sink.WriteStatus
	for _, f := range res.Files {
		out = append(out, f.Status)
	}
	return out
}

// Every write path refuses an entry that fails the business rules, as an
// initialization does, with a *WriteError naming it; nothing is written.
// The rule can be turned off, by name.
func TestWritePathsValidateEntries(t *testing.T) {
	ctx := context.Background()
	for _, p := range writePaths {
		t.Run(p.name, func(t *testing.T) {
			store := memstore.New(nil)
			w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock()})
			res, err := p.write(ctx, w, []*sink.Event{unbalancedEvent(t)})
			var we *sink.WriteError
			if !errors.As(err, &we) || !errors.Is(err, entry.ErrUnbalanced) || !errors.Is(err, sink.ErrPayload) {
				t.Fatalf("%s(unbalanced entry) = %v, %v; want a *WriteError matching entry.ErrUnbalanced and ErrPayload", p.name, fileStatuses(res), err)
			}
			if we.Index != 0 || we.Event != sink.EntryInserted || we.ID != "ecr-2024-000001" || we.Entity != sinktest.DemoEntityID {
				t.Errorf("the error names %+v, want event 0, the entry", *we)
			}
			if keys := entityFiles(t, store); len(keys) != 0 {
				t.Errorf("an unbalanced entry was written: %q", keys)
			}

			skip, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock(), Skip: []sink.WriteRule{sink.RuleEntryValidation}})
			res, err = p.write(ctx, skip, []*sink.Event{unbalancedEvent(t)})
			if err != nil || !slices.Equal(fileStatuses(res), []sink.WriteStatus{sink.WriteCreated}) {
				t.Errorf("with RuleEntryValidation skipped: %v, %v; want it written", fileStatuses(res), err)
			}
		})
	}
}

// demoCalendars knows the calendar of the demo entity only.
func demoCalendars(calls *int) func(context.Context, string) (*period.Calendar, error) {
	return func(_ context.Context, entity string) (*period.Calendar, error) {
		*calls++
		if entity != sinktest.DemoEntityID {
			return nil, nil
		}
		c := sinktest.Calendar()
		return &c, nil
	}
}

// Every write path leaves out an entry outside its entity's period scope
// when the writer knows the calendar, as an initialization does; an entry
// in scope, a deletion, and the entries of an entity whose calendar is
// unknown are written.
func TestWritePathsApplyPeriodScope(t *testing.T) {
	ctx := context.Background()
	for _, p := range writePaths {
		t.Run(p.name, func(t *testing.T) {
			store := memstore.New(nil)
			calls := 0
			w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock(), Calendar: demoCalendars(&calls)})
			old := entryEvent(t, 2022, 0) // 2022 is closed, and not the most recent closed exercise
			del, _ := sink.NewDeleted(demoEnvelope("ecr-2022-000001"), sink.ObjectEntry)
			other := entryEvent(t, 2022, 2)
			other.EntityID = "another-entity"
			evs := []*sink.Event{old, entryEvent(t, 2024, 0), del, entryEvent(t, 2023, 0), other}
			res, err := p.write(ctx, w, evs)
			want := []sink.WriteStatus{sink.WriteOutOfScope, sink.WriteCreated, sink.WriteCreated, sink.WriteCreated, sink.WriteCreated}
			if err != nil || !slices.Equal(fileStatuses(res), want) {
				t.Fatalf("%s = %v, %v; want %v", p.name, fileStatuses(res), err, want)
			}
			if res.Files[0].Name != (sink.FileName{}) {
				t.Errorf("the entry left out has a name: %v", res.Files[0].Name)
			}
			for _, k := range entityFiles(t, store) {
				if strings.Contains(k, "-2022-000000") {
					t.Errorf("the entry of 2022 was written: %s", k)
				}
			}
			if n := len(entityFiles(t, store)); n != 3 {
				t.Errorf("%d files for the demo entity, want 3", n)
			}
			if calls == 0 {
				t.Error("the calendar was never asked")
			}
		})
	}
}

// WriteOnce decides the scope on its first call and follows its record
// after: a retry with a calendar that changed meanwhile writes the same
// files.
func TestWriteOnceKeepsItsScope(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	cal := sinktest.Calendar()
	calendar := func(context.Context, string) (*period.Calendar, error) { return &cal, nil }
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock(), Calendar: calendar})
	evs := []*sink.Event{entryEvent(t, 2022, 0), entryEvent(t, 2024, 0)}
	first, err := w.WriteOnce(ctx, "changes-1", evs)
	if err != nil || !slices.Equal(fileStatuses(first), []sink.WriteStatus{sink.WriteOutOfScope, sink.WriteCreated}) {
		t.Fatalf("first WriteOnce = %v, %v", fileStatuses(first), err)
	}
	// 2022 re-opened: in scope now, but the batch was decided.
	for i, p := range cal.Periods {
		if p.ID == "ex-2022" {
			cal.Periods[i].Status = period.StatusOpen
		}
	}
	again, err := w.WriteOnce(ctx, "changes-1", evs)
	if err != nil || !slices.Equal(fileStatuses(again), []sink.WriteStatus{sink.WriteOutOfScope, sink.WriteExisting}) ||
		!slices.Equal(again.Names(), first.Names()) {
		t.Fatalf("second WriteOnce = %v, %v; want the first call's decisions", fileStatuses(again), err)
	}
	if n := len(entityFiles(t, store)); n != 1 {
		t.Errorf("%d files, want 1", n)
	}
}

// The scope of live writes is the initialization's: an exercise created
// after the entity was initialized is in it, whatever its status, as the
// period rules say.
func TestLiveScopeFollowsTheInitialization(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	cal := sinktest.Calendar()
	ex, err := period.NewExercise("ex-2019", mustDate("2019-01-01"), mustDate("2019-12-31"), period.StatusClosed)
	if err != nil {
		t.Fatal(err)
	}
	ex.CreatedAt = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC) // after the initialization
	calendar := func(context.Context, string) (*period.Calendar, error) {
		c := cal
		c.Periods = append(slices.Clone(c.Periods), ex)
		return &c, nil
	}
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock(), Calendar: calendar})
	if _, err := w.Initialize(ctx, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	// A new writer (another process) reads the initialization's instant.
	live, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock(), Calendar: calendar})
	res, err := live.WriteBatch(ctx, []*sink.Event{entryEvent(t, 2019, 0), entryEvent(t, 2022, 0)})
	if want := []sink.WriteStatus{sink.WriteCreated, sink.WriteOutOfScope}; err != nil || !slices.Equal(fileStatuses(res), want) {
		t.Errorf("live entries of 2019 (created after the initialization) and 2022 = %v, %v; want %v", fileStatuses(res), err, want)
	}
}

// A calendar that cannot be read fails the write, which writes nothing.
func TestWriteCalendarError(t *testing.T) {
	store := memstore.New(nil)
	down := errors.New("calendar service down")
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Calendar: func(context.Context, string) (*period.Calendar, error) { return nil, down }})
	if _, err := w.WriteBatch(context.Background(), []*sink.Event{entryEvent(t, 2024, 0)}); !errors.Is(err, down) {
		t.Fatalf("WriteBatch = %v, want the calendar's error", err)
	}
	if keys := entityFiles(t, store); len(keys) != 0 {
		t.Errorf("wrote %q", keys)
	}
}

// An initialization applies the writer's rules too: WriterOptions.Skip
// lets an entry that fails the business rules through, as on the live
// paths.
func TestInitializeSkipsEntryValidation(t *testing.T) {
	in := sinktest.Company(nil)
	in.Sources.Entries = sink.SliceSource([]sink.Record[*entry.Entry]{{ID: "ecr-2024-000001", Timestamp: 1, Data: unbalancedEvent(t).Data.(*entry.Entry)}})
	w, _ := sink.NewWriter(memstore.New(nil), &sink.WriterOptions{Now: fixedClock()})
	if _, err := w.Initialize(context.Background(), in, nil); !errors.Is(err, entry.ErrUnbalanced) {
		t.Fatalf("Initialize(unbalanced entry) = %v, want entry.ErrUnbalanced", err)
	}
	skip, _ := sink.NewWriter(memstore.New(nil), &sink.WriterOptions{Now: fixedClock(), Skip: []sink.WriteRule{sink.RuleEntryValidation}})
	res, err := skip.Initialize(context.Background(), in, nil)
	if err != nil || res.Report.Count(string(sink.EntryInserted)) != 1 {
		t.Fatalf("Initialize with RuleEntryValidation skipped = %v; want the entry sent", err)
	}
}

// InitOptions.Events limits what an initialization writes, and its report.
func TestInitializeEvents(t *testing.T) {
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock()})
	events := []sink.EventName{sink.AccountInserted, sink.EntryInserted, sink.ThirdPartyInserted, sink.EntryDeleted}
	res, err := w.Initialize(context.Background(), sinktest.Company(nil), &sink.InitOptions{Events: events})
	if err != nil {
		t.Fatal(err)
	}
	var schemas []string
	for _, row := range res.Report.Rows {
		schemas = append(schemas, row.Schema)
	}
	want := []string{"comptaCompteInserted", "comptaTiersInserted", "comptaTiersInserted", "comptaTiersInserted", "comptaTiersInserted", "comptaEcritureInserted"}
	if !slices.Equal(schemas, want) {
		t.Errorf("report rows %q, want %q", schemas, want)
	}
	kinds := map[sink.EventName]int{}
	for _, k := range entityFiles(t, store) {
		f, err := sink.ParseFileName(strings.TrimPrefix(k, sinktest.DemoEntityID+"/"))
		if err != nil {
			continue // the report
		}
		kinds[f.Event]++
	}
	if len(kinds) != 3 || kinds[sink.AccountInserted] != 9 || kinds[sink.ThirdPartyInserted] != 4 || kinds[sink.EntryInserted] != 8 {
		t.Errorf("files per event %v, want only accounts (9), third parties (4) and entries (8)", kinds)
	}
	if res.Report.Total() != 21 {
		t.Errorf("report total %d, want 21", res.Report.Total())
	}
	if _, err := w.Initialize(context.Background(), sinktest.Company(&sinktest.CompanyOptions{EntityID: "other"}),
		&sink.InitOptions{Events: []sink.EventName{sink.DailyReport}}); !errors.Is(err, sink.ErrInitialization) {
		t.Errorf("Initialize with the daily report as an event: %v, want ErrInitialization", err)
	}
}

// CheckEvent and Writer.Check refuse what the write paths refuse, before
// any I/O.
func TestCheckEvent(t *testing.T) {
	ok := entryEvent(t, 2024, 0)
	badEntity := entryEvent(t, 2024, 0)
	badEntity.EntityID = "a/b"
	w, _ := sink.NewWriter(memstore.New(nil), nil)
	skip := &sink.WriterOptions{Skip: []sink.WriteRule{sink.RuleEntryValidation}}
	tests := []struct {
		name string
		ev   *sink.Event
		opts *sink.WriterOptions
		want error // nil: valid
	}{
		{"valid entry", ok, nil, nil},
		{"unbalanced entry", unbalancedEvent(t), nil, entry.ErrUnbalanced},
		{"unbalanced entry, rule skipped", unbalancedEvent(t), skip, nil},
		{"incomplete event", &sink.Event{Name: sink.EntryInserted}, skip, sink.ErrPayload},
		{"bad entity", badEntity, nil, sink.ErrEntity},
		{"nil", nil, nil, errors.New("any")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sink.CheckEvent(tt.ev, tt.opts)
			if (err == nil) != (tt.want == nil) || (tt.want != nil && tt.ev != nil && !errors.Is(err, tt.want)) {
				t.Errorf("CheckEvent = %v, want %v", err, tt.want)
			}
			if tt.opts == nil {
				if werr := w.Check(tt.ev); (werr == nil) != (err == nil) {
					t.Errorf("Writer.Check = %v, CheckEvent = %v", werr, err)
				}
			}
		})
	}
}

// The event constructors make the events the wire expects, and refuse the
// pairs the sink never emits.
func TestEventConstructors(t *testing.T) {
	env := demoEnvelope("acc-601000")
	old := &sink.Account{Number: "601000", Label: "Achats", Type: 1}
	renamed := &sink.Account{Number: "601000", Label: "Achats de marchandises", Type: 1}

	ins, err := sink.NewInserted(env, old)
	if err != nil || ins.Name != sink.AccountInserted || ins.Data != old || ins.Envelope != env {
		t.Errorf("NewInserted = %+v, %v", ins, err)
	}
	upd, err := sink.NewUpdated(env, old, renamed)
	if err != nil || upd.Name != sink.AccountUpdated || upd.Data != renamed || !slices.Equal(upd.Changed, []string{"libelle"}) {
		t.Errorf("NewUpdated = %+v, %v; want libelle changed", upd, err)
	}
	if _, err := upd.Encode(); err != nil {
		t.Errorf("the Updated event does not encode: %v", err)
	}
	del, err := sink.NewDeleted(env, sink.ObjectAccount)
	if err != nil || del.Name != sink.AccountDeleted || del.Data != nil || del.Update {
		t.Errorf("NewDeleted = %+v, %v", del, err)
	}
	e := sinktest.Entry("ecr-1", 2024, 1)
	pair, err := sink.NewEntryUpdate(env, e)
	if err != nil || len(pair) != 2 || pair[0].Name != sink.EntryDeleted || !pair[0].Update || pair[0].Data != nil ||
		pair[1].Name != sink.EntryInserted || pair[1].Data != e || pair[0].Envelope != env || pair[1].Envelope != env {
		t.Errorf("NewEntryUpdate = %+v, %v", pair, err)
	}

	errs := []struct {
		name string
		err  error
		want error
	}{
		{"update without change", second(sink.NewUpdated(env, old, old)), sink.ErrUnchanged},
		{"update of an entry", second(sink.NewUpdated(env, e, e)), sink.ErrNoSuchEvent},
		{"update across objects", second(sink.NewUpdated(env, old, &sink.Journal{})), sink.ErrPayload},
		{"insert of a non-payload", second(sink.NewInserted(env, "text")), sink.ErrPayload},
		{"insert without envelope", second(sink.NewInserted(sink.Envelope{}, old)), sink.ErrPayload},
		{"deletion of a reconciliation", second(sink.NewDeleted(env, sink.ObjectReconciliation)), sink.ErrNoSuchEvent},
		{"update of a nil entry", second(sink.NewEntryUpdate(env, nil)), sink.ErrPayload},
		{"update of an entry without id", second(sink.NewEntryUpdate(sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e"}, e)), sink.ErrPayload},
	}
	for _, tt := range errs {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// A *WriteError says which event failed and unwraps to the cause.
func TestWriteError(t *testing.T) {
	w, _ := sink.NewWriter(memstore.New(nil), nil)
	good := entryEvent(t, 2024, 0)
	bad := entryEvent(t, 2024, 1)
	bad.ApplicationID = ""
	_, err := w.WriteBatch(context.Background(), []*sink.Event{good, good, bad})
	var we *sink.WriteError
	if !errors.As(err, &we) {
		t.Fatalf("WriteBatch = %v, want a *WriteError", err)
	}
	if we.Index != 2 || we.Event != sink.EntryInserted || we.ID != bad.ID || we.Entity != bad.EntityID {
		t.Errorf("WriteError = %+v", *we)
	}
	var pe *sink.PayloadError
	if !errors.As(err, &pe) || pe.Field != "application_id" {
		t.Errorf("cause %v, want the *PayloadError on application_id", we.Err)
	}
	for _, want := range []string{"event 2", "comptaEcritureInserted", bad.ID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	_, err = w.WriteBatch(context.Background(), []*sink.Event{good, nil})
	if !errors.As(err, &we) || we.Index != 1 || we.Event != "" {
		t.Errorf("nil event: %v", err)
	}
}
