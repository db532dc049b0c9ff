package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/internal/cli"
	"github.com/ledgersink/ledgersink/internal/cli/clitest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestRun runs the program over the testdata files, in both modes, and
// compares everything it prints, and its exit statuses, with
// testdata/want.golden.
func TestRun(t *testing.T) {
	files := []string{"valid.json", "broken.json", "batch.json", "truncated.json", "truncated-batch.json", "notjson.csv"}
	var got strings.Builder
	for _, mode := range [][]string{nil, {"-schema"}} {
		for _, f := range files {
			args := append(append([]string{}, mode...), filepath.Join("testdata", f))
			code, stdout, stderr := clitest.Run("validate", run, args...)
			got.WriteString("$ validate " + strings.Join(args, " ") + "\n")
			got.WriteString(stdout)
			got.WriteString(stderr)
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
		{"valid", context.Background(), []string{"testdata/valid.json"}, 0},
		{"valid and invalid", context.Background(), []string{"testdata/valid.json", "testdata/broken.json"}, 1},
		{"no file", context.Background(), nil, 2},
		{"unknown flag", context.Background(), []string{"-x", "testdata/valid.json"}, 2},
		{"missing file", context.Background(), []string{"testdata/missing.json"}, 1},
		{"canceled", canceled, []string{"testdata/valid.json"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			if got := cli.Run(tt.ctx, "validate", run, &out, &errOut, tt.args); got != tt.want {
				t.Errorf("run = %d, want %d\nstdout: %s\nstderr: %s", got, tt.want, out.String(), errOut.String())
			}
		})
	}
}

func TestHelp(t *testing.T) {
	clitest.Help(t, "validate", "[-schema] FILE...", run, "schema")
}

func TestBadArgs(t *testing.T) {
	clitest.Check(t, "validate", run, []clitest.Case{
		{Args: nil, Code: 2, Msg: "validate: no FILE to validate"},
		{Args: []string{"-x", "testdata/valid.json"}, Code: 2, Msg: "validate: flag provided but not defined: -x"},
		{Args: []string{"-schema=maybe", "testdata/valid.json"}, Code: 2, Msg: `validate: invalid boolean value "maybe" for -schema`},
		{Args: []string{"testdata/valid.json", "testdata/missing.json"}, Code: 1, Msg: "validate: open testdata/missing.json: "},
		{Args: []string{"testdata"}, Code: 1, Msg: "validate: read testdata: "},
	})
}

// TestCheckArrays checks that a malformed array is one syntax problem, at the
// element it breaks or between elements, after the problems of the elements
// before it.
func TestCheckArrays(t *testing.T) {
	tests := []struct {
		data string
		want string
	}{
		{`[`, "f: /0: invalid JSON at offset 1: unexpected end of input, want a value [json]\n"},
		{`[1, x`, "f: /0: expected object, got number [type]\nf: /1: invalid JSON at offset 4: unexpected 'x', want a value [json]\n"},
		{`[1 2]`, "f: /0: expected object, got number [type]\nf: invalid JSON at offset 3: unexpected '2', want ',' or ']' [json]\n"},
		{`[] x`, "f: invalid JSON at offset 3: unexpected data after the top-level value [json]\n"},
		{` [ ] `, ""},
		{`"x"`, "f: expected object, got string [type]\n"},
	}
	for _, tt := range tests {
		var out strings.Builder
		invalid, err := check(&out, "f", []byte(tt.data), false)
		if err != nil || invalid != (tt.want != "") || out.String() != tt.want {
			t.Errorf("check(%q) = %v, %v, printing\n%s\nwant\n%s", tt.data, invalid, err, out.String(), tt.want)
		}
	}
}
