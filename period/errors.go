package period

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// Sentinel errors, matched with errors.Is. Each validation problem
// (*[FieldError]) unwraps to one of the rule sentinels, and a
// *[ValidationError] matches every sentinel of its problems.
var (
	// ErrInvalidDate matches every error about a date that is not a valid
	// YYYY-MM-DD calendar date with a year in 0001–9999: parse errors
	// (*[DateError]) and missing or impossible period dates.
	ErrInvalidDate = errors.New("period: invalid date")
	// ErrMissingID: a period has an empty ID.
	ErrMissingID = errors.New("period: missing id")
	// ErrDuplicateID: two periods of a calendar share an ID.
	ErrDuplicateID = errors.New("period: duplicate id")
	// ErrUnknownKind: a Kind is neither "exercise" nor "situation".
	ErrUnknownKind = errors.New("period: unknown kind")
	// ErrUnknownStatus: a Status is neither "open" nor "closed" (or, for an
	// exercise, is empty).
	ErrUnknownStatus = errors.New("period: unknown status")
	// ErrStartAfterEnd: a period ends before it starts.
	ErrStartAfterEnd = errors.New("period: start after end")
	// ErrOverlap: two exercises share at least one day.
	ErrOverlap = errors.New("period: overlapping exercises")
	// ErrSituationOutside: a situation does not lie inside exactly one
	// exercise (it is outside every exercise, straddles two, or lies in
	// several overlapping ones).
	ErrSituationOutside = errors.New("period: situation not inside exactly one exercise")
	// ErrNoExercise: a valid calendar has no exercise, so nothing dated can
	// be synchronized; [Calendar.Scope] returns it with an empty Scope.
	ErrNoExercise = errors.New("period: no exercise")
)

// Stable rule codes of [FieldError.Rule]. Match on them (or on the
// sentinels), never on messages.
const (
	RuleRequired           = "required"            // missing id, start or end (ErrMissingID, ErrInvalidDate)
	RuleDate               = "date"                // impossible date, e.g. 2023-02-30 (ErrInvalidDate)
	RuleKind               = "kind"                // unknown kind (ErrUnknownKind)
	RuleStatus             = "status"              // unknown status (ErrUnknownStatus)
	RuleStartAfterEnd      = "start-after-end"     // End before Start (ErrStartAfterEnd)
	RuleDuplicateID        = "duplicate-id"        // ID used twice (ErrDuplicateID)
	RuleOverlap            = "overlap"             // exercises overlap (ErrOverlap)
	RuleSituationOutside   = "situation-outside"   // situation in no exercise (ErrSituationOutside)
	RuleSituationStraddle  = "situation-straddle"  // situation across two or more exercises (ErrSituationOutside)
	RuleSituationAmbiguous = "situation-ambiguous" // situation inside several overlapping exercises (ErrSituationOutside)
)

// FieldError is one validation problem.
type FieldError struct {
	Path    string // JSON Pointer into the calendar document: "/periods/3/end"
	Rule    string // stable machine code, one of the Rule* constants
	Message string // for humans; may change; never match on it
	Err     error  // rule sentinel, e.g. ErrOverlap
}

// Error returns "<path>: <message> [<rule>]".
func (e *FieldError) Error() string { return e.Path + ": " + e.Message + " [" + e.Rule + "]" }

// Unwrap returns the rule sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

// ValidationError lists every problem found by a validation, sorted by Path
// (numeric segments in numeric order, so /periods/2 comes before
// /periods/10), then by Rule. Functions of this package return it only when
// Fields is non-empty, never as a typed nil.
type ValidationError struct {
	Fields []*FieldError
}

// Error returns "period: N problem(s):" followed by one line per problem.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("period: ")
	b.WriteString(strconv.Itoa(len(e.Fields)))
	if len(e.Fields) == 1 {
		b.WriteString(" problem:")
	} else {
		b.WriteString(" problems:")
	}
	for _, f := range e.Fields {
		b.WriteString("\n")
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so that errors.Is(err, ErrOverlap) and
// errors.As(err, &fieldErr) look at each of them.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Fields))
	for i, f := range e.Fields {
		errs[i] = f
	}
	return errs
}

// newValidationError sorts fields and wraps them, or returns nil (an untyped
// nil error) when there are none.
func newValidationError(fields []*FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	slices.SortStableFunc(fields, func(a, b *FieldError) int {
		if c := comparePointers(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	return &ValidationError{Fields: fields}
}

// comparePointers orders JSON Pointers segment by segment: array indexes
// (digits without a leading zero) compare as numbers and come before any
// other segment, which compare as strings.
func comparePointers(a, b string) int {
	for a != "" && b != "" {
		var sa, sb string
		sa, a = nextSegment(a)
		sb, b = nextSegment(b)
		if sa == sb {
			continue
		}
		da, db := isDigits(sa), isDigits(sb)
		switch {
		case da && db:
			// Without leading zeros, a longer number is larger.
			if c := cmpInt(len(sa), len(sb)); c != 0 {
				return c
			}
		case da:
			return -1 // indexes before names keeps the order transitive
		case db:
			return 1
		}
		return strings.Compare(sa, sb)
	}
	return cmpInt(len(a), len(b))
}

// nextSegment splits "/a/b" into "a" and "/b".
func nextSegment(p string) (seg, rest string) {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

func isDigits(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
