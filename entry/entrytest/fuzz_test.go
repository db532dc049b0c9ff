package entrytest_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry/entrytest"
	"github.com/ledgersink/ledgersink/period"
)

// FuzzRandom explores seeds and options: whatever they are, Random returns a
// valid entry within the bounds it documents.
func FuzzRandom(f *testing.F) {
	f.Add(uint64(0), uint64(0), 0, 0, 0, 0)
	f.Add(uint64(1), uint64(2), 2, 2, 0, 0)
	f.Add(uint64(3), uint64(4), 20, 3, 10, -10)
	f.Add(uint64(5), uint64(6), -5, 40, 3650, 1)
	f.Fuzz(func(t *testing.T, s1, s2 uint64, minLines, maxLines, fromDays, spanDays int) {
		// Keep sizes small: the generator builds what it is asked for.
		minLines, maxLines = minLines%64, maxLines%64
		start := period.Date{Year: 2000, Month: time.January, Day: 1}
		opts := &entrytest.RandomOptions{
			MinMovements: minLines,
			MaxMovements: maxLines,
			From:         start.AddDays(fromDays % 20000),
			To:           start.AddDays(fromDays%20000 + spanDays%20000),
		}
		e := entrytest.Random(rand.New(rand.NewPCG(s1, s2)), opts)
		if err := e.Validate(nil); err != nil {
			t.Fatalf("Random(%+v) is not valid: %v", opts, err)
		}
		lo := max(minLines, 2)
		hi := maxLines
		if hi == 0 {
			hi = max(8, lo)
		}
		hi = max(hi, lo)
		if n := len(e.Movements); n < lo || n > hi {
			t.Fatalf("Random(%+v): %d lines, want %d to %d", opts, n, lo, hi)
		}
	})
}
