//go:build linux && (amd64 || arm64)

package filestore

import (
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// On Linux, Put and PutBatch work in a directory through a raw file
// descriptor and single-name system calls, instead of an os.Root and an
// os.File. The portable way (dir_other.go) costs about 15 system calls per
// Put of a small file where 6 do the work: the Root opens the directory
// twice (the "/." that makes it open every element with O_DIRECTORY), and
// every os.File, directory or temporary file, spends four fcntl and an
// epoll_ctl learning that it cannot be polled. Here a create-only Put is
// openat (the directory), openat (the temporary file), write, close,
// renameat2 and close.
//
// Confinement holds by construction, without the Root's resolution: the
// directory is opened from the root's descriptor one element at a time with
// O_NOFOLLOW|O_DIRECTORY (a symbolic link or a FIFO on the way fails at
// once, never followed, never blocking), and every later call names a
// single element of a valid key or a temporary name, relative to that
// descriptor, so nothing resolves outside the directory; none of openat
// with O_CREAT|O_EXCL|O_NOFOLLOW, renameat2, linkat, unlinkat and fstatat
// with AT_SYMLINK_NOFOLLOW follows a symbolic link in the last element. A
// directory reached through a symbolic link that stays inside the root
// (which the Root follows, and the store supports everywhere) is opened by
// the Root instead.

// dirHandle is an open directory of the store, owned by the handle, or
// lent by the store's cache of directory handles.
type dirHandle struct {
	fd     int
	f      *os.File   // when the Root opened the directory: it owns fd
	cached *cachedDir // when the cache lends fd
}

// The store keeps the directories it opened last open, so that a stream
// of Puts into one directory (an entity's events) does not walk its path
// and close it each time: dirCache holds up to maxCachedDirs of them, by
// path, each lent to any number of operations at once and closed once
// evicted (or the store closed) and given back by all of them.
//
// Confinement is as strong as without the cache. A cached descriptor was
// opened the way every directory is (one element at a time from the root,
// following no symbolic link), and names the directory it opened, not a
// path: when that path is later replaced, by a symbolic link leading out
// of the root or by anything else, the descriptor still refers to the
// directory the store opened inside the root, and every operation through
// it names a single element of a key, relative to it, following no link.
// This is what an operation in flight relies on between opening its
// directory and publishing its file; the cache makes that window longer,
// not different. Two consequences: a directory removed (by Delete with
// RemoveEmptyDirs or by another program) makes the next create in it fail
// with ENOENT, which drops its handle, and the path is opened again (and
// the directory created again); a directory renamed or moved receives the
// Puts of its former path until its handle leaves the cache, as a Put in
// flight writes into the directory it opened. Only the directories opened
// without the Root's help are cached: those reached through a symbolic link
// inside the root are resolved again by each operation.
type dirCache struct {
	mu      sync.Mutex
	entries map[string]*cachedDir
	closed  bool
}

// maxCachedDirs bounds the directory handles a store keeps open.
const maxCachedDirs = 64

// cachedDir is a directory handle of the cache.
type cachedDir struct {
	cache *dirCache
	dir   string
	fd    int
	users int  // operations holding it
	gone  bool // out of the cache: closed when its last user gives it back
}

// get lends the cached handle of dir, if any.
func (c *dirCache) get(dir string) (dirHandle, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[dir]
	if !ok {
		return dirHandle{}, false
	}
	e.users++
	return dirHandle{fd: e.fd, cached: e}, true
}

// add caches fd, the directory dir just opened, and lends it; fd is kept
// by the caller alone when the cache is closed or full of handles in use.
func (c *dirCache) add(dir string, fd int) dirHandle {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return dirHandle{fd: fd}
	}
	if _, ok := c.entries[dir]; ok { // opened twice at once: the first stays
		return dirHandle{fd: fd}
	}
	if len(c.entries) >= maxCachedDirs {
		evicted := false
		for _, e := range c.entries { // an arbitrary one not in use
			if e.users == 0 {
				c.evictLocked(e)
				evicted = true
				break
			}
		}
		if !evicted {
			return dirHandle{fd: fd}
		}
	}
	if c.entries == nil {
		c.entries = map[string]*cachedDir{}
	}
	e := &cachedDir{cache: c, dir: dir, fd: fd, users: 1}
	c.entries[dir] = e
	return dirHandle{fd: fd, cached: e}
}

// evictLocked takes e out of the cache, closing it unless it is in use.
func (c *dirCache) evictLocked(e *cachedDir) {
	if e.gone {
		return
	}
	e.gone = true
	delete(c.entries, e.dir)
	if e.users == 0 {
		syscall.Close(e.fd)
	}
}

