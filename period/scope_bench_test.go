package period

import (
	"fmt"
	"testing"
	"time"
)

// benchScopes returns calendars for the Contains benchmarks: the seed's
// scenario 2 (one merged range) and 40 exercises created after
// initialization with a gap year between each (40 ranges).
func benchScopes(tb testing.TB) []benchCalendar {
	tb.Helper()
	wide := Calendar{}
	for y := 1950; y < 2030; y += 2 {
		p := year(tb, fmt.Sprint(y), StatusClosed)
		p.CreatedAt = initAt.Add(time.Hour)
		wide.Periods = append(wide.Periods, p)
	}
	return []benchCalendar{
		{"seed", Calendar{Periods: []Period{
			year(tb, "2021", StatusClosed), year(tb, "2022", StatusClosed), year(tb, "2023", StatusOpen), year(tb, "2024", StatusOpen),
		}}},
		{"40-ranges", wide},
	}
}

type benchCalendar struct {
	name string
	cal  Calendar
}

// benchDates is a fixed spread of dates, half of them in scope.
func benchDates() []Date {
	var ds []Date
	for y := 1949; y <= 2030; y++ {
		ds = append(ds, Date{y, time.Month(1 + y%12), 1 + y%28})
	}
	return ds
}

func BenchmarkScopeContains(b *testing.B) {
	for _, bc := range benchScopes(b) {
		s, err := bc.cal.Scope(initAt)
		if err != nil {
			b.Fatal(err)
		}
		dates := benchDates()
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for _, d := range dates {
					if s.Contains(d) {
						n++
					}
				}
			}
			b.ReportMetric(float64(b.N*len(dates))/b.Elapsed().Seconds(), "dates/s")
			if n == 0 {
				b.Fatal("nothing in scope")
			}
		})
	}
}

// The ceiling checks each date against each initialized exercise in turn.
func BenchmarkScopeContainsCeilingLinear(b *testing.B) {
	for _, bc := range benchScopes(b) {
		s, err := bc.cal.Scope(initAt)
		if err != nil {
			b.Fatal(err)
		}
		exercises := s.Exercises()
		dates := benchDates()
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for _, d := range dates {
					for _, e := range exercises {
						if e.Contains(d) {
							n++
							break
						}
					}
				}
			}
			b.ReportMetric(float64(b.N*len(dates))/b.Elapsed().Seconds(), "dates/s")
			if n == 0 {
				b.Fatal("nothing in scope")
			}
		})
	}
}

func BenchmarkCalendarScope(b *testing.B) {
	for _, bc := range benchScopes(b) {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.cal.Scope(initAt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
