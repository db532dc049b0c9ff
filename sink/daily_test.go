package sink_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/internal/golden"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

var day = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)

func at(h int) int64 { return sink.Millis(day.Add(time.Duration(h) * time.Hour)) }

func change(name sink.EventName, id string, ts int64) *sink.Event {
	ev := &sink.Event{Name: name, Envelope: sink.Envelope{Timestamp: ts, ApplicationID: "app", EntityID: entity, ID: id}}
	switch name.Action() {
	case sink.Inserted:
		switch name.Object() {
		case sink.ObjectEntry:
			ev.Data = sinktest.Entry(id, 2024, 3)
		case sink.ObjectThirdParty:
			ev.Data = &sink.ThirdParty{Code: id, Kind: sink.Customer}
		default:
			ev.Data = &sink.Account{Number: id}
		}
	case sink.Updated:
		ev.Data, ev.Changed = &sink.Account{Label: id}, []string{"libelle"}
	}
	return ev
}

// dayChanges are the changes of the day: an account updated twice, an
// entry updated (deletion marked miseAJour + insertion), an entry deleted,
// a third party inserted, and a change of the day before and one of the
// day after, which the report leaves out.
func dayChanges() []*sink.Event {
	upd := change(sink.EntryDeleted, "ecr-1", at(11))
	upd.Update = true
	return []*sink.Event{
		change(sink.AccountUpdated, "acc-1", at(-1)),
		change(sink.AccountUpdated, "acc-1", at(9)),
		change(sink.AccountUpdated, "acc-1", at(10)),
		upd,
		change(sink.EntryInserted, "ecr-1", at(11)),
		change(sink.EntryDeleted, "ecr-2", at(12)),
		change(sink.ThirdPartyInserted, "tp-1", at(13)),
		change(sink.AccountUpdated, "acc-2", at(24)),
	}
}

