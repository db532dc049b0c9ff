//go:build linux && (amd64 || arm64)

package filestore

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRenameNoReplace checks renameat2(RENAME_NOREPLACE) itself: EEXIST and
// both files intact when the new name exists, a plain rename otherwise.
func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	s := newInternalStore(t, dir, nil, false)
	for name, data := range map[string]string{"a": "A", "b": "B"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := s.openDir(".", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	err = d.renameNoReplace("a", "b")
	if err == errNoRenameNoReplace {
		t.Skip("this file system lacks RENAME_NOREPLACE")
	}
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("renameNoReplace(a, b) with b present = %v, want EEXIST", err)
	}
	if err := d.renameNoReplace("a", "c"); err != nil {
		t.Errorf("renameNoReplace(a, c) = %v", err)
	}
	want := map[string]string{"b": "B", "c": "A"}
	if diff := cmp.Diff(want, files(t, dir)); diff != "" {
		t.Errorf("files mismatch (-want +got):\n%s", diff)
	}
}

// TestOpenDirAt checks that the raw walk follows no symbolic link and does
// not block on a FIFO: both fail with ENOTDIR, which sends openDirOnce to
// the Root (that follows a link only while it stays inside the root, and
// does not block on a FIFO behind one either).
func TestOpenDirAt(t *testing.T) {
	dir := t.TempDir()
	s := newInternalStore(t, dir, nil, false)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "real", "sub"), 0o755))
	must(os.Symlink("real", filepath.Join(dir, "inside")))
	must(os.Symlink(t.TempDir(), filepath.Join(dir, "outside")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	must(os.Symlink("fifo", filepath.Join(dir, "fifolink")))
	root, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	must(err)
	defer syscall.Close(root)
	for _, tc := range []struct {
		dir     string
		walk    error // openDirAt's errno
		viaRoot bool  // openDirOnce succeeds through the Root
	}{
		{".", nil, false},
		{"real/sub", nil, false},
		{"inside/sub", syscall.ENOTDIR, true},
		{"outside", syscall.ENOTDIR, false},
		{"fifo", syscall.ENOTDIR, false},
		{"fifolink", syscall.ENOTDIR, false}, // the Root follows it, with O_DIRECTORY
		{"real/missing", syscall.ENOENT, false},
	} {
		fd, err := openDirAt(root, tc.dir)
		if err != tc.walk {
			t.Errorf("openDirAt(%q) = %v, want %v", tc.dir, err, tc.walk)
		}
		if err == nil {
			syscall.Close(fd)
		}
		d, err := s.openDirOnce(tc.dir)
		if (err == nil) != (tc.walk == nil || tc.viaRoot) {
			t.Errorf("openDirOnce(%q) = %v", tc.dir, err)
		}
		if err == nil {
			if (d.f != nil) != tc.viaRoot {
				t.Errorf("openDirOnce(%q) through the Root = %v, want %v", tc.dir, d.f != nil, tc.viaRoot)
			}
			d.close()
		}
	}
}

// TestTempFileWrite writes through a pipe, which the kernel may fill in
// several steps, and checks that Write delivers every byte and reports
// errors with the file's name. TestTempFileShortWrite provokes a short
// write.
func TestTempFileWrite(t *testing.T) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	r := os.NewFile(uintptr(p[0]), "pipe")
	defer r.Close()
	w := tempFile{fd: p[1], name: "pipe"}
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, 16 pipe buffers
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	n, err := w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if n != len(data) || err != nil {
		t.Errorf("Write = %d, %v; want %d, nil", n, err, len(data))
	}
	if b := <-got; !bytes.Equal(b, data) {
		t.Errorf("read back %d bytes, want the %d written", len(b), len(data))
	}
	_, err = tempFile{fd: -1, name: "closed"}.Write(data)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Path != "closed" || !errors.Is(err, syscall.EBADF) {
		t.Errorf("Write to a closed descriptor = %v, want a PathError naming the file, EBADF", err)
	}
}

// TestTempFileShortWrite provokes a short write to a regular file with a
// file size limit (RLIMIT_FSIZE), in a child process since the limit is
// process-wide: Write must go on after the short write, then report the
// bytes written and the error (EFBIG) of the next attempt, never a short
// count without an error.
func TestTempFileShortWrite(t *testing.T) {
	const limit = 1000
	if dir := os.Getenv("FILESTORE_SHORT_WRITE_DIR"); dir != "" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		lim.Cur = limit
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		fd, err := syscall.Open(filepath.Join(dir, "f"), syscall.O_WRONLY|syscall.O_CREAT|syscall.O_CLOEXEC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f := tempFile{fd: fd, name: "f"}
		defer f.Close()
		// SIGXFSZ, raised by the second write, is ignored by the Go
		// runtime when not asked for: the write fails with EFBIG.
		if n, err := f.Write(make([]byte, 3*limit)); n != limit || !errors.Is(err, syscall.EFBIG) {
			t.Errorf("Write of %d bytes with a %d-byte file size limit = %d, %v; want %d, EFBIG", 3*limit, limit, n, err, limit)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTempFileShortWrite$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "FILESTORE_SHORT_WRITE_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestTempFileShortWrite")) {
		t.Errorf("child process: %v\n%s", err, out)
	}
}
