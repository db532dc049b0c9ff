package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	for _, name := range []string{"732829320FEC20241231.txt"} {
		matches, _ := filepath.Glob(filepath.Join(dir, "exports", "files", "*", name))
		if len(matches) != 1 {
			t.Errorf("%s: %v", name, matches)
		}
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
	if err := run(context.Background(), &out, []string{"-dir", dir}, now); err == nil {
		t.Error("a second run in the same folder did not fail")
	}
	if err := run(context.Background(), &out, nil, now); err == nil {
		t.Error("no -dir: no error")
	}
}
