package period

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Date is a civil date: a year, a month and a day, with no time of day and no
// time zone. Accounting documents carry such dates ("2024-01-31"): an entry
// dated 31 January belongs to January wherever it is read.
//
// The fields are exported so that literals such as
// Date{Year: 2024, Month: time.January, Day: 31} are easy to write, which
// also means a Date may hold an impossible day (2023-02-30) or a year outside
// 0001–9999. [Date.IsValid] reports whether it is a real calendar date in the
// supported range; [ParseDate] and [NewDate] only ever return valid dates, and
// encoding an invalid Date fails with [ErrInvalidDate].
//
// The zero value is the zero date ("no date"): it is invalid, [Date.IsZero]
// reports true, and JSON structs can skip it with the omitzero option. Dates
// are comparable with == and usable as map keys; two valid dates are equal
// exactly when they denote the same day.
type Date struct {
	Year  int        // 1–9999 for a valid date
	Month time.Month // 1–12 for a valid date
	Day   int        // 1–28, 29, 30 or 31 depending on the month
}

// Supported range of valid dates.
const (
	minYear = 1
	maxYear = 9999
)

var monthDays = [...]int{ // days in the months of a common year, by time.Month
	1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31,
}

func isLeap(year int) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}

// daysIn returns the number of days of month m (1–12) in year.
func daysIn(m time.Month, year int) int {
	if m == time.February && isLeap(year) {
		return 29
	}
	return monthDays[m]
}

// NewDate returns the date year-month-day.
//
// Unlike [time.Date] it never normalises: 2023-02-30 or month 13 is an error.
// The error is a *[DateError] matching [ErrInvalidDate] with errors.Is.
func NewDate(year int, month time.Month, day int) (Date, error) {
	d := Date{Year: year, Month: month, Day: day}
	if reason := d.invalidReason(); reason != "" {
		return Date{}, &DateError{Input: d.String(), Reason: reason}
	}
	return d, nil
}

// DateOf returns the civil date of t in t's location: the day a wall clock in
// that location shows at instant t. Convert t with [time.Time.In] first to
// pick another zone. The result is invalid (see [Date.IsValid]) when t's year
// lies outside 0001–9999.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a date written exactly as YYYY-MM-DD (RFC 3339 full-date,
// the format of every date in the sink formats), such as "2024-01-31".
//
// The year has exactly four digits in 0001–9999, the month and day exactly two,
// and the day must exist in that month: "2023-02-30", "2023-13-01", "2023-1-01",
// "+2023-01-01", " 2023-01-01", "2023-01-01T00:00:00Z" and "" are all rejected,
// never normalised. The error is a *[DateError] holding the input and matching
// [ErrInvalidDate] with errors.Is.
//
// ParseDate does not allocate unless it returns an error.
func ParseDate(s string) (Date, error) {
	d, reason := parseDate(s)
	if reason != "" {
		return Date{}, &DateError{Input: s, Reason: reason}
	}
	return d, nil
}

// Reasons given by parseDate; constants so that parsing never allocates.
const (
	reasonLayout = "want YYYY-MM-DD"
	reasonYear   = "year out of range 0001-9999"
	reasonMonth  = "month out of range 01-12"
	reasonDay    = "day out of range for the month"
)

// parseDate is the allocation-free parser shared by ParseDate, UnmarshalText
// and UnmarshalJSON. It returns a non-empty reason when s is not a valid date.
func parseDate[T ~string | ~[]byte](s T) (Date, string) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, reasonLayout
	}
	// Subtracting '0' from a byte wraps around below '0', so one comparison
	// with 9 rejects every non-digit.
	y0, y1, y2, y3 := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
	m0, m1, d0, d1 := s[5]-'0', s[6]-'0', s[8]-'0', s[9]-'0'
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 {
		return Date{}, reasonLayout
	}
	year := int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
	month := time.Month(m0)*10 + time.Month(m1)
	day := int(d0)*10 + int(d1)
	switch {
	case year < minYear:
		return Date{}, reasonYear
	case month < time.January || month > time.December:
		return Date{}, reasonMonth
	case day < 1 || day > daysIn(month, year):
		return Date{}, reasonDay
	}
	return Date{Year: year, Month: month, Day: day}, ""
}

