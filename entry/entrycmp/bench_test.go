package entrycmp_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
)

// BenchmarkEqualOptions compares two equal entries with the recommended
// options, as a test assertion does.
func BenchmarkEqualOptions(b *testing.B) {
	x, y := base(), base()
	opts := entrycmp.Options()
	b.ReportAllocs()
	for b.Loop() {
		if !cmp.Equal(x, y, opts) {
			b.Fatal("not equal")
		}
	}
}

// BenchmarkEqualCeiling is the plainest comparison, reflect.DeepEqual, which
// compares amounts by representation and cannot ignore anything.
func BenchmarkEqualCeiling(b *testing.B) {
	x, y := base(), base()
	b.ReportAllocs()
	for b.Loop() {
		if !reflect.DeepEqual(x, y) {
			b.Fatal("not equal")
		}
	}
}

// BenchmarkEqualNoOptions is cmp.Equal without options, to show what the
// options themselves cost.
func BenchmarkEqualNoOptions(b *testing.B) {
	x, y := base(), base()
	b.ReportAllocs()
	for b.Loop() {
		if !cmp.Equal(x, y) {
			b.Fatal("not equal")
		}
	}
}
