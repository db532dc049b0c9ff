package entry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/entry"
)

// Issue 13: a key repeated in one object is refused at every depth, with
// its path; the first value stands. encoding/json keeps the last one, so
// "credit":1200,"credit":5 read 5.
func TestIssue13DuplicateKeys(t *testing.T) {
	seed := string(seedBytes(t))
	tests := []struct {
		name     string
		from, to string // replace the first from in the seed by to
		path     string
	}{
		{"top level", `"producerId": "`, `"producerId": "x", "producerId": "`, "/producerId"},
		{"movement value", `"credit": `, `"credit": 5, "credit": `, "/movements/0/value/credit"},
		{"open object, unknown key", `"credit": `, `"x": 1, "x": 2, "credit": `, "/movements/0/value/x"},
		{"lettering", `"state": `, `"state": "none", "state": `, "/movements/0/lettering/state"},
		{"attachment name", `"attachments": {`, `"attachments": {"a": {"type": "URL", "value": "u"}, "a": {"type": "URL", "value": "v"},`, "/attachments/a"},
		{"escaped spelling", `"producerId": "`, `"producer\u0049d": "x", "producerId": "`, "/producerId"},
		{"inside a skipped value", `"credit": `, `"x": {"y": [{"z": 1, "z": 2}]}, "credit": `, "/movements/0/value/x/y/0/z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(seed, tt.from) {
				t.Fatalf("the seed has no %q", tt.from)
			}
			data := []byte(strings.Replace(seed, tt.from, tt.to, 1))
			check := func(what string, err error) {
				t.Helper()
				ve, ok := errors.AsType[*entry.ValidationError](err)
				if !ok || !errors.Is(err, entry.ErrDuplicateKey) {
					t.Fatalf("%s = %v, want a problem matching ErrDuplicateKey", what, err)
				}
				for _, f := range ve.Fields {
					if f.Rule == entry.RuleDuplicateKey {
						if f.Path != tt.path {
							t.Errorf("%s: repeated key at %s, want %s", what, f.Path, tt.path)
						}
						return
					}
				}
				t.Errorf("%s: no %s problem in %v", what, entry.RuleDuplicateKey, err)
			}
			var e entry.Entry
			check("UnmarshalJSON", e.UnmarshalJSON(data))
			_, err := entry.Parse(data, nil)
			check("Parse", err)
			check("ValidateJSON", entry.ValidateJSON(data, nil))
			_, err = entry.Decode(data) // skips unknown keys, not repeated ones
			check("Decode", err)
		})
	}

	// The first value stands.
	data := []byte(strings.Replace(seed, `"credit": `, `"credit": 1200, "credit": `, 1))
	e, _ := entry.Decode(data)
	if got := e.Movements[0].Value.Credit.String(); got != "1200" {
		t.Errorf("credit = %s, want the first value, 1200", got)
	}
}

// Issue 13: problems are capped (the first MaxProblems in the list's order,
// with a count of the rest), and a document of 100,000 empty movements
// (293 KB, 500,000 problems) is handled in linear time and memory: a
// quadratic pass took minutes. The bound on allocations is generous (the
// decoded entry alone needs about one per movement); BenchmarkHostile*
// show the cost per movement staying flat from 10k to 1M.
func TestIssue13ManyProblems(t *testing.T) {
	data := emptyMovements(100_000)
	if len(data) < 290_000 {
		t.Fatalf("document of %d bytes, want about 293 KB", len(data))
	}
	for _, tt := range []struct {
		name string
		run  func() error
	}{
		{"Parse", func() error { _, err := entry.Parse(data, nil); return err }},
		{"Decode", func() error { _, err := entry.Decode(data); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			allocs := testing.AllocsPerRun(1, func() { err = tt.run() })
			ve, ok := errors.AsType[*entry.ValidationError](err)
			if !ok {
				t.Fatalf("%s = %v, want a *ValidationError", tt.name, err)
			}
			// Five keys missing at the top, five in each movement.
			if len(ve.Fields) != 100 || ve.Omitted != 500_005-100 {
				t.Errorf("%d problems listed, %d omitted; want 100 and %d", len(ve.Fields), ve.Omitted, 500_005-100)
			}
			if ve.Fields[0].Path != "/attachments" || ve.Fields[99].Path != "/movements/19/analytics" {
				t.Errorf("problems from %s to %s, want the first 100 in path order", ve.Fields[0].Path, ve.Fields[99].Path)
			}
			if !strings.HasSuffix(err.Error(), "\n\t... and 499905 more") {
				t.Errorf("Error() does not end with the count of omitted problems")
			}
			if perMovement := allocs / 100_000; perMovement > 30 {
				t.Errorf("%.0f allocations per movement, want at most 30", perMovement)
			}
		})
	}
	if err := entry.ValidateJSON(emptyMovements(3), nil); err == nil {
		t.Error("ValidateJSON found no problem")
	}
}

func TestMaxProblems(t *testing.T) {
	data := emptyMovements(10)
	for _, tt := range []struct {
		max, listed int
	}{{0, 55}, {5, 5}, {-1, 55}, {1000, 55}} {
		_, err := entry.Parse(data, &entry.ValidateOptions{MaxProblems: tt.max, Skip: []entry.Rule{entry.RuleMovements}})
		ve, ok := errors.AsType[*entry.ValidationError](err)
		if !ok || len(ve.Fields) != tt.listed || len(ve.Fields)+ve.Omitted != 55 {
			t.Errorf("MaxProblems %d: %v, want %d problems listed of 55", tt.max, err, tt.listed)
		}
	}
	// Has and errors.Is see a rule whose problems are all omitted.
	data = []byte(strings.Replace(string(seedBytes(t)), `"credit": `, `"credit": -`, 1))
	_, err := entry.Parse(data, &entry.ValidateOptions{MaxProblems: 1})
	ve, ok := errors.AsType[*entry.ValidationError](err)
	if !ok || len(ve.Fields) != 1 || ve.Fields[0].Rule != entry.RuleBalanced {
		t.Fatalf("Parse = %v, want the balance problem first", err)
	}
	if !ve.Has(entry.RuleNegative) || !errors.Is(err, entry.ErrNegative) {
		t.Errorf("Has or errors.Is miss an omitted rule: %v", err)
	}
}
