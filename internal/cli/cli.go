// Package cli holds the command-line convention of the example programs:
//
//   - -h or -help prints the usage on stdout and exits 0;
//   - a usage error (an unknown flag, a bad value, a missing or extra
//     argument) prints one line and the usage on stderr and exits 2;
//   - any other failure (a missing or unusable path, a network wait that
//     ran out) prints one line on stderr and exits 1.
//
// A program is a [Func]; its main is
//
//	func main() { cli.Main("name", run) }
//
// and its tests call [Run], which returns the exit code.
//
// It is a standard-library-only helper: it imports no package of the SDK.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Func is the body of a program: it parses args (with a [FlagSet]), writes
// its output to stdout, and returns nil, a [*UsageError], an [ExitCode] or
// any other error (exit 1).
type Func func(ctx context.Context, stdout io.Writer, args []string) error

// Main runs run with the process's arguments and standard streams, and a
// context canceled by an interrupt (Ctrl-C), then exits with the code [Run]
// returns.
func Main(name string, run Func) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := Run(ctx, name, run, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	os.Exit(code)
}

// Run calls run and returns the exit code its error maps to, having
// printed what the convention prints: for nil, nothing (0); for -h or
// -help, the usage on stdout (0); for a [*UsageError], "name: message" and
// the usage on stderr (2); for an [ExitCode], nothing (that code); for the
// interruption of ctx, "name: interrupted" on stderr (1); for any other
// error, "name: message" on stderr (1).
func Run(ctx context.Context, name string, run Func, stdout, stderr io.Writer, args []string) int {
	err := run(ctx, stdout, args)
	if err == nil {
		return ExitOK
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, flag.ErrHelp) && ue.Flags != nil {
			ue.Flags.PrintUsage(stdout, true)
			return ExitOK
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, ue.Err)
		if ue.Flags != nil {
			ue.Flags.PrintUsage(stderr, false)
		}
		return ExitUsage
	}
	var code ExitCode
	if errors.As(err, &code) {
		return int(code)
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		fmt.Fprintf(stderr, "%s: interrupted\n", name)
		return ExitFailure
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return ExitFailure
}

// ExitCode is an error that ends the program with that code and prints
// nothing more: the program has said why on stdout (invalid entries, a
// missing change). Use codes 1 to 125.
type ExitCode int

func (c ExitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// A UsageError is a bad command line. Err is flag.ErrHelp for -h or -help.
type UsageError struct {
	Flags *FlagSet
	Err   error
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// A FlagSet is a flag.FlagSet that knows its usage: a synopsis and a short
// description. It prints nothing while parsing; [Run] prints the usage.
type FlagSet struct {
	*flag.FlagSet
	synopsis, summary string
}

// NewFlagSet returns a FlagSet for the program name, whose usage reads
// "usage: name synopsis", then summary (printed for -h only), then the flags.
func NewFlagSet(name, synopsis, summary string) *FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &FlagSet{FlagSet: fs, synopsis: synopsis, summary: summary}
}

// Parse parses args, which must hold flags only. It returns nil or a
// [*UsageError]: a flag error, an argument left after the flags, or -h.
func (fs *FlagSet) Parse(args []string) error {
	if err := fs.ParseWithArgs(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.Usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// ParseWithArgs parses the flags of args and leaves the arguments after
// them in fs.Args(). It returns nil or a [*UsageError].
func (fs *FlagSet) ParseWithArgs(args []string) error {
	if err := fs.FlagSet.Parse(args); err != nil {
		return &UsageError{Flags: fs, Err: err}
	}
	return nil
}

// Usagef returns a [*UsageError] with the formatted message.
func (fs *FlagSet) Usagef(format string, args ...any) error {
	return &UsageError{Flags: fs, Err: fmt.Errorf(format, args...)}
}

// Required returns a [*UsageError] for the first of the named string flags
// whose value is empty ("-dir is required", or "-dir must not be empty"
// when it was given empty), or nil.
func (fs *FlagSet) Required(names ...string) error {
	for _, name := range names {
		f := fs.Lookup(name)
		if f == nil || f.Value.String() != "" {
			continue
		}
		given := false
		fs.Visit(func(v *flag.Flag) { given = given || v.Name == name })
		if given {
			return fs.Usagef("-%s must not be empty", name)
		}
		return fs.Usagef("-%s is required", name)
	}
	return nil
}

// PrintUsage writes the usage to w: the synopsis, with long the summary,
// and the flags.
func (fs *FlagSet) PrintUsage(w io.Writer, long bool) {
	fmt.Fprintf(w, "usage: %s %s\n", fs.Name(), fs.synopsis)
	if long && fs.summary != "" {
		fmt.Fprintf(w, "\n%s\n\n", strings.TrimSpace(fs.summary))
	}
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}
