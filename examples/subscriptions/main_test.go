package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/internal/golden"
)

func TestSubscriptions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out strings.Builder
	if err := run(context.Background(), &out, []string{"-dir", dir}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := strings.ReplaceAll(out.String(), dir, "DIR")
	golden.Check(t, "want.golden", []byte(got))
	// A second run into the same folder is refused rather than mixed in.
	if err := run(context.Background(), &out, []string{"-dir", dir}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second run into the same folder: %v", err)
	}
}
