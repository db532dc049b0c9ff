package sink_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
// what it must not exceed: writing the missing half (a fresh
// initialization of 50,025 events) plus one listing of the folder of
// 100,025 files. Each resume starts from a fresh copy of the interrupted
// run's files, made with the timer stopped.
//
//	go test -run '^$' -bench 'InitializeResume' -benchtime 3x -count 1 ./sink/
func BenchmarkInitializeResume(b *testing.B) {
	const perExercise = 50_000 // 2023 and 2024 in scope: 100,025 events
	ctx := context.Background()
	root := b.TempDir()
	clock := func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }
	company := func(n int) *sink.Initialization {
		return sinktest.Company(&sinktest.CompanyOptions{EntriesPerExercise: n})
	}

	// The interrupted run: the whole initialization in memory, of which the
	// first half of the events and the start record are copied to disk.
	tmpl := memstore.New(nil)
	tw, _ := sink.NewWriter(tmpl, &sink.WriterOptions{Now: clock})
	full, err := tw.Initialize(ctx, company(perExercise), nil)
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
	interrupted := func(b *testing.B) string {
		dir, err := os.MkdirTemp(root, "run-")
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range written {
			path := filepath.Join(dir, filepath.FromSlash(f.key))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				b.Fatal(err)
			}
			writeFile(b, filepath.Dir(path), filepath.Base(path), f.data)
		}
		return dir
	}
	var complete string // a folder of 100,025 files, for the listing
	b.Run("resume-half", func(b *testing.B) {
		var created int64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dir := interrupted(b)
			store, err := filestore.New(dir, nil)
			if err != nil {
				b.Fatal(err)
			}
			w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: clock})
			b.StartTimer()
			res, err := w.Initialize(ctx, company(perExercise), nil)
			if err != nil {
				b.Fatal(err)
			}
			if res.Existing != int64(len(written)-1) || res.Created+res.Existing != full.Created {
				b.Fatalf("resume created %d, found %d; want %d found", res.Created, res.Existing, len(written)-1)
			}
			created += res.Created
			store.Close()
			complete = dir
		}
		b.ReportMetric(float64(created)/b.Elapsed().Seconds(), "created/s")
	})
	b.Run("write-half", func(b *testing.B) {
		var created int64
		for i := 0; i < b.N; i++ {
			dir, err := os.MkdirTemp(root, "run-")
			if err != nil {
				b.Fatal(err)
			}
			store, err := filestore.New(dir, nil)
			if err != nil {
				b.Fatal(err)
			}
			w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: clock})
			res, err := w.Initialize(ctx, company(perExercise/2), nil)
			if err != nil {
				b.Fatal(err)
			}
			created += res.Created
			store.Close()
		}
		b.ReportMetric(float64(created)/b.Elapsed().Seconds(), "created/s")
	})
	b.Run("list-full", func(b *testing.B) {
		if complete == "" {
			b.Skip("resume-half did not run")
		}
		store, err := filestore.New(complete, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		for b.Loop() {
			n := 0
			for _, err := range store.List(ctx, sinktest.DemoEntityID+"/") {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if int64(n) != full.Created+1 {
				b.Fatalf("%d files listed, want %d", n, full.Created+1)
			}
		}
	})
}
