package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/ledgersink/ledgersink/internal/cli/clitest"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestKafkasink(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), &out, []string{"-out", dir}); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden(t, "want.golden", strings.ReplaceAll(out.String(), dir, "OUT"))

	// Every event once, as the sink writer would have written it.
	store, err := filestore.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r, err := sink.NewReader(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	stream := r.Read(context.Background(), sinktest.DemoEntityID, nil)
	n := 0
	for _, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if st := stream.Stats(); n != 37 || st.Duplicates != 0 || len(st.Skipped) != 0 {
		t.Errorf("%d events read, stats %+v; want 37 and nothing skipped or duplicated", n, st)
	}
	if pages, err := r.DailyReports(context.Background(), sinktest.DemoEntityID); err != nil || len(pages) != 1 {
		t.Errorf("daily reports: %d pages, %v; want 1", len(pages), err)
	}

	// Again, into the same folder: a new cluster delivers the same
	// messages, and every file is there already.
	out.Reset()
	if err := run(context.Background(), &out, []string{"-out", dir, "-partitions", "1", "-group", "again"}); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "  0 files written, 38 already there, 0 dead letters\n") {
		t.Errorf("second run:\n%s\nwant every file already there", out.String())
	}
}

func TestKafkasinkHelp(t *testing.T) {
	clitest.Help(t, "kafkasink", "[-out DIR] [-brokers HOST:PORT,...] [-group NAME] [-wait DURATION] [-timeout DURATION]", run,
		"out DIR", "brokers HOST:PORT,...", "partitions N", "group NAME", "wait DURATION", "timeout DURATION")
}

func TestKafkasinkBadArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	clitest.Check(t, "kafkasink", run, []clitest.Case{
		{Args: []string{"-nope"}, Code: 2, Msg: "kafkasink: flag provided but not defined: -nope"},
		{Args: []string{"extra"}, Code: 2, Msg: `kafkasink: unexpected argument "extra"`},
		{Args: []string{"-partitions", "0"}, Code: 2, Msg: "kafkasink: -partitions 0: want at least 1"},
		{Args: []string{"-wait", "1"}, Code: 2, Msg: `kafkasink: invalid value "1" for flag -wait: parse error`},
		{Args: []string{"-timeout", "0s"}, Code: 2, Msg: "kafkasink: -timeout 0s: want a positive duration"},
		{Args: []string{"-brokers", "a:9092,,b:9092"}, Code: 2, Msg: `kafkasink: -brokers "a:9092,,b:9092": an empty broker address`},
		{Args: []string{"-group", ""}, Code: 2, Msg: "kafkasink: -group must not be empty"},
		{Args: []string{"-out", filepath.Join(file, "sub")}, Code: 1, Msg: "kafkasink: mkdir " + file + ": "},
	})
}

// TestKafkasinkUnreachable checks that brokers that refuse connections, or
// accept them and never answer, end the run within -wait with one line
// naming them, rather than a wait without end.
func TestKafkasinkUnreachable(t *testing.T) {
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := refused.Addr().String()
	refused.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()

	// Without -out, a failed run leaves no temporary folder behind.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, addr := range []string{refusedAddr, silent.Addr().String()} {
		start := time.Now()
		code, stdout, stderr := clitest.Run("kafkasink", run, "-brokers", addr, "-wait", "500ms")
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("%s: the run took %v, want about -wait (500ms)", addr, elapsed)
		}
		wantOut := "kafka: " + addr + " (waiting up to 500ms for a broker to answer)\n"
		wantErr := "kafkasink: no broker of " + addr + " answered: "
		if code != 1 || stdout != wantOut || !strings.HasPrefix(stderr, wantErr) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d\nstdout %q\nstderr %q\nwant exit 1\nstdout %q\nstderr starting %q", addr, code, stdout, stderr, wantOut, wantErr)
		}
	}
	if left, err := os.ReadDir(tmp); err != nil || len(left) != 0 {
		t.Errorf("the failed runs left %v in the temporary folder (%v)", left, err)
	}
}

// TestKafkasinkMissingTopics checks that a cluster without the sink topics
// is one line naming them.
func TestKafkasinkMissingTopics(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, sink.DefaultNamespace+"."+string(sink.AccountInserted)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := strings.Join(c.ListenAddrs(), ",")
	code, _, stderr := clitest.Run("kafkasink", run, "-brokers", addr, "-out", t.TempDir())
	want := fmt.Sprintf("kafkasink: %s lacks %d of the %d sink topics, create them first: ", addr, len(topics())-1, len(topics()))
	if code != 1 || !strings.HasPrefix(stderr, want) || strings.Contains(stderr, string(sink.AccountInserted)+" ") ||
		!strings.Contains(stderr, sink.DefaultNamespace+"."+string(sink.DailyReport)+" (UNKNOWN_TOPIC_OR_PARTITION") {
		t.Errorf("exit %d, stderr %q; want 1 and %q...", code, stderr, want)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
