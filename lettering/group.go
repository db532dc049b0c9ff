package lettering

import (
	"errors"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/internal/problem"
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

// Rule codes of the problems of [CheckGroups], one per sentinel.
const (
	RuleMixedGroup      = "mixedGroup"      // ErrMixedGroup
	RuleUnbalancedGroup = "unbalancedGroup" // ErrUnbalancedGroup
	RuleBalancedPartial = "balancedPartial" // ErrBalancedPartial
)

// A GroupError is one inconsistent lettering group found by [CheckGroups]:
// Path is "/i", i the index of the group's first line in the checked slice;
// Rule one of the Rule* codes above; Message names the group's code and
// lines and the problem (it may change: never match on it); Err is
// ErrMixedGroup, ErrUnbalancedGroup or ErrBalancedPartial. Error returns
// "path: message [rule]"; Unwrap returns Err.
type GroupError = problem.Field[string]

// A CheckError lists the inconsistent groups found by [CheckGroups], one
// problem per group, in the order of their first lines (Fields; the first
// 100, the others counted in Omitted). Error returns "lettering: N
// problem(s):" then one line per problem; Unwrap returns the problems, so
// that errors.Is(err, ErrMixedGroup) and errors.As(err, &groupErr) look
// into them; Has(rule) reports whether some group breaks rule.
type CheckError = problem.List[string]

// CheckGroups checks the lettering of the lines of one account (same
// general and auxiliary account, same currency: the caller groups them).
// Lines sharing a code ([Lettering.Base]) form a group, which must be
// consistent (the first rule broken is reported):
//
//   - all its lines have the same state ([ErrMixedGroup]);
//   - a complete group sums to exactly zero ([ErrUnbalancedGroup]);
//   - a partial group does not, or it would be complete ([ErrBalancedPartial]).
//
// It returns nil or a [*CheckError] listing the inconsistent groups, never
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
	probs := problem.Collector[string]{Subject: "lettering"}
	for code, g := range groups {
		add := func(rule string, err error, reason string) {
			probs.Add(&GroupError{Path: "/" + strconv.Itoa(g.lines[0]), Rule: rule,
				Message: "group " + code + " (" + lineList(g.lines) + "): " + reason, Err: err})
		}
		switch {
		case g.partial > 0 && g.complete > 0:
			add(RuleMixedGroup, ErrMixedGroup, strconv.Itoa(g.partial)+" partial and "+strconv.Itoa(g.complete)+" complete lines")
		case g.complete > 0 && !g.sum.IsZero():
			add(RuleUnbalancedGroup, ErrUnbalancedGroup, "complete, but its lines sum to "+exact(g.sum))
		case g.partial > 0 && g.sum.IsZero():
			add(RuleBalancedPartial, ErrBalancedPartial, "partial, but its lines sum to zero")
		}
	}
	return probs.Result()
}

// lineList names the lines of a group for a message: "line 3", "lines 0,
// 4, 7", at most ten of them and then how many more.
func lineList(lines []int) string {
	const most = 10
	var b strings.Builder
	if len(lines) == 1 {
		b.WriteString("line ")
	} else {
		b.WriteString("lines ")
	}
	for i, l := range lines[:min(len(lines), most)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(l))
	}
	if len(lines) > most {
		b.WriteString(" and " + strconv.Itoa(len(lines)-most) + " more")
	}
	return b.String()
}

// exact writes d with all its digits: 1.50 stays 1.50, never 1.5.
func exact(d decimal.Decimal) string {
	return d.StringFixed(max(0, -d.Exponent()))
}
