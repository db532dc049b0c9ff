package entry

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"github.com/shopspring/decimal"
)

// Limits on amounts read from JSON, so that a hostile document cannot ask
// for a gigantic number: at most maxDigits significant digits and a
// decimal exponent within ±maxExponent ("1e-40" is rejected, "0.01" is not).
const (
	maxDigits   = 40
	maxExponent = 30
)

const limitsText = "at most 40 significant digits and an exponent within ±30"

var errAmountRange = errors.New("amount out of range: " + limitsText)

// ParseAmount reads an amount or a rate from the JSON number data (white
// space around it is allowed) into a decimal that keeps its digits: "12.50"
// gives 12.50, not 12.5. It is the codec of every amount and rate of the
// SDK, with the limits of an entry's amounts: at most 40 significant digits
// and a decimal exponent within ±30. Errors match [ErrNumber] for a number
// beyond the limits ("1e-9999"), [ErrType] for any other JSON value (a
// string, even "12.50", or null) and [ErrSyntax] for malformed JSON.
func ParseAmount(data []byte) (decimal.Decimal, error) {
	l := jsonlex.New(data)
	if k := l.Peek(); k != jsonlex.Number {
		if k == jsonlex.Invalid {
			return decimal.Decimal{}, fmt.Errorf("%w: %s is not a JSON value", ErrSyntax, quoteShort(string(data)))
		}
		return decimal.Decimal{}, fmt.Errorf("%w: expected a number, got %s", ErrType, k)
	}
	lit, err := l.Number()
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	d, err := parseAmount(lit)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %s: %s", ErrNumber, quoteShort(string(lit)), limitsText)
	}
	return d, nil
}

// AppendAmount appends d to dst as a plain JSON number with exactly its
// digits (12.50 is written 12.50, 1200 is written 1200; never an exponent),
// without reading decimal's global settings. A d beyond the limits of
// [ParseAmount] is not written: the error matches [ErrNumber], so that
// nothing the SDK writes is refused when read back.
func AppendAmount(dst []byte, d decimal.Decimal) ([]byte, error) {
	if err := checkAmount(d); err != nil {
		return dst, err
	}
	return appendAmount(dst, d), nil
}

// checkAmount returns an error matching ErrNumber when d is beyond the
// limits of parseAmount. Zero with a positive exponent is written "0" and
// passes.
func checkAmount(d decimal.Decimal) error {
	exp := d.Exponent()
	if d.IsZero() && exp >= 0 {
		return nil
	}
	if exp > maxExponent || exp < -maxExponent || d.NumDigits() > maxDigits {
		return fmt.Errorf("%w: %s with exponent %d: %s", ErrNumber, shortDecimal(d), exp, limitsText)
	}
	return nil
}

// shortDecimal names d in an error without writing thousands of digits.
func shortDecimal(d decimal.Decimal) string {
	c := d.Coefficient().String()
	if len(c) > 20 {
		c = c[:20] + "..."
	}
	return "coefficient " + c
}

// parseAmount converts the literal of a JSON number (already checked by the
// lexer) into a decimal that keeps its digits: "12.50" gives coefficient
// 1250, exponent -2. Zero with exponent 0 is the zero Decimal, which costs
// no allocation.
func parseAmount(lit []byte) (decimal.Decimal, error) {
	i := 0
	neg := false
	if i < len(lit) && lit[i] == '-' {
		neg = true
		i++
	}
	var coef uint64
	digits := 0 // significant digits accumulated (leading zeros skipped)
	exp := 0
	long := false
	for ; i < len(lit) && lit[i] >= '0' && lit[i] <= '9'; i++ {
		if digits > 0 || lit[i] != '0' {
			digits++
			if digits <= 18 {
				coef = coef*10 + uint64(lit[i]-'0')
			} else {
				long = true
			}
		}
	}
	if i < len(lit) && lit[i] == '.' {
		for i++; i < len(lit) && lit[i] >= '0' && lit[i] <= '9'; i++ {
			exp--
			if digits > 0 || lit[i] != '0' {
				digits++
				if digits <= 18 {
					coef = coef*10 + uint64(lit[i]-'0')
				} else {
					long = true
				}
			}
		}
	}
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		i++
		eneg := false
		if lit[i] == '+' || lit[i] == '-' {
			eneg = lit[i] == '-'
			i++
		}
		e := 0
		for ; i < len(lit); i++ {
			if e < 1_000_000 {
				e = e*10 + int(lit[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if digits > maxDigits || exp > maxExponent || exp < -maxExponent {
		if digits == 0 && exp >= -maxExponent*100 && exp <= maxExponent*100 {
			// Zero with a silly exponent ("0e50"): keep it bounded.
			return decimal.Decimal{}, nil
		}
		return decimal.Decimal{}, errAmountRange
	}
	if long {
		return decimal.NewFromString(string(lit))
	}
	if coef == 0 && exp == 0 {
		return decimal.Decimal{}, nil
	}
	c := int64(coef)
	if neg {
		c = -c
	}
	return decimal.New(c, int32(exp)), nil
}

// amountText returns d as [appendAmount] writes it, with all its digits
// (130.00, never 130), for messages.
func amountText(d decimal.Decimal) string { return string(appendAmount(nil, d)) }

// appendAmount appends d as a plain JSON number with exactly its digits:
// coefficient 1250 with exponent -2 is written 12.50, coefficient 12 with
// exponent 2 is written 1200. It never uses exponent notation and never
// reads decimal's global settings.
func appendAmount(dst []byte, d decimal.Decimal) []byte {
	exp := int(d.Exponent())
	start := len(dst)
	if c, _, ok := small(d); ok {
		// The usual case, without allocating: the coefficient fits an int64.
		if c == 0 && exp >= 0 {
			return append(dst, '0')
		}
		if c < 0 {
			dst = append(dst, '-')
			start++
			dst = strconv.AppendUint(dst, uint64(-c), 10)
		} else {
			dst = strconv.AppendUint(dst, uint64(c), 10)
		}
	} else {
		c := d.Coefficient()
		if c.Sign() < 0 {
			dst = append(dst, '-')
			start++
			c.Neg(c)
		}
		dst = c.Append(dst, 10)
	}
	if exp >= 0 {
		for range exp {
			dst = append(dst, '0')
		}
		return dst
	}
	n := len(dst) - start // digits written
	frac := -exp
	if n <= frac {
		// 0.0xyz: insert "0." and the leading zeros before the digits.
		pad := frac - n + 2
		dst = append(dst, make([]byte, pad)...)
		copy(dst[start+pad:], dst[start:start+n])
		dst[start] = '0'
		dst[start+1] = '.'
		for i := start + 2; i < start+pad; i++ {
			dst[i] = '0'
		}
		return dst
	}
	// Insert the point frac digits from the end.
	dst = append(dst, 0)
	p := len(dst) - 1 - frac
	copy(dst[p+1:], dst[p:len(dst)-1])
	dst[p] = '.'
	return dst
}
