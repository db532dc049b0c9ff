package filestore

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ledgersink/ledgersink/storage"
)

// plantTemp writes a file named name in dir (relative to root) with the
// modification time mtime (zero: now).
func plantTemp(t *testing.T, root, rel string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// tempOf returns a temporary file name of the Store tagged tag.
func tempOf(tag string, n int) string {
	return TempPrefix + tag + strings.Repeat("0", 15) + string(rune('0'+n))
}

// kill makes s look as a killed Store does: its lock is released by the
// kernel, its lock file stays. The Store must not be used afterwards.
func kill(t *testing.T, s *Store) {
	t.Helper()
	if s.lock == nil {
		t.Fatal("the store has no lock file")
	}
	s.lock.Close()
	s.lock = nil
}

// put writes key through s, failing the test on error.
func put(t *testing.T, s *Store, key string) {
	t.Helper()
	if err := storage.WriteAll(t.Context(), s, key, []byte(key), nil); err != nil {
		t.Fatal(err)
	}
}

// leftovers returns the names under root starting with TempPrefix (slash
// paths), lock files included.
func leftovers(t *testing.T, root string) []string {
	t.Helper()
	var got []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), TempPrefix) {
			rel, _ := filepath.Rel(root, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	return got
}

func requireLocks(t *testing.T) {
	if !canLock {
		t.Skip("no flock(2) here: leftovers are judged by age only")
	}
}

// A Store killed while writing leaves temporary files in the directories it
// wrote; the next Store's first write, into any directory, removes them all
// and the dead Store's lock file, and nothing of a live Store.
func TestLeftoversOfDeadStore(t *testing.T) {
	requireLocks(t)
	root := t.TempDir()
	dead := newInternalStore(t, root, nil, false)
	put(t, dead, "a/1")
	put(t, dead, "b/c/1")
	put(t, dead, "top")
	deadTemps := []string{"a/" + tempOf(dead.tag, 1), "b/c/" + tempOf(dead.tag, 2), tempOf(dead.tag, 3)}
	for _, p := range deadTemps {
		plantTemp(t, root, p, time.Time{})
	}
	kill(t, dead)

	live := newInternalStore(t, root, nil, false)
	put(t, live, "a/2")
	liveTemp := "a/" + tempOf(live.tag, 1)
	plantTemp(t, root, liveTemp, time.Time{})

	next := newInternalStore(t, root, nil, false)
	put(t, next, "elsewhere/1") // not a directory the dead Store wrote
	want := []string{lockName(live.tag), lockName(next.tag), liveTemp}
	if diff := cmp.Diff(want, leftovers(t, root), sortStrings); diff != "" {
		t.Errorf("after the next Store's first write, leftovers mismatch (-want +got):\n%s", diff)
	}
	// The objects are all there.
	for _, k := range []string{"a/1", "a/2", "b/c/1", "top", "elsewhere/1"} {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(k))); err != nil {
			t.Errorf("object %s: %v", k, err)
		}
	}
	live.Close()
	next.Close()
	// The live Store closed (not killed) removed its lock; its planted
	// temporary file now has no known owner and is young: kept.
	if diff := cmp.Diff([]string{liveTemp}, leftovers(t, root)); diff != "" {
		t.Errorf("after Close, leftovers mismatch (-want +got):\n%s", diff)
	}
}

var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

