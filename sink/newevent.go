package sink

import (
	"errors"
	"fmt"

	"github.com/ledgersink/ledgersink/entry"
)

// ErrUnchanged is returned by [NewUpdated] when the two versions of an
// object have the same fields: there is no event to send.
var ErrUnchanged = errors.New("sink: nothing changed")

// NewInserted returns the Inserted event of an object whose payload is data
// (a *[Account], an *entry.Entry, ...; see [ObjectOf]). The event holds data
// itself, not a copy.
//
// Errors: a *PayloadError matching ErrPayload when data is not a payload or
// env is incomplete (see [Event.Validate]).
func NewInserted(env Envelope, data any) (*Event, error) {
	o, ok := ObjectOf(data)
	if !ok {
		return nil, &PayloadError{Err: fmt.Errorf("%w: data of type %T is not a sink payload", ErrPayload, data)}
	}
	return newEvent(&Event{Name: eventName(o, Inserted), Envelope: env, Data: data})
}

// NewUpdated returns the Updated event that turns old into new, two
// payloads of the same object: Data is new (not a copy) and Changed lists
// the fields whose JSON values differ, as [Changes] computes them. An entry
// has no Updated event: use [NewEntryUpdate].
//
// Errors: ErrUnchanged when no field differs; an error matching
// ErrNoSuchEvent for an entry or a reconciliation; a *PayloadError matching
// ErrPayload when old and new are not payloads of one object or env is
// incomplete.
func NewUpdated(env Envelope, old, new any) (*Event, error) {
	o, ok := ObjectOf(new)
	if !ok {
		return nil, &PayloadError{Err: fmt.Errorf("%w: data of type %T is not a sink payload", ErrPayload, new)}
	}
	name, err := NameOf(o, Updated)
	if err != nil {
		return nil, err
	}
	changed, err := Changes(old, new)
	if err != nil {
		return nil, &PayloadError{Event: name, Err: err}
	}
	if len(changed) == 0 {
		return nil, fmt.Errorf("%w: %s %s", ErrUnchanged, o, env.ID)
	}
	return newEvent(&Event{Name: name, Envelope: env, Data: new, Changed: changed})
}

// NewDeleted returns the Deleted event of object o: the envelope only. (An
// entry deleted as the first half of its update is made by
// [NewEntryUpdate].)
//
// Errors: an error matching ErrNoSuchEvent for a reconciliation, which is
// never deleted, or an invalid object; a *PayloadError when env is
// incomplete.
func NewDeleted(env Envelope, o Object) (*Event, error) {
	name, err := NameOf(o, Deleted)
	if err != nil {
		return nil, err
	}
	return newEvent(&Event{Name: name, Envelope: env})
}

// NewEntryUpdate returns the two events of an entry's update, in the order
// they are written: an EntryDeleted marked miseAJour, then the
// EntryInserted of the new version e (not a copy). Both carry env.
//
// Errors: a *PayloadError matching ErrPayload when e is nil or env is
// incomplete.
func NewEntryUpdate(env Envelope, e *entry.Entry) ([]*Event, error) {
	if e == nil {
		return nil, &PayloadError{Event: EntryInserted, Err: fmt.Errorf("%w: nil entry", ErrPayload)}
	}
	del, err := newEvent(&Event{Name: EntryDeleted, Envelope: env, Update: true})
	if err != nil {
		return nil, err
	}
	ins, err := newEvent(&Event{Name: EntryInserted, Envelope: env, Data: e})
	if err != nil {
		return nil, err
	}
	return []*Event{del, ins}, nil
}

// eventName is NameOf for a pair known to exist.
func eventName(o Object, a Action) EventName { return EventName(eventPrefix + string(o) + string(a)) }

func newEvent(ev *Event) (*Event, error) {
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return ev, nil
}
