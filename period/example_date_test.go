package period_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/period"
)

func ExampleParseDate() {
	d, err := period.ParseDate("2024-02-29")
	fmt.Println(d, d.Year, d.Month, d.Day, err)

	for _, s := range []string{"2023-02-29", "2024-1-31", "+2024-01-31"} {
		_, err := period.ParseDate(s)
		fmt.Println(errors.Is(err, period.ErrInvalidDate), err)
	}
	// Output:
	// 2024-02-29 2024 February 29 <nil>
	// true period: invalid date "2023-02-29": day out of range for the month
	// true period: invalid date "2024-1-31": want YYYY-MM-DD
	// true period: invalid date "+2024-01-31": want YYYY-MM-DD
}

func ExampleDate_AddDays() {
	d := period.Date{Year: 2024, Month: time.February, Day: 28}
	fmt.Println(d.AddDays(1), d.AddDays(2), d.AddDays(-59))
	end := period.Date{Year: 2024, Month: time.December, Day: 31}
	start := period.Date{Year: 2024, Month: time.January, Day: 1}
	fmt.Println("days in 2024:", end.DaysSince(start)+1)
	// Output:
	// 2024-02-29 2024-03-01 2023-12-31
	// days in 2024: 366
}

// Dates are JSON strings; a *Date field holds an optional date (null).
func ExampleDate_MarshalJSON() {
	type line struct {
		Date    period.Date  `json:"date"`
		DueDate *period.Date `json:"dueDate"`
	}
	var l line
	err := json.Unmarshal([]byte(`{"date":"2024-01-31","dueDate":null}`), &l)
	fmt.Println(l.Date, l.DueDate, err)
	out, err := json.Marshal(l)
	fmt.Println(string(out), err)
	// Output:
	// 2024-01-31 <nil> <nil>
	// {"date":"2024-01-31","dueDate":null} <nil>
}

// DateOf takes the date a wall clock shows in the instant's location.
func ExampleDateOf() {
	paris := time.FixedZone("CET", 3600)
	t := time.Date(2024, time.January, 31, 23, 30, 0, 0, time.UTC)
	fmt.Println(period.DateOf(t), period.DateOf(t.In(paris)))
	// Output:
	// 2024-01-31 2024-02-01
}
