// Package golden compares test output with golden files, and rewrites them
// when the tests run with -update:
//
//	go test ./sink/ -run TestPayloadGolden -update
//
// It is a test helper: import it from _test.go files only.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// Check compares got with the file testdata/name, relative to the package
// under test. With -update it first writes got there. A mismatch fails tb
// and shows both.
func Check(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s mismatch:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
