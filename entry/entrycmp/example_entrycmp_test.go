package entrycmp_test

import (
	"fmt"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// Comparing the entry a transform produced with the one a test expects: the
// amounts have other digits and the producer stamped another storage time,
// which Options ignores; an export test adds ExactDecimals.
func Example() {
	build := func(amount string, createdAt entry.UnixTime) entry.Entry {
		d := decimal.RequireFromString(amount)
		return entry.Entry{
			ProducerID: "1",
			Date:       period.Date{Year: 2024, Month: time.March, Day: 1},
			Journal:    entry.Journal{ProducerID: "1", CustomerReferenceCode: "VT", Name: "VENTES", Type: entry.JournalSales},
			Currency:   entry.Currency{Code: "EUR"},
			Movements: []entry.Movement{
				{ProducerID: "1", Value: entry.NewDebit(d)},
				{ProducerID: "2", Value: entry.NewCredit(d)},
			},
			AdditionalProducerProperties: &entry.EntryAdditionalProducerProps{
				CreatedAt: createdAt,
				Source:    entry.Source{Name: entry.SourceManual},
			},
		}
	}
	want := build("120.00", 1709852400)
	got := build("120", 1709856000)

	fmt.Println("plain:", cmp.Equal(want, got))
	fmt.Println("Options:", cmp.Equal(want, got, entrycmp.Options()))
	fmt.Println("Options + ExactDecimals:", cmp.Equal(want, got, entrycmp.Options(), entrycmp.ExactDecimals()))
	// Output:
	// plain: false
	// Options: true
	// Options + ExactDecimals: false
}
