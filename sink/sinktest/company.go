// Package sinktest provides test support for code built on package sink: a
// deterministic demo company to initialize, as the quickstart does.
//
// The company ([Company], entity [DemoEntityID]) holds nine accounts, three
// journals (purchases, sales, bank), four third parties (a customer, a
// supplier, an employee, another), a 20 % VAT rate, a branch, a currency
// parameter, a bank account, and the exercises 2022 and 2023 (closed) and
// 2024 (open), each with a half-year situation and four balanced entries.
// Under the period rules 2022 is out of scope: its initialization writes 33
// events (8 entries, 4 periods) and a report. [Changes] are three live
// changes made at [ChangedAt]: account 601000 renamed, entry
// ecr-2024-000001 updated, entry ecr-2023-000002 deleted. [Entry] and
// [Entries] make more entries, always the same for the same arguments.
package sinktest

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/shopspring/decimal"
)

// CompanyOptions sizes the demo company. The zero value gives the defaults.
type CompanyOptions struct {
	// EntityID names the company; "" means DemoEntityID.
	EntityID string
	// EntriesPerExercise is how many entries each exercise holds; 0 means 4.
	EntriesPerExercise int
	// AfterChanges gives the company as the demo's live changes (see
	// [Changes]) leave it, at ChangedAt: account 601000 renamed, entry
	// ecr-2024-000001 updated, entry ecr-2023-000002 deleted. This is what
	// a partial re-initialization re-reads.
	AfterChanges bool
}

// The demo company's identifiers.
const (
	DemoEntityID      = "ae9c6905-0035-4ce6-9d27-2c26b317035e"
	DemoApplicationID = "1999353e-52d1-4598-b76e-6fcbd15620fe"
)

// Company returns a demo company ready for [sink.Writer.Initialize]: a chart
// of accounts, three journals, four third parties (one of each kind), a VAT
// rate, a branch, a parameter, a bank account, the exercises 2022 (closed),
// 2023 (closed) and 2024 (open) with a half-year situation in each, and
// balanced purchase entries spread over every exercise. Under the period
// rules, 2022 is out of scope: its entries and periods are not sent.
//
// Every call returns the same data, and its sources stream the same objects
// in the same order each time they are ranged over, as resumption needs.
// Entries are generated on the fly, so a large EntriesPerExercise costs no
// memory.
func Company(opts *CompanyOptions) *sink.Initialization {
	var o CompanyOptions
	if opts != nil {
		o = *opts
	}
	if o.EntityID == "" {
		o.EntityID = DemoEntityID
	}
	if o.EntriesPerExercise == 0 {
		o.EntriesPerExercise = 4
	}
	return &sink.Initialization{
		EntityID:      o.EntityID,
		ApplicationID: DemoApplicationID,
		Calendar:      Calendar(),
		Sources: sink.Sources{
			Journals:        sink.SliceSource(journals()),
			VATs:            sink.SliceSource(vats()),
			Branches:        sink.SliceSource(branches()),
			Accounts:        sink.SliceSource(accounts(o.AfterChanges)),
			Sections:        sink.SliceSource(sections()),
			ThirdParties:    sink.SliceSource(thirdParties()),
			Parameters:      sink.SliceSource(parameters()),
			Entries:         entries(o.EntriesPerExercise, o.AfterChanges),
			BankAccounts:    sink.SliceSource(bankAccounts()),
			Reconciliations: nil,
		},
	}
}

// Timestamp is the instant every demo object last changed, in epoch milliseconds.
var Timestamp = sink.Millis(time.Date(2024, 1, 30, 15, 17, 19, 0, time.UTC))

func rec[T any](id string, data T) sink.Record[T] {
	return sink.Record[T]{ID: id, Timestamp: Timestamp, Data: data}
}

func ptr[T any](v T) *T { return &v }

func date(y int, m time.Month, d int) period.Date {
	v, err := period.NewDate(y, m, d)
	if err != nil {
		panic(err) // constant dates of this file only
	}
	return v
}

// Calendar returns the demo company's periods: exercises 2022 and 2023
// closed, 2024 open, and a situation for the first half of each, each
// created on December 1st of the year before.
func Calendar() period.Calendar {
	var c period.Calendar
	for _, y := range []int{2022, 2023, 2024} {
		status := period.StatusClosed
		if y == 2024 {
			status = period.StatusOpen
		}
		ex, _ := period.NewExercise(fmt.Sprintf("ex-%d", y), date(y, 1, 1), date(y, 12, 31), status)
		sit, _ := period.NewSituation(fmt.Sprintf("sit-%d-h1", y), date(y, 1, 1), date(y, 6, 30))
		// Created a month before they begin, and before any initialization.
		ex.CreatedAt = time.Date(y-1, 12, 1, 9, 0, 0, 0, time.UTC)
		sit.CreatedAt = time.Date(y-1, 12, 1, 9, 30, 0, 0, time.UTC)
		c.Periods = append(c.Periods, ex, sit)
	}
	return c
}

