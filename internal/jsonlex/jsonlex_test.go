package jsonlex

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNumber(t *testing.T) {
	valid := []string{"0", "-0", "12", "12.50", "-1.5e10", "1E+2", "0.001e-3"}
	invalid := []string{"01", "-", "1.", ".5", "1e", "1e+", "+1", "--1"}
	for _, s := range valid {
		l := New([]byte(s))
		lit, err := l.Number()
		if err != nil || string(lit) != s || l.End() != nil {
			t.Errorf("Number(%q) = %q, %v", s, lit, err)
		}
	}
	for _, s := range invalid {
		l := New([]byte(s))
		_, err := l.Number()
		if err == nil {
			err = l.End()
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("Number(%q): err = %v, want a syntax error", s, err)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`"abc"`, "abc"},
		{`"a\"b\\c\/d"`, `a"b\c/d`},
		{`"\b\f\n\r\t"`, "\b\f\n\r\t"},
		{`"\u00e9\ud83d\ude00"`, "é😀"},
		{`"\ud83d"`, "\ufffd"},
		{`"été"`, "été"},
	}
	for _, tt := range tests {
		got, err := New([]byte(tt.in)).String()
		if err != nil || got != tt.want {
			t.Errorf("String(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`"abc`, "\"a\x01\"", `"\x"`, `"\u12"`, "\"\xff\"", `abc`} {
		if _, err := New([]byte(in)).String(); !errors.Is(err, ErrSyntax) {
			t.Errorf("String(%q): err = %v, want a syntax error", in, err)
		}
	}
}

// TestSkipAgreesWithEncodingJSON checks Skip+End against json.Valid on
// ASCII documents, where both must agree.
func TestSkipAgreesWithEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `{"a":[1,2,{"b":null}],"c":true,"d":false}`, ` [ 1 , "x" ] `,
		`{"a":1,}`, `[1,]`, `{"a" 1}`, `{1:2}`, `[1 2]`, `nul`, `tru`, `{"a":1}}`, ``, `[`,
	}
	for _, d := range docs {
		l := New([]byte(d))
		err := l.Skip()
		if err == nil {
			err = l.End()
		}
		if (err == nil) != json.Valid([]byte(d)) {
			t.Errorf("%q: Skip+End = %v, json.Valid = %v", d, err, json.Valid([]byte(d)))
		}
	}
}

func TestDepth(t *testing.T) {
	deep := make([]byte, 0, 2*(MaxDepth+2))
	for range MaxDepth + 2 {
		deep = append(deep, '[')
	}
	for range MaxDepth + 2 {
		deep = append(deep, ']')
	}
	if err := New(deep).Skip(); !errors.Is(err, ErrSyntax) {
		t.Errorf("Skip of a too deep document: %v", err)
	}
}

func TestRaw(t *testing.T) {
	l := New([]byte(` {"a": [1, 2]} , 3`))
	raw, err := l.Raw()
	if err != nil || string(raw) != `{"a": [1, 2]}` {
		t.Errorf("Raw = %q, %v", raw, err)
	}
}

// KeyIs reads what Key reads when the name is the one given, written as it
// is, and nothing otherwise; the raw scalars Raw reads end where Skip ends.
func TestKeyIs(t *testing.T) {
	for _, c := range []struct {
		in, name string
		ok       bool
	}{
		{`"id":1`, "id", true},
		{` "id" : 1`, "id", true},
		{`"id"` + "\t\n:1", "id", true},
		{`"idx":1`, "id", false},
		{`"i":1`, "id", false},
		{`"\u0069d":1`, "id", false}, // the same name, escaped: Key reads it
		{`"id"1`, "id", false},
		{`"id"`, "id", false},
		{`"id`, "id", false},
		{``, "id", false},
		{`1`, "id", false},
	} {
		l := New([]byte(c.in))
		k, ok := l.KeyIs(c.name)
		if ok != c.ok {
			t.Errorf("KeyIs(%q) in %q: %v, want %v", c.name, c.in, ok, c.ok)
			continue
		}
		if !ok {
			if l.Offset() > len(c.in)-len(strings.TrimLeft(c.in, " ")) {
				t.Errorf("KeyIs(%q) in %q read up to %d", c.name, c.in, l.Offset())
			}
			continue
		}
		want := New([]byte(c.in))
		wk, err := want.Key()
		if err != nil || string(k) != string(wk) || l.Offset() != want.Offset() {
			t.Errorf("KeyIs(%q) in %q = %q at %d; Key = %q at %d, %v", c.name, c.in, k, l.Offset(), wk, want.Offset(), err)
		}
	}
	for _, in := range []string{`"a b"`, `-1.5e3`, `0`, `null`, `true`, `false`, `[1,{"a":2}]`, `"\u00e9"`, `nul`, `"a`, `01`} {
		raw, rerr := New([]byte(in + ",")).Raw()
		l := New([]byte(in + ","))
		serr := l.Skip()
		if (rerr == nil) != (serr == nil) || (rerr == nil && len(raw) != l.Offset()) {
			t.Errorf("%s: Raw = %q, %v; Skip ends at %d, %v", in, raw, rerr, l.Offset(), serr)
		}
	}
}

// members reads the object in and returns the names Member reports as
// repeated.
func members(t *testing.T, in string) []string {
	t.Helper()
	l := New([]byte(in))
	var names Names
	var rep []string
	more, err := l.ObjectStart()
	for err == nil && more {
		var k []byte
		var dup bool
		if k, dup, err = l.Member(&names); err != nil {
			break
		}
		if dup {
			rep = append(rep, string(k))
		}
		if err = l.Skip(); err == nil {
			more, err = l.ObjectNext()
		}
	}
	if err != nil {
		t.Fatalf("%s: %v", in, err)
	}
	return rep
}

func TestMemberRepeated(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`{}`, nil},
		{`{"a":1,"b":2}`, nil},
		{`{"credit":1200,"credit":5}`, []string{"credit"}},
		{`{"a":1,"\u0061":2,"a\u0062":3,"ab":4}`, []string{"a", "ab"}},
		{`{"a":{"a":1},"b":[{"a":1}]}`, nil},
		{`{"":1,"":2}`, []string{""}},
	}
	for _, tt := range tests {
		got := members(t, tt.in)
		if len(got) != len(tt.want) || (len(got) > 0 && strings.Join(got, ",") != strings.Join(tt.want, ",")) {
			t.Errorf("%s: repeated %q, want %q", tt.in, got, tt.want)
		}
	}
	// Many members: beyond the in-place names, the map takes over.
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		fmt.Fprintf(&b, `"k%d":%d,`, i, i)
	}
	b.WriteString(`"k7":0,"k\u0037\u0030":1,"k99":2}`)
	if got := members(t, b.String()); strings.Join(got, ",") != "k7,k70,k99" {
		t.Errorf("100 members: repeated %q, want k7, k70, k99", got)
	}
	var n Names
	n.Reset()
	if n.seen([]byte(`x`), []byte("x"), 0, false) || !n.seen([]byte(`x`), []byte("x"), 0, false) {
		t.Error("Names.seen: wrong answer on a fresh Names")
	}
	n.Reset()
	if n.seen([]byte(`x`), []byte("x"), 0, false) {
		t.Error("Reset did not empty the names")
	}
}

