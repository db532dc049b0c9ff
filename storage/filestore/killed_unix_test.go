//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

// killedChildEnv selects the child role of TestLeftoversOfKilledProcess: the
// root it writes into.
const killedChildEnv = "FILESTORE_KILLED_CHILD_ROOT"

// TestLeftoversOfKilledProcess kills a process in the middle of three Puts
// (in two directories), while this process has a Put of its
// own in progress in one of them. The next Store's first write, into a third
// directory, removes every temporary file of the killed process and its lock
// file, and nothing of the live Put, which then completes.
func TestLeftoversOfKilledProcess(t *testing.T) {
	if root := os.Getenv(killedChildEnv); root != "" {
		killedChild(root)
		return
	}
	root := t.TempDir()
	ctx := t.Context()

	// A live Put of this process, blocked in the middle of its body.
	live := newStore(t, root, nil)
	pr, pw := io.Pipe()
	liveDone := make(chan error, 1)
	go func() { liveDone <- live.Put(ctx, "a/live", pr, nil) }()
	pw.Write([]byte("half"))

	cmd := exec.Command(os.Args[0], "-test.run=^TestLeftoversOfKilledProcess$")
	cmd.Env = append(os.Environ(), killedChildEnv+"="+root)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, want ready", line)
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()

	temps := func() (n int) {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), filestore.TempPrefix) && !strings.HasSuffix(d.Name(), ".lock") {
				n++
			}
			return nil
		})
		return n
	}
	locks := func() []string {
		m, _ := filepath.Glob(filepath.Join(root, filestore.TempPrefix+"*.lock"))
		return m
	}
	// The child's 3 Puts, and the live Put.
	if n, l := temps(), locks(); n != 4 || len(l) != 2 {
		t.Fatalf("before: %d temporary files and lock files %v, want 4 and 2 (the test's setup failed)", n, l)
	}

	next := newStore(t, root, nil)
	if err := storage.WriteAll(ctx, next, "c/next", []byte("next"), nil); err != nil {
		t.Fatal(err)
	}
	if n, l := temps(), locks(); n != 1 || len(l) != 2 {
		t.Errorf("after the next Store's first write: %d temporary files and lock files %v, want 1 (the live Put's) and 2 (live and next)", n, l)
	}
	pw.Write([]byte(" and the rest"))
	pw.Close()
	if err := <-liveDone; err != nil {
		t.Errorf("the live Put failed: %v", err)
	}
	if got, err := storage.ReadAll(ctx, next, "a/live"); string(got) != "half and the rest" {
		t.Errorf("a/live = %q, %v", got, err)
	}
	keys := slices.Collect(func(yield func(string) bool) {
		for k, err := range storage.Keys(ctx, next, "") {
			if err != nil || !yield(k) {
				return
			}
		}
	})
	if want := []string{"a/before", "a/live", "b/before", "c/next"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

// killedChild writes into root, then blocks in the middle of three Puts
// (whose readers never end), says "ready", and waits to be killed.
func killedChild(root string) {
	s, err := filestore.New(root, nil)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, k := range []string{"a/before", "b/before"} {
		if err := storage.WriteAll(ctx, s, k, []byte(k), nil); err != nil {
			panic(err)
		}
	}
	started := make(chan struct{})
	for _, k := range []string{"a/stuck", "b/stuck", "b/stuck2"} {
		go s.Put(ctx, k, &stuckReader{started: started}, nil)
	}
	for range 3 {
		<-started
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Hour) // until killed
}

// stuckReader yields a few bytes, signals, then blocks forever.
type stuckReader struct {
	started chan struct{}
	sent    bool
}

func (r *stuckReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, "partial"), nil
	}
	r.started <- struct{}{}
	time.Sleep(time.Hour) // until killed
	return 0, io.ErrUnexpectedEOF
}
