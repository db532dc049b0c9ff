package capture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
)

// Config names what a Capture works on. Every field is required.
type Config struct {
	// Store keeps the stored snapshot, usually the writer's store.
	Store storage.Store
	// Writer writes the sink events of every change.
	Writer *sink.Writer
	// EntityID and ApplicationID are written in every event's envelope.
	EntityID      string
	ApplicationID string
}

// Options tunes a Capture. A nil pointer or the zero value gives the defaults
// documented on each field; New copies them.
type Options struct {
	// Dir is the directory of the store that holds the stored snapshot.
	// "" means "<state dir>/capture/<entity id>", inside the writer's
	// state directory (sink.Writer.StateDir, sink.DefaultStateDir by default),
	// which sink.Reader does not take for an entity.
	Dir string
	// Now dates the events of documents whose Changed is zero. Nil means
	// time.Now.
	Now func() time.Time
	// Rand names the scratch directories of a sync. Nil means crypto/rand.
	Rand io.Reader
	// MaxDeletePercent is the largest share of the stored documents, in
	// percent, that a sync may delete without SyncOptions.Force. 0 means
	// 50; 100 or more never refuses.
	MaxDeletePercent int
	// SortBuffer is how many documents are sorted in memory at once before
	// being written as a sorted run; memory grows with it. 0 means 50,000.
	SortBuffer int
	// PartSize is how many documents a stored part holds. 0 means 10,000.
	PartSize int
	// BatchSize is how many events are written at once, each batch with
	// one record of the writer's (see sink.Writer.WriteOnce). 0 means 4096.
	// A sync interrupted after recording its snapshot is completed in
	// batches of the size it recorded.
	BatchSize int
}

// SyncOptions tunes one Capture.Sync. A nil pointer means the zero value.
type SyncOptions struct {
	// Force accepts a snapshot that deletes more than MaxDeletePercent of
	// the stored documents.
	Force bool
}

// Result describes a sync.
type Result struct {
	// Generation is the number of the stored snapshot after the sync: 1
	// after the first.
	Generation int64
	// Counts of documents, by what happened to them.
	Inserted, Updated, Deleted, Retyped, Unchanged int
	// Events counts the events written (an entry update is two events),
	// not those the writer left out (entries outside the period scope).
	Events int
	// Resumed is set when the sync first completed a sync that had been
	// interrupted after its snapshot was recorded.
	Resumed bool
}

// Capture turns snapshots of a polled source into sink events. It is safe for
// concurrent use; concurrent syncs of one capture, in one process or several,
// are serialized by the store: one wins, the others fail with an error
// matching ErrBusy.
type Capture struct {
	store  storage.Store
	w      *sink.Writer
	entity string
	app    string
	dir    string
	now    func() time.Time
	rand   io.Reader
	maxDel int
	sortN  int
	partN  int
	batchN int
	// The records of the snapshots: intent n from the moment its parts
	// are written, head n once its events are.
	intents, heads *generation.Log
}