// A Store lists a directory once in its lifetime: leftovers appearing after
// its first write there wait for the next Store. A directory it creates is
// not listed at all.
func TestLeftoversListedOnce(t *testing.T) {
	requireLocks(t)
	root := t.TempDir()
	zero := newInternalStore(t, root, nil, false)
	put(t, zero, "a/0")
	first := newInternalStore(t, root, nil, false)
	put(t, first, "a/1") // lists a
	put(t, first, "b/1") // creates b: nothing to list
	// A Store killed after first's first writes.
	dead := newInternalStore(t, root, nil, false)
	put(t, dead, "a/2")
	put(t, dead, "b/2")
	later := []string{"a/" + tempOf(dead.tag, 1), "b/" + tempOf(dead.tag, 2)}
	for _, p := range later {
		plantTemp(t, root, p, time.Time{})
	}
	kill(t, dead)
	put(t, first, "a/3")
	if err := storage.PutBatch(t.Context(), first, []storage.BatchObject{{Key: "a/4", Data: nil}, {Key: "b/3", Data: nil}}, nil); err != nil {
		t.Fatal(err)
	}
	got := leftovers(t, root)
	for _, p := range later {
		if !contains(got, p) {
			t.Errorf("%s was removed by a later write of the same Store: a Store lists a directory once", p)
		}
	}
	// The next Store sweeps them, and the dead Store's lock file.
	next := newInternalStore(t, root, nil, false)
	put(t, next, "c/1")
	if diff := cmp.Diff([]string{lockName(zero.tag), lockName(first.tag), lockName(next.tag)}, leftovers(t, root), sortStrings); diff != "" {
		t.Errorf("after the next Store's first write, leftovers mismatch (-want +got):\n%s", diff)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Files whose owner cannot be told are removed once older than OrphanAge,
// by the clock of Options.Now; a negative OrphanAge and NoCleanup keep them.
func TestLeftoversByAge(t *testing.T) {
	at := time.Date(2024, 1, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	plant := func(t *testing.T) string {
		root := t.TempDir()
		plantTemp(t, root, "e/"+tempOf("0badc0de", 1), at.Add(-2*time.Hour))      // tag without a lock file
		plantTemp(t, root, "e/"+TempPrefix+"old", at.Add(-2*time.Hour))           // another program's name
		plantTemp(t, root, "e/"+tempOf("0badc0de", 2), at.Add(-30*time.Minute))   // recent
		plantTemp(t, root, "e/"+TempPrefix+"0badc0de.lock", at.Add(-2*time.Hour)) // a lock file out of place: never aged
		return root
	}
	for _, tc := range []struct {
		name string
		opts Options
		want []string
	}{
		{"default hour", Options{Now: clock}, []string{"e/" + tempOf("0badc0de", 2), "e/" + TempPrefix + "0badc0de.lock"}},
		{"ten minutes", Options{Now: clock, OrphanAge: 10 * time.Minute}, []string{"e/" + TempPrefix + "0badc0de.lock"}},
		{"negative", Options{Now: clock, OrphanAge: -1}, []string{
			"e/" + TempPrefix + "0badc0de.lock", "e/" + TempPrefix + "old", "e/" + tempOf("0badc0de", 1), "e/" + tempOf("0badc0de", 2)}},
		{"no cleanup", Options{Now: clock, NoCleanup: true}, []string{
			"e/" + TempPrefix + "0badc0de.lock", "e/" + TempPrefix + "old", "e/" + tempOf("0badc0de", 1), "e/" + tempOf("0badc0de", 2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := plant(t)
			s := newInternalStore(t, root, &tc.opts, false)
			put(t, s, "e/x")
			s.Close()
			if diff := cmp.Diff(tc.want, leftovers(t, root), sortStrings); diff != "" {
				t.Errorf("leftovers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A lock file is never created, nor trusted, through a symbolic link, and a
// FIFO in its place never blocks: the owner is then unknown.
func TestLeftoversLockFileLinks(t *testing.T) {
	requireLocks(t)
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	os.Mkdir(root, 0o755)
	os.Mkdir(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "target"), []byte("outside"), 0o644)
	os.WriteFile(filepath.Join(root, "inside"), []byte("inside"), 0o644)
	// Tags whose lock file is a link (out, in) or a FIFO.
	for tag, target := range map[string]string{"00000001": filepath.Join(outside, "target"), "00000002": "inside", "00000004": filepath.Join(outside, "missing")} {
		if err := os.Symlink(target, filepath.Join(root, lockName(tag))); err != nil {
			t.Fatal(err)
		}
	}
	if err := mkfifo(filepath.Join(root, lockName("00000003"))); err != nil {
		t.Skip("no FIFO here:", err)
	}
	old := time.Now().Add(-2 * time.Hour)
	var planted []string
	for _, tag := range []string{"00000001", "00000002", "00000003", "00000004"} {
		p := "e/" + tempOf(tag, 1)
		plantTemp(t, root, p, time.Time{}) // young: kept, the owner being unknown
		planted = append(planted, p)
		plantTemp(t, root, "e/"+tempOf(tag, 2), old) // old: removed by age
	}

	s, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.tag = "00000001" // its lock file name is taken by a link: it must draw another tag
	done := make(chan struct{})
	go func() {
		defer close(done)
		put(t, s, "e/x")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a write hangs on a FIFO in place of a lock file")
	}
	if s.tag == "00000001" || s.lock == nil {
		t.Errorf("Store kept tag %s (lock %v): a link at its lock file's name must make it draw another", s.tag, s.lock)
	}
	want := append([]string{lockName("00000001"), lockName("00000002"), lockName("00000003"), lockName("00000004"), lockName(s.tag)}, planted...)
	if diff := cmp.Diff(want, leftovers(t, root), sortStrings); diff != "" {
		t.Errorf("leftovers mismatch (-want +got):\n%s", diff)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "target")); string(b) != "outside" {
		t.Errorf("the link's target changed: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(outside, "missing")); err == nil {
		t.Error("a file was created through a dangling link")
	}
	s.Close()
}

// The directories a dead Store's lock file lists are cleaned only inside
// the root: lines that are no key's directory, or a link leading out, are
// skipped, and an overlong line does not stop the rest.
func TestLeftoversHostileLockFile(t *testing.T) {
	requireLocks(t)
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	os.Mkdir(root, 0o755)
	os.Mkdir(outside, 0o755)
	const tag = "deadbeef"
	victim := filepath.Join(outside, tempOf(tag, 1))
	os.WriteFile(victim, []byte("outside"), 0o644)
	os.WriteFile(filepath.Join(base, tempOf(tag, 2)), []byte("outside"), 0o644)
	os.Symlink(outside, filepath.Join(root, "link"))
	plantTemp(t, root, "ok/"+tempOf(tag, 3), time.Time{})
	plantTemp(t, root, "after/"+tempOf(tag, 4), time.Time{})
	list := strings.Join([]string{"..", "../outside", outside, "link", `ok\..`, "ok", strings.Repeat("x", 5000), "after"}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(root, lockName(tag)), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newInternalStore(t, root, nil, false)
	put(t, s, "z/1")
	if diff := cmp.Diff([]string{lockName(s.tag)}, leftovers(t, root)); diff != "" {
		t.Errorf("leftovers mismatch (-want +got):\n%s", diff)
	}
	for _, p := range []string{victim, filepath.Join(base, tempOf(tag, 2))} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("outside the root, %s: %v", p, err)
		}
	}
}

// RemoveTemp removes a dead Store's files whatever their age and its lock
// file, and never a live Store's, however old.
func TestRemoveTempOwners(t *testing.T) {
	requireLocks(t)
	root := t.TempDir()
	dead := newInternalStore(t, root, nil, false)
	put(t, dead, "a/1")
	plantTemp(t, root, "a/"+tempOf(dead.tag, 1), time.Time{})
	kill(t, dead)
	live := newInternalStore(t, root, &Options{NoCleanup: true}, false)
	put(t, live, "a/2")
	old := time.Now().Add(-48 * time.Hour)
	plantTemp(t, root, "a/"+tempOf(live.tag, 1), old)
	os.Chtimes(filepath.Join(root, lockName(live.tag)), old, old)

	n, err := live.RemoveTemp(t.Context(), time.Time{}) // nothing is older than that
	if err != nil || n != 2 {
		t.Errorf("RemoveTemp(zero time) = %d, %v; want 2 (the dead Store's file and lock file), nil", n, err)
	}
	n, err = live.RemoveTemp(t.Context(), time.Now().Add(time.Hour)) // everything is older than that
	if err != nil || n != 0 {
		t.Errorf("RemoveTemp(in an hour) = %d, %v; want 0: the live Store's files stay", n, err)
	}
	want := []string{"a/" + tempOf(live.tag, 1), lockName(live.tag)}
	if diff := cmp.Diff(want, leftovers(t, root), sortStrings); diff != "" {
		t.Errorf("leftovers mismatch (-want +got):\n%s", diff)
	}
}

// Stores created and closed over and over, each sweeping and cleaning the
// directories of a Store writing without pause, and RemoveTemp with a
// future time, never remove a live Store's temporary file: every write
// succeeds.
func TestLeftoversNeverRaceLiveWriters(t *testing.T) {
	requireLocks(t)
	root := t.TempDir()
	writer := newInternalStore(t, root, nil, false)
	ctx := t.Context()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				dir := "d" + string(rune('0'+(i+w)%4))
				var err error
				if i%2 == 0 {
					err = writer.Put(ctx, dir+"/w"+string(rune('a'+w))+itoa(i), slowReader(3), nil)
				} else {
					err = storage.PutBatch(ctx, writer, []storage.BatchObject{
						{Key: dir + "/b" + string(rune('a'+w)) + itoa(i), Data: []byte("x")},
						{Key: "e/b" + string(rune('a'+w)) + itoa(i), Data: []byte("y")},
					}, nil)
				}
				if err != nil {
					t.Errorf("write %d of writer %d: %v", i, w, err)
					return
				}
			}
		})
	}
	for i := range 200 {
		s, err := New(root, &Options{OrphanAge: time.Nanosecond})
		if err != nil {
			t.Fatal(err)
		}
		put(t, s, "d"+string(rune('0'+i%4))+"/other"+itoa(i))
		if i%4 == 0 {
			if _, err := s.RemoveTemp(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Error(err)
			}
		}
		if i%3 == 0 {
			s.lock.Close() // killed
			s.lock = nil
		}
		s.Close()
	}
	close(stop)
	wg.Wait()
}

func itoa(i int) string { return strconv.Itoa(i) + "_" }

// slowReader yields n one-byte reads with a pause between them, so that the
// temporary file lives a while.
func slowReader(n int) io.Reader { return &slow{n: n} }

type slow struct{ n int }

func (r *slow) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	r.n--
	time.Sleep(100 * time.Microsecond)
	p[0] = 'x'
	return 1, nil
}
