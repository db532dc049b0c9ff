package entrytest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/entry/entrytest"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// fakeTB records the first Fatalf and stops the goroutine, as testing does.
type fakeTB struct {
	testing.TB // nil: only Helper and Fatalf are called
	msg        string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// build runs f with a fakeTB in its own goroutine and returns the failure
// message ("" when f did not fail).
func build(f func(tb testing.TB)) string {
	ft := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ft)
	}()
	<-done
	return ft.msg
}

func TestBuilder(t *testing.T) {
	e := entrytest.New(t).
		ID("42").
		Date(period.Date{Year: 2024, Month: time.March, Day: 15}).
		Journal("AC", "ACHATS", entry.JournalPurchase).
		Description("Facture 7").
		Debit("6010000000", "1000.00").
		Debit("4456600000", "200").
		Balance("4010000000").
		Entry()

	if e.ProducerID != "42" || e.Date != (period.Date{Year: 2024, Month: time.March, Day: 15}) || e.Journal.CustomerReferenceCode != "AC" {
		t.Errorf("header = %q %v %q", e.ProducerID, e.Date, e.Journal.CustomerReferenceCode)
	}
	type line struct {
		ID, Account, Description, Debit, Credit, Amount string
	}
	var got []line
	for _, m := range e.Movements {
		got = append(got, line{m.ProducerID, *m.Account.Number, m.Description,
			m.Value.Debit.String(), m.Value.Credit.String(), m.Value.Amount.StringFixed(2)})
	}
	want := []line{
		{"1", "6010000000", "Facture 7", "1000", "0", "-1000.00"},
		{"2", "4456600000", "Facture 7", "200", "0", "-200.00"},
		{"3", "4010000000", "Facture 7", "0", "1200", "1200.00"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines mismatch (-want +got):\n%s", diff)
	}
	if exp := e.Movements[0].Value.Debit.Exponent(); exp != -2 {
		t.Errorf(`Debit("1000.00") kept exponent %d, want -2`, exp)
	}
}

func TestBuilderBalance(t *testing.T) {
	tests := []struct {
		name   string
		build  func(*entrytest.Builder) *entrytest.Builder
		lines  int
		last   string // amount of the last line
		reason string
	}{
		{"credits exceed debits", func(b *entrytest.Builder) *entrytest.Builder {
			return b.Credit("7060000000", "50.5").Balance("4110000000")
		}, 2, "-50.5", "Balance adds a debit"},
		{"debits exceed credits", func(b *entrytest.Builder) *entrytest.Builder {
			return b.Debit("6010000000", "10").Credit("4010000000", "4").Balance("4010000000")
		}, 3, "6", "Balance adds a credit for the difference"},
		{"already balanced", func(b *entrytest.Builder) *entrytest.Builder {
			return b.Debit("6010000000", "10").Credit("4010000000", "10.00").Balance("4710000000")
		}, 2, "10", "Balance adds nothing"},
		{"decimal variants", func(b *entrytest.Builder) *entrytest.Builder {
			return b.DebitDecimal("6010000000", decimal.RequireFromString("0.10")).CreditDecimal("4010000000", decimal.RequireFromString("0.1"))
		}, 2, "0.1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.build(entrytest.New(t)).Entry()
			if len(e.Movements) != tt.lines {
				t.Fatalf("%d lines, want %d (%s)", len(e.Movements), tt.lines, tt.reason)
			}
			if got := e.Movements[len(e.Movements)-1].Value.Amount; !got.Equal(decimal.RequireFromString(tt.last)) {
				t.Errorf("last amount = %s, want %s (%s)", got, tt.last, tt.reason)
			}
		})
	}
}

func TestBuilderFailures(t *testing.T) {
	tests := []struct {
		name  string
		build func(tb testing.TB)
		want  string // substring of the failure
	}{
		{"unbalanced", func(tb testing.TB) {
			entrytest.New(tb).Debit("6010000000", "10").Credit("4010000000", "9").Entry()
		}, "balanced"},
		{"one line", func(tb testing.TB) {
			entrytest.New(tb).Debit("6010000000", "0").Entry()
		}, "movements"},
		{"malformed amount", func(tb testing.TB) {
			entrytest.New(tb).Debit("6010000000", "1,5")
		}, `Debit("1,5")`},
		{"negative amount", func(tb testing.TB) {
			entrytest.New(tb).Credit("6010000000", "-1")
		}, "negative amount"},
		{"negative decimal", func(tb testing.TB) {
			entrytest.New(tb).DebitDecimal("6010000000", decimal.New(-1, 0))
		}, "negative amount"},
		{"edit before lines", func(tb testing.TB) {
			entrytest.New(tb).Edit(func(*entry.Movement) {})
		}, "before any line"},
		{"invalid currency", func(tb testing.TB) {
			entrytest.New(tb).Currency("EURO").Debit("1", "1").Credit("2", "1").Entry()
		}, "currency"},
		{"API source names its partner application", func(tb testing.TB) {
			entrytest.New(tb).Source(entry.SourceAPI).Debit("1", "1").Credit("2", "1").Entry()
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := build(tt.build)
			if tt.want == "" {
				if msg != "" {
					t.Errorf("unexpected failure: %s", msg)
				}
				return
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("failure = %q, want it to mention %q", msg, tt.want)
			}
		})
	}
}

