//go:build !(linux && (amd64 || arm64))

package filestore

import (
	"io/fs"
	"os"
	"time"
)

// dirHandle is an open directory of the store: the root itself, or a
// sub-Root of it that must be closed. Every operation goes through the
// os.Root, which confines it to the store's root. (Linux has a leaner
// version in dir_linux.go.)
type dirHandle struct {
	r   *os.Root
	own bool
}

// dirCache keeps no handle off Linux: each operation opens its directory.
type dirCache struct{}

func (*dirCache) closeAll() {}

// tempFile is a temporary file open for writing.
type tempFile = *os.File

// openDirOnce opens dir (a slash path, "." for the root), which must exist.
//
// The trailing "/." makes the Root open every element of dir with
// O_DIRECTORY: a FIFO planted where a directory is expected then fails
// with ENOTDIR instead of blocking the open.
func (s *Store) openDirOnce(dir string) (dirHandle, error) {
	if dir == "." {
		return dirHandle{r: s.root}, nil
	}
	r, err := s.root.OpenRoot(dir + "/.")
	if err != nil {
		return dirHandle{}, err
	}
	return dirHandle{r: r, own: true}, nil
}

func (d dirHandle) close() {
	if d.own {
		d.r.Close()
	}
}

// create creates the file name, failing if it exists.
func (d dirHandle) create(name string, perm fs.FileMode) (tempFile, error) {
	return d.r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}

func (d dirHandle) remove(name string) error             { return d.r.Remove(name) }
func (d dirHandle) link(oldname, newname string) error   { return d.r.Link(oldname, newname) }
func (d dirHandle) rename(oldname, newname string) error { return d.r.Rename(oldname, newname) }

// isDir reports whether name is a directory (not a link to one).
func (d dirHandle) isDir(name string) bool {
	fi, err := d.r.Lstat(name)
	return err == nil && fi.IsDir()
}

// sync fsyncs the directory.
func (d dirHandle) sync() error { return d.syncFile(".") }

// syncFile fsyncs the file (or directory) name.
func (d dirHandle) syncFile(name string) error {
	f, err := d.r.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// renameNoReplace is not available through an os.Root: create-only Puts
// publish by hard link.
func (d dirHandle) renameNoReplace(oldname, newname string) error {
	return errNoRenameNoReplace
}

// readNames calls fn with the name of each entry of the directory, reading
// it in chunks.
func (d dirHandle) readNames(fn func(name string)) error {
	f, err := d.r.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	return readNamesFrom(f, fn)
}

// lstat reports whether name is a regular file (not a link to one), and
// its modification time.
func (d dirHandle) lstat(name string) (regular bool, mtime time.Time, err error) {
	fi, err := d.r.Lstat(name)
	if err != nil {
		return false, time.Time{}, err
	}
	return fi.Mode().IsRegular(), fi.ModTime(), nil
}
