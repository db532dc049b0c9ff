// Command validate checks accounting entry documents (seed 001's Entry
// shape) and prints every problem it finds.
//
// Usage:
//
//	go run ./examples/validate [-schema] FILE...
//
// Each FILE holds one entry object or a JSON array of entries. Each problem
// is printed as "FILE: /json/pointer: message [rule]"; for an array the
// pointer starts with the entry's index ("/2/movements/0/value"). Without
// -schema the typed path runs (entry.Parse: decoding plus every rule); with
// -schema the embedded JSON Schema runs too (entry.ValidateJSON).
//
// The exit status is 0 when every entry is valid, 1 when some entry is
// invalid, and 2 on a usage or I/O error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ledgersink/ledgersink/entry"
)

func main() {
	os.Exit(run(context.Background(), os.Stdout, os.Stderr, os.Args[1:]))
}

// Exit statuses.
const (
	exitValid   = 0
	exitInvalid = 1
	exitUsage   = 2
)

// run is the whole program, minus the process: it reads the files named in
// args, writes problems to stdout and errors to stderr, and returns the exit
// status. It stops between files when ctx is done.
func run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schema := fs.Bool("schema", false, "also validate against the embedded JSON Schema")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: validate [-schema] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	status := exitValid
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(stderr, "validate:", err)
			return exitUsage
		}
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(stderr, "validate:", err)
			return exitUsage
		}
		invalid, err := check(stdout, name, data, *schema)
		if err != nil {
			fmt.Fprintf(stderr, "validate: %s: %v\n", name, err)
			return exitUsage
		}
		if invalid {
			status = exitInvalid
		}
	}
	return status
}

// check validates one file and prints its problems. It reports whether any
// entry is invalid; an error is a failure of the program, not of the data.
func check(w io.Writer, name string, data []byte, schema bool) (invalid bool, err error) {
	validate := func(doc []byte) error {
		if schema {
			return entry.ValidateJSON(doc, nil)
		}
		_, err := entry.Parse(doc, nil)
		return err
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return printProblems(w, name, "", validate(data))
	}
	var docs []json.RawMessage
	if err := json.Unmarshal(data, &docs); err != nil {
		// Not a well-formed array: let the entry decoder say where.
		return printProblems(w, name, "", validate(data))
	}
	for i, doc := range docs {
		bad, err := printProblems(w, name, fmt.Sprintf("/%d", i), validate(doc))
		if err != nil {
			return true, err
		}
		invalid = invalid || bad
	}
	return invalid, nil
}

// printProblems writes one line per problem of err, with prefix before each
// path.
func printProblems(w io.Writer, name, prefix string, err error) (invalid bool, _ error) {
	if err == nil {
		return false, nil
	}
	var ve *entry.ValidationError
	if !errors.As(err, &ve) {
		return true, err
	}
	for _, f := range ve.Fields {
		if _, err := fmt.Fprintf(w, "%s: %s%s: %s [%s]\n", name, prefix, f.Path, f.Message, f.Rule); err != nil {
			return true, err
		}
	}
	if ve.Omitted > 0 {
		if _, err := fmt.Fprintf(w, "%s: %s... and %d more problems\n", name, prefix, ve.Omitted); err != nil {
			return true, err
		}
	}
	return true, nil
}