// New returns a Capture. It does no I/O. It fails, with an error matching
// ErrConfig, when a Config field is missing, the directory is not a valid key
// prefix or a size is negative.
func New(cfg Config, opts *Options) (*Capture, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var problems []string
	if cfg.Store == nil {
		problems = append(problems, "no store")
	}
	if cfg.Writer == nil {
		problems = append(problems, "no writer")
	}
	if !storage.ValidElement(cfg.EntityID) {
		problems = append(problems, fmt.Sprintf("entity id %q is not a single key element", cfg.EntityID))
	}
	if cfg.ApplicationID == "" {
		problems = append(problems, "no application id")
	}
	if o.Dir == "" && cfg.Writer != nil {
		o.Dir = cfg.Writer.StateDir() + "/capture/" + cfg.EntityID
	}
	if !storage.ValidKey(o.Dir) {
		problems = append(problems, fmt.Sprintf("directory %q is not a valid key", o.Dir))
	}
	if o.MaxDeletePercent < 0 || o.SortBuffer < 0 || o.PartSize < 0 || o.BatchSize < 0 {
		problems = append(problems, "negative size or share")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	c := &Capture{
		store: cfg.Store, w: cfg.Writer, entity: cfg.EntityID, app: cfg.ApplicationID, dir: o.Dir,
		now: o.Now, rand: o.Rand, maxDel: o.MaxDeletePercent, sortN: o.SortBuffer, partN: o.PartSize, batchN: o.BatchSize,
	}
	c.intents, c.heads = c.records("intents"), c.records("heads")
	if c.now == nil {
		c.now = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	if c.maxDel == 0 {
		c.maxDel = 50
	}
	if c.sortN == 0 {
		c.sortN = 50_000
	}
	if c.partN == 0 {
		c.partN = 10_000
	}
	if c.batchN == 0 {
		c.batchN = 4096
	}
	return c, nil
}

// snapshot is the record of one stored snapshot: generation n lives in
// "<dir>/intents/<n>.json" from the moment its parts are written and its
// events may start, and in "<dir>/heads/<n>.json" once they all are.
type snapshot struct {
	Generation int64    `json:"generation"`
	Parts      []string `json:"parts"` // keys, in id order
	Count      int      `json:"count"` // documents, tombstones aside
	Base       int64    `json:"base"`  // the generation it was diffed against; 0 for none
	BaseParts  []string `json:"baseParts"`
	Inserted   int      `json:"inserted"`
	Updated    int      `json:"updated"`
	Deleted    int      `json:"deleted"`
	Retyped    int      `json:"retyped"`
	Unchanged  int      `json:"unchanged"`
	At         int64    `json:"at"` // when the sync began, epoch milliseconds: the timestamp of its deletions
	// BatchSize is the number of events of a batch its events are written
	// in: the batches must be the same when an interrupted sync is
	// completed. 0, in the intents of earlier versions of this package,
	// means the capture's Options.BatchSize.
	BatchSize int `json:"batchSize,omitempty"`
	// Changes, when set, lists the parts that hold only the records that
	// may give events (see changed): complete joins them rather than the
	// whole of BaseParts and Parts. Snapshots without a base, and intents
	// recorded by earlier versions of this package, have none.
	Changes *changeParts `json:"changes,omitempty"`
}

// changeParts are the parts of the records that may give events, sorted by
// id: those of the stored snapshot (Old) and of the new one (New).
type changeParts struct {
	Old []string `json:"old"`
	New []string `json:"new"`
}

// records returns the log of the snapshot records of kind:
// "<dir>/<kind>/<generation, 20 digits>.json". They are never pruned.
func (c *Capture) records(kind string) *generation.Log {
	return &generation.Log{Store: c.store, Dir: c.dir + "/" + kind + "/", Ext: ".json", ContentType: "application/json"}
}

// last returns the last generation recorded in log, 0 when none. A listing
// error is returned, never taken as "no snapshot"; a key that is not a
// record's matches ErrDamaged.
func (c *Capture) last(ctx context.Context, log *generation.Log) (int64, error) {
	n, err := log.Last(ctx)
	if errors.Is(err, generation.ErrDamaged) {
		return 0, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if err != nil {
		return 0, fmt.Errorf("capture: listing %s: %w", log.Dir, err)
	}
	return n, nil
}

// readSnapshot reads record n of log; the empty snapshot for 0.
func (c *Capture) readSnapshot(ctx context.Context, log *generation.Log, n int64) (*snapshot, error) {
	if n == 0 {
		return &snapshot{}, nil
	}
	data, err := log.Read(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("capture: reading snapshot %d: %w", n, err)
	}
	s := new(snapshot)
	if err := json.Unmarshal(data, s); err != nil || s.Generation != n {
		return nil, fmt.Errorf("%w: snapshot record %s", ErrDamaged, log.Key(n))
	}
	return s, nil
}

// recordSnapshot records s in log, create-only: the same record found
// there is a retry's, and a success; another one was recorded by another
// sync, an error matching ErrBusy.
func (c *Capture) recordSnapshot(ctx context.Context, log *generation.Log, s *snapshot) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if _, err := log.Create(ctx, s.Generation, data); errors.Is(err, storage.ErrConflict) {
		return fmt.Errorf("%w: written by another sync: %w", ErrBusy, err)
	} else if err != nil {
		return err
	}
	return nil
}

// Generation returns the number of the stored snapshot: 0 before the first
// sync. Errors are the store's.
func (c *Capture) Generation(ctx context.Context) (int64, error) {
	return c.last(ctx, c.heads)
}

// Documents streams the documents of the stored snapshot in id order, each
// with its Hash set and its Data decoded afresh (the caller owns them).
// It reads the snapshot part by part: memory does not grow with the number
// of documents. An error (of the store, or a damaged part) is yielded once
// and ends the stream; a snapshot that cannot be read is never taken as
// empty.
func (c *Capture) Documents(ctx context.Context) iter.Seq2[*document.Doc, error] {
	return c.docs(ctx, nil, true)
}

// Select streams, like Documents, the documents of the stored snapshot for
// which keep returns true, with their data. keep is called with each
// document without its data (as Headers gives it), so only the payloads of
// the documents kept are decoded: the cheap way to pick a few documents out
// of many. keep is called from the goroutine ranging over the stream.
func (c *Capture) Select(ctx context.Context, keep func(*document.Doc) bool) iter.Seq2[*document.Doc, error] {
	return c.docs(ctx, keep, true)
}

// Headers streams the documents of the stored snapshot like Documents, but
// without decoding their payloads: Data is nil. It is the cheap way to list
// ids, types, versions, hashes and the fields export tracking summarises.
func (c *Capture) Headers(ctx context.Context) iter.Seq2[*document.Doc, error] {
	return c.docs(ctx, nil, false)
}

// docs streams the stored documents that keep (nil: all) keeps, decoding
// their data when data is set.
func (c *Capture) docs(ctx context.Context, keep func(*document.Doc) bool, data bool) iter.Seq2[*document.Doc, error] {
	return func(yield func(*document.Doc, error) bool) {
		n, err := c.last(ctx, c.heads)
		if err != nil {
			yield(nil, err)
			return
		}
		s, err := c.readSnapshot(ctx, c.heads, n)
		if err != nil {
			yield(nil, err)
			return
		}
		for r, err := range readRecords(ctx, c.store, s.Parts) {
			if err != nil {
				yield(nil, err)
				return
			}
			if r.Deleted {
				continue
			}
			d, err := r.doc(data && keep == nil)
			if err == nil && keep != nil {
				if !keep(d) {
					continue
				}
				if data {
					d, err = r.doc(true)
				}
			}
			if err != nil {
				yield(nil, fmt.Errorf("%w: document %s: %w", ErrDamaged, r.ID, err))
				return
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// runID returns a random name for a sync's scratch directory.
func (c *Capture) runID() (string, error) {
	var b [8]byte
	if _, err := io.ReadFull(c.rand, b[:]); err != nil {
		return "", fmt.Errorf("capture: random run id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
