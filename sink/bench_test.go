package sink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/filestore"
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
				dir := filepath.Join(fresh(b), sinktest.DemoEntityID)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
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
					name := sink.FileName{Event: sink.EntryInserted, Offset: int64(i), Time: at}.String()
					writeFile(b, dir, name, data)
					i++
					if i%512 == 0 {
						peak = max(peak, heapInUse())
					}
				}
				events += int64(i)
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
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
