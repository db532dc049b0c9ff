package sink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// Initialization of a company with n entries in scope (plus its reference
// data and n/2 entries of 2022, streamed and skipped), into a filestore,
// beside the ceiling: the same entries marshalled with json.Marshal and
// written with a temporary file and a rename each, in a plain loop.
//
//	go test -run '^$' -bench 'Initialize' -benchtime 1x -count 3 ./sink/
//
// Each iteration writes into a fresh directory (deleting many files slows
// the next creations on this file system). Metrics: events/s, and peak-MB,
// the largest live heap (as of the last collection) sampled after every
// batch of 512 events.
func BenchmarkInitialize(b *testing.B) {
	root := b.TempDir() // removed at the very end only
	fresh := func(b *testing.B) string {
		dir, err := os.MkdirTemp(root, "run-")
		if err != nil {
			b.Fatal(err)
		}
		return dir
	}
	for _, n := range []int{10_000, 100_000} {
		perExercise := n / 2 // 2023 and 2024 are in scope, 2022 is not
		b.Run(fmt.Sprintf("entries=%d/sdk", n), func(b *testing.B) {
			var events int64
			var peak uint64
			for b.Loop() {
				dir := fresh(b)
				store, err := filestore.New(dir, nil)
				if err != nil {
					b.Fatal(err)
				}
				w, _ := sink.NewWriter(store, nil)
				runtime.GC()
				res, err := w.Initialize(context.Background(), sinktest.Company(&sinktest.CompanyOptions{EntriesPerExercise: perExercise}),
					&sink.InitOptions{Progress: func(sink.InitProgress) { peak = max(peak, heapInUse()) }})
				if err != nil {
					b.Fatal(err)
				}
				events += res.Created
				store.Close()
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
		b.Run(fmt.Sprintf("entries=%d/ceiling", n), func(b *testing.B) {
			var events int64
			var peak uint64
			for b.Loop() {
				runtime.GC()
				events += ceilingInit(b, fresh(b), perExercise, func() { peak = max(peak, heapInUse()) })
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

// ceilingInit writes the in-scope demo entries the plainest way: each
// marshalled with json.Marshal and written with a temporary file and a
// rename, in a plain loop. It calls sample every 512 files and returns
// how many it wrote.
func ceilingInit(b *testing.B, root string, perExercise int, sample func()) int64 {
	dir := filepath.Join(root, sinktest.DemoEntityID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	at := time.Now()
	i := 0
	for rec, err := range sinktest.Entries(perExercise) {
		if err != nil {
			b.Fatal(err)
		}
		if rec.Data.Date.Year == 2022 {
			continue
		}
		data, err := json.Marshal(rec.Data)
		if err != nil {
			b.Fatal(err)
		}
		writeFile(b, dir, sink.FileName{Event: sink.EntryInserted, Offset: int64(i), Time: at}.String(), data)
		if i++; i%512 == 0 && sample != nil {
			sample()
		}
	}
	return int64(i)
}

// BenchmarkInitializeInterleaved alternates one initialization of 20,000
// entries in scope and one ceiling run of the same entries, so that both
// see the same machine load, and reports the ratio of their rates.
//
//	go test -run '^$' -bench 'InitializeInterleaved' -benchtime 5x -count 1 ./sink/
func BenchmarkInitializeInterleaved(b *testing.B) {
	const perExercise = 10_000
	root := b.TempDir()
	var sdkTime, ceilTime time.Duration
	var sdkEvents, ceilEvents int64
	for b.Loop() {
		dir, _ := os.MkdirTemp(root, "sdk-")
		store, err := filestore.New(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		w, _ := sink.NewWriter(store, nil)
		start := time.Now()
		res, err := w.Initialize(context.Background(), sinktest.Company(&sinktest.CompanyOptions{EntriesPerExercise: perExercise}), nil)
		if err != nil {
			b.Fatal(err)
		}
		sdkTime += time.Since(start)
		sdkEvents += res.Created
		store.Close()

		dir, _ = os.MkdirTemp(root, "ceiling-")
		start = time.Now()
		ceilEvents += ceilingInit(b, dir, perExercise, nil)
		ceilTime += time.Since(start)
	}
	sdkRate := float64(sdkEvents) / sdkTime.Seconds()
	ceilRate := float64(ceilEvents) / ceilTime.Seconds()
	b.ReportMetric(sdkRate, "sdk-events/s")
	b.ReportMetric(ceilRate, "ceiling-events/s")
	b.ReportMetric(sdkRate/ceilRate, "ratio")
}

func writeFile(b *testing.B, dir, name string, data []byte) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		b.Fatal(err)
	}
}

// heapInUse returns the live heap as of the last garbage collection.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Writing 1,000 account events per operation into a filestore: one at a
// time, concurrently, durably one at a time (fsync per file) and durably as
// a group commit, beside the ceiling (json.Marshal + temporary file +
// rename per event in a plain loop, not durable).
//
//	go test -run '^$' -bench 'WriteBatch' -count 3 ./sink/
func BenchmarkWriteBatch(b *testing.B) {
	const n = 1000
	root := b.TempDir()
	evs := make([]*sink.Event, n)
	for i := range evs {
		evs[i] = &sink.Event{
			Name:     sink.AccountInserted,
			Envelope: sink.Envelope{Timestamp: 1706627839000, ApplicationID: sinktest.DemoApplicationID, EntityID: "entity", ID: fmt.Sprintf("acc-%06d", i)},
			Data:     &sink.Account{Number: fmt.Sprintf("4%07d", i), Label: "Compte de tiers", Collective: true, Type: 2},
		}
	}
	for _, c := range []struct {
		name        string
		sync        bool
		concurrency int
		durable     bool
	}{
		{"serial", false, 1, false},
		{"concurrent-8", false, 8, false},
		{"durable-serial", true, 1, false},
		{"durable-concurrent-8", true, 8, false},
		{"durable-group-commit", true, 1, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				dir, _ := os.MkdirTemp(root, "run-")
				store, err := filestore.New(dir, &filestore.Options{Sync: c.sync})
				if err != nil {
					b.Fatal(err)
				}
				w, _ := sink.NewWriter(store, &sink.WriterOptions{Concurrency: c.concurrency, Durable: c.durable})
				if _, err := w.WriteBatch(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
				store.Close()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
	b.Run("ceiling", func(b *testing.B) {
		for b.Loop() {
			dir, _ := os.MkdirTemp(root, "run-")
			dir = filepath.Join(dir, "entity")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			at := time.Now()
			for i, ev := range evs {
				data, err := json.Marshal(ev.Data)
				if err != nil {
					b.Fatal(err)
				}
				writeFile(b, dir, sink.FileName{Event: ev.Name, Offset: int64(i), Time: at}.String(), data)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// Writing 1,000 entries per operation into a memstore (no file system: the
// writer's own work), with the write rules on (business rules of every
// entry), off (RuleEntryValidation skipped), and with the period scope too
// (a calendar known): the difference per entry is what the rules cost.
//
//	go test -run '^$' -bench 'WriteEntries' -benchmem -count 3 ./sink/
func BenchmarkWriteEntries(b *testing.B) {
	const n = 1000
	evs := make([]*sink.Event, n)
	for i := range evs {
		id := fmt.Sprintf("ecr-%06d", i)
		ev, err := sink.NewInserted(sink.Envelope{Timestamp: 1706627839000, ApplicationID: sinktest.DemoApplicationID, EntityID: "entity", ID: id},
			sinktest.Entry(id, 2024, i%50))
		if err != nil {
			b.Fatal(err)
		}
		evs[i] = ev
	}
	cal := sinktest.Calendar()
	for _, c := range []struct {
		name string
		opts sink.WriterOptions
	}{
		{"validated", sink.WriterOptions{}},
		{"not-validated", sink.WriterOptions{Skip: []sink.WriteRule{sink.RuleEntryValidation}}},
		{"validated-and-scoped", sink.WriterOptions{Calendar: func(context.Context, string) (*period.Calendar, error) { return &cal, nil }}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				w, _ := sink.NewWriter(memstore.New(nil), &c.opts)
				if _, err := w.WriteBatch(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/entry")
		})
	}
}

// Reading and decoding an entity's event files from a filestore, with the
// SDK's Reader (ordered, typed, de-duplicated), beside the ceiling:
// os.ReadDir + os.ReadFile + json.Unmarshal into a map, in a plain loop.
// The files are written once, before both.
//
//	go test -run '^$' -bench 'Read' -benchtime 3x -count 3 ./sink/
func BenchmarkRead(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) { benchmarkRead(b, n) })
	}
}

func benchmarkRead(b *testing.B, n int) {
	{
		dir := b.TempDir()
		store, err := filestore.New(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		w, _ := sink.NewWriter(store, &sink.WriterOptions{Concurrency: 8})
		evs := make([]*sink.Event, 0, 1000)
		for i := range n {
			evs = append(evs, &sink.Event{
				Name:     sink.AccountInserted,
				Envelope: sink.Envelope{Timestamp: 1706627839000 + int64(i), ApplicationID: sinktest.DemoApplicationID, EntityID: "entity", ID: fmt.Sprintf("acc-%07d", i)},
				Data:     &sink.Account{Number: fmt.Sprintf("4%07d", i), Label: "Compte de tiers", Collective: true, Type: 2},
			})
			if len(evs) == cap(evs) || i == n-1 {
				if _, err := w.WriteBatch(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
				evs = evs[:0]
			}
		}
		b.Run("sdk", func(b *testing.B) {
			r, _ := sink.NewReader(store, nil)
			var peak uint64
			for b.Loop() {
				runtime.GC()
				count := 0
				for _, err := range r.Read(context.Background(), "entity", nil).All() {
					if err != nil {
						b.Fatal(err)
					}
					if count++; count%1024 == 0 {
						peak = max(peak, heapInUse())
					}
				}
				if count != n {
					b.Fatalf("read %d events, want %d", count, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
		b.Run("ceiling", func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				runtime.GC()
				entries, err := os.ReadDir(filepath.Join(dir, "entity"))
				if err != nil {
					b.Fatal(err)
				}
				count := 0
				for _, e := range entries {
					data, err := os.ReadFile(filepath.Join(dir, "entity", e.Name()))
					if err != nil {
						b.Fatal(err)
					}
					var m map[string]any
					if err := json.Unmarshal(data, &m); err != nil {
						b.Fatal(err)
					}
					if count++; count%1024 == 0 {
						peak = max(peak, heapInUse())
					}
				}
				if count != n {
					b.Fatalf("read %d files, want %d", count, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
		store.Close()
	}
}

// The Reader's memory per file while it lists, orders and reads an
// entity's directory, at 10k, 100k and 300k files: the peak live heap
// (another goroutine collects garbage and samples the live heap every 10
// ms) above the live heap before the read, divided by the number of files.
//
//	go test -run '^$' -bench 'ReaderMemory' -benchtime 1x -count 1 ./sink/
func BenchmarkReaderMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 300_000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			store, err := filestore.New(dir, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			w, _ := sink.NewWriter(store, &sink.WriterOptions{Concurrency: 8})
			evs := make([]*sink.Event, 0, 1000)
			for i := range n {
				evs = append(evs, &sink.Event{
					Name:     sink.AccountInserted,
					Envelope: sink.Envelope{Timestamp: 1706627839000 + int64(i), ApplicationID: sinktest.DemoApplicationID, EntityID: "entity", ID: fmt.Sprintf("acc-%07d", i)},
					Data:     &sink.Account{Number: fmt.Sprintf("4%07d", i), Label: "Compte"},
				})
				if len(evs) == cap(evs) || i == n-1 {
					if _, err := w.WriteBatch(context.Background(), evs); err != nil {
						b.Fatal(err)
					}
					evs = evs[:0]
				}
			}
			r, _ := sink.NewReader(store, nil)
			var perFile float64
			for b.Loop() {
				runtime.GC()
				base := heapInUse()
				var peak atomic.Uint64
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					t := time.NewTicker(10 * time.Millisecond)
					defer t.Stop()
					for {
						runtime.GC()
						if h := heapInUse(); h > peak.Load() {
							peak.Store(h)
						}
						select {
						case <-stop:
							return
						case <-t.C:
						}
					}
				}()
				count := 0
				for _, err := range r.Read(context.Background(), "entity", nil).All() {
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				close(stop)
				<-done
				if count != n {
					b.Fatalf("read %d, want %d", count, n)
				}
				perFile = float64(peak.Load()-min(peak.Load(), base)) / float64(n)
			}
			b.ReportMetric(perFile, "peak-B/file")
		})
	}
}
