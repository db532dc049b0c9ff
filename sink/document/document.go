// Package document holds the model of a source document that change
// capture (package capture) diffs into sink events and export tracking
// (package export) exports: its identity and version in the source, its
// content as a sink payload, and the few fields export tracking lists and
// filters on. Export tracking needs only this package, not change capture.
//
// [ContentHash] is the hash of a document's content that export tracking
// compares, so that a document whose content changes without a new version
// in the source is seen as changed.
package document

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
)

// Doc is one document of a source: its identity and version in the source,
// its content as a sink payload, and the few fields export tracking
// summarises.
//
// Two snapshots hold the same version of a document when its Type, Version
// and content hash (Hash) are all equal: a source whose version has a
// coarse resolution (Moneybird's is the second), or that has no version at
// all, still has its changes seen.
type Doc struct {
	// Type is the source's type of the document ("purchase_invoice",
	// "receipt"). A document whose type changes is re-typed.
	Type string
	// ID identifies the document: unique within a snapshot, and the id of
	// its sink events. Required.
	ID string
	// Version is the source's version marker, compared for equality only;
	// it may be empty.
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
	// Hash is a hash of the document's content. Empty means
	// ContentHash(Data): export tracking computes it. A source may set its
	// own, as change capture does on the documents of its stored snapshot
	// (a hash of the payload it stores, ignoring Hash on its input); hashes
	// are compared only with hashes of the same source.
	Hash string
}

// ErrNotPayload is returned by ContentHash for data that is not a sink
// payload.
var ErrNotPayload = errors.New("document: data is not a sink payload")

// hashEnvelope is the fixed envelope the content is encoded in, so that
// the hash depends on the content only.
var hashEnvelope = sink.Envelope{ApplicationID: "-", EntityID: "-", ID: "-"}

// ContentHash returns the hash of a document's content that export
// tracking compares when the source gives none (Doc.Hash empty): 32
// hexadecimal digits, the first 16 bytes of the SHA-256 of data encoded as
// the payload of its Inserted sink event in a fixed envelope. It depends on
// the content only, not on the document's id, version or dates: the same
// content always gives the same hash, and any change of a field the sink
// writes gives another.
//
// It fails with an error matching ErrNotPayload when data is not a sink
// payload (see sink.ObjectOf), and with a *sink.PayloadError when data does
// not encode.
func ContentHash(data any) (string, error) {
	obj, ok := sink.ObjectOf(data)
	if !ok {
		return "", fmt.Errorf("%w: %T", ErrNotPayload, data)
	}
	name, err := sink.NameOf(obj, sink.Inserted)
	if err != nil {
		return "", fmt.Errorf("%w: %T: %w", ErrNotPayload, data, err)
	}
	ev := &sink.Event{Name: name, Envelope: hashEnvelope, Data: data}
	payload, err := ev.Encode()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:16]), nil
}
