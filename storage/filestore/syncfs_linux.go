//go:build linux && (amd64 || arm64)

package filestore

import (
	"os"
	"syscall"
)

// canSyncfs reports whether syncfs is used to flush a batch.
const canSyncfs = true

// syncfs flushes the whole file system holding f (syncfs(2), Linux 2.6.39+;
// since Linux 5.8 it also reports writeback errors).
func syncfs(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(sysSyncfs, fd, 0, 0)
	}); err != nil {
		return err
	}
	if errno != 0 {
		return os.NewSyscallError("syncfs", errno)
	}
	return nil
}
