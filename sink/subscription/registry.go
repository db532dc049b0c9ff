package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
)

// RegistryOptions configures a [Registry]. A nil pointer or the zero value
// gives the defaults.
type RegistryOptions struct {
	// Dir is the top-level directory of the registry's store holding the
	// subscriptions and the events held for entities not ready yet. ""
	// means "_subscriptions".
	Dir string
	// Now is the clock of status changes. Nil means time.Now.
	Now func() time.Time
	// Stores resolves a destination's store name to the store. It is
	// needed to deliver or initialize; nil resolves nothing.
	Stores func(name string) (storage.Store, error)
	// KeepGenerations is how many generations of each subscription are
	// kept at least: changes delete the older ones, in bulk once twice as
	// many exist, so that reading a subscription lists fewer than twice
	// KeepGenerations files. It must be well above the number of processes
	// that change one subscription at once. 0 means 16; a negative value
	// keeps every generation.
	KeepGenerations int
}

// Registry persists subscriptions in a store. Every change writes a new
// generation of the subscription, create-only: two processes editing the
// same subscription never lose an update, the later one retries on the
// newer generation. Old generations are deleted as changes go
// (RegistryOptions.KeepGenerations); a process whose read is so old that
// its generation was deleted and is then written again sees, after
// writing, that newer generations exist, and retries as well. A Registry
// is safe for concurrent use.
type Registry struct {
	store  storage.Store
	dir    string
	now    func() time.Time
	stores func(string) (storage.Store, error)
	keep   int // generations kept; 0: all
}

// NewRegistry returns a registry kept in store. It does no I/O.
func NewRegistry(store storage.Store, opts *RegistryOptions) (*Registry, error) {
	var o RegistryOptions
	if opts != nil {
		o = *opts
	}
	if store == nil {
		return nil, errors.New("subscription: NewRegistry: nil store")
	}
	r := &Registry{store: store, dir: o.Dir, now: o.Now, stores: o.Stores, keep: o.KeepGenerations}
	switch {
	case r.keep == 0:
		r.keep = 16
	case r.keep < 0:
		r.keep = 0
	}
	if r.dir == "" {
		r.dir = "_subscriptions"
	}
	if r.now == nil {
		r.now = time.Now
	}
	if !storage.ValidElement(r.dir) {
		return nil, fmt.Errorf("subscription: NewRegistry: directory %q is not a single valid key element", r.dir)
	}
	return r, nil
}

// numDigits is the width of the numbers in the registry's keys (the
// generations', the held events' timestamps), so that key order is numeric.
const numDigits = 19

// log returns the generations of subscription id:
// "<dir>/subscriptions/<id>/<generation, 19 digits>.json".
func (r *Registry) log(id string) *generation.Log {
	return &generation.Log{
		Store: r.store, Dir: r.dir + "/subscriptions/" + id + "/", Digits: numDigits, Ext: ".json",
		Keep: r.keep, Retries: 100, ContentType: "application/json",
	}
}

// change creates the next generation of subscription id, computed by next
// from the newest (0 and nil when there is none), as generation.Log.Append
// does, and maps the log's errors to the package's.
func (r *Registry) change(ctx context.Context, id string, next func(last int64, data []byte) (int64, []byte, error)) error {
	if !storage.ValidElement(id) {
		return fmt.Errorf("%w: subscription id %q", ErrInvalid, id)
	}
	_, _, err := r.log(id).Append(ctx, next)
	if errors.Is(err, generation.ErrContention) {
		return fmt.Errorf("%w: subscription %s: %w", ErrTooManyConflict, id, err)
	}
	return err
}

// latest returns the newest generation of subscription id.
func (r *Registry) latest(ctx context.Context, id string) (*Subscription, error) {
	if !storage.ValidElement(id) {
		return nil, fmt.Errorf("%w: subscription id %q", ErrInvalid, id)
	}
	log := r.log(id)
	n, data, err := log.Latest(ctx)
	if errors.Is(err, generation.ErrContention) {
		return nil, fmt.Errorf("%w: subscription %s: %w", ErrTooManyConflict, id, err)
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: subscription %s", ErrNotFound, id)
	}
	return decode(log.Key(n), data)
}

// decode decodes the generation stored under key.
func decode(key string, data []byte) (*Subscription, error) {
	var s Subscription
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("subscription: %s is damaged: %w", key, err)
	}
	return &s, nil
}

// encode validates s and encodes it as a generation.
func encode(s *Subscription) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(s, "", "  ")
}

// Create stores a new subscription. Its entities must all be new (their
// change time is set to now when zero). It fails with a *ValidationError
// (matching ErrInvalid, and ErrNoDestination without a destination) or
// ErrExists.
func (r *Registry) Create(ctx context.Context, s *Subscription) (*Subscription, error) {
	c := s.clone()
	c.Generation = 1
	for i := range c.Entities {
		e := &c.Entities[i]
		if e.Status == "" {
			e.Status = StatusNew
		}
		if e.Status != StatusNew {
			return nil, fmt.Errorf("%w: entity %s: a new subscription's entities are new, not %s", ErrTransition, e.ID, e.Status)
		}
		if e.Changed.IsZero() {
			e.Changed = r.now().UTC()
		}
	}
	slices.SortFunc(c.Entities, func(a, b Entity) int { return strings.Compare(a.ID, b.ID) })
	data, err := encode(c)
	if err != nil {
		return nil, err
	}
	err = r.change(ctx, c.ID, func(last int64, _ []byte) (int64, []byte, error) {
		if last != 0 {
			return 0, nil, fmt.Errorf("%w: %s", ErrExists, c.ID)
		}
		return 1, data, nil
	})
	if err != nil {
		return nil, err
	}
	return c.clone(), nil
}

