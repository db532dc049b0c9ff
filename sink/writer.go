package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
)

// WriterOptions configures a [Writer]. The zero value, or a nil pointer,
// gives the defaults documented on each field.
type WriterOptions struct {
	// Namespace prefixes every file name; "" means DefaultNamespace.
	Namespace string
	// Now is the clock that dates the files produced (the time in their
	// names). Nil means time.Now.
	Now func() time.Time
	// StateDir is the top-level directory of the state store where the
	// writer keeps its state (offset reservations, initialization and
	// WriteOnce records; see the package documentation's State section).
	// It must not be an entity id. "" means DefaultStateDir.
	StateDir string
	// StateStore, when set, is the store that holds the writer's state
	// (under StateDir), so that the sink's store holds nothing but entity
	// folders: a customer's bucket whose clean-up rules cannot reach the
	// writer's records. Every writer of a sink must use the same state
	// store. Nil keeps the state in the sink's store.
	StateStore storage.Store
	// OffsetBlock is how many offsets the writer reserves for an entity at
	// once. A restarted writer continues after the last reserved block, so
	// offsets increase strictly but leave a gap of at most OffsetBlock after
	// each restart. 0 means 1000.
	OffsetBlock int64
	// Concurrency is how many files WriteBatch puts at once. 0 means 8.
	// With 1, files are put one after the other, in order, and a put that
	// fails (but for a conflict) stops the call: the files after it are
	// not tried (WriteFailed).
	Concurrency int
	// Durable makes WriteBatch commit through the store's batch put when it
	// implements storage.Batcher (a group commit: the filestore with Sync
	// makes a whole batch durable with one flush). Otherwise files are put
	// one by one, concurrently.
	Durable bool

	// The rules below apply on every write path: Write, WriteBatch,
	// WriteAt, WriteAtBatch, WriteOnce, Initialize and Resend.

	// EntryValidation configures the business rules every entry written
	// must pass (see [entry.Entry.Validate]): balance, amounts, dates, ...
	// An invalid entry fails the write, which writes nothing. Nil means
	// entry's defaults; [InitOptions.EntryValidation] overrides it for an
	// initialization.
	EntryValidation *entry.ValidateOptions
	// Skip lists rules this writer does not apply (see [WriteRule]): with
	// RuleEntryValidation, entries are written as given. Nil applies them
	// all.
	Skip []WriteRule
	// Calendar, when set, returns the calendar (exercises and situations)
	// of an entity, or nil when it is not known. Live writes then apply
	// the period scope as an initialization does: an entry (EntryInserted)
	// dated outside the scope of its entity's calendar, as of the entity's
	// initialization, is left out (WriteOutOfScope). Deletions carry no
	// date and are always written. Nil applies no scope to live writes; an
	// initialization always applies the scope of its own calendar. It is
	// called once per entity per call, and must be safe for concurrent use.
	Calendar func(ctx context.Context, entity string) (*period.Calendar, error)
}

// Writer writes sink events into a [storage.Store], one create-only file per
// event under "<entite_id>/<file name>".
//
// A file's key is a pure function of the event and of the offset and time
// it was given; writing the same bytes under an existing key succeeds (a
// retry), writing other bytes fails with a *ConflictError and changes
// nothing. Offsets of an entity increase strictly; they are reserved in
// blocks in the state store (see [WriterOptions.OffsetBlock]), so that a
// restarted writer, or another process, does not reuse one. The first time
// a writer numbers an event of an entity it also lists the entity's folder
// once: its first offset is above every offset found there (event files
// and daily reports of its namespace) as well as above every reservation,
// so that reservations deleted or rolled back never make it reuse an
// offset already on disk.
//
// A Writer is safe for concurrent use. Writers for different entities do not
// wait for each other; events of one entity are given their offsets in the
// order of the calls.
type Writer struct {
	store       storage.Store
	state       storage.Store // the state store: store unless WriterOptions.StateStore is set
	ns          string
	now         func() time.Time
	stateDir    string
	block       int64
	concurrency int
	durable     bool
	rules       rules
	calendar    func(context.Context, string) (*period.Calendar, error)

	mu       sync.Mutex
	entities map[string]*offsets
	started  map[string]time.Time // initialization instants found, by entity

	create storage.PutOptions     // of every file: create-only, JSON
	app    atomic.Pointer[string] // the application_id of an encoded event checked, shared by those that spell it alike
	bufs   sync.Pool              // of *writeBuf
}

// offsets is the in-memory state of one entity's offsets.
type offsets struct {
	mu          sync.Mutex
	next, limit int64    // offsets in [next, limit) are reserved by this writer
	listed      bool     // the entity's folder was listed: floor and reports are known
	floor       int64    // the first offset above every file found in the entity's folder
	reports     []string // the initialization reports found there
}

// Errors of the writer.
var (
	// ErrConflict is matched by a *ConflictError: a file already exists
	// under the key with other bytes.
	ErrConflict = errors.New("sink: a different file exists under the same key")
	// ErrEntity is returned for an entity id that cannot name a directory.
	ErrEntity = errors.New("sink: invalid entity id")
)

// ConflictError reports that a write found a different file under its key.
// The existing file is left untouched.
type ConflictError struct {
	Key string
}

func (e *ConflictError) Error() string {
	return "sink: " + e.Key + ": a different file exists under the same key"
}

// Unwrap returns ErrConflict and storage.ErrConflict.
func (e *ConflictError) Unwrap() []error { return []error{ErrConflict, storage.ErrConflict} }

