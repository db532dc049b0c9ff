package jsonlex

import (
	"encoding/json"
	"errors"
	"testing"
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
