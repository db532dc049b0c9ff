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
	"strconv"
	"time"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/storage"
)

// record is one document as the stored snapshot keeps it: one line of a
// part, its fields as a JSON object, a tab, then Payload: the document's
// Inserted event, encoded with a zero timestamp (so that its hash depends on
// the content only), compact JSON, which never holds a raw tab. Reading a
// record decodes the small header only; an event is made of the payload as
// it is, dated (see Capture.events), and the payload is decoded only when a
// document is read back with its data.
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

// newRecord encodes d, and hashes its payload. now dates a document whose
// Changed is zero.
func (c *Capture) newRecord(d *document.Doc, now time.Time) (*record, error) {
	r, err := c.encodeDoc(d, now)
	if err != nil {
		return nil, err
	}
	r.setHash()
	return r, nil
}

// setHash sets r's Hash: the first 16 bytes of the SHA-256 of its payload,
// in hexadecimal.
func (r *record) setHash() {
	sum := sha256.Sum256(r.Payload)
	r.Hash = hex.EncodeToString(sum[:16])
}

// encodeDoc is newRecord without the hash, which build leaves to the
// goroutine that sorts the records.
func (c *Capture) encodeDoc(d *document.Doc, now time.Time) (*record, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil document", ErrDocument)
	}
	if d.ID == "" {
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: empty id", ErrDocument)}
	}
	env := sink.Envelope{ApplicationID: c.app, EntityID: c.entity, ID: d.ID}
	name, ok := insertedOf(d.Data)
	if !ok { // not a payload: NewInserted says why
		_, err := sink.NewInserted(env, d.Data)
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: %w", ErrDocument, err)}
	}
	// The writer's rules, now: a document it would refuse must not enter
	// the snapshot, whose events are written after it is recorded. Check
	// validates the event as NewInserted would.
	ev := &sink.Event{Name: name, Envelope: env, Data: d.Data}
	if err := c.w.Check(ev); err != nil {
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: %w", ErrDocument, err)}
	}
	payload, err := ev.Encode()
	if err != nil {
		return nil, &DocError{ID: d.ID, Err: fmt.Errorf("%w: %w", ErrDocument, err)}
	}
	payload = bytes.TrimSpace(payload) // one line in a part
	r := &record{
		ID: d.ID, Type: d.Type, Version: d.Version,
		Status: d.Status, Changed: sink.Millis(now), Event: ev.Name, Payload: payload,
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

// doc decodes r into a document.Doc, with its Data when data is set.
func (r *record) doc(data bool) (*document.Doc, error) {
	d := &document.Doc{
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
func appendRecord(b *bytes.Buffer, r *record) {
	b.Write(appendHeader(b.AvailableBuffer(), r))
	b.WriteByte('\t')
	b.Write(r.Payload)
	b.WriteByte('\n')
}

// appendHeader appends r's header to b: byte for byte what encoding/json
// writes for the record struct (its json tags are the format), written by
// hand because the reflection of json.Marshal was the largest cost of
// writing a snapshot. TestHeaderFormat pins the two together, so that parts
// written before and after read alike.
func appendHeader(b []byte, r *record) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"type":`...)
	b = appendString(b, r.Type)
	b = append(b, `,"version":`...)
	b = appendString(b, r.Version)
	b = append(b, `,"hash":`...)
	b = appendString(b, r.Hash)
	if r.Status != "" {
		b = append(b, `,"status":`...)
		b = appendString(b, r.Status)
	}
	if r.Created != 0 {
		b = append(b, `,"created":`...)
		b = strconv.AppendInt(b, r.Created, 10)
	}
	if r.Invoice != "" {
		b = append(b, `,"invoiceDate":`...)
		b = appendString(b, r.Invoice)
	}
	b = append(b, `,"changed":`...)
	b = strconv.AppendInt(b, r.Changed, 10)
	b = append(b, `,"event":`...)
	b = appendString(b, string(r.Event))
	if r.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string, as encoding/json writes it: the
// bytes of s when none needs escaping (printable ASCII other than the quote,
// the backslash and encoding/json's HTML characters), encoding/json's own
// output otherwise.
func appendString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// insertedEvents lists the Inserted events, the only ones a record holds:
// parseHeader takes its event name from here rather than allocating it.
var insertedEvents = func() []sink.EventName {
	var names []sink.EventName
	for _, n := range sink.EventNames() {
		if n.Action() == sink.Inserted {
			names = append(names, n)
		}
	}
	return names
}()

// insertedOf returns the name of the Inserted event of data's object, and
// false when data is not a sink payload.
func insertedOf(data any) (sink.EventName, bool) {
	o, ok := sink.ObjectOf(data)
	if !ok {
		return "", false
	}
	n, ok := insertedByObject[o]
	return n, ok
}

// insertedByObject is the Inserted event of each object that has one.
var insertedByObject = func() map[sink.Object]sink.EventName {
	m := map[sink.Object]sink.EventName{}
	for _, n := range insertedEvents {
		m[n.Object()] = n
	}
	return m
}()

// parseHeader decodes a header written by appendHeader (or by json.Marshal,
// before it) into r. Like encoding/json, it takes the members in any order,
// leaves a field as it is for a null, and skips unknown members; unlike it,
// it matches names exactly. l is reset to read head. prev, the record read
// before (or nil), lends its type, version, status and invoice date to r when
// they are equal: the records of a part mostly share them, and then cost no
// allocation.
func parseHeader(l *jsonlex.Lexer, head []byte, r, prev *record) error {
	if prev == nil {
		prev = &record{}
	}
	if parsePlainHeader(head, r, prev) {
		return nil
	}
	return parseHeaderLexed(l, head, r, prev)
}

// parseHeaderLexed is parseHeader with the lexer, for any header. prev is
// not nil.
func parseHeaderLexed(l *jsonlex.Lexer, head []byte, r, prev *record) error {
	l.Reset(head)
	more, err := l.ObjectStart()
	for err == nil && more {
		var key []byte
		if key, err = l.Key(); err != nil {
			break
		}
		if l.Peek() == jsonlex.Null {
			err = l.Null()
		} else {
			switch string(key) {
			case "id":
				r.ID, err = l.String()
			case "type":
				r.Type, err = parseString(l, prev.Type)
			case "version":
				r.Version, err = parseString(l, prev.Version)
			case "hash":
				r.Hash, err = l.String()
			case "status":
				r.Status, err = parseString(l, prev.Status)
			case "invoiceDate":
				r.Invoice, err = parseString(l, prev.Invoice)
			case "created":
				r.Created, err = parseInt(l)
			case "changed":
				r.Changed, err = parseInt(l)
			case "event":
				r.Event, err = parseEvent(l)
			case "deleted":
				r.Deleted, err = l.Bool()
			default:
				err = l.Skip()
			}
		}
		if err == nil {
			more, err = l.ObjectNext()
		}
	}
	if err == nil {
		err = l.End()
	}
	return err
}

// parsePlainHeader is parseHeader for a header exactly as appendHeader
// writes it, when its strings are printable ASCII without escapes and its
// numbers have at most 18 digits: the headers of every part in practice,
// read without a lexer, with one allocation for the id and the hash. It
// reports false, leaving r as it is, for any other header, which
// parseHeader then reads the general way.
func parsePlainHeader(h []byte, r, prev *record) bool {
	p := 0
	lit := func(s string) bool {
		if len(h)-p >= len(s) && string(h[p:p+len(s)]) == s {
			p += len(s)
			return true
		}
		return false
	}
	str := func() ([]byte, bool) {
		if p >= len(h) || h[p] != '"' {
			return nil, false
		}
		for i := p + 1; i < len(h); i++ {
			switch c := h[i]; {
			case c == '"':
				s := h[p+1 : i]
				p = i + 1
				return s, true
			case c < 0x20 || c >= 0x7f || c == '\\':
				return nil, false
			}
		}
		return nil, false
	}
	num := func() (int64, bool) {
		neg := p < len(h) && h[p] == '-'
		if neg {
			p++
		}
		start := p
		var n int64
		for p < len(h) && '0' <= h[p] && h[p] <= '9' && p-start < 18 {
			n = n*10 + int64(h[p]-'0')
			p++
		}
		if p == start || h[start] == '0' && p-start > 1 || p < len(h) && '0' <= h[p] && h[p] <= '9' {
			return 0, false
		}
		if neg {
			n = -n
		}
		return n, true
	}
	var (
		id, typ, version, hash, status, invoice, event []byte
		created, changed                               int64
		ok, hasStatus, hasCreated, hasInvoice, deleted bool
	)
	if !lit(`{"id":`) {
		return false
	}
	if id, ok = str(); !ok || !lit(`,"type":`) {
		return false
	}
	if typ, ok = str(); !ok || !lit(`,"version":`) {
		return false
	}
	if version, ok = str(); !ok || !lit(`,"hash":`) {
		return false
	}
	if hash, ok = str(); !ok {
		return false
	}
	if hasStatus = lit(`,"status":`); hasStatus {
		if status, ok = str(); !ok {
			return false
		}
	}
	if hasCreated = lit(`,"created":`); hasCreated {
		if created, ok = num(); !ok {
			return false
		}
	}
	if hasInvoice = lit(`,"invoiceDate":`); hasInvoice {
		if invoice, ok = str(); !ok {
			return false
		}
	}
	if !lit(`,"changed":`) {
		return false
	}
	if changed, ok = num(); !ok || !lit(`,"event":`) {
		return false
	}
	if event, ok = str(); !ok {
		return false
	}
	deleted = lit(`,"deleted":true`)
	if !lit("}") || p != len(h) {
		return false
	}
	name := prev.Event
	if string(event) != string(name) {
		name = ""
		for _, n := range insertedEvents {
			if string(n) == string(event) {
				name = n
			}
		}
		if name == "" {
			return false
		}
	}
	like := func(b []byte, s string) string {
		if string(b) == s {
			return s
		}
		return string(b)
	}
	var buf [128]byte
	idHash := string(append(append(buf[:0], id...), hash...))
	r.ID, r.Hash = idHash[:len(id)], idHash[len(id):]
	r.Type, r.Version = like(typ, prev.Type), like(version, prev.Version)
	if hasStatus {
		r.Status = like(status, prev.Status)
	}
	if hasCreated {
		r.Created = created
	}
	if hasInvoice {
		r.Invoice = like(invoice, prev.Invoice)
	}
	r.Changed, r.Event = changed, name
	if deleted {
		r.Deleted = true
	}
	return true
}

// parseString reads a string, and returns like itself when they are equal.
func parseString(l *jsonlex.Lexer, like string) (string, error) {
	b, err := l.StringBytes()
	if err != nil || string(b) == like {
		return like, err
	}
	return string(b), nil
}

// parseInt reads a JSON number that is an int64.
func parseInt(l *jsonlex.Lexer) (int64, error) {
	num, err := l.Number()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(num), 10, 64)
}

// parseEvent reads the name of an Inserted event.
func parseEvent(l *jsonlex.Lexer) (sink.EventName, error) {
	s, err := l.StringBytes()
	if err != nil {
		return "", err
	}
	for _, n := range insertedEvents {
		if string(n) == string(s) {
			return n, nil
		}
	}
	return "", fmt.Errorf("%q is not an Inserted event", s)
}

// parseRecord decodes one line written by appendRecord, with l as its
// lexer and prev as parseHeader's, into a record from recs. The record's
// payload aliases line.
func parseRecord(l *jsonlex.Lexer, line []byte, prev *record, recs *recordSlab) (*record, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	head, payload, ok := bytes.Cut(line, []byte("\t"))
	if !ok || len(payload) == 0 {
		return nil, errors.New("not a snapshot record")
	}
	r := recs.next()
	if err := parseHeader(l, head, r, prev); err != nil {
		return nil, err
	}
	if r.ID == "" || r.Event == "" {
		return nil, errors.New("snapshot record without id or event")
	}
	r.Payload = payload
	return r, nil
}

// slabSize is the size of the blocks of memory lineReader carves lines from.
const slabSize = 64 << 10

// lineReader reads lines, each into memory of its own that is never reused
// (records alias their lines, and outlive the next line), carved from slabs
// of slabSize bytes: one allocation for many lines.
type lineReader struct {
	br   *bufio.Reader
	slab []byte // lines are appended to it; a full slab is left to the lines in it
}

// next returns the next line with its newline (none on the last line of a
// file that lacks it), and the reader's error: io.EOF at the end.
func (lr *lineReader) next() ([]byte, error) {
	start := len(lr.slab)
	for {
		frag, err := lr.br.ReadSlice('\n')
		if len(frag) > cap(lr.slab)-len(lr.slab) { // move the line begun to a new slab
			begun := lr.slab[start:]
			lr.slab = append(make([]byte, 0, max(slabSize, 2*(len(begun)+len(frag)))), begun...)
			start = 0
		}
		lr.slab = append(lr.slab, frag...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return lr.slab[start:len(lr.slab):len(lr.slab)], err
		}
	}
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

// readAheadBlock is how many records readAhead hands over at once; it
// keeps at most three blocks ahead of its consumer.
const readAheadBlock = 256

// readAhead runs seq by a goroutine of its own, up to a few blocks of
// records ahead of the consumer, so that reading and parsing parts takes
// another core than the consumer's work; the consumer takes the records
// one by one with next, in the order of seq, and must call stop, which
// waits for the goroutine to end, also when it stops early. Each readAhead
// holds up to four blocks of records: it wraps the two sides of a join,
// never the many runs of a merge, so that memory does not grow with their
// number.
func readAhead(seq iter.Seq2[*record, error]) *aheadReader {
	a := &aheadReader{blocks: make(chan recordBlock, 2), done: make(chan struct{})}
	go func() {
		defer close(a.blocks)
		send := func(b recordBlock) bool {
			select {
			case a.blocks <- b:
				return true
			case <-a.done:
				return false
			}
		}
		recs := make([]*record, 0, readAheadBlock)
		for r, err := range seq {
			if err != nil {
				send(recordBlock{recs, err})
				return
			}
			if recs = append(recs, r); len(recs) == readAheadBlock {
				if !send(recordBlock{recs: recs}) {
					return
				}
				recs = make([]*record, 0, readAheadBlock)
			}
		}
		send(recordBlock{recs: recs})
	}()
	return a
}

// recordBlock is a block of records read ahead, and the error that
// followed them.
type recordBlock struct {
	recs []*record
	err  error
}

// aheadReader is the consumer's side of readAhead.
type aheadReader struct {
	blocks chan recordBlock
	done   chan struct{}
	cur    []*record // the records of the current block not taken yet
	err    error     // the error after them
}

// next returns the next record, nil at the end, or the error of seq (once).
func (a *aheadReader) next() (*record, error) {
	for len(a.cur) == 0 {
		if err := a.err; err != nil {
			a.err = nil
			return nil, err
		}
		b, ok := <-a.blocks
		if !ok {
			return nil, nil
		}
		a.cur, a.err = b.recs, b.err
	}
	r := a.cur[0]
	a.cur = a.cur[1:]
	return r, nil
}

// stop ends the goroutine and waits for it.
func (a *aheadReader) stop() {
	close(a.done)
	for range a.blocks { // until the goroutine ends
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
	lr := lineReader{br: bufio.NewReaderSize(rc, 64<<10)}
	var l jsonlex.Lexer
	var prev *record
	var recs recordSlab
	for {
		line, err := lr.next()
		if len(line) > 0 {
			r, jerr := parseRecord(&l, line, prev, &recs)
			if jerr != nil {
				yield(nil, fmt.Errorf("%w: part %s: %w", ErrDamaged, key, jerr))
				return false
			}
			prev = r
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
