package period

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Range is a span of days from Start to End, both included.
type Range struct {
	Start Date `json:"start"`
	End   Date `json:"end"`
}

// Contains reports whether d lies within r, both ends included. It reports
// false for an invalid date.
func (r Range) Contains(d Date) bool {
	return d.IsValid() && !d.Before(r.Start) && !d.After(r.End)
}

// String returns "start..end", such as "2023-01-01..2024-12-31".
func (r Range) String() string {
	return r.Start.String() + ".." + r.End.String()
}

// Scope is the synchronization scope of an entity, computed by
// [Calendar.Scope]: the initialized exercises, the situations inside them,
// and the days they cover. Entries of any type (balance-sheet or situation
// entries alike) dated inside the scope are sent; all others never are.
//
// The zero value is the empty scope: it contains no date and no period. A
// Scope is immutable once built and safe for concurrent use.
type Scope struct {
	exercises  []Period // initialized exercises, by start
	situations []Period // synchronized situations, by start, end, id
	ranges     []Range  // merged day ranges, by start
	spans      []span   // ranges as packed keys, for Contains
}

// span is a Range with each end packed by dateKey.
type span struct{ lo, hi uint32 }

// dateKey packs a valid date into an integer that orders like the date.
func dateKey(d Date) uint32 {
	return uint32(d.Year)<<9 | uint32(d.Month)<<5 | uint32(d.Day)
}

// Scope applies the initialization rules of the sink to a valid calendar
// and returns the resulting synchronization scope.
//
// The initialized exercises are:
//   - every open exercise;
//   - the most recent closed exercise (the one that ends last), if any;
//   - every exercise created after initialization, that is whose CreatedAt
//     is after initializedAt, whatever its status and dates: the rules say
//     "newly created exercises are included" without condition.
//
// Only exercises that existed at initialization compete for "most recent
// closed", so closing a newly created exercise does not push the previous
// one out. Pass the instant of the entity's initialization as
// initializedAt; a zero initializedAt means that no exercise counts as newly
// created (use it when computing the scope of the initialization itself
// without an instant at hand). An exercise with a zero CreatedAt always
// counts as existing at initialization.
//
// The statuses are taken as given: compute the scope from the calendar as it
// stood at initialization, plus the exercises created since. (Recomputed
// later from a calendar in which a then-open exercise has been closed, the
// "most recent closed" slot moves to it and the exercise before drops out.)
//
// The synchronized situations are those lying inside an initialized
// exercise. The date scope is the union of the initialized exercises' date
// ranges, merged where they touch: with 2023 closed and 2024 open it is
// 2023-01-01..2024-12-31, and a gap between two initialized exercises (a
// year with no exercise) stays outside.
//
// Errors: if the calendar is invalid, Scope returns the empty Scope and the
// *[ValidationError] of [Calendar.Validate]. If the calendar is valid but has
// no exercise at all, Scope returns the empty Scope and [ErrNoExercise]:
// nothing dated is synchronized, which the caller should say (for example in
// the initialization log) rather than treat as a failure. In every error case
// the returned Scope is empty, so a caller that ignores the error sends
// nothing dated.
func (c Calendar) Scope(initializedAt time.Time) (Scope, error) {
	if err := c.Validate(); err != nil {
		return Scope{}, err
	}
	existed := func(p Period) bool {
		return initializedAt.IsZero() || p.CreatedAt.IsZero() || !p.CreatedAt.After(initializedAt)
	}
	var (
		exercises    []Period
		latestClosed = -1
		hasExercise  bool
	)
	for i, p := range c.Periods {
		if p.Kind != KindExercise {
			continue
		}
		hasExercise = true
		switch {
		case !existed(p) || p.Status == StatusOpen:
			exercises = append(exercises, p)
		case p.Status == StatusClosed && (latestClosed < 0 || p.End.After(c.Periods[latestClosed].End)):
			latestClosed = i
		}
	}
	if !hasExercise {
		return Scope{}, ErrNoExercise
	}
	if latestClosed >= 0 {
		exercises = append(exercises, c.Periods[latestClosed])
	}
	// Exercises do not overlap (validated), so ordering by start is total.
	slices.SortFunc(exercises, func(a, b Period) int { return a.Start.Compare(b.Start) })

	s := Scope{exercises: exercises}
	for _, e := range exercises {
		n := len(s.ranges)
		if n > 0 && s.ranges[n-1].End.AddDays(1) == e.Start {
			s.ranges[n-1].End = e.End
			s.spans[n-1].hi = dateKey(e.End)
			continue
		}
		s.ranges = append(s.ranges, Range{Start: e.Start, End: e.End})
		s.spans = append(s.spans, span{lo: dateKey(e.Start), hi: dateKey(e.End)})
	}
	// A valid situation lies inside exactly one exercise, and initialized
	// exercises share no day with the others, so a situation is inside an
	// initialized exercise exactly when its first day is in scope.
	for _, p := range c.Periods {
		if p.Kind == KindSituation && s.Contains(p.Start) {
			s.situations = append(s.situations, p)
		}
	}
	slices.SortFunc(s.situations, func(a, b Period) int {
		if r := a.Start.Compare(b.Start); r != 0 {
			return r
		}
		if r := a.End.Compare(b.End); r != 0 {
			return r
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return s, nil
}

// Contains reports whether an entry dated d is in scope, that is whether d
// lies in one of the initialized exercises (both ends included). It reports
// false for an invalid date and on the empty scope. It runs in O(log n) over
// the merged ranges and does not allocate, so it can be called per entry.
func (s Scope) Contains(d Date) bool {
	if !d.IsValid() {
		return false
	}
	k := dateKey(d)
	// Find the first span starting after k; the one before it is the only
	// candidate.
	lo, hi := 0, len(s.spans)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.spans[mid].lo <= k {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo > 0 && k <= s.spans[lo-1].hi
}

// IsEmpty reports whether the scope contains no date, which happens only for
// a calendar without exercises (or the zero Scope).
func (s Scope) IsEmpty() bool { return len(s.ranges) == 0 }

// Exercises returns the initialized exercises sorted by start date. The
// slice is a copy the caller may modify.
func (s Scope) Exercises() []Period { return slices.Clone(s.exercises) }

// Situations returns the synchronized situations (those inside an
// initialized exercise) sorted by start date, then end date, then ID. The
// slice is a copy the caller may modify.
func (s Scope) Situations() []Period { return slices.Clone(s.situations) }

// Ranges returns the days in scope as sorted, disjoint, non-adjacent ranges:
// initialized exercises that follow each other without a gap are merged into
// one range. The slice is a copy the caller may modify.
func (s Scope) Ranges() []Range { return slices.Clone(s.ranges) }

// ContainsPeriod reports whether the period with the given ID is an
// initialized exercise or a synchronized situation, i.e. whether the sink
// sends it. It scans the scope's periods (O(n)).
func (s Scope) ContainsPeriod(id string) bool {
	match := func(p Period) bool { return p.ID == id }
	return slices.ContainsFunc(s.exercises, match) || slices.ContainsFunc(s.situations, match)
}

// String returns the ranges separated by ", ", such as
// "2022-01-01..2022-12-31, 2024-01-01..2024-12-31", or "(empty)".
func (s Scope) String() string {
	if s.IsEmpty() {
		return "(empty)"
	}
	parts := make([]string, len(s.ranges))
	for i, r := range s.ranges {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}
