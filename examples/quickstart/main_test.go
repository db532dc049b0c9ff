package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/internal/cli/clitest"
	"github.com/ledgersink/ledgersink/internal/golden"
)

func fixedClock() func() time.Time {
	t := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

// TestQuickstart runs the quickstart twice into a temporary folder: the
// first run's transcript and files match the golden listing, nothing of
// 2022 is written, and the second run writes nothing.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), &out, []string{"-out", dir}, fixedClock()); err != nil {
		t.Fatal(err)
	}
	listing := listFiles(t, dir)
	golden.Check(t, "want.golden", []byte(strings.ReplaceAll(out.String(), dir, "OUT")+"\n"+listing))

	for _, line := range strings.Split(listing, "\n") {
		if strings.Contains(line, "2022") {
			t.Errorf("a file of 2022 was written: %s", line)
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && (strings.Contains(string(b), `"date":"2022-`) || strings.Contains(string(b), "ex-2022")) {
			t.Errorf("%s holds data of 2022, which is out of scope", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	var again strings.Builder
	if err := run(context.Background(), &again, []string{"-out", dir}, fixedClock()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(again.String(), "already initialized: nothing new written") ||
		!strings.Contains(again.String(), "already written: nothing new") {
		t.Errorf("second run did not say it wrote nothing:\n%s", again.String())
	}
	// The second run does not count the entries left out (the first did):
	// it must not claim there were none.
	if !strings.Contains(again.String(), "  scope: 2023-01-01..2024-12-31\n") || strings.Contains(again.String(), "not sent") {
		t.Errorf("second run's scope line is not the plain scope:\n%s", again.String())
	}
	if got := listFiles(t, dir); got != listing {
		t.Errorf("second run changed the folder:\n%s\nwant\n%s", got, listing)
	}
}

// program is the quickstart as main runs it, with a fixed clock.
func program(ctx context.Context, w io.Writer, args []string) error {
	return run(ctx, w, args, fixedClock())
}

func TestQuickstartHelp(t *testing.T) {
	clitest.Help(t, "quickstart", "[-out DIR]", program, "out DIR")
}

func TestQuickstartBadArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	clitest.Check(t, "quickstart", program, []clitest.Case{
		{Args: []string{"-nope"}, Code: 2, Msg: "quickstart: flag provided but not defined: -nope"},
		{Args: []string{"extra"}, Code: 2, Msg: `quickstart: unexpected argument "extra"`},
		{Args: []string{"-out", ""}, Code: 2, Msg: "quickstart: -out must not be empty"},
		{Args: []string{"-out", filepath.Join(file, "sub")}, Code: 1, Msg: "quickstart: mkdir " + file + ": "},
	})
}

// listFiles lists the files under dir, one relative path per line, sorted.
func listFiles(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		lines = append(lines, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n") + "\n"
}
