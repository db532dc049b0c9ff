package sink

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/storage"
)

// Record is one object streamed by a source: its id, the instant it last
// changed in epoch milliseconds (the payload's timestamp), and its payload.
type Record[T any] struct {
	ID        string
	Timestamp int64
	Data      T
}

// SliceSource returns a source for [Sources] that yields recs in order,
// each time it is ranged over: deterministic, as a resumed initialization
// needs. It does not copy recs: leave them unchanged while the source is in
// use.
func SliceSource[T any](recs []Record[T]) iter.Seq2[Record[T], error] {
	return func(yield func(Record[T], error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Sources streams the objects of an entity for its initialization. Each
// field may be nil (no such objects). A source yields a non-nil error to
// abort the initialization with it.
//
// Sources must be deterministic: a resumed initialization streams them
// again and expects the same objects in the same order, so that every file
// lands on the key it had (a different object at the same position is a
// *ConflictError, never an overwrite). Sort by id when the origin has no
// stable order. [SliceSource] makes a source of a slice.
type Sources struct {
	Journals        iter.Seq2[Record[*Journal], error]
	VATs            iter.Seq2[Record[*VAT], error]
	Branches        iter.Seq2[Record[*Branch], error]
	Accounts        iter.Seq2[Record[*Account], error]
	Sections        iter.Seq2[Record[*Section], error]
	ThirdParties    iter.Seq2[Record[*ThirdParty], error]
	Parameters      iter.Seq2[Record[*Parameter], error]
	Entries         iter.Seq2[Record[*entry.Entry], error]
	BankAccounts    iter.Seq2[Record[*BankAccount], error]
	Reconciliations iter.Seq2[Record[*Reconciliation], error]
}

// Initialization is what [Writer.Initialize] needs to initialize an entity.
type Initialization struct {
	EntityID      string          // the entity (entite_id)
	ApplicationID string          // written in every payload (application_id)
	Calendar      period.Calendar // the entity's exercises and situations
	Sources       Sources         // the entity's objects
}

// InitOptions tunes [Writer.Initialize]. A nil pointer or the zero value
// gives the documented defaults.
type InitOptions struct {
	// BatchSize is how many events are written at once. 0 means 512.
	BatchSize int
	// Progress, when set, is called after each batch and once at the end,
	// from the goroutine that called Initialize.
	Progress func(InitProgress)
	// EntryValidation is passed to entry.Entry.Validate for every entry in
	// scope; an invalid entry stops the initialization with its
	// *entry.ValidationError. Nil means the writer's
	// (WriterOptions.EntryValidation); WriterOptions.Skip applies.
	EntryValidation *entry.ValidateOptions
	// Events, when not nil, are the only events written (a subscription's
	// events; an empty list writes none): the objects of the others are
	// not streamed, and the report has rows for these events only. A
	// resumed initialization must be given the same events. Nil writes
	// every event.
	Events []EventName
	// Logger receives one line when the initialization starts, resumes or
	// finishes, and a warning when the calendar has no exercise or a
	// record of the initialization was missing or wrong and was rebuilt
	// from the entity's folder. Nil means no logging.
	Logger *slog.Logger
	// VerifyExisting makes a resumed initialization read back every file
	// an earlier run wrote and compare it byte for byte with its event.
	// By default a file listed with the size of its event counts as
	// written, unread; only a file of another size is read back (and is
	// a *ConflictError when its bytes differ).
	VerifyExisting bool
}

// InitProgress reports how far an initialization has come.
type InitProgress struct {
	EntityID string
	Schema   EventName // the event being written
	Events   int64     // events written or found already written so far
	Created  int64     // of which files this run created
	Done     bool      // the report is written
}

// InitResult describes a completed initialization.
type InitResult struct {
	// Report is the initialization report; ReportKey where it is stored.
	Report    *report.Init
	ReportKey string
	// Scope is the synchronization scope the calendar gave.
	Scope period.Scope
	// Started is the instant the initialization began (the first run's),
	// which dates every file it wrote; FirstOffset is the offset of its
	// first event, and its events run from there without gaps.
	Started     time.Time
	FirstOffset int64
	// Created counts the files this run created; Existing the files a
	// previous, interrupted run had already written. An initialization
	// that was already complete creates nothing and sets AlreadyDone.
	Created, Existing int64
	AlreadyDone       bool
	// OutOfScope counts the entries dated outside the scope, not sent.
	OutOfScope int64
}

// ErrInitialization is matched by errors about an initialization's input or
// state.
var ErrInitialization = errors.New("sink: initialization")

// initRecord is the state an initialization keeps in the store, written
// create-only when it starts: a resumed run reuses its instant and offset.
type initRecord struct {
	Started     time.Time `json:"started"`
	FirstOffset int64     `json:"firstOffset"`
}

// initDone marks a completed initialization, naming its report.
type initDone struct {
	Report string `json:"report"`
}

// Initialize writes the initialization of an entity: an Inserted event for
// every object in scope, then the initialization report, last.
//
// Rules: those of every write path (see [WriterOptions]), with the scope of
// in.Calendar. The period rules of the platform decide what is in scope
// (see [period.Calendar.Scope]): the initialized exercises and the
// situations inside them are sent as Periode events; entries are sent when
// dated inside the scope, whatever their type, and counted in OutOfScope
// otherwise; every other object is sent. Every entry sent must pass the
// business rules, unless WriterOptions.Skip turns them off. Only
// InitOptions.Events are sent, when given. Parameters are sent as
// comptaParametreUpdated events carrying every field, as the platform does.
// Events are written in the order of the report's rows: journals, VAT,
// branches, accounts, sections, periods, third parties, parameters,
// entries, bank accounts, reconciliations.
//
// Initialize streams its sources in batches of InitOptions.BatchSize, so
// memory does not grow with the number of objects. It is resumable: the
// first run records its start instant and first offset in the writer's
// state; a run after a crash or a cancellation lists the entity's folder
// once, streams the sources again, writes only the files that are missing
// and verifies the others (see InitOptions.VerifyExisting), so the end
// result is exactly that of an uninterrupted run. The report is written
// once, after every event, and a completion mark after it; running
// Initialize on a completed entity writes nothing and returns AlreadyDone.
//
// The entity's folder is the truth: records deleted, rolled back or
// rewritten are rebuilt from it (see the package documentation's State
// section), never a reason to write a second report or a second copy of an
// event; what the folder cannot settle is an error naming what was found.
// With a filestore, temporary files of a killed run are removed by the
// next run that writes the folder.
//
// Live events must not be written for the entity while it is initialized:
// Initialize owns its offsets from FirstOffset on, and fails with an error
// matching ErrInitialization if it finds that a writer reserved offsets or
// wrote files at or above them in the meantime.
//
// Memory does not grow with the number of objects, but for a resumed run's
// index of the files found (about 32 bytes per file).
//
// Errors: ErrInitialization (bad input: empty ids, an invalid calendar with
// its *period.ValidationError, an invalid entry with its
// *entry.ValidationError, unknown Events, a source object of the wrong
// shape),
// ErrEntity, *PayloadError, *ConflictError (sources that changed between
// runs), the sources' own errors, ctx.Err(), and the store's errors.
func (w *Writer) Initialize(ctx context.Context, in *Initialization, opts *InitOptions) (*InitResult, error) {
	var o InitOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 512
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if in == nil || in.ApplicationID == "" {
		return nil, fmt.Errorf("%w: no application id", ErrInitialization)
	}
	if err := w.checkEntity(in.EntityID); err != nil {
		return nil, err
	}
	if err := in.Calendar.Validate(); err != nil {
		return nil, fmt.Errorf("%w: entity %s: invalid calendar: %w", ErrInitialization, in.EntityID, err)
	}
	if err := checkEvents(o.Events); err != nil {
		return nil, err
	}

	if done, err := w.readDone(ctx, in.EntityID); err != nil {
		return nil, err
	} else if done != nil {
		return w.completed(ctx, in, done.Report, false, log)
	}
	var plan *initPlan
	for attempt := 0; plan == nil; attempt++ {
		p, err := w.planInit(ctx, in, &o, log)
		switch {
		case errors.Is(err, errRaced) && attempt < 3:
			continue // another run started at the same moment: follow its record
		case errors.Is(err, errRaced):
			return nil, fmt.Errorf("%w: %s: cannot read nor create the initialization record", ErrInitialization, in.EntityID)
		case err != nil:
			return nil, err
		}
		plan = p
	}
	if plan.report != "" {
		return w.completed(ctx, in, plan.report, true, log)
	}
	rec, resumed := plan.rec, plan.resumed
	// Offsets this writer holds in memory for the entity predate the
	// initialization: forget them, so that its next live event is numbered
	// after the initialization's.
	defer w.forget(in.EntityID)
	w.setStarted(in.EntityID, rec.Started)
	scope, err := in.Calendar.Scope(rec.Started)
	if errors.Is(err, period.ErrNoExercise) {
		log.Warn("sink: entity has no exercise: no period and no entry will be sent", "entity", in.EntityID)
	} else if err != nil {
		return nil, fmt.Errorf("%w: entity %s: %w", ErrInitialization, in.EntityID, err)
	}
	log.Info("sink: initialization", "entity", in.EntityID, "resumed", resumed,
		"started", rec.Started, "firstOffset", rec.FirstOffset, "found", len(plan.files), "scope", scope.String())

	run := &initRun{w: w, in: in, opts: o, rules: w.initRules(&o), rec: rec, found: plan.files, res: &InitResult{
		Scope: scope, Started: rec.Started, FirstOffset: rec.FirstOffset,
	}}
	defer run.drain()
	rows, err := run.stream(ctx, scope)
	if err == nil {
		err = run.collect()
	}
	if err != nil {
		return nil, err
	}
	if rest := run.found[run.cur:]; len(rest) > 0 {
		return nil, fmt.Errorf("%w: entity %s: the folder holds %d files of the initialization after its last event, from %s: the sources changed since it began",
			ErrConflict, in.EntityID, len(rest), Key(in.EntityID, FileName{Namespace: w.ns, Event: rest[0].ev, Offset: rest[0].off, Time: rec.Started}))
	}

	if plan.rebuild {
		if err := w.putStarted(ctx, in.EntityID, rec, plan.replace); err != nil && !errors.Is(err, errRaced) {
			return nil, err
		}
	}

	// Offsets from FirstOffset to the last event are the initialization's:
	// reserve them for the live writer, unless someone else has written.
	end := rec.FirstOffset + run.n
	if err := w.reserveInit(ctx, in.EntityID, rec.FirstOffset, end); err != nil {
		return nil, err
	}

	rep := &report.Init{EntityID: in.EntityID, Rows: rows}
	key, err := w.writeReport(ctx, rep)
	if err != nil {
		return nil, err
	}
	doneData, _ := json.Marshal(initDone{Report: key})
	if err := w.state.Put(ctx, w.initKey(in.EntityID, "done.json"), bytes.NewReader(doneData), &storage.PutOptions{IfNotExist: true}); err != nil && !errors.Is(err, storage.ErrExist) {
		return nil, err
	}
	run.res.Report, run.res.ReportKey = rep, key
	run.progress("", true)
	log.Info("sink: initialization complete", "entity", in.EntityID, "events", run.n,
		"created", run.res.Created, "existing", run.res.Existing, "report", key)
	return run.res, nil
}

func (w *Writer) forget(entity string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.entities, entity)
}

func (w *Writer) initKey(entity, name string) string {
	return w.stateDir + "/init/" + entity + "/" + name
}

func (w *Writer) readDone(ctx context.Context, entity string) (*initDone, error) {
	data, err := storage.ReadAll(ctx, w.state, w.initKey(entity, "done.json"))
	if errors.Is(err, storage.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d initDone
	if err := json.Unmarshal(data, &d); err != nil || d.Report == "" {
		return nil, fmt.Errorf("%w: the completion mark of %s is damaged", ErrInitialization, entity)
	}
	return &d, nil
}

// completed returns the result of an initialization finished earlier,
// whose report is reportKey. With restore, the report was found in the
// entity's folder without the records that say the initialization is
// complete: they are written again. A start record that disagrees with the
// folder is rebuilt from it.
func (w *Writer) completed(ctx context.Context, in *Initialization, reportKey string, restore bool, log *slog.Logger) (*InitResult, error) {
	entity := in.EntityID
	data, err := storage.ReadAll(ctx, w.store, reportKey)
	if err != nil {
		return nil, fmt.Errorf("%w: entity %s is initialized but its report %s cannot be read: %w; restore the report, or delete %s to write it again",
			ErrInitialization, entity, reportKey, err, w.initKey(entity, "done.json"))
	}
	rep, err := report.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	rec, hasRec, err := w.readStarted(ctx, entity)
	if err != nil {
		return nil, err
	}
	start, known, err := w.startOf(ctx, entity, rep, reportKey, rec, hasRec)
	if err != nil {
		return nil, err
	}
	switch {
	case known && (!hasRec || start != rec):
		if err := w.putStarted(ctx, entity, start, hasRec); err != nil && !errors.Is(err, errRaced) {
			return nil, err
		}
		log.Warn("sink: the initialization record was missing or disagreed with the entity folder: rebuilt from the folder",
			"entity", entity, "started", start.Started, "firstOffset", start.FirstOffset)
	case !known:
		log.Warn("sink: the start of the initialization is not recorded and the entity folder does not tell it", "entity", entity, "report", reportKey)
	}
	if restore {
		if err := w.restoreDone(ctx, entity, reportKey); err != nil {
			return nil, err
		}
		log.Warn("sink: the initialization records were missing: its report is in the entity folder, so it is complete; records restored",
			"entity", entity, "report", reportKey)
	}
	scope, err := in.Calendar.Scope(start.Started)
	if err != nil && !errors.Is(err, period.ErrNoExercise) {
		return nil, err
	}
	log.Info("sink: entity already initialized", "entity", entity, "report", reportKey)
	return &InitResult{Report: rep, ReportKey: reportKey, Scope: scope, Started: start.Started,
		FirstOffset: start.FirstOffset, Existing: rep.Total(), AlreadyDone: true}, nil
}

// writeReport writes rep once. Its name is chosen by the first run and
// recorded in the state directory before the report is written, so that a
// resumed run writes the same file (and finds it with the same bytes)
// without listing the entity's directory, which can hold millions of files.
func (w *Writer) writeReport(ctx context.Context, rep *report.Init) (string, error) {
	data, err := rep.MarshalJSON()
	if err != nil {
		return "", err
	}
	recKey := w.initKey(rep.EntityID, "report.json")
	var rec initDone
	for range 3 {
		raw, err := storage.ReadAll(ctx, w.state, recKey)
		if err == nil {
			if err := json.Unmarshal(raw, &rec); err != nil || rec.Report == "" {
				return "", fmt.Errorf("%w: %s is damaged", ErrInitialization, recKey)
			}
			break
		}
		if !errors.Is(err, storage.ErrNotExist) {
			return "", err
		}
		rec = initDone{Report: rep.EntityID + "/" + report.InitFileName(w.now())}
		raw, _ = json.Marshal(rec)
		err = w.state.Put(ctx, recKey, bytes.NewReader(raw), &storage.PutOptions{IfNotExist: true})
		if err == nil {
			break
		}
		if !errors.Is(err, storage.ErrExist) {
			return "", err
		}
		rec = initDone{} // another run recorded it first: read its record
	}
	if rec.Report == "" {
		return "", fmt.Errorf("%w: %s: cannot read nor create the report record", ErrInitialization, recKey)
	}
	if _, err := w.putAll(ctx, []storage.BatchObject{{Key: rec.Report, Data: data}}); err != nil {
		return "", err
	}
	return rec.Report, nil
}

// initRules returns the write rules of an initialization with options o.
func (w *Writer) initRules(o *InitOptions) rules {
	r := w.rules
	if o.EntryValidation != nil {
		r.entryOpts = o.EntryValidation
	}
	return r
}

// checkEvents accepts a list of change events, for InitOptions.Events.
func checkEvents(evs []EventName) error {
	for _, n := range evs {
		if n == DailyReport || !n.Valid() {
			return fmt.Errorf("%w: %q is not a change event", ErrInitialization, string(n))
		}
	}
	return nil
}

// initRun is the state of one run of Initialize.
type initRun struct {
	w     *Writer
	in    *Initialization
	opts  InitOptions
	rules rules
	rec   initRecord
	res   *InitResult
	n     int64 // events so far: the next one's offset is rec.FirstOffset + n
	batch []*Event
	names []FileName
	// found are the files of the initialization a previous run wrote, in
	// offset order; found[cur:] are those not reached yet.
	found []initFile
	cur   int
	// probe, when positive, collects the first probe events in batch
	// and stops the stream with errProbed, writing nothing.
	probe int
	// inflight receives the outcome of the batch being written in the
	// background, nil when none is; written counts the events of the
	// batches written.
	inflight chan batchDone
	written  int64
	// resend is set by Resend: objects changed before since are left out,
	// and events are written with fresh offsets by WriteBatch.
	resend bool
	since  int64
}

// wants reports whether the run writes events named n.
func (r *initRun) wants(n EventName) bool {
	return r.opts.Events == nil || slices.Contains(r.opts.Events, n)
}

// stream writes every event in scope and returns the report's rows: one
// per event written (four for third parties, one per kind).
func (r *initRun) stream(ctx context.Context, scope period.Scope) ([]report.InitRow, error) {
	var rows []report.InitRow
	count := func(n EventName, f func() (int64, error)) error {
		if !r.wants(n) {
			return nil
		}
		c, err := f()
		rows = append(rows, report.InitRow{Schema: string(n), Count: c})
		return err
	}
	steps := []struct {
		name EventName
		run  func() (int64, error)
	}{
		{JournalInserted, func() (int64, error) { return emit(ctx, r, JournalInserted, r.in.Sources.Journals, nil) }},
		{VATInserted, func() (int64, error) { return emit(ctx, r, VATInserted, r.in.Sources.VATs, nil) }},
		{BranchInserted, func() (int64, error) { return emit(ctx, r, BranchInserted, r.in.Sources.Branches, nil) }},
		{AccountInserted, func() (int64, error) { return emit(ctx, r, AccountInserted, r.in.Sources.Accounts, nil) }},
		{SectionInserted, func() (int64, error) { return emit(ctx, r, SectionInserted, r.in.Sources.Sections, nil) }},
		{PeriodInserted, func() (int64, error) {
			return emit(ctx, r, PeriodInserted, periodRecords(r.in.Calendar, scope, r.rec.Started), nil)
		}},
	}
	for _, s := range steps {
		if err := count(s.name, s.run); err != nil {
			return nil, err
		}
	}
	// Third parties: one stream, one report row per kind.
	if r.wants(ThirdPartyInserted) {
		kinds := map[ThirdPartyKind]int64{}
		if _, err := emit(ctx, r, ThirdPartyInserted, r.in.Sources.ThirdParties, func(rec Record[*ThirdParty]) (bool, error) {
			if !rec.Data.Kind.Valid() {
				return false, fmt.Errorf("%w: third party %s: unknown kind %d", ErrInitialization, rec.ID, rec.Data.Kind)
			}
			kinds[rec.Data.Kind]++
			return true, nil
		}); err != nil {
			return nil, err
		}
		for _, k := range ThirdPartyKinds() {
			rows = append(rows, report.InitRow{Schema: string(ThirdPartyInserted), Count: kinds[k]})
		}
	}
	if err := count(ParameterUpdated, func() (int64, error) {
		return emit(ctx, r, ParameterUpdated, r.in.Sources.Parameters, nil)
	}); err != nil {
		return nil, err
	}
	if err := count(EntryInserted, func() (int64, error) {
		return emit(ctx, r, EntryInserted, r.in.Sources.Entries, func(rec Record[*entry.Entry]) (bool, error) {
			if !scope.Contains(rec.Data.Date) {
				r.res.OutOfScope++
				return false, nil
			}
			if err := r.rules.validate(rec.Data); err != nil {
				return false, fmt.Errorf("%w: entry %s: %w", ErrInitialization, rec.ID, err)
			}
			return true, nil
		})
	}); err != nil {
		return nil, err
	}
	if err := count(BankAccountInserted, func() (int64, error) {
		return emit(ctx, r, BankAccountInserted, r.in.Sources.BankAccounts, nil)
	}); err != nil {
		return nil, err
	}
	if err := count(ReconciliationInserted, func() (int64, error) {
		return emit(ctx, r, ReconciliationInserted, r.in.Sources.Reconciliations, nil)
	}); err != nil {
		return nil, err
	}
	return rows, r.flush(ctx)
}

// emit writes an event for each record of src that keep accepts (nil
// keeps all), and returns how many it wrote.
func emit[T any](ctx context.Context, r *initRun, name EventName, src iter.Seq2[Record[*T], error], keep func(Record[*T]) (bool, error)) (int64, error) {
	if src == nil {
		return 0, nil
	}
	// Updated events (parameters) carry every field of their object.
	var changed []string
	if name.Action() == Updated {
		var err error
		if changed, err = fieldsOf(name.Object()); err != nil {
			return 0, err
		}
	}
	var n int64
	for rec, err := range src {
		if err != nil {
			return n, err
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if rec.Data == nil {
			return n, fmt.Errorf("%w: %s %s: no data", ErrInitialization, name.Object(), rec.ID)
		}
		if rec.Timestamp < r.since {
			continue
		}
		if keep != nil {
			ok, err := keep(rec)
			if err != nil {
				return n, err
			}
			if !ok {
				continue
			}
		}
		ev := &Event{Name: name, Envelope: Envelope{
			Timestamp: rec.Timestamp, ApplicationID: r.in.ApplicationID, EntityID: r.in.EntityID, ID: rec.ID,
		}, Data: rec.Data, Changed: changed}
		if err := r.add(ctx, ev); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// add queues ev under the next offset, writing the queue when it is full.
// Each event is validated when it is queued, so that a bad object stops the
// run before its batch is written.
func (r *initRun) add(ctx context.Context, ev *Event) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	r.batch = append(r.batch, ev)
	if r.probe > 0 {
		if r.n++; len(r.batch) >= r.probe {
			return errProbed
		}
		return nil
	}
	if r.resend {
		r.n++
		if len(r.batch) >= r.opts.BatchSize {
			return r.flush(ctx)
		}
		return nil
	}
	r.names = append(r.names, FileName{Namespace: r.w.ns, Event: ev.Name, Offset: r.rec.FirstOffset + r.n, Time: r.rec.Started})
	r.n++
	if len(r.batch) >= r.opts.BatchSize {
		return r.flush(ctx)
	}
	return nil
}

func (r *initRun) flush(ctx context.Context) error {
	if len(r.batch) == 0 || r.probe > 0 {
		return nil
	}
	if r.resend {
		// The rules were applied as the events were queued, with the
		// initialization's calendar: write them as they are.
		ps, err := r.w.encodeAll(r.batch)
		if err != nil {
			return err
		}
		if _, err := r.w.writeNew(ctx, r.batch, ps); err != nil {
			return err
		}
		r.res.Created += int64(len(r.batch))
		r.batch = r.batch[:0]
		return nil
	}
	// The batch is encoded, checked and written in the background while
	// the next one is streamed: one batch in flight.
	if err := r.collect(); err != nil {
		return err
	}
	evs, names := r.batch, r.names
	r.batch, r.names = make([]*Event, 0, r.opts.BatchSize), make([]FileName, 0, r.opts.BatchSize)
	done := make(chan batchDone, 1)
	r.inflight = done
	go func() { done <- r.write(ctx, evs, names) }()
	return nil
}

// batchDone is what writing a batch of an initialization did.
type batchDone struct {
	created, existing, events int64
	schema                    EventName // the last event's
	err                       error
}

// write encodes the events of a batch, leaves out those a previous run
// wrote (see InitOptions.VerifyExisting), and puts the others.
func (r *initRun) write(ctx context.Context, evs []*Event, names []FileName) batchDone {
	d := batchDone{events: int64(len(evs)), schema: evs[len(evs)-1].Name}
	objs := make([]storage.BatchObject, 0, len(evs))
	for i, ev := range evs {
		data, err := ev.Encode()
		if err != nil {
			d.err = err
			return d
		}
		f, ok, err := r.existing(names[i])
		if err != nil {
			d.err = err
			return d
		}
		if ok && !r.opts.VerifyExisting && f.size == int64(len(data)) {
			d.existing++ // listed with its size: written by a previous run
			continue
		}
		// Missing, or to be compared byte for byte: a create-only put
		// creates it, or finds the same bytes, or fails with a
		// *ConflictError.
		objs = append(objs, storage.BatchObject{Key: Key(ev.EntityID, names[i]), Data: data})
	}
	created, err := r.w.putAll(ctx, objs)
	d.created = int64(created)
	if err != nil {
		d.err = err
		return d
	}
	d.existing += int64(len(objs) - created)
	return d
}

// collect waits for the batch in flight, if any, and reports its
// progress.
func (r *initRun) collect() error {
	if r.inflight == nil {
		return nil
	}
	d := <-r.inflight
	r.inflight = nil
	r.res.Created += d.created
	r.res.Existing += d.existing
	if d.err != nil {
		return d.err
	}
	r.written += d.events
	r.progress(d.schema, false)
	return nil
}

// drain waits for the batch in flight, if any, so that nothing is written
// after Initialize returns.
func (r *initRun) drain() {
	if r.inflight != nil {
		<-r.inflight
		r.inflight = nil
	}
}

// existing returns the file a previous run wrote at name's offset, if
// any. A file of another event there means the sources changed: an error
// matching ErrConflict.
func (r *initRun) existing(name FileName) (initFile, bool, error) {
	for r.cur < len(r.found) && r.found[r.cur].off < name.Offset {
		r.cur++ // cannot happen: offsets are given in order from the first
	}
	if r.cur == len(r.found) || r.found[r.cur].off != name.Offset {
		return initFile{}, false, nil
	}
	f := r.found[r.cur]
	r.cur++
	if f.ev != name.Event {
		got := name
		got.Event = f.ev
		return f, false, fmt.Errorf("%w: entity %s: %s holds offset %d, where the initialization writes a %s event: the sources changed since it began",
			ErrConflict, r.in.EntityID, Key(r.in.EntityID, got), name.Offset, name.Event)
	}
	return f, true, nil
}

func (r *initRun) progress(schema EventName, done bool) {
	if r.opts.Progress != nil {
		r.opts.Progress(InitProgress{EntityID: r.in.EntityID, Schema: schema, Events: r.written,
			Created: r.res.Created, Done: done})
	}
}

// periodRecords streams the periods in scope as payloads: the initialized
// exercises, then the situations inside them, each sorted by start date and
// id. Their timestamp is their creation instant when known, else the
// initialization's.
func periodRecords(cal period.Calendar, scope period.Scope, started time.Time) iter.Seq2[Record[*Period], error] {
	return func(yield func(Record[*Period], error) bool) {
		byStart := func(a, b period.Period) int {
			return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID))
		}
		exercises, situations := scope.Exercises(), scope.Situations()
		slices.SortFunc(exercises, byStart)
		slices.SortFunc(situations, byStart)
		for _, p := range slices.Concat(exercises, situations) {
			at := started
			if !p.CreatedAt.IsZero() {
				at = p.CreatedAt
			}
			data := &Period{Kind: p.Kind, Start: p.Start, End: p.End}
			if p.Kind == period.KindExercise {
				status := p.Status
				data.Status = &status
			} else if ex, ok := cal.ExerciseAt(p.Start); ok {
				data.ExerciseID = &ex.ID
			}
			if !yield(Record[*Period]{ID: p.ID, Timestamp: Millis(at), Data: data}, nil) {
				return
			}
		}
	}
}

// ResendResult describes a partial re-initialization.
type ResendResult struct {
	// Events counts the events re-sent; Counts lists them per schema, in
	// the order of the initialization report.
	Events int64
	Counts []report.InitRow
	// Scope is the synchronization scope entries were filtered by.
	Scope period.Scope
}

// Resend is the partial re-initialization of an entity: it writes again,
// with fresh offsets, the Inserted event (for parameters, the complete
// comptaParametreUpdated) of every object of in that changed at or after
// since and is in scope under the period rules, exactly as [Writer.Initialize]
// would (its rules and InitOptions.Events included), but with the offsets of
// [Writer.WriteBatch] and without a report. Consumers
// drop what they already had (see [Stream.All]) and apply the rest, which is
// how they repair what a daily report says is missing (see [DaysFor]).
//
// Unlike an initialization, a re-initialization is not resumable: if it
// fails, run it again; the events it had written are re-deliveries too.
//
// Errors: as for [Writer.Initialize].
func (w *Writer) Resend(ctx context.Context, in *Initialization, since time.Time, opts *InitOptions) (*ResendResult, error) {
	var o InitOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 512
	}
	if in == nil || in.ApplicationID == "" {
		return nil, fmt.Errorf("%w: no application id", ErrInitialization)
	}
	if err := w.checkEntity(in.EntityID); err != nil {
		return nil, err
	}
	if err := checkEvents(o.Events); err != nil {
		return nil, err
	}
	// The scope is the initialization's: newly created exercises are those
	// created after it.
	initialized, err := w.initStarted(ctx, in.EntityID)
	if err != nil {
		return nil, err
	}
	scope, err := in.Calendar.Scope(initialized)
	if err != nil && !errors.Is(err, period.ErrNoExercise) {
		return nil, fmt.Errorf("%w: entity %s: %w", ErrInitialization, in.EntityID, err)
	}
	run := &initRun{w: w, in: in, opts: o, rules: w.initRules(&o), rec: initRecord{Started: initialized}, res: &InitResult{Scope: scope},
		resend: true, since: Millis(since)}
	rows, err := run.stream(ctx, scope)
	if err != nil {
		return nil, err
	}
	return &ResendResult{Events: run.res.Created, Counts: rows, Scope: scope}, nil
}