// release gives e back.
func (c *dirCache) release(e *cachedDir) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.users--; e.users == 0 && e.gone {
		syscall.Close(e.fd)
	}
}

// drop takes e out of the cache: its directory is gone.
func (c *dirCache) drop(e *cachedDir) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evictLocked(e)
}

// closeAll closes the cached handles (those in use when given back) and
// caches no more.
func (c *dirCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, e := range c.entries {
		c.evictLocked(e)
	}
}

// tempFile is a temporary file open for writing.
type tempFile struct {
	fd   int
	name string
}

// openDirOnce opens dir (a slash path, "." for the root), which must exist,
// or lends its cached handle.
func (s *Store) openDirOnce(dir string) (dirHandle, error) {
	if d, ok := s.handles.get(dir); ok {
		return d, nil
	}
	rc, err := s.rootDir.SyscallConn()
	if err != nil {
		return dirHandle{}, err
	}
	fd := -1
	var oerr error
	if err := rc.Control(func(root uintptr) { fd, oerr = openDirAt(int(root), dir) }); err != nil {
		return dirHandle{}, err // the store is closed
	}
	switch oerr {
	case nil:
		return s.handles.add(dir, fd), nil
	case syscall.ENOTDIR, syscall.ELOOP:
		// A symbolic link on the way, or a file in the way: the Root
		// follows a link that stays inside the root, and otherwise
		// fails as the portable code does (ENOTDIR for a file, an
		// error for a link leading out).
		f, err := s.root.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
		if err != nil {
			return dirHandle{}, err
		}
		return dirHandle{fd: int(f.Fd()), f: f}, nil
	}
	return dirHandle{}, &os.PathError{Op: "openat", Path: dir, Err: oerr}
}

// openDirAt opens the directory dir (a slash path of key elements, or ".")
// below the directory root, one element at a time, following no symbolic
// link. It returns the bare errno.
func openDirAt(root int, dir string) (int, error) {
	fd := root
	for {
		elem, rest, more := strings.Cut(dir, "/")
		next, err := openat(fd, elem, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if fd != root {
			syscall.Close(fd)
		}
		if err != nil || !more {
			return next, err
		}
		fd, dir = next, rest
	}
}

func (d dirHandle) close() {
	switch {
	case d.cached != nil:
		d.cached.cache.release(d.cached)
	case d.f != nil:
		d.f.Close()
	default:
		syscall.Close(d.fd)
	}
}

// create creates the file name, failing if it exists (a symbolic link
// included). ENOENT means the directory was removed: its cached handle, if
// any, is dropped.
func (d dirHandle) create(name string, perm fs.FileMode) (tempFile, error) {
	fd, err := openat(d.fd, name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		if err == syscall.ENOENT && d.cached != nil {
			d.cached.cache.drop(d.cached)
		}
		return tempFile{}, &os.PathError{Op: "openat", Path: name, Err: err}
	}
	return tempFile{fd: fd, name: name}, nil
}

func (d dirHandle) remove(name string) error {
	if err := syscall.Unlinkat(d.fd, name); err != nil {
		return &os.PathError{Op: "unlinkat", Path: name, Err: err}
	}
	return nil
}

func (d dirHandle) link(oldname, newname string) error {
	if err := twoNames(syscall.SYS_LINKAT, d.fd, oldname, newname, 0); err != nil {
		return &os.LinkError{Op: "linkat", Old: oldname, New: newname, Err: err}
	}
	return nil
}

func (d dirHandle) rename(oldname, newname string) error {
	if err := ignoringEINTR(func() error { return syscall.Renameat(d.fd, oldname, d.fd, newname) }); err != nil {
		return &os.LinkError{Op: "renameat", Old: oldname, New: newname, Err: err}
	}
	return nil
}

// renameNoReplace renames oldname to newname unless newname exists
// (EEXIST), in one atomic step: renameat2(2) with RENAME_NOREPLACE. It
// returns errNoRenameNoReplace when the kernel (ENOSYS) or the file system
// (EINVAL; names in one directory give it for no other reason, or
// EOPNOTSUPP) lacks RENAME_NOREPLACE, and on EPERM, which is also what a
// container's seccomp filter answers for a system call it does not know:
// the link and unlink of the fallback then report a real permission
// problem themselves.
func (d dirHandle) renameNoReplace(oldname, newname string) error {
	const renameNoReplace = 1 // RENAME_NOREPLACE, <linux/fs.h>
	switch err := twoNames(sysRenameat2, d.fd, oldname, newname, renameNoReplace); err {
	case nil:
		return nil
	case syscall.EINVAL, syscall.ENOSYS, syscall.EOPNOTSUPP, syscall.EPERM:
		return errNoRenameNoReplace
	default:
		return &os.LinkError{Op: "renameat2", Old: oldname, New: newname, Err: err}
	}
}

// isDir reports whether name is a directory (not a link to one).
func (d dirHandle) isDir(name string) bool {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return false
	}
	const atSymlinkNoFollow = 0x100 // AT_SYMLINK_NOFOLLOW, <fcntl.h>
	var st syscall.Stat_t
	err = ignoringEINTR(func() error {
		_, _, e := syscall.Syscall6(sysFstatat, uintptr(d.fd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&st)), atSymlinkNoFollow, 0, 0)
		return errnoErr(e)
	})
	return err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR
}

