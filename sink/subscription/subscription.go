package subscription

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/internal/problem"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
)

// Status is the state of an entity in a subscription.
type Status string

// The statuses of an entity, in the order of its life.
const (
	// New: added, not initialized yet. Live events are held, not lost.
	StatusNew Status = "new"
	// Initializing: its initialization is running, or was interrupted and
	// will be finished by the next Initialize. Live events are held.
	StatusInitializing Status = "initializing"
	// Ready: initialized; live events are delivered.
	StatusReady Status = "ready"
	// Removed: no longer delivered; its files stay in the destination.
	StatusRemoved Status = "removed"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	return s == StatusNew || s == StatusInitializing || s == StatusReady || s == StatusRemoved
}

// Entity is an entity (an accounting file, dossier) of a subscription.
type Entity struct {
	ID      string    `json:"id"`
	Status  Status    `json:"status"`
	Changed time.Time `json:"changed"` // when the status last changed
	// SnapshotAt is when its initialization began: its sources reflect the
	// data as of then or later, and live events held meanwhile that are
	// newer are delivered once it is ready. Zero before initializing.
	SnapshotAt time.Time `json:"snapshotAt,omitzero"`
}

// Destination is where a subscription's files go: a store, by the name the
// registry resolves (see [RegistryOptions.Stores]), and an optional key
// prefix under which the entities' directories are written.
type Destination struct {
	Store  string `json:"store"`
	Prefix string `json:"prefix,omitempty"` // "" or a valid key prefix ending in "/"
}

// Subscription says which events of which entities flow to which
// destination.
type Subscription struct {
	ID          string           `json:"id"`     // a single valid key element
	Domain      string           `json:"domain"` // the platform's domain, such as "LOOP"
	Destination Destination      `json:"destination"`
	Events      []sink.EventName `json:"events,omitempty"` // the events it wants; empty means all
	Entities    []Entity         `json:"entities"`         // sorted by id
	// Generation counts the versions the registry stored; set by the registry.
	Generation int64 `json:"generation"`
}

// Wants reports whether the subscription wants events named n.
func (s *Subscription) Wants(n sink.EventName) bool {
	return len(s.Events) == 0 || slices.Contains(s.Events, n)
}

// Entity returns the entity id of the subscription, or false.
func (s *Subscription) Entity(id string) (*Entity, bool) {
	i := slices.IndexFunc(s.Entities, func(e Entity) bool { return e.ID == id })
	if i < 0 {
		return nil, false
	}
	return &s.Entities[i], true
}

// Errors of the package.
var (
	ErrInvalid         = errors.New("subscription: invalid")
	ErrNotFound        = errors.New("subscription: not found")
	ErrExists          = errors.New("subscription: already exists")
	ErrUnknownEntity   = errors.New("subscription: unknown entity")
	ErrTransition      = errors.New("subscription: status change not allowed")
	ErrNoDestination   = errors.New("subscription: no destination")
	ErrUnknownStore    = errors.New("subscription: unknown store")
	ErrDays            = errors.New("subscription: a partial re-initialization covers 1 to 20 days")
	ErrTooManyConflict = errors.New("subscription: too many concurrent edits")
)

// Problem is one thing wrong with a subscription: Path, a JSON Pointer
// into it ("/entities/2/status"); Rule, a stable code ("required", "id",
// "prefix", "event", "duplicate", "status"); Message, for humans; and Err,
// a sentinel (ErrInvalid, or ErrNoDestination for a missing store). Error
// returns "path: message [rule]"; Unwrap returns Err.
type Problem = problem.Field[string]

// ValidationError lists the problems of a subscription (Fields), sorted by
// path. Error returns "subscription: N problem(s):" then one line per
// problem; it matches ErrInvalid, and Unwrap returns the problems, so that
// their sentinels match too.
type ValidationError = problem.List[string]

// Validate returns nil or a *ValidationError listing every problem: an id
// that is not a single key element, an empty domain, no destination store,
// a bad prefix, unknown or repeated event names, entities with an empty or
// invalid or repeated id, an unknown status, or no change time.
func (s *Subscription) Validate() error {
	ps := problem.Collector[string]{Subject: "subscription", Err: ErrInvalid}
	add := func(path, rule, msg string, err error) {
		ps.Add(&Problem{Path: path, Rule: rule, Message: msg, Err: err})
	}
	if !storage.ValidElement(s.ID) {
		add("/id", "id", fmt.Sprintf("%q is not a single valid key element", s.ID), ErrInvalid)
	}
	if s.Domain == "" {
		add("/domain", "required", "empty", ErrInvalid)
	}
	if s.Destination.Store == "" {
		add("/destination/store", "required", "no destination store", ErrNoDestination)
	}
	if p := s.Destination.Prefix; p != "" && (!strings.HasSuffix(p, "/") || !storage.ValidKey(strings.TrimSuffix(p, "/"))) {
		add("/destination/prefix", "prefix", fmt.Sprintf("%q is not a valid key prefix ending in /", p), ErrInvalid)
	}
	events := make(map[sink.EventName]bool, len(s.Events))
	for i, n := range s.Events {
		path := fmt.Sprintf("/events/%d", i)
		if !n.Valid() || n == sink.DailyReport {
			add(path, "event", fmt.Sprintf("%q is not a sink event", n), ErrInvalid)
		}
		if events[n] {
			add(path, "duplicate", fmt.Sprintf("%s listed twice", n), ErrInvalid)
		}
		events[n] = true
	}
	ids := make(map[string]bool, len(s.Entities))
	for i, e := range s.Entities {
		path := fmt.Sprintf("/entities/%d", i)
		if !storage.ValidElement(e.ID) {
			add(path+"/id", "id", fmt.Sprintf("%q is not a single valid key element", e.ID), ErrInvalid)
		}
		if ids[e.ID] {
			add(path+"/id", "duplicate", fmt.Sprintf("entity %s listed twice", e.ID), ErrInvalid)
		}
		ids[e.ID] = true
		if !e.Status.Valid() {
			add(path+"/status", "status", fmt.Sprintf("unknown status %q", e.Status), ErrInvalid)
		}
		if e.Changed.IsZero() {
			add(path+"/changed", "required", "no change time", ErrInvalid)
		}
	}
	return ps.Result()
}

// clone returns a deep copy of s.
func (s *Subscription) clone() *Subscription {
	c := *s
	c.Events = slices.Clone(s.Events)
	c.Entities = slices.Clone(s.Entities)
	return &c
}
