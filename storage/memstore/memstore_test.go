package memstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
	"github.com/ledgersink/ledgersink/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memstore.New(nil) })
}

// The store keeps its promises when every key has the same hash: the slots
// are found through their chain.
func TestConformanceCollidingKeys(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memstore.NewColliding() })
}

func TestModTimeFromOptions(t *testing.T) {
	at := time.Date(2024, 1, 30, 15, 17, 20, 186e6, time.UTC)
	opts := &memstore.Options{Now: func() time.Time { return at }}
	s := memstore.New(opts)
	if err := storage.WriteAll(t.Context(), s, "a", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	for o, err := range s.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		if !o.ModTime.Equal(at) {
			t.Errorf("ModTime = %v, want %v from Options.Now", o.ModTime, at)
		}
	}
}

// TestListAfterOutOfOrderPuts covers the lazy sort: keys appended in order,
// then out of order, then deleted, must still list sorted.
func TestListAfterOutOfOrderPuts(t *testing.T) {
	s := memstore.New(nil)
	ctx := t.Context()
	for _, k := range []string{"b", "c", "a", "e", "d"} {
		if err := storage.WriteAll(ctx, s, k, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for o, err := range s.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o.Key)
	}
	if fmt.Sprint(got) != "[a b d e]" {
		t.Errorf("List = %v, want [a b d e]", got)
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := storage.WriteAll(ctx, s, "f", nil, nil); err != nil {
		t.Fatal(err)
	}
	got = nil
	for o := range s.List(ctx, "") {
		got = append(got, o.Key)
	}
	if fmt.Sprint(got) != "[b d e f]" {
		t.Errorf("List = %v, want [b d e f]", got)
	}
}

func fill(b *testing.B, n int) *memstore.Store {
	s := memstore.New(nil)
	ctx := context.Background()
	for i := range n {
		// Keys written out of order, as a worst case for the lazy sort.
		k := fmt.Sprintf("entity/%05d.json", (i*7919)%n)
		if err := storage.WriteAll(ctx, s, k, []byte("{}"), nil); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkList lists 20,000 keys; its ceiling is ranging over a slice of
// the same objects.
func BenchmarkList(b *testing.B) {
	const n = 20000
	s := fill(b, n)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c := 0
		for _, err := range s.List(ctx, "") {
			if err != nil {
				b.Fatal(err)
			}
			c++
		}
		if c != n {
			b.Fatalf("listed %d", c)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "keys/s")
}

func BenchmarkListCeiling(b *testing.B) {
	const n = 20000
	objs := make([]storage.Object, n)
	for i := range objs {
		objs[i] = storage.Object{Key: fmt.Sprintf("entity/%05d.json", i), Size: 2}
	}
	b.ReportAllocs()
	for b.Loop() {
		cp := make([]storage.Object, 0, len(objs))
		cp = append(cp, objs...)
		c := 0
		for range cp {
			c++
		}
		if c != n {
			b.Fatal(c)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// shortLen is a reader whose Len counts fewer bytes than it holds.
type shortLen struct{ *strings.Reader }

func (r shortLen) Len() int { return r.Reader.Len() / 2 }

// longLen is a reader whose Len counts more bytes than it holds.
type longLen struct{ *strings.Reader }

func (r longLen) Len() int { return r.Reader.Len() + 3 }

// TestPutReadsToTheEnd: a reader that tells its length is read with one
// buffer of that size, yet what is stored is what it holds from where it
// stands to its end, whatever Len says.
func TestPutReadsToTheEnd(t *testing.T) {
	partly := bytes.NewReader([]byte("skipped:kept"))
	if _, err := partly.Seek(8, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		r       io.Reader
		want    string
		wantErr error
	}{
		{"bytes.Reader", bytes.NewReader([]byte("abc")), "abc", nil},
		{"bytes.Reader read in part", partly, "kept", nil},
		{"bytes.Buffer", bytes.NewBufferString("buffered"), "buffered", nil},
		{"empty", bytes.NewReader(nil), "", nil},
		{"Len too short", shortLen{strings.NewReader("0123456789")}, "0123456789", nil},
		{"Len too long", longLen{strings.NewReader("0123")}, "", io.ErrUnexpectedEOF},
		{"no Len", io.MultiReader(strings.NewReader("ab"), strings.NewReader("cd")), "abcd", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := memstore.New(nil)
			err := s.Put(t.Context(), "k", tc.r, nil)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Put = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if _, gerr := s.Get(t.Context(), "k"); !errors.Is(gerr, storage.ErrNotExist) {
					t.Errorf("after a failed Put, Get = %v, want ErrNotExist", gerr)
				}
				return
			}
			got, err := storage.ReadAll(t.Context(), s, "k")
			if err != nil || string(got) != tc.want {
				t.Errorf("stored %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// putKeys returns n keys shaped like a sink's: an entity folder of 36
// bytes, a file name of about 70.
func putKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%08d-0000-4000-8000-000000000000/ledgersink.account_inserted-%d-20240201T100000000Z.json", i%64, i)
	}
	return keys
}

// BenchmarkPut writes 250-byte objects under new keys from 8 goroutines (4
// per core here), create-only, as the Kafka consumer's workers do; each op
// is one Put, and the store is replaced every 100,000 keys. Its ceiling is
// a map under a mutex that copies each value.
func BenchmarkPut(b *testing.B) {
	benchPut(b, func() func(key string, value []byte) error {
		s := memstore.New(nil)
		opts := &storage.PutOptions{IfNotExist: true}
		return func(key string, value []byte) error {
			return s.Put(context.Background(), key, bytes.NewReader(value), opts)
		}
	})
}

func BenchmarkPutCeiling(b *testing.B) {
	benchPut(b, func() func(key string, value []byte) error {
		var mu sync.Mutex
		m := map[string][]byte{}
		return func(key string, value []byte) error {
			v := bytes.Clone(value)
			mu.Lock()
			defer mu.Unlock()
			m[key] = v
			return nil
		}
	})
}

func benchPut(b *testing.B, newStore func() func(key string, value []byte) error) {
	const perStore = 100_000
	keys := putKeys(perStore)
	value := bytes.Repeat([]byte("x"), 250)
	stores := make([]func(key string, value []byte) error, b.N/perStore+1)
	for i := range stores {
		stores[i] = newStore()
	}
	var next atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if err := stores[i/perStore](keys[i%perStore], value); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestListMatchesModel runs random puts, batches, deletes and lists, with
// keys of a few shapes, against a map: every List gives the model's keys
// under its prefix, in order, each with its size.
func TestListMatchesModel(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func() *memstore.Store
	}{{"hashed", func() *memstore.Store { return memstore.New(nil) }}, {"colliding", memstore.NewColliding}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			s, model := tc.new(), map[string]int{}
			ctx := t.Context()
			key := func() string { return fmt.Sprintf("%c/%d", 'a'+rng.IntN(4), rng.IntN(200)) }
			for step := range 5000 {
				switch op := rng.IntN(10); {
				case op < 4:
					k, size := key(), rng.IntN(5)
					if err := storage.WriteAll(ctx, s, k, bytes.Repeat([]byte("x"), size), nil); err != nil {
						t.Fatal(err)
					}
					model[k] = size
				case op < 5:
					var objs []storage.BatchObject
					seen := map[string]bool{}
					for range rng.IntN(6) {
						if k := key(); !seen[k] {
							seen[k] = true
							objs = append(objs, storage.BatchObject{Key: k, Data: []byte("yy")})
						}
					}
					if err := s.PutBatch(ctx, objs, nil); err != nil {
						t.Fatal(err)
					}
					for _, o := range objs {
						model[o.Key] = 2
					}
				case op < 8:
					k := key()
					err := s.Delete(ctx, k)
					if _, ok := model[k]; ok != (err == nil) {
						t.Fatalf("step %d: Delete(%q) = %v, in the model: %v", step, k, err, ok)
					}
					delete(model, k)
				default:
					prefix := []string{"", "a", "b/1", "c/", "d/19"}[rng.IntN(5)]
					var keys, want, got []string
					for k := range model {
						if strings.HasPrefix(k, prefix) {
							keys = append(keys, k)
						}
					}
					slices.Sort(keys)
					for _, k := range keys {
						want = append(want, fmt.Sprint(k, ":", model[k]))
					}
					for o, err := range s.List(ctx, prefix) {
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, fmt.Sprint(o.Key, ":", o.Size))
					}
					if !slices.Equal(got, want) {
						t.Fatalf("step %d: List(%q) =\n%v\nwant\n%v", step, prefix, got, want)
					}
				}
			}
		})
	}
}
