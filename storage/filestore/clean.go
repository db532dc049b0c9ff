package filestore

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"time"
)

// RemoveTemp removes the temporary files that crashes left anywhere under
// the root (a process killed, or a machine stopped, between writing an
// object and publishing it), and the lock files of the dead Stores that
// made them (a lock file whose owner cannot be told is kept). It returns how many files it removed.
//
// A temporary file whose owner is known (see "Leftovers" in the package
// documentation) is removed when its owner is dead, whatever its age, and
// kept while its owner lives. A file whose owner cannot be told is removed
// when its modification time is before before: pass a time comfortably
// earlier than the start of any write still running, such as an hour
// before now; the time is an argument, never read from the clock. Writes
// into a folder already remove what killed runs left there; RemoveTemp
// also reaches the folders no one writes into any more.
//
// RemoveTemp never follows symbolic links and never removes anything but
// regular files named with [TempPrefix]. It stops at the first error (a
// done ctx included) and returns it with the count so far; files that
// vanish meanwhile are skipped.
func (s *Store) RemoveTemp(ctx context.Context, before time.Time) (int, error) {
	c := s.newCleaner("") // the Store's own files: its lock is held, as any live one
	c.byAge, c.cutoff = true, before
	defer c.release()
	removed := 0
	var locks []fs.DirEntry
	err := fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if isNotExist(err) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !strings.HasPrefix(d.Name(), TempPrefix) || !d.Type().IsRegular() {
			return nil
		}
		st := ownerUnknown
		if p == d.Name() && lockTag(p) != "" {
			// A lock file: once every temporary file is done, its owner's
			// included.
			locks = append(locks, d)
			return nil
		} else if tag := tempTag(d.Name()); tag != "" {
			st = c.owner(tag)
		}
		ok, err := s.removeTemp(c, p, d, st)
		if ok {
			removed++
		}
		return err
	})
	if err != nil {
		return removed, err
	}
	for _, d := range locks {
		// Only a dead owner's: a lock file that cannot be tested is kept.
		if tag := lockTag(d.Name()); c.owner(tag) == ownerDead && s.removeIfSame(d.Name(), c.held[tag]) {
			removed++
		}
	}
	return removed, nil
}

// removeTemp removes the file p, found as d, if c judges it a leftover of
// an owner in state st. Vanished files are no error.
func (s *Store) removeTemp(c *cleaner, p string, d fs.DirEntry, st ownerState) (bool, error) {
	if !c.removable(st, time.Time{}, false) {
		return false, nil
	}
	fi, err := d.Info()
	if err != nil {
		if isNotExist(err) {
			return false, nil
		}
		return false, err
	}
	if !c.removable(st, fi.ModTime(), true) {
		return false, nil
	}
	if err := s.root.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
