package capture

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
)

// A sorted run is scratch: written by a sync while it reads its documents,
// and read back by the same sync when it merges the runs into the parts of
// its snapshot, then deleted. No other sync, and no other version of this
// package, ever reads one (a failed sync's scratch is removed, never read),
// so its format is private to this file, and cheaper than a part's: per
// record, its length (4 bytes, big-endian), then the lengths (uvarints) of
// its id and hash and their bytes, its other strings, each as its length
// and bytes, the dates as varints, a flags byte, and the payload as stored
// in a part, but for the envelope and id that begin every payload of a
// capture, which are left out (see runHead).

// Flags of a run record: a tombstone; a payload stored without the start
// all the payloads of the run share, its envelope up to the id's value
// (see runHead), and its id.
const (
	runFlagDeleted = 1 << iota
	runFlagHeadless
)

// runHead returns what the payloads of the capture's documents begin
// with: their envelope, as Event.Encode writes it, up to the value of the
// id; nil if it cannot tell.
func (c *Capture) runHead() []byte {
	ev := &sink.Event{Name: sink.AccountDeleted, Envelope: sink.Envelope{ApplicationID: c.app, EntityID: c.entity, ID: "x"}}
	data, err := ev.Encode()
	head, ok := bytes.CutSuffix(bytes.TrimSpace(data), []byte(`"x"}`))
	if err != nil || !ok || !bytes.HasPrefix(head, zeroTimestamp) {
		return nil
	}
	return head
}

// headless returns the payload of r without head and r's id (quoted, then
// a comma), which it begins with, or false.
func headless(r *record, head []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(r.Payload, head)
	if !ok || head == nil || len(rest) < len(r.ID)+3 || rest[0] != '"' || string(rest[1:1+len(r.ID)]) != r.ID || rest[1+len(r.ID)] != '"' || rest[2+len(r.ID)] != ',' {
		return nil, false
	}
	return rest[3+len(r.ID):], true
}

// appendRun appends r to b as a run record, its payload headless when it
// begins with head and its id.
func appendRun(b []byte, r *record, head []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b = binary.AppendUvarint(b, uint64(len(r.ID)))
	b = binary.AppendUvarint(b, uint64(len(r.Hash)))
	b = append(append(b, r.ID...), r.Hash...)
	for _, s := range [...]string{r.Type, r.Version, r.Status, r.Invoice, string(r.Event)} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, r.Created)
	b = binary.AppendVarint(b, r.Changed)
	var flags byte
	if r.Deleted {
		flags |= runFlagDeleted
	}
	payload := r.Payload
	if rest, ok := headless(r, head); ok {
		flags |= runFlagHeadless
		payload = rest
	}
	b = append(b, flags)
	b = append(b, payload...)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

// runReader encodes records as a run while it is read: a run goes to the
// store without its encoded form ever being whole in memory.
type runReader struct {
	head []byte    // see appendRun
	recs []*record // the records not encoded yet
	buf  []byte    // encoded, not read yet: buf[off:]
	off  int
}

// Read implements io.Reader.
func (rr *runReader) Read(p []byte) (int, error) {
	if rr.off == len(rr.buf) {
		rr.buf, rr.off = rr.buf[:0], 0
		for len(rr.buf) < len(p) && len(rr.recs) > 0 {
			rr.buf = appendRun(rr.buf, rr.recs[0], rr.head)
			rr.recs = rr.recs[1:]
		}
		if len(rr.buf) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, rr.buf[rr.off:])
	rr.off += n
	return n, nil
}

// errRun is the cause of the errors about a run that does not decode.
var errRun = errors.New("not a sorted run record")

// parseRun decodes the run record rec (its length stripped) into r, a
// zero record; its payload aliases rec, without its head when headless is
// set. prev, the record read before (or
// nil), lends its type, version, status, invoice date and event to r when
// they are equal, so that they cost no allocation; its id and hash cost one.
func parseRun(rec []byte, r, prev *record) (headless bool, err error) {
	if prev == nil {
		prev = &record{}
	}
	idLen, k := binary.Uvarint(rec)
	if k <= 0 {
		return false, errRun
	}
	rec = rec[k:]
	hashLen, k := binary.Uvarint(rec)
	if k <= 0 || idLen > uint64(len(rec)-k) || hashLen > uint64(len(rec)-k)-idLen {
		return false, errRun
	}
	idHash := string(rec[k : k+int(idLen+hashLen)])
	r.ID, r.Hash = idHash[:idLen], idHash[idLen:]
	rec = rec[k+int(idLen+hashLen):]
	var fields [5][]byte
	for i := range fields {
		n, k := binary.Uvarint(rec)
		if k <= 0 || n > uint64(len(rec)-k) {
			return false, errRun
		}
		fields[i], rec = rec[k:k+int(n)], rec[k+int(n):]
	}
	created, k := binary.Varint(rec)
	if k <= 0 {
		return false, errRun
	}
	rec = rec[k:]
	changed, k := binary.Varint(rec)
	if k <= 0 || k >= len(rec) {
		return false, errRun
	}
	flags, payload := rec[k], rec[k+1:]
	like := func(b []byte, s string) string {
		if string(b) == s {
			return s
		}
		return string(b)
	}
	r.Type, r.Version = like(fields[0], prev.Type), like(fields[1], prev.Version)
	r.Status, r.Invoice = like(fields[2], prev.Status), like(fields[3], prev.Invoice)
	r.Created, r.Changed, r.Deleted, r.Payload = created, changed, flags&runFlagDeleted != 0, payload
	headless = flags&runFlagHeadless != 0
	if string(fields[4]) == string(prev.Event) {
		r.Event = prev.Event
	} else {
		for _, n := range insertedEvents {
			if string(n) == string(fields[4]) {
				r.Event = n
			}
		}
	}
	if r.ID == "" || r.Event == "" || len(payload) == 0 {
		return false, errRun
	}
	return headless, nil
}

