package entrytest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// A Builder builds one valid entry line by line. Its methods return the
// Builder, so that calls chain. A misuse (an amount that does not parse, a
// negative amount, [Builder.Edit] before any line) or an entry that does not
// validate fails the test through tb.Fatalf; with a nil tb, the first
// problem is returned by [Builder.Build] instead. Either way a Builder never
// returns an invalid entry.
//
// The defaults are: producer id "1", date 2024-01-31, journal OD
// ("OPERATIONS DIVERSES", [entry.JournalMisc], producer id "1"), currency
// EUR, no attachments, no additional producer properties. Lines get producer
// ids "1", "2", ... in the order they are added, and an account whose
// producer id and number are the account string.
//
// A Builder is not safe for concurrent use. [Builder.Entry] returns a deep
// copy, so the Builder can go on (add lines, build again) without changing
// entries already returned.
type Builder struct {
	tb          testing.TB
	err         error // first misuse, when tb is nil
	e           entry.Entry
	description string
}

// New returns a Builder with the defaults. tb receives the failures; it may
// be nil, and then [Builder.Build] reports them.
func New(tb testing.TB) *Builder {
	return &Builder{tb: tb, e: entry.Entry{
		ProducerID: "1",
		Date:       period.Date{Year: 2024, Month: time.January, Day: 31},
		Journal:    entry.Journal{ProducerID: "1", CustomerReferenceCode: "OD", Name: "OPERATIONS DIVERSES", Type: entry.JournalMisc},
		Currency:   entry.Currency{Code: "EUR"},
	}}
}

// ID sets the entry's producer id.
func (b *Builder) ID(id string) *Builder {
	b.e.ProducerID = id
	return b
}

// Date sets the entry's date.
func (b *Builder) Date(d period.Date) *Builder {
	b.e.Date = d
	return b
}

// Journal sets the journal's code, name and type (its producer id stays).
func (b *Builder) Journal(code, name string, typ entry.JournalKind) *Builder {
	b.e.Journal.CustomerReferenceCode = code
	b.e.Journal.Name = name
	b.e.Journal.Type = typ
	return b
}

// Currency sets the entry's currency code, without a rate.
func (b *Builder) Currency(code string) *Builder {
	b.e.Currency = entry.Currency{Code: code}
	return b
}

// Source sets the entry's source, creating the additional producer
// properties if needed. An API source gets a partner application ("Entrytest",
// "TEST"), as validation requires.
func (b *Builder) Source(name entry.SourceCode) *Builder {
	p := b.props()
	p.Source = entry.Source{Name: name}
	if name == entry.SourceAPI {
		p.Source.PartnerApp = &entry.PartnerApp{Name: "Entrytest", Code: "TEST"}
	}
	return b
}

func (b *Builder) props() *entry.EntryAdditionalProducerProps {
	if b.e.AdditionalProducerProperties == nil {
		b.e.AdditionalProducerProperties = &entry.EntryAdditionalProducerProps{Source: entry.Source{Name: entry.SourceManual}}
	}
	return b.e.AdditionalProducerProperties
}

// Description sets the description of the lines added after it.
func (b *Builder) Description(s string) *Builder {
	b.description = s
	return b
}

// Debit adds a line debiting amount (a decimal literal such as "1200.00",
// kept with its digits) to account. A negative or malformed amount fails the
// test.
func (b *Builder) Debit(account, amount string) *Builder {
	b.helper()
	if d, ok := b.parse("Debit", amount); ok {
		b.add(account, entry.NewDebit(d))
	}
	return b
}

// Credit adds a line crediting amount to account, like [Builder.Debit].
func (b *Builder) Credit(account, amount string) *Builder {
	b.helper()
	if d, ok := b.parse("Credit", amount); ok {
		b.add(account, entry.NewCredit(d))
	}
	return b
}

// DebitDecimal adds a line debiting d to account; a negative d fails the test.
func (b *Builder) DebitDecimal(account string, d decimal.Decimal) *Builder {
	b.helper()
	if b.checkSign("DebitDecimal", d) {
		b.add(account, entry.NewDebit(d))
	}
	return b
}

