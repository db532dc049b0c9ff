package lettering

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MarshalJSON encodes l as seed 001's object: {"state":"none","value":null},
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

// UnmarshalJSON decodes seed 001's lettering object into l. It accepts exactly
// the documents the seed's JSON Schema ([Schema]) accepts, with these
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

// decoder is a hand-written scanner for the two-member lettering object.
type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) fail(field string, at int, sentinel error, reason string) *Error {
	return &Error{Field: field, Offset: int64(at), Reason: reason, Err: sentinel}
}

func (d *decoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func decode(data []byte) (Lettering, error) {
	d := decoder{data: data}
	d.skipWS()
	if d.pos >= len(d.data) {
		return Lettering{}, d.fail("", d.pos, ErrSyntax, "unexpected end of input, want an object")
	}
	if d.data[d.pos] != '{' {
		return Lettering{}, d.wrongType("", ErrSyntax, "an object")
	}
	d.pos++

	var (
		end                  int // offset of the closing '}'
		haveState, haveValue bool
		k                    kind
		valueNull            bool
		code                 string
		valueAt              int
	)
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		end = d.pos
		d.pos++
	} else {
		for {
			d.skipWS()
			keyAt := d.pos
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return Lettering{}, d.syntax("want a member name")
			}
			key, err := d.str()
			if err != nil {
				return Lettering{}, err
			}
			d.skipWS()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return Lettering{}, d.syntax(`want ":" after a member name`)
			}
			d.pos++
			d.skipWS()
			at := d.pos
			switch string(key) {
			case "state":
				if haveState {
					return Lettering{}, d.fail("state", keyAt, ErrField, `member "state" is repeated`)
				}
				haveState = true
				if d.pos >= len(d.data) || d.data[d.pos] != '"' {
					return Lettering{}, d.wrongType("state", ErrState, "a string")
				}
				s, err := d.str()
				if err != nil {
					return Lettering{}, err
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
				case d.pos < len(d.data) && d.data[d.pos] == '"':
					s, err := d.str()
					if err != nil {
						return Lettering{}, err
					}
					code = string(s)
				case d.literal("null"):
					valueNull = true
				default:
					return Lettering{}, d.wrongType("value", ErrCode, "a string or null")
				}
			default:
				return Lettering{}, d.fail(string(key), keyAt, ErrField,
					"unknown member "+quote(key)+`, want only "state" and "value"`)
			}
			d.skipWS()
			if d.pos >= len(d.data) {
				return Lettering{}, d.syntax(`unexpected end of input, want "," or "}"`)
			}
			c := d.data[d.pos]
			d.pos++
			if c == '}' {
				end = d.pos - 1
				break
			}
			if c != ',' {
				d.pos--
				return Lettering{}, d.syntax(`want "," or "}" after a member`)
			}
		}
	}
	d.skipWS()
	if d.pos != len(d.data) {
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

func (d *decoder) syntax(reason string) *Error {
	return d.fail("", d.pos, ErrSyntax, reason)
}

// literal consumes lit if it comes next as a whole JSON literal.
func (d *decoder) literal(lit string) bool {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return false
	}
	if end := d.pos + len(lit); end < len(d.data) && isIdentByte(d.data[end]) {
		return false // "nullx" is not null
	}
	d.pos += len(lit)
	return true
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// describe names the JSON value that starts at d.pos, for error messages,
// and reports whether it starts like a JSON value at all.
func (d *decoder) describe() (string, bool) {
	if d.pos >= len(d.data) {
		return "end of input", false
	}
	rest := d.data[d.pos:]
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
		return d.fail(field, d.pos, ErrSyntax, "got "+what+", want "+want)
	}
	return d.fail(field, d.pos, sentinel, "got "+what+", want "+want)
}

// str scans the JSON string starting at d.pos (which holds '"'). Without
// escapes the result aliases d.data; with escapes it is a new buffer.
func (d *decoder) str() ([]byte, error) {
	start := d.pos + 1
	for i := start; i < len(d.data); {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], nil
		case c == '\\':
			return d.strEscaped(start, i)
		case c < 0x20:
			d.pos = i
			return nil, d.syntax("control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				d.pos = i
				return nil, d.syntax("invalid UTF-8 in string")
			}
			i += size
		}
	}
	d.pos = len(d.data)
	return nil, d.syntax("unterminated string")
}

// strEscaped continues str from the first backslash at i.
func (d *decoder) strEscaped(start, i int) ([]byte, error) {
	buf := make([]byte, 0, len(d.data)-start)
	buf = append(buf, d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return buf, nil
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = i
				return nil, d.syntax("unterminated escape")
			}
			e := d.data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.data, i)
				if !ok {
					d.pos = i - 2
					return nil, d.syntax(`invalid \u escape`)
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						r2, ok = hex4(d.data, i+2)
					}
					if ok {
						r = utf16.DecodeRune(r, r2)
					}
					if !ok || r == utf8.RuneError {
						d.pos = i - 6
						return nil, d.syntax(`\u escape is an unpaired UTF-16 surrogate`)
					}
					i += 6
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.pos = i - 2
				return nil, d.syntax("invalid escape " + strconv.Quote(string(d.data[i-2:i])))
			}
		case c < 0x20:
			d.pos = i
			return nil, d.syntax("control character in string")
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				d.pos = i
				return nil, d.syntax("invalid UTF-8 in string")
			}
			buf = append(buf, d.data[i:i+size]...)
			i += size
		}
	}
	d.pos = len(d.data)
	return nil, d.syntax("unterminated string")
}

func hex4(b []byte, i int) (rune, bool) {
	if len(b)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
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
