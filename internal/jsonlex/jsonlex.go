// Package jsonlex is a small, allocation-conscious JSON lexer for
// hand-written decoders: it reads one token at a time from a byte slice and
// validates the JSON grammar (RFC 8259) as it goes, so that a decoder can
// walk a document once, know exactly where it is, and keep going after a
// value of the wrong type.
//
// It is a standard-library-only helper: it imports no package of the SDK.
// A Lexer is not safe for concurrent use; distinct Lexers are independent.
package jsonlex

import (
	"encoding/binary"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects that [Lexer.Skip]
// accepts; deeper input is a syntax error rather than a stack overflow.
const MaxDepth = 512

// Kind is the JSON type of the next value, as told by its first byte.
type Kind uint8

// Kinds of values. Invalid means the next byte cannot start a value (or the
// input is exhausted).
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

// String returns the JSON name of the kind: "null", "boolean", "number",
// "string", "array", "object" or "invalid".
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "invalid"
}

// ErrSyntax is wrapped by every *SyntaxError.
var ErrSyntax = errors.New("invalid JSON")

// A SyntaxError reports malformed JSON at a byte offset.
type SyntaxError struct {
	Offset int    // byte offset of the problem in the input
	Msg    string // what was wrong
}

// Error returns "invalid JSON at offset N: msg".
func (e *SyntaxError) Error() string {
	return "invalid JSON at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// A Lexer reads JSON tokens from a byte slice it does not modify. Strings
// it returns are copies; []byte results alias the input. The zero value
// reads nothing until [Lexer.Reset].
type Lexer struct {
	// RejectLoneSurrogates makes a \u escape of a UTF-16 surrogate that is
	// not part of a pair a syntax error. By default it decodes to U+FFFD,
	// as encoding/json does.
	RejectLoneSurrogates bool

	data    []byte
	pos     int
	buf     []byte // scratch for unescaping
	escaped bool   // the last string read had escapes: it is in buf
	start   int    // where the last string's content starts in data
}

// New returns a Lexer reading data.
func New(data []byte) *Lexer { return &Lexer{data: data} }

// Reset makes l read data from the start, keeping its scratch buffer and
// its options.
func (l *Lexer) Reset(data []byte) { l.data, l.pos = data, 0 }

// Offset returns the byte offset of the next unread byte.
func (l *Lexer) Offset() int { return l.pos }

func (l *Lexer) errorf(msg string) error { return &SyntaxError{Offset: l.pos, Msg: msg} }

func (l *Lexer) skipSpace() {
	if l.pos < len(l.data) && l.data[l.pos] > ' ' {
		return // the usual case: no white space
	}
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// Peek skips white space and returns the kind of the next value without
// consuming it.
func (l *Lexer) Peek() Kind {
	l.skipSpace()
	if l.pos >= len(l.data) {
		return Invalid
	}
	return kinds[l.data[l.pos]]
}

// KindOf returns the kind of a value that starts with c, or Invalid.
func KindOf(c byte) Kind { return kinds[c] }

// kinds maps the first byte of a value to its kind; a table keeps Peek
// small enough to be inlined.
var kinds = [256]Kind{
	'n': Null, 't': Bool, 'f': Bool, '"': String, '[': Array, '{': Object,
	'-': Number, '0': Number, '1': Number, '2': Number, '3': Number,
	'4': Number, '5': Number, '6': Number, '7': Number, '8': Number, '9': Number,
}

// Consume skips white space and, if the next byte is c, consumes it and
// reports true.
func (l *Lexer) Consume(c byte) bool {
	l.skipSpace()
	if l.pos < len(l.data) && l.data[l.pos] == c {
		l.pos++
		return true
	}
	return false
}

// Expect consumes c or returns a *SyntaxError.
func (l *Lexer) Expect(c byte) error {
	if l.Consume(c) {
		return nil
	}
	if l.pos >= len(l.data) {
		return l.errorf("unexpected end of input, want '" + string(c) + "'")
	}
	return l.errorf("unexpected " + quoteByte(l.data[l.pos]) + ", want '" + string(c) + "'")
}

// End checks that only white space is left.
func (l *Lexer) End() error {
	l.skipSpace()
	if l.pos < len(l.data) {
		return l.errorf("unexpected data after the top-level value")
	}
	return nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// ObjectStart consumes '{' and reports whether the object is non-empty; for
// an empty object it also consumes '}'.
func (l *Lexer) ObjectStart() (more bool, err error) {
	if err := l.Expect('{'); err != nil {
		return false, err
	}
	return !l.Consume('}'), nil
}

// Key reads a member name and the ':' after it. The returned slice aliases
// the input when the name has no escapes and the scratch buffer otherwise:
// it is valid until the next call on l.
func (l *Lexer) Key() ([]byte, error) {
	k, err := l.StringBytes()
	if err != nil {
		return nil, err
	}
	if l.pos < len(l.data) && l.data[l.pos] == ':' { // the usual case: no white space
		l.pos++
		return k, nil
	}
	if err := l.Expect(':'); err != nil {
		return nil, err
	}
	return k, nil
}

// KeyIs reads the next member name and the ':' after it, like [Lexer.Key],
// when that name is name written as it is (no escapes), and returns it,
// aliasing the input. Otherwise it reads nothing and reports false. name
// must be printable ASCII without a quote or a backslash.
func (l *Lexer) KeyIs(name string) ([]byte, bool) {
	l.skipSpace()
	d, i := l.data, l.pos
	end := i + 1 + len(name) // the closing quote
	if end >= len(d) || d[i] != '"' || d[end] != '"' || string(d[i+1:end]) != name {
		return nil, false
	}
	j := end + 1
	for j < len(d) && (d[j] == ' ' || d[j] == '\t' || d[j] == '\n' || d[j] == '\r') {
		j++
	}
	if j >= len(d) || d[j] != ':' {
		return nil, false
	}
	l.start, l.escaped, l.pos = i+1, false, j+1
	return d[i+1 : end], true
}

// A Names finds the repeated member names of one object: give the same
// Names to every [Lexer.Member] call of the object, on one Lexer. The zero
// value is empty; use a new one (or Reset it) for each object. Checking costs O(1) per name
// on average, whatever the size of the object: the first few names are
// compared in place, without allocating, and a map takes over beyond them.
type Names struct {
	n    int
	few  [16]struct{ start, end int } // unescaped names, as offsets in the input
	many map[string]struct{}          // the others
}

// Reset empties n.
func (n *Names) Reset() { *n = Names{} }

// seen reports whether name is already in n, then adds it. name aliases the
// input at [start, end) unless escaped.
func (n *Names) seen(input, name []byte, start int, escaped bool) bool {
	for _, f := range n.few[:min(n.n, len(n.few))] {
		if f.end-f.start == len(name) && string(input[f.start:f.end]) == string(name) {
			return true
		}
	}
	if _, ok := n.many[string(name)]; ok {
		return true
	}
	if n.n < len(n.few) && !escaped {
		n.few[n.n] = struct{ start, end int }{start, start + len(name)}
	} else {
		if n.many == nil {
			n.many = make(map[string]struct{})
		}
		n.many[string(name)] = struct{}{}
	}
	n.n++
	return false
}

// Member reads a member name and the ':' after it, like [Lexer.Key], and
// reports whether the object already had a member of that name (compared
// after unescaping: "a" and "\u0061" are the same name). names holds the
// names of the object so far.
func (l *Lexer) Member(names *Names) (key []byte, repeated bool, err error) {
	k, err := l.StringBytes()
	if err != nil {
		return nil, false, err
	}
	repeated = names.seen(l.data, k, l.start, l.escaped)
	if err := l.Expect(':'); err != nil {
		return nil, false, err
	}
	return k, repeated, nil
}

// ObjectNext is called after a member's value: it consumes ',' and reports
// true, or consumes '}' and reports false.
func (l *Lexer) ObjectNext() (more bool, err error) {
	if l.Consume(',') {
		return true, nil
	}
	if l.Consume('}') {
		return false, nil
	}
	return false, l.unexpected("',' or '}'")
}

// ArrayStart consumes '[' and reports whether the array is non-empty; for
// an empty array it also consumes ']'.
func (l *Lexer) ArrayStart() (more bool, err error) {
	if err := l.Expect('['); err != nil {
		return false, err
	}
	return !l.Consume(']'), nil
}

// ArrayNext is called after an element: it consumes ',' and reports true,
// or consumes ']' and reports false.
func (l *Lexer) ArrayNext() (more bool, err error) {
	if l.Consume(',') {
		return true, nil
	}
	if l.Consume(']') {
		return false, nil
	}
	return false, l.unexpected("',' or ']'")
}

func (l *Lexer) unexpected(want string) error {
	if l.pos >= len(l.data) {
		return l.errorf("unexpected end of input, want " + want)
	}
	return l.errorf("unexpected " + quoteByte(l.data[l.pos]) + ", want " + want)
}

// Null consumes the literal null.
func (l *Lexer) Null() error { return l.literal("null") }

// Bool reads true or false.
func (l *Lexer) Bool() (bool, error) {
	l.skipSpace()
	if l.pos < len(l.data) && l.data[l.pos] == 't' {
		return true, l.literal("true")
	}
	return false, l.literal("false")
}

func (l *Lexer) literal(lit string) error {
	l.skipSpace()
	return l.word(lit)
}

// word consumes lit, null, true or false, which must come next, white
// space skipped already. Its first four bytes are compared as one word.
func (l *Lexer) word(lit string) error {
	d, i := l.data, l.pos
	if len(d)-i >= len(lit) && binary.LittleEndian.Uint32(d[i:]) == uint32(lit[0])|uint32(lit[1])<<8|uint32(lit[2])<<16|uint32(lit[3])<<24 &&
		string(d[i+4:i+len(lit)]) == lit[4:] {
		l.pos += len(lit)
		return nil
	}
	return l.unexpected(lit)
}

// Number reads a number and returns its literal text, which follows the
// JSON grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. The slice
// aliases the input.
func (l *Lexer) Number() ([]byte, error) {
	l.skipSpace()
	start := l.pos
	d := l.data
	i := l.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		l.pos = i
		return nil, l.unexpected("a digit")
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			l.pos = i
			return nil, l.unexpected("a digit after '.'")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			l.pos = i
			return nil, l.unexpected("a digit in the exponent")
		}
	}
	l.pos = i
	return d[start:i], nil
}

// String reads a string and returns it unescaped. Invalid UTF-8, control
// characters and bad escapes are syntax errors.
func (l *Lexer) String() (string, error) {
	b, err := l.StringBytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// StringBytes reads a string like String but returns a slice that aliases
// the input (no escapes) or the scratch buffer (escapes): it is valid until
// the next call on l.
func (l *Lexer) StringBytes() ([]byte, error) {
	d, i := l.data, l.pos
	if i >= len(d) || d[i] != '"' {
		l.skipSpace()
		if l.pos >= len(l.data) || l.data[l.pos] != '"' {
			return nil, l.unexpected(`'"'`)
		}
		i = l.pos
	}
	i++
	start := i
	l.start, l.escaped = start, false
	for {
		i = plainRun(d, i)
		if i >= len(d) {
			break
		}
		switch c := d[i]; {
		case c == '"':
			l.pos = i + 1
			return d[start:i], nil
		case c == '\\':
			l.pos = i
			l.escaped = true
			return l.unescape(start)
		case c < 0x20:
			l.pos = i
			return nil, l.errorf("control character in string")
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				l.pos = i
				return nil, l.errorf("invalid UTF-8 in string")
			}
			i += size
		}
	}
	l.pos = i
	return nil, l.errorf("unterminated string")
}

// plainRun returns the index of the first byte of d from i on that does not
// stand for itself in a string (see plain), or len(d). It tests eight bytes
// at a time: a word holds no such byte when none is below 0x20, none has
// its high bit set (non-ASCII), and none is a quote or a backslash; the
// tests may flag a word that holds none (a borrow out of a byte that does),
// which the byte loop then walks.
func plainRun(d []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(d); i += 8 {
		x := binary.LittleEndian.Uint64(d[i:])
		quote, backslash := x^(ones*'"'), x^(ones*'\\')
		special := (x - ones*0x20) | x | (quote-ones) & ^quote | (backslash-ones) & ^backslash
		if special&highs != 0 {
			break
		}
	}
	for i < len(d) && plain[d[i]] {
		i++
	}
	return i
}

// plain tells the bytes that stand for themselves in a string: ASCII from
// U+0020, except the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// unescape continues a string whose escape-free prefix is data[start:l.pos].
func (l *Lexer) unescape(start int) ([]byte, error) {
	d := l.data
	b := append(l.buf[:0], d[start:l.pos]...)
	i := l.pos
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			l.pos = i + 1
			l.buf = b
			return b, nil
		case c == '\\':
			if i+1 >= len(d) {
				l.pos = i
				return nil, l.errorf("unterminated escape")
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				r, ok := hex4(d, i+2)
				if !ok {
					l.pos = i
					return nil, l.errorf("invalid \\u escape")
				}
				at := i
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						r2, ok = hex4(d, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						i += 6
					} else if l.RejectLoneSurrogates {
						l.pos = at
						return nil, l.errorf("\\u escape is an unpaired UTF-16 surrogate")
					} else {
						r = utf8.RuneError // lone surrogate, as encoding/json does
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				l.pos = i
				return nil, l.errorf("invalid escape " + quoteByte(e))
			}
		case c < 0x20:
			l.pos = i
			return nil, l.errorf("control character in string")
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				l.pos = i
				return nil, l.errorf("invalid UTF-8 in string")
			}
			b = append(b, d[i:i+size]...)
			i += size
		}
	}
	l.pos = i
	return nil, l.errorf("unterminated string")
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
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

