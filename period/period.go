package period

import (
	"strconv"
	"time"
)

// Kind is the type of a period: an exercise or a situation. The wire values
// are "exercise" and "situation".
type Kind string

// Kinds of period.
const (
	// KindExercise is a complete accounting period (exercice), typically
	// one year; the first exercise of a company may be shorter or longer.
	KindExercise Kind = "exercise"
	// KindSituation is an interim period (situation) inside an exercise,
	// such as a month or a quarter, used for interim statements.
	KindSituation Kind = "situation"
)

// Valid reports whether k is [KindExercise] or [KindSituation].
func (k Kind) Valid() bool {
	return k == KindExercise || k == KindSituation
}

// MarshalText implements [encoding.TextMarshaler]. It returns an error
// matching [ErrUnknownKind] if k is not valid.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, &EnumError{Type: "kind", Value: string(k), Err: ErrUnknownKind}
	}
	return []byte(k), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]. It accepts only the
// exact wire values and returns an error matching [ErrUnknownKind] otherwise,
// leaving k unchanged.
func (k *Kind) UnmarshalText(text []byte) error {
	v := Kind(text)
	if !v.Valid() {
		return &EnumError{Type: "kind", Value: string(text), Err: ErrUnknownKind}
	}
	*k = v
	return nil
}

// Status tells whether an exercise is still open for booking or closed
// (clôturé). The wire values are "open" and "closed".
type Status string

// Statuses of an exercise.
const (
	// StatusOpen is an exercise that still accepts entries.
	StatusOpen Status = "open"
	// StatusClosed is a closed exercise: its entries are final.
	StatusClosed Status = "closed"
)

// Valid reports whether s is [StatusOpen] or [StatusClosed].
func (s Status) Valid() bool {
	return s == StatusOpen || s == StatusClosed
}

// MarshalText implements [encoding.TextMarshaler]. It returns an error
// matching [ErrUnknownStatus] if s is not valid; a situation without status
// is written by leaving the field out (omitempty).
func (s Status) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, &EnumError{Type: "status", Value: string(s), Err: ErrUnknownStatus}
	}
	return []byte(s), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]. It accepts only the
// exact wire values and returns an error matching [ErrUnknownStatus]
// otherwise, leaving s unchanged.
func (s *Status) UnmarshalText(text []byte) error {
	v := Status(text)
	if !v.Valid() {
		return &EnumError{Type: "status", Value: string(text), Err: ErrUnknownStatus}
	}
	*s = v
	return nil
}

// EnumError reports a Kind or Status value outside its wire vocabulary.
type EnumError struct {
	Type  string // "kind" or "status"
	Value string // the rejected value
	Err   error  // ErrUnknownKind or ErrUnknownStatus
}

// Error returns "period: unknown <type> "<value>"".
func (e *EnumError) Error() string {
	return "period: unknown " + e.Type + " " + strconv.Quote(e.Value)
}

// Unwrap returns the sentinel, [ErrUnknownKind] or [ErrUnknownStatus].
func (e *EnumError) Unwrap() error { return e.Err }