// invalidReason returns "" when d is a valid date, else why it is not.
func (d Date) invalidReason() string {
	switch {
	case d.Year < minYear || d.Year > maxYear:
		return reasonYear
	case d.Month < time.January || d.Month > time.December:
		return reasonMonth
	case d.Day < 1 || d.Day > daysIn(d.Month, d.Year):
		return reasonDay
	}
	return ""
}

// IsValid reports whether d is a real calendar date with a year in 0001–9999.
// The zero Date is not valid.
func (d Date) IsValid() bool {
	return d.invalidReason() == ""
}

// IsZero reports whether d is the zero Date (no date). It lets encoding/json
// skip zero dates in fields tagged omitzero.
func (d Date) IsZero() bool {
	return d == Date{}
}

// String returns d as YYYY-MM-DD, such as "2024-01-31". An invalid date is
// printed field by field with the same layout (the zero Date prints as
// "0000-00-00") so that it can be shown in messages; only valid dates give
// text that [ParseDate] accepts.
func (d Date) String() string {
	if d.IsValid() {
		var buf [10]byte
		return string(d.appendValid(buf[:0]))
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// appendValid appends YYYY-MM-DD; d must be valid.
func (d Date) appendValid(b []byte) []byte {
	y, m, day := d.Year, int(d.Month), d.Day
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+day/10), byte('0'+day%10))
}

// AppendText appends d as YYYY-MM-DD to b and returns the extended buffer,
// implementing [encoding.TextAppender] so encoders can format dates without
// allocating. It returns b unchanged and a *[DateError] matching
// [ErrInvalidDate] if d is not valid.
func (d Date) AppendText(b []byte) ([]byte, error) {
	if reason := d.invalidReason(); reason != "" {
		return b, &DateError{Input: d.String(), Reason: reason}
	}
	return d.appendValid(b), nil
}

// MarshalText implements [encoding.TextMarshaler]: YYYY-MM-DD. It returns a
// *[DateError] matching [ErrInvalidDate] if d is not valid (including the zero
// Date), so that an impossible date never reaches a file.
func (d Date) MarshalText() ([]byte, error) {
	return d.AppendText(make([]byte, 0, 10))
}

// UnmarshalText implements [encoding.TextUnmarshaler] with the rules of
// [ParseDate]. On error d is left unchanged and the error is a *[DateError]
// matching [ErrInvalidDate]. It does not allocate unless it fails.
func (d *Date) UnmarshalText(text []byte) error {
	v, reason := parseDate(text)
	if reason != "" {
		return &DateError{Input: string(text), Reason: reason}
	}
	*d = v
	return nil
}

// MarshalJSON implements [json.Marshaler]: a JSON string "YYYY-MM-DD". It
// returns a *[DateError] matching [ErrInvalidDate] if d is not valid. To write
// null for a missing date, use a *Date field (nil encodes as null) or omit the
// zero Date with the omitzero option.
func (d Date) MarshalJSON() ([]byte, error) {
	if reason := d.invalidReason(); reason != "" {
		return nil, &DateError{Input: d.String(), Reason: reason}
	}
	b := make([]byte, 0, 12)
	b = append(b, '"')
	b = d.appendValid(b)
	return append(b, '"'), nil
}

