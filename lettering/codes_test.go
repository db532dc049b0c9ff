package lettering

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestNextCode(t *testing.T) {
	tests := []struct {
		code, want string
		err        error
	}{
		{"A", "B", nil},
		{"Y", "Z", nil},
		{"Z", "AA", nil},
		{"AA", "AB", nil},
		{"AZ", "BA", nil},
		{"BZZ", "CAA", nil},
		{"ZZ", "AAA", nil},
		{"ZZZZZZZZZZZZZZZZZZZZ", "AAAAAAAAAAAAAAAAAAAAA", nil},
		{"", "", ErrCode},
		{"a", "", ErrCode},
		{"*A", "", ErrCode},
		{"AA0", "", ErrCode},
		{"Ä", "", ErrCode},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, err := NextCode(tt.code)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("NextCode(%q) = %q, %v; want %q, %v", tt.code, got, err, tt.want, tt.err)
			}
		})
	}
}

// TestSequence walks the first codes with NextCode and checks CodeAt, Index,
// Less and ValidCode against the walk.
func TestSequence(t *testing.T) {
	code := FirstCode
	for n := range 26 + 26*26 + 26*26*26 + 5 {
		if at, err := CodeAt(n); err != nil || at != code {
			t.Fatalf("CodeAt(%d) = %q, %v; want %q", n, at, err, code)
		}
		if i, err := Index(code); err != nil || i != n {
			t.Fatalf("Index(%q) = %d, %v; want %d", code, i, err, n)
		}
		next, err := NextCode(code)
		if err != nil || !Less(code, next) || Less(next, code) || !ValidCode(next) {
			t.Fatalf("NextCode(%q) = %q, %v", code, next, err)
		}
		code = next
	}
	if code != "AAAF" {
		t.Errorf("after 18283 steps the code is %q, want AAAF", code)
	}
}

func TestIndexRange(t *testing.T) {
	last, err := CodeAt(math.MaxInt)
	if err != nil {
		t.Fatal(err)
	}
	if i, err := Index(last); err != nil || i != math.MaxInt {
		t.Errorf("Index(CodeAt(MaxInt) = %q) = %d, %v; want MaxInt", last, i, err)
	}
	after, _ := NextCode(last)
	if _, err := Index(after); !errors.Is(err, ErrRange) {
		t.Errorf("Index(%q) (one past MaxInt) error = %v, want ErrRange", after, err)
	}
	if _, err := Index("AAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, ErrRange) {
		t.Errorf("Index of a 20-letter code: error = %v, want ErrRange", err)
	}
	if _, err := CodeAt(-1); !errors.Is(err, ErrRange) {
		t.Errorf("CodeAt(-1) error = %v, want ErrRange", err)
	}
	if _, err := Index("a"); !errors.Is(err, ErrCode) {
		t.Errorf(`Index("a") error = %v, want ErrCode`, err)
	}
}

func TestValidCode(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"A", true}, {"ZZZ", true}, {"", false}, {"a", false}, {"A A", false}, {"*A", false}, {"A1", false}, {"@", false}, {"[", false},
	}
	for _, tt := range tests {
		if got := ValidCode(tt.code); got != tt.want {
			t.Errorf("ValidCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestLess(t *testing.T) {
	codes := []string{"AA", "B", "ZZ", "A", "AAA", "Z", "AB"}
	slices.SortFunc(codes, func(a, b string) int {
		switch {
		case Less(a, b):
			return -1
		case Less(b, a):
			return 1
		}
		return 0
	})
	want := []string{"A", "B", "Z", "AA", "AB", "ZZ", "AAA"}
	if !slices.Equal(codes, want) {
		t.Errorf("sorted with Less: %q, want %q", codes, want)
	}
}

func TestNextUnused(t *testing.T) {
	tests := []struct {
		name string
		used []string
		want string
	}{
		{"nil", nil, "A"},
		{"only none and foreign", []string{"", "aa", "AA0"}, "A"},
		{"highest by sequence order", []string{"C", "AA", "Z"}, "AB"},
		{"partial counts by base", []string{"B", "*AZ"}, "BA"},
		{"holes are not refilled", []string{"A", "D"}, "E"},
		{"star alone ignored", []string{"*", "A"}, "B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var used func(func(string) bool)
			if tt.used != nil {
				used = slices.Values(tt.used)
			}
			if got := NextUnused(used); got != tt.want {
				t.Errorf("NextUnused(%q) = %q, want %q", tt.used, got, tt.want)
			}
		})
	}
}
