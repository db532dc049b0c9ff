package lettering

import (
	"errors"
	"strconv"
)

// ErrInvalid is the root of every error this package returns for a lettering
// value or code it cannot accept: errors.Is(err, ErrInvalid) reports whether a
// value was rejected, whatever the finer reason.
var ErrInvalid = errors.New("lettering: invalid")

// Finer sentinels. Each one wraps [ErrInvalid], so errors.Is(err, ErrInvalid)
// holds for all of them.
var (
	// ErrSyntax reports input that is not a single well-formed JSON object:
	// malformed JSON, trailing data, a value of another JSON type (null,
	// array, ...) where the object was expected, or a string that is not
	// valid UTF-8.
	ErrSyntax error = &kindError{"lettering: malformed JSON"}

	// ErrField reports a missing, unknown or repeated member of the object.
	// The object has exactly two members, "state" and "value".
	ErrField error = &kindError{"lettering: missing, unknown or repeated field"}

	// ErrState reports a "state" that is not one of "complete", "partial" or
	// "none", or is not a JSON string.
	ErrState error = &kindError{"lettering: invalid state"}

	// ErrCode reports a code that does not fit its state: a complete code that
	// is empty or starts with '*', a partial code that does not start with '*'
	// followed by at least one character, a "none" lettering with a non-null
	// value, a code holding control characters, or a code that is not in the
	// A, B, ..., Z, AA, ... sequence where one is required.
	ErrCode error = &kindError{"lettering: invalid code"}

	// ErrRange reports a sequence position that does not fit: a negative
	// position given to [CodeAt], or a code too long for [Index] to number in
	// an int.
	ErrRange error = &kindError{"lettering: code position out of range"}
)

// ErrEmptyGroup is returned by [Apply] and [Letter] for a group without any
// line: there is nothing to letter. It does not wrap [ErrInvalid].
var ErrEmptyGroup = errors.New("lettering: empty group")

// kindError is a sentinel that wraps ErrInvalid.
type kindError struct{ msg string }

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return ErrInvalid }

// An Error describes why a lettering value or code was rejected. Every error
// returned by [Complete], [Partial], [Lettering.UnmarshalJSON],
// [State.UnmarshalText], [NextCode], [CodeAt] and [Index] is an *Error, and
// so are those of [Apply] and [Letter] except [ErrEmptyGroup].
type Error struct {
	// Field is "state" or "value" for a problem with that member, the
	// offending key for an unknown or repeated member, "" for the document or
	// the code as a whole.
	Field string
	// Offset is the byte offset in the JSON input where the problem was found,
	// or -1 when the error does not come from decoding JSON.
	Offset int64
	// Reason explains the problem for humans; it may change, never match on it.
	Reason string
	// Err is the sentinel: ErrSyntax, ErrField, ErrState, ErrCode, ErrRange
	// or ErrAlreadyLettered.
	Err error
}

// Error returns "lettering: [field: ]reason[ (offset n)]".
func (e *Error) Error() string {
	s := "lettering: "
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Reason
	if e.Offset >= 0 {
		s += " (offset " + strconv.FormatInt(e.Offset, 10) + ")"
	}
	return s
}

// Unwrap returns the sentinel, so that errors.Is(err, ErrCode) and
// errors.Is(err, ErrInvalid) work.
func (e *Error) Unwrap() error { return e.Err }

func codeError(reason string) *Error {
	return &Error{Offset: -1, Reason: reason, Err: ErrCode}
}
