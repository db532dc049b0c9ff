// Command subscriptions walks through the life of a sink subscription on a
// local folder, on a simulated clock: it creates a subscription with two
// entities, initializes them, delivers live changes, removes one entity,
// writes the nightly daily report, loses a file, finds it missing with the
// daily report check, repairs it with a partial re-initialization, and
// checks again.
//
//	go run ./examples/subscriptions [-dir DIR]
//
// DIR (./subscriptions-out by default) must be empty or absent; the
// subscription registry goes to DIR/registry and the sink to DIR/sink.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/internal/cli"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/subscription"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

func main() { cli.Main("subscriptions", run) }

const (
	entityA = sinktest.DemoEntityID
	entityB = "b7f3c1d2-5e4a-4f60-9c8b-2d1e0f3a4b5c"
)

// clock is the simulated time of the walk-through.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func run(ctx context.Context, out io.Writer, args []string) error {
	fs := cli.NewFlagSet("subscriptions", "[-dir DIR]",
		"Subscriptions walks through the life of a sink subscription on a simulated clock, from its creation\n"+
			"to a lost file found by the daily report check and repaired by a partial re-initialization.\n"+
			"It writes the registry to DIR/registry and the sink to DIR/sink.")
	dir := fs.String("dir", "subscriptions-out", "work in the folder `DIR`, which must be empty or absent")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Required("dir"); err != nil {
		return err
	}
	if entries, err := os.ReadDir(*dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: remove it or pick another -dir", *dir)
	}
	regStore, err := openStore(filepath.Join(*dir, "registry"))
	if err != nil {
		return err
	}
	defer regStore.Close()
	folder, err := openStore(filepath.Join(*dir, "sink"))
	if err != nil {
		return err
	}
	defer folder.Close()

	clk := &clock{t: time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)}
	reg, err := subscription.NewRegistry(regStore, &subscription.RegistryOptions{
		Now: clk.now,
		Stores: func(name string) (storage.Store, error) {
			if name != "folder" {
				return nil, errors.New("unknown store")
			}
			return folder, nil
		},
	})
	if err != nil {
		return err
	}
	disp := subscription.NewDispatcher(reg, &subscription.DispatcherOptions{Writer: &sink.WriterOptions{Now: clk.now}})
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "%s  "+format+"\n", append([]any{clk.t.Format("2006-01-02 15:04")}, args...)...)
	}
	statuses := func() error {
		s, err := reg.Get(ctx, "partner-1")
		if err != nil {
			return err
		}
		var parts []string
		for _, e := range s.Entities {
			parts = append(parts, e.ID[:8]+" "+string(e.Status))
		}
		say("  entities: %s (generation %d)", strings.Join(parts, ", "), s.Generation)
		return nil
	}

	say("create subscription partner-1 on folder %s with two entities", filepath.Join(*dir, "sink"))
	if _, err := reg.Create(ctx, &subscription.Subscription{
		ID: "partner-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"},
		Entities: []subscription.Entity{{ID: entityA}, {ID: entityB}},
	}); err != nil {
		return err
	}
	if err := statuses(); err != nil {
		return err
	}

	source := func(after bool) subscription.Source {
		return func(ctx context.Context, entity string) (*sink.Initialization, error) {
			return sinktest.Company(&sinktest.CompanyOptions{EntityID: entity, AfterChanges: after}), nil
		}
	}
	for _, e := range []string{entityA, entityB} {
		res, err := disp.Initialize(ctx, "partner-1", e, source(false), nil)
		if err != nil {
			return err
		}
		say("initialize %s: %d files, report %s", e[:8], res.Created, filepath.Base(res.ReportKey))
	}
	if err := statuses(); err != nil {
		return err
	}

	clk.t = time.UnixMilli(sinktest.ChangedAt).UTC()
	for _, e := range []string{entityA, entityB} {
		changes, err := sinktest.Changes(e)
		if err != nil {
			return err
		}
		for _, ev := range changes {
			d, err := disp.Dispatch(ctx, ev)
			if err != nil {
				return err
			}
			say("live %s %s of %s: delivered to %v", ev.Name, ev.ID, e[:8], d.Delivered)
		}
	}

	clk.t = clk.t.Add(time.Hour)
	if _, err := reg.RemoveEntity(ctx, "partner-1", entityB); err != nil {
		return err
	}
	say("remove %s", entityB[:8])
	if err := statuses(); err != nil {
		return err
	}
	late, err := sink.NewDeleted(sink.Envelope{
		Timestamp: sink.Millis(clk.t), ApplicationID: sinktest.DemoApplicationID, EntityID: entityB, ID: "acc-467000"}, sink.ObjectAccount)
	if err != nil {
		return err
	}
	d, err := disp.Dispatch(ctx, late)
	if err != nil {
		return err
	}
	say("live %s %s of %s: delivered to %v (its files stay)", late.Name, late.ID, entityB[:8], d.Delivered)

	// The nightly daily report of 2024-02-01, written by the producer.
	clk.t = time.Date(2024, 2, 2, 2, 0, 0, 0, time.UTC)
	producer, err := sink.NewWriter(folder, &sink.WriterOptions{Now: clk.now})
	if err != nil {
		return err
	}
	day, _ := period.NewDate(2024, 2, 1)
	daily, err := producer.WriteDailyReport(ctx, entityA, day, nil)
	if err != nil {
		return err
	}
	say("daily report of %s for %s: %d page", entityA[:8], day, len(daily.Pages))

	// A file goes missing on the way.
	clk.t = time.Date(2024, 2, 2, 6, 0, 0, 0, time.UTC)
	lost, err := findFile(ctx, folder, entityA, sink.AccountUpdated)
	if err != nil {
		return err
	}
	if err := folder.Delete(ctx, lost); err != nil {
		return err
	}
	say("lose %s", filepath.Base(lost))

	check, err := checkDaily(ctx, folder, entityA, clk.t)
	if err != nil {
		return err
	}
	say("check %s: %d changes listed, %d missing", entityA[:8], check.Expected, len(check.Missing))
	for _, m := range check.Missing {
		say("  missing %s %s %s", m.Event, m.ID, time.UnixMilli(m.Timestamp).UTC().Format(time.RFC3339))
	}
	days, err := sink.DaysFor(check.Missing, clk.t)
	if err != nil {
		return err
	}
	res, err := disp.Reinitialize(ctx, "partner-1", entityA, days, source(true))
	if err != nil {
		return err
	}
	say("partial re-initialization of %s over %d day: %d events re-sent", entityA[:8], days, res.Events)

	check, err = checkDaily(ctx, folder, entityA, clk.t)
	if err != nil {
		return err
	}
	say("check %s: %d changes listed, %d missing", entityA[:8], check.Expected, len(check.Missing))
	if len(check.Missing) > 0 {
		return errors.New("the sink is still incomplete")
	}
	return nil
}

func openStore(dir string) (*filestore.Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return filestore.New(dir, nil)
}

// findFile returns the key of the first file of entity for event name.
func findFile(ctx context.Context, s storage.Store, entity string, name sink.EventName) (string, error) {
	for key, err := range storage.Keys(ctx, s, entity+"/"+sink.DefaultNamespace+"."+string(name)+"-") {
		return key, err
	}
	return "", fmt.Errorf("no %s file for %s", name, entity)
}

// checkDaily does what `go run ./examples/sinkread -check` does: it reads
// the entity's events and compares them with its daily reports.
func checkDaily(ctx context.Context, s storage.Store, entity string, now time.Time) (*sink.Check, error) {
	r, err := sink.NewReader(s, nil)
	if err != nil {
		return nil, err
	}
	pages, err := r.DailyReports(ctx, entity)
	if err != nil {
		return nil, err
	}
	return sink.CheckDaily("", pages, func(yield func(*sink.Event, error) bool) {
		for it, err := range r.Read(ctx, entity, nil).All() {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(it.Event, nil) {
				return
			}
		}
	}, now)
}
