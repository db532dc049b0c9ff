//go:build !unix

package filestore

import (
	"io/fs"
	"os"
)

// readDirTypes reads the entries of the directory r; where descriptors
// cannot be duplicated it is readDirStat.
func readDirTypes(r *os.Root) ([]fs.DirEntry, error) { return readDirStat(r) }

// openDirTypes opens the directory r, to be read in parts with ReadDir(n).
func openDirTypes(r *os.Root) (*os.File, error) { return r.Open(".") }

// openReadFlags opens objects for Get.
const openReadFlags = os.O_RDONLY
