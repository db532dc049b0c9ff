package sink_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/cputime"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// BenchmarkFirstUse measures what a writer's first offset for an entity
// costs: one listing of the entity's folder, here 100,000 event files in a
// filestore, then a reservation and the event's file. Beside it, the same
// writer's next event (no listing), and the ceiling of the listing:
// os.ReadDir of the same folder.
//
//	go test -run '^$' -bench 'FirstUse' -count 3 ./sink/
func BenchmarkFirstUse(b *testing.B) {
	const files = 100_000
	ctx := context.Background()
	root := b.TempDir()
	dir := filepath.Join(root, sinktest.DemoEntityID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	data := []byte(`{"timestamp":1,"application_id":"a","entite_id":"` + sinktest.DemoEntityID + `","id":"acc"}`)
	for i := range files {
		writeFile(b, dir, sink.FileName{Event: sink.AccountDeleted, Offset: int64(i), Time: at}.String(), data)
	}
	store, err := filestore.New(root, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ev := accountDeleted(1)
	b.Run("first-write", func(b *testing.B) {
		for b.Loop() {
			// State in memory: each writer starts from the folder alone.
			w, _ := sink.NewWriter(store, &sink.WriterOptions{StateStore: memstore.New(nil)})
			res, err := w.Write(ctx, ev)
			if err != nil {
				b.Fatal(err)
			}
			if res.Files[0].Name.Offset < files {
				b.Fatalf("offset %d, want above the folder's", res.Files[0].Name.Offset)
			}
		}
	})
	b.Run("next-write", func(b *testing.B) {
		// Into another entity's folder, so that the measured folder does
		// not grow.
		other := accountDeleted(1)
		other.EntityID = "other"
		w, _ := sink.NewWriter(store, &sink.WriterOptions{StateStore: memstore.New(nil), OffsetBlock: 1 << 40})
		if _, err := w.Write(ctx, other); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := w.Write(ctx, other); err != nil {
				b.Fatal(err)
			}
		}
	})
	readDir := func(b *testing.B) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(entries) < files {
			b.Fatalf("%d entries", len(entries))
		}
	}
	b.Run("ceiling-readdir", func(b *testing.B) {
		for b.Loop() {
			readDir(b)
		}
	})
	// Both in turn, so that they see the same load: the ratio of their
	// times.
	b.Run("interleaved", func(b *testing.B) {
		var sdk, ceiling time.Duration
		for b.Loop() {
			t0 := time.Now()
			w, _ := sink.NewWriter(store, &sink.WriterOptions{StateStore: memstore.New(nil)})
			if _, err := w.Write(ctx, ev); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			readDir(b)
			sdk, ceiling = sdk+t1.Sub(t0), ceiling+time.Since(t1)
		}
		b.ReportMetric(float64(sdk)/float64(ceiling), "sdk/ceiling")
	})
}

