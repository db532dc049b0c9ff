package sink_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// demoSink returns a store holding the demo company's initialization, its
// live changes (written with WriteOnce "changes-1") and the daily report
// of their day, and the day.
func demoSink(t *testing.T) (*memstore.Store, period.Date) {
	t.Helper()
	ctx := context.Background()
	mem := memstore.New(nil)
	w, err := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Initialize(ctx, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	changes, err := sinktest.Changes(entity)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteOnce(ctx, "changes-1", changes); err != nil {
		t.Fatal(err)
	}
	day := period.DateOf(time.UnixMilli(sinktest.ChangedAt).UTC())
	if _, err := w.WriteDailyReport(ctx, entity, day, nil); err != nil {
		t.Fatal(err)
	}
	return mem, day
}

// keyWith matches the calls on keys (or List prefixes) that contain part.
func keyWith(part string) func(faultstore.Op, string) bool {
	return func(_ faultstore.Op, key string) bool { return strings.Contains(key, part) }
}

// readEntity reads the demo entity through a new reader of s and returns the
// errors the stream yields.
func readEntity(ctx context.Context, s storage.Store) error {
	r, err := sink.NewReader(s, nil)
	if err != nil {
		return err
	}
	var errs []error
	for _, err := range r.Read(ctx, entity, nil).All() {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func damage(key, content string) func(*testing.T, *memstore.Store) {
	return func(t *testing.T, mem *memstore.Store) {
		t.Helper()
		if err := mem.Delete(context.Background(), key); err != nil && !errors.Is(err, storage.ErrNotExist) {
			t.Fatal(err)
		}
		if err := storage.WriteAll(context.Background(), mem, key, []byte(content), nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStoreErrorsAreNeverSwallowed makes the store fail, or damages the
// writer's state, under every reading and writing path: each must return
// the error, never carry on as if nothing were there. (Each case is a
// mutation that deletes an error return and that no other test killed.)
func TestStoreErrorsAreNeverSwallowed(t *testing.T) {
	initKey := func(name string) string { return "_ledgersink/init/" + entity + "/" + name }
	anyError := errors.New("any error")
	tests := []struct {
		name   string
		fresh  bool                              // an empty store instead of the demo sink
		damage func(*testing.T, *memstore.Store) // done on the store before the faults
		rule   faultstore.Rule
		run    func(ctx context.Context, s storage.Store, day period.Date) error
		want   error // anyError: any error
	}{
		{
			name: "Read: listing the entity",
			rule: faultstore.Rule{Op: faultstore.OpList, Match: keyWith(entity + "/")},
			run:  func(ctx context.Context, s storage.Store, _ period.Date) error { return readEntity(ctx, s) },
		},
		{
			name: "Read: reading an event file",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith(".comptaCompteInserted-"), Times: 1},
			run:  func(ctx context.Context, s storage.Store, _ period.Date) error { return readEntity(ctx, s) },
		},
		{
			name: "DailyReports: listing",
			rule: faultstore.Rule{Op: faultstore.OpList, Match: keyWith(".comptaDailyReport-")},
			run:  dailyReports,
		},
		{
			name: "DailyReports: reading a page",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith(".comptaDailyReport-")},
			run:  dailyReports,
		},
		{
			name:   "DailyReports: a damaged page",
			damage: damageDaily,
			run:    dailyReports,
			want:   report.ErrInvalid,
		},
		{
			name: "WriteDailyReport: reading the events",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith(".comptaCompteInserted-"), Times: 1},
			run: func(ctx context.Context, s storage.Store, day period.Date) error {
				w, _ := sink.NewWriter(s, &sink.WriterOptions{Now: fixedClock()})
				_, err := w.WriteDailyReport(ctx, entity, day, nil)
				return err
			},
		},
		{
			name: "Write: listing the offset reservations",
			rule: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_ledgersink/offsets/")},
			run:  writeLive,
		},
		{
			name:   "Write: a damaged offset reservation",
			damage: damage("_ledgersink/offsets/"+entity+"/garbage", ""),
			run:    writeLive,
			want:   anyError,
		},
		{
			name: "WriteOnce: reading its record",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith("_ledgersink/batches/changes-1.json")},
			run:  writeChangesAgain,
		},
		{
			name:   "WriteOnce: a damaged record",
			damage: damage("_ledgersink/batches/changes-1.json", "{"),
			run:    writeChangesAgain,
			want:   anyError,
		},
		{
			name: "WriteAt: reading back the file found under the key",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith(".comptaCompteUpdated-")},
			run:  writeChangesAgain,
		},
		{
			name: "Initialize: reading the completion mark",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith(initKey("done.json"))},
			run:  initializeDemo,
		},
		{
			name: "Initialize: reading the completed report",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith("/initialisation-report-")},
			run:  initializeDemo,
		},
		{
			name:  "Initialize: reading the start record",
			fresh: true,
			rule:  faultstore.Rule{Op: faultstore.OpGet, Match: keyWith(initKey("started.json"))},
			run:   initializeDemo,
		},
		{
			name:   "Initialize: a damaged start record",
			fresh:  true,
			damage: damage(initKey("started.json"), "{"),
			run:    initializeDemo,
			want:   sink.ErrInitialization,
		},
		{
			name:  "Initialize: listing the reservations after the events",
			fresh: true,
			rule:  faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_ledgersink/offsets/"), Skip: 1},
			run:   initializeDemo,
		},
		{
			name:   "Initialize: a damaged report record",
			fresh:  true,
			damage: damage(initKey("report.json"), "{"),
			run:    initializeDemo,
			want:   sink.ErrInitialization,
		},
		{
			name: "live scope: reading the initialization's instant",
			rule: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith(initKey("started.json"))},
			run: func(ctx context.Context, s storage.Store, _ period.Date) error {
				cal := sinktest.Calendar()
				w, _ := sink.NewWriter(s, &sink.WriterOptions{Calendar: func(context.Context, string) (*period.Calendar, error) { return &cal, nil }})
				_, err := w.Write(ctx, entryEvent(t, 2024, 0))
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem, day := memstore.New(nil), period.Date{}
			if !tt.fresh {
				mem, day = demoSink(t)
			}
			if tt.damage != nil {
				tt.damage(t, mem)
			}
			var s storage.Store = mem
			if tt.rule.Op != "" {
				s = faultstore.New(mem, tt.rule)
			}
			want := tt.want
			if want == nil {
				want = faultstore.ErrInjected
			}
			err := tt.run(context.Background(), s, day)
			if err == nil || (want != anyError && !errors.Is(err, want)) {
				t.Errorf("error %v, want %v", err, want)
			}
			if f, ok := s.(*faultstore.Store); ok && f.Calls(tt.rule.Op) == 0 {
				t.Errorf("the fault never struck")
			}
		})
	}
}

