package azblobstore_test

// This file starts Azurite (Microsoft's Azure Storage emulator, npm package
// "azurite", blob service only) on loopback for the tests of this package,
// once, on first use, and stops it when the tests end.
//
// The binary is $AZURITE_BIN, else azurite-blob in
// <user cache dir>/ledgersink-npm/node_modules/.bin (where
// `npm install --prefix ~/.cache/ledgersink-npm azurite@3.37.0` puts it),
// else azurite-blob on $PATH. If none exists the tests that need it are
// skipped, loudly, except when $CI is true (CI=true, or 1): then they fail.
// A binary that exists but does not start always fails the tests.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

// The well-known development account of the Azure Storage emulators
// (published in Microsoft's Azurite documentation; not a secret).
const (
	devAccount = "devstoreaccount1"
	devKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

func TestMain(m *testing.M) {
	code := m.Run()
	emulator.stop()
	os.Exit(code)
}

// azurite is one emulator process shared by the package's tests.
type azurite struct {
	once     sync.Once
	url      string // service URL, http://127.0.0.1:<port>/devstoreaccount1
	skip     string // why the tests skip (binary missing outside CI)
	err      error  // why the emulator could not start
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has exited
	dir      string
	log      bytes.Buffer // the emulator's output, for failure messages
	logMu    sync.Mutex
	nextName atomic.Int64
}

var emulator azurite

func (a *azurite) Write(p []byte) (int, error) {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	return a.log.Write(p)
}

func (a *azurite) output() string {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	return a.log.String()
}

// findAzurite returns the emulator binary, or "" when there is none.
func findAzurite() (string, error) {
	if bin := os.Getenv("AZURITE_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("AZURITE_BIN=%s: %w", bin, err)
		}
		return bin, nil
	}
	if cache, err := os.UserCacheDir(); err == nil {
		bin := filepath.Join(cache, "ledgersink-npm", "node_modules", ".bin", "azurite-blob")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	if bin, err := exec.LookPath("azurite-blob"); err == nil {
		return bin, nil
	}
	return "", nil
}

// serviceURL starts the emulator on first use and returns its URL; it skips
// or fails t when there is no emulator.
func serviceURL(t testing.TB) string {
	t.Helper()
	emulator.once.Do(emulator.start)
	if emulator.skip != "" {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("CI=%s but %s", os.Getenv("CI"), emulator.skip)
		}
		t.Skipf("SKIPPING: %s. These tests need Azurite: "+
			"npm install --prefix ~/.cache/ledgersink-npm azurite@3.37.0 (or set AZURITE_BIN)", emulator.skip)
	}
	if emulator.err != nil {
		t.Fatalf("Azurite did not start: %v\noutput:\n%s", emulator.err, emulator.output())
	}
	return emulator.url
}

func (a *azurite) start() {
	bin, err := findAzurite()
	if err != nil {
		a.err = err
		return
	}
	if bin == "" {
		a.skip = "no Azurite binary found ($AZURITE_BIN, ~/.cache/ledgersink-npm/node_modules/.bin/azurite-blob, $PATH)"
		return
	}
	a.dir, err = os.MkdirTemp("", "azblobstore-azurite-")
	if err != nil {
		a.err = err
		return
	}
	// A free port can be taken by someone else between our probe and
	// Azurite's listen: try a few.
	for range 3 {
		if a.err = a.startOn(bin); a.err == nil {
			return
		}
	}
}

func (a *azurite) startOn(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin,
		"--blobHost", "127.0.0.1",
		"--blobPort", strconv.Itoa(port),
		"--inMemoryPersistence",
		"--extentMemoryLimit", "1024", // MB; the default is half the machine's memory
		"--disableTelemetry",
		"--skipApiVersionCheck",
		"--silent",
	)
	cmd.Dir = a.dir
	cmd.Stdout = a
	cmd.Stderr = a
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			return fmt.Errorf("%s exited before listening on %s", bin, addr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			killProcess(cmd)
			<-done
			return fmt.Errorf("%s did not listen on %s within 60s", bin, addr)
		}
	}
	a.cmd, a.done = cmd, done
	a.url = "http://" + addr + "/" + devAccount
	return nil
}

func (a *azurite) stop() {
	if a.cmd != nil {
		stopProcess(a.cmd)
		select {
		case <-a.done:
		case <-time.After(10 * time.Second):
			killProcess(a.cmd)
			<-a.done
		}
	}
	if a.dir != "" {
		os.RemoveAll(a.dir)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// newContainer creates a fresh, empty container on the emulator and returns
// a client for it, whose requests go through transport if it is not nil; the
// container is deleted when the test ends.
func newContainer(t testing.TB, transport policy.Transporter) *container.Client {
	t.Helper()
	url := serviceURL(t)
	cred, err := service.NewSharedKeyCredential(devAccount, devKey)
	if err != nil {
		t.Fatal(err)
	}
	var opts *service.ClientOptions
	if transport != nil {
		opts = &service.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: transport}}
	}
	svc, err := service.NewClientWithSharedKeyCredential(url, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("t%d-%d", os.Getpid(), emulator.nextName.Add(1))
	c := svc.NewContainerClient(name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Create(ctx, nil); err != nil {
		t.Fatalf("creating container %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.Delete(ctx, nil); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("deleting container %s: %v", name, err)
		}
	})
	return c
}
