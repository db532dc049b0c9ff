package jsonptr

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKeyIndex(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"plain", Key("", "movements"), "/movements"},
		{"index", Index("/movements", 12), "/movements/12"},
		{"escapes", Key("/attachments", "a/b~c.pdf"), "/attachments/a~1b~0c.pdf"},
		{"empty key", Key("/attachments", ""), "/attachments/"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestSegments(t *testing.T) {
	if diff := cmp.Diff([]string{"a/b~c", "0"}, Segments("/a~1b~0c/0")); diff != "" {
		t.Errorf("Segments mismatch (-want +got):\n%s", diff)
	}
	if Segments("") != nil {
		t.Error(`Segments("") != nil`)
	}
}

func TestCompare(t *testing.T) {
	sorted := []string{"", "/", "/attachments", "/movements", "/movements/2", "/movements/2/value",
		"/movements/10", "/movements/10/value", "/movements/01", "/movements/x", "/producerId"}
	shuffled := slices.Clone(sorted)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, Compare)
	if diff := cmp.Diff(sorted, shuffled); diff != "" {
		t.Errorf("sort mismatch (-want +got):\n%s", diff)
	}
	for _, p := range sorted {
		if Compare(p, p) != 0 {
			t.Errorf("Compare(%q, %q) != 0", p, p)
		}
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		p, anc string
		want   bool
	}{
		{"/a/b", "/a", true},
		{"/a", "/a", true},
		{"/ab", "/a", false},
		{"/a", "", true},
		{"", "/a", false},
	}
	for _, tt := range tests {
		if got := Within(tt.p, tt.anc); got != tt.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tt.p, tt.anc, got, tt.want)
		}
	}
}

// Compare must be a strict weak order: sorting relies on it. "9" < "10"
// (numbers), "10" < "1a" and "1a" < "9" (strings) broke transitivity once.
func TestCompareTransitive(t *testing.T) {
	segs := []string{"", "0", "1", "2", "9", "10", "11", "100", "01", "1a", "9a", "a", "b", "~0", "~1", "-1", "x/y"}
	ptr := func(r *rand.Rand) string {
		var p string
		for range 1 + r.IntN(3) {
			p += "/" + segs[r.IntN(len(segs))]
		}
		return p
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		a, b, c := ptr(r), ptr(r), ptr(r)
		ab, bc, ac := Compare(a, b), Compare(b, c), Compare(a, c)
		if Compare(b, a) != -ab {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, Compare(b, a))
		}
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("%q <= %q <= %q but Compare(%q, %q) = %d", a, b, c, a, c, ac)
		}
		if ab == 0 && bc == 0 && ac != 0 {
			t.Fatalf("%q == %q == %q but Compare(%q, %q) = %d", a, b, c, a, c, ac)
		}
	}
	for _, tt := range []struct{ a, b string }{{"/9", "/10"}, {"/10", "/1a"}, {"/9", "/1a"}, {"/10", "/a"}, {"/x/2", "/x/10/a"}} {
		if Compare(tt.a, tt.b) >= 0 {
			t.Errorf("Compare(%q, %q) = %d, want -1", tt.a, tt.b, Compare(tt.a, tt.b))
		}
	}
}
