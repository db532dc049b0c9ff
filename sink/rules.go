package sink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
)

// WriteRule names a rule that every write path applies and that
// [WriterOptions.Skip] can turn off.
type WriteRule string

// The rules that can be turned off.
const (
	// RuleEntryValidation: every entry written (an EntryInserted event)
	// passes [entry.Entry.Validate] with [WriterOptions.EntryValidation],
	// balance and the other business rules included. An invalid entry
	// fails the write, which writes nothing, with a *PayloadError wrapping
	// the *entry.ValidationError.
	RuleEntryValidation WriteRule = "entry-validation"
)

// CheckEvent checks ev as every write path of a writer with opts does
// before writing anything: the event is complete ([Event.Validate]), its
// entity id can name a directory, and, unless opts.Skip holds
// [RuleEntryValidation], an entry passes the business rules. The period
// scope, which needs the entity's calendar, is not checked: it leaves
// entries out rather than failing. opts may be nil.
//
// Callers that keep events before writing them (a dispatcher holding live
// events until an initialization is done, change capture recording a
// snapshot) call it so that an event that would be refused later is
// refused now.
//
// Errors: nil, ErrEntity, or a *PayloadError matching ErrPayload; for an
// invalid entry it wraps the *entry.ValidationError, so that
// errors.Is(err, entry.ErrUnbalanced) works.
func CheckEvent(ev *Event, opts *WriterOptions) error {
	var o WriterOptions
	if opts != nil {
		o = *opts
	}
	return checkEvent(ev, rules{skip: o.Skip, entryOpts: o.EntryValidation}, cmpOr(o.StateDir, DefaultStateDir))
}

// Check is [CheckEvent] with the writer's options.
func (w *Writer) Check(ev *Event) error { return checkEvent(ev, w.rules, w.stateDir) }

func checkEvent(ev *Event, r rules, stateDir string) error {
	if ev == nil {
		return errNilEvent
	}
	if err := ev.Validate(); err != nil {
		return err
	}
	if err := checkEntity(ev.EntityID, stateDir); err != nil {
		return err
	}
	return r.checkEntry(ev)
}

// errNilEvent is the cause of a *WriteError for a nil event.
var errNilEvent = errors.New("sink: nil event")

// rules are the write rules of a writer.
type rules struct {
	skip      []WriteRule
	entryOpts *entry.ValidateOptions
}

// checkEntry applies the business rules of entries to ev when it inserts
// one, unless they are skipped.
func (r rules) checkEntry(ev *Event) error {
	if ev.Name != EntryInserted || slices.Contains(r.skip, RuleEntryValidation) {
		return nil
	}
	e, ok := entryOf(ev.Data)
	if !ok {
		return payloadError(ev.Name, "", "data of type %T, want *entry.Entry", ev.Data)
	}
	if err := r.validate(e); err != nil {
		return &PayloadError{Event: ev.Name, Err: fmt.Errorf("%w: entry %s: %w", ErrPayload, ev.ID, err)}
	}
	return nil
}

// validate applies the business rules to e, unless they are skipped, and
// returns nil or e's *entry.ValidationError.
func (r rules) validate(e *entry.Entry) error {
	if slices.Contains(r.skip, RuleEntryValidation) {
		return nil
	}
	return e.Validate(r.entryOpts)
}

// entryOf returns the entry of an entry payload, given as a pointer or a
// value.
func entryOf(data any) (*entry.Entry, bool) {
	switch e := data.(type) {
	case *entry.Entry:
		return e, e != nil
	case entry.Entry:
		return &e, true
	}
	return nil, false
}

// entryDate returns the date of the entry ev inserts, or false for any
// other event: the period scope applies to entries only.
func entryDate(ev *Event) (period.Date, bool) {
	if ev == nil || ev.Name != EntryInserted {
		return period.Date{}, false
	}
	e, ok := entryOf(ev.Data)
	if !ok {
		return period.Date{}, false
	}
	return e.Date, true
}

// scopes caches, for one call, the period scope of each entity a write
// touches (nil when its calendar is unknown).
type scopes map[string]*period.Scope

// inScope reports whether ev is written under the period scope: an entry
// dated outside the scope of its entity's calendar is not. Without a
// calendar (WriterOptions.Calendar unset, or nil for the entity) every
// event is.
func (w *Writer) inScope(ctx context.Context, cache scopes, ev *Event) (bool, error) {
	d, ok := entryDate(ev)
	if !ok || w.calendar == nil {
		return true, nil
	}
	s, ok := cache[ev.EntityID]
	if !ok {
		var err error
		if s, err = w.scopeOf(ctx, ev.EntityID); err != nil {
			return false, err
		}
		cache[ev.EntityID] = s
	}
	return s == nil || s.Contains(d), nil
}

// scopeOf returns the period scope of entity's live events: that of its
// calendar, as of its initialization by a writer of this store (newly
// created exercises included), or nil when the calendar is unknown. A
// calendar without exercise gives the empty scope, as for an
// initialization.
func (w *Writer) scopeOf(ctx context.Context, entity string) (*period.Scope, error) {
	cal, err := w.calendar(ctx, entity)
	if err != nil {
		return nil, fmt.Errorf("sink: calendar of entity %s: %w", entity, err)
	}
	if cal == nil {
		return nil, nil
	}
	started, err := w.initStarted(ctx, entity)
	if err != nil {
		return nil, err
	}
	s, err := cal.Scope(started)
	if err != nil && !errors.Is(err, period.ErrNoExercise) {
		return nil, fmt.Errorf("sink: calendar of entity %s: %w", entity, err)
	}
	return &s, nil
}

// initStarted returns the instant entity's initialization began, or zero
// when it was not initialized by a writer of this sink. Its record says it;
// when the record is missing, the entity's folder tells it (its
// initialization report and files, as the writer's first listing of the
// folder found them). A found instant is kept: it never changes.
func (w *Writer) initStarted(ctx context.Context, entity string) (time.Time, error) {
	w.mu.Lock()
	t, ok := w.started[entity]
	w.mu.Unlock()
	if ok {
		return t, nil
	}
	rec, ok, err := w.readStarted(ctx, entity)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		if rec.Started, err = w.startedFromFolder(ctx, entity); err != nil || rec.Started.IsZero() {
			return time.Time{}, err
		}
	}
	w.setStarted(entity, rec.Started)
	return rec.Started, nil
}

func (w *Writer) setStarted(entity string, t time.Time) {
	w.mu.Lock()
	w.started[entity] = t
	w.mu.Unlock()
}
