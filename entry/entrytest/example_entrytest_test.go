package entrytest_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrytest"
)

// A purchase with deductible VAT, balanced on the supplier account. In a test,
// pass t to New and call Entry, which fails the test instead of returning an
// error.
func ExampleBuilder() {
	e, err := entrytest.New(nil).
		Journal("AC", "ACHATS", entry.JournalPurchase).
		Description("Facture 2024-118").
		Debit("6064000000", "1000.00").
		Debit("4456600000", "200.00").
		Balance("4010000000").
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range e.Movements {
		fmt.Printf("%s %s debit %s credit %s\n", m.ProducerID, *m.Account.Number, m.Value.Debit.StringFixed(2), m.Value.Credit.StringFixed(2))
	}

	_, err = entrytest.New(nil).Debit("6064000000", "10").Credit("4010000000", "9.99").Build()
	fmt.Println(errors.Is(err, entry.ErrUnbalanced))
	// Output:
	// 1 6064000000 debit 1000.00 credit 0.00
	// 2 4456600000 debit 200.00 credit 0.00
	// 3 4010000000 debit 0.00 credit 1200.00
	// true
}

// Property tests draw entries from a seeded generator, so a failure
// reproduces from its seed.
func ExampleRandom() {
	r := rand.New(rand.NewPCG(2024, 1))
	valid := 0
	for range 100 {
		e := entrytest.Random(r, &entrytest.RandomOptions{MaxMovements: 4})
		if e.Validate(nil) == nil && len(e.Movements) <= 4 {
			valid++
		}
	}
	fmt.Println(valid, "valid entries")
	// Output:
	// 100 valid entries
}

func ExampleSeed() {
	e := entrytest.Seed()
	fmt.Println(e.Journal.Name, e.Movements[0].Value.Credit, e.Movements[1].Value.Amount, e.Validate(nil) == nil)
	// Output:
	// ACHATS 1200 -1200 true
}
