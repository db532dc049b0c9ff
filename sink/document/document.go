// Package document holds the model of a source document that change
// capture (package capture) diffs into sink events and export tracking
// (package export) exports: its identity and version in the source, its
// content as a sink payload, and the few fields export tracking lists and
// filters on. Export tracking needs only this package, not change capture.
package document

import (
	"time"

	"github.com/ledgersink/ledgersink/period"
)

// Doc is one document of a source: its identity and version in the source,
// its content as a sink payload, and the few fields export tracking
// summarises.
//
// Two snapshots hold the same version of a document when its Type, Version
// and content (a hash of the encoded payload) are all equal: a source whose
// version has a coarse resolution (Moneybird's is the second) still has its
// changes seen.
type Doc struct {
	// Type is the source's type of the document ("purchase_invoice",
	// "receipt"). A document whose type changes is re-typed.
	Type string
	// ID identifies the document: unique within a snapshot, and the id of
	// its sink events. Required.
	ID string
	// Version is the source's version marker, compared for equality only.
	Version string
	// Data is the document's sink payload: a pointer to an entry.Entry,
	// sink.Account, ... (see sink.ObjectOf). Required.
	Data any
	// Changed is when the document last changed in the source: the
	// timestamp of its events. Zero means the capture's clock at the sync.
	Changed time.Time
	// Status, Created and InvoiceDate are what export tracking lists and
	// filters on (a document's status, creation date and invoice date);
	// each may be zero.
	Status      string
	Created     time.Time
	InvoiceDate period.Date
	// Hash is a hash of the encoded payload, set by the change capture on
	// the documents of its stored snapshot (Capture.Documents), ignored on
	// its input. Export tracking compares it with Type and Version; a
	// source that sets none compares versions only.
	Hash string
}
