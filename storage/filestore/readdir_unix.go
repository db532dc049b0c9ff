//go:build unix

package filestore

import (
	"io/fs"
	"os"
	"syscall"
)

// readDirTypes reads the entries of the directory r with their types only,
// as the directory itself reports them (d_type), without a stat per entry.
// A File opened in a Root stats every entry on ReadDir, so the directory,
// opened safely through the Root, is read through a duplicate of its
// descriptor: nothing is resolved by path except on file systems that do
// not report types, and List opens nothing it learns that way except
// through the Root.
func readDirTypes(r *os.Root) ([]fs.DirEntry, error) {
	d, err := openDirTypes(r)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// openDirTypes opens the directory r for readDirTypes, to be read in parts
// with ReadDir(n). The caller closes it.
func openDirTypes(r *os.Root) (*os.File, error) {
	f, err := r.Open(".")
	if err != nil {
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	nfd := -1
	var derr error
	cerr := rc.Control(func(fd uintptr) {
		syscall.ForkLock.RLock()
		nfd, derr = syscall.Dup(int(fd))
		if derr == nil {
			syscall.CloseOnExec(nfd)
		}
		syscall.ForkLock.RUnlock()
	})
	name := f.Name()
	f.Close()
	if cerr != nil {
		return nil, cerr
	}
	if derr != nil {
		return nil, os.NewSyscallError("dup", derr)
	}
	return os.NewFile(uintptr(nfd), name), nil
}

// openReadFlags opens objects for Get: O_NONBLOCK, so that opening a FIFO
// planted in the root does not hang (Get then rejects it as not a regular
// file); it has no effect on regular files.
const openReadFlags = os.O_RDONLY | syscall.O_NONBLOCK