func TestDailyTopics(t *testing.T) {
	const ns = sink.DefaultNamespace + "."
	got := sink.DailyTopics("", slices.Values(dayChanges()), at(0), at(24))
	want := []report.Topic{
		{TopicName: ns + "comptaCompteUpdated", Values: []report.Value{{ID: "acc-1", Timestamp: at(10)}}},
		{TopicName: ns + "comptaEcritureInserted", Values: []report.Value{{ID: "ecr-1", Timestamp: at(11)}}},
		{TopicName: ns + "comptaEcritureDeleted", Values: []report.Value{{ID: "ecr-2", Timestamp: at(12)}}},
		{TopicName: ns + "comptaTiersInserted", Values: []report.Value{{ID: "tp-1", Timestamp: at(13)}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DailyTopics mismatch (-want +got):\n%s", diff)
	}
}

func writeDay(t *testing.T, store storage.Store) *sink.Writer {
	t.Helper()
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: func() time.Time { return day.Add(30 * time.Hour) }})
	if _, err := w.WriteBatch(context.Background(), dayChanges()); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWriteDailyReport(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w := writeDay(t, store)
	d, _ := period.NewDate(2024, 2, 1)
	res, err := w.WriteDailyReport(ctx, entity, d, &sink.DailyOptions{PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pages) != 2 || res.Created != 2 {
		t.Fatalf("%d pages, %d created; want 2 pages of at most 3 values", len(res.Pages), res.Created)
	}
	var all bytes.Buffer
	for _, n := range res.Names {
		b, err := storage.ReadAll(ctx, store, sink.Key(entity, n))
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(n.String() + "\n")
		all.Write(b)
	}
	golden.Check(t, "daily.golden", all.Bytes())

	again, err := w.WriteDailyReport(ctx, entity, d, &sink.DailyOptions{PageSize: 3})
	if err != nil || again.Created != 0 || !slices.Equal(again.Names, res.Names) {
		t.Errorf("second report of the day: %+v, %v; want nothing new", again, err)
	}
	r, _ := sink.NewReader(store, nil)
	pages, err := r.DailyReports(ctx, entity)
	if err != nil || len(pages) != 2 {
		t.Fatalf("DailyReports = %d pages, %v", len(pages), err)
	}
	// Everything was received: nothing missing.
	check, err := sink.CheckDaily("", pages, events(t, store), day.Add(30*time.Hour))
	if err != nil || check.Expected != 4 || len(check.Missing) != 0 || check.Days != 0 {
		t.Errorf("check of a complete sink: %+v, %v", check, err)
	}
}

func events(t *testing.T, store storage.Store) iter.Seq2[*sink.Event, error] {
	r, _ := sink.NewReader(store, nil)
	return func(yield func(*sink.Event, error) bool) {
		for it, err := range r.Read(context.Background(), entity, nil).All() {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(it.Event, nil) {
				return
			}
		}
	}
}

// TestCheckFindsTheDeletedFile deletes one event file after the report was
// written: the check names exactly it, and the days to re-send.
func TestCheckFindsTheDeletedFile(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w := writeDay(t, store)
	d, _ := period.NewDate(2024, 2, 1)
	if _, err := w.WriteDailyReport(ctx, entity, d, nil); err != nil {
		t.Fatal(err)
	}
	var victim string
	for it, err := range mustReader(t, store).Read(ctx, entity, nil).All() {
		if err != nil {
			t.Fatal(err)
		}
		if it.Event.Name == sink.ThirdPartyInserted {
			victim = it.Key
		}
	}
	if err := store.Delete(ctx, victim); err != nil {
		t.Fatal(err)
	}
	r, _ := sink.NewReader(store, nil)
	pages, _ := r.DailyReports(ctx, entity)
	now := day.Add(3*24*time.Hour + time.Hour)
	check, err := sink.CheckDaily("", pages, events(t, store), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []sink.Missing{{Event: sink.ThirdPartyInserted, ID: "tp-1", Timestamp: at(13)}}
	if diff := cmp.Diff(want, check.Missing); diff != "" {
		t.Errorf("missing mismatch (-want +got):\n%s", diff)
	}
	if check.Days != 3 || !check.Since.Equal(time.UnixMilli(at(13))) {
		t.Errorf("re-initialization of %d days since %v, want 3 days since 13:00", check.Days, check.Since)
	}

	// A partial re-initialization sends the third party again, with the
	// timestamp of its last change: the sink is complete again.
	if _, err := w.Write(ctx, change(sink.ThirdPartyInserted, "tp-1", at(13))); err != nil {
		t.Fatal(err)
	}
	check, err = sink.CheckDaily("", pages, events(t, store), now)
	if err != nil || len(check.Missing) != 0 {
		t.Errorf("after the re-send: %+v, %v; want nothing missing", check, err)
	}
}

// TestCheckLaterVersionCounts: a listed change is received when a later
// version of the object was, not when an older one was.
func TestCheckLaterVersionCounts(t *testing.T) {
	pages := []*report.Daily{{Timestamp: at(0), EntityID: entity, ID: "r", Page: 1, Topics: []report.Topic{
		{TopicName: sink.DefaultNamespace + ".comptaCompteUpdated", Values: []report.Value{{ID: "acc-1", Timestamp: at(10)}}},
		{TopicName: sink.DefaultNamespace + ".comptaEcritureDeleted", Values: []report.Value{{ID: "ecr-2", Timestamp: at(12)}}},
	}}}
	tests := []struct {
		name     string
		received []*sink.Event
		missing  int
	}{
		{"nothing received", nil, 2},
		{"the very events", []*sink.Event{change(sink.AccountUpdated, "acc-1", at(10)), change(sink.EntryDeleted, "ecr-2", at(12))}, 0},
		{"a later insertion of the account", []*sink.Event{change(sink.AccountInserted, "acc-1", at(11)), change(sink.EntryDeleted, "ecr-2", at(12))}, 0},
		{"an older version of the account", []*sink.Event{change(sink.AccountInserted, "acc-1", at(9)), change(sink.EntryDeleted, "ecr-2", at(12))}, 1},
		{"another object with the same id", []*sink.Event{change(sink.ThirdPartyInserted, "acc-1", at(10)), change(sink.EntryDeleted, "ecr-2", at(12))}, 1},
		{"the deletion lost, the entry re-sent before it", []*sink.Event{change(sink.AccountUpdated, "acc-1", at(10)), change(sink.EntryInserted, "ecr-2", at(11))}, 1},
	}
	for _, tt := range tests {
		c, err := sink.CheckDaily("", pages, func(yield func(*sink.Event, error) bool) {
			for _, ev := range tt.received {
				if !yield(ev, nil) {
					return
				}
			}
		}, time.UnixMilli(at(30)))
		if err != nil || len(c.Missing) != tt.missing {
			t.Errorf("%s: %d missing (%v), %v; want %d", tt.name, len(c.Missing), c.Missing, err, tt.missing)
		}
	}
}

func TestCheckDailyErrors(t *testing.T) {
	bad := []*report.Daily{{Timestamp: 1, EntityID: "e", ID: "r", Page: 1, Topics: []report.Topic{{TopicName: "other.comptaCompteUpdated"}}}}
	if _, err := sink.CheckDaily("", bad, nil, day); !errors.Is(err, sink.ErrReport) {
		t.Errorf("foreign topic: %v, want ErrReport", err)
	}
	bad[0].Topics[0].TopicName = sink.DefaultNamespace + ".comptaDailyReport"
	if _, err := sink.CheckDaily("", bad, nil, day); !errors.Is(err, sink.ErrReport) {
		t.Errorf("report topic: %v, want ErrReport", err)
	}
}

func TestReinitDays(t *testing.T) {
	tests := []struct {
		since, now time.Time
		want       int
	}{
		{day, day, 1},
		{day, day.Add(time.Hour), 1},
		{day, day.Add(24 * time.Hour), 1},
		{day, day.Add(24*time.Hour + time.Millisecond), 2},
		{day, day.Add(20 * 24 * time.Hour), 20},
		{day, day.Add(20*24*time.Hour + time.Second), 21},
	}
	for _, tt := range tests {
		if got := sink.ReinitDays(tt.since, tt.now); got != tt.want {
			t.Errorf("ReinitDays(%v, %v) = %d, want %d", tt.since, tt.now, got, tt.want)
		}
	}
}

func mustReader(t *testing.T, s storage.Store) *sink.Reader {
	t.Helper()
	r, err := sink.NewReader(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResend(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock()})
	if _, err := w.Initialize(ctx, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	changedAt := time.UnixMilli(sinktest.Timestamp)
	// Objects changed at or after the instant are sent again: all of the
	// demo's, which changed at that very instant, but its periods, created
	// long before.
	res, err := w.Resend(ctx, sinktest.Company(nil), changedAt, &sink.InitOptions{BatchSize: 5})
	if err != nil || res.Events != 29 {
		t.Fatalf("Resend = %+v, %v; want the 29 objects in scope changed since", res, err)
	}
	// Nothing changed after it.
	if res, err := w.Resend(ctx, sinktest.Company(nil), changedAt.Add(time.Millisecond), nil); err != nil || res.Events != 0 {
		t.Fatalf("Resend after the last change = %+v, %v; want nothing", res, err)
	}
	items, stats := readAll(t, store, nil)
	if len(items) != 33 || stats.Duplicates != 29 {
		t.Errorf("read %d events, %d re-deliveries; want 33 and 29", len(items), stats.Duplicates)
	}
	if _, err := w.Resend(ctx, &sink.Initialization{EntityID: entity}, changedAt, nil); !errors.Is(err, sink.ErrInitialization) {
		t.Errorf("Resend without application id: %v", err)
	}
}

func TestDaysFor(t *testing.T) {
	now := day.Add(5 * 24 * time.Hour)
	tests := []struct {
		name    string
		missing []sink.Missing
		want    int
		tooOld  bool
	}{
		{"nothing missing", nil, 0, false},
		{"one day", []sink.Missing{{Timestamp: sink.Millis(now.Add(-2 * time.Hour))}}, 1, false},
		{"the oldest counts", []sink.Missing{{Timestamp: sink.Millis(now.Add(-time.Hour))}, {Timestamp: at(0)}}, 5, false},
		{"twenty days", []sink.Missing{{Timestamp: sink.Millis(now.Add(-20 * 24 * time.Hour))}}, 20, false},
		{"twenty-one days", []sink.Missing{{Timestamp: sink.Millis(now.Add(-20*24*time.Hour - time.Second))}}, 21, true},
	}
	for _, tt := range tests {
		got, err := sink.DaysFor(tt.missing, now)
		if got != tt.want || errors.Is(err, sink.ErrTooOld) != tt.tooOld {
			t.Errorf("%s: DaysFor = %d, %v; want %d (too old: %v)", tt.name, got, err, tt.want, tt.tooOld)
		}
	}
}
