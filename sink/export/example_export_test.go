package export_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
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

// File names of the form "[unlogged-]purchase-export-[datetime-stamp]-[ext]",
// as a file name template.
func ExampleOptions_fileName() {
	ctx := context.Background()
	src := export.Docs{
		{ID: "inv-1", Type: "purchase_invoice", Version: "1", Data: sinktest.Entry("inv-1", 2024, 1)},
	}
	clock := func() time.Time { return time.Date(2019, 7, 1, 9, 10, 55, 0, time.UTC) }
	tr, err := export.New(memstore.New(nil), src, &export.Options{
		Now:      clock,
		FileName: `{{if not .Logged}}unlogged-{{end}}purchase-export-{{.At.Format "20060102 150405"}}{{with .Ext}}-{{.}}{{end}}{{.Extension}}`,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	preview, _ := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Unlogged: true})
	m, _ := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: "Finvision"})
	fmt.Println(preview.Name)
	fmt.Println(m.Name)
	// Output:
	// unlogged-purchase-export-20190701 091055.csv
	// purchase-export-20190701 091055-finvision.csv
}

// How many documents are pending, and of when, without listing them.
func ExampleTracker_PendingCount() {
	ctx := context.Background()
	var src export.Docs
	for i := 1; i <= 4; i++ {
		id := fmt.Sprintf("inv-%d", i)
		e := sinktest.Entry(id, 2024, i)
		src = append(src, &document.Doc{ID: id, Type: "purchase_invoice", Data: e, InvoiceDate: e.Date,
			Created: time.Date(2024, 1, 1+i, 9, 0, 0, 0, time.UTC)})
	}
	tr, _ := export.New(memstore.New(nil), src, nil)
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{"inv-1"}}}); err != nil {
		fmt.Println(err)
		return
	}
	c, err := tr.PendingCount(ctx, &export.Selection{InvoiceTo: period.Date{Year: 2024, Month: 1, Day: 31}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d pending, invoiced %s..%s, created %s..%s\n", c.Documents, c.InvoiceFrom, c.InvoiceTo,
		c.CreatedFrom.Format(time.DateOnly), c.CreatedTo.Format(time.DateOnly))
	// Output:
	// 3 pending, invoiced 2024-01-15..2024-01-29, created 2024-01-03..2024-01-05
}

// The summary list published after each sync, export and deletion, with
// the date of the latest sync.
func ExampleTracker_Synced() {
	ctx := context.Background()
	src := export.Docs{
		{ID: "inv-1", Type: "purchase_invoice", Version: "1", Status: "open", Data: sinktest.Entry("inv-1", 2024, 1)},
	}
	store := memstore.New(nil)
	clock := func() time.Time { return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) }
	tr, err := export.New(store, src, &export.Options{Now: clock, SummaryList: "public/incoming-summary-list.json"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// After a sync of the source (a change capture's Sync, a poll):
	if err := tr.Synced(ctx, time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}}); err != nil {
		fmt.Println(err)
		return
	}
	data, _ := storage.ReadAll(ctx, store, "public/incoming-summary-list.json")
	var list export.SummaryList
	if err := json.Unmarshal(data, &list); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("synced", list.SyncDate)
	for _, s := range list.List {
		fmt.Println(s.ID, s.Status, "in", s.FileName)
	}
	// Output:
	// synced 2024-03-01 11:00:00 +0000 UTC
	// inv-1 open in export-87e31e4997cf05edfba0.csv
}
