package capture

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/storage"
)

// Sync diffs a snapshot of the source with the stored one, writes the sink
// events of every difference, then makes the snapshot the stored one.
//
// docs yields every document of the source, in any order, each id once;
// a non-nil error aborts the sync with it, before anything is recorded.
// The documents are encoded by goroutines of the sync, after docs has
// yielded them: docs must not modify a document, or its Data, once yielded.
// A document absent from the stored snapshot gives an Inserted event;
// one whose version, type or content changed an Updated event with the changed
// fields (an entry: EntryDeleted with miseAJour, then EntryInserted; a
// document whose object changed, a deletion of the old object and an insertion
// of the new one); a stored document missing from docs a Deleted event.
// Documents whose type, version and content are unchanged give nothing.
//
// Rules: those of the writer (see sink.WriterOptions): a document it would
// refuse fails the sync with a *DocError before anything is recorded; an
// entry it leaves out (outside the period scope) gives no event.
//
// The order of the work is what makes Sync safe to interrupt: the snapshot
// is sorted into new parts (in runs of SortBuffer documents, so memory does
// not grow with the number of documents), the diff is counted, the new
// snapshot is recorded as an intent, the events are written in batches with
// sink.Writer.WriteOnce, and only then does the snapshot become the stored
// one. A sync interrupted anywhere is completed by the next call of Sync
// (which then diffs its own docs against it): no change is lost, and no
// event is written twice.
//
// Errors: a *DeleteError matching ErrTooManyDeletes when the snapshot would
// delete more than Options.MaxDeletePercent of the stored documents and
// opts.Force is not set (nothing is written but scratch parts, which are
// removed); a *DocError matching ErrDocument or ErrDuplicate for a bad
// document; ErrBusy when another sync recorded the same generation first
// (call Sync again), also when concurrent syncs stored newer snapshots
// while this one was reading; ErrDamaged for a stored snapshot that does not decode;
// docs' own error; the writer's and the store's errors, and ctx.Err().
func (c *Capture) Sync(ctx context.Context, docs iter.Seq2[*document.Doc, error], opts *SyncOptions) (*Result, error) {
	var o SyncOptions
	if opts != nil {
		o = *opts
	}
	res := new(Result)
	// Intents first: an intent n is only ever written once head n-1 exists,
	// and heads only grow, so the head read next is at least intent-1.
	intent, err := c.last(ctx, c.intents)
	if err != nil {
		return nil, err
	}
	head, err := c.last(ctx, c.heads)
	if err != nil {
		return nil, err
	}
	// A part gone while we read it means that concurrent syncs stored two
	// newer snapshots meanwhile and pruned the one we read: we are late.
	busy := func(err error) error {
		if errors.Is(err, storage.ErrNotExist) {
			if h, herr := c.last(ctx, c.heads); herr == nil && h > head {
				return fmt.Errorf("%w: snapshot %d was stored meanwhile: %w", ErrBusy, h, err)
			}
		}
		return err
	}
	switch {
	case intent == head+1: // an interrupted sync: complete it first
		s, err := c.readSnapshot(ctx, c.intents, intent)
		if err != nil {
			return nil, err
		}
		if _, err := c.complete(ctx, s); err != nil {
			return nil, busy(err)
		}
		res.Resumed = true
		head = intent
	case intent > head+1:
		return nil, fmt.Errorf("%w: intent %d without head %d", ErrDamaged, intent, intent-1)
	}
	base, err := c.readSnapshot(ctx, c.heads, head)
	if err != nil {
		return nil, err
	}
	run, err := c.runID()
	if err != nil {
		return nil, err
	}
	s, err := c.build(ctx, docs, base, run)
	if err != nil {
		c.removeScratch(ctx, run)
		return nil, busy(err)
	}
	if base.Count > 0 && !o.Force && s.Deleted*100 > c.maxDel*base.Count {
		c.removeScratch(ctx, run)
		return nil, &DeleteError{Deleted: s.Deleted, Stored: base.Count, MaxPercent: c.maxDel}
	}
	if err := c.recordSnapshot(ctx, c.intents, s); err != nil {
		if errors.Is(err, ErrBusy) {
			c.removeScratch(ctx, run)
		}
		return nil, err
	}
	events, err := c.complete(ctx, s)
	if err != nil {
		return nil, busy(err)
	}
	c.prune(ctx, s.Generation-2)
	res.Generation = s.Generation
	res.Inserted, res.Updated, res.Deleted, res.Retyped, res.Unchanged = s.Inserted, s.Updated, s.Deleted, s.Retyped, s.Unchanged
	res.Events = events
	return res, nil
}