func TestBuilderEntryIsACopy(t *testing.T) {
	b := entrytest.New(t).Debit("6010000000", "10").Credit("4010000000", "10").
		Edit(func(m *entry.Movement) { m.Lettering, _ = lettering.Complete("A") })
	first := b.Entry()
	*first.Movements[0].Account.Number = "changed"
	first.Movements[1].Description = "changed"
	second := b.Entry()
	if *second.Movements[0].Account.Number != "6010000000" || second.Movements[1].Description != "" {
		t.Errorf("changing a built entry changed the builder: %q, %q", *second.Movements[0].Account.Number, second.Movements[1].Description)
	}
	if second.Movements[1].Lettering.Code() != "A" {
		t.Errorf("Edit did not reach the last line: %v", second.Movements[1].Lettering)
	}
}

// seedJSON is the entry of seed 001, as published.
const seedJSON = `{
  "producerId": "13524346",
  "attachments": {"document.pdf": {"type": "URL", "value": "https://app.prodcomptable.myunisoft.fr/api/ged/ged/document/1-xTt2Qx4LPABeb1Z/download"}},
  "date": "2023-02-01",
  "dueDate": null,
  "journal": {"producerId": "137145", "customerReferenceCode": "AC", "name": "ACHATS", "type": "Achat"},
  "currency": {"code": "EUR"},
  "movements": [
    {
      "producerId": "43221797", "description": "TEST",
      "value": {"credit": 1200, "debit": 0, "amount": 1200},
      "dueDate": null, "lettering": {"state": "none", "value": null},
      "freeNumber": null, "invoiceNumber": null, "attachments": {},
      "account": {"producerId": "1482937", "number": "6010000000", "name": "ACHATS MATIERES PREM"},
      "payment": null,
      "analytics": [{"producerId": "703", "code": "AXE1", "name": "LIBELLE AXE1",
        "sections": [{"producerId": "1694", "amount": 1200, "rate": 100, "code": "ATTENTE", "name": "Waiting section"}]}]
    },
    {
      "producerId": "43221798", "description": "TEST",
      "value": {"credit": 0, "debit": 1200, "amount": -1200},
      "dueDate": null, "lettering": {"state": "none", "value": null},
      "freeNumber": null, "invoiceNumber": null, "attachments": {},
      "account": {"producerId": "2567407", "number": "4551200000", "name": "COMPTE COURANT RACLE"},
      "payment": null, "analytics": []
    }
  ],
  "additionalProducerProperties": {
    "createdAt": 1709852400, "accountedAt": "2023-01-20",
    "source": {"name": "API", "thirdParty": {"name": "Evoliz", "code": "EVOL"}},
    "partnerMetadata": null, "comment": null
  }
}`

func TestSeed(t *testing.T) {
	var decoded entry.Entry
	if err := json.Unmarshal([]byte(seedJSON), &decoded); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(decoded, entrytest.Seed(), entrycmp.ExactDecimals()); diff != "" {
		t.Errorf("Seed() differs from the decoded seed (-decoded +Seed):\n%s", diff)
	}
	s := entrytest.Seed()
	if err := s.Validate(nil); err != nil {
		t.Errorf("Seed() is not valid: %v", err)
	}
	s.Movements[0].Description = "changed"
	if entrytest.Seed().Movements[0].Description != "TEST" {
		t.Error("Seed() returns shared values")
	}
}

func TestBuildWithoutTB(t *testing.T) {
	tests := []struct {
		name  string
		b     *entrytest.Builder
		check func(error) bool
	}{
		{"valid", entrytest.New(nil).Debit("1", "1").Credit("2", "1"), func(err error) bool { return err == nil }},
		{"unbalanced", entrytest.New(nil).Debit("1", "1").Credit("2", "2"),
			func(err error) bool { return errors.Is(err, entry.ErrUnbalanced) }},
		{"first misuse wins", entrytest.New(nil).Debit("1", "x").Credit("2", "-1").Debit("3", "1"),
			func(err error) bool { return err != nil && strings.Contains(err.Error(), `Debit("x")`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := tt.b.Build()
			if !tt.check(err) {
				t.Fatalf("Build error = %v", err)
			}
			if err != nil {
				if e.ProducerID != "" || tt.b.Entry().ProducerID != "" {
					t.Error("a failed build returned a non-zero entry")
				}
			}
		})
	}
}
