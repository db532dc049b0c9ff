package filestore

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ledgersink/ledgersink/storage"
)

// Leftovers: the temporary files of a killed Store.
//
// A temporary file is named TempPrefix, the tag of the Store that created
// it (8 hex digits) and a counter (16 hex digits). Before it creates its
// first temporary file, a Store creates its lock file in the root,
// TempPrefix + tag + ".lock", and holds flock(2) on it until Close, which
// removes it. The lock file also lists, one per line, every directory the
// Store has created temporary files in, each appended before the first
// one. The kernel releases the lock when the process dies, however it
// dies: a lock file whose lock can be taken belongs to a dead Store, and
// so do the temporary files bearing its tag.
//
// Cleaning happens at two moments, each at most once per Store:
//   - its first write sweeps the root: for each lock file of a dead Store,
//     it cleans every directory that Store listed, then removes the lock
//     file (holding its lock throughout, so that two Stores sweeping at
//     once do not both act on it);
//   - its first write into a directory that the sweep did not clean and
//     that it did not just create lists the directory once and cleans it.
//
// Cleaning a directory removes the temporary files of dead Stores, and the
// temporary files whose owner cannot be told (no lock file, one that cannot
// be opened, a name of another form, or a system without flock) once they
// are older than Options.OrphanAge. A live Store's files are never removed:
// its lock cannot be taken.
//
// A Store's tag is unique among the lock files present: the lock file is
// created exclusively (never through a symbolic link: O_EXCL refuses one),
// and a Store that finds the name taken draws another tag. A lock file is
// trusted only once its creator holds the lock and the name still leads to
// the file it locked, so a sweep that raced the creation is detected.

// lockSuffix ends the name of a lock file.
const lockSuffix = ".lock"

// tagLen is the length of a Store's tag in hex digits.
const tagLen = 8

// defaultOrphanAge is the default Options.OrphanAge.
const defaultOrphanAge = time.Hour

func lockName(tag string) string { return TempPrefix + tag + lockSuffix }

// tempTag returns the tag of the Store that created the temporary file
// name, or "" when name is not of the form a Store creates.
func tempTag(name string) string {
	rest, ok := strings.CutPrefix(name, TempPrefix)
	if !ok || len(rest) != tagLen+16 || !isHex(rest) {
		return ""
	}
	return rest[:tagLen]
}

// lockTag returns the tag of the lock file name, or "" when name is not a
// lock file's.
func lockTag(name string) string {
	rest, ok := strings.CutPrefix(name, TempPrefix)
	if !ok {
		return ""
	}
	tag, ok := strings.CutSuffix(rest, lockSuffix)
	if !ok || len(tag) != tagLen || !isHex(tag) {
		return ""
	}
	return tag
}

func isHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// dirState is what a Store knows of a directory it wrote into.
type dirState struct {
	once    sync.Once   // recorded in the lock file, and cleaned if needed
	cleaned atomic.Bool // listed once already (by the sweep, or its first write)
}

// prepare readies the open directory d (the slash path dir) for the
// Store's temporary files, the first time the Store writes into it: the
// Store's lock file exists and lists dir, and dir holds no leftover of a
// dead Store. fresh says the caller just created dir, so there is nothing
// to list. Later calls cost a map lookup. Cleaning is best effort: its
// errors do not fail the write.
func (s *Store) prepare(ctx context.Context, d dirHandle, dir string, fresh bool) {
	v, ok := s.dirState.Load(dir)
	if !ok {
		v, _ = s.dirState.LoadOrStore(dir, new(dirState))
	}
	st := v.(*dirState)
	st.once.Do(func() {
		s.owner.Do(func() { s.takeOwnership(ctx) })
		if s.lock != nil {
			s.lock.WriteString(dir + "\n") // best effort: unlisted, its files are aged out
		}
		if already := st.cleaned.Swap(true); already || fresh || s.opts.NoCleanup {
			return
		}
		c := s.newCleaner(s.tag)
		c.clean(d)
		c.release()
	})
}

// takeOwnership runs once, before the Store's first temporary file: it
// creates the lock file and sweeps the root.
func (s *Store) takeOwnership(ctx context.Context) {
	if !canLock {
		return // nothing to sweep either: no Store has a lock file here
	}
	s.lock = s.createLock()
	if !s.opts.NoCleanup {
		s.sweep(ctx)
	}
}

