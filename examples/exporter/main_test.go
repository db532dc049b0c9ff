package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/internal/cli/clitest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestExporter(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	var out strings.Builder
	if err := run(context.Background(), &out, []string{"-dir", dir}, now); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "want.golden")
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("transcript mismatch:\n got:\n%s\nwant:\n%s", out.String(), want)
	}
	// The files the transcript names are in the folder.
	for _, name := range []string{"732829320FEC20241231.txt", "purchase-export-20240301 120008-corrections.json"} {
		matches, _ := filepath.Glob(filepath.Join(dir, "exports", "files", "*", name))
		if len(matches) != 1 {
			t.Errorf("%s: %v", name, matches)
		}
	}
	// The summary list is published beside the exports.
	if _, err := os.Stat(filepath.Join(dir, "exports", "incoming-summary-list.json")); err != nil {
		t.Error(err)
	}
	// The sink folder holds one entity, and its events.
	entities, _ := os.ReadDir(filepath.Join(dir, "sink"))
	var names []string
	for _, e := range entities {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != "_ledgersink" { // the writer's state and the entity
		t.Errorf("sink folder holds %v", names)
	}
	// A second run refuses the folder it filled.
	clitest.Check(t, "exporter", program, []clitest.Case{
		{Args: []string{"-dir", dir}, Code: 1, Msg: "exporter: " + dir + " is not empty: remove it or pick another -dir"},
	})
}

// program is the exporter as main runs it, with a fixed clock.
func program(ctx context.Context, w io.Writer, args []string) error {
	clock := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	return run(ctx, w, args, func() time.Time { clock = clock.Add(time.Second); return clock })
}

func TestExporterHelp(t *testing.T) {
	clitest.Help(t, "exporter", "-dir DIR", program, "dir DIR")
}

func TestExporterBadArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	clitest.Check(t, "exporter", program, []clitest.Case{
		{Args: nil, Code: 2, Msg: "exporter: -dir is required"},
		{Args: []string{"-dir", ""}, Code: 2, Msg: "exporter: -dir must not be empty"},
		{Args: []string{"-nope"}, Code: 2, Msg: "exporter: flag provided but not defined: -nope"},
		{Args: []string{"-dir", t.TempDir(), "extra"}, Code: 2, Msg: `exporter: unexpected argument "extra"`},
		{Args: []string{"-dir", file}, Code: 1, Msg: "exporter: mkdir " + file + ": "},
	})
}
