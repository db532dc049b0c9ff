package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestKafkasink(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), &out, []string{"-out", dir}); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden(t, "want.golden", strings.ReplaceAll(out.String(), dir, "OUT"))

	// Every event once, as the sink writer would have written it.
	store, err := filestore.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r, err := sink.NewReader(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	stream := r.Read(context.Background(), sinktest.DemoEntityID, nil)
	n := 0
	for _, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if st := stream.Stats(); n != 37 || st.Duplicates != 0 || len(st.Skipped) != 0 {
		t.Errorf("%d events read, stats %+v; want 37 and nothing skipped or duplicated", n, st)
	}
	if pages, err := r.DailyReports(context.Background(), sinktest.DemoEntityID); err != nil || len(pages) != 1 {
		t.Errorf("daily reports: %d pages, %v; want 1", len(pages), err)
	}

	// Again, into the same folder: a new cluster delivers the same
	// messages, and every file is there already.
	out.Reset()
	if err := run(context.Background(), &out, []string{"-out", dir, "-partitions", "1", "-group", "again"}); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "  0 files written, 38 already there, 0 dead letters\n") {
		t.Errorf("second run:\n%s\nwant every file already there", out.String())
	}
}

func TestKafkasinkUsage(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-partitions", "0"}} {
		var out strings.Builder
		if err := run(context.Background(), &out, args); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