// sync fsyncs the directory.
func (d dirHandle) sync() error {
	if err := ignoringEINTR(func() error { return syscall.Fsync(d.fd) }); err != nil {
		return &os.PathError{Op: "fsync", Path: ".", Err: err}
	}
	return nil
}

// syncFile fsyncs the file name, already written and closed.
func (d dirHandle) syncFile(name string) error {
	fd, err := openat(d.fd, name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "openat", Path: name, Err: err}
	}
	err = ignoringEINTR(func() error { return syscall.Fsync(fd) })
	syscall.Close(fd)
	if err != nil {
		return &os.PathError{Op: "fsync", Path: name, Err: err}
	}
	return nil
}

// Write writes all of p, looping on short writes.
func (f tempFile) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Write(f.fd, p[n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return n, &os.PathError{Op: "write", Path: f.name, Err: err}
		case m == 0:
			return n, &os.PathError{Op: "write", Path: f.name, Err: io.ErrShortWrite}
		}
		n += m
	}
	return n, nil
}

// Sync fsyncs the file.
func (f tempFile) Sync() error {
	if err := ignoringEINTR(func() error { return syscall.Fsync(f.fd) }); err != nil {
		return &os.PathError{Op: "fsync", Path: f.name, Err: err}
	}
	return nil
}

// Close closes the file; it is never retried (on Linux the descriptor is
// released even when close reports an error).
func (f tempFile) Close() error {
	if err := syscall.Close(f.fd); err != nil {
		return &os.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// openat is openat(2), retried on EINTR (which network and FUSE file
// systems can return).
func openat(dirfd int, name string, flags int, perm uint32) (fd int, err error) {
	err = ignoringEINTR(func() error {
		fd, err = syscall.Openat(dirfd, name, flags, perm)
		return err
	})
	return fd, err
}

// twoNames runs the system call trap(dirfd, oldname, dirfd, newname,
// flags), the shape of linkat(2) and renameat2(2), retried on EINTR.
func twoNames(trap uintptr, dirfd int, oldname, newname string, flags uintptr) error {
	p0, err := syscall.BytePtrFromString(oldname)
	if err != nil {
		return err
	}
	p1, err := syscall.BytePtrFromString(newname)
	if err != nil {
		return err
	}
	return ignoringEINTR(func() error {
		_, _, e := syscall.Syscall6(trap, uintptr(dirfd), uintptr(unsafe.Pointer(p0)), uintptr(dirfd), uintptr(unsafe.Pointer(p1)), flags, 0)
		return errnoErr(e)
	})
}

// errnoErr returns e as an error, nil for 0.
func errnoErr(e syscall.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}

// readNames calls fn with the name of each entry of the directory, reading
// it in chunks (through a descriptor of its own, so that the directory's
// offset is the chunked read's alone).
func (d dirHandle) readNames(fn func(name string)) error {
	fd, err := openat(d.fd, ".", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "openat", Path: ".", Err: err}
	}
	f := os.NewFile(uintptr(fd), ".")
	defer f.Close()
	return readNamesFrom(f, fn)
}

// lstat reports whether name is a regular file (not a link to one), and
// its modification time.
func (d dirHandle) lstat(name string) (regular bool, mtime time.Time, err error) {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return false, time.Time{}, err
	}
	const atSymlinkNoFollow = 0x100 // AT_SYMLINK_NOFOLLOW, <fcntl.h>
	var st syscall.Stat_t
	err = ignoringEINTR(func() error {
		_, _, e := syscall.Syscall6(sysFstatat, uintptr(d.fd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&st)), atSymlinkNoFollow, 0, 0)
		return errnoErr(e)
	})
	if err != nil {
		return false, time.Time{}, &os.PathError{Op: "fstatat", Path: name, Err: err}
	}
	return st.Mode&syscall.S_IFMT == syscall.S_IFREG, time.Unix(st.Mtim.Unix()), nil
}
