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

	"github.com/ledgersink/ledgersink/internal/cli"
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

// command runs the quickstart as main does, with a fixed clock, and returns
// its exit code and what it printed.
func command(args ...string) (code int, stdout, stderr string) {
	var out, errs strings.Builder
	clock := fixedClock()
	code = cli.Run(context.Background(), "quickstart", func(ctx context.Context, w io.Writer, args []string) error {
		return run(ctx, w, args, clock)
	}, &out, &errs, args)
	return code, out.String(), errs.String()
}

func TestQuickstartHelp(t *testing.T) {
	code, stdout, stderr := command("-h")
	if code != 0 || !strings.HasPrefix(stdout, "usage: quickstart [-out DIR]\n") || !strings.Contains(stdout, "-out DIR") || stderr != "" {
		t.Errorf("-h: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestQuickstartBadArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		msg  string // the start of the first line of stderr
	}{
		{[]string{"-nope"}, 2, "quickstart: flag provided but not defined: -nope"},
		{[]string{"extra"}, 2, `quickstart: unexpected argument "extra"`},
		{[]string{"-out", ""}, 2, "quickstart: -out must not be empty"},
		{[]string{"-out", filepath.Join(file, "sub")}, 1, "quickstart: mkdir " + file + ": "},
	}
	for _, tt := range tests {
		code, stdout, stderr := command(tt.args...)
		first, rest, _ := strings.Cut(stderr, "\n")
		if code != tt.code || !strings.HasPrefix(first, tt.msg) || stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit %d, %q", tt.args, code, stderr, stdout, tt.code, tt.msg)
		}
		// A usage error shows the usage once; a failure is one line.
		if want := map[int]string{1: "", 2: "usage: quickstart"}[tt.code]; !strings.HasPrefix(rest, want) || strings.Count(stderr, "usage:") > 1 {
			t.Errorf("%q: stderr %q", tt.args, stderr)
		}
	}
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
