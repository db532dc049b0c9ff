package subscription

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
)

// Source returns the sources of an entity for its initialization or a
// partial re-initialization: the data as of the moment it is called or later.
type Source func(ctx context.Context, entity string) (*sink.Initialization, error)

// DispatcherOptions configures a [Dispatcher]. Nil means the defaults.
type DispatcherOptions struct {
	// Writer configures the writers of the destinations (namespace,
	// clock, concurrency) and the rules they apply: with Writer.Calendar,
	// live entries dated outside their entity's period scope are not
	// delivered; Writer.Skip and Writer.EntryValidation say how entries
	// are validated. With Writer.StateStore, each destination keeps its
	// writer's state there, under "destinations/<store>/<prefix>" (the
	// store's name when it is a single key element, else a hash of it),
	// so that destination stores hold nothing but entity folders. Nil
	// means sink's defaults.
	Writer *sink.WriterOptions
}

// Dispatcher delivers events to the subscriptions of a [Registry]:
// live events to the subscriptions that hold their entity ready, and
// initializations and partial re-initializations of entities. It is safe
// for concurrent use.
type Dispatcher struct {
	reg  *Registry
	opts sink.WriterOptions

	mu      sync.Mutex
	writers map[Destination]*sink.Writer
}

// NewDispatcher returns a dispatcher of the subscriptions of reg.
func NewDispatcher(reg *Registry, opts *DispatcherOptions) *Dispatcher {
	d := &Dispatcher{reg: reg, writers: map[Destination]*sink.Writer{}}
	if opts != nil && opts.Writer != nil {
		d.opts = *opts.Writer
	}
	return d
}

// writer returns the writer of a subscription's destination.
func (d *Dispatcher) writer(s *Subscription) (*sink.Writer, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w, ok := d.writers[s.Destination]; ok {
		return w, nil
	}
	if s.Destination.Store == "" {
		return nil, fmt.Errorf("%w: subscription %s", ErrNoDestination, s.ID)
	}
	if d.reg.stores == nil {
		return nil, fmt.Errorf("%w: %q: the registry resolves no store", ErrUnknownStore, s.Destination.Store)
	}
	store, err := d.reg.stores(s.Destination.Store)
	if err != nil || store == nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrUnknownStore, s.Destination.Store, err)
	}
	if s.Destination.Prefix != "" {
		store = &prefixStore{inner: store, prefix: s.Destination.Prefix}
	}
	opts := d.opts
	if opts.StateStore != nil {
		// One state store for every destination: each its own part, or
		// the records of an entity in one destination would say it is
		// initialized in all.
		opts.StateStore = &prefixStore{inner: opts.StateStore, prefix: stateDirOf(s.Destination)}
	}
	w, err := sink.NewWriter(store, &opts)
	if err != nil {
		return nil, err
	}
	d.writers[s.Destination] = w
	return w, nil
}

// stateDirOf returns the part of a shared state store that holds the
// writer state of destination d.
func stateDirOf(d Destination) string {
	name := d.Store
	if !storage.ValidElement(name) || strings.HasPrefix(name, "sha256-") {
		sum := sha256.Sum256([]byte(d.Store))
		name = "sha256-" + hex.EncodeToString(sum[:16])
	}
	return "destinations/" + name + "/" + d.Prefix
}

// Delivery says what [Dispatcher.Dispatch] did with an event.
type Delivery struct {
	Delivered  []string // subscriptions that wrote it, by id
	Held       []string // subscriptions that hold it until the entity is ready
	OutOfScope []string // subscriptions whose writer left it out: an entry outside the period scope
}

