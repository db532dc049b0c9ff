package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
)

// Replica is an in-memory copy of one entity's data, built by applying its
// events in order: what a consumer keeps in sync with a sink.
//
//   - Inserted puts the object.
//   - Updated merges the event's changed fields into the current version.
//     An update of an object the replica does not hold is an error matching
//     ErrUnknownObject, unless it carries every field (as the
//     initialization sends parameters): then it is the object's version.
//   - Deleted removes it. An entry's deletion with miseAJour followed by
//     its insertion (the platform's entry update) replaces it.
//
// An event older than the version the replica holds (by payload timestamp)
// never overwrites it, and is reported as not applied: deletions leave a
// tombstone with their timestamp, so that a late insertion of an older
// version does not bring a deleted object back. Events of equal timestamps
// apply in the order given, except that an entry deletion marked miseAJour
// never removes an insertion of the same timestamp: it is the other half of
// the same update, whichever comes first.
//
// A Replica is not safe for concurrent use.
type Replica struct {
	entity  string
	objects map[Object]map[string]*version
}

type version struct {
	ts   int64
	data any // nil: deleted
}

// ErrUnknownObject is returned by [Replica.Apply] for an update of an object
// the replica does not hold.
var ErrUnknownObject = errors.New("sink: update of an object the replica does not hold")

// NewReplica returns an empty replica of entity.
func NewReplica(entity string) *Replica {
	return &Replica{entity: entity, objects: map[Object]map[string]*version{}}
}

// Apply applies ev and reports whether it changed the replica: false, with a
// nil error, for an event older than the version held. The replica keeps
// ev.Data (or a merged copy of it for an update): do not modify it after.
//
// Errors: ErrUnknownObject, ErrEntity for an event of another entity, and a
// *PayloadError for an invalid event. The replica is unchanged on error.
func (r *Replica) Apply(ev *Event) (bool, error) {
	if ev.EntityID != r.entity {
		return false, fmt.Errorf("%w: event of entity %q applied to the replica of %q", ErrEntity, ev.EntityID, r.entity)
	}
	if err := ev.Validate(); err != nil {
		return false, err
	}
	o := ev.Name.Object()
	byID := r.objects[o]
	if byID == nil {
		byID = map[string]*version{}
		r.objects[o] = byID
	}
	cur := byID[ev.ID]
	if cur != nil && cur.ts > ev.Timestamp {
		return false, nil
	}
	// The first half of an entry update never removes the version it
	// precedes: in a sink fed by Kafka the two halves come from two topics,
	// and their files may be listed in either order.
	if ev.Update && cur != nil && cur.data != nil && cur.ts == ev.Timestamp {
		return false, nil
	}
	switch ev.Name.Action() {
	case Inserted:
		byID[ev.ID] = &version{ts: ev.Timestamp, data: ev.Data}
	case Deleted:
		byID[ev.ID] = &version{ts: ev.Timestamp}
	case Updated:
		if cur == nil || cur.data == nil {
			// An update carrying every field is a complete version: the
			// initialization sends parameters that way.
			fields, err := fieldsOf(o)
			if err != nil {
				return false, err
			}
			if !containsAll(ev.Changed, fields) {
				return false, fmt.Errorf("%w: %s %s", ErrUnknownObject, o, ev.ID)
			}
			byID[ev.ID] = &version{ts: ev.Timestamp, data: ev.Data}
			return true, nil
		}
		merged, err := merge(cur.data, ev)
		if err != nil {
			return false, err
		}
		byID[ev.ID] = &version{ts: ev.Timestamp, data: merged}
	}
	return true, nil
}

func containsAll(set, want []string) bool {
	for _, w := range want {
		if !slices.Contains(set, w) {
			return false
		}
	}
	return true
}

// merge returns a new value of cur's type holding cur's fields, overwritten
// by the changed fields of the update ev.
func merge(cur any, ev *Event) (any, error) {
	fail := func(err error) (any, error) {
		return nil, &PayloadError{Event: ev.Name, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
	}
	cb, err := json.Marshal(cur)
	if err != nil {
		return fail(err)
	}
	ub, err := json.Marshal(ev.Data)
	if err != nil {
		return fail(err)
	}
	cm, err := splitObject(cb)
	if err != nil {
		return nil, err
	}
	um, err := splitObject(ub)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range cm {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(&b, m.key)
		b.WriteByte(':')
		v := m.value
		if slices.Contains(ev.Changed, m.key) {
			for _, u := range um {
				if u.key == m.key {
					v = u.value
				}
			}
		}
		b.Write(v)
	}
	b.WriteByte('}')
	out := newData(ev.Name.Object())
	if err := json.Unmarshal(b.Bytes(), out); err != nil {
		return fail(err)
	}
	return out, nil
}

// Get returns the current version of an object, or false when the replica
// does not hold it (never inserted, or deleted). The value is the replica's:
// do not modify it.
func (r *Replica) Get(o Object, id string) (any, bool) {
	v := r.objects[o][id]
	if v == nil || v.data == nil {
		return nil, false
	}
	return v.data, true
}

// Objects yields the objects of type o the replica holds, in id order.
func (r *Replica) Objects(o Object) iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		byID := r.objects[o]
		for _, id := range slices.Sorted(maps.Keys(byID)) {
			if v := byID[id]; v.data != nil && !yield(id, v.data) {
				return
			}
		}
	}
}

// Len returns how many objects of type o the replica holds.
func (r *Replica) Len(o Object) int {
	n := 0
	for _, v := range r.objects[o] {
		if v.data != nil {
			n++
		}
	}
	return n
}
