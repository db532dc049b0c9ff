package subscription

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// kept: a change deletes those that many before it, so that reading a
	// subscription lists a bounded number of files. 0 means 16; a negative
	// value keeps every generation.
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
	keep   int64 // generations kept; 0: all
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
	r := &Registry{store: store, dir: o.Dir, now: o.Now, stores: o.Stores, keep: int64(o.KeepGenerations)}
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

const genDigits = 19

func (r *Registry) subDir(id string) string { return r.dir + "/subscriptions/" + id + "/" }

// latest returns the newest generation of subscription id. A generation
// deleted by compaction between listing and reading means a newer one was
// written: it lists again.
func (r *Registry) latest(ctx context.Context, id string) (*Subscription, error) {
	if !storage.ValidElement(id) {
		return nil, fmt.Errorf("%w: subscription id %q", ErrInvalid, id)
	}
	for {
		last := ""
		for key, err := range storage.Keys(ctx, r.store, r.subDir(id)) {
			if err != nil {
				return nil, err
			}
			last = key
		}
		if last == "" {
			return nil, fmt.Errorf("%w: subscription %s", ErrNotFound, id)
		}
		s, err := r.read(ctx, last)
		if !errors.Is(err, storage.ErrNotExist) {
			return s, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (r *Registry) read(ctx context.Context, key string) (*Subscription, error) {
	data, err := storage.ReadAll(ctx, r.store, key)
	if err != nil {
		return nil, err
	}
	var s Subscription
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("subscription: %s is damaged: %w", key, err)
	}
	return &s, nil
}

// write stores s as its generation, create-only.
func (r *Registry) write(ctx context.Context, s *Subscription) error {
	if err := s.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	key := r.subDir(s.ID) + fmt.Sprintf("%0*d.json", genDigits, s.Generation)
	return r.store.Put(ctx, key, bytes.NewReader(data), &storage.PutOptions{IfNotExist: true, ContentType: "application/json"})
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
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if _, err := r.latest(ctx, c.ID); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, c.ID)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err := r.write(ctx, c); err != nil {
		if errors.Is(err, storage.ErrExist) {
			return nil, fmt.Errorf("%w: %s", ErrExists, c.ID)
		}
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
			s, err := r.read(ctx, lastKey)
			if errors.Is(err, storage.ErrNotExist) {
				s, err = r.latest(ctx, lastID) // compacted meanwhile
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
// returned as is.
func (r *Registry) Update(ctx context.Context, id string, fn func(*Subscription) error) (*Subscription, error) {
	for range 100 {
		cur, err := r.latest(ctx, id)
		if err != nil {
			return nil, err
		}
		next := cur.clone()
		if err := fn(next); errors.Is(err, errNoChange) {
			return cur, nil
		} else if err != nil {
			return nil, err
		}
		next.Generation = cur.Generation + 1
		err = r.write(ctx, next)
		if errors.Is(err, storage.ErrExist) {
			continue // another process took this generation: read it
		}
		if err != nil {
			return nil, err
		}
		if won, err := r.compact(ctx, next); err != nil || won {
			if err != nil {
				return nil, err
			}
			return next.clone(), nil
		}
	}
	return nil, fmt.Errorf("%w: subscription %s", ErrTooManyConflict, id)
}

// compact checks that s, just written, is not a generation deleted long ago
// and written again by a process that read a state that old: it is then
// superseded by generations at least KeepGenerations newer, and compact
// reports false. Otherwise it deletes, best effort, the generations that
// many before s (and any older one left by an earlier failed deletion) and
// reports true. A generation less than KeepGenerations below the newest
// cannot have been deleted, so the newer ones were built on s.
func (r *Registry) compact(ctx context.Context, s *Subscription) (bool, error) {
	if r.keep == 0 {
		return true, nil
	}
	var old []string
	newest := s.Generation
	for key, err := range storage.Keys(ctx, r.store, r.subDir(s.ID)) {
		if err != nil {
			return false, err
		}
		gen, ok := generationOf(key)
		if !ok {
			continue
		}
		newest = max(newest, gen)
		if gen <= s.Generation-r.keep {
			old = append(old, key)
		}
	}
	if newest >= s.Generation+r.keep {
		return false, nil
	}
	for _, key := range old {
		_ = r.store.Delete(ctx, key) // a failure leaves a file the next change deletes
	}
	return true, nil
}

// generationOf parses the generation number of a generation's key.
func generationOf(key string) (int64, bool) {
	base := key[strings.LastIndexByte(key, '/')+1:]
	digits, ok := strings.CutSuffix(base, ".json")
	if !ok || len(digits) != genDigits {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil
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
