// Command validate checks accounting entry documents (the MyUnisoft entry
// model) and prints every problem it finds.
//
// Usage:
//
//	go run ./examples/validate [-schema] FILE...
//
// Each FILE holds one entry object or a JSON array of entries. Each problem
// is printed as "FILE: /json/pointer: message [rule]"; for an array the
// pointer starts with the entry's index ("/2/movements/0/value"); a problem
// of the whole document has no pointer ("FILE: message [rule]"). Malformed
// JSON is one problem, at the offset where it breaks. Without -schema the
// typed path runs (entry.Parse: decoding plus every rule); with -schema the
// embedded JSON Schema runs too (entry.ValidateJSON).
//
// The exit status is 0 when every entry is valid, 1 when some entry is
// invalid or a FILE cannot be read, and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/cli"
	"github.com/ledgersink/ledgersink/internal/jsonlex"
)

func main() { cli.Main("validate", run) }

// run is the whole program, minus the process: it reads the files named in
// args and writes their problems to stdout. It returns cli.ExitCode(1) when
// some entry is invalid. It stops between files when ctx is done.
func run(ctx context.Context, stdout io.Writer, args []string) error {
	fs := cli.NewFlagSet("validate", "[-schema] FILE...",
		"Validate checks the accounting entries of each FILE (one entry object or a JSON array of entries)\n"+
			"and prints every problem as \"FILE: /json/pointer: message [rule]\". The exit status is 1 when\n"+
			"some entry is invalid or a FILE cannot be read.")
	schema := fs.Bool("schema", false, "also validate against the embedded JSON Schema")
	if err := fs.ParseWithArgs(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fs.Usagef("no FILE to validate")
	}
	invalid := false
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		bad, err := check(stdout, name, data, *schema)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		invalid = invalid || bad
	}
	if invalid {
		return cli.ExitCode(cli.ExitFailure)
	}
	return nil
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
	docs, isArray, bad := elements(data)
	if !isArray {
		return printProblems(w, name, "", validate(data))
	}
	for i, doc := range docs {
		bad, err := printProblems(w, name, "/"+strconv.Itoa(i), validate(doc))
		if err != nil {
			return true, err
		}
		invalid = invalid || bad
	}
	if bad != nil {
		// A malformed array: the one problem is where it breaks.
		return true, printLine(w, name, bad.path, bad.err.Error(), string(entry.RuleSyntax))
	}
	return invalid, nil
}

// arrayError is a syntax error in an array of entries, at path: the index
// of the element it breaks, or "" between elements.
type arrayError struct {
	path string
	err  error
}

// elements splits data into the elements of its top-level array. It
// reports false when data is not an array; for a malformed array it
// returns the elements before the break and where it breaks.
func elements(data []byte) (docs [][]byte, isArray bool, _ *arrayError) {
	l := jsonlex.New(data)
	if l.Peek() != jsonlex.Array {
		return nil, false, nil
	}
	more, err := l.ArrayStart()
	for ; more && err == nil; more, err = l.ArrayNext() {
		start := l.Offset()
		if err := l.Skip(); err != nil {
			return docs, true, &arrayError{"/" + strconv.Itoa(len(docs)), err}
		}
		docs = append(docs, data[start:l.Offset()])
	}
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return docs, true, &arrayError{"", err}
	}
	return docs, true, nil
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
		if err := printLine(w, name, prefix+f.Path, f.Message, string(f.Rule)); err != nil {
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

// printLine writes one problem: "name: path: message [rule]", without the
// path for the whole document.
func printLine(w io.Writer, name, path, message, rule string) error {
	if path != "" {
		name += ": " + path
	}
	_, err := fmt.Fprintf(w, "%s: %s [%s]\n", name, message, rule)
	return err
}
