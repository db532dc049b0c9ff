package capture_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

// benchDocs yields n small documents (accounts) in a scrambled id order, the
// version of every hundredth one bumped, with a new label, when changed is set.
func benchDocs(n int, changed bool) iter.Seq2[*document.Doc, error] {
	return func(yield func(*document.Doc, error) bool) {
		for i := range n {
			k := (i * 7919) % n // a permutation: 7919 is a prime not dividing n
			d := &document.Doc{Type: "account", ID: fmt.Sprintf("doc-%09d", k), Version: "1",
				Data:    &sink.Account{Number: fmt.Sprintf("6%07d", k), Label: fmt.Sprintf("Compte %d", k), Type: 1},
				Changed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
			if changed && k%100 == 0 {
				d.Version = "2"
				d.Data.(*sink.Account).Label += " (modifié)"
				d.Changed = d.Changed.Add(time.Hour)
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// discardEvents is a store that keeps everything in a file store but the
// entity's event files, which it counts and drops: the benchmarks measure
// capture, not the writing of a million small files.
type discardEvents struct {
	storage.Store
	mu     sync.Mutex
	events int
}

func (s *discardEvents) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if strings.HasPrefix(key, entity+"/") {
		_, err := io.Copy(io.Discard, r)
		s.mu.Lock()
		s.events++
		s.mu.Unlock()
		return err
	}
	return s.Store.Put(ctx, key, r, opts)
}

// peakHeap samples the live heap until stop is called, and returns its peak
// in MiB.
func peakHeap() (stop func() float64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		return float64(peak) / (1 << 20)
	}
}

func benchSizes() []int {
	if testing.Short() {
		return []int{10_000}
	}
	return []int{10_000, 100_000, 1_000_000}
}

// BenchmarkSync measures a first sync (every document inserted) and a
// second one (1 % changed) of n documents, with the snapshot in a file store
// and the events encoded but dropped. peak-heap-MiB is the live heap's peak
// during the sync: it stays flat as n grows (SortBuffer bounds it).
func BenchmarkSync(b *testing.B) {
	for _, n := range benchSizes() {
		for _, second := range []bool{false, true} {
			name := fmt.Sprintf("first/docs=%d", n)
			if second {
				name = fmt.Sprintf("second/docs=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				var peak float64
				for b.Loop() {
					b.StopTimer()
					fs, err := filestore.New(b.TempDir(), nil)
					if err != nil {
						b.Fatal(err)
					}
					s := &discardEvents{Store: fs}
					c := newCapture(b, s, nil)
					if second {
						if _, err := c.Sync(context.Background(), benchDocs(n, false), nil); err != nil {
							b.Fatal(err)
						}
					}
					runtime.GC()
					stop := peakHeap()
					b.StartTimer()
					res, err := c.Sync(context.Background(), benchDocs(n, second), nil)
					b.StopTimer()
					peak = max(peak, stop())
					if err != nil {
						b.Fatal(err)
					}
					if want := n; !second && res.Events != want || second && res.Events != n/100 {
						b.Fatalf("%d events", res.Events)
					}
					fs.Close()
					b.StartTimer()
				}
				b.ReportMetric(peak, "peak-heap-MiB")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			})
		}
	}
}

// BenchmarkSyncCeiling does the same work the plainest way, all in memory:
// the snapshot as a map, diffed with the previous map, the events encoded,
// the whole snapshot marshalled with encoding/json and written with
// os.WriteFile. It is faster, and its heap grows with n.
func BenchmarkSyncCeiling(b *testing.B) {
	type rec struct {
		Type, Version string
		Data          *sink.Account
	}
	snap := func(docs iter.Seq2[*document.Doc, error]) map[string]rec {
		m := map[string]rec{}
		for d := range docs {
			m[d.ID] = rec{d.Type, d.Version, d.Data.(*sink.Account)}
		}
		return m
	}
	for _, n := range benchSizes() {
		for _, second := range []bool{false, true} {
			name := fmt.Sprintf("first/docs=%d", n)
			if second {
				name = fmt.Sprintf("second/docs=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				var peak float64
				for b.Loop() {
					b.StopTimer()
					path := filepath.Join(b.TempDir(), "snapshot.json")
					old := map[string]rec{}
					if second {
						old = snap(benchDocs(n, false))
					}
					runtime.GC()
					stop := peakHeap()
					b.StartTimer()
					cur := snap(benchDocs(n, second))
					events := 0
					for id, r := range cur {
						o, ok := old[id]
						if ok && o.Version == r.Version {
							continue
						}
						ev := &sink.Event{Name: sink.AccountInserted, Envelope: sink.Envelope{ApplicationID: "a", EntityID: entity, ID: id}, Data: r.Data}
						if ok {
							changed, err := sink.Changes(o.Data, r.Data)
							if err != nil {
								b.Fatal(err)
							}
							ev.Name, ev.Changed = sink.AccountUpdated, changed
						}
						if _, err := ev.Encode(); err != nil {
							b.Fatal(err)
						}
						events++
					}
					data, err := json.Marshal(cur)
					if err != nil {
						b.Fatal(err)
					}
					if err := os.WriteFile(path, data, 0o644); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					peak = max(peak, stop())
					b.StartTimer()
				}
				b.ReportMetric(peak, "peak-heap-MiB")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			})
		}
	}
}
