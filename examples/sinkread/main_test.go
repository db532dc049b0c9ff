package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/internal/cli/clitest"
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
	code, out, errs := command("-dir", dir, "-check")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %s\n%s", code, errs, out)
	}
	golden.Check(t, "want.golden", []byte(out))

	// Lose one file of the day: the check names it and exits 1.
	lost := filepath.Join(dir, sinktest.DemoEntityID,
		"queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteUpdated-33-2024-02-01T08:00:03.000Z.json")
	if err := os.Remove(lost); err != nil {
		t.Fatal(err)
	}
	code, out, errs = command("-dir", dir, "-entity", sinktest.DemoEntityID, "-check")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d after losing a file, stderr %q; want 1 and nothing on stderr\n%s", code, errs, out)
	}
	for _, want := range []string{
		"missing comptaCompteUpdated acc-601000 2024-02-01T10:00:00.000Z",
		"1 missing",
		"request a partial re-initialization of 2 days",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}

// program is sinkread as main runs it, at checkTime.
func program(ctx context.Context, w io.Writer, args []string) error {
	return run(ctx, w, args, checkTime)
}

// command runs sinkread as main does and returns its exit code and what it
// printed.
func command(args ...string) (code int, stdout, stderr string) {
	return clitest.Run("sinkread", program, args...)
}

func TestSinkreadHelp(t *testing.T) {
	clitest.Help(t, "sinkread", "-dir DIR [-entity ID] [-check]", program, "dir DIR", "entity ID", "check")
}

// -check must not succeed on nothing: an empty folder, a folder that holds
// no sink (a repository root), a mistyped entity are each one line on
// stderr and exit 1.
func TestIssue13SinkreadNothingToCheck(t *testing.T) {
	empty := t.TempDir()
	repo := t.TempDir()
	for _, f := range []string{".git/HEAD", ".git/objects/ab/cd", "README.md"} {
		p := filepath.Join(repo, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sinkDir := t.TempDir()
	quickstart(t, sinkDir)
	clitest.Check(t, "sinkread", program, []clitest.Case{
		{Args: []string{"-dir", empty, "-check"}, Code: 1, Msg: "sinkread: no entity in " + empty + ": no folder there holds sink files"},
		{Args: []string{"-dir", repo, "-check"}, Code: 1, Msg: "sinkread: no entity in " + repo + ": no folder there holds sink files"},
		{Args: []string{"-dir", sinkDir, "-entity", "mistyped", "-check"}, Code: 1, Msg: "sinkread: no sink file of entity mistyped"},
	})
}

// A lost file of the initialization makes -check exit 1 and say what to do.
func TestIssue13SinkreadLostInitializationFile(t *testing.T) {
	dir := t.TempDir()
	quickstart(t, dir)
	lost, err := filepath.Glob(filepath.Join(dir, sinktest.DemoEntityID, "*comptaCompteInserted-*"))
	if err != nil || len(lost) == 0 {
		t.Fatal(lost, err)
	}
	if err := os.Remove(lost[0]); err != nil {
		t.Fatal(err)
	}
	code, out, errs := command("-dir", dir, "-check")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q; want 1\n%s", code, errs, out)
	}
	for _, want := range []string{"expected      9  found      8  MISSING 1", "initialize the entity again"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}

// A file overwritten with junk is reported and makes the run fail, even
// without -check.
func TestIssue13SinkreadJunkFile(t *testing.T) {
	dir := t.TempDir()
	quickstart(t, dir)
	files, _ := filepath.Glob(filepath.Join(dir, sinktest.DemoEntityID, "*comptaCompteInserted-*"))
	if err := os.WriteFile(files[0], []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := command("-dir", dir)
	if code != 1 || !strings.Contains(out, "unreadable: read") || !strings.Contains(out, filepath.Base(files[0])) {
		t.Errorf("exit %d; want 1 and the file named:\n%s", code, out)
	}
}

func TestSinkreadUsage(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	clitest.Check(t, "sinkread", program, []clitest.Case{
		{Args: nil, Code: 2, Msg: "sinkread: -dir is required"},
		{Args: []string{"-dir"}, Code: 2, Msg: "sinkread: flag needs an argument: -dir"},
		{Args: []string{"-nope"}, Code: 2, Msg: "sinkread: flag provided but not defined: -nope"},
		{Args: []string{"-dir", t.TempDir(), "extra"}, Code: 2, Msg: `sinkread: unexpected argument "extra"`},
		{Args: []string{"-dir", missing}, Code: 1, Msg: "sinkread: open " + missing + ": "},
	})
}
