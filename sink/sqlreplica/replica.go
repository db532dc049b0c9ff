package sqlreplica

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
)

// Options configures [Open]. A nil pointer or the zero value gives the
// defaults.
type Options struct {
	// Dialect is the database behind db. "" detects it from db's driver:
	// modernc.org/sqlite is SQLite, pgx's stdlib is PostgreSQL; set it
	// when db goes through another driver or a wrapper of these.
	Dialect Dialect
}

// Replica is a replica of one or more entities' sinks in a SQL database.
// It is safe for concurrent use, and several processes may apply events to
// one database at once: the batches of one entity take turns.
type Replica struct {
	db    *sql.DB
	d     *dialect
	cache *stmtCache
}

// ErrDialect is returned by [Open] when the database's dialect is not
// given and cannot be detected, or is not supported.
var ErrDialect = errors.New("sqlreplica: unknown SQL dialect")

// Open returns the replica kept in db, creating its tables when db holds
// none of them, migrating them when they are of an older
// [SchemaVersion], and checking them column by column otherwise.
//
// Errors: ErrDialect; a *SchemaError matching ErrSchema for a schema this
// package did not make (tables missing or altered), a newer version, or a
// database that holds tables of the replica's names but no replica; the
// database's errors. Open never drops or rewrites a table it did not
// create. The caller keeps ownership of db and closes it after use.
func Open(ctx context.Context, db *sql.DB, opts *Options) (*Replica, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if db == nil {
		return nil, errors.New("sqlreplica: Open: nil db")
	}
	if o.Dialect == "" {
		var ok bool
		if o.Dialect, ok = detect(db); !ok {
			return nil, fmt.Errorf("%w: cannot tell the database of driver %T: set Options.Dialect", ErrDialect, db.Driver())
		}
	}
	d, ok := dialects[o.Dialect]
	if !ok {
		return nil, fmt.Errorf("%w: %q (want %q or %q)", ErrDialect, o.Dialect, SQLite, PostgreSQL)
	}
	if err := prepareSchema(ctx, db, d); err != nil {
		return nil, err
	}
	return &Replica{db: db, d: d, cache: &stmtCache{db: db, m: map[string]*sql.Stmt{}, texts: map[textKey]string{}}}, nil
}

// Close releases the statements the replica prepared. It does not close
// the database.
func (r *Replica) Close() error { return r.cache.close() }

// Dialect returns the database the replica is kept in.
func (r *Replica) Dialect() Dialect { return r.d.name }

// ApplyOptions tunes [Replica.Apply] and [Replica.Sync]. A nil pointer or
// the zero value gives the defaults.
type ApplyOptions struct {
	// BatchSize is how many events one transaction applies. 0 means 500.
	BatchSize int
	// Progress, when set, is called after each committed batch with the
	// counts so far. It runs on the caller's goroutine.
	Progress func(Progress)
	// StopOnProblem makes an event the replica cannot apply end the call
	// with its *Problem, the events of its batch not applied. By default
	// it is recorded as rejected and the others go on.
	StopOnProblem bool
	// MaxProblems is how many problems Result.Problems keeps; the counts
	// go on past it. 0 means 100.
	MaxProblems int
}

// Counts counts what a call did with the files it was given.
type Counts struct {
	Files      int // files read: events, and files that are not (Unreadable)
	Applied    int // events that changed the replica
	Unchanged  int // events with nothing new: older than what the replica holds, or re-deliveries
	Conflicts  int // events of the same object and timestamp as another, with other content: resolved by the merge rules
	Rejected   int // events the replica cannot apply: an invalid entry, an update it cannot place (see Problems)
	Done       int // files an earlier call applied (or rejected), skipped
	Unreadable int // files of the entity's directory the reader could not read as events (see Problems)
}

func (c *Counts) add(o Counts) {
	c.Files += o.Files
	c.Applied += o.Applied
	c.Unchanged += o.Unchanged
	c.Conflicts += o.Conflicts
	c.Rejected += o.Rejected
	c.Done += o.Done
	c.Unreadable += o.Unreadable
}

