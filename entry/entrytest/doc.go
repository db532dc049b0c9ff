// Package entrytest builds valid [entry.Entry] values for tests: a fluent
// [Builder] whose entries balance by construction, the example entry of
// MyUnisoft's documentation ([Seed]), and a generator of random valid
// entries ([Random]) for property tests.
//
//	e := entrytest.New(t).
//		Journal("AC", "ACHATS", entry.JournalPurchase).
//		Debit("6010000000", "1000.00").
//		Debit("4456600000", "200.00").
//		Balance("4010000000"). // credit 1200.00, so the entry balances
//		Entry()                // validated: t.Fatal if it is not valid
//
// Outside a test (or to check the error), pass a nil testing.TB and call
// [Builder.Build], which returns the error instead.
//
// Every entry this package returns passes [entry.Entry.Validate] with nil
// options; tests of invalid input start from one and break it
// ([entry.Entry.Clone] deep-copies an entry for that purpose).
//
// Random entries come from a caller-seeded *rand.Rand, so a failing property
// test reproduces from its seed:
//
//	r := rand.New(rand.NewPCG(seed, 0))
//	e := entrytest.Random(r, nil)
//
// Like testing itself, this package is meant for tests only.
package entrytest
