package entrytest_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/entry/entrytest"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
)

// randomEntries is how many random entries the property tests draw: enough
// to meet every feature of the generator many times, in well under a second.
const randomEntries = 1000

// TestRandomIsValid is the generator's contract: every entry passes
// entry.Validate, and survives a JSON round trip digit for digit (the bytes
// re-encode identically; the values compare equal on a sample).
func TestRandomIsValid(t *testing.T) {
	for seed := range uint64(randomEntries) {
		r := rand.New(rand.NewPCG(seed, 0))
		e := entrytest.Random(r, nil)
		if err := e.Validate(nil); err != nil {
			t.Fatalf("seed %d: Random entry is not valid: %v", seed, err)
		}
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("seed %d: json.Marshal: %v", seed, err)
		}
		var back entry.Entry
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("seed %d: json.Unmarshal(%s): %v", seed, data, err)
		}
		again, err := json.Marshal(back)
		if err != nil || string(again) != string(data) {
			t.Fatalf("seed %d: JSON round trip changed the bytes (%v):\n%s\n%s", seed, err, data, again)
		}
		// go-cmp is slow under -race: compare the values on a sample only.
		if seed%10 == 0 {
			if diff := cmp.Diff(e, back, entrycmp.EquateEmpty(), entrycmp.ExactDecimals()); diff != "" {
				t.Fatalf("seed %d: JSON round trip mismatch (-random +decoded):\n%s", seed, diff)
			}
		}
	}
}

func TestRandomIsDeterministic(t *testing.T) {
	for seed := range uint64(20) {
		a := entrytest.Random(rand.New(rand.NewPCG(seed, 1)), nil)
		b := entrytest.Random(rand.New(rand.NewPCG(seed, 1)), nil)
		if diff := cmp.Diff(a, b, entrycmp.ExactDecimals()); diff != "" {
			t.Fatalf("seed %d: two draws differ:\n%s", seed, diff)
		}
	}
	a := entrytest.Random(rand.New(rand.NewPCG(1, 1)), nil)
	b := entrytest.Random(rand.New(rand.NewPCG(2, 1)), nil)
	if cmp.Equal(a, b, entrycmp.ExactDecimals()) {
		t.Error("different seeds gave the same entry")
	}
}

// TestRandomCoverage checks that the generator does produce every feature it
// documents, so that property tests built on it exercise them.
func TestRandomCoverage(t *testing.T) {
	seen := map[string]bool{}
	r := rand.New(rand.NewPCG(7, 7))
	for range randomEntries {
		e := entrytest.Random(r, nil)
		seen["due date"] = seen["due date"] || e.DueDate != nil
		seen["foreign currency"] = seen["foreign currency"] || e.Currency.Rate != nil
		seen["attachments"] = seen["attachments"] || len(e.Attachments) > 0
		seen["no producer properties"] = seen["no producer properties"] || e.AdditionalProducerProperties == nil
		if p := e.AdditionalProducerProperties; p != nil {
			seen["API source"] = seen["API source"] || p.Source.PartnerApp != nil
			seen["comment"] = seen["comment"] || p.Comment != nil
		}
		seen["8 lines"] = seen["8 lines"] || len(e.Movements) == 8
		seen["2 lines"] = seen["2 lines"] || len(e.Movements) == 2
		for _, m := range e.Movements {
			seen[string(m.Lettering.State())+" lettering"] = true
			seen["payment"] = seen["payment"] || m.Payment != nil
			seen["line attachments"] = seen["line attachments"] || len(m.Attachments) > 0
			seen["two axes"] = seen["two axes"] || len(m.Analytics) == 2
			for _, a := range m.Analytics {
				seen["three sections"] = seen["three sections"] || len(a.Sections) == 3
			}
			switch m.Value.Amount.Exponent() {
			case 0:
				seen["amount 1200"] = true
			case -2:
				seen["amount 12.50"] = true
			case -3:
				seen["amount 0.125"] = true
			}
		}
	}
	for _, f := range []string{
		"due date", "foreign currency", "attachments", "no producer properties", "API source", "comment",
		"8 lines", "2 lines", "none lettering", "partial lettering", "complete lettering", "payment",
		"line attachments", "two axes", "three sections", "amount 1200", "amount 12.50", "amount 0.125",
	} {
		if !seen[f] {
			t.Errorf("no random entry has %s", f)
		}
	}
}