// Dispatch delivers a live event to every subscription that wants its
// event name and holds its entity: written at once where the entity is
// ready; held where it is new or initializing, and delivered when its
// initialization is done if it is newer than the initialization's snapshot
// (older changes are in the snapshot). Removed entities and other
// subscriptions get nothing.
//
// Rules: those of the sink writer (see sink.WriterOptions), checked before
// anything is done: an entry that fails the business rules fails the call
// with a *sink.WriteError, and nothing is delivered nor held. An entry
// dated outside its entity's period scope, when DispatcherOptions.Writer
// has a Calendar, is not written (Delivery.OutOfScope), nor when it was
// held.
//
// Holding is safe against a concurrent initialization: the event is stored
// before the entity's status is read again, so either the initialization's
// final delivery finds it, or Dispatch sees the entity ready and delivers
// it itself.
//
// Delivery is at least once: retrying a failed Dispatch may write an event
// twice under different offsets, which readers drop as a re-delivery.
//
// Cost: every call reads the registry (one listing and one read per
// subscription), so that a change made by another process is seen at once.
// With many subscriptions and a high event rate, that reading dominates:
// [Dispatcher.DispatchBatch] reads it once for many events.
func (d *Dispatcher) Dispatch(ctx context.Context, ev *sink.Event) (*Delivery, error) {
	ds, err := d.DispatchBatch(ctx, []*sink.Event{ev})
	if ds == nil {
		return nil, err
	}
	return &ds[0], err
}

// DispatchBatch delivers events as [Dispatcher.Dispatch] does, with its
// rules, reading the registry once for all of them: each event is encoded
// once, and each subscription's events are written in the order of evs
// with one [sink.Writer.WriteEncoded].
// It returns what was done with each event, in the order of evs. Every
// event is checked and encoded before anything is done: an invalid one
// fails the call with a *sink.WriteError naming it, and nothing is
// delivered. On another error, the deliveries so far are returned with it;
// retrying the batch is safe, as readers drop re-deliveries.
func (d *Dispatcher) DispatchBatch(ctx context.Context, evs []*sink.Event) ([]Delivery, error) {
	datas := make([][]byte, len(evs))
	for i, ev := range evs {
		if err := sink.CheckEvent(ev, &d.opts); err != nil {
			return nil, writeError(i, ev, err)
		}
		data, err := ev.Encode()
		if err != nil {
			return nil, writeError(i, ev, err)
		}
		datas[i] = data
	}
	res := make([]Delivery, len(evs))
	for s, err := range d.reg.List(ctx) {
		if err != nil {
			return res, err
		}
		var ready []sink.Encoded
		var readyAt []int
		var waiting []string // entities with held events, in order
		for i, ev := range evs {
			e, ok := s.Entity(ev.EntityID)
			if !ok || !s.Wants(ev.Name) || e.Status == StatusRemoved {
				continue
			}
			if e.Status == StatusReady {
				ready, readyAt = append(ready, sink.Encoded{Name: ev.Name, Entity: ev.EntityID, Data: datas[i]}), append(readyAt, i)
				continue
			}
			if err := d.hold(ctx, s.ID, ev, datas[i]); err != nil {
				return res, err
			}
			res[i].Held = append(res[i].Held, s.ID)
			if !slices.Contains(waiting, ev.EntityID) {
				waiting = append(waiting, ev.EntityID)
			}
		}
		if len(ready) > 0 {
			w, err := d.writer(s)
			if err != nil {
				return res, err
			}
			written, err := w.WriteEncoded(ctx, ready)
			if err != nil {
				return res, fmt.Errorf("subscription %s: %w", s.ID, err)
			}
			for j, i := range readyAt {
				if written.Files[j].Status == sink.WriteOutOfScope {
					res[i].OutOfScope = append(res[i].OutOfScope, s.ID)
				} else {
					res[i].Delivered = append(res[i].Delivered, s.ID)
				}
			}
		}
		if len(waiting) == 0 {
			continue
		}
		// An initialization may have finished meanwhile: read again.
		now, err := d.reg.Get(ctx, s.ID)
		if err != nil {
			return res, err
		}
		for _, entity := range waiting {
			if e, ok := now.Entity(entity); ok && e.Status == StatusReady {
				if err := d.flush(ctx, now, entity); err != nil {
					return res, err
				}
			}
		}
	}
	return res, nil
}

// writeError names the event i of evs in err, as the sink writer does.
func writeError(i int, ev *sink.Event, err error) error {
	we := &sink.WriteError{Index: i, Err: err}
	if ev != nil {
		we.Event, we.Entity, we.ID = ev.Name, ev.EntityID, ev.ID
	}
	return we
}

