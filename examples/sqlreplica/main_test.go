package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/internal/golden"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica/pgtest"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

// writeQuickstart writes what go run ./examples/quickstart writes into dir:
// the demo company's initialization, its live changes and the daily report
// of their day.
func writeQuickstart(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	store, err := filestore.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clock := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	w, err := sink.NewWriter(store, &sink.WriterOptions{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	company := sinktest.Company(nil)
	if _, err := w.Initialize(ctx, company, nil); err != nil {
		t.Fatal(err)
	}
	changes, err := sinktest.Changes(company.EntityID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteOnce(ctx, "quickstart-changes-1", changes); err != nil {
		t.Fatal(err)
	}
	day := period.DateOf(time.UnixMilli(sinktest.ChangedAt).UTC())
	if _, err := w.WriteDailyReport(ctx, company.EntityID, day, nil); err != nil {
		t.Fatal(err)
	}
}

func now() time.Time { return time.Date(2024, 2, 2, 8, 0, 0, 0, time.UTC) }

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errs strings.Builder
	if code := run(context.Background(), &out, &errs, args, now); code != 0 {
		t.Fatalf("run %q: exit %d\n%s%s", args, code, out.String(), errs.String())
	}
	return out.String()
}

// TestSQLite replicates the quickstart's sink into a SQLite file and
// compares the reports with the golden file; a second run applies nothing
// and says so, and reports the same.
func TestSQLite(t *testing.T) {
	dir := t.TempDir()
	writeQuickstart(t, filepath.Join(dir, "sink-out"))
	args := []string{"-dir", filepath.Join(dir, "sink-out"), "-db", filepath.Join(dir, "replica.db"), "-from", "2024-01-01", "-to", "2024-12-31"}
	first := runOK(t, args...)
	golden.Check(t, "want.golden", []byte(strings.ReplaceAll(first, dir, "DIR")))

	second := runOK(t, args...)
	if !strings.Contains(second, "sync: nothing new: 37 files applied before") {
		t.Errorf("the second run did not say it had nothing new:\n%s", second)
	}
	if report(second) != report(first) {
		t.Errorf("the second run reports otherwise:\n%s", second)
	}
}

// TestPostgres replicates the same sink into PostgreSQL: the same reports.
func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t, nil)
	dir := t.TempDir()
	writeQuickstart(t, filepath.Join(dir, "sink-out"))
	got := runOK(t, "-dir", filepath.Join(dir, "sink-out"), "-postgres", srv.NewDatabase(t), "-from", "2024-01-01", "-to", "2024-12-31")
	want, err := os.ReadFile(filepath.Join("testdata", "want.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "database: PostgreSQL postgres://postgres@127.0.0.1:") {
		t.Errorf("first line: %s", strings.SplitN(got, "\n", 2)[0])
	}
	if rest(got) != rest(string(want)) {
		t.Errorf("PostgreSQL reports otherwise than SQLite:\n%s\nwant:\n%s", got, want)
	}
}

// rest drops the first line, which names the database.
func rest(s string) string { _, r, _ := strings.Cut(s, "\n"); return r }

// report drops the first two lines: the database and the sync's counts.
func report(s string) string { return rest(rest(s)) }

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"-h"}, 0},
		{[]string{"-nope"}, 2},
		{[]string{"-from", "2024-13-01"}, 2},
		{[]string{"extra"}, 2},
		{[]string{"-dir", filepath.Join(dir, "absent"), "-db", filepath.Join(dir, "r.db")}, 1},
	} {
		var out, errs strings.Builder
		if code := run(context.Background(), &out, &errs, tt.args, now); code != tt.code {
			t.Errorf("run %q: exit %d, want %d\n%s", tt.args, code, tt.code, errs.String())
		}
		if tt.code == 0 && !strings.Contains(errs.String(), "usage: sqlreplica") {
			t.Errorf("-h printed no usage: %q", errs.String())
		}
	}
}
