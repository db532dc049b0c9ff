package document_test

import (
	"fmt"

	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/sinktest"
)

// A document corrected without a new version in its source keeps its
// version, but not its content hash: export tracking sees the change.
func ExampleContentHash() {
	before := sinktest.Entry("inv-1", 2024, 1)
	after := sinktest.Entry("inv-1", 2024, 1)
	after.Movements[0].Description = "corrected"
	h1, _ := document.ContentHash(before)
	h2, _ := document.ContentHash(after)
	h3, _ := document.ContentHash(sinktest.Entry("inv-1", 2024, 1))
	fmt.Println(len(h1), h1 == h2, h1 == h3)
	// Output:
	// 32 false true
}
