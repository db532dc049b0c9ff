package lettering

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func line(l Lettering, amount string) Line {
	return Line{Lettering: l, Amount: decimal.RequireFromString(amount)}
}

func TestLetter(t *testing.T) {
	none := None()
	pAB := Lettering{kindPartial, "*AB"}
	cAB := Lettering{kindComplete, "AB"}
	cB := Lettering{kindComplete, "B"}
	tests := []struct {
		name   string
		code   string
		lines  []Line
		want   Lettering
		err    error
		reason string
	}{
		{"new partial group", "AB", []Line{line(none, "-1200"), line(none, "700")}, pAB, nil, ""},
		{"partial group completed", "AB", []Line{line(pAB, "-1200"), line(pAB, "700"), line(none, "500.00")}, cAB, nil,
			"lines already under AB may join"},
		{"complete group re-lettered", "AB", []Line{line(cAB, "-10"), line(cAB, "10")}, cAB, nil, ""},
		{"complete group grows unbalanced", "AB", []Line{line(cAB, "-10"), line(cAB, "10"), line(none, "1")}, pAB, nil,
			"a line added to a complete group makes it partial"},
		{"line under another code", "AB", []Line{line(none, "-10"), line(cB, "10"), line(Lettering{kindPartial, "*C"}, "1")}, None(), ErrAlreadyLettered, ""},
		{"empty", "AB", nil, None(), ErrEmptyGroup, ""},
		{"bad code", "*AB", []Line{line(none, "1")}, None(), ErrCode, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Letter(tt.code, tt.lines)
			if got != tt.want || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Errorf("Letter(%q) = %v, %v; want %v, %v (%s)", tt.code, got, err, tt.want, tt.err, tt.reason)
			}
		})
	}
	_, err := Letter("AB", []Line{line(none, "-10"), line(cB, "10"), line(Lettering{kindPartial, "*C"}, "1")})
	const want = `lettering: cannot letter under "AB": line 1 (complete B), line 2 (partial *C) already lettered`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want every taken line listed: %s", err, want)
	}
	if errors.Is(ErrAlreadyLettered, ErrInvalid) {
		t.Error("ErrAlreadyLettered wraps ErrInvalid; it reports no malformed value")
	}
}

func TestCheckGroups(t *testing.T) {
	c := func(code string) Lettering { return Lettering{kindComplete, code} }
	p := func(code string) Lettering { return Lettering{kindPartial, "*" + code} }
	type problem struct {
		Path, Rule string
		Err        error
	}
	tests := []struct {
		name  string
		lines []Line
		want  []problem
	}{
		{"nothing lettered", []Line{line(None(), "1"), line(None(), "-3")}, nil},
		{"consistent groups", []Line{
			line(c("A"), "-100"), line(None(), "5"), line(c("A"), "100.00"),
			line(p("B"), "-50"), line(p("B"), "20"),
		}, nil},
		{"every problem at once", []Line{
			line(c("AA"), "-100"), line(c("AA"), "99.99"), // unbalanced complete
			line(p("B"), "-5"), line(c("B"), "5"), // mixed
			line(p("C"), "-5"), line(p("C"), "5"), // balanced partial
			line(c("D"), "-1"), line(c("D"), "1"), // fine
		}, []problem{ // by first line
			{"/0", RuleUnbalancedGroup, ErrUnbalancedGroup},
			{"/2", RuleMixedGroup, ErrMixedGroup},
			{"/4", RuleBalancedPartial, ErrBalancedPartial},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckGroups(tt.lines)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckGroups = %v, want nil", err)
				}
				return
			}
			ce, ok := errors.AsType[*CheckError](err)
			if !ok {
				t.Fatalf("CheckGroups = %v, want a *CheckError", err)
			}
			var got []problem
			for _, g := range ce.Fields {
				got = append(got, problem{g.Path, g.Rule, g.Err})
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w.Err) {
					t.Errorf("errors.Is(err, %v) = false", w.Err)
				}
			}
		})
	}
}

func TestCheckErrorMessage(t *testing.T) {
	err := CheckGroups([]Line{line(Lettering{kindComplete, "A"}, "1.50")})
	const want = "lettering: 1 problem:\n\t/0: group A (line 0): complete, but its lines sum to 1.50 [unbalancedGroup]"
	if err == nil || err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	var lines []Line
	for range 12 {
		lines = append(lines, line(Lettering{kindComplete, "B"}, "1.0"))
	}
	const want12 = "lettering: 1 problem:\n\t/0: group B (lines 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more): complete, but its lines sum to 12.0 [unbalancedGroup]"
	if err := CheckGroups(lines); err == nil || err.Error() != want12 {
		t.Errorf("Error() = %q, want %q", err, want12)
	}
}

func TestStateUnmarshalText(t *testing.T) {
	var s State
	for _, v := range []State{StateNone, StatePartial, StateComplete} {
		if err := s.UnmarshalText([]byte(v)); err != nil || s != v {
			t.Errorf("UnmarshalText(%q) = %q, %v", v, s, err)
		}
	}
	s = StatePartial
	if err := s.UnmarshalText([]byte("Complete")); !errors.Is(err, ErrState) || s != StatePartial {
		t.Errorf(`UnmarshalText("Complete") = %q, %v; want ErrState and no change`, s, err)
	}
}