// held is a live event kept for an entity that is not ready.
type held struct {
	Name    sink.EventName  `json:"name"`
	Payload json.RawMessage `json:"payload"`
}

func (d *Dispatcher) heldDir(sub, entity string) string {
	return d.reg.dir + "/held/" + sub + "/" + entity + "/"
}

// hold stores ev for entity under a key that is a pure function of the
// event, so holding it twice stores it once. The payload is kept as
// ev.Encode wrote it (HTML characters included, which encoding/json would
// escape), so that its delivery writes those bytes.
func (d *Dispatcher) hold(ctx context.Context, sub string, ev *sink.Event, payload []byte) error {
	sum := sha256.Sum256([]byte(string(ev.Name) + "\x00" + ev.ID + "\x00" + string(payload)))
	key := d.heldDir(sub, ev.EntityID) + fmt.Sprintf("%0*d-%s.json", numDigits, ev.Timestamp, hex.EncodeToString(sum[:12]))
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(held{Name: ev.Name, Payload: bytes.TrimSpace(payload)}); err != nil {
		return err
	}
	_, err := storage.PutOnce(ctx, d.reg.store, key, bytes.TrimSuffix(data.Bytes(), []byte("\n")), nil) // found there: the same event, held already
	return err
}

// flush delivers the events held for a ready entity that are newer than
// its snapshot and that the subscription still wants, each exactly once
// (the writer leaves out those outside the period scope), then forgets
// them all.
func (d *Dispatcher) flush(ctx context.Context, s *Subscription, entity string) error {
	e, _ := s.Entity(entity)
	w, err := d.writer(s)
	if err != nil {
		return err
	}
	snapshot := sink.Millis(e.SnapshotAt)
	for key, err := range storage.Keys(ctx, d.reg.store, d.heldDir(s.ID, entity)) {
		if err != nil {
			return err
		}
		data, err := storage.ReadAll(ctx, d.reg.store, key)
		if errors.Is(err, storage.ErrNotExist) {
			continue // delivered by a concurrent flush
		} else if err != nil {
			return err
		}
		var h held
		if err := json.Unmarshal(data, &h); err != nil {
			return fmt.Errorf("subscription: %s is damaged: %w", key, err)
		}
		// The payload Encode wrote, written as it is.
		ev := sink.Encoded{Name: h.Name, Entity: entity, Data: append(h.Payload, '\n')}
		env, err := w.CheckEncoded(ev)
		if err != nil {
			return fmt.Errorf("subscription: %s: %w", key, err)
		}
		if env.Timestamp > snapshot && s.Wants(ev.Name) {
			sum := sha256.Sum256([]byte(key))
			if _, err := w.WriteEncodedOnce(ctx, "held-"+hex.EncodeToString(sum[:16]), []sink.Encoded{ev}); err != nil {
				return err
			}
		}
		if err := d.reg.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Initialize initializes entity in the destination of subscription sub:
// it marks the entity initializing (recording the snapshot instant), runs
// the sink's initialization with the sources source returns, marks it ready
// once the report is written, then delivers the events held meanwhile.
//
// Rules: those of sink.Writer.Initialize, and the subscription's events:
// only the events it wants are written, and the report lists only them
// (opts.Events, when set, narrows them further). opts is not modified.
//
// After a crash the entity stays initializing; calling Initialize again
// resumes the sink's initialization and finishes. On a ready entity it
// writes nothing and returns the completed initialization.
//
// Errors: ErrNotFound, ErrUnknownEntity, ErrTransition (a removed entity),
// ErrUnknownStore, the source's errors, and sink.Writer.Initialize's.
func (d *Dispatcher) Initialize(ctx context.Context, sub, entity string, source Source, opts *sink.InitOptions) (*sink.InitResult, error) {
	s, err := d.reg.Update(ctx, sub, func(s *Subscription) error {
		e, ok := s.Entity(entity)
		if !ok {
			return fmt.Errorf("%w: %s in subscription %s", ErrUnknownEntity, entity, sub)
		}
		if e.Status != StatusNew {
			if e.Status == StatusRemoved {
				return fmt.Errorf("%w: entity %s is removed", ErrTransition, entity)
			}
			return errNoChange // initializing (resume) or ready
		}
		return setStatus(s, entity, StatusInitializing, d.reg.now())
	})
	if err != nil {
		return nil, err
	}
	w, err := d.writer(s)
	if err != nil {
		return nil, err
	}
	in, err := source(ctx, entity)
	if err != nil {
		return nil, err
	}
	if in.EntityID != entity {
		return nil, fmt.Errorf("%w: the source returned entity %q for %q", ErrInvalid, in.EntityID, entity)
	}
	res, err := w.Initialize(ctx, in, initOptions(s, opts))
	if err != nil {
		return nil, err
	}
	s, err = d.reg.Update(ctx, sub, func(s *Subscription) error {
		return setStatus(s, entity, StatusReady, d.reg.now())
	})
	if err != nil {
		return nil, err
	}
	return res, d.flush(ctx, s, entity)
}

// Reinitialize is the partial re-initialization of a ready entity: it
// re-sends, with fresh offsets, every object changed in the last days days
// (from 1 to sink.MaxReinitDays; anything else fails with ErrDays). Use
// [sink.DaysFor] to pick days from what a daily report says is missing.
//
// Rules: those of sink.Writer.Resend, and the subscription's events: only
// the events it wants are re-sent.
func (d *Dispatcher) Reinitialize(ctx context.Context, sub, entity string, days int, source Source) (*sink.ResendResult, error) {
	if days < 1 || days > sink.MaxReinitDays {
		return nil, fmt.Errorf("%w: %d days", ErrDays, days)
	}
	s, err := d.reg.Get(ctx, sub)
	if err != nil {
		return nil, err
	}
	e, ok := s.Entity(entity)
	if !ok {
		return nil, fmt.Errorf("%w: %s in subscription %s", ErrUnknownEntity, entity, sub)
	}
	if e.Status != StatusReady {
		return nil, fmt.Errorf("%w: entity %s is %s, not ready", ErrTransition, entity, e.Status)
	}
	w, err := d.writer(s)
	if err != nil {
		return nil, err
	}
	in, err := source(ctx, entity)
	if err != nil {
		return nil, err
	}
	since := d.reg.now().Add(-time.Duration(days) * 24 * time.Hour)
	return w.Resend(ctx, in, since, initOptions(s, nil))
}

// initOptions returns a copy of opts whose Events are those the
// subscription wants among opts.Events.
func initOptions(s *Subscription, opts *sink.InitOptions) *sink.InitOptions {
	var o sink.InitOptions
	if opts != nil {
		o = *opts
	}
	if len(s.Events) == 0 {
		return &o
	}
	if o.Events == nil {
		o.Events = slices.Clone(s.Events)
		return &o
	}
	both := []sink.EventName{} // not nil: possibly none in common
	for _, n := range o.Events {
		if s.Wants(n) {
			both = append(both, n)
		}
	}
	o.Events = both
	return &o
}

// prefixStore is a view of a store under a key prefix.
type prefixStore struct {
	inner  storage.Store
	prefix string
}

func (p *prefixStore) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if err := storage.CheckKey("put", key); err != nil {
		return err
	}
	return p.inner.Put(ctx, p.prefix+key, r, opts)
}

func (p *prefixStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.CheckKey("get", key); err != nil {
		return nil, err
	}
	return p.inner.Get(ctx, p.prefix+key)
}

func (p *prefixStore) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey("delete", key); err != nil {
		return err
	}
	return p.inner.Delete(ctx, p.prefix+key)
}

func (p *prefixStore) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		for o, err := range p.inner.List(ctx, p.prefix+prefix) {
			o.Key = strings.TrimPrefix(o.Key, p.prefix)
			if !yield(o, err) || err != nil {
				return
			}
		}
	}
}

func (p *prefixStore) Keys(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for k, err := range storage.Keys(ctx, p.inner, p.prefix+prefix) {
			if !yield(strings.TrimPrefix(k, p.prefix), err) || err != nil {
				return
			}
		}
	}
}
