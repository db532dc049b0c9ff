package lettering

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func amounts(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = decimal.RequireFromString(s)
	}
	return out
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		amounts []decimal.Decimal
		want    State
		reason  string
	}{
		{"empty", nil, StateNone, "nothing to letter"},
		{"invoice and payment", amounts("-1200", "1200"), StateComplete, ""},
		{"two payments", amounts("-1200", "700.50", "499.5"), StateComplete, "exponents differ, values cancel"},
		{"payment short", amounts("-1200", "700"), StatePartial, ""},
		{"tiny difference", amounts("100.00", "-99.999"), StatePartial, "exact arithmetic, no tolerance"},
		{"beyond float precision", amounts("0.1", "0.2", "-0.3"), StateComplete, "0.1+0.2 != 0.3 in float64"},
		{"huge", amounts("123456789012345678901234567890.01", "-123456789012345678901234567890.01"), StateComplete, ""},
		{"single line", amounts("5"), StatePartial, ""},
		{"single zero", amounts("0.00"), StateComplete, "sums to zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(tt.amounts); got != tt.want {
				t.Errorf("Match(%v) = %q, want %q (%s)", tt.amounts, got, tt.want, tt.reason)
			}
		})
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		amounts []decimal.Decimal
		want    Lettering
		err     error
	}{
		{"complete", "AB", amounts("10", "-10"), Lettering{kindComplete, "AB"}, nil},
		{"partial", "AB", amounts("10", "-4"), Lettering{kindPartial, "*AB"}, nil},
		{"foreign code kept", "aa0", amounts("1", "-1"), Lettering{kindComplete, "aa0"}, nil},
		{"empty group", "A", nil, Lettering{}, ErrEmptyGroup},
		{"empty code", "", amounts("1"), Lettering{}, ErrCode},
		{"starred code", "*A", amounts("1"), Lettering{}, ErrCode},
		{"control code", "A\x00", amounts("1"), Lettering{}, ErrCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply(tt.code, tt.amounts)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("Apply(%q, %v) = %v, %v; want %v, %v", tt.code, tt.amounts, got, err, tt.want, tt.err)
			}
		})
	}
	if errors.Is(ErrEmptyGroup, ErrInvalid) {
		t.Error("ErrEmptyGroup wraps ErrInvalid; it reports no invalid value")
	}
}
