//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sink_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// The child role of TestInitializeKillResume, selected by the environment:
// the root to initialize into and the entries per exercise.
const (
	killResumeRootEnv    = "LEDGERSINK_KILLRESUME_ROOT"
	killResumeEntriesEnv = "LEDGERSINK_KILLRESUME_ENTRIES"
	// killResumeSeedEnv replays a run: the seed the test logs.
	killResumeSeedEnv = "LEDGERSINK_KILLRESUME_SEED"
)

// killResumeNow is the clock of every run, so that the names the runs
// choose (the start instant, the report's) are the reference run's.
func killResumeNow() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }

// killPoint is where a run is killed: once it has reported at least
// afterEvents events (-1: from its start), after delay.
type killPoint struct {
	afterEvents int64
	delay       time.Duration
}

func (k killPoint) String() string {
	if k.afterEvents < 0 {
		return fmt.Sprintf("%v after start", k.delay)
	}
	return fmt.Sprintf("%v after %d events", k.delay, k.afterEvents)
}

// TestInitializeKillResume initializes the demo company with 100,000
// entries in scope (25,000 with the race detector) into a filestore, in a
// child process killed with SIGKILL at random points at least 10 times
// (from its start, in the middle of groups of writes, while it verifies
// what earlier runs wrote, and, when the kill is fast enough, after the
// last event while the offsets, the report and its records are written),
// then lets a last run complete. The end state must be that of an
// uninterrupted run (made into a memstore: the keys and bytes do not
// depend on the store): the same files with the same bytes, state
// included, each event once, one report, and no temporary file (nor lock
// file) anywhere under the root.
//
// A failure names the seed; LEDGERSINK_KILLRESUME_SEED=<seed> replays the
// same kill points (the timing of a kill still varies with the machine).
func TestInitializeKillResume(t *testing.T) {
	if root := os.Getenv(killResumeRootEnv); root != "" {
		killResumeChild(t, root)
		return
	}
	if testing.Short() {
		t.Skip("kills and resumes an initialization of 100,000 entries: not with -short")
	}
	const perExercise = killResumeEntries // 2023 and 2024 are in scope, 2022's entries are skipped
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(killResumeSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (%s=%d replays it)", seed, killResumeSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	// The reference: one uninterrupted run.
	start := time.Now()
	ref := memstore.New(nil)
	w, err := sink.NewWriter(ref, &sink.WriterOptions{Now: killResumeNow})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Initialize(t.Context(), sinktest.Company(&sinktest.CompanyOptions{EntriesPerExercise: perExercise}), nil)
	if err != nil {
		t.Fatal(err)
	}
	events := res.Created
	t.Logf("reference run: %d events in %v", events, time.Since(start).Round(time.Millisecond))

	root := t.TempDir()
	var log []string
	killed := 0
	for i, k := range killPlan(rng, events) {
		r := killResumeRun(t, root, perExercise, &k)
		log = append(log, fmt.Sprintf("run %d: kill %v: %s", i+1, k, r))
		if r.killed {
			killed++
		}
		if r.err != "" {
			t.Fatalf("seed %d: run %d failed: %s\nruns so far:\n%s", seed, i+1, r.err, strings.Join(log, "\n"))
		}
	}
	final := killResumeRun(t, root, perExercise, nil)
	log = append(log, fmt.Sprintf("final run: %s", final))
	history := fmt.Sprintf("seed %d, runs:\n%s", seed, strings.Join(log, "\n"))
	t.Logf("%s\nruns took %v", history, time.Since(start).Round(time.Millisecond))
	if final.err != "" {
		t.Fatalf("the final run failed: %s\n%s", final.err, history)
	}
	if killed < 10 {
		t.Errorf("only %d runs were killed before they ended, want at least 10\n%s", killed, history)
	}
	checked := time.Now()
	checkKillResumeEnd(t, ref, root, events, history)
	t.Logf("checks took %v; the whole test %v", time.Since(checked).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// killPlan draws the kill points of the runs of an initialization of n
// events: one from the start of the first run; nine at random points of
// the first third of the events, sorted (each run resumes where the one
// before it was killed), with one more after the fifth, soon after the
// run's first group (it lands while the run verifies what earlier runs
// wrote); and two without delay on the last event, while the offsets
// reservation, the report and its records are written (these miss when
// the run finishes first). Points later in the events would make the test
// slower, not different: each run verifies again what the runs before it
// wrote, and the events there are entries too.
func killPlan(rng *rand.Rand, n int64) []killPoint {
	jitter := func(max time.Duration) time.Duration { return time.Duration(rng.Int64N(int64(max))) }
	points := make([]int64, 9)
	for i := range points {
		points[i] = 1 + rng.Int64N(n/3)
	}
	slices.Sort(points)
	plan := []killPoint{{afterEvents: -1, delay: 20*time.Millisecond + jitter(400*time.Millisecond)}}
	for i, p := range points {
		plan = append(plan, killPoint{afterEvents: p, delay: jitter(40 * time.Millisecond)})
		if i == 4 {
			plan = append(plan, killPoint{afterEvents: 1, delay: jitter(40 * time.Millisecond)})
		}
	}
	return append(plan, killPoint{afterEvents: n}, killPoint{afterEvents: n})
}

// runOutcome is what a child run reported.
type runOutcome struct {
	killed          bool  // killed before it ended
	events, created int64 // as last reported: events reached, files created by this run
	done            bool  // it reported a complete initialization
	err             string
	took            time.Duration
}

func (r runOutcome) String() string {
	state := "completed"
	if r.killed {
		state = "killed"
	}
	return fmt.Sprintf("%s after %v at %d events (%d created by this run), done=%v", state, r.took.Round(time.Millisecond), r.events, r.created, r.done)
}

// killResumeRun runs an initialization into root in a child process, and
// kills it at k (nil: lets it end). The goroutine reading the child's
// progress sends the signal itself, so that a kill without delay lands as
// soon as the child reports.
func killResumeRun(t *testing.T, root string, perExercise int, k *killPoint) runOutcome {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitializeKillResume$", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), killResumeRootEnv+"="+root, killResumeEntriesEnv+"="+strconv.Itoa(perExercise))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var r runOutcome
	var other []string // the test framework's lines: its report if the child fails
	var once sync.Once
	kill := func() { once.Do(func() { cmd.Process.Kill() }) }
	if k != nil && k.afterEvents < 0 {
		defer time.AfterFunc(k.delay, kill).Stop()
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "progress "):
			fmt.Sscan(strings.TrimPrefix(line, "progress "), &r.events, &r.created, &r.done)
			if k != nil && k.afterEvents >= 0 && r.events >= k.afterEvents {
				if k.delay == 0 {
					kill()
				} else {
					defer time.AfterFunc(k.delay, kill).Stop()
				}
				k = nil
			}
		case strings.HasPrefix(line, "error "):
			r.err = strings.TrimPrefix(line, "error ")
		default:
			other = append(other, line)
		}
	}
	werr := cmd.Wait()
	r.took = time.Since(start)
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		r.killed = true
	} else if werr != nil && r.err == "" {
		r.err = werr.Error() + ": " + strings.Join(other, "\n")
	}
	return r
}

