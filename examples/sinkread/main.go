// Command sinkread reads a sink folder, such as the quickstart's output: it
// prints each event of an entity in order, then the replica the events
// build, and with -check compares them with the entity's daily reports.
//
//	go run ./examples/sinkread -dir DIR [-entity ID] [-check]
//
// Without -entity it reads every entity of the folder. The exit status is 1
// when -check finds a missing change or the folder cannot be read, 2 on a
// usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ledgersink/ledgersink/internal/cli"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

func main() {
	cli.Main("sinkread", func(ctx context.Context, w io.Writer, args []string) error {
		return run(ctx, w, args, time.Now)
	})
}

func run(ctx context.Context, stdout io.Writer, args []string, now func() time.Time) error {
	fs := cli.NewFlagSet("sinkread", "-dir DIR [-entity ID] [-check]",
		"Sinkread prints the events of each entity of the sink folder DIR in order, then the replica they\n"+
			"build, and with -check compares them with the daily reports (exit status 1 when a change is missing).")
	dir := fs.String("dir", "", "read the sink folder `DIR` (required)")
	only := fs.String("entity", "", "read only the entity `ID`")
	check := fs.Bool("check", false, "compare the events with the daily reports")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Required("dir"); err != nil {
		return err
	}
	store, err := filestore.New(*dir, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	r, err := sink.NewReader(store, nil)
	if err != nil {
		return err
	}
	entities := []string{*only}
	if *only == "" {
		entities = nil
		for e, err := range r.Entities(ctx) {
			if err != nil {
				return err
			}
			entities = append(entities, e)
		}
		if len(entities) == 0 {
			fmt.Fprintf(stdout, "no entity in %s\n", *dir)
		}
	}
	missing := false
	for _, e := range entities {
		m, err := readEntity(ctx, stdout, r, e, *check, now())
		if err != nil {
			return err
		}
		missing = missing || m
	}
	if missing {
		return cli.ExitCode(cli.ExitFailure)
	}
	return nil
}

// readEntity prints the events of entity and its replica, and with check
// the comparison with its daily reports. It reports whether a change is
// missing.
func readEntity(ctx context.Context, w io.Writer, r *sink.Reader, entity string, check bool, now time.Time) (missing bool, _ error) {
	fmt.Fprintf(w, "entity %s\n", entity)
	replica := sink.NewReplica(entity)
	var received []*sink.Event
	stream := r.Read(ctx, entity, nil)
	for it, err := range stream.All() {
		if err != nil {
			return false, err
		}
		ev := it.Event
		fmt.Fprintf(w, "  %6d  %-30s %-40s %s\n", it.File.Offset, ev.Name, ev.ID, ev.Time().Format("2006-01-02T15:04:05.000Z"))
		if _, err := replica.Apply(ev); err != nil {
			fmt.Fprintf(w, "          not applied: %v\n", err)
		}
		if check {
			received = append(received, ev)
		}
	}
	st := stream.Stats()
	fmt.Fprintf(w, "  %d events, %d re-deliveries dropped, %d reports, %d other files\n", st.Events, st.Duplicates, st.Reports, len(st.Skipped))
	for _, s := range st.Skipped {
		fmt.Fprintf(w, "    skipped %s: %v\n", s.Key, s.Err)
	}
	fmt.Fprintln(w, "  replica:")
	for _, o := range sink.Objects() {
		if n := replica.Len(o); n > 0 {
			fmt.Fprintf(w, "    %-16s %d\n", o, n)
		}
	}
	if !check {
		return false, nil
	}
	pages, err := r.DailyReports(ctx, entity)
	if err != nil {
		return false, err
	}
	res, err := sink.CheckDaily("", pages, func(yield func(*sink.Event, error) bool) {
		for _, ev := range received {
			if !yield(ev, nil) {
				return
			}
		}
	}, now)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(w, "  daily reports: %d pages, %d changes listed, %d missing\n", len(pages), res.Expected, len(res.Missing))
	for _, m := range res.Missing {
		fmt.Fprintf(w, "    missing %s %s %s\n", m.Event, m.ID, time.UnixMilli(m.Timestamp).UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if len(res.Missing) == 0 {
		return false, nil
	}
	if res.Days > sink.MaxReinitDays {
		fmt.Fprintf(w, "  repair: the oldest missing change is %d days old, more than a partial re-initialization covers (%d): initialize the entity again\n", res.Days, sink.MaxReinitDays)
	} else {
		fmt.Fprintf(w, "  repair: request a partial re-initialization of %d days\n", res.Days)
	}
	return true, nil
}
