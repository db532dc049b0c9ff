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
	"github.com/ledgersink/ledgersink/storage/filestore"
)

// quickstart writes what `go run ./examples/quickstart -out dir` writes,
// with a fixed clock: the demo company's initialization, its live changes
// and the daily report of their day.
func quickstart(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	store, err := filestore.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clock := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
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
	if _, err := w.WriteDailyReport(ctx, company.EntityID, period.DateOf(time.UnixMilli(sinktest.ChangedAt).UTC()), nil); err != nil {
		t.Fatal(err)
	}
}

var checkTime = func() time.Time { return time.Date(2024, 2, 3, 6, 0, 0, 0, time.UTC) }

func TestSinkread(t *testing.T) {
	dir := t.TempDir()
	quickstart(t, dir)
	var out, errs strings.Builder
	if code := run(context.Background(), &out, &errs, []string{"-dir", dir, "-check"}, checkTime); code != 0 {
		t.Fatalf("exit %d, stderr %s\n%s", code, errs.String(), out.String())
	}
	golden.Check(t, "want.golden", []byte(out.String()))

	// Lose one file of the day: the check names it and exits 1.
	lost := filepath.Join(dir, sinktest.DemoEntityID,
		"queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteUpdated-33-2024-02-01T08:00:03.000Z.json")
	if err := os.Remove(lost); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(context.Background(), &out, &errs, []string{"-dir", dir, "-entity", sinktest.DemoEntityID, "-check"}, checkTime); code != 1 {
		t.Fatalf("exit %d after losing a file, want 1\n%s", code, out.String())
	}
	for _, want := range []string{
		"missing comptaCompteUpdated acc-601000 2024-02-01T10:00:00.000Z",
		"1 missing",
		"request a partial re-initialization of 2 days",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not say %q:\n%s", want, out.String())
		}
	}
}

func TestSinkreadUsage(t *testing.T) {
	var out, errs strings.Builder
	for _, args := range [][]string{{}, {"-dir"}, {"-nope"}, {"-dir", t.TempDir(), "extra"}, {"-dir", filepath.Join(t.TempDir(), "missing")}} {
		if code := run(context.Background(), &out, &errs, args, checkTime); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}