// Get returns the current version of subscription id, or ErrNotFound.
func (r *Registry) Get(ctx context.Context, id string) (*Subscription, error) {
	return r.latest(ctx, id)
}

// List yields the current version of every subscription, by id.
func (r *Registry) List(ctx context.Context) iter.Seq2[*Subscription, error] {
	return func(yield func(*Subscription, error) bool) {
		prefix := r.dir + "/subscriptions/"
		var lastID, lastKey string
		flush := func() bool {
			if lastKey == "" {
				return true
			}
			data, err := storage.ReadAll(ctx, r.store, lastKey)
			var s *Subscription
			switch {
			case errors.Is(err, storage.ErrNotExist):
				s, err = r.latest(ctx, lastID) // compacted meanwhile
			case err == nil:
				s, err = decode(lastKey, data)
			}
			if !yield(s, err) || err != nil {
				return false
			}
			return true
		}
		for key, err := range storage.Keys(ctx, r.store, prefix) {
			if err != nil {
				yield(nil, err)
				return
			}
			id, _, _ := strings.Cut(strings.TrimPrefix(key, prefix), "/")
			if id != lastID && !flush() {
				return
			}
			lastID, lastKey = id, key
		}
		flush()
	}
}

// errNoChange tells Update that fn changed nothing.
var errNoChange = errors.New("no change")

// Update applies fn to a copy of the current version of subscription id and
// stores the result as the next generation. If another process stored that
// generation first, it reads the newer version and applies fn again: fn
// must be a pure function of the subscription it is given, and applying it
// to a subscription it already changed must change nothing. fn's error is
// returned as is; after 100 generations taken by others, an error matching
// ErrTooManyConflict.
func (r *Registry) Update(ctx context.Context, id string, fn func(*Subscription) error) (*Subscription, error) {
	var out *Subscription
	err := r.change(ctx, id, func(last int64, data []byte) (int64, []byte, error) {
		if last == 0 {
			return 0, nil, fmt.Errorf("%w: subscription %s", ErrNotFound, id)
		}
		cur, err := decode(r.log(id).Key(last), data)
		if err != nil {
			return 0, nil, err
		}
		next := cur.clone()
		if err := fn(next); errors.Is(err, errNoChange) {
			out = cur
			return 0, nil, generation.ErrSkip
		} else if err != nil {
			return 0, nil, err
		}
		next.Generation = last + 1
		out = next
		data, err = encode(next)
		return next.Generation, data, err
	})
	if err != nil {
		return nil, err
	}
	return out.clone(), nil
}

// setStatus changes the status of entity in s, enforcing the life cycle:
// new → initializing → ready; any → removed; ready → new when the
// destination changes; nothing after removed.
func setStatus(s *Subscription, entity string, to Status, at time.Time) error {
	e, ok := s.Entity(entity)
	if !ok {
		return fmt.Errorf("%w: %s in subscription %s", ErrUnknownEntity, entity, s.ID)
	}
	from := e.Status
	allowed := map[Status][]Status{
		StatusNew:          {StatusInitializing, StatusRemoved},
		StatusInitializing: {StatusReady, StatusRemoved, StatusNew},
		StatusReady:        {StatusRemoved, StatusNew},
	}
	if from == to {
		return errNoChange
	}
	if !slices.Contains(allowed[from], to) {
		return fmt.Errorf("%w: entity %s from %s to %s", ErrTransition, entity, from, to)
	}
	e.Status, e.Changed = to, at.UTC()
	if to == StatusInitializing {
		e.SnapshotAt = at.UTC()
	}
	if to == StatusNew {
		e.SnapshotAt = time.Time{}
	}
	return nil
}

// AddEntity adds entity to subscription id as new. Adding an entity already
// there changes nothing; adding back a removed one is refused
// (ErrTransition): its destination already holds files of its past.
func (r *Registry) AddEntity(ctx context.Context, id, entity string) (*Subscription, error) {
	return r.Update(ctx, id, func(s *Subscription) error {
		if e, ok := s.Entity(entity); ok {
			if e.Status == StatusRemoved {
				return fmt.Errorf("%w: entity %s was removed from subscription %s", ErrTransition, entity, id)
			}
			return errNoChange
		}
		s.Entities = append(s.Entities, Entity{ID: entity, Status: StatusNew, Changed: r.now().UTC()})
		slices.SortFunc(s.Entities, func(a, b Entity) int { return strings.Compare(a.ID, b.ID) })
		return nil
	})
}

// RemoveEntity marks entity removed: its events are no longer delivered,
// its files stay in the destination. It fails with ErrUnknownEntity.
func (r *Registry) RemoveEntity(ctx context.Context, id, entity string) (*Subscription, error) {
	return r.Update(ctx, id, func(s *Subscription) error { return setStatus(s, entity, StatusRemoved, r.now()) })
}

// SetDestination changes where subscription id delivers. Its entities that
// are not removed become new: they must be initialized in the new
// destination before live events flow there.
func (r *Registry) SetDestination(ctx context.Context, id string, d Destination) (*Subscription, error) {
	return r.Update(ctx, id, func(s *Subscription) error {
		if s.Destination == d {
			return errNoChange
		}
		s.Destination = d
		for _, e := range s.Entities {
			if e.Status != StatusRemoved && e.Status != StatusNew {
				if err := setStatus(s, e.ID, StatusNew, r.now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