// New returns the files this call applied for the first time: the events
// it applied, found unchanged, resolved as conflicts or rejected.
func (c Counts) New() int { return c.Applied + c.Unchanged + c.Conflicts + c.Rejected }

// Progress reports the counts of a running [Replica.Apply] or
// [Replica.Sync], after each committed batch.
type Progress struct {
	Entity string // the entity of the batch
	Counts        // so far, over the whole call
}

// Result is what [Replica.Apply] or [Replica.Sync] did: the counts of the
// committed batches, and the first problems.
type Result struct {
	Counts
	Problems []*Problem // at most ApplyOptions.MaxProblems, in the order met
}

// Problem is a file the replica could not apply, and why.
type Problem struct {
	Key   string         // the file's key in the store
	Event sink.EventName // the event, "" when the file could not be read as one
	ID    string         // the object's id, "" when the file could not be read
	Err   error          // the cause
}

func (p *Problem) Error() string {
	if p.Event == "" {
		return "sqlreplica: " + p.Key + ": " + p.Err.Error()
	}
	return fmt.Sprintf("sqlreplica: %s (%s %s): %v", p.Key, p.Event, p.ID, p.Err)
}

// Unwrap returns the cause.
func (p *Problem) Unwrap() error { return p.Err }

func (o *ApplyOptions) withDefaults() ApplyOptions {
	var v ApplyOptions
	if o != nil {
		v = *o
	}
	if v.BatchSize <= 0 {
		v.BatchSize = 500
	}
	if v.MaxProblems <= 0 {
		v.MaxProblems = 100
	}
	return v
}

func (res *Result) problem(p *Problem, max int) {
	if len(res.Problems) < max {
		res.Problems = append(res.Problems, p)
	}
}

// Apply applies items (an entity's [sink.Stream], a Kafka consumer's
// events, ...) to the replica, each file exactly once: a file whose key the
// replica has applied already (or rejected) is skipped, and a batch's rows
// and its files' records are written in one transaction. Items may come in
// any order and several times, and may be of several entities: the merge
// rules give one state for one set of events.
//
// Each item's Key identifies its file; File gives its offset. An event the
// replica cannot apply is a [*Problem] (recorded as rejected, or ending the
// call with StopOnProblem). A *storage.KeyError yielded by items (a file
// the reader could not read or decode, see [sink.Stream.All]) is a Problem
// too, counted as Unreadable and not recorded. Any other error yielded by
// items, and the errors of the database and of ctx, end the call: the
// batch under way is rolled back, and the returned Result counts the
// batches committed before. Running it again then applies what is left.
func (r *Replica) Apply(ctx context.Context, items iter.Seq2[*sink.Item, error], opts *ApplyOptions) (*Result, error) {
	o := opts.withDefaults()
	res := &Result{}
	if err := r.apply(ctx, items, &o, res, ""); err != nil {
		return res, err
	}
	return res, nil
}

