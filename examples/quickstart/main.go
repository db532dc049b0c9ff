// Command quickstart writes the sink of a demo company into a local folder:
// its initialization under the period rules, then a few live changes.
//
//	go run ./examples/quickstart [-out DIR]
//
// The folder (./sink-out by default) gets one directory per entity holding
// one JSON file per event, named as the platform names them, the
// initialization report, and the daily report of the day of the changes.
// Running it again writes nothing new.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/internal/cli"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

func main() {
	cli.Main("quickstart", func(ctx context.Context, w io.Writer, args []string) error {
		return run(ctx, w, args, time.Now)
	})
}

func run(ctx context.Context, out io.Writer, args []string, now func() time.Time) error {
	fs := cli.NewFlagSet("quickstart", "[-out DIR]",
		"Quickstart writes the sink of a demo company into DIR: its initialization, a few live changes\n"+
			"and the daily report of their day. Running it again writes nothing new.")
	dir := fs.String("out", "sink-out", "write the sink into the folder `DIR`, created if absent")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Required("out"); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	store, err := filestore.New(*dir, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := sink.NewWriter(store, &sink.WriterOptions{Now: now})
	if err != nil {
		return err
	}

	company := sinktest.Company(nil)
	fmt.Fprintf(out, "entity %s: initialization\n", company.EntityID)
	res, err := w.Initialize(ctx, company, nil)
	if err != nil {
		return err
	}
	// A completed initialization is not run again: the entries it left out
	// are counted only by the run that wrote it.
	if res.AlreadyDone {
		fmt.Fprintf(out, "  scope: %s\n", res.Scope)
		fmt.Fprintln(out, "  already initialized: nothing new written")
	} else {
		fmt.Fprintf(out, "  scope: %s (entries outside it, not sent: %d)\n", res.Scope, res.OutOfScope)
		fmt.Fprintf(out, "  %d files written, %d already there\n", res.Created, res.Existing)
	}
	fmt.Fprintf(out, "  report: %s\n", filepath.Join(*dir, filepath.FromSlash(res.ReportKey)))
	printReport(out, res.Report)

	changes, err := sinktest.Changes(company.EntityID)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "live changes: account 601000 renamed, entry ecr-2024-000001 updated, entry ecr-2023-000002 deleted")
	batch, err := w.WriteOnce(ctx, "quickstart-changes-1", changes)
	if err != nil {
		return err
	}
	if created := batch.Count(sink.WriteCreated); created == 0 {
		fmt.Fprintln(out, "  already written: nothing new")
	} else {
		fmt.Fprintf(out, "  %d files written\n", created)
	}
	for _, f := range batch.Files {
		fmt.Fprintf(out, "    %s\n", f.Name)
	}

	day := period.DateOf(time.UnixMilli(sinktest.ChangedAt).UTC())
	daily, err := w.WriteDailyReport(ctx, company.EntityID, day, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "daily report of %s: %d changes", day, countValues(daily))
	if daily.Created == 0 {
		fmt.Fprint(out, ", already written: nothing new")
	}
	fmt.Fprintln(out)
	for _, n := range daily.Names {
		fmt.Fprintf(out, "    %s\n", n)
	}

	counts, err := countEvents(ctx, store, company.EntityID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "files in %s:\n", filepath.Join(*dir, company.EntityID))
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(out, "    %-30s %d\n", name, counts[name])
	}
	return nil
}

// printReport prints the rows of the initialization report, naming the kind
// of third party of each comptaTiersInserted row (one row per kind, in the
// order of sink.ThirdPartyKinds).
func printReport(w io.Writer, rep *report.Init) {
	kinds := sink.ThirdPartyKinds()
	for _, row := range rep.Rows {
		name := row.Schema
		if name == string(sink.ThirdPartyInserted) && len(kinds) > 0 {
			name += " (" + kinds[0].String() + ")"
			kinds = kinds[1:]
		}
		fmt.Fprintf(w, "    %-30s %d\n", name, row.Count)
	}
}

// countEvents counts the files of an entity's directory per event name,
// and the initialization reports.
func countEvents(ctx context.Context, store *filestore.Store, entity string) (map[string]int, error) {
	counts := map[string]int{}
	for obj, err := range store.List(ctx, entity+"/") {
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(obj.Key, entity+"/")
		f, err := sink.ParseFileName(name)
		switch {
		case err == nil:
			counts[string(f.Event)]++ // comptaDailyReport included
		case strings.HasPrefix(name, "initialisation-report-"):
			counts["initialisation-report"]++
		default:
			return nil, errors.New("unexpected file " + obj.Key)
		}
	}
	return counts, nil
}

func countValues(d *sink.DailyResult) int {
	n := 0
	for _, p := range d.Pages {
		for _, t := range p.Topics {
			n += len(t.Values)
		}
	}
	return n
}
