package filestore

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"time"
)

// RemoveTemp removes the temporary files that a crash left under the root (a
// process killed, or a machine stopped, between writing an object and
// publishing it) and whose modification time is before before. It returns
// how many it removed.
//
// A temporary file being written by a running Put has a recent modification
// time, so pass a time comfortably earlier than the start of any Put still
// running, such as an hour before now; the time is an argument, never read
// from the clock. RemoveTemp never follows symbolic links and never removes
// anything but regular files named with [TempPrefix]. It stops at the first
// error (a done ctx included) and returns it with the count so far;
// files that vanish meanwhile are skipped.
func (s *Store) RemoveTemp(ctx context.Context, before time.Time) (int, error) {
	removed := 0
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
		fi, err := d.Info()
		if err != nil {
			if isNotExist(err) {
				return nil
			}
			return err
		}
		if !fi.ModTime().Before(before) {
			return nil
		}
		if err := s.root.Remove(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		removed++
		return nil
	})
	return removed, err
}