// createLock creates and locks the Store's lock file, drawing a new tag
// while the name is taken. It returns nil when no lock can be made (a
// read-only root, a file system without flock): the Store's temporary
// files then have no known owner.
func (s *Store) createLock() *os.File {
	for range 8 {
		name := lockName(s.tag)
		f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, s.opts.Perm)
		if errors.Is(err, fs.ErrExist) {
			s.tag = newTag() // another Store's, live or dead, or a link
			continue
		}
		if err != nil {
			return nil
		}
		locked, err := tryLock(f)
		if err != nil {
			// No flock here: do not leave a lock that means nothing.
			s.removeIfSame(name, f)
			f.Close()
			return nil
		}
		if locked && s.isSame(name, f) {
			return f
		}
		// A sweep took the lock between the creation and the flock (it
		// will remove or has removed the name), or replaced the file:
		// start again under another tag.
		f.Close()
		s.tag = newTag()
	}
	return nil
}

// dropLock removes the Store's lock file and releases the lock, at Close.
func (s *Store) dropLock() {
	if s.lock == nil {
		return
	}
	s.removeIfSame(lockName(s.tag), s.lock)
	s.lock.Close()
	s.lock = nil
}

// isSame reports whether name, in the root, is the file f (not a link to
// it, nor a file that replaced it).
func (s *Store) isSame(name string, f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	li, err := s.root.Lstat(name)
	return err == nil && os.SameFile(fi, li)
}

// removeIfSame removes name from the root if it is the file f. The caller
// holds f's lock, so no other Store removes or replaces the name between
// the check and the removal.
func (s *Store) removeIfSame(name string, f *os.File) bool {
	return s.isSame(name, f) && s.root.Remove(name) == nil
}

// owner states, as a cleaner sees them.
type ownerState int8

const (
	ownerUnknown ownerState = iota // no lock file, or none usable: judge by age
	ownerAlive                     // the lock is held
	ownerDead                      // the lock was taken: by this cleaner, now
)

// cleaner removes leftovers. It caches what it learned of each owner and
// holds the lock of each dead one until release, so that no other Store
// acts on the same dead owner meanwhile, and no new Store takes its tag.
type cleaner struct {
	s      *Store
	own    string // the Store's own tag ("": judge it by its lock, like others)
	cutoff time.Time
	byAge  bool
	owners map[string]ownerState
	held   map[string]*os.File // dead owners' lock files, locked
}

func (s *Store) newCleaner(own string) *cleaner {
	c := &cleaner{s: s, own: own, owners: map[string]ownerState{}, held: map[string]*os.File{}}
	if age := s.opts.OrphanAge; age >= 0 {
		if age == 0 {
			age = defaultOrphanAge
		}
		c.byAge, c.cutoff = true, s.now().Add(-age)
	}
	return c
}

func (s *Store) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// release releases the locks of the dead owners found.
func (c *cleaner) release() {
	for _, f := range c.held {
		f.Close()
	}
	clear(c.held)
}

// owner tells whether the Store that uses tag is alive.
func (c *cleaner) owner(tag string) ownerState {
	switch {
	case tag == "" || !canLock:
		return ownerUnknown
	case tag == c.own:
		return ownerAlive
	}
	if st, ok := c.owners[tag]; ok {
		return st
	}
	st, f := c.s.probe(tag)
	c.owners[tag] = st
	if st == ownerDead {
		c.held[tag] = f
	}
	return st
}

// probe tries to take the lock of tag's lock file. When it can (the owner
// is dead), it returns the file, locked.
func (s *Store) probe(tag string) (ownerState, *os.File) {
	name := lockName(tag)
	li, err := s.root.Lstat(name)
	if err != nil || !li.Mode().IsRegular() {
		return ownerUnknown, nil
	}
	f, err := s.root.OpenFile(name, openReadFlags, 0) // never blocks, on a FIFO swapped in
	if err != nil {
		return ownerUnknown, nil
	}
	if fi, err := f.Stat(); err != nil || !os.SameFile(li, fi) {
		f.Close() // replaced meanwhile (a link the Root followed, or a new file)
		return ownerUnknown, nil
	}
	locked, err := tryLock(f)
	switch {
	case err != nil:
		f.Close()
		return ownerUnknown, nil
	case !locked:
		f.Close()
		return ownerAlive, nil
	}
	return ownerDead, f
}

