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
	"time"

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
// goroutines on the 2 cores of the CI box; each put writes files files.
func runWriters(b *testing.B, writers, files int, put func(i int64) error) {
	b.SetBytes(int64(files * len(payload)))
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
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
}

type putCase struct {
	name       string
	sync       bool
	writers    int
	createOnly bool // Put with IfNotExist (the sink's writes); the ceiling still renames
}

var putCases = []putCase{
	{"nosync/writers=1", false, 1, false},
	{"nosync/writers=8", false, 8, false},
	{"sync/writers=1", true, 1, false},
	{"sync/writers=8", true, 8, false},
}

// BenchmarkPut measures filestore's Put of 1 KiB objects (".../filestore")
// beside its ceiling (".../ceiling"): the same atomic write done the
// plainest way, os.CreateTemp in the target directory, write, (fsync),
// close, os.Rename, (fsync of the directory). Each pair runs back to back,
// so their ratio holds even when the machine's load drifts.
func BenchmarkPut(b *testing.B) {
	for _, c := range putCases {
		b.Run(c.name+"/filestore", func(b *testing.B) {
			s := benchStore(b, &filestore.Options{Sync: c.sync})
			ctx := context.Background()
			runWriters(b, c.writers, 1, func(i int64) error {
				return s.Put(ctx, benchKey(i), bytes.NewReader(payload), nil)
			})
		})
		b.Run(c.name+"/ceiling", func(b *testing.B) { putCeiling(b, c) })
	}
	// Create-only: renameat2(RENAME_NOREPLACE) on Linux, a hard link and an
	// unlink elsewhere, instead of a rename.
	b.Run("create-only/nosync/writers=1/filestore", func(b *testing.B) {
		s := benchStore(b, nil)
		ctx := context.Background()
		opts := &storage.PutOptions{IfNotExist: true}
		runWriters(b, 1, 1, func(i int64) error {
			return s.Put(ctx, benchKey(i), bytes.NewReader(payload), opts)
		})
	})
	b.Run("create-only/nosync/writers=1/ceiling", func(b *testing.B) { putCeiling(b, putCases[0]) })
}

// BenchmarkPutRatio interleaves filestore's Put and its ceiling op by op,
// alternating which goes first, in sibling directories, and reports each
// one's mean time and filestore's throughput as a percentage of the
// ceiling's ("%ceiling"). Interleaving cancels the drift of a shared
// machine (load, and the slow file creation that follows mass deletions),
// which separate benchmarks cannot. The create-only case is what the sink
// writer does; its ceiling is the same plain rename as the others.
func BenchmarkPutRatio(b *testing.B) {
	cases := append(putCases[:len(putCases):len(putCases)], putCase{"create-only/nosync/writers=1", false, 1, true})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := benchStore(b, &filestore.Options{Sync: c.sync})
			root := freshDir(b)
			ctx := context.Background()
			var opts *storage.PutOptions
			if c.createOnly {
				opts = &storage.PutOptions{IfNotExist: true}
			}
			var mu sync.Mutex
			made := map[string]bool{}
			var fsNs, ceilNs atomic.Int64
			fsPut := func(i int64) error {
				t0 := time.Now()
				err := s.Put(ctx, benchKey(i), bytes.NewReader(payload), opts)
				fsNs.Add(int64(time.Since(t0)))
				return err
			}
			ceilPut := func(i int64) error {
				t0 := time.Now()
				err := plainPut(root, benchKey(i), c.sync, &mu, made)
				ceilNs.Add(int64(time.Since(t0)))
				return err
			}
			runWriters(b, c.writers, 2, func(i int64) error {
				first, second := fsPut, ceilPut
				if i%2 == 1 {
					first, second = ceilPut, fsPut
				}
				if err := first(i); err != nil {
					return err
				}
				return second(i)
			})
			fs, ceil := float64(fsNs.Load())/float64(b.N), float64(ceilNs.Load())/float64(b.N)
			b.ReportMetric(fs, "filestore-ns/op")
			b.ReportMetric(ceil, "ceiling-ns/op")
			b.ReportMetric(100*ceil/fs, "%ceiling")
		})
	}
}

