package entrytest

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// RandomOptions tunes [Random]. A nil *RandomOptions, or the zero value, uses
// the defaults; Random never modifies the options.
type RandomOptions struct {
	// MinMovements and MaxMovements bound the number of lines, both
	// inclusive. Zero means 2 and 8 (or MinMovements if larger). A
	// MinMovements below 2 counts as 2, and a MaxMovements below
	// MinMovements as MinMovements.
	MinMovements, MaxMovements int

	// From and To bound the entry date, both inclusive; zero values mean
	// 2020-01-01 and 2026-12-31. If To is before From, or either is not a
	// valid date, the defaults are used.
	From, To period.Date
}

var (
	defaultFrom = period.Date{Year: 2020, Month: time.January, Day: 1}
	defaultTo   = period.Date{Year: 2026, Month: time.December, Day: 31}
)

type account struct{ number, name string }

// Accounts of the French chart (PCG) the generator posts to.
var (
	debitAccounts = []account{
		{"6010000000", "ACHATS MATIERES PREMIERES"}, {"6064000000", "FOURNITURES ADMINISTRATIVES"},
		{"6226000000", "HONORAIRES"}, {"6251000000", "VOYAGES ET DEPLACEMENTS"},
		{"4456600000", "TVA DEDUCTIBLE"}, {"4110000000", "CLIENTS"}, {"5120000000", "BANQUE"},
	}
	creditAccounts = []account{
		{"7060000000", "PRESTATIONS DE SERVICES"}, {"7070000000", "VENTES DE MARCHANDISES"},
		{"4457100000", "TVA COLLECTEE"}, {"4010000000", "FOURNISSEURS"}, {"4210000000", "PERSONNEL"},
		{"5120000000", "BANQUE"}, {"5300000000", "CAISSE"},
	}
	journals = []entry.Journal{
		{ProducerID: "137145", CustomerReferenceCode: "AC", Name: "ACHATS", Type: entry.JournalPurchase},
		{ProducerID: "137146", CustomerReferenceCode: "VT", Name: "VENTES", Type: entry.JournalSales},
		{ProducerID: "137147", CustomerReferenceCode: "BQ1", Name: "BANQUE", Type: entry.JournalBank},
		{ProducerID: "137148", CustomerReferenceCode: "CA", Name: "CAISSE", Type: entry.JournalCash},
		{ProducerID: "137149", CustomerReferenceCode: "OD", Name: "OPERATIONS DIVERSES", Type: entry.JournalMisc},
	}
	// Descriptions include characters that JSON encoders escape.
	descriptions = []string{
		"TEST", "Facture n°1042", "Règlement client", `Avoir "spécial" <remise> & co`,
		"Été\t2024", "Loyer \\ charges", "Note de frais 😀", "",
	}
	paymentCodes = []entry.PaymentCode{
		entry.PaymentCard, entry.PaymentTransfer, entry.PaymentCash, entry.PaymentCheque,
		entry.PaymentDirectDebit, entry.PaymentBillOfExch, entry.PaymentTransferTRA, entry.PaymentDirectDbtTRA,
	}
)

