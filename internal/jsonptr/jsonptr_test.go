package jsonptr

import (
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
		"/movements/10", "/movements/10/value", "/movements/x", "/producerId"}
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
