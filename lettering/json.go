package lettering

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
)

// MarshalJSON encodes l as MyUnisoft's lettering object: {"state":"none","value":null},
// {"state":"partial","value":"*A"} or {"state":"complete","value":"A"}. It
// never returns an error.
func (l Lettering) MarshalJSON() ([]byte, error) {
	return l.AppendJSON(make([]byte, 0, len(`{"state":"complete","value":""}`)+len(l.code))), nil
}

// AppendJSON appends the JSON encoding of l (as [Lettering.MarshalJSON]
// writes it) to b and returns the extended slice, without allocating when b
// has room.
func (l Lettering) AppendJSON(b []byte) []byte {
	switch l.kind {
	case kindPartial:
		b = append(b, `{"state":"partial","value":`...)
	case kindComplete:
		b = append(b, `{"state":"complete","value":`...)
	default:
		return append(b, `{"state":"none","value":null}`...)
	}
	b = appendQuoted(b, l.code)
	return append(b, '}')
}

// appendQuoted appends s as a JSON string. Codes are valid UTF-8 without
// control characters, so only '"' and '\' need escaping; controls are still
// escaped defensively.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// UnmarshalJSON decodes MyUnisoft's lettering object into l. It accepts
// exactly the documents the published JSON Schema ([Schema]) accepts, with these
// deliberate tightenings:
//
//   - a complete code must be non-empty and must not start with '*';
//   - a partial code needs at least one character after the '*';
//   - codes must not hold control characters (U+0000 to U+001F, U+007F);
//   - strings must be valid UTF-8 and \u escapes valid UTF-16 (encoding/json
//     would silently replace such bytes with U+FFFD);
//   - a member may appear only once (encoding/json keeps the last one).
//
// Member names are matched exactly (case-sensitive), members may come in any
// order, and whitespace is allowed wherever JSON allows it.
//
// On error l is left unchanged and the error is an [*Error] wrapping
// [ErrSyntax], [ErrField], [ErrState] or [ErrCode] (all of which wrap
// [ErrInvalid]). A JSON null is an error too (ErrSyntax): a movement always has
// a lettering object, and None is written {"state":"none","value":null}.
//
// UnmarshalJSON does not retain data. Without escapes in the input, it
// allocates nothing but the code string.
func (l *Lettering) UnmarshalJSON(data []byte) error {
	v, err := decode(data)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// decoder reads the two-member lettering object with a jsonlex.Lexer and
// reports problems as *Error values at the lexer's offsets.
type decoder struct {
	data []byte
	lex  jsonlex.Lexer
}

func (d *decoder) fail(field string, at int, sentinel error, reason string) *Error {
	return &Error{Field: field, Offset: int64(at), Reason: reason, Err: sentinel}
}

// syntax reports a syntax error at the next unread byte.
func (d *decoder) syntax(reason string) *Error {
	return d.fail("", d.lex.Offset(), ErrSyntax, reason)
}

// lexErr turns the lexer's *jsonlex.SyntaxError into an *Error.
func (d *decoder) lexErr(err error) *Error {
	if se, ok := err.(*jsonlex.SyntaxError); ok {
		return d.fail("", se.Offset, ErrSyntax, se.Msg)
	}
	return d.syntax(err.Error())
}

func decode(data []byte) (Lettering, error) {
	d := decoder{data: data, lex: jsonlex.Lexer{RejectLoneSurrogates: true}}
	d.lex.Reset(data)
	if !d.lex.Consume('{') {
		if d.lex.Offset() >= len(data) {
			return Lettering{}, d.syntax("unexpected end of input, want an object")
		}
		return Lettering{}, d.wrongType("", ErrSyntax, "an object")
	}

	var (
		end                  int // offset of the closing '}'
		haveState, haveValue bool
		k                    kind
		valueNull            bool
		code                 string
		valueAt              int
	)
	if d.lex.Consume('}') {
		end = d.lex.Offset() - 1
	} else {
		for {
			if d.lex.Peek() != jsonlex.String {
				return Lettering{}, d.syntax("want a member name")
			}
			keyAt := d.lex.Offset()
			// Without escapes, strings alias data; with escapes, the lexer's
			// scratch buffer, valid until its next read.
			key, err := d.lex.StringBytes()
			if err != nil {
				return Lettering{}, d.lexErr(err)
			}
			if !d.lex.Consume(':') {
				return Lettering{}, d.syntax(`want ":" after a member name`)
			}
			next := d.lex.Peek()
			at := d.lex.Offset()
			switch string(key) { // key is valid until the lexer's next read
			case "state":
				if haveState {
					return Lettering{}, d.fail("state", keyAt, ErrField, `member "state" is repeated`)
				}
				haveState = true
				if next != jsonlex.String {
					return Lettering{}, d.wrongType("state", ErrState, "a string")
				}
				s, err := d.lex.StringBytes()
				if err != nil {
					return Lettering{}, d.lexErr(err)
				}
				switch string(s) {
				case "none":
					k = kindNone
				case "partial":
					k = kindPartial
				case "complete":
					k = kindComplete
				default:
					return Lettering{}, d.fail("state", at, ErrState,
						"unknown state "+quote(s)+`, want "complete", "partial" or "none"`)
				}
			case "value":
				if haveValue {
					return Lettering{}, d.fail("value", keyAt, ErrField, `member "value" is repeated`)
				}
				haveValue = true
				valueAt = at
				switch {
				case next == jsonlex.String:
					s, err := d.lex.StringBytes()
					if err != nil {
						return Lettering{}, d.lexErr(err)
					}
					code = string(s)
				case next == jsonlex.Null && d.null():
					valueNull = true
				default:
					return Lettering{}, d.wrongType("value", ErrCode, "a string or null")
				}
			default:
				return Lettering{}, d.fail(string(key), keyAt, ErrField,
					"unknown member "+quote(key)+`, want only "state" and "value"`)
			}
			if d.lex.Consume('}') {
				end = d.lex.Offset() - 1
				break
			}
			if !d.lex.Consume(',') {
				if d.lex.Offset() >= len(data) {
					return Lettering{}, d.syntax(`unexpected end of input, want "," or "}"`)
				}
				return Lettering{}, d.syntax(`want "," or "}" after a member`)
			}
		}
	}
	if d.lex.End() != nil {
		return Lettering{}, d.syntax("unexpected data after the object")
	}
	if !haveState {
		return Lettering{}, d.fail("state", end, ErrField, `member "state" is missing`)
	}
	if !haveValue {
		return Lettering{}, d.fail("value", end, ErrField, `member "value" is missing`)
	}
	var rerr *ruleError
	switch k {
	case kindNone:
		if !valueNull {
			return Lettering{}, d.fail("value", valueAt, ErrCode, `state "none" needs a null value`)
		}
		return Lettering{}, nil
	case kindPartial:
		if valueNull {
			return Lettering{}, d.fail("value", valueAt, ErrCode, `state "partial" needs a string value`)
		}
		rerr = checkPartial(code)
	default:
		if valueNull {
			return Lettering{}, d.fail("value", valueAt, ErrCode, `state "complete" needs a string value`)
		}
		rerr = checkComplete(code)
	}
	if rerr != nil {
		return Lettering{}, d.fail("value", valueAt, ErrCode, rerr.reason)
	}
	return Lettering{kind: k, code: code}, nil
}

// null consumes the literal null if it comes next as a whole word:
// "nullx" is not null.
func (d *decoder) null() bool {
	end := d.lex.Offset() + len("null")
	if end < len(d.data) && isIdentByte(d.data[end]) {
		return false
	}
	return d.lex.Null() == nil
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// describe names the JSON value that starts at the next unread byte, for
// error messages, and reports whether it starts like a JSON value at all.
func (d *decoder) describe() (string, bool) {
	pos := d.lex.Offset()
	if pos >= len(d.data) {
		return "end of input", false
	}
	rest := d.data[pos:]
	switch c := rest[0]; {
	case bytes.HasPrefix(rest, []byte("null")):
		return "null", true
	case bytes.HasPrefix(rest, []byte("true")), bytes.HasPrefix(rest, []byte("false")):
		return "a boolean", true
	case c == '"':
		return "a string", true
	case c == '[':
		return "an array", true
	case c == '{':
		return "an object", true
	case c == '-' || c >= '0' && c <= '9':
		return "a number", true
	}
	r, size := utf8.DecodeRune(rest)
	if r == utf8.RuneError && size == 1 {
		return "invalid byte 0x" + strconv.FormatUint(uint64(rest[0]), 16), false
	}
	return "invalid character " + strconv.QuoteRune(r), false
}

// wrongType reports a value of the wrong JSON type for field, or a syntax
// error when what follows is not a JSON value at all.
func (d *decoder) wrongType(field string, sentinel error, want string) *Error {
	what, ok := d.describe()
	if !ok {
		return d.fail(field, d.lex.Offset(), ErrSyntax, "got "+what+", want "+want)
	}
	return d.fail(field, d.lex.Offset(), sentinel, "got "+what+", want "+want)
}

// quote renders b as a quoted string for error messages, cut to 40 bytes at
// a rune boundary.
func quote(b []byte) string {
	const limit = 40
	if len(b) <= limit {
		return strconv.Quote(string(b))
	}
	n := limit
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return strconv.Quote(string(b[:n])) + "..."
}
