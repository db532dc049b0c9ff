// Command sinkread reads a sink folder, such as the quickstart's output: it
// prints each event of an entity in order, then the replica the events
// build, and with -check compares them with the entity's daily reports.
//
//	go run ./examples/sinkread -dir DIR [-entity ID] [-check]
//
// Without -entity it reads every entity of the folder. The exit status is 1
// when -check finds a missing change, 2 on a usage or I/O error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Stdout, os.Stderr, os.Args[1:], time.Now)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, stdout, stderr io.Writer, args []string, now func() time.Time) int {
	fs := flag.NewFlagSet("sinkread", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the sink folder to read (required)")
	only := fs.String("entity", "", "read only this entity")
	check := fs.Bool("check", false, "compare the events with the daily reports")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: sinkread -dir DIR [-entity ID] [-check]")
		return 2
	}
	store, err := filestore.New(*dir, nil)
	if err != nil {
		fmt.Fprintln(stderr, "sinkread:", err)
		return 2
	}
	defer store.Close()
	r, err := sink.NewReader(store, nil)
	if err != nil {
		fmt.Fprintln(stderr, "sinkread:", err)
		return 2
	}
	entities := []string{*only}
	if *only == "" {
		entities = nil
		for e, err := range r.Entities(ctx) {
			if err != nil {
				fmt.Fprintln(stderr, "sinkread:", err)
				return 2
			}
			entities = append(entities, e)
		}
	}
	code := 0
	for _, e := range entities {
		c, err := readEntity(ctx, stdout, r, e, *check, now())
		if err != nil {
			fmt.Fprintln(stderr, "sinkread:", err)
			return 2
		}
		code = max(code, c)
	}
	return code
}

// readEntity prints the events of entity and its replica, and with check
// the comparison with its daily reports. It returns 1 when a change is
// missing.
func readEntity(ctx context.Context, w io.Writer, r *sink.Reader, entity string, check bool, now time.Time) (int, error) {
	fmt.Fprintf(w, "entity %s\n", entity)
	replica := sink.NewReplica(entity)
	var received []*sink.Event
	stream := r.Read(ctx, entity, nil)
	for it, err := range stream.All() {
		if err != nil {
			return 0, err
		}
		ev := it.Event
		fmt.Fprintf(w, "  %6d  %-30s %-40s %s\n", it.File.Offset, ev.Name, ev.ID, ev.Time().Format(report.TimeLayout))
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
		return 0, nil
	}
	pages, err := r.DailyReports(ctx, entity)
	if err != nil {
		return 0, err
	}
	res, err := sink.CheckDaily("", pages, func(yield func(*sink.Event, error) bool) {
		for _, ev := range received {
			if !yield(ev, nil) {
				return
			}
		}
	}, now)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "  daily reports: %d pages, %d changes listed, %d missing\n", len(pages), res.Expected, len(res.Missing))
	for _, m := range res.Missing {
		fmt.Fprintf(w, "    missing %s %s %s\n", m.Event, m.ID, time.UnixMilli(m.Timestamp).UTC().Format(report.TimeLayout))
	}
	if len(res.Missing) == 0 {
		return 0, nil
	}
	if res.Days > sink.MaxReinitDays {
		fmt.Fprintf(w, "  repair: the oldest missing change is %d days old, more than a partial re-initialization covers (%d): initialize the entity again\n", res.Days, sink.MaxReinitDays)
	} else {
		fmt.Fprintf(w, "  repair: request a partial re-initialization of %d days\n", res.Days)
	}
	return 1, nil
}
