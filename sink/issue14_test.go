package sink_test

// Tests of issue 14: state that cannot lie. The writer's bookkeeping
// (offset reservations, initialization records, WriteOnce records) may be
// deleted, rolled back or rewritten by the store's owner between runs; the
// entity folders are the truth. Each test damages the state between two
// runs and compares the end state with an uninterrupted run: the same
// files, each event once, one report, no error where recovery is possible
// and a clear error where it is not.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

const entity14 = sinktest.DemoEntityID

// company14 is the demo company with 200 entries per exercise: 425 events
// in scope.
func company14() *sink.Initialization {
	return sinktest.Company(&sinktest.CompanyOptions{EntriesPerExercise: 200})
}

const events14 = 425

var opts14 = &sink.InitOptions{BatchSize: 50}

func initKey(name string) string { return "_ledgersink/init/" + entity14 + "/" + name }

// deleteUnder deletes every object whose key starts with prefix.
func deleteUnder(t testing.TB, s storage.Store, prefix string) {
	t.Helper()
	ctx := context.Background()
	var keys []string
	for k, err := range storage.Keys(ctx, s, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		t.Fatalf("nothing to delete under %s", prefix)
	}
	for _, k := range keys {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t testing.TB, s storage.Store, key string) string {
	t.Helper()
	b, err := storage.ReadAll(context.Background(), s, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// folder returns the entity folder's files, key to content.
func folder(t testing.TB, s storage.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range snapshot(t, s) {
		if strings.HasPrefix(k, entity14+"/") {
			out[k] = v
		}
	}
	return out
}

// checkEachOnce checks that the entity folder holds each event once, no
// two files under one offset, and exactly one initialization report.
func checkEachOnce(t testing.TB, s storage.Store) {
	t.Helper()
	events := map[string]string{}
	offsets := map[int64]string{}
	reports := 0
	for key, content := range folder(t, s) {
		name := strings.TrimPrefix(key, entity14+"/")
		if report.IsInitFileName(name) {
			reports++
			continue
		}
		f, err := sink.ParseFileName(name)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if other, ok := offsets[f.Offset]; ok {
			t.Errorf("offset %d given twice: %s and %s", f.Offset, other, key)
		}
		offsets[f.Offset] = key
		if other, ok := events[content]; ok {
			t.Errorf("the same event written twice: %s and %s", other, key)
		}
		events[content] = key
	}
	if reports != 1 {
		t.Errorf("%d initialization reports, want 1", reports)
	}
}

// interrupted returns a store holding an initialization of company14
// interrupted after n files of the entity folder.
func interrupted(t testing.TB, n int) *memstore.Store {
	t.Helper()
	mem := memstore.New(nil)
	faulty := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Key: entity14 + "/*", Skip: n, Times: 1, Crash: true})
	if _, err := initialize(t, faulty, company14(), opts14); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("interrupted run: %v", err)
	}
	if got := len(folder(t, mem)); got != n {
		t.Fatalf("the interrupted run wrote %d files, want %d", got, n)
	}
	return mem
}

// uninterrupted returns the store of an uninterrupted initialization of
// company14.
func uninterrupted(t testing.TB) *memstore.Store {
	t.Helper()
	clean := memstore.New(nil)
	res, err := initialize(t, clean, company14(), opts14)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != events14 {
		t.Fatalf("uninterrupted run created %d files, want %d", res.Created, events14)
	}
	return clean
}