// clean removes the leftovers in the open directory d: the temporary files
// of dead owners, and those of unknown owners older than the cutoff. It
// reads the directory once, keeping only the names of temporary files.
func (c *cleaner) clean(d dirHandle) {
	var temps []string
	d.readNames(func(name string) {
		if strings.HasPrefix(name, TempPrefix) && lockTag(name) == "" {
			temps = append(temps, name)
		}
	})
	for _, name := range temps {
		c.cleanFile(d, name, c.owner(tempTag(name)))
	}
}

// cleanFile removes the regular file name from d if its owner is dead, or
// unknown and the file is older than the cutoff.
func (c *cleaner) cleanFile(d dirHandle, name string, st ownerState) {
	if !c.removable(st, time.Time{}, false) {
		return
	}
	regular, mtime, err := d.lstat(name)
	if err != nil || !regular || !c.removable(st, mtime, true) {
		return
	}
	d.remove(name) // an error: another Store removed it first
}

// removable reports whether a file of an owner in state st, modified at
// mtime (when known), is a leftover to remove.
func (c *cleaner) removable(st ownerState, mtime time.Time, known bool) bool {
	switch st {
	case ownerDead:
		return true
	case ownerUnknown:
		return c.byAge && (!known || mtime.Before(c.cutoff))
	}
	return false
}

// sweep cleans up after the dead Stores that left a lock file in the root:
// every directory each one listed, the root's own temporary files, then
// the lock files. It marks the directories it cleaned, so that the Store's
// first writes into them list nothing again. A done ctx stops it, leaving
// the remaining lock files for the next Store.
func (s *Store) sweep(ctx context.Context) {
	root, err := s.openDir(".", false, nil)
	if err != nil {
		return
	}
	defer root.close()
	c := s.newCleaner(s.tag)
	defer c.release()
	var locks, temps []string
	root.readNames(func(name string) {
		if tag := lockTag(name); tag != "" {
			locks = append(locks, tag)
		} else if strings.HasPrefix(name, TempPrefix) {
			temps = append(temps, name)
		}
	})
	s.markCleaned(".")
	for _, name := range temps {
		c.cleanFile(root, name, c.owner(tempTag(name)))
	}
	var dead []string
	for _, tag := range locks {
		if c.owner(tag) == ownerDead {
			dead = append(dead, tag)
		}
	}
	for _, tag := range dead {
		for dir := range listedDirs(c.held[tag]) {
			if ctx.Err() != nil {
				return
			}
			if dir == "." || s.cleaned(dir) {
				continue
			}
			d, err := s.openDir(dir, false, nil)
			if err != nil {
				continue // gone, or no longer a directory
			}
			if !s.markCleaned(dir) { // marked only once open: a made-up list adds nothing
				c.clean(d)
			}
			d.close()
		}
	}
	for _, tag := range dead {
		s.removeIfSame(lockName(tag), c.held[tag])
	}
}

// readNamesFrom calls fn with the name of each entry of the open directory
// f, reading it in chunks, so that memory does not grow with its size.
func readNamesFrom(f *os.File, fn func(name string)) error {
	for {
		names, err := f.Readdirnames(1024)
		for _, n := range names {
			fn(n)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// newTag draws a random tag for a Store's temporary files.
func newTag() string {
	var b [tagLen / 2]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// cleaned reports whether the Store has cleaned dir.
func (s *Store) cleaned(dir string) bool {
	v, ok := s.dirState.Load(dir)
	return ok && v.(*dirState).cleaned.Load()
}

// markCleaned records that the Store has cleaned dir, and reports whether
// it had already.
func (s *Store) markCleaned(dir string) bool {
	v, ok := s.dirState.Load(dir)
	if !ok {
		v, _ = s.dirState.LoadOrStore(dir, new(dirState))
	}
	return v.(*dirState).cleaned.Swap(true)
}

// listedDirs yields the directories listed in the lock file f, skipping
// lines that are not a directory a key can have (the file is read in
// linear time, a line at most the length of a key at a time).
func listedDirs(f *os.File) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		r := bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<62), storage.MaxKeyLen+1)
		skip := false // in the rest of an overlong line
		for {
			line, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				skip = true
				continue
			}
			if err != nil {
				return // EOF (a last line without its newline was cut short) or a read error
			}
			if skip {
				skip = false
				continue
			}
			dir := string(line[:len(line)-1])
			if dir != "." && (!storage.ValidKey(dir) || reserved(dir)) {
				continue
			}
			if !yield(dir) {
				return
			}
		}
	}
}