// Skip reads and discards one value of any kind, checking its syntax: a
// member name repeated in an object, at any depth, is a *SyntaxError too.
func (l *Lexer) Skip() error { return l.skip(0) }

func (l *Lexer) skip(depth int) error {
	if depth > MaxDepth {
		return l.errorf("nesting too deep")
	}
	switch l.Peek() {
	case Null:
		return l.Null()
	case Bool:
		_, err := l.Bool()
		return err
	case Number:
		_, err := l.Number()
		return err
	case String:
		_, err := l.StringBytes()
		return err
	case Array:
		more, err := l.ArrayStart()
		for err == nil && more {
			if err = l.skip(depth + 1); err == nil {
				more, err = l.ArrayNext()
			}
		}
		return err
	case Object:
		var names Names
		more, err := l.ObjectStart()
		for err == nil && more {
			start := l.pos
			var repeated bool
			if _, repeated, err = l.Member(&names); err == nil {
				if repeated {
					l.pos = start
					l.skipSpace()
					return l.errorf("member name repeated in its object")
				}
				if err = l.skip(depth + 1); err == nil {
					more, err = l.ObjectNext()
				}
			}
		}
		return err
	}
	return l.unexpected("a value")
}

// Raw reads one value like Skip and returns its text (aliasing the input).
func (l *Lexer) Raw() ([]byte, error) {
	l.skipSpace()
	start := l.pos
	var err error
	switch l.Peek() { // the scalars without the recursion of Skip
	case String:
		_, err = l.StringBytes()
	case Number:
		_, err = l.Number()
	case Null:
		err = l.word("null")
	case Bool:
		if l.data[start] == 't' {
			err = l.word("true")
		} else {
			err = l.word("false")
		}
	default:
		err = l.Skip()
	}
	if err != nil {
		return nil, err
	}
	return l.data[start:l.pos], nil
}