// TestIssue14InitStartedDeletedAfterInterruption: started.json deleted
// after an interrupted initialization. The rerun used to write 525 files
// (100 events under two names); it must resume from the files in the
// folder.
func TestIssue14InitStartedDeletedAfterInterruption(t *testing.T) {
	want := withoutReportTime(t, snapshot(t, uninterrupted(t)))
	for _, n := range []int{1, 3, 100, 137, events14} {
		t.Run(fmt.Sprint(n, " files written"), func(t *testing.T) {
			mem := interrupted(t, n)
			if err := mem.Delete(context.Background(), initKey("started.json")); err != nil {
				t.Fatal(err)
			}
			res, err := initialize(t, mem, company14(), opts14)
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if res.Existing != int64(n) || res.Created != int64(events14-n) {
				t.Errorf("resume created %d and found %d, want %d and %d", res.Created, res.Existing, events14-n, n)
			}
			// Everything, the rebuilt record included, as uninterrupted.
			if diff := cmp.Diff(want, withoutReportTime(t, snapshot(t, mem))); diff != "" {
				t.Errorf("resumed store differs (-uninterrupted +resumed):\n%s", diff)
			}
			checkEachOnce(t, mem)
		})
	}
}

// TestIssue14InitRecordsDeletedAtEveryCrash crashes an initialization at
// each write of its first batches and of its last, deletes every record of
// it (the whole init folder and the offset reservations), and resumes: in
// every case the store ends as after an uninterrupted run. Crashes inside
// a batch leave holes (files of the batch written concurrently).
func TestIssue14InitRecordsDeletedAtEveryCrash(t *testing.T) {
	opts := &sink.InitOptions{BatchSize: 8}
	clean := memstore.New(nil)
	if _, err := initialize(t, clean, sinktest.Company(nil), opts); err != nil {
		t.Fatal(err)
	}
	want := withoutReportTime(t, folder(t, clean))
	for _, mode := range []faultstore.Mode{faultstore.FailBefore, faultstore.FailAfter} {
		for n := 0; ; n++ {
			inner := memstore.New(nil)
			faulty := faultstore.New(inner, faultstore.Rule{Op: faultstore.OpPut, Skip: n, Times: 1, Mode: mode, Crash: true})
			if _, err := initialize(t, faulty, sinktest.Company(nil), opts); faulty.Faults() == 0 {
				if err != nil {
					t.Fatal(err)
				}
				break
			}
			for _, dir := range []string{"_ledgersink/init/", "_ledgersink/offsets/"} {
				for k := range storage.Keys(context.Background(), inner, dir) {
					if err := inner.Delete(context.Background(), k); err != nil {
						t.Fatal(err)
					}
				}
			}
			res, err := initialize(t, inner, sinktest.Company(nil), opts)
			if err != nil {
				t.Fatalf("%v at put %d: resume: %v", mode, n, err)
			}
			if res.Created+res.Existing != 33 {
				t.Errorf("%v at put %d: resume created %d + found %d, want 33", mode, n, res.Created, res.Existing)
			}
			if diff := cmp.Diff(want, withoutReportTime(t, folder(t, inner))); diff != "" {
				t.Fatalf("%v at put %d: the resumed folder differs (-uninterrupted +resumed):\n%s", mode, n, diff)
			}
		}
	}
}