func TestRandomOptions(t *testing.T) {
	d := func(y int, m time.Month, day int) period.Date { return period.Date{Year: y, Month: m, Day: day} }
	tests := []struct {
		name             string
		opts             *entrytest.RandomOptions
		minLines, maxLen int
		from, to         period.Date
	}{
		{"nil", nil, 2, 8, d(2020, 1, 1), d(2026, 12, 31)},
		{"zero", &entrytest.RandomOptions{}, 2, 8, d(2020, 1, 1), d(2026, 12, 31)},
		{"exact count", &entrytest.RandomOptions{MinMovements: 5, MaxMovements: 5}, 5, 5, d(2020, 1, 1), d(2026, 12, 31)},
		{"large minimum", &entrytest.RandomOptions{MinMovements: 12}, 12, 12, d(2020, 1, 1), d(2026, 12, 31)},
		{"minimum below two", &entrytest.RandomOptions{MinMovements: -3, MaxMovements: 1}, 2, 2, d(2020, 1, 1), d(2026, 12, 31)},
		{"one day", &entrytest.RandomOptions{From: d(2024, 2, 29), To: d(2024, 2, 29)}, 2, 8, d(2024, 2, 29), d(2024, 2, 29)},
		{"one month", &entrytest.RandomOptions{From: d(2024, 2, 1), To: d(2024, 2, 29)}, 2, 8, d(2024, 2, 1), d(2024, 2, 29)},
		{"reversed range", &entrytest.RandomOptions{From: d(2024, 2, 1), To: d(2023, 2, 1)}, 2, 8, d(2020, 1, 1), d(2026, 12, 31)},
		{"invalid date", &entrytest.RandomOptions{From: d(2023, 2, 30)}, 2, 8, d(2020, 1, 1), d(2026, 12, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before entrytest.RandomOptions
			if tt.opts != nil {
				before = *tt.opts
			}
			r := rand.New(rand.NewPCG(3, 4))
			lines := map[int]bool{}
			for range 300 {
				e := entrytest.Random(r, tt.opts)
				if n := len(e.Movements); n < tt.minLines || n > tt.maxLen {
					t.Fatalf("%d lines, want %d to %d", n, tt.minLines, tt.maxLen)
				}
				lines[len(e.Movements)] = true
				if e.Date.Before(tt.from) || e.Date.After(tt.to) {
					t.Fatalf("date %v outside %v..%v", e.Date, tt.from, tt.to)
				}
				if err := e.Validate(nil); err != nil {
					t.Fatal(err)
				}
			}
			if len(lines) != tt.maxLen-tt.minLines+1 {
				t.Errorf("line counts drawn: %v, want every count from %d to %d", lines, tt.minLines, tt.maxLen)
			}
			if tt.opts != nil && *tt.opts != before {
				t.Errorf("Random modified the options: %+v, was %+v", *tt.opts, before)
			}
		})
	}
}

// TestRandomLetteringIsWellFormed re-checks the letterings through their JSON
// form, the way a consumer reads them.
func TestRandomLetteringIsWellFormed(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 0))
	for range 200 {
		for _, m := range entrytest.Random(r, nil).Movements {
			data, _ := m.Lettering.MarshalJSON()
			var l lettering.Lettering
			if err := l.UnmarshalJSON(data); err != nil || l != m.Lettering {
				t.Fatalf("lettering %v: %s decodes to %v, %v", m.Lettering, data, l, err)
			}
		}
	}
}
