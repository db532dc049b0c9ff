package entry

import (
	"math"

	"github.com/shopspring/decimal"
)

// pow10 holds 10^0 to 10^18, the powers that fit in an int64.
var pow10 = [...]int64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// small returns d as coefficient × 10^exponent when the coefficient has at
// most 18 digits, without allocating.
func small(d decimal.Decimal) (c int64, e int32, ok bool) {
	if d.NumDigits() > 18 {
		return 0, 0, false
	}
	return d.CoefficientInt64(), d.Exponent(), true
}

// rescale returns c × 10^k, and false on overflow.
func rescale(c int64, k int32) (int64, bool) {
	if k == 0 || c == 0 {
		return c, true
	}
	if k < 0 || k > 18 {
		return 0, false
	}
	p := pow10[k]
	if c > math.MaxInt64/p || c < math.MinInt64/p {
		return 0, false
	}
	return c * p, true
}

// align returns a and b at their common (smaller) exponent.
func align(ac int64, ae int32, bc int64, be int32) (int64, int64, int32, bool) {
	switch {
	case ae == be:
		return ac, bc, ae, true
	case ae > be:
		a, ok := rescale(ac, ae-be)
		return a, bc, be, ok
	default:
		b, ok := rescale(bc, be-ae)
		return ac, b, ae, ok
	}
}

// exactSum adds decimals exactly. It keeps the sum in an int64 coefficient
// at a common exponent while everything fits (the usual case: amounts with
// two decimals), which allocates nothing, and falls back to decimal
// arithmetic otherwise.
type exactSum struct {
	c    int64
	e    int32
	slow bool
	big  decimal.Decimal
}

func (s *exactSum) add(d decimal.Decimal) {
	if !s.slow {
		if dc, de, ok := small(d); ok {
			if a, b, e, ok := align(s.c, s.e, dc, de); ok {
				if sum := a + b; (b >= 0) == (sum >= a) { // no overflow
					s.c, s.e = sum, e
					return
				}
			}
		}
		s.slow, s.big = true, decimal.New(s.c, s.e)
	}
	s.big = s.big.Add(d)
}

// value returns the sum as a decimal.
func (s *exactSum) value() decimal.Decimal {
	if s.slow {
		return s.big
	}
	return decimal.New(s.c, s.e)
}

// equal reports whether the sum equals d.
func (s *exactSum) equal(d decimal.Decimal) bool {
	if !s.slow {
		if dc, de, ok := small(d); ok {
			if a, b, _, ok := align(s.c, s.e, dc, de); ok {
				return a == b
			}
		}
	}
	return s.value().Equal(d)
}

// equalSum reports whether two sums are equal.
func (s *exactSum) equalSum(o *exactSum) bool {
	if !s.slow && !o.slow {
		if a, b, _, ok := align(s.c, s.e, o.c, o.e); ok {
			return a == b
		}
	}
	return s.value().Equal(o.value())
}

// equalDiff reports whether a == c − d, exactly, allocating only for
// amounts beyond 18 digits.
func equalDiff(a, c, d decimal.Decimal) bool {
	var s exactSum
	s.add(a)
	s.add(d)
	return s.equal(c)
}

// equalAbs reports whether the sum equals |d|.
func (s *exactSum) equalAbs(d decimal.Decimal) bool {
	if d.Sign() >= 0 {
		return s.equal(d)
	}
	t := *s
	t.add(d)
	return t.equal(decimal.Decimal{})
}