// Random returns a random entry that passes [entry.Entry.Validate] with nil
// options, drawn from r (math/rand/v2), so that the same seed gives the same
// entry. opts may be nil (see [RandomOptions]).
//
// Entries have 2 to 8 lines (by default), each a debit or a credit with
// amounts of 0, 2 or 3 decimal places kept as written (1200, 12.50, 0.125),
// and balance exactly. Beyond the required fields they sometimes carry
// lettering (none, partial, complete), analytics whose rates sum to 100 and
// amounts to the line, due dates, payments, free and invoice numbers,
// attachments, a foreign currency with a rate, and additional producer
// properties with any of the 29 sources (API with its partner application). Text
// fields include accents, emoji, quotes, backslashes, tabs, < > and &, to
// exercise encoders.
//
// Random is safe for concurrent use with distinct *rand.Rand values; a
// *rand.Rand itself is not safe for concurrent use.
func Random(r *rand.Rand, opts *RandomOptions) entry.Entry {
	var o RandomOptions
	if opts != nil {
		o = *opts
	}
	if o.MinMovements < 2 {
		o.MinMovements = 2
	}
	if o.MaxMovements == 0 {
		o.MaxMovements = max(8, o.MinMovements)
	}
	if o.MaxMovements < o.MinMovements {
		o.MaxMovements = o.MinMovements
	}
	from, to := o.From, o.To
	if from.IsZero() {
		from = defaultFrom
	}
	if to.IsZero() {
		to = defaultTo
	}
	if !from.IsValid() || !to.IsValid() || to.Before(from) {
		from, to = defaultFrom, defaultTo
	}

	date := from.AddDays(r.IntN(to.DaysSince(from) + 1))
	e := entry.Entry{
		ProducerID: strconv.FormatUint(1+r.Uint64N(99_999_999), 10),
		Date:       date,
		Journal:    journals[r.IntN(len(journals))],
		Currency:   entry.Currency{Code: "EUR"},
	}
	if r.IntN(4) == 0 {
		d := date.AddDays(30 * (1 + r.IntN(3)))
		e.DueDate = &d
	}
	if r.IntN(6) == 0 {
		e.Currency = entry.Currency{
			Code: []string{"USD", "GBP", "CHF", "XOF"}[r.IntN(4)],
			Rate: ptr(decimal.New(1+r.Int64N(30_000), -4)),
		}
	}
	if r.IntN(3) == 0 {
		e.Attachments = map[string]entry.Attachment{
			"facture-" + e.ProducerID + ".pdf": {
				Type:  entry.AttachmentURL,
				Value: "https://example.invalid/documents/" + e.ProducerID + ".pdf",
			},
		}
	}

	n := o.MinMovements + r.IntN(o.MaxMovements-o.MinMovements+1)
	debits := 1 + r.IntN(n-1) // at least one debit and one credit
	credits := n - debits
	// The total, in thousandths, is split into positive parts on each side,
	// so both sides sum to it exactly.
	total := int64(max(debits, credits))*10 + r.Int64N(10_000_000_000)
	lines := make([]entry.Movement, 0, n)
	for _, part := range split(r, total, debits) {
		lines = append(lines, randomLine(r, date, entry.NewDebit(amount(r, part)), debitAccounts))
	}
	for _, part := range split(r, total, credits) {
		lines = append(lines, randomLine(r, date, entry.NewCredit(amount(r, part)), creditAccounts))
	}
	r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	for i := range lines {
		lines[i].ProducerID = e.ProducerID + "-" + strconv.Itoa(i+1)
	}
	e.Movements = lines

	if r.IntN(4) != 0 {
		e.AdditionalProducerProperties = randomProps(r, date)
	}
	return e
}

// split returns n parts, each at least 10, summing to total (at least 10*n),
// in random proportions. Amounts are split in thousandths, so every part is
// at least one cent.
func split(r *rand.Rand, total int64, n int) []int64 {
	rest := total - 10*int64(n)
	cuts := make([]int64, n-1, n+1)
	for i := range cuts {
		cuts[i] = r.Int64N(rest + 1)
	}
	cuts = append(cuts, 0, rest)
	slices.Sort(cuts)
	parts := make([]int64, n)
	for i := range parts {
		parts[i] = 10 + cuts[i+1] - cuts[i]
	}
	return parts
}

// amount turns thousandths into a decimal written with as few as 0 or as
// many as 3 decimal places, keeping the value exact.
func amount(r *rand.Rand, thousandths int64) decimal.Decimal {
	switch {
	case thousandths%1000 == 0 && r.IntN(2) == 0:
		return decimal.New(thousandths/1000, 0) // 1200
	case thousandths%10 == 0 && r.IntN(8) != 0:
		return decimal.New(thousandths/10, -2) // 12.50
	}
	return decimal.New(thousandths, -3) // 0.125
}

