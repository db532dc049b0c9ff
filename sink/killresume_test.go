//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sink_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/filestore"
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
// entries in scope into a filestore, in a child process killed with
// SIGKILL at random points at least 10 times (from its start, in the
// middle of a group of writes, after the last event, while the report is
// written), then lets a last run complete. The end state must be that of
// an uninterrupted run: the same files with the same bytes, state
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
		t.Skip("kills and resumes a 100,000-entry initialization: not with -short")
	}
	const perExercise = 50_000 // 2023 and 2024 in scope: 100,000 entries; 2022's 50,000 are skipped
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
	refRoot := t.TempDir()
	start := time.Now()
	ref := killResumeRun(t, refRoot, perExercise, nil)
	if ref.err != "" || ref.events == 0 {
		t.Fatalf("reference run: %+v", ref)
	}
	t.Logf("reference run: %d events in %v", ref.events, time.Since(start).Round(time.Millisecond))

	root := t.TempDir()
	kills := killPlan(rng, ref.events)
	var log []string
	killed := 0
	for i, k := range kills {
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
	compareTrees(t, refRoot, root, history)
	checkEachEventOnce(t, root, ref.events, history)
	t.Logf("checks took %v; the whole test %v", time.Since(checked).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// killPlan draws the kill points of the runs of an initialization of n
// events: one from the start of the first run, nine at random points of
// the events (each run resumes where the one before it was killed, so
// they are sorted), two on the last event (delays of 0 and up to 1.5 ms:
// the offsets reservation, the report and its records are being written,
// if the run has not finished yet), and one from the start of a run that
// verifies everything written (if none finished).
func killPlan(rng *rand.Rand, n int64) []killPoint {
	jitter := func(max time.Duration) time.Duration { return time.Duration(rng.Int64N(int64(max))) }
	plan := []killPoint{{afterEvents: -1, delay: 20*time.Millisecond + jitter(400*time.Millisecond)}}
	points := make([]int64, 9)
	for i := range points {
		points[i] = 1 + rng.Int64N(n-1)
	}
	slices.Sort(points)
	for _, p := range points {
		plan = append(plan, killPoint{afterEvents: p, delay: jitter(40 * time.Millisecond)})
	}
	return append(plan,
		killPoint{afterEvents: n},
		killPoint{afterEvents: n, delay: jitter(1500 * time.Microsecond)},
		killPoint{afterEvents: -1, delay: 20*time.Millisecond + jitter(400*time.Millisecond)})
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
// kills it at k (nil: lets it end).
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
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var r runOutcome
	var timer <-chan time.Time
	if k != nil && k.afterEvents < 0 {
		timer = time.After(k.delay)
	}
	for open := true; open; {
		select {
		case line, ok := <-lines:
			if !ok {
				open = false
				break
			}
			var events, created int64
			var done bool
			switch {
			case strings.HasPrefix(line, "progress "):
				fmt.Sscan(strings.TrimPrefix(line, "progress "), &events, &created, &done)
				r.events, r.created, r.done = events, created, done
				if k != nil && k.afterEvents >= 0 && events >= k.afterEvents && timer == nil {
					timer = time.After(k.delay)
				}
			case strings.HasPrefix(line, "error "):
				r.err = strings.TrimPrefix(line, "error ")
			}
		case <-timer:
			timer = nil
			if cmd.Process.Kill() == nil {
				r.killed = true
			}
			for range lines { // drain what it wrote before dying
			}
			open = false
		}
	}
	werr := cmd.Wait()
	r.took = time.Since(start)
	if r.killed {
		// It may have ended on its own just before the signal.
		if ws, ok := cmd.ProcessState.Sys().(interface{ Signaled() bool }); ok && !ws.Signaled() {
			r.killed = false
		}
	} else if werr != nil && r.err == "" {
		r.err = werr.Error()
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

// compareTrees checks that root holds the same files as refRoot, with the
// same bytes, and nothing named with filestore.TempPrefix (a temporary or
// lock file) anywhere. It reads one file of each at a time.
func compareTrees(t *testing.T, refRoot, root, history string) {
	t.Helper()
	files := func(dir string) (map[string]bool, []string) {
		m := map[string]bool{}
		var temps []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if strings.HasPrefix(d.Name(), filestore.TempPrefix) {
				temps = append(temps, filepath.ToSlash(rel))
			} else if d.Type().IsRegular() {
				m[filepath.ToSlash(rel)] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return m, temps
	}
	want, refTemps := files(refRoot)
	got, temps := files(root)
	if len(refTemps) > 0 {
		t.Errorf("the uninterrupted run left %d temporary or lock files: %s", len(refTemps), firstFew(refTemps))
	}
	if len(temps) > 0 {
		t.Errorf("%d temporary or lock files left: %s\n%s", len(temps), firstFew(temps), history)
	}
	var missing, extra, differ []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
			continue
		}
		a, err := os.ReadFile(filepath.Join(refRoot, filepath.FromSlash(k)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(k)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			differ = append(differ, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(extra)+len(differ) > 0 {
		slices.Sort(missing)
		slices.Sort(extra)
		slices.Sort(differ)
		t.Errorf("the end state differs from an uninterrupted run's: %d files missing %s, %d extra %s, %d with other bytes %s\n%s",
			len(missing), firstFew(missing), len(extra), firstFew(extra), len(differ), firstFew(differ), history)
	}
}

// checkEachEventOnce checks the entity folder of root: n events at offsets
// 0 to n-1, each (event, object id) once, and one initialization report.
func checkEachEventOnce(t *testing.T, root string, n int64, history string) {
	t.Helper()
	dir := filepath.Join(root, sinktest.DemoEntityID)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	offsets := map[int64]string{}
	objects := map[string]string{}
	var reports []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "initialisation-report-") {
			reports = append(reports, e.Name())
			continue
		}
		name, err := sink.ParseFileName(e.Name())
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if prev, ok := offsets[name.Offset]; ok {
			t.Errorf("offset %d twice: %s and %s", name.Offset, prev, e.Name())
		}
		offsets[name.Offset] = e.Name()
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := sink.DecodeEvent(name.Event, data)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		key := string(name.Event) + " " + ev.ID
		if prev, ok := objects[key]; ok {
			t.Errorf("%s written twice: %s and %s", key, prev, e.Name())
		}
		objects[key] = e.Name()
	}
	if int64(len(offsets)) != n {
		t.Errorf("%d events in the entity folder, want %d", len(offsets), n)
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
