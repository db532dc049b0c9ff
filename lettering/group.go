package lettering

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Sentinels of [Letter] and [CheckGroups]. They report a state of the data,
// not a malformed value, so none of them wraps [ErrInvalid].
var (
	// ErrAlreadyLettered: [Letter] was asked to letter a line that already
	// belongs to a group with another code.
	ErrAlreadyLettered = errors.New("lettering: line already lettered with another code")

	// ErrMixedGroup: the lines sharing a code are not all in the same state
	// (some partial, some complete).
	ErrMixedGroup = errors.New("lettering: group mixes partial and complete lines")

	// ErrUnbalancedGroup: the lines of a complete group do not sum to zero.
	ErrUnbalancedGroup = errors.New("lettering: complete group does not sum to zero")

	// ErrBalancedPartial: the lines of a partial group sum to zero, so the
	// group should be complete.
	ErrBalancedPartial = errors.New("lettering: partial group sums to zero")
)

// A Line is what lettering needs to know of a movement: its current
// lettering and its signed amount (credit - debit, a movement's
// value.amount).
type Line struct {
	Lettering Lettering
	Amount    decimal.Decimal
}

// Letter letters lines together under code and returns the lettering each of
// them gets, as [Apply] does: Complete(code) when the amounts sum to zero,
// Partial("*" + code) otherwise.
//
// Lines that are not lettered, or already lettered under code (partial or
// complete), may join: that is how a partial group grows as payments arrive
// and becomes complete. A line lettered under another code makes Letter
// return an [*Error] wrapping [ErrAlreadyLettered] that lists every such line
// by index; unletter those first (their new value is [None]). A code that is
// not a valid complete code returns an [*Error] wrapping [ErrCode], an empty
// group [ErrEmptyGroup]. Letter does not retain or modify lines.
func Letter(code string, lines []Line) (Lettering, error) {
	if err := checkComplete(code); err != nil {
		return Lettering{}, codeError(err.reason)
	}
	if len(lines) == 0 {
		return Lettering{}, ErrEmptyGroup
	}
	var taken []string
	sum := decimal.Zero
	for i, l := range lines {
		if !l.Lettering.IsZero() && l.Lettering.Base() != code {
			taken = append(taken, "line "+strconv.Itoa(i)+" ("+l.Lettering.String()+")")
		}
		sum = sum.Add(l.Amount)
	}
	if taken != nil {
		return Lettering{}, &Error{
			Offset: -1,
			Reason: "cannot letter under " + strconv.Quote(code) + ": " + strings.Join(taken, ", ") + " already lettered",
			Err:    ErrAlreadyLettered,
		}
	}
	if sum.IsZero() {
		return Lettering{kind: kindComplete, code: code}, nil
	}
	return Lettering{kind: kindPartial, code: "*" + code}, nil
}

// A GroupError is one inconsistent lettering group found by [CheckGroups].
type GroupError struct {
	// Code is the group's code without the partial marker ("AB").
	Code string
	// Lines are the indexes of the group's lines in the checked slice,
	// in increasing order.
	Lines []int
	// Reason explains the problem for humans; it may change.
	Reason string
	// Err is ErrMixedGroup, ErrUnbalancedGroup or ErrBalancedPartial.
	Err error
}

// Error returns "lettering: group AB: reason".
func (e *GroupError) Error() string {
	return "lettering: group " + e.Code + ": " + e.Reason
}

// Unwrap returns the sentinel.
func (e *GroupError) Unwrap() error { return e.Err }

// A CheckError lists every inconsistent group found by [CheckGroups], one
// problem per group, in sequence order of their codes ([Less]).
type CheckError struct {
	Groups []*GroupError
}

// Error returns "lettering: N inconsistent group(s):" followed by one line per
// problem.
func (e *CheckError) Error() string {
	var b strings.Builder
	b.WriteString("lettering: ")
	b.WriteString(strconv.Itoa(len(e.Groups)))
	if len(e.Groups) == 1 {
		b.WriteString(" inconsistent group:")
	} else {
		b.WriteString(" inconsistent groups:")
	}
	for _, g := range e.Groups {
		b.WriteString("\n\t")
		b.WriteString(g.Error())
	}
	return b.String()
}

// Unwrap returns the group errors, so that errors.Is(err, ErrMixedGroup) and
// errors.As(err, &groupErr) look into them.
func (e *CheckError) Unwrap() []error {
	errs := make([]error, len(e.Groups))
	for i, g := range e.Groups {
		errs[i] = g
	}
	return errs
}

// CheckGroups checks the lettering of the lines of one account (same
// general and auxiliary account, same currency: the caller groups them).
// Lines sharing a code ([Lettering.Base]) form a group, which must be
// consistent (the first rule broken is reported):
//
//   - all its lines have the same state ([ErrMixedGroup]);
//   - a complete group sums to exactly zero ([ErrUnbalancedGroup]);
//   - a partial group does not, or it would be complete ([ErrBalancedPartial]).
//
// It returns nil or a [*CheckError] listing every inconsistent group, never
// stopping at the first. A group can only be judged with all its lines:
// lines outside the checked slice (an earlier exercise not sent, another
// page) make complete groups look unbalanced. CheckGroups does not retain or
// modify lines.
func CheckGroups(lines []Line) error {
	type group struct {
		lines             []int
		partial, complete int
		sum               decimal.Decimal
	}
	groups := map[string]*group{}
	for i, l := range lines {
		if l.Lettering.IsZero() {
			continue
		}
		code := l.Lettering.Base()
		g := groups[code]
		if g == nil {
			g = &group{}
			groups[code] = g
		}
		g.lines = append(g.lines, i)
		g.sum = g.sum.Add(l.Amount)
		if l.Lettering.kind == kindPartial {
			g.partial++
		} else {
			g.complete++
		}
	}
	var probs []*GroupError
	for code, g := range groups {
		add := func(err error, reason string) {
			probs = append(probs, &GroupError{Code: code, Lines: g.lines, Reason: reason, Err: err})
		}
		switch {
		case g.partial > 0 && g.complete > 0:
			add(ErrMixedGroup, strconv.Itoa(g.partial)+" partial and "+strconv.Itoa(g.complete)+" complete lines")
		case g.complete > 0 && !g.sum.IsZero():
			add(ErrUnbalancedGroup, "complete, but its lines sum to "+g.sum.String())
		case g.partial > 0 && g.sum.IsZero():
			add(ErrBalancedPartial, "partial, but its lines sum to zero")
		}
	}
	if probs == nil {
		return nil
	}
	slices.SortFunc(probs, func(a, b *GroupError) int {
		if Less(a.Code, b.Code) {
			return -1
		}
		return 1 // codes are distinct
	})
	return &CheckError{Groups: probs}
}