// NewWriter returns a Writer into store. It does no I/O. It fails only when
// opts are invalid: a namespace [ParseFileName] would not read back, a state
// directory that is not a single valid key element, a negative block or
// concurrency.
func NewWriter(store storage.Store, opts *WriterOptions) (*Writer, error) {
	var o WriterOptions
	if opts != nil {
		o = *opts
	}
	w := &Writer{
		store:       store,
		state:       o.StateStore,
		ns:          cmpOr(o.Namespace, DefaultNamespace),
		now:         o.Now,
		stateDir:    cmpOr(o.StateDir, DefaultStateDir),
		block:       o.OffsetBlock,
		concurrency: o.Concurrency,
		durable:     o.Durable,
		rules:       rules{skip: slices.Clone(o.Skip), entryOpts: o.EntryValidation},
		calendar:    o.Calendar,
		entities:    map[string]*offsets{},
		started:     map[string]time.Time{},
		create:      storage.PutOptions{IfNotExist: true, ContentType: "application/json"},
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.state == nil {
		w.state = store
	}
	if w.block == 0 {
		w.block = 1000
	}
	if w.concurrency == 0 {
		w.concurrency = 8
	}
	if store == nil {
		return nil, errors.New("sink: NewWriter: nil store")
	}
	if err := checkNamespace(w.ns); err != nil {
		return nil, err
	}
	if !storage.ValidElement(w.stateDir) {
		return nil, fmt.Errorf("sink: NewWriter: state directory %q is not a single valid key element", w.stateDir)
	}
	if w.block < 0 || w.concurrency < 0 {
		return nil, fmt.Errorf("sink: NewWriter: negative OffsetBlock %d or Concurrency %d", w.block, w.concurrency)
	}
	return w, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Namespace returns the namespace of the files the writer names.
func (w *Writer) Namespace() string { return w.ns }

// StateDir returns the top-level directory where the writer keeps its state
// (see [WriterOptions.StateDir]). Packages that keep state beside the
// writer's (change capture, export tracking) put it under this directory,
// which readers never take for an entity.
func (w *Writer) StateDir() string { return w.stateDir }

// StateStore returns the store that holds the writer's state: the
// [WriterOptions.StateStore], or the sink's store when it is nil. Packages
// that keep state beside the writer's keep it in this store.
func (w *Writer) StateStore() storage.Store { return w.state }

// Key returns the storage key of a file of entity: "<entity>/<name>".
func Key(entity string, name FileName) string { return name.under(entity) }

// checkEntity accepts entity ids that are one valid key element and are not
// the state directory.
func (w *Writer) checkEntity(entity string) error { return checkEntity(entity, w.stateDir) }

func checkEntity(entity, stateDir string) error {
	if !storage.ValidElement(entity) || entity == stateDir {
		return fmt.Errorf("%w: %q", ErrEntity, entity)
	}
	return nil
}

// WriteStatus says what a write did with one event.
type WriteStatus int

// The statuses of an event after a write.
const (
	// WriteFailed: the event's file is not known to be written; the call's
	// error names the event. Writing it again under the same name is safe.
	WriteFailed WriteStatus = iota
	// WriteCreated: this call created the event's file.
	WriteCreated
	// WriteExisting: the file was already there with the same bytes (a
	// retry); nothing was written.
	WriteExisting
	// WriteOutOfScope: the event was left out, as an initialization leaves
	// it out: an entry dated outside its entity's period scope (see
	// [WriterOptions.Calendar]). It has no file and took no offset.
	WriteOutOfScope
)

var writeStatuses = [...]string{"failed", "created", "existing", "out-of-scope"}

func (s WriteStatus) String() string {
	if s < 0 || int(s) >= len(writeStatuses) {
		return "WriteStatus(" + strconv.Itoa(int(s)) + ")"
	}
	return writeStatuses[s]
}

// FileResult is what a write did with one event.
type FileResult struct {
	Name   FileName // the name of the event's file; zero when it was left out
	Status WriteStatus
}

// WriteResult is what a write did, event by event: Files[i] is about the
// i-th event given.
type WriteResult struct {
	Files []FileResult
}

// Names returns the file names of the events, in order (zero for those
// left out).
func (r *WriteResult) Names() []FileName {
	names := make([]FileName, len(r.Files))
	for i, f := range r.Files {
		names[i] = f.Name
	}
	return names
}

// Count returns how many events ended with status s.
func (r *WriteResult) Count(s WriteStatus) int {
	n := 0
	for _, f := range r.Files {
		if f.Status == s {
			n++
		}
	}
	return n
}

// WriteError reports an event that a write refused or failed to write.
// A write that fails on several events (store failures in a batch) returns
// one *WriteError per event, joined with errors.Join.
type WriteError struct {
	Index  int       // the event's position among the call's events (0 for Write and WriteAt)
	Event  EventName // its name; "" for a nil event
	Entity string    // its entite_id
	ID     string    // the id of its object
	Err    error     // the cause
}

func (e *WriteError) Error() string {
	if e.Event == "" && e.ID == "" {
		return fmt.Sprintf("sink: event %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("sink: event %d (%s %s of entity %s): %v", e.Index, e.Event, e.ID, e.Entity, e.Err)
}

// Unwrap returns the cause.
func (e *WriteError) Unwrap() error { return e.Err }

func writeError(i int, ev *Event, err error) *WriteError {
	we := &WriteError{Index: i, Err: err}
	if ev != nil {
		we.Event, we.Entity, we.ID = ev.Name, ev.EntityID, ev.ID
	}
	return we
}

// Write gives ev the next offset of its entity and the current time, and
// writes it: [Writer.WriteBatch] with one event. To retry a failed Write
// without risking a second file for the same event, retry [Writer.WriteAt]
// with the returned name: the failure may have come after the file was
// stored.
//
// Rules: those of every write path (see [WriterOptions]): an invalid entry
// is refused, an entry outside its entity's period scope is left out.
//
// Errors: a *WriteError whose cause is a *PayloadError (an invalid event
// or entry: nothing is written, no offset is used), ErrEntity, a
// *ConflictError, or the store's error.
func (w *Writer) Write(ctx context.Context, ev *Event) (*WriteResult, error) {
	return w.WriteBatch(ctx, []*Event{ev})
}

// WriteBatch writes events, of one or several entities, giving each the
// next offset of its entity in the order of evs and one production time.
// Every event is checked and encoded before anything is written: one bad
// event fails the whole batch and writes nothing. Files are then put
// concurrently ([WriterOptions.Concurrency]), or committed as a group
// through the store's batch put in durable mode.
//
// Rules: those of every write path (see [WriterOptions]): an invalid entry
// fails the batch, an entry outside its entity's period scope is left out
// (WriteOutOfScope) and takes no offset.
//
// Errors: a *WriteError naming the first bad event, as for [Writer.Write].
// On store errors the result is returned too, with every name: the files
// that failed (one *WriteError each, joined) may or may not have been
// written; retry them with [Writer.WriteAt] under those names, which
// succeeds for the ones already there.
func (w *Writer) WriteBatch(ctx context.Context, evs []*Event) (*WriteResult, error) {
	ps, err := w.prepare(ctx, evs)
	if err != nil {
		return nil, err
	}
	return w.writeNew(ctx, evs, ps)
}

// prepared is an event checked and encoded for writing.
type prepared struct {
	data []byte
	out  bool // left out: outside the period scope
}

// prepare checks and encodes evs, then applies the write rules.
func (w *Writer) prepare(ctx context.Context, evs []*Event) ([]prepared, error) {
	ps, err := w.encodeAll(evs)
	if err != nil {
		return nil, err
	}
	return ps, w.applyRules(ctx, evs, func(i int) { ps[i].out = true })
}

// encodeAll encodes evs, whose entity ids must name a directory.
func (w *Writer) encodeAll(evs []*Event) ([]prepared, error) {
	ps := make([]prepared, len(evs))
	for i, ev := range evs {
		if ev == nil {
			return nil, writeError(i, nil, errNilEvent)
		}
		data, err := ev.Encode()
		if err != nil {
			return nil, writeError(i, ev, err)
		}
		if err := w.checkEntity(ev.EntityID); err != nil {
			return nil, writeError(i, ev, err)
		}
		ps[i].data = data
	}
	return ps, nil
}

// applyRules applies to evs, in order, the rules of every write path: an
// entry dated outside its entity's period scope is left out (leaveOut is
// called with its index), the other entries must pass the business rules.
// Nil events (the pages of a daily report) are not events: they pass.
func (w *Writer) applyRules(ctx context.Context, evs []*Event, leaveOut func(i int)) error {
	var cache scopes
	for i, ev := range evs {
		if ev == nil {
			continue
		}
		if w.calendar != nil {
			if cache == nil {
				cache = scopes{}
			}
			ok, err := w.inScope(ctx, cache, ev)
			if err != nil {
				return writeError(i, ev, err)
			}
			if !ok {
				leaveOut(i)
				continue
			}
		}
		if err := w.rules.checkEntry(ev); err != nil {
			return writeError(i, ev, err)
		}
	}
	return nil
}

// writeNew gives each event of evs that is not left out the next offset of
// its entity and one production time, and writes it.
func (w *Writer) writeNew(ctx context.Context, evs []*Event, ps []prepared) (*WriteResult, error) {
	at := w.now()
	return w.writeNamed(ctx, evs, ps, func(_ int, ev *Event) (FileName, error) {
		off, err := w.nextOffset(ctx, ev.EntityID)
		return FileName{Namespace: w.ns, Event: ev.Name, Offset: off, Time: at}, err
	})
}

// writeNamed writes each event of evs that is not left out, encoded in ps,
// under the name nameOf gives it.
func (w *Writer) writeNamed(ctx context.Context, evs []*Event, ps []prepared, nameOf func(i int, ev *Event) (FileName, error)) (*WriteResult, error) {
	res := &WriteResult{Files: make([]FileResult, len(evs))}
	b := w.takeBuf()
	defer w.giveBuf(b)
	objs, idx := sized(b.objs, len(evs))[:0], sized(b.idx, len(evs))[:0]
	for i, ev := range evs {
		if ps[i].out {
			res.Files[i].Status = WriteOutOfScope
			continue
		}
		name, err := nameOf(i, ev)
		if err != nil {
			return nil, writeError(i, ev, err)
		}
		res.Files[i].Name = name
		objs = append(objs, storage.BatchObject{Key: Key(ev.EntityID, name), Data: ps[i].data})
		idx = append(idx, i)
	}
	b.objs, b.idx = objs, idx
	return res, w.put(ctx, evs, res, b)
}

// put writes b.objs, the files of the events evs[b.idx[j]], and sets their
// status in res. The error joins a *WriteError per file not written, or is
// the store's error for the whole batch.
func (w *Writer) put(ctx context.Context, evs []*Event, res *WriteResult, b *writeBuf) error {
	idx := b.idx
	created, errs, err := w.putEach(ctx, b.objs, b)
	var failed []error
	for j, i := range idx {
		var ev *Event
		if evs != nil {
			ev = evs[i]
		}
		switch {
		case errs[j] != nil:
			failed = append(failed, writeError(i, ev, errs[j]))
		case created[j]:
			res.Files[i].Status = WriteCreated
		case err == nil:
			res.Files[i].Status = WriteExisting
		}
	}
	if err != nil {
		return err
	}
	return errors.Join(failed...)
}

// WriteAt writes ev under the given name, as when replaying events whose
// offsets were assigned elsewhere (a Kafka offset, an initialization):
// [Writer.WriteAtBatch] with one event. The name's event must be ev's. Its
// file's status is WriteExisting, with a nil error, when the same bytes
// were already there.
//
// Rules: those of every write path (see [WriterOptions]): an invalid entry
// is refused, an entry outside its entity's period scope is left out.
//
// Errors: a *WriteError whose cause is a *PayloadError for an invalid
// event or entry, a *FileNameError for a bad name, ErrEntity, a
// *ConflictError when other bytes are stored under the key (they are left
// untouched), or the store's error.
func (w *Writer) WriteAt(ctx context.Context, name FileName, ev *Event) (*WriteResult, error) {
	return w.WriteAtBatch(ctx, []Placed{{Name: name, Event: ev}})
}

// Placed is an event and the name it is written under, for
// [Writer.WriteAtBatch].
type Placed struct {
	Name  FileName
	Event *Event
}

// WriteAtBatch writes each event under its name, as [Writer.WriteAt] does,
// as one batch: with [WriterOptions.Durable] and a store that implements
// [storage.Batcher], one group commit, made durable by one flush; otherwise
// concurrent puts ([WriterOptions.Concurrency]). Every event is checked and
// encoded before anything is written: a bad event, or two events under the
// same key, fail the whole batch with a *WriteError naming it and write
// nothing.
//
// Rules: those of every write path (see [WriterOptions]): an invalid entry
// fails the batch, an entry outside its entity's period scope is left out
// (WriteOutOfScope).
//
// The result says, per event, whether this call created its file or found
// it with the same bytes. On store errors, files of the batch may or may
// not have been written: the error joins one *WriteError per file not
// written (a *ConflictError for a key holding other bytes, the store's
// error otherwise), and calling again with the same events is safe.
func (w *Writer) WriteAtBatch(ctx context.Context, evs []Placed) (*WriteResult, error) {
	events := make([]*Event, len(evs))
	names := make([]FileName, len(evs))
	ps := make([]prepared, len(evs))
	seen := make(map[string]bool, len(evs))
	for i, p := range evs {
		o, err := w.placed(p)
		if err != nil {
			return nil, writeError(i, p.Event, err)
		}
		if seen[o.Key] {
			return nil, writeError(i, p.Event, fmt.Errorf("%w: %s is given twice", ErrFileName, o.Key))
		}
		seen[o.Key] = true
		events[i], names[i], ps[i].data = p.Event, p.Name, o.Data
	}
	return w.writePlaced(ctx, events, func(i int) FileName { return names[i] }, ps)
}

// writePlaced applies the rules to evs, checked and encoded (ps), and
// writes each one that is not left out under its name, nameOf(i).
func (w *Writer) writePlaced(ctx context.Context, evs []*Event, nameOf func(i int) FileName, ps []prepared) (*WriteResult, error) {
	if err := w.applyRules(ctx, evs, func(i int) { ps[i].out = true }); err != nil {
		return nil, err
	}
	return w.writeNamed(ctx, evs, ps, func(i int, _ *Event) (FileName, error) { return nameOf(i), nil })
}

// placed checks p and encodes it into the object to store.
func (w *Writer) placed(p Placed) (storage.BatchObject, error) {
	if p.Event == nil {
		return storage.BatchObject{}, errNilEvent
	}
	if p.Name.Event != p.Event.Name {
		return storage.BatchObject{}, &FileNameError{Name: p.Name.String(), Part: "event",
			Err: fmt.Errorf("%w: the name says %s, the event is %s", ErrFileName, p.Name.Event, p.Event.Name)}
	}
	if err := p.Name.Validate(); err != nil {
		return storage.BatchObject{}, err
	}
	if err := w.checkEntity(p.Event.EntityID); err != nil {
		return storage.BatchObject{}, err
	}
	data, err := p.Event.Encode()
	if err != nil {
		return storage.BatchObject{}, err
	}
	return storage.BatchObject{Key: Key(p.Event.EntityID, p.Name), Data: data}, nil
}

// putAll writes objs create-only and returns how many it created. An object
// already stored with the same bytes counts as written; with other bytes it
// is a *ConflictError.
func (w *Writer) putAll(ctx context.Context, objs []storage.BatchObject) (int, error) {
	created, errs, err := w.putEach(ctx, objs, nil)
	n := 0
	for _, c := range created {
		if c {
			n++
		}
	}
	if err != nil {
		return n, err
	}
	return n, errors.Join(errs...)
}

// putEach is putAll reporting, per object, whether it created it and the
// error it got, in b's memory when b is not nil; err is an error of the
// whole batch, which wrote nothing.
func (w *Writer) putEach(ctx context.Context, objs []storage.BatchObject, b *writeBuf) (created []bool, errs []error, err error) {
	if b == nil {
		b = new(writeBuf)
	}
	b.created, b.errs = sized(b.created, len(objs)), sized(b.errs, len(objs))
	created, errs = b.created, b.errs
	create := &w.create
	if len(objs) == 1 {
		created[0], errs[0] = w.putOne(ctx, objs[0], create)
		return created, errs, nil
	}
	if _, ok := w.store.(storage.Batcher); !(ok && w.durable) && w.concurrency == 1 {
		// One at a time, in order; a put that fails (but for other bytes
		// under its key) stops the batch, so no file is written past it.
		var stop error
		for i, o := range objs {
			if stop == nil {
				stop = ctx.Err()
			}
			if stop != nil {
				errs[i] = &storage.KeyError{Op: "putbatch", Key: o.Key, Err: stop}
				continue
			}
			created[i], errs[i] = w.putOne(ctx, o, create)
			if errs[i] != nil && !errors.Is(errs[i], ErrConflict) {
				stop = errNotTried
			}
		}
		return created, errs, nil
	}
	pos := make(map[string]int, len(objs)) // keys are unique in a batch
	for i, o := range objs {
		pos[o.Key] = i
	}
	if _, ok := w.store.(storage.Batcher); ok && w.durable && len(objs) > 1 {
		created, err := storage.PutBatchOnce(ctx, w.store, objs, create)
		if len(created) != len(objs) {
			created = make([]bool, len(objs))
		}
		be, ok := errors.AsType[*storage.BatchError](err)
		if !ok {
			return created, errs, err
		}
		for _, ke := range be.Errs {
			errs[pos[ke.Key]] = conflict(ke)
		}
		return created, errs, nil
	}
	err = w.putConcurrently(ctx, objs, pos, create, created, errs)
	if be, ok := errors.AsType[*storage.BatchError](err); ok {
		for _, ke := range be.Errs { // the objects not tried, ctx being done
			if i := pos[ke.Key]; errs[i] == nil {
				errs[i] = ke
			}
		}
		err = nil
	}
	return created, errs, err
}

// writeBuf holds the memory a write needs per event but for its result:
// the events an encoded check finds (one slab of them), what is written of
// each, the objects put, the positions of their events, and what each put
// did. A write takes one from the writer's pool and gives it back: none of
// it outlives the call, and a call of a few events would otherwise spend
// as much on allocating it as on checking them. Its users set each slice's
// length (with sized, or by appending from empty) and write only below it;
// giveBuf zeroes what is below, so the pool holds nothing of a call.
type writeBuf struct {
	slab    []Event
	events  []*Event
	ps      []prepared
	objs    []storage.BatchObject
	idx     []int
	created []bool
	errs    []error
}

// maxPooledBuf is the most events or objects a writeBuf kept in the pool
// holds.
const maxPooledBuf = 4096

// takeBuf returns a writeBuf from the pool, every slice empty.
func (w *Writer) takeBuf() *writeBuf {
	b, _ := w.bufs.Get().(*writeBuf)
	if b == nil {
		b = new(writeBuf)
	}
	return b
}

// giveBuf zeroes what b holds of the write and gives it back to the pool.
func (w *Writer) giveBuf(b *writeBuf) {
	if max(cap(b.slab), cap(b.objs)) > maxPooledBuf {
		return
	}
	clear(b.slab)
	clear(b.events)
	clear(b.ps)
	clear(b.objs)
	clear(b.created)
	clear(b.errs)
	*b = writeBuf{slab: b.slab[:0], events: b.events[:0], ps: b.ps[:0], objs: b.objs[:0], idx: b.idx[:0],
		created: b.created[:0], errs: b.errs[:0]}
	w.bufs.Put(b)
}

// putConcurrently puts objs create-only, w.concurrency at a time, and sets
// created and errs at the position pos gives each key. (A function of its
// own, so that putEach's other paths do not allocate what its closure
// captures.)
func (w *Writer) putConcurrently(ctx context.Context, objs []storage.BatchObject, pos map[string]int, create *storage.PutOptions, created []bool, errs []error) error {
	return storage.PutConcurrently(ctx, objs, w.concurrency, func(ctx context.Context, o storage.BatchObject) error {
		i := pos[o.Key] // each goroutine its own elements
		created[i], errs[i] = w.putOne(ctx, o, create)
		return errs[i]
	})
}

func (w *Writer) putOne(ctx context.Context, o storage.BatchObject, opts *storage.PutOptions) (bool, error) {
	created, err := storage.PutOnce(ctx, w.store, o.Key, o.Data, opts)
	if err != nil {
		return false, conflict(err)
	}
	return created, nil
}

// errNotTried is the error of the files of a serial batch after one whose
// put failed.
var errNotTried = errors.New("sink: not tried: a put before it failed")

// conflict turns the storage's error for a key holding other bytes into a
// *ConflictError, and returns other errors unchanged.
func conflict(err error) error {
	if ke, ok := errors.AsType[*storage.KeyError](err); ok && errors.Is(err, storage.ErrConflict) {
		return &ConflictError{Key: ke.Key}
	}
	return err
}

// Release gives up the offsets of entity that this writer reserved and has
// not used yet: its next event of entity gets an offset above every block
// reserved so far, by any writer. Writers that take turns on an entity
// (several processes running one after the other under a lock, as
// sink/capture's syncs do) call it when they take their turn, so that
// offsets follow the order of the turns: otherwise a writer holding a
// block reserved earlier would give its events offsets below those its
// predecessors wrote, and readers, who go by offset, would see them first.
// It does no I/O; the next write reserves a new block. Offsets given up
// are never used: they leave a gap.
func (w *Writer) Release(entity string) {
	w.mu.Lock()
	st, ok := w.entities[entity]
	w.mu.Unlock()
	if !ok {
		return
	}
	st.mu.Lock()
	st.next = st.limit
	st.mu.Unlock()
}

// nextOffset returns the next offset of entity, reserving a new block in
// the state store when the current one is used up.
func (w *Writer) nextOffset(ctx context.Context, entity string) (int64, error) {
	st := w.offsetsOf(entity)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := w.ensure(ctx, entity, st, 1); err != nil {
		return 0, err
	}
	off := st.next
	st.next++
	return off, nil
}

// reserveFor makes sure the current block of each entity of files (but
// those left out) holds an offset for each of its files, reserving the
// blocks they need with one reservation: a batch of many events costs one
// rather than one per block. The offsets of the current block are kept
// when the new blocks follow them. On error, it returns the index of the
// first file of the entity that failed.
func (w *Writer) reserveFor(ctx context.Context, files []onceFile, out []bool) (int, error) {
	type need struct {
		entity string
		first  int
		n      int64
	}
	var needs []need // in the order of the files: usually one entity
	pos := map[string]int{}
	for i, f := range files {
		if out[i] {
			continue
		}
		j, ok := pos[f.entity]
		if !ok {
			j = len(needs)
			pos[f.entity] = j
			needs = append(needs, need{entity: f.entity, first: i})
		}
		needs[j].n++
	}
	for _, n := range needs {
		if err := w.reserveAhead(ctx, n.entity, n.n); err != nil {
			return n.first, err
		}
	}
	return 0, nil
}

// reserveAhead makes sure the current block of entity holds n more offsets
// (see reserveFor), reserving whole blocks.
func (w *Writer) reserveAhead(ctx context.Context, entity string, n int64) error {
	st := w.offsetsOf(entity)
	st.mu.Lock()
	defer st.mu.Unlock()
	return w.ensure(ctx, entity, st, n)
}

// ensure makes sure st, the offsets of entity, locked by the caller, holds
// n more offsets in its current block, reserving whole blocks. The first
// reservation of an entity lists its folder first.
func (w *Writer) ensure(ctx context.Context, entity string, st *offsets, n int64) error {
	missing := n - (st.limit - st.next)
	if missing <= 0 {
		return nil
	}
	if err := w.list(ctx, entity, st); err != nil {
		return err
	}
	size := w.block
	if missing > size {
		size = (missing + w.block - 1) / w.block * w.block
	}
	// Above the folder, and above this writer's own blocks should the
	// reservations have been deleted meanwhile.
	start, err := w.reserve(ctx, entity, size, max(st.floor, st.limit))
	if err != nil {
		return err
	}
	if start != st.limit { // not after the current block: its rest is given up
		st.next = start
	}
	st.limit = start + size
	return nil
}

// offsetsOf returns the in-memory state of entity's offsets.
func (w *Writer) offsetsOf(entity string) *offsets {
	w.mu.Lock()
	defer w.mu.Unlock()
	st, ok := w.entities[entity]
	if !ok {
		st = &offsets{}
		w.entities[entity] = st
	}
	return st
}

// list lists entity's folder into st, unless it was listed already (st.mu
// held): the first offset above every file of the writer's namespace
// (event files and daily reports), 0 when it holds none, and the
// initialization reports. One listing, in no order, without holding it.
func (w *Writer) list(ctx context.Context, entity string, st *offsets) error {
	if st.listed {
		return nil
	}
	prefix := entity + "/"
	nsDot := w.ns + "."
	var (
		floor   int64
		reports []string
	)
	for key, err := range storage.ScanKeys(ctx, w.store, prefix) {
		if err != nil {
			return fmt.Errorf("sink: listing the folder of entity %q: %w", entity, err)
		}
		name := key[len(prefix):]
		if strings.Contains(name, "/") {
			continue
		}
		if !strings.HasPrefix(name, nsDot) {
			if strings.HasPrefix(name, initReportPrefix) && report.IsInitFileName(name) {
				reports = append(reports, key)
			}
			continue
		}
		// Only a name that would raise the floor needs parsing in full:
		// in a listing in no order, few do.
		if off, ok := offsetOf(name); !ok || off < floor {
			continue
		}
		f, err := ParseFileName(name)
		if err != nil || f.Namespace != w.ns {
			continue
		}
		if f.Offset == math.MaxInt64 {
			return fmt.Errorf("sink: offsets of entity %q exhausted: %s", entity, key)
		}
		floor = max(floor, f.Offset+1)
	}
	st.floor, st.reports, st.listed = floor, reports, true
	return nil
}

// offsetOf returns the offset a file name gives, if it has the shape of a
// sink file name: "<topic>-<offset>-<time>.json". It checks no more: the
// name is a sink file name only if ParseFileName accepts it.
func offsetOf(name string) (int64, bool) {
	rest, ok := strings.CutSuffix(name, fileExt)
	if !ok || len(rest) < len(report.TimeLayout)+1 {
		return 0, false
	}
	rest = rest[:len(rest)-len(report.TimeLayout)]
	rest, ok = strings.CutSuffix(rest, "-")
	if !ok {
		return 0, false
	}
	digits := rest[strings.LastIndexByte(rest, '-')+1:]
	off, err := strconv.ParseInt(digits, 10, 64)
	return off, err == nil
}

// reservationDir is where the offset reservations of entity are kept: one
// empty object per block, named after the end of the block, zero-padded so
// that key order is numeric order. The highest one is the first offset
// nobody owns yet.
func (w *Writer) reservationDir(entity string) string {
	return w.stateDir + "/offsets/" + entity + "/"
}

const offsetDigits = 19 // the digits of the largest int64

// Reservations kept per entity: older ones are pruned. A writer whose
// listing is stale could only claim a pruned block again if more than this
// many reservations were made between its listing and its claim; it then
// sees them after its claim and claims the next free block.
const keptReservations = 100

// offsetLog returns the log of entity's offset reservations: each record is
// empty, and its number is the end of the block it reserves.
func (w *Writer) offsetLog(entity string) *generation.Log {
	return &generation.Log{Store: w.state, Dir: w.reservationDir(entity), Digits: offsetDigits, Keep: keptReservations}
}

var errOffsetsExhausted = errors.New("offsets exhausted")

// reserve claims n offsets of entity, none below floor, and returns the
// first: it appends to the reservations the end of the block that starts
// at the highest reservation or at floor, whichever is higher.
func (w *Writer) reserve(ctx context.Context, entity string, n, floor int64) (int64, error) {
	end, _, err := w.offsetLog(entity).Append(ctx, func(last int64, _ []byte) (int64, []byte, error) {
		start := max(last, floor)
		if start > math.MaxInt64-n {
			return 0, nil, errOffsetsExhausted
		}
		return start + n, nil, nil
	})
	if errors.Is(err, generation.ErrDamaged) {
		return 0, fmt.Errorf("sink: offset reservations of entity %q: %w: the state directory is damaged", entity, err)
	}
	if err != nil {
		return 0, fmt.Errorf("sink: reserving offsets of entity %q: %w", entity, err)
	}
	return end - n, nil
}

// reserved returns the first offset of entity that no reservation covers:
// the end of the highest, or 0.
func (w *Writer) reserved(ctx context.Context, entity string) (int64, error) {
	last, err := w.offsetLog(entity).Last(ctx)
	if errors.Is(err, generation.ErrDamaged) {
		return 0, fmt.Errorf("sink: offset reservations of entity %q: %w: the state directory is damaged", entity, err)
	}
	if err != nil {
		return 0, fmt.Errorf("sink: listing offset reservations of entity %q: %w", entity, err)
	}
	return last, nil
}

// WriteOnce writes a batch of events exactly once, however many times it is
// called with the same id: an idempotent producer for changes that must not
// be duplicated when a process retries after a crash or runs again.
//
// The first call applies the rules, gives the events their offsets and
// time, and records them under id, create-only, as
// "<state dir>/batches/<id>.json" in the state store (see
// [WriterOptions.StateStore]), before writing any file. Every later call
// with the same id writes the same events under the recorded names,
// creating only the files that are missing (the events left out stay
// out); it fails with an error matching ErrConflict if the events differ
// from the recorded ones (other events, or another count). The id is a
// single key element chosen by the caller: a change-set id, a source
// cursor, a date.
//
// The record is the only trace of the id: the files carry no batch id.
// If the record is deleted or rolled back, the next call with the id
// cannot tell the batch was written, and writes it again under fresh
// offsets, as second copies; nothing in the entity folders can detect
// this. The writer therefore never prunes these records, and keeps them in
// the state store: give the writer a StateStore of its own (not the
// customer's bucket, where lifecycle rules and clean-ups apply) to keep
// them out of reach.
//
// Rules: those of every write path (see [WriterOptions]): an invalid entry
// fails the call, an entry outside its entity's period scope is left out
// (WriteOutOfScope).
//
// Errors: as for [Writer.WriteBatch], plus ErrConflict (a *WriteError for
// the event that differs) and, for an invalid id, ErrEntity.
func (w *Writer) WriteOnce(ctx context.Context, id string, evs []*Event) (*WriteResult, error) {
	files := make([]onceFile, len(evs))
	for i, ev := range evs {
		if ev == nil {
			return nil, writeError(i, nil, errNilEvent)
		}
		data, err := ev.Encode()
		if err != nil {
			return nil, writeError(i, ev, err)
		}
		files[i] = onceFile{entity: ev.EntityID, event: ev.Name, data: data, ev: ev}
	}
	return w.writeOnce(ctx, id, files)
}

// CheckedBatch is a batch of encoded events checked by
// [Writer.CheckEncodedBatch], for [Writer.WriteCheckedOnce], which writes
// it without checking it again. The Data of its events must not change
// until it is written.
type CheckedBatch struct {
	w     *Writer
	evs   []Encoded
	files []onceFile
}

// Len returns the number of events of b.
func (b *CheckedBatch) Len() int { return len(b.files) }

// CheckEncodedBatch checks evs as [Writer.WriteEncodedOnce] does before it
// records or writes anything, and returns them as a batch for
// [Writer.WriteCheckedOnce]: a caller that writes batches one after the
// other checks the next one while the previous one is written.
//
// Errors: those of WriteEncodedOnce's checks, a *WriteError naming the
// first bad event.
func (w *Writer) CheckEncodedBatch(evs []Encoded) (*CheckedBatch, error) {
	events, bad, err := w.checkAll(len(evs), func(i int) Encoded { return evs[i] }, nil) // the batch keeps them
	if err != nil {
		return nil, encodedError(bad, evs[bad], events[bad], err)
	}
	files := make([]onceFile, len(evs))
	for i, ev := range evs {
		files[i] = onceFile{entity: ev.Entity, event: ev.Name, data: ev.Data, ev: events[i]}
	}
	return &CheckedBatch{w: w, evs: evs, files: files}, nil
}

// WriteCheckedOnce is [Writer.WriteEncodedOnce] for a batch checked by
// [Writer.CheckEncodedBatch]: the same record under id, the same files, the
// same result and errors, without the checks (a batch checked by another
// writer is checked again).
func (w *Writer) WriteCheckedOnce(ctx context.Context, id string, b *CheckedBatch) (*WriteResult, error) {
	if b == nil {
		return nil, errors.New("sink: WriteCheckedOnce: nil batch")
	}
	if b.w != w {
		return w.WriteEncodedOnce(ctx, id, b.evs)
	}
	return w.writeOnce(ctx, id, b.files)
}

// batchKey is the key of the WriteOnce record of id in the state store.
func (w *Writer) batchKey(id string) string { return w.stateDir + "/batches/" + id + ".json" }

// onceFile is a file of a writeOnce batch: its entity, event and bytes,
// and the event it encodes (nil for a daily report's page).
type onceFile struct {
	entity string
	event  EventName
	data   []byte
	ev     *Event
}

// writeOnce is WriteOnce for encoded files: it records their names under
// id, then writes them create-only.
func (w *Writer) writeOnce(ctx context.Context, id string, files []onceFile) (*WriteResult, error) {
	if !storage.ValidElement(id) {
		return nil, fmt.Errorf("%w: batch id %q is not a single valid key element", ErrEntity, id)
	}
	evs := make([]*Event, len(files))
	for i, f := range files {
		if i == 0 || f.entity != files[i-1].entity { // a batch is mostly of one entity
			if err := w.checkEntity(f.entity); err != nil {
				return nil, writeError(i, f.ev, err)
			}
		}
		evs[i] = f.ev
	}
	key := w.batchKey(id)
	data, err := storage.ReadAll(ctx, w.state, key)
	var (
		names []FileName
		out   []bool   // left out under the rules, as recorded
		keys  []string // of the files not left out
	)
	switch {
	case err == nil:
		var entities []string
		if names, entities, out, err = decodeBatch(data); err != nil {
			return nil, fmt.Errorf("sink: %s is damaged: %w", key, err)
		}
		if len(names) != len(files) {
			return nil, fmt.Errorf("%w: batch %s was written with %d files, not %d", ErrConflict, id, len(names), len(files))
		}
		for i, f := range files {
			if names[i].Event != f.event || entities[i] != f.entity {
				return nil, writeError(i, f.ev, fmt.Errorf("%w: batch %s: file %d was recorded as %s of entity %s", ErrConflict, id, i, names[i].Event, entities[i]))
			}
		}
		// The record says which events were left out; the others are
		// checked again.
		kept := slices.Clone(evs)
		for i := range kept {
			if out[i] {
				kept[i] = nil
			}
		}
		if err := w.applyRules(ctx, kept, func(int) {}); err != nil {
			return nil, err
		}
	case errors.Is(err, storage.ErrNotExist):
		out = make([]bool, len(files))
		names = make([]FileName, 0, len(files))
		if err := w.applyRules(ctx, evs, func(i int) { out[i] = true }); err != nil {
			return nil, err
		}
		// Number the files, then record their names before writing any:
		// the record is the batch's intent. The offsets of each entity
		// are reserved at once first.
		if i, err := w.reserveFor(ctx, files, out); err != nil {
			return nil, writeError(i, files[i].ev, err)
		}
		at := w.now()
		for i, f := range files {
			if out[i] {
				names = append(names, FileName{Event: f.event})
				continue
			}
			off, err := w.nextOffset(ctx, f.entity)
			if err != nil {
				return nil, writeError(i, f.ev, err)
			}
			names = append(names, FileName{Namespace: w.ns, Event: f.event, Offset: off, Time: at})
		}
		keys = fileKeys(files, names, out)
		rec, err := encodeBatchKeys(files, keys, out)
		if err != nil {
			return nil, err
		}
		if err := w.state.Put(ctx, key, bytes.NewReader(rec), &storage.PutOptions{IfNotExist: true}); err != nil {
			if errors.Is(err, storage.ErrExist) {
				return w.writeOnce(ctx, id, files) // another call recorded it first: follow its record
			}
			return nil, err
		}
	default:
		return nil, err
	}
	if keys == nil {
		keys = fileKeys(files, names, out)
	}
	res := &WriteResult{Files: make([]FileResult, len(files))}
	b := w.takeBuf()
	defer w.giveBuf(b)
	for i, f := range files {
		if out[i] {
			res.Files[i].Status = WriteOutOfScope
			continue
		}
		res.Files[i].Name = names[i]
		b.objs = append(b.objs, storage.BatchObject{Key: keys[i], Data: f.data})
		b.idx = append(b.idx, i)
	}
	return res, w.put(ctx, evs, res, b)
}

// batchEntry is one event of a WriteOnce record: its entity and file name,
// or, for an event left out under the rules, its entity and event name.
type batchEntry struct {
	Entity string    `json:"entity"`
	File   string    `json:"file,omitempty"`
	Event  EventName `json:"event,omitempty"`
}

// encodeBatch writes the record of a WriteOnce batch: the JSON array of its
// batchEntry values, as encoding/json writes it, by hand (it is written for
// every batch).
func encodeBatch(files []onceFile, names []FileName, out []bool) ([]byte, error) {
	return encodeBatchKeys(files, fileKeys(files, names, out), out)
}

// fileKeys returns the keys of files named names, "" for those left out.
func fileKeys(files []onceFile, names []FileName, out []bool) []string {
	keys := make([]string, len(files))
	for i, f := range files {
		if !out[i] {
			keys[i] = Key(f.entity, names[i])
		}
	}
	return keys
}

// encodeBatchKeys is encodeBatch for files whose keys are known: a file's
// name is the end of its key (see Key).
func encodeBatchKeys(files []onceFile, keys []string, out []bool) ([]byte, error) {
	b := make([]byte, 0, 2+len(files)*(len(`{"entity":"","file":""},`)+40+len(DefaultNamespace)+60))
	b = append(b, '[')
	for i, f := range files {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(append(b, `{"entity":`...), f.entity)
		if out[i] {
			b = appendString(append(b, `,"event":`...), string(f.event))
		} else {
			// A file name needs no escaping: its namespace is the
			// writer's (checkNamespace: letters, digits, '-', '_', '.'),
			// its event a valid name, the rest digits and "-:.TZ".
			b = append(append(append(b, `,"file":"`...), keys[i][len(f.entity)+1:]...), '"')
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// decodeBatch decodes a WriteOnce record: per event, its file name (only
// the event name for an event left out), its entity, and whether it was
// left out.
func decodeBatch(data []byte) ([]FileName, []string, []bool, error) {
	var entries []batchEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, nil, nil, err
	}
	names := make([]FileName, len(entries))
	entities := make([]string, len(entries))
	out := make([]bool, len(entries))
	for i, e := range entries {
		if e.File == "" {
			if !e.Event.Valid() {
				return nil, nil, nil, fmt.Errorf("entry %d has neither a file nor an event", i)
			}
			names[i], entities[i], out[i] = FileName{Event: e.Event}, e.Entity, true
			continue
		}
		n, err := ParseFileName(e.File)
		if err != nil {
			return nil, nil, nil, err
		}
		names[i], entities[i] = n, e.Entity
	}
	return names, entities, out, nil
}
