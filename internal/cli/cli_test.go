package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// demo is a program with a required -dir, a -n and an optional -check.
func demo(ctx context.Context, stdout io.Writer, args []string) error {
	fs := NewFlagSet("demo", "-dir DIR [-n N]", "Demo does nothing with DIR.")
	dir := fs.String("dir", "", "a folder")
	n := fs.Int("n", 1, "a count")
	fail := fs.String("fail", "", "fail with this message")
	exit := fs.Int("exit", 0, "return this ExitCode")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Required("dir"); err != nil {
		return err
	}
	if *n < 1 {
		return fs.Usagef("-n %d: want at least 1", *n)
	}
	switch {
	case *fail != "":
		return fmt.Errorf("open %s: %s", *dir, *fail)
	case *exit != 0:
		fmt.Fprintln(stdout, "something is wrong")
		return ExitCode(*exit)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", *dir, err)
	}
	fmt.Fprintf(stdout, "ok %s %d\n", *dir, *n)
	return nil
}

const usage = `usage: demo -dir DIR [-n N]
  -dir string
    	a folder
  -exit int
    	return this ExitCode
  -fail string
    	fail with this message
  -n int
    	a count (default 1)
`

func TestRun(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name           string
		ctx            context.Context
		args           []string
		code           int
		stdout, stderr string
	}{
		{"ok", context.Background(), []string{"-dir", "d"}, 0, "ok d 1\n", ""},
		{"-h", context.Background(), []string{"-h"}, 0,
			strings.Replace(usage, "\n", "\n\nDemo does nothing with DIR.\n\n", 1), ""},
		{"-help after a flag", context.Background(), []string{"-dir", "d", "-help"}, 0,
			strings.Replace(usage, "\n", "\n\nDemo does nothing with DIR.\n\n", 1), ""},
		{"unknown flag", context.Background(), []string{"-nope"}, 2, "",
			"demo: flag provided but not defined: -nope\n" + usage},
		{"bad value", context.Background(), []string{"-n", "x"}, 2, "",
			"demo: invalid value \"x\" for flag -n: parse error\n" + usage},
		{"missing value", context.Background(), []string{"-dir"}, 2, "",
			"demo: flag needs an argument: -dir\n" + usage},
		{"extra argument", context.Background(), []string{"-dir", "d", "extra"}, 2, "",
			"demo: unexpected argument \"extra\"\n" + usage},
		{"required flag absent", context.Background(), nil, 2, "", "demo: -dir is required\n" + usage},
		{"required flag empty", context.Background(), []string{"-dir", ""}, 2, "",
			"demo: -dir must not be empty\n" + usage},
		{"Usagef", context.Background(), []string{"-dir", "d", "-n", "0"}, 2, "",
			"demo: -n 0: want at least 1\n" + usage},
		{"failure", context.Background(), []string{"-dir", "d", "-fail", "no such file"}, 1, "",
			"demo: open d: no such file\n"},
		{"ExitCode", context.Background(), []string{"-dir", "d", "-exit", "3"}, 3, "something is wrong\n", ""},
		{"interrupted", canceled, []string{"-dir", "d"}, 1, "", "demo: interrupted\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Run(tt.ctx, "demo", demo, &stdout, &stderr, tt.args)
			if code != tt.code || stdout.String() != tt.stdout || stderr.String() != tt.stderr {
				t.Errorf("Run(%q) = %d\nstdout:\n%s\nstderr:\n%s\nwant %d\nstdout:\n%s\nstderr:\n%s",
					tt.args, code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

// TestRunWrappedErrors checks that a usage error or an exit code keeps its
// meaning when the program wraps it.
func TestRunWrappedErrors(t *testing.T) {
	fs := NewFlagSet("demo", "", "")
	for _, tt := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("step 2: %w", fs.Usagef("bad")), 2},
		{fmt.Errorf("step 2: %w", ExitCode(4)), 4},
		{errors.Join(errors.New("a"), errors.New("b")), 1},
	} {
		var stdout, stderr strings.Builder
		run := func(context.Context, io.Writer, []string) error { return tt.err }
		if got := Run(context.Background(), "demo", run, &stdout, &stderr, nil); got != tt.code {
			t.Errorf("Run returning %v = %d, want %d", tt.err, got, tt.code)
		}
	}
}

func TestParseWithArgs(t *testing.T) {
	fs := NewFlagSet("demo", "[-v] FILE...", "")
	v := fs.Bool("v", false, "verbose")
	if err := fs.ParseWithArgs([]string{"-v", "a", "b"}); err != nil {
		t.Fatal(err)
	}
	if !*v || strings.Join(fs.Args(), " ") != "a b" {
		t.Errorf("v = %v, args %q", *v, fs.Args())
	}
}
