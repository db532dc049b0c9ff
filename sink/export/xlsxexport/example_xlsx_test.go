package xlsxexport_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/export/xlsxexport"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func Example() {
	src := export.Docs(fixture())
	clock := func() time.Time { return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) }
	tr, err := export.New(memstore.New(nil), src, &export.Options{Now: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := tr.Export(context.Background(), &export.Request{Encoder: xlsxexport.Encoder{}, Ext: "finvision"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Format, len(m.Documents), "documents")
	// Output: xlsx 2 documents
}