func journals() []sink.Record[*sink.Journal] {
	return []sink.Record[*sink.Journal]{
		rec("jnl-ac", &sink.Journal{Code: "AC", Label: "ACHATS", Type: sink.JournalTypePurchase, CounterpartType: 1}),
		rec("jnl-ve", &sink.Journal{Code: "VE", Label: "VENTES", Type: sink.JournalTypeSales, CounterpartType: 1}),
		rec("jnl-bq", &sink.Journal{Code: "BQ", Label: "BANQUE", Type: sink.JournalTypeBank, CounterpartType: 3, CounterpartAccountID: ptr("acc-512000")}),
	}
}

func vats() []sink.Record[*sink.VAT] {
	return []sink.Record[*sink.VAT]{
		rec("vat-20", &sink.VAT{Code: "TN", Label: "TVA normale 20 %", Rate: decimal.RequireFromString("20.00"), Regime: 1,
			CollectedAccountID: ptr("acc-445710"), DeductibleAccountID: ptr("acc-445660")}),
	}
}

func branches() []sink.Record[*sink.Branch] {
	return []sink.Record[*sink.Branch]{
		rec("br-siege", &sink.Branch{Code: "SIEGE", Name: "Siège", CompanyName: "DEMO SAS", SIRET: "73282932000074", Type: 1, Nature: 2}),
	}
}

// chart is the demo chart of accounts: number, label.
var chart = [][2]string{
	{"401000", "Fournisseurs"}, {"411000", "Clients"}, {"421000", "Personnel - rémunérations dues"},
	{"445660", "TVA déductible sur ABS"}, {"445710", "TVA collectée"}, {"467000", "Autres comptes débiteurs ou créditeurs"},
	{"512000", "Banque"}, {"601000", "Achats stockés - matières premières"}, {"706000", "Prestations de services"},
}

func accounts(afterChanges bool) []sink.Record[*sink.Account] {
	var out []sink.Record[*sink.Account]
	for _, a := range chart {
		if afterChanges && a[0] == "601000" {
			_, renamed := renamedAccount()
			out = append(out, sink.Record[*sink.Account]{ID: "acc-601000", Timestamp: ChangedAt, Data: renamed})
			continue
		}
		acc := &sink.Account{Number: a[0], Label: a[1], Type: 1}
		switch a[0][:3] {
		case "401", "411", "421", "467":
			acc.Collective, acc.Letterable = true, true
		case "512":
			acc.Pointable = true
		case "601", "706":
			acc.Analytical = true
		}
		out = append(out, rec("acc-"+a[0], acc))
	}
	return out
}

func sections() []sink.Record[*sink.Section] {
	return []sink.Record[*sink.Section]{rec("sec-attente", &sink.Section{Code: "ATTENTE", Label: "Waiting section", Axis: "AXE1"})}
}

func thirdParties() []sink.Record[*sink.ThirdParty] {
	return []sink.Record[*sink.ThirdParty]{
		rec("tp-c0001", &sink.ThirdParty{Code: "C0001", Kind: sink.Customer, Name: "Martin", CompanyName: "MARTIN SARL", CounterpartAccountID: ptr("acc-411000"), Letterable: true, Active: true}),
		rec("tp-f0001", &sink.ThirdParty{Code: "F0001", Kind: sink.Supplier, Name: "Durand", CompanyName: "DURAND MATIERES", CounterpartAccountID: ptr("acc-401000"), Letterable: true, Active: true}),
		rec("tp-s0001", &sink.ThirdParty{Code: "S0001", Kind: sink.Employee, Name: "Petit", CounterpartAccountID: ptr("acc-421000"), Active: true}),
		rec("tp-d0001", &sink.ThirdParty{Code: "D0001", Kind: sink.Other, Name: "Divers", CounterpartAccountID: ptr("acc-467000"), Active: true}),
	}
}

func parameters() []sink.Record[*sink.Parameter] {
	return []sink.Record[*sink.Parameter]{rec("par-devise", &sink.Parameter{Code: "DEVISE", Label: "Devise de tenue", Value: "EUR"})}
}

func bankAccounts() []sink.Record[*sink.BankAccount] {
	return []sink.Record[*sink.BankAccount]{
		rec("bank-1", &sink.BankAccount{Label: "Compte courant", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP",
			Currency: "EUR", AccountID: ptr("acc-512000"), JournalID: ptr("jnl-bq")}),
	}
}

