package period

import (
	"errors"

	"github.com/ledgersink/ledgersink/internal/problem"
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

// FieldError is one validation problem: Path, a JSON Pointer into the
// calendar document ("/periods/3/end"); Rule, one of the Rule* constants;
// Message, for humans (it may change: never match on it); and Err, the rule
// sentinel (ErrOverlap, ...). Error returns "path: message [rule]"; Unwrap
// returns Err.
type FieldError = problem.Field[string]

// ValidationError lists the problems found by a validation: Fields, sorted
// by Path (array indexes numerically and before names, so /periods/2 comes
// before /periods/10), then Rule. Functions of this package return it only
// when it has problems, never as a typed nil. The first 100 problems are
// listed, the others counted in Omitted.
//
// Error returns "period: N problem(s):" then one line per problem; Unwrap
// returns the problems, so that errors.Is(err, ErrOverlap) and
// errors.As(err, &fieldErr) look at each of them; Has(rule) reports whether
// some problem breaks rule.
type ValidationError = problem.List[string]

// newValidationError sorts fields and wraps them, or returns nil (an untyped
// nil error) when there are none.
func newValidationError(fields []*FieldError) error {
	c := problem.Collector[string]{Subject: "period"}
	for _, f := range fields {
		c.Add(f)
	}
	return c.Result()
}