func TestRejectLoneSurrogates(t *testing.T) {
	tests := []struct {
		in     string
		want   string // "" for an error at offset
		offset int
	}{
		{in: `"\ud83d\ude00"`, want: "😀"},
		{in: ` "a\u00e9"`, want: "aé"},
		{in: `"\ud800"`, offset: 1},
		{in: `"ab\udc00\ud800"`, offset: 3},
		{in: `"\ud83dA"`, offset: 1},
		{in: `"\ud83d\u12"`, offset: 1}, // by default: U+FFFD, then a bad escape
		{in: `"\ud83d\ud83d"`, offset: 1},
	}
	for _, tt := range tests {
		l := Lexer{RejectLoneSurrogates: true}
		l.Reset([]byte(tt.in))
		got, err := l.String()
		if tt.want != "" {
			if err != nil || got != tt.want {
				t.Errorf("strict String(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		se, ok := errors.AsType[*SyntaxError](err)
		if !ok || se.Offset != tt.offset {
			t.Errorf("strict String(%s) = %q, %v; want a syntax error at offset %d", tt.in, got, err, tt.offset)
		}
		if strings.HasSuffix(tt.in, `\u12"`) {
			continue
		}
		if lax, err := New([]byte(tt.in)).String(); err != nil || !strings.Contains(lax, "\ufffd") {
			t.Errorf("String(%s) = %q, %v; want U+FFFD by default, as encoding/json", tt.in, lax, err)
		}
	}
}

// FuzzString checks String against encoding/json: what the lexer accepts,
// encoding/json decodes to the same string; what encoding/json accepts, the
// lexer accepts unless it holds invalid UTF-8 (which encoding/json replaces).
func FuzzString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, ` "x"`, `"a` + "\x7f" + `"`, `"\x"`, `"é"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l := New(in)
		got, err := l.String()
		if err == nil && l.End() != nil {
			return // one string, then more: String reads one value
		}
		var want string
		jerr := json.Unmarshal(in, &want)
		if err == nil {
			if jerr != nil || got != want {
				t.Fatalf("String(%q) = %q, encoding/json = %q, %v", in, got, want, jerr)
			}
			return
		}
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("String(%q): %v, want a syntax error", in, err)
		}
		if jerr == nil && utf8.Valid(in) {
			t.Fatalf("String(%q): %v, but encoding/json accepts it as %q", in, err, want)
		}
	})
}

// plainRun finds, eight bytes at a time, the byte a byte-by-byte walk of
// the plain table finds.
func TestPlainRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	alphabet := []byte{'a', 'Z', ' ', '~', '"', '\\', 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0, '!', '#', '[', ']', 0x21, 0x5b, 0x5d}
	for range 200000 {
		d := make([]byte, rng.IntN(40))
		for i := range d {
			if rng.IntN(4) == 0 {
				d[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				d[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		from := rng.IntN(len(d) + 1)
		want := from
		for want < len(d) && plain[d[want]] {
			want++
		}
		if got := plainRun(d, from); got != want {
			t.Fatalf("plainRun(%q, %d) = %d, want %d", d, from, got, want)
		}
	}
}