// UnmarshalJSON implements [json.Unmarshaler]. It accepts a JSON string
// holding a date in the format of [ParseDate] (escaped characters are decoded
// first, as encoding/json does). Following the encoding/json convention, the
// JSON literal null is a no-op that leaves d unchanged; use a *Date field to
// tell null from a date. Any other JSON value is an error. Errors are
// *[DateError] values matching [ErrInvalidDate]; on error d is left unchanged.
//
// The common case, a 12-byte string without escapes, does not allocate.
func (d *Date) UnmarshalJSON(data []byte) error {
	if len(data) == 12 && data[0] == '"' && data[11] == '"' {
		v, reason := parseDate(data[1:11])
		if reason == "" {
			*d = v
			return nil
		}
		// A 10-byte body with a backslash could still be a valid escaped
		// string; anything else is a definite error.
		if !containsByte(data[1:11], '\\') {
			return &DateError{Input: string(data[1:11]), Reason: reason}
		}
	}
	if string(data) == "null" {
		return nil
	}
	if len(data) == 0 || data[0] != '"' {
		return &DateError{Input: string(data), Reason: "not a JSON string"}
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return &DateError{Input: string(data), Reason: "malformed JSON string"}
	}
	v, reason := parseDate(s)
	if reason != "" {
		return &DateError{Input: s, Reason: reason}
	}
	*d = v
	return nil
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// Compare returns -1 if d is before u, 0 if they are the same date and +1 if
// d is after u. It compares the fields in order (year, month, day), so it is a
// total order on every Date, valid or not. Its signature fits
// [slices.SortFunc] via func(a, b Date) int { return a.Compare(b) }.
func (d Date) Compare(u Date) int {
	switch {
	case d.Year != u.Year:
		return cmpInt(d.Year, u.Year)
	case d.Month != u.Month:
		return cmpInt(int(d.Month), int(u.Month))
	default:
		return cmpInt(d.Day, u.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is strictly before u.
func (d Date) Before(u Date) bool { return d.Compare(u) < 0 }

// After reports whether d is strictly after u.
func (d Date) After(u Date) bool { return d.Compare(u) > 0 }

// AddDays returns the date n days after d (before d if n is negative), across
// month and year ends: 2024-02-28 plus 1 day is 2024-02-29, plus 2 days is
// 2024-03-01. If d is invalid, or the result would fall outside 0001-01-01 to
// 9999-12-31, AddDays returns the zero Date, which is invalid: check
// [Date.IsValid] when n comes from input.
func (d Date) AddDays(n int) Date {
	if !d.IsValid() {
		return Date{}
	}
	z := d.dayNumber()
	if int64(n) > maxDayNumber-z || int64(n) < minDayNumber-z {
		return Date{}
	}
	return dateFromDayNumber(z + int64(n))
}

// DaysSince returns the number of days from u to d: positive when d is after
// u, so that u.AddDays(d.DaysSince(u)) == d for valid dates. The period
// 2024-01-01..2024-12-31 spans End.DaysSince(Start)+1 = 366 days. The result
// is meaningless (but DaysSince does not panic) if either date is invalid.
func (d Date) DaysSince(u Date) int {
	return int(d.dayNumber() - u.dayNumber())
}

// In returns the instant at which date d begins (midnight) in loc. A nil loc
// means UTC (where [time.Date] would panic). Invalid dates are normalised by
// [time.Date]; check [Date.IsValid] first if that matters.
func (d Date) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// dayNumber returns the number of days since 1970-01-01 in the proleptic
// Gregorian calendar (Howard Hinnant's days_from_civil). It never panics; for
// invalid fields the value is arbitrary.
func (d Date) dayNumber() int64 {
	y, m, day := int64(d.Year), int64(d.Month), int64(d.Day)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400                     // [0, 399]
	mp := (m + 9) % 12                     // March = 0 ... February = 11
	doy := (153*mp+2)/5 + day - 1          // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}

// dateFromDayNumber is the inverse of dayNumber (Hinnant's civil_from_days).
func dateFromDayNumber(z int64) Date {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return Date{Year: int(y), Month: time.Month(m), Day: int(day)}
}

// Day numbers of the first and last valid dates.
var (
	minDayNumber = Date{Year: minYear, Month: time.January, Day: 1}.dayNumber()
	maxDayNumber = Date{Year: maxYear, Month: time.December, Day: 31}.dayNumber()
)

// DateError reports a date that is not a valid YYYY-MM-DD calendar date in
// 0001–9999. It unwraps to [ErrInvalidDate].
type DateError struct {
	Input  string // the rejected text, or the fields of an invalid Date as YYYY-MM-DD
	Reason string // why it was rejected, for humans; may change, never match on it
}

// Error returns "period: invalid date "<input>": <reason>", quoting at most
// the first 64 bytes of the input.
func (e *DateError) Error() string {
	in := e.Input
	suffix := ""
	if len(in) > 64 {
		in, suffix = in[:64], "..."
	}
	return "period: invalid date " + strconv.Quote(in) + suffix + ": " + e.Reason
}

// Unwrap returns [ErrInvalidDate].
func (e *DateError) Unwrap() error { return ErrInvalidDate }
