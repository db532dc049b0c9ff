package entrycmp_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

func ptr[T any](v T) *T { return &v }

// base returns a fresh, valid entry; each call returns new slices, maps and
// pointers, so cases can modify their copy.
func base() entry.Entry {
	return entry.Entry{
		ProducerID: "E1",
		Date:       period.Date{Year: 2024, Month: time.January, Day: 31},
		Journal:    entry.Journal{ProducerID: "J1", CustomerReferenceCode: "AC", Name: "ACHATS", Type: entry.JournalPurchase},
		Currency:   entry.Currency{Code: "EUR"},
		Movements: []entry.Movement{
			{
				ProducerID:  "M1",
				Description: "Facture",
				Value:       entry.NewDebit(decimal.RequireFromString("1.50")),
				Account:     &entry.SimplifiedAccount{ProducerID: "A1", Number: ptr("6010000000")},
			},
			{
				ProducerID:  "M2",
				Description: "Facture",
				Value:       entry.NewCredit(decimal.RequireFromString("1.50")),
				Account:     &entry.SimplifiedAccount{ProducerID: "A2", Number: ptr("4010000000")},
			},
		},
		AdditionalProducerProperties: &entry.EntryAdditionalProducerProps{
			CreatedAt:   1709852400,
			AccountedAt: &period.Date{Year: 2024, Month: time.February, Day: 1},
			Source:      entry.Source{Name: entry.SourceManual},
		},
	}
}

func TestOptionsChangeVerdicts(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *entry.Entry) // applied to the second entry
		opts   cmp.Option
		equal  bool
		reason string
	}{
		{"identical, no option", func(*entry.Entry) {}, nil, true, ""},

		{"amount with fewer digits, no option", setDebit("1.5"), nil, true,
			"cmp calls decimal.Decimal.Equal: 1.50 == 1.5"},
		{"amount with fewer digits, ExactDecimals", setDebit("1.5"), entrycmp.ExactDecimals(), false,
			"exponents -2 and -1 differ"},
		{"amount with same digits, ExactDecimals", setDebit("1.50"), entrycmp.ExactDecimals(), true, ""},
		{"other amount, no option", setDebit("1.51"), nil, false, ""},
		{"zero without digits, ExactDecimals", func(e *entry.Entry) {
			e.Movements[0].Value.Credit = decimal.RequireFromString("0.00")
		}, entrycmp.ExactDecimals(), false, "0 and 0.00 are written differently"},
		{"currency rate, ExactDecimals", func(e *entry.Entry) {
			e.Currency.Rate = ptr(decimal.RequireFromString("1.10"))
		}, entrycmp.ExactDecimals(), false, "one side has no rate"},

		{"storage timestamp, no option", func(e *entry.Entry) {
			e.AdditionalProducerProperties.CreatedAt = 1709852401
		}, nil, false, ""},
		{"storage timestamp, IgnoreVolatile", func(e *entry.Entry) {
			e.AdditionalProducerProperties.CreatedAt = 1709852401
		}, entrycmp.IgnoreVolatile(), true, ""},
		{"validation date, IgnoreVolatile", func(e *entry.Entry) {
			e.AdditionalProducerProperties.ValidationDate = ptr("2024-02-01")
		}, entrycmp.IgnoreVolatile(), true, ""},
		{"accounted date, IgnoreVolatile", func(e *entry.Entry) {
			e.AdditionalProducerProperties.AccountedAt = &period.Date{Year: 2024, Month: time.February, Day: 2}
		}, entrycmp.IgnoreVolatile(), false, "AccountedAt is accounting content"},

		{"movements swapped, no option", swap, nil, false, ""},
		{"movements swapped, SortMovements", swap, entrycmp.SortMovements(), true, ""},
		{"movements swapped and changed, SortMovements", func(e *entry.Entry) {
			swap(e)
			e.Movements[0].Description = "Avoir"
		}, entrycmp.SortMovements(), false, ""},

		{"empty attachments, no option", func(e *entry.Entry) {
			e.Attachments = map[string]entry.Attachment{}
			e.Movements[1].Analytics = []entry.MovementAnalytics{}
		}, nil, false, ""},
		{"empty attachments, EquateEmpty", func(e *entry.Entry) {
			e.Attachments = map[string]entry.Attachment{}
			e.Movements[1].Analytics = []entry.MovementAnalytics{}
		}, entrycmp.EquateEmpty(), true, ""},

		{"volatile and empty, Options", func(e *entry.Entry) {
			e.Attachments = map[string]entry.Attachment{}
			e.AdditionalProducerProperties.CreatedAt = 1
		}, entrycmp.Options(), true, ""},
		{"swapped, Options", swap, entrycmp.Options(), false, "order matters in the bundle"},
		{"fewer digits, Options", setDebit("1.5"), entrycmp.Options(), true, "amounts by value in the bundle"},

		{"lettering, no option", func(e *entry.Entry) {
			e.Movements[0].Lettering, _ = lettering.Partial("*A")
		}, nil, false, "lettering compares through its Equal method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			tt.change(&b)
			var opts []cmp.Option
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			if got := cmp.Equal(a, b, opts...); got != tt.equal {
				t.Errorf("cmp.Equal = %v, want %v (%s); diff:\n%s", got, tt.equal, tt.reason, cmp.Diff(a, b, opts...))
			}
		})
	}
}

func setDebit(s string) func(*entry.Entry) {
	return func(e *entry.Entry) {
		d := decimal.RequireFromString(s)
		e.Movements[0].Value = entry.NewDebit(d)
		e.Movements[1].Value = entry.NewCredit(d)
	}
}

func swap(e *entry.Entry) { e.Movements[0], e.Movements[1] = e.Movements[1], e.Movements[0] }

// TestSortMovementsTies checks that movements with equal sort keys keep their
// relative order, so ties never make equal entries look different.
func TestSortMovementsTies(t *testing.T) {
	a := base()
	a.Movements = append(a.Movements, a.Movements...) // M1, M2, M1, M2
	b := base()
	b.Movements = append([]entry.Movement{b.Movements[1], b.Movements[1]}, b.Movements[0], b.Movements[0])
	if diff := cmp.Diff(a, b, entrycmp.SortMovements()); diff != "" {
		t.Errorf("same multiset of movements differs (-a +b):\n%s", diff)
	}
	b.Movements[3].Description = "other"
	if cmp.Equal(a, b, entrycmp.SortMovements()) {
		t.Error("different multisets compare equal")
	}
}
