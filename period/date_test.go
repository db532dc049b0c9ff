package period

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dateCase is one line of testdata/dates.txt.
type dateCase struct {
	input string
	ok    bool
}

// loadDateCases reads testdata/dates.txt; TestParseDate and FuzzParseDate share it.
func loadDateCases(tb testing.TB) []dateCase {
	tb.Helper()
	f, err := os.Open("testdata/dates.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cases []dateCase
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		verdict, quoted, found := strings.Cut(text, " ")
		input, err := strconv.Unquote(quoted)
		if !found || err != nil || (verdict != "ok" && verdict != "bad") {
			tb.Fatalf("testdata/dates.txt:%d: malformed line %q", line, text)
		}
		cases = append(cases, dateCase{input: input, ok: verdict == "ok"})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return cases
}

// mustDate parses s or fails the test or benchmark.
func mustDate(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// naiveDateValid is an independent, slow oracle for ParseDate: the exact
// layout checked byte by byte, the numbers read with strconv, and the day's
// existence checked by time.Date not normalising it.
func naiveDateValid(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := range len(s) {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return y >= 1 && t.Year() == y && int(t.Month()) == m && t.Day() == d
}

func TestParseDate(t *testing.T) {
	for _, tc := range loadDateCases(t) {
		t.Run(strconv.Quote(tc.input), func(t *testing.T) {
			if got := naiveDateValid(tc.input); got != tc.ok {
				t.Fatalf("testdata disagrees with the oracle: naiveDateValid = %v", got)
			}
			d, err := ParseDate(tc.input)
			if !tc.ok {
				if err == nil {
					t.Fatalf("ParseDate = %v, want an error", d)
				}
				if !errors.Is(err, ErrInvalidDate) {
					t.Errorf("error %v does not match ErrInvalidDate", err)
				}
				var de *DateError
				if !errors.As(err, &de) || de.Input != tc.input {
					t.Errorf("error %#v is not a *DateError with Input %q", err, tc.input)
				}
				if d != (Date{}) {
					t.Errorf("ParseDate returned %#v with its error, want the zero Date", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate: %v", err)
			}
			want, err := time.Parse(time.DateOnly, tc.input)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(DateOf(want), d); diff != "" {
				t.Errorf("ParseDate mismatch (-want +got):\n%s", diff)
			}
			if got := d.String(); got != tc.input {
				t.Errorf("String() = %q, want %q", got, tc.input)
			}
			if !d.IsValid() || d.IsZero() {
				t.Errorf("IsValid() = %v, IsZero() = %v, want true, false", d.IsValid(), d.IsZero())
			}
		})
	}
}

func TestNewDate(t *testing.T) {
	tests := []struct {
		name             string
		year, month, day int
		wantErr          bool
	}{
		{"ordinary", 2024, 1, 31, false},
		{"leap day", 2024, 2, 29, false},
		{"no leap day in 2023", 2023, 2, 29, true},
		{"february 30", 2023, 2, 30, true},
		{"month 13", 2023, 13, 1, true},
		{"month 0", 2023, 0, 1, true},
		{"day 0", 2023, 1, 0, true},
		{"negative day", 2023, 1, -1, true},
		{"year 0", 0, 1, 1, true},
		{"year 10000", 10000, 1, 1, true},
		{"first", 1, 1, 1, false},
		{"last", 9999, 12, 31, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDate(tt.year, time.Month(tt.month), tt.day)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidDate) {
					t.Fatalf("NewDate = %v, %v; want an error matching ErrInvalidDate", d, err)
				}
				if !d.IsZero() {
					t.Errorf("NewDate returned %v with its error, want the zero Date", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Date{Year: tt.year, Month: time.Month(tt.month), Day: tt.day}
			if d != want {
				t.Errorf("NewDate = %#v, want %#v", d, want)
			}
		})
	}
}

func TestDateStringInvalid(t *testing.T) {
	tests := []struct {
		d    Date
		want string
	}{
		{Date{}, "0000-00-00"},
		{Date{2023, 2, 30}, "2023-02-30"},
		{Date{12345, 1, 1}, "12345-01-01"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		Date    Date  `json:"date"`
		DueDate *Date `json:"dueDate"`
		Skipped Date  `json:"skipped,omitzero"`
	}
	d := Date{2024, time.January, 31}
	t.Run("round trip", func(t *testing.T) {
		in := doc{Date: d, DueDate: &Date{2024, time.February, 29}}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"date":"2024-01-31","dueDate":"2024-02-29"}`
		if string(b) != want {
			t.Errorf("Marshal = %s, want %s", b, want)
		}
		var out doc
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, out); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("null", func(t *testing.T) {
		out := doc{Date: d, DueDate: &d}
		if err := json.Unmarshal([]byte(`{"date":null,"dueDate":null}`), &out); err != nil {
			t.Fatal(err)
		}
		// encoding/json sets the pointer to nil itself; a Date value keeps
		// its content, following the "null is a no-op" convention.
		if out.Date != d || out.DueDate != nil {
			t.Errorf("got Date %v, DueDate %v; want %v, nil", out.Date, out.DueDate, d)
		}
	})
	t.Run("escaped", func(t *testing.T) {
		var got Date
		if err := json.Unmarshal([]byte(`"2024\u002d01-31"`), &got); err != nil {
			t.Fatal(err)
		}
		if got != d {
			t.Errorf("got %v, want %v", got, d)
		}
	})
	t.Run("zero date marshal fails", func(t *testing.T) {
		_, err := json.Marshal(doc{DueDate: &d})
		if !errors.Is(err, ErrInvalidDate) {
			t.Errorf("Marshal of the zero Date: err = %v, want ErrInvalidDate", err)
		}
	})
	bad := []struct {
		name, data string
	}{
		{"number", `20240131`},
		{"empty string", `""`},
		{"impossible day", `"2023-02-30"`},
		{"escaped impossible day", `"2023-02\u002d30"`},
		{"datetime", `"2024-01-31T00:00:00Z"`},
		{"unterminated", `"2024-01-31`},
		{"bad escape", `"2024-01-3\x"`},
		{"object", `{}`},
		{"true", `true`},
		{"empty input", ``},
		{"whitespace inside", `" 2024-01-31"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			got := d
			err := got.UnmarshalJSON([]byte(tt.data))
			if !errors.Is(err, ErrInvalidDate) {
				t.Errorf("UnmarshalJSON(%s) = %v, want an error matching ErrInvalidDate", tt.data, err)
			}
			if got != d {
				t.Errorf("UnmarshalJSON changed the date to %v on error", got)
			}
		})
	}
}

func TestDateText(t *testing.T) {
	d := Date{2024, time.March, 1}
	b, err := d.MarshalText()
	if err != nil || string(b) != "2024-03-01" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	b, err = d.AppendText([]byte("due "))
	if err != nil || string(b) != "due 2024-03-01" {
		t.Fatalf("AppendText = %q, %v", b, err)
	}
	if _, err := (Date{2023, 2, 29}).MarshalText(); !errors.Is(err, ErrInvalidDate) {
		t.Errorf("MarshalText of 2023-02-29: err = %v, want ErrInvalidDate", err)
	}
	if b, err := (Date{}).AppendText([]byte("x")); !errors.Is(err, ErrInvalidDate) || string(b) != "x" {
		t.Errorf("AppendText of the zero Date = %q, %v; want \"x\", ErrInvalidDate", b, err)
	}
	var got Date
	if err := got.UnmarshalText([]byte("2024-03-01")); err != nil || got != d {
		t.Errorf("UnmarshalText = %v, %v", got, err)
	}
	if err := got.UnmarshalText([]byte("2024-3-1")); !errors.Is(err, ErrInvalidDate) || got != d {
		t.Errorf("UnmarshalText(2024-3-1) = %v, %v; want unchanged date and ErrInvalidDate", got, err)
	}
	// As a map key, a Date goes through the Text methods.
	m := map[Date]int{d: 1}
	mb, err := json.Marshal(m)
	if err != nil || string(mb) != `{"2024-03-01":1}` {
		t.Errorf("Marshal(map) = %s, %v", mb, err)
	}
}

func TestDateErrorMessage(t *testing.T) {
	_, err := ParseDate("2023-02-30")
	const want = `period: invalid date "2023-02-30": day out of range for the month`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	long := strings.Repeat("9", 100)
	_, err = ParseDate(long)
	if err == nil || !strings.Contains(err.Error(), `"`+long[:64]+`"...`) {
		t.Errorf("long input not truncated in %v", err)
	}
}

func TestDateCompare(t *testing.T) {
	dates := []Date{
		{}, {1, 1, 1}, {2023, 12, 31}, {2024, 1, 1}, {2024, 1, 31}, {2024, 2, 1}, {9999, 12, 31},
	}
	for i, a := range dates {
		for j, b := range dates {
			want := cmpInt(i, j)
			if got := a.Compare(b); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", a, b, got, want)
			}
			if got := a.Before(b); got != (want < 0) {
				t.Errorf("%v.Before(%v) = %v", a, b, got)
			}
			if got := a.After(b); got != (want > 0) {
				t.Errorf("%v.After(%v) = %v", a, b, got)
			}
		}
	}
}

// TestDayNumberEveryDay walks every valid date and checks the day-number
// arithmetic against a plain increment, so AddDays and DaysSince are exact.
func TestDayNumberEveryDay(t *testing.T) {
	d := Date{1, time.January, 1}
	if d.dayNumber() != minDayNumber {
		t.Fatal("minDayNumber disagrees with 0001-01-01")
	}
	epoch := Date{1970, time.January, 1}
	if n := epoch.dayNumber(); n != 0 {
		t.Fatalf("1970-01-01 has day number %d, want 0", n)
	}
	for z := minDayNumber; z <= maxDayNumber; z++ {
		if got := dateFromDayNumber(z); got != d {
			t.Fatalf("dateFromDayNumber(%d) = %v, want %v", z, got, d)
		}
		if got := d.dayNumber(); got != z {
			t.Fatalf("%v.dayNumber() = %d, want %d", d, got, z)
		}
		// Next day by hand.
		switch {
		case d.Day < daysIn(d.Month, d.Year):
			d.Day++
		case d.Month < time.December:
			d.Month, d.Day = d.Month+1, 1
		default:
			d.Year, d.Month, d.Day = d.Year+1, time.January, 1
		}
	}
	if d != (Date{10000, time.January, 1}) {
		t.Errorf("walk ended at %v", d)
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		name string
		d    Date
		n    int
		want Date
	}{
		{"zero", Date{2024, 1, 31}, 0, Date{2024, 1, 31}},
		{"month end", Date{2024, 1, 31}, 1, Date{2024, 2, 1}},
		{"leap day", Date{2024, 2, 28}, 1, Date{2024, 2, 29}},
		{"after leap day", Date{2024, 2, 28}, 2, Date{2024, 3, 1}},
		{"common year", Date{2023, 2, 28}, 1, Date{2023, 3, 1}},
		{"year end", Date{2023, 12, 31}, 1, Date{2024, 1, 1}},
		{"backwards", Date{2024, 1, 1}, -1, Date{2023, 12, 31}},
		{"leap year length", Date{2024, 1, 1}, 366, Date{2025, 1, 1}},
		{"first day", Date{1, 1, 2}, -1, Date{1, 1, 1}},
		{"before first day", Date{1, 1, 1}, -1, Date{}},
		{"last day", Date{9999, 12, 30}, 1, Date{9999, 12, 31}},
		{"after last day", Date{9999, 12, 31}, 1, Date{}},
		{"huge", Date{2024, 1, 1}, int(^uint(0) >> 1), Date{}},
		{"huge negative", Date{2024, 1, 1}, -int(^uint(0)>>1) - 1, Date{}},
		{"invalid receiver", Date{2023, 2, 30}, 1, Date{}},
		{"zero receiver", Date{}, 1, Date{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.AddDays(tt.n); got != tt.want {
				t.Errorf("%v.AddDays(%d) = %v, want %v", tt.d, tt.n, got, tt.want)
			}
			if tt.want.IsValid() {
				if got := tt.want.DaysSince(tt.d); got != tt.n {
					t.Errorf("%v.DaysSince(%v) = %d, want %d", tt.want, tt.d, got, tt.n)
				}
			}
		})
	}
}

func TestDateOfAndIn(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	// 23:30 UTC on 31 January is already 1 February in Paris.
	instant := time.Date(2024, time.January, 31, 23, 30, 0, 0, time.UTC)
	if got, want := DateOf(instant), (Date{2024, 1, 31}); got != want {
		t.Errorf("DateOf(UTC) = %v, want %v", got, want)
	}
	if got, want := DateOf(instant.In(paris)), (Date{2024, 2, 1}); got != want {
		t.Errorf("DateOf(Paris) = %v, want %v", got, want)
	}
	d := Date{2024, time.February, 1}
	if got, want := d.In(paris), time.Date(2024, 2, 1, 0, 0, 0, 0, paris); !got.Equal(want) || got.Location() != paris {
		t.Errorf("In(Paris) = %v, want %v", got, want)
	}
	if got, want := d.In(nil), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("In(nil) = %v, want %v", got, want)
	}
	if got := DateOf(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)); got.IsValid() {
		t.Errorf("DateOf(year 0) = %v is valid", got)
	}
}

func TestParseDateAllocs(t *testing.T) {
	var sink Date
	text := []byte("2024-01-31")
	quoted := []byte(`"2024-01-31"`)
	tests := []struct {
		name string
		f    func()
	}{
		{"ParseDate", func() { sink, _ = ParseDate("2024-01-31") }},
		{"UnmarshalText", func() { _ = sink.UnmarshalText(text) }},
		{"UnmarshalJSON", func() { _ = sink.UnmarshalJSON(quoted) }},
		{"AppendText", func() { _, _ = sink.AppendText(text[:0]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.f); n != 0 {
				t.Errorf("%s allocates %v times per call, want 0", tt.name, n)
			}
		})
	}
	if sink != (Date{2024, 1, 31}) {
		t.Errorf("parsed %v", sink)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, tc := range loadDateCases(f) {
		f.Add(tc.input)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if ok := naiveDateValid(s); ok != (err == nil) {
			t.Fatalf("ParseDate(%q) error = %v, oracle says valid = %v", s, err, ok)
		}
		if err != nil {
			var de *DateError
			if !errors.As(err, &de) || de.Input != s || !errors.Is(err, ErrInvalidDate) {
				t.Fatalf("ParseDate(%q): error %#v is not a *DateError for the input", s, err)
			}
		} else {
			if got := d.String(); got != s {
				t.Fatalf("ParseDate(%q).String() = %q", s, got)
			}
			if tp, err := time.Parse(time.DateOnly, s); err != nil || DateOf(tp) != d {
				t.Fatalf("time.Parse(%q) = %v, %v; ParseDate gave %v", s, tp, err, d)
			}
			if n := d.AddDays(1).DaysSince(d); n != 1 && d != (Date{9999, 12, 31}) {
				t.Fatalf("%v: AddDays(1).DaysSince = %d", d, n)
			}
		}
		// The Text and JSON decoders agree with ParseDate.
		var td Date
		if terr := td.UnmarshalText([]byte(s)); (terr == nil) != (err == nil) || td != d {
			t.Fatalf("UnmarshalText(%q) = %v, %v; ParseDate = %v, %v", s, td, terr, d, err)
		}
		quoted, _ := json.Marshal(s)
		var jd Date
		if jerr := jd.UnmarshalJSON(quoted); (jerr == nil) != (err == nil) || jd != d {
			t.Fatalf("UnmarshalJSON(%s) = %v, %v; ParseDate = %v, %v", quoted, jd, jerr, d, err)
		}
		// Raw bytes as JSON must never panic.
		_ = jd.UnmarshalJSON([]byte(s))
	})
}
