package lettering

import "github.com/shopspring/decimal"

// Match returns the state that lettering a group of lines together gives,
// from the lines' signed amounts (credit - debit, as in a movement's
// value.amount): StateComplete when they sum to exactly zero, StatePartial
// otherwise, and StateNone for an empty group, which letters nothing.
//
// The sum is exact decimal arithmetic: no rounding, no tolerance. A group of
// 100.00 and -99.999 is partial; write off small differences with an
// adjustment line first. A group whose only line is zero is complete. Match
// does not retain or modify amounts.
func Match(amounts []decimal.Decimal) State {
	if len(amounts) == 0 {
		return StateNone
	}
	if decimal.Sum(decimal.Zero, amounts...).IsZero() {
		return StateComplete
	}
	return StatePartial
}

// Apply returns the lettering that each line of a group gets when the group
// is lettered with base code: Complete(code) when the amounts sum to zero (see
// [Match]), Partial("*" + code) otherwise.
//
// code must be a valid complete code (non-empty, no leading '*', no control
// characters), usually from [NextCode] or [NextUnused]; otherwise Apply
// returns an [*Error] wrapping [ErrCode]. An empty group returns
// [ErrEmptyGroup]. Apply does not retain or modify amounts.
func Apply(code string, amounts []decimal.Decimal) (Lettering, error) {
	if err := checkComplete(code); err != nil {
		return Lettering{}, codeError(err.reason)
	}
	switch Match(amounts) {
	case StateComplete:
		return Lettering{kind: kindComplete, code: code}, nil
	case StatePartial:
		return Lettering{kind: kindPartial, code: "*" + code}, nil
	}
	return Lettering{}, ErrEmptyGroup
}