// plainPut is the ceiling of a Put: os.CreateTemp in the target directory,
// write, (fsync), close, os.Rename, (fsync of the directory).
func plainPut(root, key string, sync bool, mu *sync.Mutex, made map[string]bool) error {
	name := filepath.Join(root, filepath.FromSlash(key))
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
	if sync {
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
	if sync {
		return syncDir(dir)
	}
	return nil
}

func benchStore(b *testing.B, opts *filestore.Options) *filestore.Store {
	s, err := filestore.New(freshDir(b), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func putCeiling(b *testing.B, c putCase) {
	root := freshDir(b)
	var mu sync.Mutex
	made := map[string]bool{}
	runWriters(b, c.writers, 1, func(i int64) error { return plainPut(root, benchKey(i), c.sync, &mu, made) })
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

// BenchmarkList lists 20,000 keys of one directory: Keys (no stat) beside
// os.ReadDir, and List (a stat per file) beside os.ReadDir plus
// DirEntry.Info.
func BenchmarkList(b *testing.B) {
	root := listFixture(b)
	s, err := filestore.New(root, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	dir := filepath.Join(root, "e")
	loop := func(b *testing.B, list func() int) {
		b.ReportAllocs()
		for b.Loop() {
			if n := list(); n != listN {
				b.Fatalf("listed %d, want %d", n, listN)
			}
		}
		b.ReportMetric(float64(listN*b.N)/b.Elapsed().Seconds(), "keys/s")
	}
	b.Run("Keys/filestore", func(b *testing.B) {
		loop(b, func() int {
			n := 0
			for _, err := range s.Keys(ctx, "e/") {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			return n
		})
	})
	b.Run("Keys/ceiling", func(b *testing.B) {
		loop(b, func() int {
			es, err := os.ReadDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			return len(es)
		})
	})
	b.Run("List/filestore", func(b *testing.B) {
		loop(b, func() int {
			n := 0
			for _, err := range s.List(ctx, "e/") {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			return n
		})
	})
	b.Run("List/ceiling", func(b *testing.B) {
		loop(b, func() int {
			es, err := os.ReadDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range es {
				if _, err := e.Info(); err != nil {
					b.Fatal(err)
				}
			}
			return len(es)
		})
	})
}

// BenchmarkFirstPut measures a Store's first write into an existing
// directory of 100,000 files: New, the Put (which creates the lock file,
// sweeps the root and lists the directory once, names only) and Close.
// Beside it: a later Put of an open Store into the same directory (no
// listing), and os.ReadDir of the directory (a listing with types).
func BenchmarkFirstPut(b *testing.B) {
	const n = 100_000
	root := freshDir(b)
	dir := filepath.Join(root, "e")
	os.Mkdir(dir, 0o755)
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d.json", i)), []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			s, err := filestore.New(root, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Put(ctx, "e/x", bytes.NewReader(payload), nil); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("later", func(b *testing.B) {
		s, err := filestore.New(root, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		s.Put(ctx, "e/x", bytes.NewReader(payload), nil)
		for b.Loop() {
			if err := s.Put(ctx, "e/x", bytes.NewReader(payload), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("readdir-ceiling", func(b *testing.B) {
		for b.Loop() {
			if es, err := os.ReadDir(dir); err != nil || len(es) < n {
				b.Fatal(len(es), err)
			}
		}
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

// BenchmarkPutBatch measures filestore's durable group commit
// (Options.Sync) of 100 objects of 1 KiB per op, beside the same group
// commit written plainly (".../ceiling": temp files, one syncfs, renames,
// one directory fsync), and with Options.NoSyncfs beside a plain fsync per
// file ("fsync-per-file", what durable writing costs without syncfs).
func BenchmarkPutBatch(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts *storage.PutOptions
	}{{"overwrite", nil}, {"create-only", &storage.PutOptions{IfNotExist: true}}} {
		b.Run(tc.name+"/filestore", func(b *testing.B) {
			s := benchStore(b, &filestore.Options{Sync: true})
			ctx := context.Background()
			batchLoop(b, func(objs []storage.BatchObject) error { return s.PutBatch(ctx, objs, tc.opts) })
		})
		b.Run(tc.name+"/ceiling", groupCommitCeiling)
	}
	b.Run("fsync-per-file/filestore", func(b *testing.B) {
		s := benchStore(b, &filestore.Options{Sync: true, NoSyncfs: true})
		ctx := context.Background()
		batchLoop(b, func(objs []storage.BatchObject) error { return s.PutBatch(ctx, objs, nil) })
	})
	b.Run("fsync-per-file/ceiling", func(b *testing.B) {
		root := freshDir(b)
		batchLoop(b, func(objs []storage.BatchObject) error {
			dirs := map[string]bool{}
			for _, o := range objs {
				dir := filepath.Join(root, filepath.Dir(o.Key))
				if !dirs[dir] {
					os.MkdirAll(dir, 0o755)
					dirs[dir] = true
				}
				f, err := os.CreateTemp(dir, ".tmp-")
				if err != nil {
					return err
				}
				f.Write(o.Data)
				f.Sync()
				f.Close()
				if err := os.Rename(f.Name(), filepath.Join(root, o.Key)); err != nil {
					return err
				}
			}
			for d := range dirs {
				if err := syncDir(d); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func batchLoop(b *testing.B, put func([]storage.BatchObject) error) {
	b.SetBytes(int64(batchSize * len(payload)))
	b.ReportAllocs()
	var next int64
	for b.Loop() {
		if err := put(batchObjects(next)); err != nil {
			b.Fatal(err)
		}
		next += batchSize
	}
	b.ReportMetric(float64(batchSize*b.N)/b.Elapsed().Seconds(), "files/s")
}

func groupCommitCeiling(b *testing.B) {
	root := freshDir(b)
	rootDir, err := os.Open(root)
	if err != nil {
		b.Fatal(err)
	}
	defer rootDir.Close()
	batchLoop(b, func(objs []storage.BatchObject) error { return plainGroupCommit(root, rootDir, objs) })
}

// plainGroupCommit is the ceiling of a durable PutBatch: temporary files
// written with os.CreateTemp, one syncfs, os.Rename of each, one fsync per
// directory.
func plainGroupCommit(root string, rootDir *os.File, objs []storage.BatchObject) error {
	temps := make([]string, len(objs))
	dirs := map[string]bool{}
	for j, o := range objs {
		dir := filepath.Join(root, filepath.Dir(o.Key))
		if !dirs[dir] {
			os.MkdirAll(dir, 0o755)
			dirs[dir] = true
		}
		f, err := os.CreateTemp(dir, ".tmp-")
		if err != nil {
			return err
		}
		f.Write(o.Data)
		f.Close()
		temps[j] = f.Name()
	}
	if err := plainSyncfs(rootDir); err != nil {
		return err
	}
	for j, o := range objs {
		if err := os.Rename(temps[j], filepath.Join(root, o.Key)); err != nil {
			return err
		}
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// interleave runs fsOp and ceilOp alternately (alternating which goes
// first) for b.N rounds and reports their mean times and fsOp's throughput
// as a percentage of ceilOp's ("%ceiling"); see BenchmarkPutRatio.
func interleave(b *testing.B, fsOp, ceilOp func(i int64) error) {
	b.ReportAllocs()
	var fsNs, ceilNs time.Duration
	var i int64
	for b.Loop() {
		for k := range 2 {
			op, acc := fsOp, &fsNs
			if (i+int64(k))%2 == 1 {
				op, acc = ceilOp, &ceilNs
			}
			t0 := time.Now()
			if err := op(i); err != nil {
				b.Fatal(err)
			}
			*acc += time.Since(t0)
		}
		i++
	}
	fs, ceil := float64(fsNs)/float64(b.N), float64(ceilNs)/float64(b.N)
	b.ReportMetric(fs, "filestore-ns/op")
	b.ReportMetric(ceil, "ceiling-ns/op")
	b.ReportMetric(100*ceil/fs, "%ceiling")
}

// BenchmarkPutBatchRatio interleaves filestore's durable group commit of 100
// objects with the plain group commit, batch by batch.
func BenchmarkPutBatchRatio(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts *storage.PutOptions
	}{{"overwrite", nil}, {"create-only", &storage.PutOptions{IfNotExist: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			s := benchStore(b, &filestore.Options{Sync: true})
			ctx := context.Background()
			root := freshDir(b)
			rootDir, err := os.Open(root)
			if err != nil {
				b.Fatal(err)
			}
			defer rootDir.Close()
			b.SetBytes(int64(2 * batchSize * len(payload)))
			interleave(b,
				func(i int64) error { return s.PutBatch(ctx, batchObjects(i*batchSize), tc.opts) },
				func(i int64) error { return plainGroupCommit(root, rootDir, batchObjects(i*batchSize)) })
		})
	}
}

// BenchmarkListRatio interleaves Keys with os.ReadDir, and List with
// os.ReadDir plus DirEntry.Info, over the same 20,000 files.
func BenchmarkListRatio(b *testing.B) {
	root := listFixture(b)
	s, err := filestore.New(root, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	dir := filepath.Join(root, "e")
	count := func(seq func(yield func(string, error) bool)) error {
		n := 0
		for _, err := range seq {
			if err != nil {
				return err
			}
			n++
		}
		if n != listN {
			return fmt.Errorf("listed %d, want %d", n, listN)
		}
		return nil
	}
	readDir := func(info bool) error {
		es, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range es {
			if info {
				if _, err := e.Info(); err != nil {
					return err
				}
			}
		}
		if len(es) != listN {
			return fmt.Errorf("listed %d, want %d", len(es), listN)
		}
		return nil
	}
	b.Run("Keys", func(b *testing.B) {
		interleave(b,
			func(int64) error { return count(s.Keys(ctx, "e/")) },
			func(int64) error { return readDir(false) })
	})
	b.Run("List", func(b *testing.B) {
		interleave(b,
			func(int64) error {
				return count(func(yield func(string, error) bool) {
					for o, err := range s.List(ctx, "e/") {
						if !yield(o.Key, err) {
							return
						}
					}
				})
			},
			func(int64) error { return readDir(true) })
	})
}
