package period

import (
	"cmp"
	"slices"
	"strconv"
)

// Calendar is the set of periods of one entity (company): its exercises and
// the situations inside them, in any order.
//
// The JSON shape is {"periods": [...]}, and validation paths point into it
// ("/periods/3/end"). A Calendar is a plain value; its methods never modify
// it or keep references to its slice, and are safe for concurrent use as
// long as nobody writes to Periods meanwhile.
type Calendar struct {
	Periods []Period `json:"periods"`
}

// Validate checks the calendar and returns nil or a *[ValidationError]
// listing every problem, never only the first:
//
//   - each period on its own (see [Period.Validate]): id, kind, status, dates,
//     start not after end;
//   - ids are unique ([ErrDuplicateID], reported on the later period);
//   - exercises do not overlap ([ErrOverlap], reported on the exercise that
//     starts later, naming the one it overlaps);
//   - every situation lies inside exactly one exercise
//     ([ErrSituationOutside]; rule "situation-outside" when it is in no
//     exercise, "situation-straddle" when it runs across two or more, and
//     "situation-ambiguous" when overlapping exercises both contain it).
//
// Gaps between exercises are allowed (a missing year is simply not an
// exercise), and so is any duration: the first exercise may run longer than
// 12 months. Periods with a missing or invalid date are left out of the
// checks between periods, so one bad date gives one problem.
func (c Calendar) Validate() error {
	var fields []*FieldError
	for i, p := range c.Periods {
		fields = append(fields, p.problems(periodPath(i))...)
	}
	fields = append(fields, c.duplicateIDs()...)

	exercises := c.sortedExercises()
	fields = append(fields, c.overlaps(exercises)...)
	fields = append(fields, c.situationPlacement(exercises)...)
	return newValidationError(fields)
}

func periodPath(i int) string {
	return "/periods/" + strconv.Itoa(i)
}

// describe names period i for messages about another period:
// exercise "ex-2024" (/periods/0, 2024-01-01..2024-12-31).
func (c Calendar) describe(i int) string {
	p := c.Periods[i]
	return string(p.Kind) + " " + strconv.Quote(p.ID) + " (" + periodPath(i) + ", " + p.Start.String() + ".." + p.End.String() + ")"
}

// describeSelf names period i for messages whose path already points at it:
// exercise "ex-2024" (2024-01-01..2024-12-31).
func (c Calendar) describeSelf(i int) string {
	p := c.Periods[i]
	return string(p.Kind) + " " + strconv.Quote(p.ID) + " (" + p.Start.String() + ".." + p.End.String() + ")"
}

func (c Calendar) duplicateIDs() []*FieldError {
	var fields []*FieldError
	first := make(map[string]int, len(c.Periods))
	for i, p := range c.Periods {
		if p.ID == "" {
			continue // reported as missing
		}
		if j, ok := first[p.ID]; ok {
			fields = append(fields, &FieldError{
				Path:    periodPath(i) + "/id",
				Rule:    RuleDuplicateID,
				Message: "id " + strconv.Quote(p.ID) + " is already used by " + periodPath(j),
				Err:     ErrDuplicateID,
			})
			continue
		}
		first[p.ID] = i
	}
	return fields
}

// wellFormed reports whether p's dates are valid and in order, so that p
// can take part in the checks between periods.
func wellFormed(p Period) bool {
	return p.Start.IsValid() && p.End.IsValid() && !p.Start.After(p.End)
}

// sortedExercises returns the indexes of the well-formed exercises ordered
// by start, then end, then index.
func (c Calendar) sortedExercises() []int {
	var idx []int
	for i, p := range c.Periods {
		if p.Kind == KindExercise && wellFormed(p) {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		pa, pb := c.Periods[a], c.Periods[b]
		if r := pa.Start.Compare(pb.Start); r != 0 {
			return r
		}
		if r := pa.End.Compare(pb.End); r != 0 {
			return r
		}
		return cmp.Compare(a, b)
	})
	return idx
}