// TestIssue14InitFolderDeletedAfterCompletion: the whole init folder of
// the entity deleted after completion used to give a silent second
// initialization (850 files, two reports). The report in the entity
// folder says it is complete: nothing is written, the records come back.
func TestIssue14InitFolderDeletedAfterCompletion(t *testing.T) {
	for _, deleted := range [][]string{
		{"started.json", "report.json", "done.json"},
		{"report.json", "done.json"},
		{"done.json"},
		{"started.json", "done.json"},
	} {
		t.Run(strings.Join(deleted, "+"), func(t *testing.T) {
			mem := uninterrupted(t)
			before := snapshot(t, mem)
			first, err := initialize(t, memstore.New(nil), company14(), opts14) // the same run elsewhere, for its result
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range deleted {
				if err := mem.Delete(context.Background(), initKey(name)); err != nil {
					t.Fatal(err)
				}
			}
			res, err := initialize(t, mem, company14(), opts14)
			if err != nil {
				t.Fatal(err)
			}
			if !res.AlreadyDone || res.Created != 0 || res.ReportKey != first.ReportKey ||
				!res.Started.Equal(first.Started) || res.FirstOffset != first.FirstOffset {
				t.Errorf("rerun: %+v, want AlreadyDone with report %s, started %v at offset %d", res, first.ReportKey, first.Started, first.FirstOffset)
			}
			// Nothing written in the folder; every record restored as it was.
			if diff := cmp.Diff(before, snapshot(t, mem)); diff != "" {
				t.Errorf("store changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestIssue14InitStartedRewritten: started.json rewritten with another
// plausible start, after an interruption, used to write all 425 files
// under new names, then fail. The folder wins: the run resumes from the
// files found and the record is rebuilt.
func TestIssue14InitStartedRewritten(t *testing.T) {
	clean := uninterrupted(t)
	want := withoutReportTime(t, snapshot(t, clean))
	var orig struct {
		Started     time.Time `json:"started"`
		FirstOffset int64     `json:"firstOffset"`
	}
	if err := json.Unmarshal([]byte(read(t, clean, initKey("started.json"))), &orig); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, record string
	}{
		{"later start, offsets above the folder", `{"started":"2024-02-01T09:30:00.000Z","firstOffset":1000}`},
		{"same start, later offset", `{"started":"2024-02-01T08:00:01Z","firstOffset":400}`},
		{"earlier start, same offset", `{"started":"2024-01-31T08:00:01Z","firstOffset":0}`},
		{"rolled back below the folder", `{"started":"2024-01-01T00:00:00Z","firstOffset":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := interrupted(t, 137)
			put(t, mem, initKey("started.json"), tt.record)
			res, err := initialize(t, mem, company14(), opts14)
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if res.Existing != 137 || !res.Started.Equal(orig.Started) || res.FirstOffset != orig.FirstOffset {
				t.Errorf("resume: found %d, started %v at %d; want 137 found, started %v at %d",
					res.Existing, res.Started, res.FirstOffset, orig.Started, orig.FirstOffset)
			}
			if diff := cmp.Diff(want, withoutReportTime(t, snapshot(t, mem))); diff != "" {
				t.Errorf("resumed store differs (-uninterrupted +resumed):\n%s", diff)
			}
		})
	}

	// After completion, with done.json there: the result tells the real
	// start, and the record is rebuilt.
	t.Run("after completion", func(t *testing.T) {
		mem := uninterrupted(t)
		put(t, mem, initKey("started.json"), tests[0].record)
		res, err := initialize(t, mem, company14(), opts14)
		if err != nil {
			t.Fatal(err)
		}
		if !res.AlreadyDone || !res.Started.Equal(orig.Started) || res.FirstOffset != orig.FirstOffset {
			t.Errorf("rerun: %+v, want AlreadyDone, started %v at %d", res, orig.Started, orig.FirstOffset)
		}
		if diff := cmp.Diff(want, withoutReportTime(t, snapshot(t, mem))); diff != "" {
			t.Errorf("store differs (-uninterrupted +rerun):\n%s", diff)
		}
	})
}

// TestIssue14InitRecordLostAndSourcesChanged: with the record lost and the
// sources changed, the folder cannot settle where to resume: a clear
// error, and nothing written.
func TestIssue14InitRecordLostAndSourcesChanged(t *testing.T) {
	mem := interrupted(t, 137)
	if err := mem.Delete(context.Background(), initKey("started.json")); err != nil {
		t.Fatal(err)
	}
	before := folder(t, mem)
	in := company14()
	in.Sources.Journals = sink.SliceSource([]sink.Record[*sink.Journal]{{ID: "jnl-ac", Timestamp: 1, Data: &sink.Journal{Code: "AC", Label: "RENAMED"}}})
	_, err := initialize(t, mem, in, opts14)
	if !errors.Is(err, sink.ErrConflict) || !strings.Contains(err.Error(), entity14+"/") {
		t.Fatalf("resume with changed sources: %v, want ErrConflict naming a file of the folder", err)
	}
	if diff := cmp.Diff(before, folder(t, mem)); diff != "" {
		t.Errorf("the failed run changed the folder (-before +after):\n%s", diff)
	}
	// The failed run left no guessed record behind: with the sources
	// restored, the run resumes.
	if _, err := initialize(t, mem, company14(), opts14); err != nil {
		t.Fatalf("resume with the sources restored: %v", err)
	}
	if diff := cmp.Diff(withoutReportTime(t, snapshot(t, uninterrupted(t))), withoutReportTime(t, snapshot(t, mem))); diff != "" {
		t.Errorf("resumed store differs (-uninterrupted +resumed):\n%s", diff)
	}
}

// TestIssue14InitLiveEventsBefore: live events written before the
// initialization are not taken for its files, whether or not its record
// was lost.
func TestIssue14InitLiveEventsBefore(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	w, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock()})
	var evs []*sink.Event
	for i := range 5 {
		ev, err := sink.NewDeleted(sink.Envelope{Timestamp: int64(i), ApplicationID: "a", EntityID: entity14, ID: fmt.Sprint("acc-", i)}, sink.ObjectAccount)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if _, err := w.WriteBatch(ctx, evs); err != nil {
		t.Fatal(err)
	}
	live := folder(t, mem)
	// A fresh initialization starts above them.
	faulty := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Key: entity14 + "/*", Skip: 60, Times: 1, Crash: true})
	if _, err := initialize(t, faulty, company14(), opts14); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatal(err)
	}
	if err := mem.Delete(ctx, initKey("started.json")); err != nil {
		t.Fatal(err)
	}
	res, err := initialize(t, mem, company14(), opts14)
	if err != nil {
		t.Fatal(err)
	}
	if res.Existing != 60 || res.Created != events14-60 || res.FirstOffset < 5 {
		t.Errorf("resume: %+v, want 60 found and the initialization above the 5 live events", res)
	}
	got := folder(t, mem)
	for k, v := range live {
		if got[k] != v {
			t.Errorf("live file %s changed", k)
		}
	}
	if len(got) != len(live)+events14+1 {
		t.Errorf("%d files, want %d live + %d + the report", len(got), len(live), events14)
	}
	checkEachOnce(t, mem)
}

// TestIssue14InitLiveEventsDuring: live events written during an
// initialization whose record was lost are found in the folder: a clear
// error naming one.
func TestIssue14InitLiveEventsDuring(t *testing.T) {
	ctx := context.Background()
	mem := interrupted(t, 137)
	deleteUnder(t, mem, "_ledgersink/init/")
	w, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: func() time.Time { return time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC) }})
	// The interrupted run put its batches concurrently: the 137 files it
	// wrote need not be offsets 0 to 136.
	var top int64 = -1
	for key := range folder(t, mem) {
		if name, err := sink.ParseFileName(strings.TrimPrefix(key, entity14+"/")); err == nil {
			top = max(top, name.Offset)
		}
	}
	ev, _ := sink.NewDeleted(sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: entity14, ID: "acc-live"}, sink.ObjectAccount)
	res, err := w.Write(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if top < 136 || res.Files[0].Name.Offset != top+1 {
		t.Errorf("live event at offset %d, want %d: just above every file of the folder", res.Files[0].Name.Offset, top+1)
	}
	_, err = initialize(t, mem, company14(), opts14)
	if !errors.Is(err, sink.ErrInitialization) || !strings.Contains(err.Error(), "live events") {
		t.Fatalf("resume after a live write: %v, want ErrInitialization about live events", err)
	}
}

// countingStore counts puts into the entity folder and reads of it.
type countingStore struct {
	storage.Store
	puts, gets atomic.Int64
}

func (s *countingStore) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if strings.HasPrefix(key, entity14+"/") {
		s.puts.Add(1)
	}
	return s.Store.Put(ctx, key, r, opts)
}

func (s *countingStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if strings.HasPrefix(key, entity14+"/") {
		s.gets.Add(1)
	}
	return s.Store.Get(ctx, key)
}

// TestIssue14ResumeWritesOnlyWhatIsMissing: a resumed initialization
// lists the folder once and puts only the missing files, reading none
// back; with VerifyExisting it reads back each file found.
func TestIssue14ResumeWritesOnlyWhatIsMissing(t *testing.T) {
	for _, verify := range []bool{false, true} {
		t.Run(fmt.Sprint("verify=", verify), func(t *testing.T) {
			mem := interrupted(t, 200)
			cs := &countingStore{Store: mem}
			opts := *opts14
			opts.VerifyExisting = verify
			res, err := initialize(t, cs, company14(), &opts)
			if err != nil {
				t.Fatal(err)
			}
			wantPuts, wantGets := int64(events14-200+1), int64(0) // the missing events and the report
			if verify {
				wantPuts, wantGets = events14+1, 200 // each found file put create-only, then read back
			}
			if cs.puts.Load() != wantPuts || cs.gets.Load() != wantGets || res.Existing != 200 {
				t.Errorf("resume: %d puts and %d reads in the folder, %d found; want %d, %d and 200",
					cs.puts.Load(), cs.gets.Load(), res.Existing, wantPuts, wantGets)
			}
			checkEachOnce(t, mem)
		})
	}
	// A file found with another size is read back: different bytes are a
	// conflict, never overwritten.
	mem := interrupted(t, 200)
	var victim string
	for k := range folder(t, mem) {
		if strings.Contains(k, "comptaCompteInserted") {
			victim = k
			break
		}
	}
	put(t, mem, victim, `{"tampered":true}`)
	_, err := initialize(t, mem, company14(), opts14)
	if ce, ok := errors.AsType[*sink.ConflictError](err); !ok || ce.Key != victim {
		t.Fatalf("resume over a tampered file: %v, want a *ConflictError for %s", err, victim)
	}
	if read(t, mem, victim) != `{"tampered":true}` {
		t.Error("the tampered file was overwritten")
	}
}

// TestIssue14OffsetsDeleted: the offset reservations of an entity
// deleted, only the newest deleted, or rolled back to an older one,
// between two writers: the next writer used to reuse offsets already on
// disk. Its first offset must be above every file of the folder.
func TestIssue14OffsetsDeleted(t *testing.T) {
	const dir = "_ledgersink/offsets/" + entity14 + "/"
	tests := []struct {
		name   string
		damage func(t *testing.T, s storage.Store)
	}{
		{"none", func(*testing.T, storage.Store) {}},
		{"all deleted", func(t *testing.T, s storage.Store) { deleteUnder(t, s, dir) }},
		{"newest deleted", func(t *testing.T, s storage.Store) {
			var last string
			for k := range storage.Keys(context.Background(), s, dir) {
				last = k
			}
			if err := s.Delete(context.Background(), last); err != nil {
				t.Fatal(err)
			}
		}},
		{"rolled back", func(t *testing.T, s storage.Store) {
			deleteUnder(t, s, dir)
			put(t, s, dir+"0000000000000000003", "")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			mem := memstore.New(nil)
			write := func(w *sink.Writer, from, n int) []int64 {
				var offs []int64
				for i := from; i < from+n; i++ {
					res, err := w.Write(ctx, accountDeleted(i))
					if err != nil {
						t.Fatal(err)
					}
					offs = append(offs, res.Files[0].Name.Offset)
				}
				return offs
			}
			first, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock(), OffsetBlock: 4})
			a := write(first, 0, 10) // three blocks: 0-3, 4-7, 8-11
			tt.damage(t, mem)
			second, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock(), OffsetBlock: 4})
			b := write(second, 10, 10)
			all := append(a, b...)
			for i := 1; i < len(all); i++ {
				if all[i] <= all[i-1] {
					t.Fatalf("offsets %v: %d after %d", all, all[i], all[i-1])
				}
			}
			if got := len(folder(t, mem)); got != 20 {
				t.Errorf("%d files, want 20", got)
			}
			// A third writer, after the second's reservations are gone too,
			// continues above them.
			deleteUnder(t, mem, dir)
			third, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock(), OffsetBlock: 4})
			if c := write(third, 20, 1); c[0] <= all[len(all)-1] {
				t.Errorf("third writer got offset %d, after %d", c[0], all[len(all)-1])
			}
		})
	}
}

// Daily reports count as files of the folder: their offsets are not
// reused either.
func TestIssue14OffsetsAboveDailyReports(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	w, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock()})
	if _, err := w.Write(ctx, accountDeleted(0)); err != nil {
		t.Fatal(err)
	}
	day := mustDate("2024-02-01")
	rep, err := w.WriteDailyReport(ctx, entity14, day, nil)
	if err != nil {
		t.Fatal(err)
	}
	top := rep.Names[len(rep.Names)-1].Offset
	deleteUnder(t, mem, "_ledgersink/offsets/")
	w2, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock()})
	res, err := w2.Write(ctx, accountDeleted(1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Files[0].Name.Offset <= top {
		t.Errorf("offset %d, want above the daily report's %d", res.Files[0].Name.Offset, top)
	}
}

func accountDeleted(i int) *sink.Event {
	ev, err := sink.NewDeleted(sink.Envelope{Timestamp: int64(i), ApplicationID: "a", EntityID: entity14, ID: fmt.Sprint("acc-", i)}, sink.ObjectAccount)
	if err != nil {
		panic(err)
	}
	return ev
}

// TestIssue14WriteOnceRecordDeleted: a WriteOnce record is the only trace
// of its id; the files carry none. Deleted, the batch is written a second
// time: the loss cannot be detected from the data, as WriteOnce's doc
// says. With the state in a store of its own, a clean-up of the sink's
// store (everything but the entity folders) cannot reach it.
func TestIssue14WriteOnceRecordDeleted(t *testing.T) {
	ctx := context.Background()
	batch := []*sink.Event{accountDeleted(1), accountDeleted(2)}

	t.Run("state in the sink's store", func(t *testing.T) {
		mem := memstore.New(nil)
		w, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock()})
		if _, err := w.WriteOnce(ctx, "batch-1", batch); err != nil {
			t.Fatal(err)
		}
		deleteUnder(t, mem, "_ledgersink/batches/")
		w2, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock()})
		res, err := w2.WriteOnce(ctx, "batch-1", batch)
		if err != nil {
			t.Fatal(err)
		}
		// The documented limit: two copies, under fresh offsets.
		if res.Count(sink.WriteCreated) != 2 || len(folder(t, mem)) != 4 {
			t.Errorf("after the record was deleted: %d created, %d files; the doc says the batch is written again (4 files)",
				res.Count(sink.WriteCreated), len(folder(t, mem)))
		}
	})

	t.Run("state in a store of its own", func(t *testing.T) {
		bucket, state := memstore.New(nil), memstore.New(nil)
		opts := &sink.WriterOptions{Now: fixedClock(), StateStore: state}
		w, _ := sink.NewWriter(bucket, opts)
		if _, err := w.WriteOnce(ctx, "batch-1", batch); err != nil {
			t.Fatal(err)
		}
		// The customer cleans their bucket of anything that is not an
		// entity folder: there is nothing else to clean.
		for k := range storage.Keys(ctx, bucket, "") {
			if !strings.HasPrefix(k, entity14+"/") {
				t.Errorf("the sink's store holds %s, which is not in an entity folder", k)
			}
		}
		w2, _ := sink.NewWriter(bucket, opts)
		res, err := w2.WriteOnce(ctx, "batch-1", batch)
		if err != nil {
			t.Fatal(err)
		}
		if res.Count(sink.WriteExisting) != 2 || len(folder(t, bucket)) != 2 {
			t.Errorf("second WriteOnce: %d existing, %d files; want 2 and 2", res.Count(sink.WriteExisting), len(folder(t, bucket)))
		}
	})
}

// TestIssue14StateStore: with WriterOptions.StateStore, the sink's store
// holds nothing but entity folders of sink files, whatever the writer
// does, and every state file is in the state store under the state
// directory.
func TestIssue14StateStore(t *testing.T) {
	ctx := context.Background()
	bucket, state := memstore.New(nil), memstore.New(nil)
	opts := &sink.WriterOptions{Now: fixedClock(), StateStore: state}
	w, _ := sink.NewWriter(bucket, opts)
	if w.StateStore() != state {
		t.Error("StateStore() is not the option's store")
	}
	faulty := faultstore.New(bucket, faultstore.Rule{Op: faultstore.OpPut, Key: entity14 + "/*", Skip: 100, Times: 1, Crash: true})
	wf, _ := sink.NewWriter(faulty, opts)
	if _, err := wf.Initialize(ctx, company14(), opts14); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatal(err)
	}
	if _, err := w.Initialize(ctx, company14(), opts14); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(ctx, accountDeleted(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteOnce(ctx, "b1", []*sink.Event{accountDeleted(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteDailyReport(ctx, entity14, mustDate("2024-02-01"), nil); err != nil {
		t.Fatal(err)
	}
	r, _ := sink.NewReader(bucket, nil)
	for k := range storage.Keys(ctx, bucket, "") {
		dir, name, _ := strings.Cut(k, "/")
		_, err := sink.ParseFileName(name)
		if dir != entity14 || (err != nil && !report.IsInitFileName(name)) {
			t.Errorf("the sink's store holds %s, not a sink file of an entity folder", k)
		}
	}
	for k := range storage.Keys(ctx, state, "") {
		if !strings.HasPrefix(k, sink.DefaultStateDir+"/") {
			t.Errorf("the state store holds %s, outside the state directory", k)
		}
	}
	for _, want := range []string{initKey("started.json"), initKey("done.json"), "_ledgersink/batches/b1.json"} {
		if ok, _ := storage.Exists(ctx, state, want); !ok {
			t.Errorf("state store: %s missing", want)
		}
	}
	check, err := r.Check(ctx, entity14, time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !check.Complete() {
		t.Errorf("check of the bucket: %+v, want complete", check)
	}
}

// TestIssue14ReadersSkipState: no state directory of the SDK is taken for
// an entity: Entities does not yield them, Check and CheckInitialization
// refuse them.
func TestIssue14ReadersSkipState(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	if _, err := initialize(t, mem, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	w, _ := sink.NewWriter(mem, &sink.WriterOptions{Now: fixedClock()})
	if _, err := w.WriteOnce(ctx, "b1", []*sink.Event{accountDeleted(1)}); err != nil {
		t.Fatal(err)
	}
	// State of the other components, as they name it by default (change
	// capture, export tracking, Kafka dead letters, the subscription
	// registry): even shaped like sink files, none is an entity.
	sinkName := "queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1-2024-01-30T15:17:20.186Z.json"
	for _, k := range []string{
		"_ledgersink/capture/" + entity14 + "/state/00000000000000000001.json",
		"_ledgersink/export/state/00000000000000000001.json",
		"_ledgersink/deadletters/topic/0/00000000000000000001.json",
		"_ledgersink/" + sinkName,
		"_subscriptions/subscriptions/sub-1/0000000000000000001.json",
	} {
		put(t, mem, k, "{}")
	}
	r, _ := sink.NewReader(mem, nil)
	var entities []string
	for e, err := range r.Entities(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		entities = append(entities, e)
	}
	if diff := cmp.Diff([]string{entity14}, entities); diff != "" {
		t.Errorf("Entities mismatch (-want +got):\n%s", diff)
	}
	now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, dir := range []string{sink.DefaultStateDir, "_subscriptions"} {
		if _, err := r.Check(ctx, dir, now); !errors.Is(err, sink.ErrEntity) {
			t.Errorf("Check(%s) = %v, want ErrEntity", dir, err)
		}
		if _, err := r.CheckInitialization(ctx, dir); err == nil {
			t.Errorf("CheckInitialization(%s) succeeded", dir)
		}
	}
	if _, err := w.WriteDailyReport(ctx, sink.DefaultStateDir, mustDate("2024-02-01"), nil); !errors.Is(err, sink.ErrEntity) {
		t.Errorf("WriteDailyReport into the state directory: %v, want ErrEntity", err)
	}
}
