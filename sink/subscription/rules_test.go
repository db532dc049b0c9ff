package subscription_test

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
	"github.com/ledgersink/ledgersink/sink/subscription"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// filesPerEvent counts the event files of entity in s, by event name.
func filesPerEvent(t *testing.T, s storage.Store, entity string) map[sink.EventName]int {
	t.Helper()
	got := map[sink.EventName]int{}
	for k, err := range storage.Keys(context.Background(), s, entity+"/") {
		if err != nil {
			t.Fatal(err)
		}
		if f, err := sink.ParseFileName(strings.TrimPrefix(k, entity+"/")); err == nil {
			got[f.Event]++
		}
	}
	return got
}

// entryEvent returns the EntryInserted of the i-th demo entry of year y
// for entity.
func entryEvent(t *testing.T, entity string, y, i int, at time.Time) *sink.Event {
	t.Helper()
	id := fmt.Sprintf("ecr-%d-%06d", y, i)
	ev, err := sink.NewInserted(sink.Envelope{Timestamp: sink.Millis(at), ApplicationID: "app", EntityID: entity, ID: id}, sinktest.Entry(id, y, i))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// A subscription's events limit its initialization: a 4-event
// subscription gets files of those events only, and a report of them.
func TestInitializeWritesOnlyTheSubscriptionsEvents(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	events := []sink.EventName{sink.AccountInserted, sink.AccountUpdated, sink.EntryInserted, sink.EntryDeleted}
	e.create(t, events...)
	res, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := filesPerEvent(t, e.dest, entA), map[sink.EventName]int{sink.AccountInserted: 9, sink.EntryInserted: 8}; !maps(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	var schemas []string
	for _, row := range res.Report.Rows {
		schemas = append(schemas, row.Schema)
	}
	if want := []string{"comptaCompteInserted", "comptaEcritureInserted"}; !slices.Equal(schemas, want) {
		t.Errorf("report rows %q, want %q", schemas, want)
	}
	// The caller's options narrow them further, and are left as they were.
	opts := &sink.InitOptions{Events: []sink.EventName{sink.EntryInserted, sink.JournalInserted}}
	if _, err := e.disp.Initialize(ctx, "sub-1", entB, source, opts); err != nil {
		t.Fatal(err)
	}
	if got, want := filesPerEvent(t, e.dest, entB), map[sink.EventName]int{sink.EntryInserted: 8}; !maps(got, want) {
		t.Errorf("with narrower options: files %v, want %v", got, want)
	}
	if len(opts.Events) != 2 {
		t.Errorf("the caller's options were changed: %v", opts.Events)
	}
}

func maps[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A partial re-initialization re-sends only the subscription's events.
func TestReinitializeSendsOnlyTheSubscriptionsEvents(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t, sink.ThirdPartyInserted)
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.UnixMilli(sinktest.ChangedAt).UTC().Add(time.Hour))
	after := func(ctx context.Context, entity string) (*sink.Initialization, error) {
		return sinktest.Company(&sinktest.CompanyOptions{EntityID: entity, AfterChanges: true}), nil
	}
	// What changed in the last day: an account and an entry, which this
	// subscription does not want.
	res, err := e.disp.Reinitialize(ctx, "sub-1", entA, 1, after)
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 0 {
		t.Errorf("%d events re-sent, want none: the subscription wants third parties only (%v)", res.Events, res.Counts)
	}
	if got := filesPerEvent(t, e.dest, entA); len(got) != 1 || got[sink.ThirdPartyInserted] != 4 {
		t.Errorf("files %v, want the 4 third parties of the initialization only", got)
	}
}

// Live dispatch refuses an entry that fails the business rules before
// doing anything, for ready and held entities alike.
func TestDispatchValidatesEntries(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t)
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	before := len(filesPerEvent(t, e.dest, entA))
	now := e.clock.Now().Add(time.Hour)
	for _, ent := range []string{entA, entB} { // ready, new
		bad := entryEvent(t, ent, 2024, 1, now)
		en := bad.Data.(*entry.Entry)
		en.Movements = en.Movements[:2]
		d, err := e.disp.DispatchBatch(ctx, []*sink.Event{liveEvent(ent, "live-1", now), bad})
		var we *sink.WriteError
		if !errors.As(err, &we) || we.Index != 1 || !errors.Is(err, entry.ErrUnbalanced) || d != nil {
			t.Errorf("%s: DispatchBatch(unbalanced entry) = %v, %v; want a *WriteError on event 1 matching entry.ErrUnbalanced", ent, d, err)
		}
	}
	if got := received(t, e.dest, entA); len(got) != 0 {
		t.Errorf("a refused batch delivered %v", got)
	}
	if after := len(filesPerEvent(t, e.dest, entA)); after != before {
		t.Errorf("a refused batch wrote files")
	}
	// Nothing was held for the new entity: its initialization delivers no live event.
	if _, err := e.disp.Initialize(ctx, "sub-1", entB, source, nil); err != nil {
		t.Fatal(err)
	}
	if got := received(t, e.dest, entB); len(got) != 0 {
		t.Errorf("a refused event was held and delivered: %v", got)
	}
}

