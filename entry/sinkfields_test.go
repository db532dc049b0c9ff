package entry_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
)

// seedWith returns the seed entry with prefix inserted as its first members.
func seedWith(t testing.TB, prefix string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.IndexByte(data, '{')
	return append([]byte(string(data[:i+1])+prefix), data[i+1:]...)
}

// TestSinkEventFields checks the fields a sink's entry event carries beside
// the entry: decoded by every path, written back first, omitted when zero.
func TestSinkEventFields(t *testing.T) {
	in := seedWith(t, `"etablissement_id":"5f0c1a2e-0000-4000-8000-000000000001","type":7,"validation":2,`)
	var e entry.Entry
	if err := e.UnmarshalJSON(in); err != nil {
		t.Fatalf("UnmarshalJSON: %v", err)
	}
	if e.BranchID != "5f0c1a2e-0000-4000-8000-000000000001" || e.Type != entry.EntryDraft || e.Validation == nil || *e.Validation != 2 {
		t.Fatalf("decoded BranchID %q, Type %v, Validation %v", e.BranchID, e.Type, e.Validation)
	}
	if err := entry.ValidateJSON(in, nil); err != nil {
		t.Errorf("ValidateJSON: %v", err)
	}
	d, err := entry.Decode(in)
	if err != nil || !cmp.Equal(d, e) {
		t.Errorf("Decode = %v (equal to UnmarshalJSON's: %v)", err, cmp.Equal(d, e))
	}
	out, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"etablissement_id":"5f0c1a2e-0000-4000-8000-000000000001","type":7,"validation":2,"producerId":`
	if !bytes.HasPrefix(out, []byte(want)) {
		t.Errorf("MarshalJSON = %.120s..., want it to begin with %s", out, want)
	}
	if !cmp.Equal(jsonValue(t, out), jsonValue(t, in)) {
		t.Errorf("decode then encode changed the JSON value:\n%s\n%s", in, out)
	}

	// Zero fields, and null ones, are omitted.
	for _, prefix := range []string{"", `"etablissement_id":null,"validation":null,`} {
		var z entry.Entry
		if err := z.UnmarshalJSON(seedWith(t, prefix)); err != nil {
			t.Fatalf("UnmarshalJSON(%s): %v", prefix, err)
		}
		out, err := z.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"etablissement_id", `"type":`, "validation"} {
			if strings.Contains(string(out[:40]), key) {
				t.Errorf("%s: MarshalJSON writes %s: %.80s", prefix, key, out)
			}
		}
	}
}

func TestSinkEventFieldsProblems(t *testing.T) {
	tests := []struct {
		prefix string
		want   []problem
	}{
		{`"type":"1",`, []problem{{"/type", entry.RuleType}}},
		{`"type":1.5,`, []problem{{"/type", entry.RuleType}}},
		{`"type":null,`, []problem{{"/type", entry.RuleType}}},
		{`"type":4294967296,`, []problem{{"/type", entry.RuleType}}},
		{`"validation":true,`, []problem{{"/validation", entry.RuleType}}},
		{`"etablissement_id":5,`, []problem{{"/etablissement_id", entry.RuleType}}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			in := seedWith(t, tt.prefix)
			var e entry.Entry
			if got := problemsOf(e.UnmarshalJSON(in)); !cmp.Equal(got, tt.want) {
				t.Errorf("UnmarshalJSON problems = %v, want %v", got, tt.want)
			}
			if err := entry.ValidateJSON(in, nil); err == nil {
				t.Errorf("ValidateJSON accepts %s", tt.prefix)
			}
		})
	}
	// 5.0 is the integer 5, as JSON Schema says.
	var e entry.Entry
	if err := e.UnmarshalJSON(seedWith(t, `"type":5.0,`)); err != nil || e.Type != entry.EntryOpening {
		t.Errorf("type 5.0: %v, %v", e.Type, err)
	}
}

type problem struct {
	Path string
	Rule entry.Rule
}

func problemsOf(err error) []problem {
	var ve *entry.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := make([]problem, len(ve.Fields))
	for i, f := range ve.Fields {
		out[i] = problem{f.Path, f.Rule}
	}
	return out
}

func TestEntryType(t *testing.T) {
	tests := []struct {
		t              entry.EntryType
		valid, visible bool
		s              string
	}{
		{entry.EntryGeneral, true, true, "general"},
		{entry.EntryOpening, true, true, "opening"},
		{entry.EntryDraft, true, false, "draft"},
		{0, false, false, "EntryType(0)"},
		{3, false, false, "EntryType(3)"},
	}
	for _, tt := range tests {
		if tt.t.Valid() != tt.valid || tt.t.Visible() != tt.visible || tt.t.String() != tt.s {
			t.Errorf("%d: Valid %v, Visible %v, String %q; want %v, %v, %q", int(tt.t), tt.t.Valid(), tt.t.Visible(), tt.t.String(), tt.valid, tt.visible, tt.s)
		}
	}
}
