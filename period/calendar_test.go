package period

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// exercise builds an exercise from YYYY-MM-DD strings without validating it.
func exercise(tb testing.TB, id, start, end string, status Status) Period {
	tb.Helper()
	return Period{ID: id, Kind: KindExercise, Start: mustDate(tb, start), End: mustDate(tb, end), Status: status}
}

// situation builds a situation from YYYY-MM-DD strings without validating it.
func situation(tb testing.TB, id, start, end string) Period {
	tb.Helper()
	return Period{ID: id, Kind: KindSituation, Start: mustDate(tb, start), End: mustDate(tb, end)}
}

// year builds the calendar-year exercise "ex-<y>".
func year(tb testing.TB, y string, status Status) Period {
	tb.Helper()
	return exercise(tb, "ex-"+y, y+"-01-01", y+"-12-31", status)
}

// pathRule is how tests compare validation errors: by path and rule, never
// by message.
type pathRule struct{ Path, Rule string }

func problemsOf(t *testing.T, err error) []pathRule {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if len(ve.Fields) == 0 {
		t.Fatal("*ValidationError without fields")
	}
	var got []pathRule
	for _, f := range ve.Fields {
		if f.Err == nil || f.Message == "" {
			t.Errorf("field error %#v lacks a sentinel or a message", f)
		}
		if !errors.Is(err, f.Err) {
			t.Errorf("errors.Is(err, %v) = false for one of its own fields", f.Err)
		}
		got = append(got, pathRule{f.Path, f.Rule})
	}
	return got
}

