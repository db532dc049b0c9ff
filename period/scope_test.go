package period

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var initAt = time.Date(2024, time.June, 1, 12, 0, 0, 0, time.UTC)

// created returns p with CreatedAt set.
func created(p Period, at time.Time) Period {
	p.CreatedAt = at
	return p
}

func ids(ps []Period) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func rangeStrings(rs []Range) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func TestCalendarScope(t *testing.T) {
	ex, sit, yr := func(id, s, e string, st Status) Period { return exercise(t, id, s, e, st) },
		func(id, s, e string) Period { return situation(t, id, s, e) },
		func(y string, st Status) Period { return year(t, y, st) }
	tests := []struct {
		name           string
		periods        []Period
		initializedAt  time.Time
		wantErr        error
		wantExercises  []string
		wantSituations []string
		wantRanges     []string
		in, out        []string // dates that must be in / out of scope
		reason         string
	}{
		{
			name: "seed scenario 1",
			periods: []Period{
				yr("2024", StatusOpen), yr("2023", StatusClosed), yr("2022", StatusClosed),
				sit("sit-2022-12", "2022-12-01", "2022-12-31"), sit("sit-2023-06", "2023-06-01", "2023-06-30"),
				sit("sit-2024-q1", "2024-01-01", "2024-03-31"),
			},
			wantExercises:  []string{"ex-2023", "ex-2024"},
			wantSituations: []string{"sit-2023-06", "sit-2024-q1"},
			wantRanges:     []string{"2023-01-01..2024-12-31"},
			in:             []string{"2023-01-01", "2023-06-15", "2024-12-31"},
			out:            []string{"2022-01-01", "2022-12-31", "2025-01-01", "2021-06-01"},
			reason:         "entries between 2023-01-01 and 2024-12-31 are sent; any entry in 2022 is not",
		},
		{
			name: "seed scenario 2",
			periods: []Period{
				yr("2021", StatusClosed), yr("2022", StatusClosed), yr("2023", StatusOpen), yr("2024", StatusOpen),
				sit("sit-2021-03", "2021-03-01", "2021-03-31"), sit("sit-2022-03", "2022-03-01", "2022-03-31"),
			},
			wantExercises:  []string{"ex-2022", "ex-2023", "ex-2024"},
			wantSituations: []string{"sit-2022-03"},
			wantRanges:     []string{"2022-01-01..2024-12-31"},
			in:             []string{"2022-01-01", "2024-12-31"},
			out:            []string{"2021-03-15", "2021-12-31", "2025-01-01"},
			reason:         "a situation in 2021 is not sent",
		},
		{
			name:          "only closed exercises",
			periods:       []Period{yr("2021", StatusClosed), yr("2023", StatusClosed), yr("2022", StatusClosed)},
			wantExercises: []string{"ex-2023"},
			wantRanges:    []string{"2023-01-01..2023-12-31"},
			in:            []string{"2023-01-01", "2023-12-31"},
			out:           []string{"2022-12-31", "2024-01-01"},
			reason:        "the most recent closed exercise is the one ending last, whatever the slice order",
		},
		{
			name:          "only open exercises",
			periods:       []Period{yr("2024", StatusOpen)},
			wantExercises: []string{"ex-2024"},
			wantRanges:    []string{"2024-01-01..2024-12-31"},
		},
		{
			name:    "no exercise at all",
			wantErr: ErrNoExercise,
			out:     []string{"2024-01-01"},
		},
		{
			name:    "situations but no exercise",
			periods: []Period{sit("s", "2024-01-01", "2024-01-31")},
			wantErr: ErrSituationOutside,
			reason:  "a situation outside every exercise makes the calendar invalid",
		},
		{
			name:          "gap year between the most recent closed and the open exercise",
			periods:       []Period{yr("2021", StatusClosed), yr("2022", StatusClosed), yr("2024", StatusOpen)},
			wantExercises: []string{"ex-2022", "ex-2024"},
			wantRanges:    []string{"2022-01-01..2022-12-31", "2024-01-01..2024-12-31"},
			in:            []string{"2022-12-31", "2024-01-01"},
			out:           []string{"2023-01-01", "2023-06-15", "2023-12-31", "2021-12-31"},
			reason:        "the scope is the union of the exercises, not the span from first to last",
		},
		{
			name: "several open exercises",
			periods: []Period{
				yr("2020", StatusClosed), yr("2021", StatusClosed), yr("2022", StatusOpen), yr("2023", StatusOpen), yr("2024", StatusOpen),
			},
			wantExercises: []string{"ex-2021", "ex-2022", "ex-2023", "ex-2024"},
			wantRanges:    []string{"2021-01-01..2024-12-31"},
			out:           []string{"2020-12-31"},
		},
		{
			name: "open exercise older than the most recent closed one",
			periods: []Period{
				yr("2021", StatusClosed), yr("2022", StatusOpen), yr("2023", StatusClosed), yr("2024", StatusOpen),
			},
			wantExercises: []string{"ex-2022", "ex-2023", "ex-2024"},
			wantRanges:    []string{"2022-01-01..2024-12-31"},
			reason:        "unusual, but the rule still reads: every open one plus the most recent closed one",
		},
		{
			name: "first exercise longer than 12 months",
			periods: []Period{
				ex("ex-first", "2022-07-01", "2023-12-31", StatusClosed), yr("2024", StatusOpen),
				sit("sit-2022-q3", "2022-07-01", "2022-09-30"),
			},
			wantExercises:  []string{"ex-first", "ex-2024"},
			wantSituations: []string{"sit-2022-q3"},
			wantRanges:     []string{"2022-07-01..2024-12-31"},
			in:             []string{"2022-07-01"},
			out:            []string{"2022-06-30"},
		},
		{
			name: "exercises off the calendar year",
			periods: []Period{
				ex("a", "2021-07-01", "2022-06-30", StatusClosed), ex("b", "2022-07-01", "2023-06-30", StatusClosed),
				ex("c", "2023-07-01", "2024-06-30", StatusOpen),
			},
			wantExercises: []string{"b", "c"},
			wantRanges:    []string{"2022-07-01..2024-06-30"},
			in:            []string{"2022-07-01", "2024-06-30"},
			out:           []string{"2022-06-30", "2024-07-01"},
		},
		{
			name:    "situation straddling two exercises",
			periods: []Period{yr("2023", StatusClosed), yr("2024", StatusOpen), sit("s", "2023-12-01", "2024-01-31")},
			wantErr: ErrSituationOutside,
			out:     []string{"2024-01-01"},
			reason:  "validation rejects the calendar, and the returned scope is empty",
		},
		{
			name:    "overlapping exercises",
			periods: []Period{yr("2024", StatusOpen), ex("x", "2024-06-01", "2025-05-31", StatusOpen)},
			wantErr: ErrOverlap,
		},
		{
			name: "old closed exercise created after initialization",
			periods: []Period{
				yr("2021", StatusClosed), yr("2022", StatusClosed), yr("2023", StatusOpen),
				created(yr("2019", StatusClosed), initAt.Add(time.Hour)),
				sit("sit-2019-01", "2019-01-01", "2019-01-31"),
			},
			initializedAt:  initAt,
			wantExercises:  []string{"ex-2019", "ex-2022", "ex-2023"},
			wantSituations: []string{"sit-2019-01"},
			wantRanges:     []string{"2019-01-01..2019-12-31", "2022-01-01..2023-12-31"},
			out:            []string{"2020-06-01", "2021-06-01"},
			reason:         `"newly created exercises are included": no condition on status or age`,
		},
		{
			name: "new exercise closed after initialization keeps the previous closed one",
			periods: []Period{
				yr("2021", StatusClosed), yr("2022", StatusClosed), yr("2023", StatusOpen),
				created(yr("2024", StatusClosed), initAt.Add(time.Hour)),
			},
			initializedAt: initAt,
			wantExercises: []string{"ex-2022", "ex-2023", "ex-2024"},
			wantRanges:    []string{"2022-01-01..2024-12-31"},
			reason:        "only exercises that existed at initialization compete for most recent closed",
		},
		{
			name: "exercise created before initialization follows the normal rules",
			periods: []Period{
				yr("2021", StatusClosed), created(yr("2019", StatusClosed), initAt.Add(-time.Hour)),
				created(yr("2020", StatusClosed), initAt),
			},
			initializedAt: initAt,
			wantExercises: []string{"ex-2021"},
			wantRanges:    []string{"2021-01-01..2021-12-31"},
			reason:        "CreatedAt equal to initializedAt is not after it",
		},
		{
			name: "zero initializedAt: nothing counts as newly created",
			periods: []Period{
				yr("2021", StatusClosed), created(yr("2019", StatusClosed), initAt.Add(time.Hour)),
			},
			wantExercises: []string{"ex-2021"},
			wantRanges:    []string{"2021-01-01..2021-12-31"},
		},
		{
			name:          "one-day exercises merge when adjacent",
			periods:       []Period{ex("d1", "2024-02-28", "2024-02-28", StatusOpen), ex("d2", "2024-02-29", "2024-02-29", StatusOpen), ex("d4", "2024-03-02", "2024-03-02", StatusOpen)},
			wantExercises: []string{"d1", "d2", "d4"},
			wantRanges:    []string{"2024-02-28..2024-02-29", "2024-03-02..2024-03-02"},
			in:            []string{"2024-02-28", "2024-02-29", "2024-03-02"},
			out:           []string{"2024-02-27", "2024-03-01", "2024-03-03"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := Calendar{Periods: slices.Clone(tt.periods)}
			s, err := cal.Scope(tt.initializedAt)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Scope error = %v, want %v (%s)", err, tt.wantErr, tt.reason)
				}
				if !s.IsEmpty() || s.Exercises() != nil || s.Situations() != nil || s.Ranges() != nil {
					t.Errorf("Scope returned %v with an error, want the empty scope", s)
				}
			} else if err != nil {
				t.Fatalf("Scope: %v", err)
			}
			if diff := cmp.Diff(tt.wantExercises, ids(s.Exercises())); diff != "" {
				t.Errorf("Exercises mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if diff := cmp.Diff(tt.wantSituations, ids(s.Situations())); diff != "" {
				t.Errorf("Situations mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			if diff := cmp.Diff(tt.wantRanges, rangeStrings(s.Ranges())); diff != "" {
				t.Errorf("Ranges mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			for _, d := range tt.in {
				if !s.Contains(mustDate(t, d)) {
					t.Errorf("Contains(%s) = false, want true (%s)", d, tt.reason)
				}
			}
			for _, d := range tt.out {
				if s.Contains(mustDate(t, d)) {
					t.Errorf("Contains(%s) = true, want false (%s)", d, tt.reason)
				}
			}
			for _, id := range tt.wantExercises {
				if !s.ContainsPeriod(id) {
					t.Errorf("ContainsPeriod(%q) = false", id)
				}
			}
			if diff := cmp.Diff(tt.periods, cal.Periods); diff != "" {
				t.Errorf("Scope modified the calendar (-before +after):\n%s", diff)
			}
		})
	}
}

func TestScopeBoundaries(t *testing.T) {
	// Every exercise boundary of seed scenario 1, one day either side.
	cal := Calendar{Periods: []Period{year(t, "2024", StatusOpen), year(t, "2023", StatusClosed), year(t, "2022", StatusClosed)}}
	s, err := cal.Scope(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		date string
		want bool
	}{
		{"2022-12-31", false},
		{"2023-01-01", true},
		{"2023-12-31", true},
		{"2024-01-01", true},
		{"2024-12-31", true},
		{"2025-01-01", false},
	}
	for _, tt := range tests {
		if got := s.Contains(mustDate(t, tt.date)); got != tt.want {
			t.Errorf("Contains(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
	for _, d := range []Date{{}, {2023, 2, 29}, {2024, 13, 1}, {2024, 6, 0}, {2024, 1, 32}} {
		if s.Contains(d) {
			t.Errorf("Contains(%#v) = true for an invalid date", d)
		}
	}
}

func TestScopeZeroValueAndAliasing(t *testing.T) {
	var zero Scope
	if !zero.IsEmpty() || zero.Contains(Date{2024, 1, 1}) || zero.ContainsPeriod("") || zero.String() != "(empty)" {
		t.Errorf("zero Scope is not empty: %v", zero)
	}
	cal := Calendar{Periods: []Period{
		year(t, "2022", StatusClosed), year(t, "2024", StatusOpen), situation(t, "s", "2024-05-01", "2024-05-31"),
	}}
	s, err := cal.Scope(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "2022-01-01..2022-12-31, 2024-01-01..2024-12-31"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	// Changing returned slices or the calendar does not change the scope.
	s.Exercises()[0].ID = "changed"
	s.Situations()[0].ID = "changed"
	s.Ranges()[0].Start = Date{1999, 1, 1}
	cal.Periods[0].Start = Date{1990, 1, 1}
	if diff := cmp.Diff([]string{"ex-2022", "ex-2024"}, ids(s.Exercises())); diff != "" {
		t.Errorf("Exercises aliased (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s"}, ids(s.Situations())); diff != "" {
		t.Errorf("Situations aliased (-want +got):\n%s", diff)
	}
	if s.Contains(Date{1999, 6, 1}) || s.Contains(Date{1995, 6, 1}) || s.Ranges()[0].Start != (Date{2022, 1, 1}) {
		t.Error("Ranges aliased")
	}
	if !s.ContainsPeriod("s") || s.ContainsPeriod("ex-2023") {
		t.Error("ContainsPeriod is wrong")
	}
}

func TestScopeContainsAllocs(t *testing.T) {
	s, err := Calendar{Periods: []Period{year(t, "2023", StatusClosed), year(t, "2024", StatusOpen)}}.Scope(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	d := Date{2024, 5, 1}
	var ok bool
	if n := testing.AllocsPerRun(100, func() { ok = s.Contains(d) }); n != 0 || !ok {
		t.Errorf("Contains allocates %v times (result %v), want 0", n, ok)
	}
}

// fuzzCalendar decodes layout into a calendar of consecutive exercises, each
// described by 3 bytes (gap, length, flags) and optionally followed by a
// situation. Most calendars are valid; some overlap or hold a misplaced
// situation on purpose.
func fuzzCalendar(layout []byte, initializedAt time.Time) Calendar {
	var cal Calendar
	start := Date{2000, time.January, 1}
	for i := 0; i+3 <= len(layout) && i < 3*64; i += 3 {
		gapByte, lenByte, flags := layout[i], layout[i+1], layout[i+2]
		gap := 0
		switch {
		case gapByte >= 250:
			gap = -10 * int(gapByte-249) // overlap the previous exercise
		case gapByte >= 160:
			gap = int(gapByte - 160)
		}
		if len(cal.Periods) > 0 {
			start = start.AddDays(gap)
		}
		end := start.AddDays(int(lenByte) * 3)
		p := Period{ID: "ex" + string(rune('A'+i/3)), Kind: KindExercise, Start: start, End: end, Status: StatusClosed}
		if flags&1 != 0 {
			p.Status = StatusOpen
		}
		switch {
		case flags&2 != 0:
			p.CreatedAt = initializedAt.Add(time.Hour)
		case flags&4 != 0:
			p.CreatedAt = initializedAt.Add(-time.Hour)
		}
		cal.Periods = append(cal.Periods, p)
		if flags&8 != 0 {
			sEnd := start.AddDays(int(lenByte))
			if flags&16 != 0 {
				sEnd = end.AddDays(int(flags >> 5)) // may run past the exercise
			}
			cal.Periods = append(cal.Periods, Period{ID: "s" + p.ID, Kind: KindSituation, Start: start, End: sEnd})
		}
		start = end.AddDays(1)
	}
	return cal
}

// naiveInitialized restates the initialization rules as plainly as possible.
func naiveInitialized(cal Calendar, initializedAt time.Time) []Period {
	isNew := func(p Period) bool {
		return !initializedAt.IsZero() && !p.CreatedAt.IsZero() && p.CreatedAt.After(initializedAt)
	}
	var latest *Period
	for i, p := range cal.Periods {
		if p.Kind == KindExercise && p.Status == StatusClosed && !isNew(p) && (latest == nil || p.End.After(latest.End)) {
			latest = &cal.Periods[i]
		}
	}
	var out []Period
	for i, p := range cal.Periods {
		if p.Kind == KindExercise && (p.Status == StatusOpen || isNew(p) || latest == &cal.Periods[i]) {
			out = append(out, p)
		}
	}
	return out
}

func FuzzScopeContains(f *testing.F) {
	f.Add([]byte{0, 121, 0, 0, 121, 0, 0, 121, 1}, []byte{0, 0, 1, 200, 255, 255}, false)   // scenario 1 shape
	f.Add([]byte{0, 121, 8, 0, 121, 0, 0, 121, 1, 0, 122, 1}, []byte{17, 3, 40, 40}, true)  // scenario 2 shape, with a situation
	f.Add([]byte{0, 121, 0, 200, 121, 1}, []byte{1, 2, 3, 4}, false)                        // gap
	f.Add([]byte{0, 121, 0, 0, 121, 3, 0, 121, 2, 255, 121, 0}, []byte{9, 9, 200, 1}, true) // created after init, overlap
	f.Add([]byte{0, 200, 0, 0, 121, 24, 0, 121, 1}, []byte{0, 90, 20, 20}, false)           // situation past its exercise
	f.Add([]byte{}, []byte{1, 1}, false)                                                    // no exercise
	f.Fuzz(func(t *testing.T, layout, probes []byte, withInit bool) {
		var initializedAt time.Time
		if withInit {
			initializedAt = initAt
		}
		cal := fuzzCalendar(layout, initializedAt)
		s, err := cal.Scope(initializedAt)
		verr := cal.Validate()
		switch {
		case verr != nil:
			if err == nil || err.Error() != verr.Error() {
				t.Fatalf("Scope error %v differs from Validate error %v", err, verr)
			}
		case len(naiveInitialized(cal, initializedAt)) == 0:
			if !errors.Is(err, ErrNoExercise) {
				t.Fatalf("no exercise: Scope error = %v, want ErrNoExercise", err)
			}
		case err != nil:
			t.Fatalf("Scope on a valid calendar: %v", err)
		}
		var initialized []Period
		if err == nil {
			initialized = naiveInitialized(cal, initializedAt)
		} else if !s.IsEmpty() {
			t.Fatalf("Scope returned %v with error %v", s, err)
		}
		inNaive := func(d Date) bool {
			for _, p := range initialized {
				if p.Contains(d) {
					return true
				}
			}
			return false
		}
		check := func(d Date) {
			if got, want := s.Contains(d), inNaive(d); got != want {
				t.Fatalf("Contains(%v) = %v, naive check says %v; scope %v", d, got, want, s)
			}
		}
		// Every boundary, one day either side, then the fuzzed probes.
		for _, p := range cal.Periods {
			for _, d := range []Date{p.Start.AddDays(-1), p.Start, p.End, p.End.AddDays(1)} {
				check(d)
			}
		}
		for i := 0; i+2 <= len(probes); i += 2 {
			check(Date{1999, time.June, 1}.AddDays(int(probes[i])<<8 | int(probes[i+1])))
		}
		// Ranges are sorted, disjoint and not adjacent.
		rs := s.Ranges()
		for i := 1; i < len(rs); i++ {
			if !rs[i-1].End.AddDays(1).Before(rs[i].Start) {
				t.Fatalf("ranges %v and %v are not sorted, disjoint and apart", rs[i-1], rs[i])
			}
		}
		// Situations: exactly those inside an initialized exercise.
		var want []string
		for _, p := range cal.Periods {
			if p.Kind == KindSituation && err == nil && inNaive(p.Start) && inNaive(p.End) {
				want = append(want, p.ID)
			}
		}
		got := ids(s.Situations())
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("Situations = %v, want %v", got, want)
		}
	})
}
