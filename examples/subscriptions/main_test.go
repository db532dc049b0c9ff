package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSubscriptions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out strings.Builder
	if err := run(context.Background(), &out, []string{"-dir", dir}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := strings.ReplaceAll(out.String(), dir, "DIR")
	path := filepath.Join("testdata", "want.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("transcript mismatch:\ngot:\n%s\nwant:\n%s", got, want)
	}
	// A second run into the same folder is refused rather than mixed in.
	if err := run(context.Background(), &out, []string{"-dir", dir}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second run into the same folder: %v", err)
	}
}
