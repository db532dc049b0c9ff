package clitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ledgersink/ledgersink/internal/cli"
)

type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

// good follows the convention; its -dir is required.
func good(_ context.Context, _ io.Writer, args []string) error {
	fs := cli.NewFlagSet("good", "-dir DIR", "")
	dir := fs.String("dir", "", "a folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Required("dir"); err != nil {
		return err
	}
	return fmt.Errorf("open %s: no such file", *dir)
}

// bad breaks it: it parses -h as an error, prints to stdout and returns
// plain errors for a bad command line.
func bad(_ context.Context, w io.Writer, args []string) error {
	if len(args) > 0 && args[0] == "-h" {
		return errors.New("flag: help requested")
	}
	fmt.Fprintln(w, "usage: bad -dir DIR")
	return errors.New("-dir is required\nsecond line")
}

func TestHelp(t *testing.T) {
	for _, tt := range []struct {
		name     string
		run      cli.Func
		synopsis string
		flags    []string
		fail     bool
	}{
		{"good", good, "-dir DIR", []string{"dir"}, false},
		{"good", good, "-dir DIR", []string{"dir", "other"}, true},
		{"good", good, "-other", nil, true},
		{"bad", bad, "-dir DIR", nil, true},
	} {
		r := &recorder{TB: t}
		Help(r, tt.name, tt.synopsis, tt.run, tt.flags...)
		if r.failed != tt.fail {
			t.Errorf("Help(%s, %q, %q): failed = %v, want %v", tt.name, tt.synopsis, tt.flags, r.failed, tt.fail)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  cli.Func
		c    Case
		fail bool
	}{
		{"good", good, Case{nil, cli.ExitUsage, "good: -dir is required"}, false},
		{"good", good, Case{[]string{"-dir", "x"}, cli.ExitFailure, "good: open x"}, false},
		{"good", good, Case{[]string{"-dir", "x"}, cli.ExitUsage, "good: open x"}, true},
		{"good", good, Case{nil, cli.ExitUsage, "good: something else"}, true},
		{"bad", bad, Case{nil, cli.ExitFailure, "bad: -dir is required"}, true}, // stdout and a second line
	} {
		r := &recorder{TB: t}
		Check(r, tt.name, tt.run, []Case{tt.c})
		if r.failed != tt.fail {
			t.Errorf("Check(%s, %+v): failed = %v, want %v", tt.name, tt.c, r.failed, tt.fail)
		}
	}
}
