package period_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/period"
)

// date parses a literal date for the examples. The literals are valid; a
// typo would give the zero Date, which Validate and Scope report.
func date(s string) period.Date {
	d, _ := period.ParseDate(s)
	return d
}

// calendarYear returns the exercise covering calendar year y.
func calendarYear(y int, status period.Status) period.Period {
	return period.Period{
		ID:     fmt.Sprint("ex-", y),
		Kind:   period.KindExercise,
		Start:  period.Date{Year: y, Month: time.January, Day: 1},
		End:    period.Date{Year: y, Month: time.December, Day: 31},
		Status: status,
	}
}

// Seed scenario 1: 2024 open, 2023 and 2022 closed. The open exercise and the
// most recent closed one are initialized, so entries from 2023-01-01 to
// 2024-12-31 are sent and any entry of 2022 is not.
func Example_scenario1() {
	sit2022, _ := period.NewSituation("sit-2022-06", date("2022-06-01"), date("2022-06-30"))
	sit2023, _ := period.NewSituation("sit-2023-06", date("2023-06-01"), date("2023-06-30"))
	cal := period.Calendar{Periods: []period.Period{
		calendarYear(2024, period.StatusOpen),
		calendarYear(2023, period.StatusClosed),
		calendarYear(2022, period.StatusClosed),
		sit2022, sit2023,
	}}
	scope, err := cal.Scope(time.Time{}) // at initialization
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("scope:", scope)
	for _, e := range scope.Exercises() {
		fmt.Println("initialized:", e.ID, e.Status)
	}
	for _, s := range scope.Situations() {
		fmt.Println("situation sent:", s.ID)
	}
	for _, d := range []string{"2022-12-31", "2023-01-01", "2024-12-31", "2025-01-01"} {
		fmt.Printf("entry dated %s sent: %v\n", d, scope.Contains(date(d)))
	}
	// Output:
	// scope: 2023-01-01..2024-12-31
	// initialized: ex-2023 closed
	// initialized: ex-2024 open
	// situation sent: sit-2023-06
	// entry dated 2022-12-31 sent: false
	// entry dated 2023-01-01 sent: true
	// entry dated 2024-12-31 sent: true
	// entry dated 2025-01-01 sent: false
}

// Seed scenario 2: 2021 and 2022 closed, 2023 and 2024 open. Every open
// exercise plus the most recent closed one (2022) are initialized: entries
// from 2022-01-01 to 2024-12-31 are sent, and a situation in 2021 is not.
func Example_scenario2() {
	sit2021, _ := period.NewSituation("sit-2021-q4", date("2021-10-01"), date("2021-12-31"))
	sit2024, _ := period.NewSituation("sit-2024-q1", date("2024-01-01"), date("2024-03-31"))
	cal := period.Calendar{Periods: []period.Period{
		calendarYear(2021, period.StatusClosed),
		calendarYear(2022, period.StatusClosed),
		calendarYear(2023, period.StatusOpen),
		calendarYear(2024, period.StatusOpen),
		sit2021, sit2024,
	}}
	scope, err := cal.Scope(time.Time{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("scope:", scope)
	fmt.Println("exercises:", len(scope.Exercises()))
	fmt.Println("sit-2021-q4 sent:", scope.ContainsPeriod("sit-2021-q4"))
	fmt.Println("sit-2024-q1 sent:", scope.ContainsPeriod("sit-2024-q1"))
	fmt.Println("entry dated 2021-11-15 sent:", scope.Contains(date("2021-11-15")))
	fmt.Println("entry dated 2022-01-01 sent:", scope.Contains(date("2022-01-01")))
	// Output:
	// scope: 2022-01-01..2024-12-31
	// exercises: 3
	// sit-2021-q4 sent: false
	// sit-2024-q1 sent: true
	// entry dated 2021-11-15 sent: false
	// entry dated 2022-01-01 sent: true
}

// A year without an exercise between the most recent closed exercise and the
// open one stays out of the scope.
func ExampleScope_Ranges() {
	cal := period.Calendar{Periods: []period.Period{
		calendarYear(2021, period.StatusClosed),
		calendarYear(2022, period.StatusClosed),
		calendarYear(2024, period.StatusOpen),
	}}
	scope, _ := cal.Scope(time.Time{})
	for _, r := range scope.Ranges() {
		fmt.Println(r)
	}
	fmt.Println("2023-06-15 in scope:", scope.Contains(date("2023-06-15")))
	// Output:
	// 2022-01-01..2022-12-31
	// 2024-01-01..2024-12-31
	// 2023-06-15 in scope: false
}

// An exercise created after the entity's initialization joins the scope
// whatever its status; pass the initialization instant to Scope.
func ExampleCalendar_Scope_createdAfterInitialization() {
	initializedAt := time.Date(2024, time.June, 1, 8, 0, 0, 0, time.UTC)
	ex2025, _ := period.NewExercise("ex-2025", date("2025-01-01"), date("2025-12-31"), period.StatusOpen)
	ex2025.CreatedAt = time.Date(2024, time.December, 15, 10, 0, 0, 0, time.UTC)
	cal := period.Calendar{Periods: []period.Period{
		calendarYear(2023, period.StatusClosed),
		calendarYear(2024, period.StatusOpen),
		ex2025,
	}}
	scope, err := cal.Scope(initializedAt)
	fmt.Println(scope, err)
	// Output:
	// 2023-01-01..2025-12-31 <nil>
}

// A calendar without any exercise is valid but synchronizes no dated data:
// Scope says so with ErrNoExercise and an empty scope.
func ExampleCalendar_Scope_noExercise() {
	var cal period.Calendar
	scope, err := cal.Scope(time.Time{})
	if errors.Is(err, period.ErrNoExercise) {
		fmt.Println("no exercise: entries are not synchronized")
	}
	fmt.Println(scope.IsEmpty(), scope.Contains(date("2024-01-01")))
	// Output:
	// no exercise: entries are not synchronized
	// true false
}

// Validate reports every problem at once, each with a JSON Pointer path, a
// stable rule code and a sentinel error.
func ExampleCalendar_Validate() {
	cal := period.Calendar{Periods: []period.Period{
		calendarYear(2023, period.StatusClosed),
		calendarYear(2024, period.StatusOpen),
		{ID: "sit-xmas", Kind: period.KindSituation, Start: date("2023-12-15"), End: date("2024-01-15")},
		{ID: "ex-2025", Kind: period.KindExercise, Start: date("2025-12-31"), End: date("2025-01-01"), Status: period.StatusOpen},
	}}
	err := cal.Validate()
	var verr *period.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Println(f.Path, f.Rule)
		}
	}
	fmt.Println("straddling situation:", errors.Is(err, period.ErrSituationOutside))
	// Output:
	// /periods/2 situation-straddle
	// /periods/3/end start-after-end
	// straddling situation: true
}