// CreditDecimal adds a line crediting d to account; a negative d fails the
// test.
func (b *Builder) CreditDecimal(account string, d decimal.Decimal) *Builder {
	b.helper()
	if b.checkSign("CreditDecimal", d) {
		b.add(account, entry.NewCredit(d))
	}
	return b
}

// Balance adds the line on account that makes the lines balance: a credit
// when the debits exceed the credits, a debit otherwise. When the lines
// already balance it adds nothing.
func (b *Builder) Balance(account string) *Builder {
	var net decimal.Decimal // credits - debits
	for _, m := range b.e.Movements {
		net = net.Add(m.Value.Credit).Sub(m.Value.Debit)
	}
	switch net.Sign() {
	case -1:
		b.add(account, entry.NewCredit(net.Neg()))
	case 1:
		b.add(account, entry.NewDebit(net))
	}
	return b
}

// Edit calls f with the last line added, to set what the other methods do
// not (lettering, analytics, payment, due date...). Without any line, the
// test fails.
func (b *Builder) Edit(f func(m *entry.Movement)) *Builder {
	b.helper()
	if len(b.e.Movements) == 0 {
		b.fail("entrytest: Edit called before any line was added")
		return b
	}
	f(&b.e.Movements[len(b.e.Movements)-1])
	return b
}

// EditEntry calls f with the entry being built, for any other change.
func (b *Builder) EditEntry(f func(e *entry.Entry)) *Builder {
	f(&b.e)
	return b
}

// Entry returns a deep copy of the entry built so far, after checking it
// with [entry.Entry.Validate] (nil options); a problem, an unbalanced entry
// included, fails the test with the validation report. With a nil tb, Entry
// returns the zero Entry on failure: use [Builder.Build] to get the error.
func (b *Builder) Entry() entry.Entry {
	b.helper()
	e, err := b.Build()
	if err != nil {
		if b.tb != nil {
			b.tb.Fatalf("%v", err)
		}
		return entry.Entry{}
	}
	return e
}

// Build is [Builder.Entry] without a testing.TB: it returns a deep copy of
// the entry, or the zero Entry and an error: the first misuse of the
// Builder, or else "entrytest: the built entry is not valid" wrapping the
// *entry.ValidationError (errors.Is(err, entry.ErrUnbalanced) works).
func (b *Builder) Build() (entry.Entry, error) {
	if b.err != nil {
		return entry.Entry{}, b.err
	}
	e := *b.e.Clone()
	if err := e.Validate(nil); err != nil {
		return entry.Entry{}, fmt.Errorf("entrytest: the built entry is not valid: %w", err)
	}
	return e, nil
}

func (b *Builder) helper() {
	if b.tb != nil {
		b.tb.Helper()
	}
}

// fail reports a misuse: to tb when there is one, else it is kept for Build.
func (b *Builder) fail(format string, args ...any) {
	if b.tb != nil {
		b.tb.Helper()
		b.tb.Fatalf(format, args...)
		return
	}
	if b.err == nil {
		b.err = fmt.Errorf(format, args...)
	}
}

func (b *Builder) add(account string, v entry.MovementValue) {
	n := len(b.e.Movements) + 1
	acc := account
	b.e.Movements = append(b.e.Movements, entry.Movement{
		ProducerID:  strconv.Itoa(n),
		Description: b.description,
		Value:       v,
		Account:     &entry.SimplifiedAccount{ProducerID: account, Number: &acc},
	})
}

func (b *Builder) parse(method, amount string) (decimal.Decimal, bool) {
	b.helper()
	d, err := decimal.NewFromString(amount)
	if err != nil {
		b.fail("entrytest: %s(%q): %v", method, amount, err)
		return d, false
	}
	return d, b.checkSign(method, d)
}

func (b *Builder) checkSign(method string, d decimal.Decimal) bool {
	b.helper()
	if d.Sign() < 0 {
		b.fail("entrytest: %s(%s): negative amount; use the other side", method, d)
		return false
	}
	return true
}
