//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"os"
	"syscall"
)

// canLock reports whether the system has flock(2), so that a Store can tell
// whether the owner of a temporary file is alive.
const canLock = true

// tryLock takes the exclusive flock(2) lock of f without waiting. It
// returns false when another open file holds it, and an error when the
// file system cannot lock.
func tryLock(f *os.File) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if lerr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB); lerr != syscall.EINTR {
				break
			}
		}
	}); err != nil {
		return false, err
	}
	switch lerr {
	case nil:
		return true, nil
	case syscall.EWOULDBLOCK:
		return false, nil
	}
	return false, os.NewSyscallError("flock", lerr)
}
