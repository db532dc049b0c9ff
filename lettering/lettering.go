package lettering

import "unicode/utf8"

// State is the lettering state of a movement, as written on the wire.
type State string

// The three states of MyUnisoft's entry model.
const (
	// StateNone: the movement is not lettered; its value is null.
	StateNone State = "none"
	// StatePartial: the movement belongs to a group that does not balance
	// yet (an invoice paid in part); its code starts with '*'.
	StatePartial State = "partial"
	// StateComplete: the movement belongs to a balanced group.
	StateComplete State = "complete"
)

// Valid reports whether s is one of StateNone, StatePartial and StateComplete.
func (s State) Valid() bool {
	switch s {
	case StateNone, StatePartial, StateComplete:
		return true
	}
	return false
}

// UnmarshalText sets s from its wire value, rejecting anything but "none",
// "partial" and "complete" (case-sensitive) with an [*Error] wrapping
// [ErrState]; on error s is unchanged. It lets State be a map key or a flag
// value.
func (s *State) UnmarshalText(text []byte) error {
	v := State(text)
	if !v.Valid() {
		return &Error{Offset: -1, Reason: "unknown state " + quote(text) + `, want "complete", "partial" or "none"`, Err: ErrState}
	}
	*s = v
	return nil
}

// kind is the internal encoding of a State; its zero value is none, so that
// the zero Lettering is None().
type kind uint8

const (
	kindNone kind = iota
	kindPartial
	kindComplete
)

// A Lettering is the lettering of one movement: none, partial with a code
// starting with '*', or complete with a code. It is an immutable value: the
// zero value is [None]; the other values come from [Complete], [Partial],
// [Apply] or [Lettering.UnmarshalJSON], which all enforce the rules, so a
// Lettering is always valid. Letterings are comparable with == and with
// [Lettering.Equal]; they are safe for concurrent use.
type Lettering struct {
	kind kind
	code string // "" for none; starts with '*' for partial
}

// None returns the lettering of a movement that is not lettered. It is the
// zero value of Lettering.
func None() Lettering { return Lettering{} }

// Complete returns a complete lettering with the given code.
//
// The code must be non-empty, must not start with '*' (the partial marker) and
// must not hold control characters (U+0000 to U+001F, U+007F) or invalid
// UTF-8; otherwise Complete returns an [*Error] wrapping [ErrCode]. Any such
// code is accepted, not only the A, B, ..., AA, ... sequence of [NextCode], so
// that codes of other software (AA0, lower case) survive a round trip.
func Complete(code string) (Lettering, error) {
	if err := checkComplete(code); err != nil {
		return Lettering{}, codeError(err.reason)
	}
	return Lettering{kind: kindComplete, code: code}, nil
}

// Partial returns a partial lettering with the given code, which must start
// with '*' followed by at least one character, and must not hold control
// characters or invalid UTF-8; otherwise Partial returns an [*Error] wrapping
// [ErrCode].
func Partial(code string) (Lettering, error) {
	if err := checkPartial(code); err != nil {
		return Lettering{}, codeError(err.reason)
	}
	return Lettering{kind: kindPartial, code: code}, nil
}

// State returns the state of l: StateNone, StatePartial or StateComplete.
func (l Lettering) State() State {
	switch l.kind {
	case kindPartial:
		return StatePartial
	case kindComplete:
		return StateComplete
	}
	return StateNone
}

// Code returns the code as written on the wire: "" for none, "*AB" for a
// partial lettering, "AB" for a complete one.
func (l Lettering) Code() string { return l.code }

// Base returns the code without the partial marker: "" for none, "AB" for
// both the partial "*AB" and the complete "AB".
func (l Lettering) Base() string {
	if l.kind == kindPartial {
		return l.code[1:]
	}
	return l.code
}

// IsZero reports whether l is [None].
func (l Lettering) IsZero() bool { return l.kind == kindNone }

// Equal reports whether l and o have the same state and code. go-cmp uses
// it, so structs embedding a Lettering compare without options.
func (l Lettering) Equal(o Lettering) bool { return l == o }

// String returns "none", "partial *AB" or "complete AB", for humans and
// logs.
func (l Lettering) String() string {
	switch l.kind {
	case kindPartial:
		return "partial " + l.code
	case kindComplete:
		return "complete " + l.code
	}
	return "none"
}

type ruleError struct{ reason string }

func checkComplete(code string) *ruleError {
	switch {
	case code == "":
		return &ruleError{"complete code is empty"}
	case code[0] == '*':
		return &ruleError{`complete code starts with the partial marker "*"`}
	}
	return checkChars(code)
}

func checkPartial(code string) *ruleError {
	switch {
	case code == "" || code[0] != '*':
		return &ruleError{`partial code does not start with "*"`}
	case len(code) == 1:
		return &ruleError{`partial code has nothing after "*"`}
	}
	return checkChars(code)
}

// checkChars rejects control characters and invalid UTF-8.
func checkChars(code string) *ruleError {
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c < 0x20 || c == 0x7f {
			return &ruleError{"code holds a control character"}
		}
		if c >= utf8.RuneSelf {
			if !utf8.ValidString(code[i:]) {
				return &ruleError{"code is not valid UTF-8"}
			}
			// The rest is valid UTF-8; keep scanning for ASCII controls.
			for _, r := range code[i:] {
				if r < 0x20 || r == 0x7f {
					return &ruleError{"code holds a control character"}
				}
			}
			return nil
		}
	}
	return nil
}