// Entries streams n balanced purchase entries per exercise (2022, 2023,
// 2024): a supplier credit, the expense and its 20 % VAT as debits. Entry i
// of a year is dated on day 1 + i*7 of the year (wrapping within it) and
// costs 100 + i*10 euros before VAT. Entries are built one at a time.
func Entries(n int) iter.Seq2[sink.Record[*entry.Entry], error] { return entries(n, false) }

func entries(n int, afterChanges bool) iter.Seq2[sink.Record[*entry.Entry], error] {
	return func(yield func(sink.Record[*entry.Entry], error) bool) {
		for _, y := range []int{2022, 2023, 2024} {
			for i := range n {
				id := fmt.Sprintf("ecr-%d-%06d", y, i)
				rec := sink.Record[*entry.Entry]{ID: id, Timestamp: Timestamp, Data: Entry(id, y, i)}
				if afterChanges {
					switch id {
					case "ecr-2023-000002":
						continue
					case "ecr-2024-000001":
						rec = sink.Record[*entry.Entry]{ID: id, Timestamp: ChangedAt, Data: updatedEntry()}
					}
				}
				if !yield(rec, nil) {
					return
				}
			}
		}
	}
}

// Entry returns the i-th demo purchase entry of year y, with the given id.
func Entry(id string, y, i int) *entry.Entry {
	d := date(y, 1, 1).AddDays(i * 7 % 365)
	net := decimal.NewFromInt(int64(100 + i*10))
	vat := net.Mul(decimal.RequireFromString("0.20")).Round(2)
	gross := net.Add(vat)
	line := func(n int, number, name string, v entry.MovementValue) entry.Movement {
		return entry.Movement{
			ProducerID:  fmt.Sprintf("%s-%d", id, n),
			Description: fmt.Sprintf("Facture F%d-%04d", y, i),
			Value:       v,
			Account:     &entry.SimplifiedAccount{ProducerID: "acc-" + number, Number: ptr(number), Name: ptr(name)},
		}
	}
	return &entry.Entry{
		ProducerID:  id,
		Date:        d,
		Journal:     entry.Journal{ProducerID: "jnl-ac", CustomerReferenceCode: "AC", Name: "ACHATS", Type: "Achat"},
		Currency:    entry.Currency{Code: "EUR"},
		Attachments: map[string]entry.Attachment{},
		Movements: []entry.Movement{
			line(1, "401000", "Fournisseurs", entry.NewCredit(gross)),
			line(2, "601000", "Achats stockés - matières premières", entry.NewDebit(net)),
			line(3, "445660", "TVA déductible sur ABS", entry.NewDebit(vat)),
		},
	}
}

// ChangedAt is when the demo's live changes happened, in epoch milliseconds:
// 2024-02-01 10:00 UTC.
var ChangedAt = sink.Millis(time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC))

// Changes returns the demo's live changes for entity, as the platform sends
// them: account 601000 renamed, entry ecr-2024-000001 updated, entry
// ecr-2023-000002 deleted. That is an Updated account carrying only its new
// label, an entry update as a deletion marked miseAJour followed by the new
// version, and a deletion.
func Changes(entity string) ([]*sink.Event, error) {
	envelope := func(id string) sink.Envelope {
		return sink.Envelope{Timestamp: ChangedAt, ApplicationID: DemoApplicationID, EntityID: entity, ID: id}
	}
	old, renamed := renamedAccount()
	rename, err := sink.NewUpdated(envelope("acc-601000"), old, renamed)
	if err != nil {
		return nil, err
	}
	update, err := sink.NewEntryUpdate(envelope("ecr-2024-000001"), updatedEntry())
	if err != nil {
		return nil, err
	}
	deletion, err := sink.NewDeleted(envelope("ecr-2023-000002"), sink.ObjectEntry)
	if err != nil {
		return nil, err
	}
	return slices.Concat([]*sink.Event{rename}, update, []*sink.Event{deletion}), nil
}

// renamedAccount returns account 601000 before and after the demo's rename.
func renamedAccount() (old, renamed *sink.Account) {
	old = &sink.Account{Number: "601000", Label: "Achats stockés - matières premières", Type: 1, Analytical: true}
	r := *old
	r.Label = "Achats de matières premières"
	return old, &r
}

// updatedEntry returns entry ecr-2024-000001 as the demo's change leaves it:
// 10 euros off the expense and the VAT on it, balanced again.
func updatedEntry() *entry.Entry {
	e := Entry("ecr-2024-000001", 2024, 1)
	for i := range e.Movements {
		e.Movements[i].Description = "Facture F2024-0001 (avoir déduit)"
	}
	net, vat := decimal.RequireFromString("100.00"), decimal.RequireFromString("20.00")
	e.Movements[0].Value = entry.NewCredit(net.Add(vat))
	e.Movements[1].Value = entry.NewDebit(net)
	e.Movements[2].Value = entry.NewDebit(vat)
	return e
}
