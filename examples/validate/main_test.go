package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestRun runs the program over the testdata files, in both modes, and
// compares everything it prints, and its exit statuses, with
// testdata/want.golden.
func TestRun(t *testing.T) {
	files := []string{"valid.json", "broken.json", "batch.json", "truncated.json"}
	var got strings.Builder
	for _, mode := range [][]string{nil, {"-schema"}} {
		for _, f := range files {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, mode...), filepath.Join("testdata", f))
			code := run(context.Background(), &stdout, &stderr, args)
			got.WriteString("$ validate " + strings.Join(args, " ") + "\n")
			got.WriteString(stdout.String())
			got.WriteString(stderr.String())
			got.WriteString("exit " + strconv.Itoa(code) + "\n\n")
		}
	}
	golden := filepath.Join("testdata", "want.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("output mismatch (-want +got):\n%s", diff)
	}
}

func TestExitStatus(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		args []string
		want int
	}{
		{"valid", context.Background(), []string{"testdata/valid.json"}, exitValid},
		{"valid and invalid", context.Background(), []string{"testdata/valid.json", "testdata/broken.json"}, exitInvalid},
		{"no file", context.Background(), nil, exitUsage},
		{"unknown flag", context.Background(), []string{"-x", "testdata/valid.json"}, exitUsage},
		{"missing file", context.Background(), []string{"testdata/missing.json"}, exitUsage},
		{"canceled", canceled, []string{"testdata/valid.json"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if got := run(tt.ctx, &out, &errOut, tt.args); got != tt.want {
				t.Errorf("run = %d, want %d\nstdout: %s\nstderr: %s", got, tt.want, out.String(), errOut.String())
			}
		})
	}
}
