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
	"path"
	"time"

	"github.com/ledgersink/ledgersink/internal/cli"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
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
	if *only != "" {
		if !hasFiles(ctx, store, *only) {
			return fmt.Errorf("no sink file of entity %s", *only)
		}
	} else {
		entities = nil
		for e, err := range r.Entities(ctx) {
			if err != nil {
				return err
			}
			entities = append(entities, e)
		}
	}
	if len(entities) == 0 {
		return fmt.Errorf("no entity in %s: no folder there holds sink files", *dir)
	}
	failed := false
	for _, e := range entities {
		f, err := readEntity(ctx, stdout, r, e, *check, now())
		if err != nil {
			return err
		}
		failed = failed || f
	}
	if failed {
		return cli.ExitCode(cli.ExitFailure)
	}
	return nil
}

// hasFiles reports whether the folder of entity holds a file.
func hasFiles(ctx context.Context, store storage.Store, entity string) bool {
	for _, err := range storage.Keys(ctx, store, entity+"/") {
		return err == nil
	}
	return false
}

// readEntity prints the events of entity and its replica, and with check
// the comparison with its initialization and daily reports. It reports
// whether something failed: a file that could not be read, or with check
// something missing.
func readEntity(ctx context.Context, w io.Writer, r *sink.Reader, entity string, check bool, now time.Time) (failed bool, _ error) {
	fmt.Fprintf(w, "entity %s\n", entity)
	replica := sink.NewReplica(entity)
	stream := r.Read(ctx, entity, nil)
	for it, err := range stream.All() {
		if err != nil {
			if ctx.Err() != nil {
				return false, err
			}
			fmt.Fprintf(w, "  unreadable: %v\n", err)
			failed = true
			continue
		}
		ev := it.Event
		fmt.Fprintf(w, "  %6d  %-30s %-40s %s\n", it.File.Offset, ev.Name, ev.ID, ev.Time().Format(report.TimeLayout))
		out, err := replica.Apply(ev)
		switch {
		case err != nil:
			fmt.Fprintf(w, "          not applied: %v\n", err)
		case out == sink.Conflict:
			fmt.Fprintf(w, "          conflict: another file of this object has the same timestamp and other content\n")
		}
	}
	st := stream.Stats()
	if st.Events == 0 && st.Reports == 0 && st.Errors == 0 {
		return false, fmt.Errorf("no sink file of entity %s", entity)
	}
	fmt.Fprintf(w, "  %d events, %d re-deliveries dropped, %d conflicts, %d unreadable, %d reports, %d other files\n",
		st.Events, st.Duplicates, st.Conflicts, st.Errors, st.Reports, len(st.Skipped))
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
		return failed, nil
	}
	c, err := r.Check(ctx, entity, now)
	if err != nil {
		return false, err
	}
	fmt.Fprintln(w, "  check:")
	if c.Init == nil {
		fmt.Fprintf(w, "    initialization: no report found: initialize the entity\n")
	} else {
		fmt.Fprintf(w, "    initialization report %s: %d missing\n", path.Base(c.Init.Report), c.Init.Missing())
		for _, row := range c.Init.Rows {
			name := string(row.Schema)
			if row.Kind != nil {
				name += " (" + row.Kind.String() + ")"
			}
			mark := ""
			if row.Missing() > 0 {
				mark = "  MISSING " + fmt.Sprint(row.Missing())
			}
			fmt.Fprintf(w, "      %-42s expected %6d  found %6d%s\n", name, row.Expected, row.Found, mark)
		}
		if c.Init.Missing() > 0 {
			fmt.Fprintf(w, "    repair: files of the initialization were lost: initialize the entity again\n")
		}
	}
	d := c.Daily
	fmt.Fprintf(w, "    daily reports: %d changes listed, %d missing\n", d.Expected, len(d.Missing))
	for _, m := range d.Missing {
		fmt.Fprintf(w, "      missing %s %s %s\n", m.Event, m.ID, time.UnixMilli(m.Timestamp).UTC().Format(report.TimeLayout))
	}
	if len(d.Missing) > 0 {
		if d.Days > sink.MaxReinitDays {
			fmt.Fprintf(w, "    repair: the oldest missing change is %d days old, more than a partial re-initialization covers (%d): initialize the entity again\n", d.Days, sink.MaxReinitDays)
		} else {
			fmt.Fprintf(w, "    repair: request a partial re-initialization of %d days\n", d.Days)
		}
	}
	if len(c.Unreadable) > 0 {
		fmt.Fprintf(w, "    %d event files could not be read: the checks could not count them\n", len(c.Unreadable))
	}
	if c.Complete() {
		fmt.Fprintln(w, "    complete: nothing missing")
	}
	return failed || !c.Complete(), nil
}