// killResumeChild is the child role: it initializes the company into root,
// reporting its progress on standard output ("progress <events> <created>
// <done>", "error <message>"), and closes the store when done.
func killResumeChild(t *testing.T, root string) {
	perExercise, err := strconv.Atoi(os.Getenv(killResumeEntriesEnv))
	if err != nil {
		t.Fatal(err)
	}
	store, err := filestore.New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	w, err := sink.NewWriter(store, &sink.WriterOptions{Now: killResumeNow})
	if err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriter(os.Stdout)
	res, err := w.Initialize(context.Background(), sinktest.Company(&sinktest.CompanyOptions{EntriesPerExercise: perExercise}),
		&sink.InitOptions{Progress: func(p sink.InitProgress) {
			fmt.Fprintf(out, "progress %d %d %v\n", p.Events, p.Created, p.Done)
			out.Flush()
		}})
	if err != nil {
		fmt.Fprintf(out, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		out.Flush()
		return
	}
	total := res.Created + res.Existing
	fmt.Fprintf(out, "progress %d %d %v\n", total, res.Created, true)
	out.Flush()
}

// checkKillResumeEnd checks the files under root against the objects of
// ref, the store of an uninterrupted run: the same keys with the same
// bytes, nothing named with filestore.TempPrefix (a temporary or lock
// file) anywhere, n events in the entity folder at offsets 0 to n-1, each
// (event, object id) once, and one initialization report.
func checkKillResumeEnd(t *testing.T, ref *memstore.Store, root string, n int64, history string) {
	t.Helper()
	ctx := t.Context()
	want := map[string]bool{}
	for k, err := range storage.Keys(ctx, ref, "") {
		if err != nil {
			t.Fatal(err)
		}
		want[k] = true
	}
	var temps, extra, differ, reports []string
	offsets := map[int64]string{}
	objects := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		key := filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), filestore.TempPrefix) {
			temps = append(temps, key)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !want[key] {
			extra = append(extra, key)
			return nil
		}
		delete(want, key)
		if w, err := storage.ReadAll(ctx, ref, key); err != nil || !bytes.Equal(w, data) {
			differ = append(differ, key)
		}
		entity, base, _ := strings.Cut(key, "/")
		if entity != sinktest.DemoEntityID {
			return nil
		}
		if strings.HasPrefix(base, "initialisation-report-") {
			reports = append(reports, base)
			return nil
		}
		name, err := sink.ParseFileName(base)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			return nil
		}
		if prev, ok := offsets[name.Offset]; ok {
			t.Errorf("offset %d twice: %s and %s", name.Offset, prev, base)
		}
		offsets[name.Offset] = base
		ev, err := sink.DecodeEvent(name.Event, data)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			return nil
		}
		id := string(name.Event) + " " + ev.ID
		if prev, ok := objects[id]; ok {
			t.Errorf("%s written twice: %s and %s", id, prev, base)
		}
		objects[id] = base
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	missing := slices.Sorted(maps.Keys(want))
	if len(temps) > 0 {
		t.Errorf("%d temporary or lock files left: %s\n%s", len(temps), firstFew(temps), history)
	}
	if len(missing)+len(extra)+len(differ) > 0 {
		t.Errorf("the end state differs from an uninterrupted run's: %d files missing %s, %d extra %s, %d with other bytes %s\n%s",
			len(missing), firstFew(missing), len(extra), firstFew(extra), len(differ), firstFew(differ), history)
	}
	if int64(len(offsets)) != n || int64(len(objects)) != n {
		t.Errorf("%d events at %d offsets in the entity folder, want %d", len(objects), len(offsets), n)
	}
	for o := range n {
		if _, ok := offsets[o]; !ok {
			t.Errorf("no event at offset %d", o)
			break
		}
	}
	if len(reports) != 1 {
		t.Errorf("%d initialization reports %v, want 1\n%s", len(reports), reports, history)
	}
}

func firstFew(s []string) string {
	if len(s) > 5 {
		return fmt.Sprint(s[:5], " ...")
	}
	return fmt.Sprint(s)
}