// With the calendars known, live dispatch leaves out an entry of an old
// closed exercise, whether the entity is ready or its event was held.
func TestDispatchAppliesPeriodScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	calendar := func(context.Context, string) (*period.Calendar, error) {
		c := sinktest.Calendar()
		return &c, nil
	}
	e.disp = subscription.NewDispatcher(e.reg, &subscription.DispatcherOptions{Writer: &sink.WriterOptions{Now: e.clock.Now, Calendar: calendar}})
	e.create(t)
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().Add(time.Hour)
	old := entryEvent(t, entA, 2022, 0, now) // 2022: closed, not the most recent
	cur := entryEvent(t, entA, 2024, 0, now)
	ds, err := e.disp.DispatchBatch(ctx, []*sink.Event{old, cur})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds[0].OutOfScope, []string{"sub-1"}) || len(ds[0].Delivered) != 0 || !slices.Equal(ds[1].Delivered, []string{"sub-1"}) {
		t.Errorf("deliveries %+v, want the 2022 entry out of scope, the 2024 one delivered", ds)
	}
	// Held while entB initializes, then flushed: the old entry stays out.
	heldOld, heldCur := entryEvent(t, entB, 2022, 0, now), entryEvent(t, entB, 2024, 0, now)
	if ds, err := e.disp.DispatchBatch(ctx, []*sink.Event{heldOld, heldCur}); err != nil || len(ds[0].Held) != 1 || len(ds[1].Held) != 1 {
		t.Fatalf("held = %+v, %v", ds, err)
	}
	e.clock.Set(now.Add(-30 * time.Minute)) // the snapshot predates the held events
	if _, err := e.disp.Initialize(ctx, "sub-1", entB, source, nil); err != nil {
		t.Fatal(err)
	}
	for k, err := range storage.Keys(ctx, e.dest, entB+"/") {
		if err != nil {
			t.Fatal(err)
		}
		data, _ := storage.ReadAll(ctx, e.dest, k)
		if strings.Contains(string(data), `"ecr-2022-000000"`) {
			t.Errorf("the held entry of 2022 was delivered: %s", k)
		}
	}
	if n := filesPerEvent(t, e.dest, entB)[sink.EntryInserted]; n != 9 {
		t.Errorf("%d entries for entB, want the 8 of its initialization and the held one of 2024", n)
	}
}

// Held events the subscription stopped wanting meanwhile are not
// delivered.
func TestFlushHonoursTheSubscriptionsEvents(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t, sink.ThirdPartyInserted, sink.AccountDeleted)
	now := e.clock.Now().Add(time.Hour)
	acc := &sink.Event{Name: sink.AccountDeleted, Envelope: sink.Envelope{Timestamp: sink.Millis(now), ApplicationID: "a", EntityID: entA, ID: "acc"}}
	if d, err := e.disp.Dispatch(ctx, acc); err != nil || len(d.Held) != 1 {
		t.Fatalf("Dispatch = %+v, %v; want it held", d, err)
	}
	if _, err := e.reg.Update(ctx, "sub-1", func(s *subscription.Subscription) error {
		s.Events = []sink.EventName{sink.ThirdPartyInserted}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	if n := filesPerEvent(t, e.dest, entA)[sink.AccountDeleted]; n != 0 {
		t.Errorf("%d AccountDeleted delivered, want none: the subscription no longer wants it", n)
	}
}
