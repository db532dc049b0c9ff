package entry

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestExactSum compares exactSum with decimal arithmetic on random amounts,
// small and large, with various exponents, so that both the int64 path and
// the fallback (overflow, more than 18 digits) are exercised.
func TestExactSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func() decimal.Decimal {
		switch r.IntN(4) {
		case 0:
			return decimal.New(r.Int64N(1e6)-5e5, -2)
		case 1:
			return decimal.New(r.Int64()-r.Int64(), int32(r.IntN(7)-3))
		case 2:
			return decimal.RequireFromString("123456789012345678901234.5678")
		}
		return decimal.Decimal{}
	}
	for range 2000 {
		var s exactSum
		want := decimal.Zero
		for range r.IntN(6) {
			d := random()
			s.add(d)
			want = want.Add(d)
		}
		if !s.value().Equal(want) || !s.equal(want) {
			t.Fatalf("sum = %s, want %s", s.value(), want)
		}
		other := random()
		if s.equal(other) != want.Equal(other) {
			t.Fatalf("equal(%s) with sum %s", other, want)
		}
		var o exactSum
		o.add(want)
		if !s.equalSum(&o) {
			t.Fatalf("equalSum: %s vs %s", s.value(), o.value())
		}
		a, c, d := random(), random(), random()
		if equalDiff(a, c, d) != a.Equal(c.Sub(d)) {
			t.Fatalf("equalDiff(%s, %s, %s)", a, c, d)
		}
		if equalDiff(c.Sub(d), c, d) != true {
			t.Fatalf("equalDiff(c−d, %s, %s) = false", c, d)
		}
		if s.equalAbs(other) != want.Equal(other.Abs()) {
			t.Fatalf("equalAbs(%s) with sum %s", other, want)
		}
	}
}
