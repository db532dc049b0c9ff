package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/internal/cli/clitest"
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
	clitest.Check(t, "subscriptions", run, []clitest.Case{
		{Args: []string{"-dir", dir}, Code: 1, Msg: "subscriptions: " + dir + " is not empty: remove it or pick another -dir"},
	})
}

func TestSubscriptionsHelp(t *testing.T) {
	clitest.Help(t, "subscriptions", "[-dir DIR]", run, "dir DIR")
}

func TestSubscriptionsBadArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // where -dir "" would have written
	clitest.Check(t, "subscriptions", run, []clitest.Case{
		{Args: []string{"-dir", ""}, Code: 2, Msg: "subscriptions: -dir must not be empty"},
		{Args: []string{"-dir"}, Code: 2, Msg: "subscriptions: flag needs an argument: -dir"},
		{Args: []string{"-nope"}, Code: 2, Msg: "subscriptions: flag provided but not defined: -nope"},
		{Args: []string{"extra"}, Code: 2, Msg: `subscriptions: unexpected argument "extra"`},
		{Args: []string{"-dir", file}, Code: 1, Msg: "subscriptions: mkdir " + file + ": "},
	})
	if entries, err := os.ReadDir("."); err != nil || len(entries) != 0 {
		t.Errorf("the current folder holds %v (%v), want nothing", entries, err)
	}
}