// recordSlab hands out records carved from blocks of its own: one
// allocation for many records, which a stream reads and drops in order.
type recordSlab []record

// next returns a zero record.
func (s *recordSlab) next() *record {
	if len(*s) == 0 {
		*s = make([]record, 128)
	}
	r := &(*s)[0]
	*s = (*s)[1:]
	return r
}

// runSlabSize is the size of the read buffer of a run, and of the blocks
// its records are carved from: a merge reads all the runs at once, so that
// their memory grows with their number.
const runSlabSize = 16 << 10

// readRun streams the records of the run stored under key, written with
// head. Any error is yielded once and ends the stream.
func readRun(ctx context.Context, s storage.Store, key string, head []byte) iter.Seq2[*record, error] {
	return func(yield func(*record, error) bool) {
		rc, err := s.Get(ctx, key)
		if err != nil {
			yield(nil, fmt.Errorf("capture: reading sorted run %s: %w", key, err))
			return
		}
		defer rc.Close()
		br := bufio.NewReaderSize(rc, runSlabSize)
		var slab []byte // records are carved from it, never reused (see lineReader)
		var prev *record
		var recs recordSlab
		var size [4]byte
		for {
			if _, err := io.ReadFull(br, size[:]); err != nil {
				if !errors.Is(err, io.EOF) {
					yield(nil, fmt.Errorf("%w: sorted run %s: %w", ErrDamaged, key, err))
				}
				return
			}
			n := int(binary.BigEndian.Uint32(size[:]))
			if n > cap(slab)-len(slab) {
				slab = make([]byte, 0, max(runSlabSize, n))
			}
			rec := slab[len(slab) : len(slab)+n : len(slab)+n]
			slab = slab[:len(slab)+n]
			if _, err := io.ReadFull(br, rec); err != nil {
				yield(nil, fmt.Errorf("%w: sorted run %s: %w", ErrDamaged, key, err))
				return
			}
			r := recs.next()
			cut, err := parseRun(rec, r, prev)
			if err == nil && cut && head == nil {
				err = errRun
			}
			if err != nil {
				yield(nil, fmt.Errorf("%w: sorted run %s: %w", ErrDamaged, key, err))
				return
			}
			if cut { // the payload whole again, from the slab
				n := len(head) + len(r.ID) + 3 + len(r.Payload)
				if n > cap(slab)-len(slab) {
					slab = make([]byte, 0, max(runSlabSize, n))
				}
				p := append(slab[len(slab):len(slab):len(slab)+n], head...)
				p = append(append(append(append(p, '"'), r.ID...), '"', ','), r.Payload...)
				slab = slab[:len(slab)+n]
				r.Payload = p
			}
			prev = r
			if !yield(r, nil) {
				return
			}
		}
	}
}

// sortRun hashes the payloads of the records of chunk, sorts them by id and
// fails on an id found twice.
func sortRun(chunk []*record) error {
	for _, r := range chunk {
		r.setHash()
	}
	slices.SortFunc(chunk, func(a, b *record) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(chunk); i++ {
		if chunk[i].ID == chunk[i-1].ID {
			return &DocError{ID: chunk[i].ID, Err: ErrDuplicate}
		}
	}
	return nil
}

// runWriter sorts chunks of records and writes them as runs, by a
// goroutine of its own, while the caller fills the next chunk: at most two
// chunks live at once, the one being filled and the one being written.
type runWriter struct {
	in   chan []*record
	done chan struct{} // closed when the goroutine ends
	keys []string      // the runs written, read after done
	err  error         // the first error, read after done
}

// startRuns starts a runWriter writing runs "<prefix>NNNNNN.run" in store,
// with head (see appendRun).
func startRuns(ctx context.Context, store storage.Store, prefix string, head []byte) *runWriter {
	w := &runWriter{in: make(chan []*record), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for chunk := range w.in {
			if err := sortRun(chunk); err != nil {
				w.err = err
				return
			}
			key := fmt.Sprintf("%s%06d.run", prefix, len(w.keys)+1)
			if err := store.Put(ctx, key, &runReader{recs: chunk, head: head}, nil); err != nil {
				w.err = err
				return
			}
			w.keys = append(w.keys, key)
		}
	}()
	return w
}

// put hands chunk over to be written: the caller must not use it any more.
// It waits for the previous chunk to be written, and returns the
// goroutine's error if it failed.
func (w *runWriter) put(chunk []*record) error {
	select {
	case w.in <- chunk:
		return nil
	case <-w.done:
		return w.err
	}
}

// finish waits for the runs to be written, and returns their keys.
func (w *runWriter) finish() ([]string, error) {
	close(w.in)
	<-w.done
	return w.keys, w.err
}