func TestPeriodConstructors(t *testing.T) {
	d := func(s string) Date { return mustDate(t, s) }
	tests := []struct {
		name  string
		build func() (Period, error)
		want  []pathRule
	}{
		{"exercise", func() (Period, error) {
			return NewExercise("ex-2024", d("2024-01-01"), d("2024-12-31"), StatusOpen)
		}, nil},
		{"one-day exercise", func() (Period, error) {
			return NewExercise("ex", d("2024-01-01"), d("2024-01-01"), StatusClosed)
		}, nil},
		{"situation", func() (Period, error) {
			return NewSituation("sit-2024-q1", d("2024-01-01"), d("2024-03-31"))
		}, nil},
		{"everything wrong", func() (Period, error) {
			return NewExercise("", Date{2023, 2, 30}, Date{}, "archived")
		}, []pathRule{{"/end", RuleRequired}, {"/id", RuleRequired}, {"/start", RuleDate}, {"/status", RuleStatus}}},
		{"start after end", func() (Period, error) {
			return NewSituation("s", d("2024-02-01"), d("2024-01-31"))
		}, []pathRule{{"/end", RuleStartAfterEnd}}},
		{"exercise without status", func() (Period, error) {
			return NewExercise("ex", d("2024-01-01"), d("2024-12-31"), "")
		}, []pathRule{{"/status", RuleStatus}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.build()
			if diff := cmp.Diff(tt.want, problemsOf(t, err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if err != nil && !cmp.Equal(p, Period{}) {
				t.Errorf("constructor returned %+v with its error, want the zero Period", p)
			}
		})
	}
}

func TestKindStatusText(t *testing.T) {
	for _, k := range []Kind{KindExercise, KindSituation} {
		b, err := k.MarshalText()
		var got Kind
		if err != nil || got.UnmarshalText(b) != nil || got != k {
			t.Errorf("Kind %q does not round-trip: %q, %v, %q", k, b, err, got)
		}
	}
	for _, s := range []Status{StatusOpen, StatusClosed} {
		b, err := s.MarshalText()
		var got Status
		if err != nil || got.UnmarshalText(b) != nil || got != s {
			t.Errorf("Status %q does not round-trip: %q, %v, %q", s, b, err, got)
		}
	}
	bad := []struct {
		name string
		err  error
		sent error
	}{
		{"unmarshal kind", new(Kind).UnmarshalText([]byte("Exercise")), ErrUnknownKind},
		{"unmarshal empty kind", new(Kind).UnmarshalText(nil), ErrUnknownKind},
		{"marshal kind", second(Kind("period").MarshalText()), ErrUnknownKind},
		{"unmarshal status", new(Status).UnmarshalText([]byte("cloturé")), ErrUnknownStatus},
		{"marshal empty status", second(Status("").MarshalText()), ErrUnknownStatus},
		{"json kind", json.Unmarshal([]byte(`{"kind":"year"}`), new(Period)), ErrUnknownKind},
		{"json status", json.Unmarshal([]byte(`{"status":"OPEN"}`), new(Period)), ErrUnknownStatus},
		{"json date", json.Unmarshal([]byte(`{"start":"2023-02-30"}`), new(Period)), ErrInvalidDate},
	}
	for _, tt := range bad {
		if !errors.Is(tt.err, tt.sent) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.sent)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestCalendarValidate(t *testing.T) {
	ex, sit, yr := func(id, s, e string, st Status) Period { return exercise(t, id, s, e, st) },
		func(id, s, e string) Period { return situation(t, id, s, e) },
		func(y string, st Status) Period { return year(t, y, st) }
	tests := []struct {
		name    string
		periods []Period
		want    []pathRule
		reason  string
	}{
		{name: "empty calendar", reason: "no exercise is valid; Scope reports ErrNoExercise"},
		{name: "seed scenario 2 with situations", periods: []Period{
			yr("2021", StatusClosed), yr("2022", StatusClosed), yr("2023", StatusOpen), yr("2024", StatusOpen),
			sit("sit-2021-h1", "2021-01-01", "2021-06-30"),
			sit("sit-2024-q1", "2024-01-01", "2024-03-31"),
			sit("sit-2024-12", "2024-12-01", "2024-12-31"),
			sit("sit-2023-day", "2023-12-31", "2023-12-31"),
		}},
		{name: "gap year and long first exercise", periods: []Period{
			ex("ex-first", "2020-07-01", "2021-12-31", StatusClosed), yr("2022", StatusClosed), yr("2024", StatusOpen),
		}, reason: "gaps and durations are not checked"},
		{name: "situation statuses", periods: []Period{
			yr("2024", StatusOpen),
			{ID: "s1", Kind: KindSituation, Start: Date{2024, 1, 1}, End: Date{2024, 1, 31}, Status: StatusClosed},
			{ID: "s2", Kind: KindSituation, Start: Date{2024, 2, 1}, End: Date{2024, 2, 29}, Status: "frozen"},
		}, want: []pathRule{{"/periods/2/status", RuleStatus}}},
		{name: "start after end", periods: []Period{
			ex("ex", "2024-12-31", "2024-01-01", StatusOpen),
			sit("s", "2024-03-01", "2024-02-01"),
		}, want: []pathRule{{"/periods/0/end", RuleStartAfterEnd}, {"/periods/1/end", RuleStartAfterEnd}},
			reason: "a reversed period takes no part in overlap or placement checks"},
		{name: "missing and impossible fields", periods: []Period{
			{Kind: "year", Start: Date{2023, 2, 29}, End: Date{2023, 12, 31}},
			{ID: "x", Kind: KindExercise, Status: StatusOpen},
		}, want: []pathRule{
			{"/periods/0/id", RuleRequired}, {"/periods/0/kind", RuleKind}, {"/periods/0/start", RuleDate},
			{"/periods/1/end", RuleRequired}, {"/periods/1/start", RuleRequired},
		}},
		{name: "duplicate ids", periods: []Period{
			yr("2023", StatusClosed), ex("ex-2023", "2024-01-01", "2024-12-31", StatusOpen),
			sit("ex-2023", "2024-01-01", "2024-01-31"),
		}, want: []pathRule{{"/periods/1/id", RuleDuplicateID}, {"/periods/2/id", RuleDuplicateID}}},
		{name: "overlapping exercises", periods: []Period{
			ex("b", "2023-07-01", "2024-06-30", StatusOpen), yr("2023", StatusClosed), yr("2024", StatusOpen),
		}, want: []pathRule{{"/periods/0", RuleOverlap}, {"/periods/2", RuleOverlap}},
			reason: "2023-07..2024-06 starts after 2023 and overlaps it; 2024 overlaps 2023-07..2024-06"},
		{name: "one day of overlap", periods: []Period{
			yr("2023", StatusClosed), ex("ex-2024", "2023-12-31", "2024-12-31", StatusOpen),
		}, want: []pathRule{{"/periods/1", RuleOverlap}}, reason: "both ends are inclusive"},
		{name: "long exercise covering others", periods: []Period{
			ex("all", "2020-01-01", "2029-12-31", StatusOpen), yr("2022", StatusClosed), yr("2025", StatusClosed),
		}, want: []pathRule{{"/periods/1", RuleOverlap}, {"/periods/2", RuleOverlap}}},
		{name: "same exercise twice", periods: []Period{
			yr("2024", StatusOpen), ex("again", "2024-01-01", "2024-12-31", StatusOpen),
		}, want: []pathRule{{"/periods/1", RuleOverlap}}},
		{name: "situation straddling two exercises", periods: []Period{
			yr("2023", StatusClosed), yr("2024", StatusOpen), sit("s", "2023-12-01", "2024-01-31"),
		}, want: []pathRule{{"/periods/2", RuleSituationStraddle}}},
		{name: "situation straddling three exercises", periods: []Period{
			yr("2022", StatusClosed), yr("2023", StatusClosed), yr("2024", StatusOpen), sit("s", "2022-12-01", "2024-01-31"),
		}, want: []pathRule{{"/periods/3", RuleSituationStraddle}}},
		{name: "situation in no exercise", periods: []Period{
			yr("2022", StatusClosed), yr("2024", StatusOpen), sit("s", "2023-03-01", "2023-03-31"),
		}, want: []pathRule{{"/periods/2", RuleSituationOutside}}, reason: "2023 is a gap"},
		{name: "situation running into a gap", periods: []Period{
			yr("2022", StatusClosed), yr("2024", StatusOpen), sit("s", "2022-12-01", "2023-01-31"),
		}, want: []pathRule{{"/periods/2", RuleSituationOutside}}},
		{name: "situation before every exercise", periods: []Period{
			yr("2024", StatusOpen), sit("s", "2020-01-01", "2020-01-31"),
		}, want: []pathRule{{"/periods/1", RuleSituationOutside}}},
		{name: "situations without exercises", periods: []Period{
			sit("s", "2024-01-01", "2024-01-31"),
		}, want: []pathRule{{"/periods/0", RuleSituationOutside}}},
		{name: "situation inside overlapping exercises", periods: []Period{
			yr("2024", StatusOpen), ex("dup", "2024-01-01", "2024-06-30", StatusOpen), sit("s", "2024-02-01", "2024-02-29"),
		}, want: []pathRule{{"/periods/0", RuleOverlap}, {"/periods/2", RuleSituationAmbiguous}}},
		{name: "situation with a bad date is not placed", periods: []Period{
			yr("2024", StatusOpen), {ID: "s", Kind: KindSituation, Start: Date{2030, 1, 1}},
		}, want: []pathRule{{"/periods/1/end", RuleRequired}}},
		{name: "numeric path order", periods: []Period{
			yr("2010", StatusClosed), yr("2011", StatusClosed), {ID: "", Kind: KindExercise, Start: Date{2012, 1, 1}, End: Date{2012, 12, 31}, Status: StatusClosed},
			yr("2013", StatusClosed), yr("2014", StatusClosed), yr("2015", StatusClosed), yr("2016", StatusClosed),
			yr("2017", StatusClosed), yr("2018", StatusClosed), yr("2019", StatusClosed),
			yr("2020", "shut"), yr("2021", StatusOpen),
		}, want: []pathRule{{"/periods/2/id", RuleRequired}, {"/periods/10/status", RuleStatus}},
			reason: "/periods/2 sorts before /periods/10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := Calendar{Periods: tt.periods}
			err := cal.Validate()
			if diff := cmp.Diff(tt.want, problemsOf(t, err)); diff != "" {
				t.Errorf("Validate problems mismatch (-want +got):\n%s\nreason: %s\nerror: %v", diff, tt.reason, err)
			}
		})
	}
}

func TestValidationErrorIs(t *testing.T) {
	cal := Calendar{Periods: []Period{
		year(t, "2023", StatusClosed), year(t, "2023", StatusOpen), situation(t, "s", "2025-01-01", "2025-01-31"),
	}}
	err := cal.Validate()
	for _, sentinel := range []error{ErrDuplicateID, ErrOverlap, ErrSituationOutside} {
		if !errors.Is(err, sentinel) {
			t.Errorf("errors.Is(err, %v) = false", sentinel)
		}
	}
	for _, sentinel := range []error{ErrInvalidDate, ErrStartAfterEnd, ErrNoExercise} {
		if errors.Is(err, sentinel) {
			t.Errorf("errors.Is(err, %v) = true", sentinel)
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "/periods/1" && fe.Path != "/periods/1/id" {
		t.Errorf("errors.As(*FieldError) = %v", fe)
	}
}

func TestExerciseAt(t *testing.T) {
	cal := Calendar{Periods: []Period{
		situation(t, "s", "2024-01-01", "2024-01-31"), year(t, "2022", StatusClosed), year(t, "2024", StatusOpen),
	}}
	tests := []struct {
		date   Date
		wantID string
	}{
		{Date{2024, 1, 1}, "ex-2024"},
		{Date{2024, 12, 31}, "ex-2024"},
		{Date{2022, 6, 15}, "ex-2022"},
		{Date{2023, 6, 15}, ""},
		{Date{2024, 2, 30}, ""},
		{Date{}, ""},
	}
	for _, tt := range tests {
		p, ok := cal.ExerciseAt(tt.date)
		if ok != (tt.wantID != "") || p.ID != tt.wantID {
			t.Errorf("ExerciseAt(%v) = %q, %v; want %q", tt.date, p.ID, ok, tt.wantID)
		}
	}
}

// goldenCalendar is pinned by testdata/calendar.golden: seed scenario 2 with
// situations and an exercise created after initialization.
func goldenCalendar(tb testing.TB) Calendar {
	created := time.Date(2025, time.March, 3, 9, 30, 0, 0, time.UTC)
	ex2025 := year(tb, "2025", StatusOpen)
	ex2025.CreatedAt = created
	return Calendar{Periods: []Period{
		year(tb, "2021", StatusClosed), year(tb, "2022", StatusClosed), year(tb, "2023", StatusOpen), year(tb, "2024", StatusOpen),
		situation(tb, "sit-2021-06", "2021-06-01", "2021-06-30"),
		{ID: "sit-2024-q1", Kind: KindSituation, Start: mustDate(tb, "2024-01-01"), End: mustDate(tb, "2024-03-31"), Status: StatusClosed},
		ex2025,
	}}
}

// checkGolden compares got with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestCalendarJSONGolden(t *testing.T) {
	cal := goldenCalendar(t)
	if err := cal.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(cal, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "calendar.golden", append(got, '\n'))

	var back Calendar
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cal, back); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid_calendar.json")
	if err != nil {
		t.Fatal(err)
	}
	var cal Calendar
	if err := json.Unmarshal(data, &cal); err != nil {
		t.Fatal(err)
	}
	err = cal.Validate()
	if err == nil {
		t.Fatal("Validate accepted testdata/invalid_calendar.json")
	}
	checkGolden(t, "invalid_calendar.golden", []byte(err.Error()+"\n"))
}
