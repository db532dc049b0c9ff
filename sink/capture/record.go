package capture

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
)

// record is one document as the stored snapshot keeps it: one line of a
// part, its fields as a JSON object, a tab, then Payload: the document's
// Inserted event, encoded with a zero timestamp (so that its hash depends on
// the content only), compact JSON, which never holds a raw tab. Reading a
// record decodes the small header only; the payload is decoded when an event
// needs it.
type record struct {
	ID      string         `json:"id"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Hash    string         `json:"hash"`
	Status  string         `json:"status,omitempty"`
	Created int64          `json:"created,omitempty"`     // epoch milliseconds; 0 when unknown
	Invoice string         `json:"invoiceDate,omitempty"` // YYYY-MM-DD; "" when unknown
	Changed int64          `json:"changed"`               // epoch milliseconds of the last change
	Event   sink.EventName `json:"event"`                 // the Inserted event of the document's object
	Deleted bool           `json:"deleted,omitempty"`     // a tombstone: the document was deleted at Changed
	Payload []byte         `json:"-"`
}

// same reports whether r and o hold the same version of a document.
func (r *record) same(o *record) bool {
	return !r.Deleted && !o.Deleted && r.Type == o.Type && r.Version == o.Version && r.Hash == o.Hash
}

// live returns r, or nil when r is nil or a tombstone.
func (r *record) live() *record {
	if r == nil || r.Deleted {
		return nil
	}
	return r
}

// deletedAt is the timestamp of the deletion of r by a sync begun at at:
// after r's last change.
func (r *record) deletedAt(at int64) int64 { return max(at, r.Changed+1) }

// tombstone returns the record that remembers r's deletion at t, so that a
// document coming back later is dated after its deletion.
func (r *record) tombstone(t int64) *record {
	return &record{ID: r.ID, Type: r.Type, Changed: t, Event: r.Event, Deleted: true, Payload: []byte("{}")}
}

// newRecord encodes d. now dates a document whose Changed is zero.
func (c *Capture) newRecord(d *Doc, now time.Time) (*record, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil document", ErrDocument)
	}
	if d.ID == "" {
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: empty id", ErrDocument)}
	}
	obj, ok := sink.ObjectOf(d.Data)
	if !ok {
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: data of type %T is not a sink payload", ErrDocument, d.Data)}
	}
	name, err := sink.NameOf(obj, sink.Inserted)
	if err != nil {
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: %w", ErrDocument, err)}
	}
	ev := &sink.Event{Name: name, Envelope: sink.Envelope{ApplicationID: c.app, EntityID: c.entity, ID: d.ID}, Data: d.Data}
	payload, err := ev.Encode()
	if err != nil {
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: %w", ErrDocument, err)}
	}
	payload = bytes.TrimSpace(payload) // one line in a part
	sum := sha256.Sum256(payload)
	r := &record{
		ID: d.ID, Type: d.Type, Version: d.Version, Hash: hex.EncodeToString(sum[:16]),
		Status: d.Status, Changed: sink.Millis(now), Event: name, Payload: payload,
	}
	if !d.Changed.IsZero() {
		r.Changed = sink.Millis(d.Changed)
	}
	if !d.Created.IsZero() {
		r.Created = sink.Millis(d.Created)
	}
	if !d.InvoiceDate.IsZero() {
		if !d.InvoiceDate.IsValid() {
			return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: invalid invoice date %v", ErrDocument, d.InvoiceDate)}
		}
		r.Invoice = d.InvoiceDate.String()
	}
	return r, nil
}

// doc decodes r into a Doc, with its Data when data is set.
func (r *record) doc(data bool) (*Doc, error) {
	d := &Doc{
		Type: r.Type, ID: r.ID, Version: r.Version, Hash: r.Hash,
		Status: r.Status, Changed: time.UnixMilli(r.Changed).UTC(),
	}
	if data {
		ev, err := sink.DecodeEvent(r.Event, r.Payload)
		if err != nil {
			return nil, err
		}
		d.Data = ev.Data
	}
	var err error
	if r.Created != 0 {
		d.Created = time.UnixMilli(r.Created).UTC()
	}
	if r.Invoice != "" {
		if d.InvoiceDate, err = period.ParseDate(r.Invoice); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// appendRecord appends r as one line: its header, a tab, its payload.
func appendRecord(b *bytes.Buffer, r *record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b.Write(data)
	b.WriteByte('\t')
	b.Write(r.Payload)
	b.WriteByte('\n')
	return nil
}

// parseRecord decodes one line written by appendRecord.
func parseRecord(line []byte) (*record, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	head, payload, ok := bytes.Cut(line, []byte("\t"))
	if !ok || len(payload) == 0 {
		return nil, errors.New("not a snapshot record")
	}
	r := new(record)
	if err := json.Unmarshal(head, r); err != nil {
		return nil, err
	}
	if r.ID == "" || !r.Event.Valid() || r.Event.Action() != sink.Inserted {
		return nil, errors.New("snapshot record without id or event")
	}
	r.Payload = payload // line is the caller's own (bufio.Reader.ReadBytes)
	return r, nil
}

// readRecords streams the records of the parts stored under keys, in order.
// Any error of the store, including a missing part, is yielded once and ends
// the stream: a snapshot that cannot be read is never taken as empty.
func readRecords(ctx context.Context, s storage.Store, keys []string) iter.Seq2[*record, error] {
	return func(yield func(*record, error) bool) {
		for _, key := range keys {
			if !readPart(ctx, s, key, yield) {
				return
			}
		}
	}
}

// readPart yields the records of one part and reports whether to go on.
func readPart(ctx context.Context, s storage.Store, key string, yield func(*record, error) bool) bool {
	rc, err := s.Get(ctx, key)
	if err != nil {
		yield(nil, fmt.Errorf("capture: reading snapshot part %s: %w", key, err))
		return false
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			r, jerr := parseRecord(line)
			if jerr != nil {
				yield(nil, fmt.Errorf("%w: part %s: %w", ErrDamaged, key, jerr))
				return false
			}
			if !yield(r, nil) {
				return false
			}
		}
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			yield(nil, fmt.Errorf("capture: reading snapshot part %s: %w", key, err))
			return false
		}
	}
}
