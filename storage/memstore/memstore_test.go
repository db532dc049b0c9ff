package memstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
	"github.com/ledgersink/ledgersink/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memstore.New(nil) })
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
