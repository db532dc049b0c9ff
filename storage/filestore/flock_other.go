//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package filestore

import (
	"errors"
	"os"
)

// canLock reports whether the system has flock(2). Without it, a Store
// cannot tell whether the owner of a temporary file is alive, and removes
// leftovers by their age only.
const canLock = false

func tryLock(*os.File) (bool, error) { return false, errors.ErrUnsupported }