func randomLine(r *rand.Rand, date period.Date, v entry.MovementValue, accounts []account) entry.Movement {
	a := accounts[r.IntN(len(accounts))]
	m := entry.Movement{
		Description: descriptions[r.IntN(len(descriptions))],
		Value:       v,
		Account:     &entry.SimplifiedAccount{ProducerID: a.number, Number: ptr(a.number), Name: ptr(a.name)},
	}
	switch r.IntN(6) {
	case 0:
		m.Lettering, _ = lettering.Complete(codeAt(r))
	case 1:
		m.Lettering, _ = lettering.Partial("*" + codeAt(r))
	}
	if r.IntN(4) == 0 {
		d := date.AddDays(r.IntN(90))
		m.DueDate = &d
	}
	if r.IntN(5) == 0 {
		m.FreeNumber = ptr(strconv.Itoa(r.IntN(1_000_000)))
	}
	if r.IntN(4) == 0 {
		m.InvoiceNumber = ptr("F-" + strconv.Itoa(2020+r.IntN(7)) + "-" + strconv.Itoa(r.IntN(10_000)))
	}
	if r.IntN(5) == 0 {
		code := paymentCodes[r.IntN(len(paymentCodes))]
		m.Payment = &entry.Payment{ProducerID: strconv.Itoa(1 + r.IntN(20)), Name: ptr("Paiement " + string(code)), Code: &code}
	}
	if r.IntN(8) == 0 {
		m.Attachments = map[string]entry.Attachment{
			"justificatif.pdf": {Type: entry.AttachmentURL, Value: "https://example.invalid/j/" + strconv.Itoa(r.IntN(1000))},
		}
	}
	if a.number[0] == '6' || a.number[0] == '7' {
		for axis := range r.IntN(3) {
			m.Analytics = append(m.Analytics, randomAxis(r, axis, v.Amount.Abs()))
		}
	}
	return m
}

func codeAt(r *rand.Rand) string {
	c, _ := lettering.CodeAt(r.IntN(2000)) // never fails for n >= 0
	return c
}

// randomAxis shares the line amount lineAbs among 1 to 3 sections: rates are
// whole percentages (at least 10) summing to 100; amounts are rounded down to
// the line's precision and the last section takes the remainder, so that both
// sums are exact.
func randomAxis(r *rand.Rand, axis int, lineAbs decimal.Decimal) entry.MovementAnalytics {
	name := "AXE" + strconv.Itoa(axis+1)
	a := entry.MovementAnalytics{ProducerID: strconv.Itoa(700 + axis), Code: name, Name: "LIBELLE " + name}
	n := 1 + r.IntN(3)
	places := max(-lineAbs.Exponent(), 0)
	rest := lineAbs
	for i, pct := range split(r, 100, n) {
		rate := decimal.New(pct, 0)
		amt := rest
		if i < n-1 {
			amt = lineAbs.Mul(rate).Shift(-2).RoundDown(places)
			rest = rest.Sub(amt)
		}
		a.Sections = append(a.Sections, entry.AnalyticSection{
			ProducerID: strconv.Itoa(1600 + 10*axis + i),
			Amount:     amt,
			Rate:       rate,
			Code:       "SEC" + strconv.Itoa(i+1),
			Name:       "Section " + strconv.Itoa(i+1),
		})
	}
	return a
}

func randomProps(r *rand.Rand, date period.Date) *entry.EntryAdditionalProducerProps {
	sources := entry.SourceCodes()
	p := &entry.EntryAdditionalProducerProps{
		CreatedAt: entry.UnixTimeOf(date.In(time.UTC).Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))),
		Source:    entry.Source{Name: sources[r.IntN(len(sources))]},
	}
	if p.Source.Name == entry.SourceAPI {
		p.Source.PartnerApp = &entry.PartnerApp{Name: "Evoliz", Code: "EVOL"}
	}
	if r.IntN(2) == 0 {
		d := date.AddDays(r.IntN(20))
		p.AccountedAt = &d
	}
	if r.IntN(4) == 0 {
		p.Comment = ptr(descriptions[r.IntN(len(descriptions))])
	}
	if r.IntN(4) == 0 {
		p.PartnerMetadata = &entry.PartnerMetadata{PartnerID: "P-" + strconv.Itoa(r.IntN(100_000))}
	}
	return p
}

func ptr[T any](v T) *T { return &v }
