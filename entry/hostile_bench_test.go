package entry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/ledgersink/ledgersink/entry"
)

// emptyMovements returns {"movements":[{},{},...]} with n empty movements:
// 3 bytes of input for five problems (the five required keys of a
// movement). 30,000 movements make 88 KB, 100,000 make 293 KB.
func emptyMovements(n int) []byte {
	var b bytes.Buffer
	b.Grow(16 + 3*n)
	b.WriteString(`{"movements":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("{}")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// benchHostile runs fn on documents of 10k, 100k and 1M empty movements
// and reports the cost per movement, which stays flat when fn takes linear
// time.
func benchHostile(b *testing.B, fn func([]byte) error) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			data := emptyMovements(n)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if fn(data) == nil {
					b.Fatal("no problem reported")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/movement")
		})
	}
}

// BenchmarkHostileParse: entry.Parse of n empty movements (5n problems).
func BenchmarkHostileParse(b *testing.B) {
	benchHostile(b, func(data []byte) error { _, err := entry.Parse(data, nil); return err })
}

// BenchmarkHostileDecode: entry.Decode of n empty movements.
func BenchmarkHostileDecode(b *testing.B) {
	benchHostile(b, func(data []byte) error { _, err := entry.Decode(data); return err })
}

// BenchmarkHostileValidateJSON: entry.ValidateJSON of n empty movements.
func BenchmarkHostileValidateJSON(b *testing.B) {
	benchHostile(b, func(data []byte) error { return entry.ValidateJSON(data, nil) })
}

// BenchmarkHostileCeiling: encoding/json's decoder checking the same
// document (json.Valid), the plain-Go floor of any decoder.
func BenchmarkHostileCeiling(b *testing.B) {
	benchHostile(b, func(data []byte) error {
		if json.Valid(data) {
			return errValid
		}
		return nil
	})
}

var errValid = errors.New("valid")