func dailyReports(ctx context.Context, s storage.Store, _ period.Date) error {
	r, err := sink.NewReader(s, nil)
	if err != nil {
		return err
	}
	_, err = r.DailyReports(ctx, entity)
	return err
}

func damageDaily(t *testing.T, mem *memstore.Store) {
	t.Helper()
	for k, err := range storage.Keys(context.Background(), mem, entity+"/") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(k, ".comptaDailyReport-") {
			damage(k, `{"page": 1}`)(t, mem)
			return
		}
	}
	t.Fatal("no daily report")
}

func writeLive(ctx context.Context, s storage.Store, _ period.Date) error {
	w, _ := sink.NewWriter(s, nil)
	ev, err := sink.NewDeleted(demoEnvelope("acc-1"), sink.ObjectAccount)
	if err != nil {
		return err
	}
	_, err = w.Write(ctx, ev)
	return err
}

func writeChangesAgain(ctx context.Context, s storage.Store, _ period.Date) error {
	w, _ := sink.NewWriter(s, nil)
	changes, err := sinktest.Changes(entity)
	if err != nil {
		return err
	}
	_, err = w.WriteOnce(ctx, "changes-1", changes)
	return err
}

func initializeDemo(ctx context.Context, s storage.Store, _ period.Date) error {
	w, _ := sink.NewWriter(s, &sink.WriterOptions{Now: fixedClock()})
	_, err := w.Initialize(ctx, sinktest.Company(nil), nil)
	return err
}

// CheckDaily returns the error of the events it is given.
func TestCheckDailyReturnsTheReadError(t *testing.T) {
	down := errors.New("store down")
	received := func(yield func(*sink.Event, error) bool) { yield(nil, down) }
	if _, err := sink.CheckDaily("", nil, received, day); !errors.Is(err, down) {
		t.Errorf("CheckDaily = %v, want the error of the events", err)
	}
}
