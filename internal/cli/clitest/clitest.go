// Package clitest checks that a program follows the convention of package
// cli: -h and -help print the usage on stdout and exit 0; a bad command line
// prints one line and the usage once on stderr and exits 2; a failure prints
// one line on stderr and exits 1.
//
// It is a test helper: import it from _test.go files only.
package clitest

import (
	"context"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/internal/cli"
)

// Help checks that -h and -help make run exit 0 with a usage on stdout that
// starts with "usage: name synopsis" and mentions every flag in flags, and
// nothing on stderr.
func Help(t testing.TB, name, synopsis string, run cli.Func, flags ...string) {
	t.Helper()
	for _, h := range []string{"-h", "-help"} {
		code, stdout, stderr := Run(name, run, h)
		if code != cli.ExitOK || !strings.HasPrefix(stdout, "usage: "+name+" "+synopsis+"\n") || stderr != "" {
			t.Errorf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 0 and the usage on stdout", name, h, code, stdout, stderr)
			continue
		}
		for _, f := range flags {
			if !strings.Contains(stdout, "\n  -"+f) {
				t.Errorf("%s %s: the usage does not list -%s:\n%s", name, h, f, stdout)
			}
		}
	}
}

// A Case is a bad command line and what the program must do with it.
type Case struct {
	Args []string
	Code int    // cli.ExitUsage or cli.ExitFailure
	Msg  string // the start of the one line about it on stderr, such as "quickstart: -out must not be empty"
}

// Check runs each case and checks its exit code, that stdout is empty, that
// stderr's first line starts with Msg, and that after it comes the usage
// once (a usage error) or nothing (a failure).
func Check(t testing.TB, name string, run cli.Func, cases []Case) {
	t.Helper()
	for _, c := range cases {
		code, stdout, stderr := Run(name, run, c.Args...)
		first, rest, _ := strings.Cut(stderr, "\n")
		if code != c.Code || stdout != "" || !strings.HasPrefix(first, c.Msg) {
			t.Errorf("%s %q: exit %d, stdout %q, stderr %q\nwant exit %d, nothing on stdout, stderr starting %q",
				name, c.Args, code, stdout, stderr, c.Code, c.Msg)
			continue
		}
		switch c.Code {
		case cli.ExitUsage:
			if !strings.HasPrefix(rest, "usage: "+name+" ") || strings.Count(stderr, "usage: ") != 1 {
				t.Errorf("%s %q: stderr %q, want one line and the usage once", name, c.Args, stderr)
			}
		default:
			if rest != "" {
				t.Errorf("%s %q: stderr %q, want one line", name, c.Args, stderr)
			}
		}
	}
}

// Run runs the program as its main does, with a background context, and
// returns its exit code and what it printed.
func Run(name string, run cli.Func, args ...string) (code int, stdout, stderr string) {
	var out, errs strings.Builder
	code = cli.Run(context.Background(), name, run, &out, &errs, args)
	return code, out.String(), errs.String()
}