func (r *Replica) apply(ctx context.Context, items iter.Seq2[*sink.Item, error], o *ApplyOptions, res *Result, entity string) error {
	batch := make([]*sink.Item, 0, o.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		b, problems, err := r.applyBatch(ctx, batch, o)
		if err != nil {
			return err
		}
		res.add(b.Counts)
		for _, p := range problems {
			res.problem(p, o.MaxProblems)
		}
		batch = batch[:0]
		if o.Progress != nil {
			e := entity
			if e == "" {
				e = b.entity
			}
			o.Progress(Progress{Entity: e, Counts: res.Counts})
		}
		return nil
	}
	for it, err := range items {
		var unreadable *storage.KeyError
		if errors.As(err, &unreadable) {
			// A file the reader could not read or decode: reported, not
			// recorded, so that the next run reads it again.
			res.Files++
			res.Unreadable++
			p := &Problem{Key: unreadable.Key, Err: unreadable.Err}
			if o.StopOnProblem {
				return p
			}
			res.problem(p, o.MaxProblems)
			continue
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if it == nil || it.Event == nil {
			return errors.New("sqlreplica: Apply: an item without an event")
		}
		batch = append(batch, it)
		if len(batch) == o.BatchSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return flush()
}

// Sync applies, for each entity (every entity rd finds when entities is
// empty), the events of its directory, read with rd: see [Replica.Apply].
// The files the reader cannot read as events are reported as problems and
// counted as Unreadable; they stop nothing.
func (r *Replica) Sync(ctx context.Context, rd *sink.Reader, entities []string, opts *ApplyOptions) (*Result, error) {
	o := opts.withDefaults()
	res := &Result{}
	if len(entities) == 0 {
		for e, err := range rd.Entities(ctx) {
			if err != nil {
				return res, err
			}
			entities = append(entities, e)
		}
	}
	for _, e := range entities {
		stream := rd.Read(ctx, e, nil)
		if err := r.apply(ctx, stream.All(), &o, res, e); err != nil {
			return res, err
		}
		for _, s := range stream.Stats().Skipped {
			res.Files++
			res.Unreadable++
			p := &Problem{Key: s.Key, Err: s.Err}
			if o.StopOnProblem {
				return res, p
			}
			res.problem(p, o.MaxProblems)
		}
	}
	return res, nil
}

// ref names one object of the replica.
type ref struct {
	entity string
	object sink.Object
	id     string
}

// tracked is an object a batch applies events to.
type tracked struct {
	state      sink.ObjectState
	existed    bool // visible before the batch
	known      bool // stored before the batch: in replica_states, or plain
	dirty      bool
	ts, offset int64 // the newest event applied: timestamp, then offset, then key
	key        string
	// events counts the events applied to the object in the batch, and
	// inserted whether the first was an insertion that changed it.
	events   int
	inserted bool
}

// plain reports whether the object's state is what its one insertion
// gives, so that its row in its table (payload, timestamp, file) is enough
// to rebuild it (see rebuild): replica_states then holds nothing for it.
// Most objects are plain: inserted once, by the initialization or later.
func (t *tracked) plain() bool {
	return !t.known && t.events == 1 && t.inserted && t.state.Exists()
}

// newer reports whether an event (ts, offset, key) comes after the newest
// one of t.
func (t *tracked) newer(ts, offset int64, key string) bool {
	if !t.known && t.key == "" {
		return true
	}
	return cmp.Or(cmp.Compare(ts, t.ts), cmp.Compare(offset, t.offset), strings.Compare(key, t.key)) > 0
}

type batchCounts struct {
	Counts
	entity string
}

// fileRow is a row of replica_files.
type fileRow struct {
	key, entity, event, id, outcome string
	offset, ts                      int64
	reason                          *string
}

// applyBatch applies items in one transaction, and returns what it did
// and the events it rejected.
func (r *Replica) applyBatch(ctx context.Context, items []*sink.Item, o *ApplyOptions) (c batchCounts, problems []*Problem, err error) {
	c.entity = items[0].Event.EntityID
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return c, nil, err
	}
	defer tx.Rollback()
	w := &writer{d: r.d, tx: tx, cache: r.cache}
	if r.d.name == PostgreSQL {
		// Every statement of a batch reads or writes a few rows by key: a
		// plan made while the tables were small (a sequential scan) would
		// read them whole once they are not, and their statistics lag
		// behind a large first sync.
		for _, q := range []string{"SET LOCAL plan_cache_mode = force_custom_plan", "SET LOCAL enable_seqscan = off"} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return c, nil, err
			}
		}
	}

	// Take the entities' rows first: another process applying events of
	// the same entity waits until this batch commits.
	entities := map[string]bool{}
	for _, it := range items {
		entities[it.Event.EntityID] = true
	}
	sorted := slices.Sorted(maps.Keys(entities))
	for _, e := range sorted {
		if err := w.exec(ctx, "INSERT INTO replica_entities (entite_id, files, rejected) VALUES (?, 0, 0) "+
			"ON CONFLICT (entite_id) DO UPDATE SET files = replica_entities.files", e); err != nil {
			return c, nil, err
		}
	}

	keys := make([]string, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if !seen[it.Key] {
			seen[it.Key] = true
			keys = append(keys, it.Key)
		}
	}
	done, err := w.existing(ctx, "SELECT file_key FROM replica_files WHERE file_key IN ", keys)
	if err != nil {
		return c, nil, err
	}

	// Load the state of every object the batch's new files change.
	objects := map[ref]*tracked{}
	idsByEntity := map[string][]string{}
	for _, it := range items {
		ev := it.Event
		k := ref{ev.EntityID, ev.Name.Object(), ev.ID}
		if done[it.Key] || objects[k] != nil {
			continue
		}
		objects[k] = &tracked{}
		idsByEntity[ev.EntityID] = append(idsByEntity[ev.EntityID], ev.ID)
	}
	for e, ids := range idsByEntity {
		if err := w.loadStates(ctx, e, ids, objects); err != nil {
			return c, nil, err
		}
	}

	files := make([]fileRow, 0, len(items))
	handled := make(map[string]bool, len(items))
	for _, it := range items {
		c.Files++
		if done[it.Key] || handled[it.Key] {
			c.Done++
			continue
		}
		handled[it.Key] = true
		ev := it.Event
		k := ref{ev.EntityID, ev.Name.Object(), ev.ID}
		t := objects[k]
		row := fileRow{key: it.Key, entity: ev.EntityID, event: string(ev.Name), id: ev.ID, offset: it.File.Offset, ts: ev.Timestamp}
		out, err := r.applyEvent(t, ev)
		if err != nil {
			p := &Problem{Key: it.Key, Event: ev.Name, ID: ev.ID, Err: err}
			if o.StopOnProblem {
				return c, nil, p
			}
			if len(problems) < o.MaxProblems {
				problems = append(problems, p)
			}
			c.Rejected++
			reason := err.Error()
			row.outcome, row.reason = "rejected", &reason
			files = append(files, row)
			continue
		}
		switch out {
		case sink.Applied:
			c.Applied++
		case sink.Conflict:
			c.Conflicts++
		default:
			c.Unchanged++
		}
		row.outcome = out.String()
		t.events++
		if t.events == 1 && out == sink.Applied && ev.Name.Action() == sink.Inserted {
			t.inserted = true
		}
		if out != sink.Unchanged {
			t.dirty = true
		}
		if t.newer(ev.Timestamp, it.File.Offset, it.Key) {
			t.ts, t.offset, t.key = ev.Timestamp, it.File.Offset, it.Key
			t.dirty = true
		}
		files = append(files, row)
	}

	if err := w.writeFiles(ctx, files); err != nil {
		return c, nil, err
	}
	if err := w.writeObjects(ctx, objects); err != nil {
		return c, nil, err
	}
	for _, e := range sorted {
		var n, rejected int64
		for _, f := range files {
			if f.entity == e {
				n++
				if f.outcome == "rejected" {
					rejected++
				}
			}
		}
		if n == 0 {
			continue
		}
		if err := w.exec(ctx, "UPDATE replica_entities SET files = files + ?, rejected = rejected + ? WHERE entite_id = ?", n, rejected, e); err != nil {
			return c, nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return c, nil, err
	}
	return c, problems, nil
}