// Period is an accounting period of an entity: an exercise or a situation,
// from Start to End, both days included.
//
// A Period is a plain value: build it with [NewExercise] or [NewSituation]
// (which validate), or decode it from JSON and check it with
// [Period.Validate] or [Calendar.Validate]. The zero value is not a valid
// period.
//
// The JSON shape is this package's own, e.g.
//
//	{"id":"ex-2024","kind":"exercise","start":"2024-01-01","end":"2024-12-31","status":"open"}
//
// (the Cegid Loop payload of comptaPeriode events is not documented; the sink
// maps its fields to these).
type Period struct {
	// ID identifies the period within its entity; it must be non-empty and
	// unique in a Calendar.
	ID string `json:"id"`
	// Kind is KindExercise or KindSituation.
	Kind Kind `json:"kind"`
	// Start and End are the first and last days of the period, inclusive.
	Start Date `json:"start"`
	End   Date `json:"end"`
	// Status is required for an exercise. A situation may leave it empty
	// (its exercise's status is what counts) or carry open/closed, which
	// the initialization rules ignore.
	Status Status `json:"status,omitempty"`
	// CreatedAt is when the period was created on the source platform, or
	// the zero Time when unknown. An exercise whose CreatedAt is after the
	// entity's initialization instant is a newly created exercise: it joins
	// the synchronization scope whatever its status (see [Calendar.Scope]).
	// A zero CreatedAt means the exercise existed at initialization.
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// NewExercise returns an exercise running from start to end inclusive with
// the given status. It returns a *[ValidationError] listing every problem
// (empty id, invalid dates, start after end, unknown status), whose Unwrap
// matches [ErrMissingID], [ErrInvalidDate], [ErrStartAfterEnd] or
// [ErrUnknownStatus] with errors.Is. Paths in the error are relative to the
// period ("/start").
//
// The duration is not checked: a first exercise may last up to about 24
// months and any other may differ from 12 months after a change of closing
// date.
func NewExercise(id string, start, end Date, status Status) (Period, error) {
	p := Period{ID: id, Kind: KindExercise, Start: start, End: end, Status: status}
	if err := p.Validate(); err != nil {
		return Period{}, err
	}
	return p, nil
}

// NewSituation returns a situation (an interim period) running from start to
// end inclusive, without status. Errors are as for [NewExercise]. Whether the
// situation lies inside an exercise is a property of the whole calendar,
// checked by [Calendar.Validate].
func NewSituation(id string, start, end Date) (Period, error) {
	p := Period{ID: id, Kind: KindSituation, Start: start, End: end}
	if err := p.Validate(); err != nil {
		return Period{}, err
	}
	return p, nil
}

// Validate checks p on its own: a non-empty ID, a known Kind, valid Start
// and End with Start not after End, and a known Status for an exercise (a
// situation's status may be empty). It returns nil or a *[ValidationError]
// listing every problem, with paths relative to the period ("/end"); see
// [Calendar.Validate] for the rules between periods.
func (p Period) Validate() error {
	return newValidationError(p.problems(""))
}

// problems appends p's own problems with paths prefixed by prefix.
func (p Period) problems(prefix string) []*FieldError {
	var fields []*FieldError
	add := func(path, rule, msg string, err error) {
		fields = append(fields, &FieldError{Path: prefix + path, Rule: rule, Message: msg, Err: err})
	}
	if p.ID == "" {
		add("/id", RuleRequired, "the period has no id", ErrMissingID)
	}
	if !p.Kind.Valid() {
		add("/kind", RuleKind, "unknown kind "+strconv.Quote(string(p.Kind))+`, want "exercise" or "situation"`, ErrUnknownKind)
	}
	switch {
	case p.Kind == KindExercise && p.Status == "":
		add("/status", RuleStatus, `the exercise has no status, want "open" or "closed"`, ErrUnknownStatus)
	case p.Kind == KindExercise && !p.Status.Valid():
		add("/status", RuleStatus, "unknown exercise status "+strconv.Quote(string(p.Status))+`, want "open" or "closed"`, ErrUnknownStatus)
	case p.Kind != KindExercise && p.Status != "" && !p.Status.Valid():
		add("/status", RuleStatus, "unknown status "+strconv.Quote(string(p.Status))+`, want "open", "closed" or none`, ErrUnknownStatus)
	}
	startOK := dateProblem(add, "/start", "start", p.Start)
	endOK := dateProblem(add, "/end", "end", p.End)
	if startOK && endOK && p.Start.After(p.End) {
		add("/end", RuleStartAfterEnd, "the period ends on "+p.End.String()+", before it starts on "+p.Start.String(), ErrStartAfterEnd)
	}
	return fields
}

// dateProblem reports a missing or invalid date and returns whether d is valid.
func dateProblem(add func(path, rule, msg string, err error), path, name string, d Date) bool {
	switch {
	case d.IsZero():
		add(path, RuleRequired, "the period has no "+name+" date", ErrInvalidDate)
	case !d.IsValid():
		add(path, RuleDate, "the "+name+" date "+d.String()+" is not a valid date: "+d.invalidReason(), ErrInvalidDate)
	default:
		return true
	}
	return false
}

// Contains reports whether d lies within p, both ends included. It reports
// false for an invalid date.
func (p Period) Contains(d Date) bool {
	return d.IsValid() && !d.Before(p.Start) && !d.After(p.End)
}

// IsExercise reports whether p is an exercise.
func (p Period) IsExercise() bool { return p.Kind == KindExercise }

// IsSituation reports whether p is a situation.
func (p Period) IsSituation() bool { return p.Kind == KindSituation }