// overlaps sweeps the exercises in start order, remembering the one that
// ends last so far: an exercise starting on or before that end overlaps it.
func (c Calendar) overlaps(exercises []int) []*FieldError {
	var fields []*FieldError
	last := -1 // index of the exercise with the latest end so far
	for _, i := range exercises {
		p := c.Periods[i]
		if last >= 0 && !p.Start.After(c.Periods[last].End) {
			fields = append(fields, &FieldError{
				Path:    periodPath(i),
				Rule:    RuleOverlap,
				Message: c.describeSelf(i) + " overlaps " + c.describe(last),
				Err:     ErrOverlap,
			})
		}
		if last < 0 || p.End.After(c.Periods[last].End) {
			last = i
		}
	}
	return fields
}

// situationPlacement checks that every well-formed situation lies inside
// exactly one well-formed exercise. exercises is sorted by start.
func (c Calendar) situationPlacement(exercises []int) []*FieldError {
	// maxEnd[k] is the latest end among exercises[0..k], so a backwards scan
	// can stop as soon as no earlier exercise reaches the situation. With
	// non-overlapping exercises each situation costs one binary search and
	// a couple of steps.
	maxEnd := make([]Date, len(exercises))
	for k, i := range exercises {
		maxEnd[k] = c.Periods[i].End
		if k > 0 && maxEnd[k-1].After(maxEnd[k]) {
			maxEnd[k] = maxEnd[k-1]
		}
	}
	var fields []*FieldError
	for si, s := range c.Periods {
		if s.Kind != KindSituation || !wellFormed(s) {
			continue
		}
		// First exercise starting after s.Start.
		n, _ := slices.BinarySearchFunc(exercises, s.Start, func(i int, d Date) int {
			if c.Periods[i].Start.After(d) {
				return 1
			}
			return -1
		})
		var containing, touching []int
		for k := n - 1; k >= 0 && !maxEnd[k].Before(s.Start); k-- {
			e := c.Periods[exercises[k]]
			switch {
			case !e.End.Before(s.End):
				containing = append(containing, exercises[k])
			case !e.End.Before(s.Start):
				touching = append(touching, exercises[k])
			}
		}
		for k := n; k < len(exercises) && !c.Periods[exercises[k]].Start.After(s.End); k++ {
			touching = append(touching, exercises[k])
		}
		var rule, msg string
		switch {
		case len(containing) == 1:
			continue
		case len(containing) > 1:
			rule = RuleSituationAmbiguous
			msg = c.describeSelf(si) + " lies inside " + strconv.Itoa(len(containing)) + " overlapping exercises"
		case len(touching) > 1:
			rule = RuleSituationStraddle
			msg = c.describeSelf(si) + " straddles " + strconv.Itoa(len(touching)) + " exercises; a situation must lie inside one exercise"
		case len(touching) == 1:
			rule = RuleSituationOutside
			msg = c.describeSelf(si) + " runs outside " + c.describe(touching[0])
		default:
			rule = RuleSituationOutside
			msg = c.describeSelf(si) + " lies in no exercise"
		}
		fields = append(fields, &FieldError{Path: periodPath(si), Rule: rule, Message: msg, Err: ErrSituationOutside})
	}
	return fields
}

// ExerciseAt returns the first exercise of c (in slice order) containing d,
// both ends included, and whether there is one. On a valid calendar there is
// at most one. It reports false for an invalid date. It scans the periods
// (O(n)); for a check per entry over many dates, prefer [Calendar.Scope] and
// [Scope.Contains], or keep the exercises sorted yourself.
func (c Calendar) ExerciseAt(d Date) (Period, bool) {
	for _, p := range c.Periods {
		if p.Kind == KindExercise && p.Contains(d) {
			return p, true
		}
	}
	return Period{}, false
}