// applyEvent applies ev to the object's state; entries are validated first.
func (r *Replica) applyEvent(t *tracked, ev *sink.Event) (sink.Outcome, error) {
	if ev.Name == sink.EntryInserted {
		e, ok := ev.Data.(*entry.Entry)
		if !ok {
			return 0, fmt.Errorf("%w: entry data of type %T", sink.ErrPayload, ev.Data)
		}
		if err := e.Validate(nil); err != nil {
			return 0, err
		}
	}
	if err := r.d.checkAmounts(ev); err != nil {
		return 0, err
	}
	return t.state.Apply(ev)
}

// Files yields the files applied (or rejected) to the replica of entity,
// in key order.
func (r *Replica) Files(ctx context.Context, entity string) iter.Seq2[File, error] {
	return func(yield func(File, error) bool) {
		rows, err := r.db.QueryContext(ctx, r.d.rebind("SELECT file_key, file_offset, event, object_id, timestamp, outcome, reason "+
			"FROM replica_files WHERE entite_id = ? ORDER BY file_key"), entity)
		if err != nil {
			yield(File{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var f File
			var event string
			var reason sql.NullString
			if err := rows.Scan(&f.Key, &f.Offset, &event, &f.ID, &f.Timestamp, &f.Outcome, &reason); err != nil {
				yield(File{}, err)
				return
			}
			f.Event, f.Reason = sink.EventName(event), reason.String
			if !yield(f, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(File{}, err)
		}
	}
}

// File is a file the replica applied or rejected.
type File struct {
	Key       string
	Offset    int64
	Event     sink.EventName
	ID        string // the object's
	Timestamp int64  // the event's, epoch milliseconds
	Outcome   string // "applied", "unchanged", "conflict" or "rejected"
	Reason    string // why it was rejected
}

// Items yields the files applied to the replica of entity (rejected files
// left out) as [sink.Item] values: the file's key and parsed name, and an
// event with its name, entity, id and timestamp; a third party's insertion
// also carries a *sink.ThirdParty giving its kind, when the replica still
// holds it. It is what [sink.CheckInit] compares with the initialization
// report:
//
//	rep, err := reader.InitReport(ctx, entity)
//	check, err := sink.CheckInit(rep, replica.Items(ctx, entity))
func (r *Replica) Items(ctx context.Context, entity string) iter.Seq2[*sink.Item, error] {
	return func(yield func(*sink.Item, error) bool) {
		kinds := map[string]sink.ThirdPartyKind{}
		rows, err := r.db.QueryContext(ctx, r.d.rebind("SELECT id, type FROM third_parties WHERE entite_id = ?"), entity)
		if err != nil {
			yield(nil, err)
			return
		}
		for rows.Next() {
			var id string
			var kind sql.NullInt64
			if err := rows.Scan(&id, &kind); err != nil {
				rows.Close()
				yield(nil, err)
				return
			}
			if kind.Valid {
				kinds[id] = sink.ThirdPartyKind(kind.Int64)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			yield(nil, err)
			return
		}
		for f, err := range r.Files(ctx, entity) {
			if err != nil {
				yield(nil, err)
				return
			}
			if f.Outcome == "rejected" {
				continue
			}
			name, err := sink.ParseFileName(path.Base(f.Key))
			if err != nil {
				yield(nil, fmt.Errorf("sqlreplica: applied file %s: %w", f.Key, err))
				return
			}
			ev := &sink.Event{Name: f.Event, Envelope: sink.Envelope{Timestamp: f.Timestamp, EntityID: entity, ID: f.ID}}
			if k, ok := kinds[f.ID]; ok && f.Event == sink.ThirdPartyInserted {
				ev.Data = &sink.ThirdParty{Kind: k}
			}
			if !yield(&sink.Item{Key: f.Key, File: name, Event: ev}, nil) {
				return
			}
		}
	}
}

// Received yields the events applied to the replica of entity (rejected
// files left out), each with its name, entity, id and timestamp only: what
// [sink.CheckDaily] compares with the daily reports.
func (r *Replica) Received(ctx context.Context, entity string) iter.Seq2[*sink.Event, error] {
	return func(yield func(*sink.Event, error) bool) {
		for f, err := range r.Files(ctx, entity) {
			if err != nil {
				yield(nil, err)
				return
			}
			if f.Outcome == "rejected" {
				continue
			}
			ev := &sink.Event{Name: f.Event, Envelope: sink.Envelope{Timestamp: f.Timestamp, EntityID: entity, ID: f.ID}}
			if !yield(ev, nil) {
				return
			}
		}
	}
}
