package lettering

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		name  string
		make  func(string) (Lettering, error)
		code  string
		state State
		base  string
		str   string
		err   error
	}{
		{"complete", Complete, "AB", StateComplete, "AB", "complete AB", nil},
		{"complete unicode", Complete, "Été", StateComplete, "Été", "complete Été", nil},
		{"complete with inner star", Complete, "A*", StateComplete, "A*", "complete A*", nil},
		{"complete empty", Complete, "", "", "", "", ErrCode},
		{"complete starred", Complete, "*A", "", "", "", ErrCode},
		{"complete NUL", Complete, "A\x00", "", "", "", ErrCode},
		{"complete DEL", Complete, "A\x7f", "", "", "", ErrCode},
		{"complete control after unicode", Complete, "É\n", "", "", "", ErrCode},
		{"complete bad UTF-8", Complete, "A\xff", "", "", "", ErrCode},
		{"partial", Partial, "*AB", StatePartial, "AB", "partial *AB", nil},
		{"partial without star", Partial, "AB", "", "", "", ErrCode},
		{"partial star only", Partial, "*", "", "", "", ErrCode},
		{"partial empty", Partial, "", "", "", "", ErrCode},
		{"partial tab", Partial, "*\t", "", "", "", ErrCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.make(tt.code)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, ErrInvalid) || l != None() {
					t.Fatalf("(%q) = %v, %v; want None, %v", tt.code, l, err, tt.err)
				}
				if e, ok := errors.AsType[*Error](err); !ok || e.Offset != -1 {
					t.Errorf("(%q) error = %#v, want an *Error with Offset -1", tt.code, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("(%q) error = %v", tt.code, err)
			}
			if l.State() != tt.state || l.Code() != tt.code || l.Base() != tt.base || l.String() != tt.str || l.IsZero() {
				t.Errorf("(%q) = {State %q, Code %q, Base %q, String %q, IsZero %v}", tt.code, l.State(), l.Code(), l.Base(), l.String(), l.IsZero())
			}
		})
	}
}

func TestNone(t *testing.T) {
	var zero Lettering
	n := None()
	if n != zero || !n.IsZero() || n.State() != StateNone || n.Code() != "" || n.Base() != "" || n.String() != "none" {
		t.Errorf("None() = {State %q, Code %q, IsZero %v, String %q}", n.State(), n.Code(), n.IsZero(), n.String())
	}
}

func TestStateValid(t *testing.T) {
	for _, s := range []State{StateNone, StatePartial, StateComplete} {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	for _, s := range []State{"", "Complete", "done", "none "} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}

// TestEqualWithCmp checks that go-cmp compares letterings (unexported fields)
// through Equal, inside the structs that embed them.
func TestEqualWithCmp(t *testing.T) {
	type movement struct {
		ID        string
		Lettering Lettering
	}
	a := movement{"1", mustPartial(t, "*A")}
	b := movement{"1", mustPartial(t, "*A")}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("equal letterings differ:\n%s", diff)
	}
	b.Lettering = mustComplete(t, "A")
	if cmp.Equal(a, b) {
		t.Error("partial *A and complete A compare equal")
	}
	if a.Lettering.Equal(b.Lettering) || !a.Lettering.Equal(a.Lettering) {
		t.Error("Equal is wrong")
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Field: "value", Offset: 27, Reason: "bad", Err: ErrCode}, "lettering: value: bad (offset 27)"},
		{&Error{Offset: -1, Reason: "bad", Err: ErrCode}, "lettering: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	for _, s := range []error{ErrSyntax, ErrField, ErrState, ErrCode, ErrRange} {
		if !errors.Is(s, ErrInvalid) {
			t.Errorf("%v does not wrap ErrInvalid", s)
		}
	}
}
