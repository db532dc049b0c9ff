package entry

// This file holds the encoding/json methods. They all share one hand-written
// decoder and encoder (decode.go, encode.go): no reflection, amounts parsed
// straight from the JSON number text into decimals that keep their digits,
// and keys written in the order of MyUnisoft's documentation.

import "encoding/json"

// MarshalJSON implements [encoding/json.Marshaler]: MyUnisoft's shape, keys
// in order, amounts as plain JSON numbers with their digits, nil maps and
// slices written as {} and [], nil nullable fields as null. It fails only
// when a date is invalid (a *[period.DateError]; the zero Date is invalid)
// or an amount is beyond the limits of [ParseAmount] ([ErrNumber]).
func (e Entry) MarshalJSON() ([]byte, error) {
	w := encoder{b: make([]byte, 0, 2048)}
	w.entry(&e)
	return w.b, w.err
}

// UnmarshalJSON implements [encoding/json.Unmarshaler]. It decodes one entry
// object and returns nil or a *[ValidationError] listing every structural
// problem with its JSON Pointer: wrong JSON types ([ErrType]), missing
// required keys ([ErrRequired]), unknown keys in closed objects
// ([ErrUnknownField]), keys repeated in one object, at any depth
// ([ErrDuplicateKey]; the first value stands), amounts beyond range
// ([ErrNumber]), invalid dates ([ErrDate]) and lettering shapes
// ([ErrLettering]); malformed JSON ([ErrSyntax]) stops decoding. It does
// not check business rules: call [Entry.Validate] for those. It lists the
// first 100 problems and counts the others; it takes time linear in the
// size of data.
//
// On error, e holds what could be decoded (offending values left zero), so
// that Validate can still report the remaining problems. A null document
// is a type problem. Calling e.UnmarshalJSON(data) directly is faster than
// json.Unmarshal(data, e), which scans data once more before calling it.
func (e *Entry) UnmarshalJSON(data []byte) error {
	return decodeReport(data, false, func(d *decoder) error { return d.entry(e) })
}

// Decode decodes one entry as [Entry.UnmarshalJSON] does, except that keys
// the model does not declare are skipped instead of reported (rule
// RuleUnknownField): it is for readers of data written by a producer that
// may be newer than this package, such as a sink's entry events, where a
// field added by the platform must not make an entry unreadable. Every
// other structural problem is reported, in a *[ValidationError], repeated
// keys included, even inside the values it skips; business rules are not
// checked (see [Entry.Validate]).
func Decode(data []byte) (Entry, error) {
	var e Entry
	err := decodeReport(data, true, func(d *decoder) error { return d.entry(&e) })
	return e, err
}

// DecodeExtra is [Decode] that also returns the members the entry model does
// not declare, at any depth, by JSON Pointer ("/movements/0/newField"), with
// their JSON text (aliasing data): what a newer platform added, for a reader
// that must keep it. The map is nil when there are none.
func DecodeExtra(data []byte) (Entry, map[string]json.RawMessage, error) {
	var e Entry
	extra := map[string]json.RawMessage{}
	c := newChecker(nil)
	decodeDocExtra(data, true, extra, c, nil, func(d *decoder) error { return d.entry(&e) })
	if len(extra) == 0 {
		extra = nil
	}
	return e, extra, c.result()
}

// MarshalJSON implements [encoding/json.Marshaler] for one movement, as
// inside an entry.
func (m Movement) MarshalJSON() ([]byte, error) {
	w := encoder{b: make([]byte, 0, 512)}
	w.movement(&m)
	return w.b, w.err
}

// UnmarshalJSON implements [encoding/json.Unmarshaler] for one movement,
// with the rules and errors of [Entry.UnmarshalJSON]; paths are relative to
// the movement.
func (m *Movement) UnmarshalJSON(data []byte) error {
	return decodeReport(data, false, func(d *decoder) error { return d.movement(m) })
}

// MarshalJSON writes {"credit":…,"debit":…,"amount":…} with plain numbers;
// an amount beyond the limits of [ParseAmount] fails ([ErrNumber]).
func (v MovementValue) MarshalJSON() ([]byte, error) {
	w := encoder{}
	w.value(&v)
	return w.b, w.err
}

// UnmarshalJSON reads {"credit":…,"debit":…,"amount":…}; the three keys are
// required and must be numbers. Errors are *[ValidationError].
func (v *MovementValue) UnmarshalJSON(data []byte) error {
	*v = MovementValue{}
	return decodeReport(data, false, func(d *decoder) error { return d.value(v) })
}

// MarshalJSON writes the section with its amount and rate as plain numbers.
func (s AnalyticSection) MarshalJSON() ([]byte, error) {
	w := encoder{}
	w.section(&s)
	return w.b, w.err
}

// UnmarshalJSON reads one section; its five keys are required. Errors are
// *[ValidationError].
func (s *AnalyticSection) UnmarshalJSON(data []byte) error {
	*s = AnalyticSection{}
	return decodeReport(data, false, func(d *decoder) error { return d.section(s) })
}

// MarshalJSON writes {"code":…} and "rate" as a plain number when set.
func (c Currency) MarshalJSON() ([]byte, error) {
	w := encoder{}
	w.currency(&c)
	return w.b, w.err
}

// UnmarshalJSON reads a currency object; "code" is required. Errors are
// *[ValidationError].
func (c *Currency) UnmarshalJSON(data []byte) error {
	*c = Currency{}
	return decodeReport(data, false, func(d *decoder) error { return d.currency(c) })
}