// BenchmarkInitializeResume resumes an initialization of 100,025 events
// into a filestore, half of them written by an interrupted run, beside
// what it must not exceed: writing the missing half plus one listing of
// the folder. The missing half is written by a fresh initialization of
// 50,025 events into a folder that already holds the 50,012 files of the
// first half under another namespace (so that the directory is as large),
// and the listing is a List of the complete folder. Each iteration runs
// the three in turn, so that they see the same load (resume and write
// alternately first), each on a fresh copy of the files (made untimed), and reports their times and the ratio
// resume / (write + list); plainly (atomic files), and durably (filestore
// Sync and the writer's group commits).
//
//	go test -run '^$' -bench 'InitializeResume' -benchtime 3x -count 1 ./sink/
func BenchmarkInitializeResume(b *testing.B) {
	const perExercise = 50_000 // 2023 and 2024 in scope: 100,025 events
	ctx := context.Background()
	root := b.TempDir()
	clock := func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }
	// The demo company with n entries per exercise, its entries held in
	// memory, so that streaming the sources again (which a resumed run
	// does and the fresh one does not) costs next to nothing: what is
	// measured is the SDK's work, not the sources'.
	company := func(n int) *sink.Initialization {
		in := sinktest.Company(&sinktest.CompanyOptions{EntriesPerExercise: n})
		var recs []sink.Record[*entry.Entry]
		for rec, err := range in.Sources.Entries {
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, rec)
		}
		in.Sources.Entries = sink.SliceSource(recs)
		return in
	}
	whole, missing := company(perExercise), company(perExercise/2)

	// The interrupted run: the whole initialization in memory, of which the
	// first half of the events and the start record are copied to disk.
	tmpl := memstore.New(nil)
	tw, _ := sink.NewWriter(tmpl, &sink.WriterOptions{Now: clock})
	full, err := tw.Initialize(ctx, whole, nil)
	if err != nil {
		b.Fatal(err)
	}
	half := full.FirstOffset + full.Created/2
	type file struct {
		key  string
		data []byte
	}
	var written []file
	for key, err := range storage.Keys(ctx, tmpl, "") {
		if err != nil {
			b.Fatal(err)
		}
		entity, name, _ := strings.Cut(key, "/")
		if entity == sinktest.DemoEntityID {
			if f, err := sink.ParseFileName(name); err != nil || f.Offset >= half {
				continue // the report, and the second half
			}
		} else if !strings.HasSuffix(key, "/started.json") {
			continue
		}
		data, err := storage.ReadAll(ctx, tmpl, key)
		if err != nil {
			b.Fatal(err)
		}
		written = append(written, file{key, data})
	}
	const otherNS = "other.namespace"
	// copyFirstHalf copies the interrupted run's files to a fresh folder;
	// with other, its events under another namespace and without the
	// record.
	copyFirstHalf := func(b *testing.B, other bool) string {
		dir, err := os.MkdirTemp(root, "run-")
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range written {
			path := filepath.Join(dir, filepath.FromSlash(f.key))
			name := filepath.Base(path)
			if other {
				if !strings.HasPrefix(name, sink.DefaultNamespace+".") {
					continue
				}
				name = otherNS + strings.TrimPrefix(name, sink.DefaultNamespace)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				b.Fatal(err)
			}
			writeFile(b, filepath.Dir(path), name, f.data)
		}
		return dir
	}
	for _, durable := range []bool{false, true} {
		name := "plain"
		if durable {
			name = "durable" // filestore Sync, group commits
		}
		b.Run(name, func(b *testing.B) {
			open := func(b *testing.B, dir string) (*filestore.Store, *sink.Writer) {
				store, err := filestore.New(dir, &filestore.Options{Sync: durable})
				if err != nil {
					b.Fatal(err)
				}
				w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: clock, Durable: durable})
				return store, w
			}
			var resume, write, list, resumeCPU, writeCPU time.Duration
			var created int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				resumeDir, writeDir := copyFirstHalf(b, false), copyFirstHalf(b, true)
				// Flush the copies, so that the first durable commit of
				// either does not pay for them.
				_ = exec.Command("sync").Run()
				b.StartTimer()

				runResume := func() {
					store, w := open(b, resumeDir)
					t0, c0 := time.Now(), cputime.Process()
					res, err := w.Initialize(ctx, whole, nil)
					if err != nil {
						b.Fatal(err)
					}
					resume += time.Since(t0)
					resumeCPU += cputime.Process() - c0
					if res.Existing != int64(len(written)-1) || res.Created+res.Existing != full.Created {
						b.Fatalf("resume created %d, found %d; want %d found", res.Created, res.Existing, len(written)-1)
					}
					created += res.Created

					t0 = time.Now()
					n := 0
					for _, err := range store.List(ctx, sinktest.DemoEntityID+"/") {
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					list += time.Since(t0)
					if int64(n) != full.Created+1 {
						b.Fatalf("%d files listed, want %d", n, full.Created+1)
					}
					store.Close()
				}
				runWrite := func() {
					store, w := open(b, writeDir)
					t0, c0 := time.Now(), cputime.Process()
					if _, err := w.Initialize(ctx, missing, nil); err != nil {
						b.Fatal(err)
					}
					write += time.Since(t0)
					writeCPU += cputime.Process() - c0
					store.Close()
				}
				// Alternate which goes first, so that neither always runs
				// right after the copies are flushed.
				if i%2 == 0 {
					runResume()
					runWrite()
				} else {
					runWrite()
					runResume()
				}
			}
			secs := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
			b.ReportMetric(secs(resume), "resume-s")
			b.ReportMetric(secs(write), "write-half-s")
			b.ReportMetric(secs(list), "list-s")
			b.ReportMetric(secs(resumeCPU), "resume-cpu-s")
			b.ReportMetric(secs(writeCPU), "write-half-cpu-s")
			b.ReportMetric(float64(resume)/float64(write+list), "resume/(write+list)")
			b.ReportMetric(float64(created)/resume.Seconds(), "resume-created/s")
		})
	}
}
