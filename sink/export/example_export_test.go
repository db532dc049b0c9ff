package export_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func Example() {
	ctx := context.Background()
	src := export.Docs{
		{ID: "inv-1", Type: "purchase_invoice", Version: "1", Status: "open", Data: sinktest.Entry("inv-1", 2024, 1)},
		{ID: "inv-2", Type: "purchase_invoice", Version: "1", Status: "open", Data: sinktest.Entry("inv-2", 2024, 2)},
	}
	store := memstore.New(nil)
	clock := func() time.Time { return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) }
	tr, err := export.New(store, src, &export.Options{Now: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: "March 2024"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Name, len(m.Documents), "documents")

	// inv-1 is paid in the source: it is pending again, with a mutation.
	src[0] = &document.Doc{ID: "inv-1", Type: "purchase_invoice", Version: "2", Status: "paid", Data: sinktest.Entry("inv-1", 2024, 1)}
	tr, _ = export.New(store, src, &export.Options{Now: clock})
	pending, _ := tr.Pending(ctx, nil)
	for _, s := range pending {
		fmt.Println("pending:", s.ID, s.Mutations)
	}
	// Deleting the export makes every document pending.
	if err := tr.Delete(ctx, m.ID); err != nil {
		fmt.Println(err)
	}
	pending, _ = tr.Pending(ctx, nil)
	fmt.Println(len(pending), "pending")
	// Output:
	// export-d7613e16580a249cd17b-march-2024.csv 2 documents
	// pending: inv-1 [{status open paid}]
	// 2 pending
}

func ExampleSplitAuxiliary() {
	for _, number := range []string{"401UBER", "411C0042", "401000", "606400"} {
		general, aux, ok := export.SplitAuxiliary(number)
		fmt.Printf("%-8s -> %q %q %v\n", number, general, aux, ok)
	}
	// Output:
	// 401UBER  -> "401" "UBER" true
	// 411C0042 -> "411" "C0042" true
	// 401000   -> "" "" false
	// 606400   -> "" "" false
}
