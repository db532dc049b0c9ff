package filestore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

// Benchmarks never delete files between samples (DESIGN.md: creating files
// soon after deleting many is 4-10x slower on this file system). Each
// benchmark run writes into a fresh sub-directory of one base directory,
// removed by TestMain once every benchmark is done.
var (
	benchOnce sync.Once
	benchBase string
	benchSeq  atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchBase != "" {
		os.RemoveAll(benchBase)
	}
	os.Exit(code)
}

// freshDir returns a new, empty directory that is not removed before the
// end of the process.
func freshDir(b *testing.B) string {
	benchOnce.Do(func() {
		var err error
		benchBase, err = os.MkdirTemp("", "filestore-bench-")
		if err != nil {
			panic(err)
		}
	})
	d := filepath.Join(benchBase, strconv.FormatInt(benchSeq.Add(1), 10))
	if err := os.Mkdir(d, 0o755); err != nil {
		b.Fatal(err)
	}
	return d
}

var payload = bytes.Repeat([]byte("x"), 1024)

// perDir is how many objects a benchmark puts in one directory before
// moving to the next, so that directories stay a realistic size.
const perDir = 2000

func benchKey(i int64) string {
	return fmt.Sprintf("e%04d/%08d.json", i/perDir, i)
}

// runWriters runs put(i) for b.N distinct i, with 1 writer, or with 8
// goroutines on the 2 cores of the CI box.
func runWriters(b *testing.B, writers int, put func(i int64) error) {
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	var next atomic.Int64
	if writers == 1 {
		for b.Loop() {
			if err := put(next.Add(1)); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism((writers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := put(next.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

type putCase struct {
	name    string
	sync    bool
	writers int
}

var putCases = []putCase{
	{"nosync/writers=1", false, 1},
	{"nosync/writers=8", false, 8},
	{"sync/writers=1", true, 1},
	{"sync/writers=8", true, 8},
}

// BenchmarkPut is filestore's Put of 1 KiB objects; BenchmarkPutCeiling does
// the same work the plainest way.
func BenchmarkPut(b *testing.B) {
	for _, c := range putCases {
		b.Run(c.name, func(b *testing.B) {
			s := benchStore(b, &filestore.Options{Sync: c.sync})
			ctx := context.Background()
			runWriters(b, c.writers, func(i int64) error {
				return s.Put(ctx, benchKey(i), bytes.NewReader(payload), nil)
			})
		})
	}
	// Create-only: a hard link and an unlink instead of a rename.
	b.Run("create-only/nosync/writers=1", func(b *testing.B) {
		s := benchStore(b, nil)
		ctx := context.Background()
		opts := &storage.PutOptions{IfNotExist: true}
		runWriters(b, 1, func(i int64) error {
			return s.Put(ctx, benchKey(i), bytes.NewReader(payload), opts)
		})
	})
}

func benchStore(b *testing.B, opts *filestore.Options) *filestore.Store {
	s, err := filestore.New(freshDir(b), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkPutCeiling: os.CreateTemp in the target directory, write, (fsync),
// close, os.Rename, (fsync the directory): the plainest atomic write.
func BenchmarkPutCeiling(b *testing.B) {
	for _, c := range putCases {
		b.Run(c.name, func(b *testing.B) {
			root := freshDir(b)
			var mu sync.Mutex
			made := map[string]bool{}
			runWriters(b, c.writers, func(i int64) error {
				name := filepath.Join(root, filepath.FromSlash(benchKey(i)))
				dir := filepath.Dir(name)
				mu.Lock()
				if !made[dir] {
					os.MkdirAll(dir, 0o755)
					made[dir] = true
				}
				mu.Unlock()
				f, err := os.CreateTemp(dir, ".tmp-")
				if err != nil {
					return err
				}
				if _, err := f.Write(payload); err != nil {
					return err
				}
				if c.sync {
					if err := f.Sync(); err != nil {
						return err
					}
				}
				if err := f.Close(); err != nil {
					return err
				}
				if err := os.Rename(f.Name(), name); err != nil {
					return err
				}
				if c.sync {
					return syncDir(dir)
				}
				return nil
			})
		})
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	return err
}

// ---- listing ----

const listN = 20000

var (
	listOnce  sync.Once
	listStore string
)

// listFixture returns a root holding listN 1-byte files in one directory,
// "e/00000.json" ..., created once per process.
func listFixture(b *testing.B) string {
	listOnce.Do(func() {
		listStore = freshDir(b)
		dir := filepath.Join(listStore, "e")
		os.Mkdir(dir, 0o755)
		for i := range listN {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d.json", i)), []byte("x"), 0o644); err != nil {
				panic(err)
			}
		}
	})
	return listStore
}

func BenchmarkList(b *testing.B) {
	root := listFixture(b)
	s, err := filestore.New(root, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.Run("Keys", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range s.Keys(ctx, "e/") {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != listN {
				b.Fatalf("listed %d", n)
			}
		}
		b.ReportMetric(float64(listN*b.N)/b.Elapsed().Seconds(), "keys/s")
	})
	b.Run("List", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range s.List(ctx, "e/") {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != listN {
				b.Fatalf("listed %d", n)
			}
		}
		b.ReportMetric(float64(listN*b.N)/b.Elapsed().Seconds(), "keys/s")
	})
}

// BenchmarkListCeiling: os.ReadDir (sorted names, no stat) for Keys, and
// os.ReadDir plus DirEntry.Info (one lstat per file) for List.
func BenchmarkListCeiling(b *testing.B) {
	dir := filepath.Join(listFixture(b), "e")
	b.Run("Keys", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			es, err := os.ReadDir(dir)
			if err != nil || len(es) != listN {
				b.Fatal(err, len(es))
			}
		}
		b.ReportMetric(float64(listN*b.N)/b.Elapsed().Seconds(), "keys/s")
	})
	b.Run("List", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			es, err := os.ReadDir(dir)
			if err != nil || len(es) != listN {
				b.Fatal(err, len(es))
			}
			for _, e := range es {
				if _, err := e.Info(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(listN*b.N)/b.Elapsed().Seconds(), "keys/s")
	})
}

// ---- durable batches ----

const batchSize = 100

func batchObjects(start int64) []storage.BatchObject {
	objs := make([]storage.BatchObject, batchSize)
	for j := range objs {
		objs[j] = storage.BatchObject{Key: benchKey(start + int64(j)), Data: payload}
	}
	return objs
}

// BenchmarkPutBatch is filestore's durable group commit (Options.Sync) of
// 100 objects of 1 KiB per op; BenchmarkPutBatchCeiling writes the same
// group commit plainly, and fsync per file.
func BenchmarkPutBatch(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts *storage.PutOptions
	}{{"overwrite", nil}, {"create-only", &storage.PutOptions{IfNotExist: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			s := benchStore(b, &filestore.Options{Sync: true})
			ctx := context.Background()
			b.SetBytes(int64(batchSize * len(payload)))
			b.ReportAllocs()
			var next int64
			for b.Loop() {
				if err := s.PutBatch(ctx, batchObjects(next), tc.opts); err != nil {
					b.Fatal(err)
				}
				next += batchSize
			}
			b.ReportMetric(float64(batchSize*b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

func BenchmarkPutBatchCeiling(b *testing.B) {
	b.Run("groupcommit", func(b *testing.B) {
		root := freshDir(b)
		rootDir, err := os.Open(root)
		if err != nil {
			b.Fatal(err)
		}
		defer rootDir.Close()
		b.SetBytes(int64(batchSize * len(payload)))
		b.ReportAllocs()
		var next int64
		temps := make([]string, batchSize)
		for b.Loop() {
			objs := batchObjects(next)
			next += batchSize
			dirs := map[string]bool{}
			for j, o := range objs {
				dir := filepath.Join(root, filepath.Dir(o.Key))
				if !dirs[dir] {
					os.MkdirAll(dir, 0o755)
					dirs[dir] = true
				}
				f, err := os.CreateTemp(dir, ".tmp-")
				if err != nil {
					b.Fatal(err)
				}
				f.Write(o.Data)
				f.Close()
				temps[j] = f.Name()
			}
			if err := plainSyncfs(rootDir); err != nil {
				b.Fatal(err)
			}
			for j, o := range objs {
				if err := os.Rename(temps[j], filepath.Join(root, o.Key)); err != nil {
					b.Fatal(err)
				}
			}
			for d := range dirs {
				if err := syncDir(d); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(batchSize*b.N)/b.Elapsed().Seconds(), "files/s")
	})
	b.Run("fsync-per-file", func(b *testing.B) {
		root := freshDir(b)
		b.SetBytes(int64(batchSize * len(payload)))
		b.ReportAllocs()
		var next int64
		for b.Loop() {
			objs := batchObjects(next)
			next += batchSize
			dirs := map[string]bool{}
			for _, o := range objs {
				dir := filepath.Join(root, filepath.Dir(o.Key))
				if !dirs[dir] {
					os.MkdirAll(dir, 0o755)
					dirs[dir] = true
				}
				f, err := os.CreateTemp(dir, ".tmp-")
				if err != nil {
					b.Fatal(err)
				}
				f.Write(o.Data)
				f.Sync()
				f.Close()
				if err := os.Rename(f.Name(), filepath.Join(root, o.Key)); err != nil {
					b.Fatal(err)
				}
			}
			for d := range dirs {
				syncDir(d)
			}
		}
		b.ReportMetric(float64(batchSize*b.N)/b.Elapsed().Seconds(), "files/s")
	})
}