// complete writes the events of the recorded intent s, then records it as
// the stored snapshot. It is idempotent: its batches are written with
// WriteEncodedOnce under ids derived from s, and its head record is
// create-only.
//
// The events are made (read, joined and dated, see makeBatches) and each
// batch checked by the writer (sink.Writer.CheckEncodedBatch) by a
// goroutine while this one writes the previous batch. The batches, and the
// order they are written in, are those of a single goroutine.
func (c *Capture) complete(ctx context.Context, s *snapshot) (int, error) {
	// This sync's turn: its events must get offsets above those of every
	// earlier sync, which other processes' writers may have written since
	// this writer reserved its current block.
	c.w.Release(c.entity)
	dirSum := sha256.Sum256([]byte(c.dir))
	prefix := fmt.Sprintf("capture-%s-%d-", hex.EncodeToString(dirSum[:6]), s.Generation)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *sink.CheckedBatch)
	var makeErr error // set before batches is closed
	go func() {
		defer close(batches)
		makeErr = c.makeBatches(ctx, s, func(batch *sink.CheckedBatch) bool {
			select {
			case batches <- batch:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	n, events := 0, 0
	var err error
	for batch := range batches {
		if err != nil {
			continue // until the goroutine, told by cancel, stops
		}
		n++
		var res *sink.WriteResult
		if res, err = c.w.WriteCheckedOnce(ctx, fmt.Sprintf("%s%d", prefix, n), batch); err != nil {
			err = damaged(err)
			cancel()
			continue
		}
		events += batch.Len() - res.Count(sink.WriteOutOfScope)
	}
	if err == nil {
		err = makeErr
	}
	if err != nil {
		return events, err
	}
	return events, c.recordSnapshot(ctx, c.heads, s)
}

// damaged returns err, an error of the writer, as an error matching
// ErrDamaged when it refuses an event's payload: the events are made from
// the stored payloads, which the writer accepted when they were recorded.
func damaged(err error) error {
	we, ok := errors.AsType[*sink.WriteError](err)
	if !ok || !errors.Is(err, sink.ErrPayload) && !errors.Is(err, sink.ErrEntity) {
		return err
	}
	return fmt.Errorf("%w: document %s: %w", ErrDamaged, we.ID, err)
}

// makeBatches makes the events of the intent s, in id order, and hands them
// to send in batches of BatchSize or a little more (the two events of an
// entry update go together), checked by the writer. It stops with ctx's
// error when send returns false.
//
// The pairs of records to turn into events are read and joined here, and
// sent in chunks to makers, goroutines that make their events from the
// stored payloads; the chunks are taken back in order, so that the batches
// are those of a single goroutine.
func (c *Capture) makeBatches(ctx context.Context, s *snapshot, send func(*sink.CheckedBatch) bool) error {
	batchN := c.batchN
	if s.BatchSize > 0 {
		batchN = s.BatchSize
	}
	var batch []sink.Encoded
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		checked, err := c.w.CheckEncodedBatch(batch)
		if err != nil {
			return damaged(err)
		}
		if !send(checked) {
			return ctx.Err()
		}
		batch = make([]sink.Encoded, 0, batchN+1) // the batch sent is the writer's now
		return nil
	}
	type made struct {
		evs  []sink.Encoded // the events of a chunk of pairs
		ends []int          // where those of each pair end in evs
	}
	makers := startInOrder(ctx, func(pairs [][2]*record) (made, error) {
		evs, ends, err := c.chunkEvents(pairs, s.At)
		return made{evs, ends}, err
	}, func(m made) error { // into batches, a pair's events in one
		start := 0
		for _, end := range m.ends {
			batch = append(batch, m.evs[start:end]...)
			start = end
			if len(batch) >= batchN {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	defer makers.stop()
	olds, news := s.BaseParts, s.Parts
	if s.Changes != nil {
		olds, news = s.Changes.Old, s.Changes.New
	}
	pairs := make([][2]*record, 0, pairChunkSize)
	err := join(readAhead(readRecords(ctx, c.store, olds)), readAhead(readRecords(ctx, c.store, news)), func(o, n *record) error {
		if pairs = append(pairs, [2]*record{o, n}); len(pairs) < pairChunkSize {
			return nil
		}
		chunk := pairs
		pairs = make([][2]*record, 0, pairChunkSize)
		return makers.submit(chunk)
	})
	if err == nil && len(pairs) > 0 {
		err = makers.submit(pairs)
	}
	if err == nil {
		err = makers.drain()
	}
	if err == nil {
		err = flush()
	}
	return err
}

// maxMakers bounds the goroutines that make events or encode documents (see
// inOrder); pairChunkSize is how many pairs of records they are given at
// once.
const (
	maxMakers     = 4
	pairChunkSize = 64
)

// chunkEvents returns the events of the pairs, one after the other, and
// where those of each pair end, stopping at the first error.
func (c *Capture) chunkEvents(pairs [][2]*record, deletedAt int64) ([]sink.Encoded, []int, error) {
	evs := make([]sink.Encoded, 0, len(pairs))
	ends := make([]int, len(pairs))
	for i, p := range pairs {
		var err error
		if evs, err = c.appendEvents(evs, p[0], p[1], deletedAt); err != nil {
			return nil, nil, err
		}
		ends[i] = len(evs)
	}
	return evs, ends, nil
}

// appendEvents appends to evs the events turning o into n (either may be
// nil), made from their stored payloads, Inserted events encoded with a
// zero timestamp, without decoding them: an insertion is n's payload with
// its timestamp, an update the fields that differ between o's and n's
// payloads, with n's values. The writer checks every event; the payloads
// an update compares are checked here, as they are not all written.
func (c *Capture) appendEvents(evs []sink.Encoded, o, n *record, deletedAt int64) ([]sink.Encoded, error) {
	// A change is dated after the version it replaces, even when the
	// source's clock says otherwise: consumers drop an event that is not
	// newer than the version they hold.
	at := func(t int64) int64 {
		if o != nil && t <= o.Changed {
			return o.Changed + 1
		}
		return t
	}
	env := func(r *record, t int64) sink.Envelope {
		return sink.Envelope{Timestamp: at(t), ApplicationID: c.app, EntityID: c.entity, ID: r.ID}
	}
	stored := func(r *record) sink.Encoded {
		return sink.Encoded{Name: r.Event, Entity: c.entity, Data: r.Payload}
	}
	bad := func(r *record, err error) error {
		return fmt.Errorf("%w: document %s: %w", ErrDamaged, r.ID, err)
	}
	inserted := func(r *record) (sink.Encoded, error) { // the payload, as stored, dated
		ts := at(r.Changed)
		// A payload begins with the zero timestamp newRecord encodes: the
		// timestamp is spliced in, as WithTimestamp would, without lexing
		// the envelope (the writer checks the event whole either way).
		if rest, ok := bytes.CutPrefix(r.Payload, zeroTimestamp); ok && len(rest) > 0 && rest[0] == ',' && ts >= 0 {
			rest = bytes.TrimRight(rest, " \t\r\n")
			b := make([]byte, 0, len(`{"timestamp":`)+20+len(rest)+1)
			b = strconv.AppendInt(append(b, `{"timestamp":`...), ts, 10)
			ev := stored(r)
			ev.Data = append(append(b, rest...), '\n')
			return ev, nil
		}
		ev, err := stored(r).WithTimestamp(ts)
		if err != nil {
			return sink.Encoded{}, bad(r, err)
		}
		return ev, nil
	}
	deleted := func(evs []sink.Encoded, r *record, at int64, update bool) ([]sink.Encoded, error) {
		if r.Event.Object() == sink.ObjectReconciliation {
			return evs, nil // a reconciliation is never deleted
		}
		name, err := sink.NameOf(r.Event.Object(), sink.Deleted)
		if err != nil {
			return nil, err
		}
		ev := &sink.Event{Name: name, Envelope: env(r, at), Update: update}
		data, err := ev.Encode()
		if err != nil {
			return nil, err
		}
		return append(evs, sink.Encoded{Name: name, Entity: c.entity, Data: data}), nil
	}
	if !changed(o, n) {
		return evs, nil
	}
	switch {
	case n != nil && n.Deleted: // the new snapshot's tombstone: deleted now, or before
		return deleted(evs, o, n.Changed, false)
	case n == nil:
		return deleted(evs, o, o.deletedAt(deletedAt), false)
	case o.live() == nil: // new, or back after a deletion (dated after it)
		ins, err := inserted(n)
		if err != nil {
			return nil, err
		}
		return append(evs, ins), nil
	case o.Event != n.Event: // another object: delete the old one, insert the new one
		ins, err := inserted(n)
		if err != nil {
			return nil, err
		}
		if evs, err = deleted(evs, o, n.Changed, false); err != nil {
			return nil, err
		}
		return append(evs, ins), nil
	case n.Event == sink.EntryInserted: // an entry: deletion marked miseAJour, then insertion, one envelope
		evs, err := deleted(evs, n, n.Changed, true)
		if err != nil {
			return nil, err
		}
		ins, err := stored(n).WithEnvelope(env(n, n.Changed))
		if err != nil {
			return nil, bad(n, err)
		}
		return append(evs, ins), nil
	}
	for _, r := range []*record{n, o} {
		if _, err := c.w.CheckEncoded(stored(r)); err != nil {
			return nil, bad(r, err)
		}
	}
	upd, err := sink.NewUpdatedEncoded(env(n, n.Changed), stored(o), stored(n))
	switch {
	case errors.Is(err, sink.ErrUnchanged):
		return evs, nil
	case errors.Is(err, sink.ErrPayload):
		return nil, bad(n, err)
	case err != nil:
		return nil, err
	}
	return append(evs, upd), nil
}

// zeroTimestamp is how every payload newRecord encodes begins.
var zeroTimestamp = []byte(`{"timestamp":0`)

// changed reports whether the records o and n of a document, from the
// stored snapshot and the new one (either nil), may give events: whether a
// live document appeared, disappeared, or changed its content or object.
// Two tombstones, or two records of the same content and object, give none,
// whatever their types and versions.
func changed(o, n *record) bool {
	o, n = o.live(), n.live()
	if o == nil || n == nil {
		return o != n
	}
	return o.Hash != n.Hash || o.Event != n.Event
}

// join walks two streams of records sorted by id, calling fn with the record
// of each id in old, new or both (nil for the side without it). It stops
// both streams before it returns.
func join(old, new *aheadReader, fn func(o, n *record) error) error {
	defer old.stop()
	defer new.stop()
	o, err := old.next()
	if err != nil {
		return err
	}
	n, err := new.next()
	if err != nil {
		return err
	}
	for o != nil || n != nil {
		switch {
		case n == nil || (o != nil && o.ID < n.ID):
			if err := fn(o, nil); err != nil {
				return err
			}
			if o, err = old.next(); err != nil {
				return err
			}
		case o == nil || n.ID < o.ID:
			if err := fn(nil, n); err != nil {
				return err
			}
			if n, err = new.next(); err != nil {
				return err
			}
		default:
			if err := fn(o, n); err != nil {
				return err
			}
			if o, err = old.next(); err != nil {
				return err
			}
			if n, err = new.next(); err != nil {
				return err
			}
		}
	}
	return nil
}

// build sorts docs into the parts of a new snapshot under the scratch
// directory run, and counts its differences with base.
func (c *Capture) build(ctx context.Context, docs iter.Seq2[*document.Doc, error], base *snapshot, run string) (*snapshot, error) {
	at := c.now()
	s := &snapshot{Generation: base.Generation + 1, Base: base.Generation, BaseParts: base.Parts, At: sink.Millis(at), BatchSize: c.batchN}
	scratch := c.dir + "/runs/" + run
	// The documents are read here, in the caller's goroutine, in chunks
	// that encoders encode (see inOrder); the records are taken back in
	// order, in chunks of half the sort buffer: each full chunk is sorted
	// and written as a run by another goroutine while the next one fills.
	runN := max(1, c.sortN/2)
	head := c.runHead()
	rw := startRuns(ctx, c.store, scratch+"/sort-", head)
	chunk := make([]*record, 0, min(runN, 4096))
	encoders := startInOrder(ctx, func(docs []*document.Doc) ([]*record, error) {
		return c.encodeDocs(docs, at)
	}, func(recs []*record) error { // into runs
		for _, r := range recs {
			chunk = append(chunk, r)
			if len(chunk) < runN {
				continue
			}
			if err := rw.put(chunk); err != nil {
				return err
			}
			chunk = make([]*record, 0, runN)
		}
		return nil
	})
	toEncode := make([]*document.Doc, 0, docChunkSize)
	// drain submits the documents read and uses every chunk in flight.
	drain := func() error {
		if len(toEncode) > 0 {
			if err := encoders.submit(toEncode); err != nil {
				return err
			}
		}
		return encoders.drain()
	}
	fill := func() error {
		for d, err := range docs {
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				// A bad document read before the error is reported
				// first, as when documents are encoded one by one.
				return cmp.Or(drain(), err)
			}
			if toEncode = append(toEncode, d); len(toEncode) == docChunkSize {
				if err := encoders.submit(toEncode); err != nil {
					return err
				}
				toEncode = make([]*document.Doc, 0, docChunkSize)
			}
		}
		return drain()
	}
	err := fill()
	encoders.stop()
	runs, rerr := rw.finish() // also after an error: nothing is written once build returns
	if err == nil {
		err = rerr
	}
	if err == nil {
		err = sortRun(chunk)
	}
	if err != nil {
		return nil, err
	}
	sources := make([]iter.Seq2[*record, error], 0, len(runs)+1)
	for _, key := range runs {
		sources = append(sources, readRun(ctx, c.store, key, head))
	}
	sources = append(sources, func(yield func(*record, error) bool) {
		for _, r := range chunk {
			if !yield(r, nil) {
				return
			}
		}
	})
	// The parts of the snapshot, and those of the records that may give
	// events, which spare complete the reading of two whole snapshots when
	// few documents changed. Without a stored snapshot, every record is new:
	// the parts themselves are the changes.
	parts := &partWriter{store: c.store, prefix: scratch + "/part-", size: c.partN}
	var olds, news *partWriter
	if len(base.Parts) > 0 {
		olds = &partWriter{store: c.store, prefix: scratch + "/old-", size: c.partN}
		news = &partWriter{store: c.store, prefix: scratch + "/new-", size: c.partN}
	}
	err = join(readAhead(readRecords(ctx, c.store, base.Parts)), readAhead(merge(sources)), func(o, n *record) error {
		switch {
		case n == nil && o.Deleted: // keep the tombstone
			n = o
		case n == nil:
			s.Deleted++
			n = o.tombstone(o.deletedAt(s.At))
		case o.live() == nil:
			s.Inserted++
		case o.same(n):
			s.Unchanged++
		case o.Type != n.Type:
			s.Retyped++
		default:
			s.Updated++
		}
		if !n.Deleted {
			s.Count++
			// Record the timestamp consumers will hold: that of the event
			// written for a new content (after the version it replaces),
			// the previous one when the content did not change.
			if o != nil && changed(o, n) {
				n.Changed = max(n.Changed, o.Changed+1)
			} else if o != nil {
				n.Changed = o.Changed
			}
		}
		if err := parts.add(ctx, n); err != nil {
			return err
		}
		if olds == nil || !changed(o, n) {
			return nil
		}
		if o != nil {
			if err := olds.add(ctx, o); err != nil {
				return err
			}
		}
		return news.add(ctx, n)
	})
	if err == nil {
		err = parts.flush(ctx)
	}
	if err == nil && olds != nil {
		if err = olds.flush(ctx); err == nil {
			err = news.flush(ctx)
		}
		s.Changes = &changeParts{Old: olds.keys, New: news.keys}
	}
	if err != nil {
		return nil, err
	}
	s.Parts = parts.keys
	for _, key := range runs { // sorted runs are merged into the parts: drop them
		_ = c.store.Delete(ctx, key)
	}
	return s, nil
}

// docChunkSize is how many documents an encoder is given at once.
const docChunkSize = 128

// encodeDocs returns the records of docs (their hashes not set), stopping
// at the first error.
func (c *Capture) encodeDocs(docs []*document.Doc, now time.Time) ([]*record, error) {
	recs := make([]*record, len(docs))
	for i, d := range docs {
		var err error
		if recs[i], err = c.encodeDoc(d, now); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// partWriter writes records, in the order given, into parts of at most size
// records: "<prefix>NNNNNN.ndjson".
type partWriter struct {
	store  storage.Store
	prefix string
	size   int
	buf    bytes.Buffer // the part being filled
	n      int          // records in buf
	keys   []string     // the parts written
}

// add appends r to the current part, and writes the part when it is full.
func (w *partWriter) add(ctx context.Context, r *record) error {
	appendRecord(&w.buf, r)
	w.n++
	if w.n >= w.size {
		return w.flush(ctx)
	}
	return nil
}

// flush writes the current part, if it holds any record.
func (w *partWriter) flush(ctx context.Context) error {
	if w.n == 0 {
		return nil
	}
	key := fmt.Sprintf("%s%06d.ndjson", w.prefix, len(w.keys)+1)
	if err := w.store.Put(ctx, key, bytes.NewReader(w.buf.Bytes()), nil); err != nil {
		return err
	}
	w.keys = append(w.keys, key)
	w.buf.Reset()
	w.n = 0
	return nil
}

// merge merges streams sorted by id into one, failing on an id found twice.
func merge(sources []iter.Seq2[*record, error]) iter.Seq2[*record, error] {
	return func(yield func(*record, error) bool) {
		h := &recordHeap{}
		var stops []func()
		defer func() {
			for _, stop := range stops {
				stop()
			}
		}()
		for _, src := range sources {
			next, stop := iter.Pull2(src)
			stops = append(stops, stop)
			r, err, ok := next()
			if err != nil {
				yield(nil, err)
				return
			}
			if ok {
				h.items = append(h.items, heapItem{r, next})
			}
		}
		heap.Init(h)
		var last string
		first := true
		for h.Len() > 0 {
			top := h.items[0]
			if !first && top.r.ID == last {
				yield(nil, &DocError{ID: last, Err: ErrDuplicate})
				return
			}
			first, last = false, top.r.ID
			if !yield(top.r, nil) {
				return
			}
			r, err, ok := top.next()
			if err != nil {
				yield(nil, err)
				return
			}
			if ok {
				h.items[0].r = r
				heap.Fix(h, 0)
			} else {
				heap.Pop(h)
			}
		}
	}
}

type heapItem struct {
	r    *record
	next func() (*record, error, bool)
}

type recordHeap struct{ items []heapItem }

func (h *recordHeap) Len() int           { return len(h.items) }
func (h *recordHeap) Less(i, j int) bool { return h.items[i].r.ID < h.items[j].r.ID }
func (h *recordHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *recordHeap) Push(x any)         { h.items = append(h.items, x.(heapItem)) }
func (h *recordHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// removeScratch deletes what a failed or refused sync wrote in its scratch
// directory. It is best effort: leftovers are never read.
func (c *Capture) removeScratch(ctx context.Context, run string) {
	var keys []string
	for key, err := range storage.Keys(ctx, c.store, c.dir+"/runs/"+run+"/") {
		if err != nil {
			return
		}
		keys = append(keys, key)
	}
	for _, key := range keys {
		_ = c.store.Delete(ctx, key)
	}
}

// prune deletes the parts of generation n, once two newer generations are
// stored: readers that started before then may fail, and read again. It is
// best effort.
func (c *Capture) prune(ctx context.Context, n int64) {
	if n < 1 {
		return
	}
	s, err := c.readSnapshot(ctx, c.heads, n)
	if err != nil {
		return
	}
	keys := s.Parts
	if s.Changes != nil {
		keys = slices.Concat(keys, s.Changes.Old, s.Changes.New)
	}
	for _, key := range keys {
		_ = c.store.Delete(ctx, key)
	}
}
