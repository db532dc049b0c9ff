package sink_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// A consumer reads an entity's events into a replica, handling each file
// that cannot be read, then checks that nothing is missing.
func Example_reading() {
	ctx := context.Background()
	store := memstore.New(nil)
	clock := func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: clock})
	company := sinktest.Company(nil)
	if _, err := w.Initialize(ctx, company, nil); err != nil {
		panic(err)
	}

	r, err := sink.NewReader(store, nil)
	if err != nil {
		panic(err)
	}
	replica := sink.NewReplica(company.EntityID)
	for item, err := range r.Read(ctx, company.EntityID, nil).All() {
		if err != nil {
			fmt.Println("unreadable:", err) // the key and the cause; reading goes on
			continue
		}
		if _, err := replica.Apply(item.Event); err != nil {
			panic(err)
		}
	}
	fmt.Println("accounts:", replica.Len(sink.ObjectAccount))
	if e, ok := sink.Get[*entry.Entry](replica, "ecr-2024-000001"); ok {
		fmt.Println("entry of", e.Date, "in journal", e.Journal.Name)
	}

	check, err := r.Check(ctx, company.EntityID, clock())
	if err != nil {
		panic(err)
	}
	fmt.Println("initialization: missing", check.Init.Missing(), "of", len(check.Init.Rows), "rows")
	fmt.Println("complete:", check.Complete())
	// Output:
	// accounts: 9
	// entry of 2024-01-08 in journal ACHATS
	// initialization: missing 0 of 14 rows
	// complete: true
}
