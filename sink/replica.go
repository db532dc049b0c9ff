package sink

import (
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/ledgersink/ledgersink/entry"
)

// Replica is an in-memory copy of one entity's data, built by applying its
// events: what a consumer keeps in sync with a sink. Each object is an
// [ObjectState], whose merge rules make the result the same whatever the
// order of the events, re-deliveries included: a sink fed by Kafka (offsets
// per topic), files listed late, a suffix read again. In short:
//
//   - Each field holds the value of the newest event (by payload timestamp)
//     that set it; an update of a field is never lost to an older event,
//     and an update that comes before its insertion waits for it.
//   - Deletions leave tombstones by timestamp: an older insertion delivered
//     late does not bring a deleted object back. An entry update (its
//     deletion marked miseAJour, then its insertion) replaces the entry in
//     either order.
//   - Two events of one object with the same timestamp and other content
//     are a conflict: [Replica.Apply] reports it, and resolves it the same
//     way in every order.
//
// A Replica is not safe for concurrent use.
type Replica struct {
	entity  string
	objects map[Object]map[string]*ObjectState
}

// NewReplica returns an empty replica of entity.
func NewReplica(entity string) *Replica {
	return &Replica{entity: entity, objects: map[Object]map[string]*ObjectState{}}
}

// Apply merges ev into the replica and tells what it did: [Applied],
// [Unchanged] (an older event or an identical re-delivery) or [Conflict].
// The replica may keep ev.Data: do not modify it after.
//
// Errors: ErrEntity for an event of another entity, and a *PayloadError for
// an invalid event. The replica is unchanged on error.
func (r *Replica) Apply(ev *Event) (Outcome, error) {
	if ev.EntityID != r.entity {
		return Unchanged, fmt.Errorf("%w: event of entity %q applied to the replica of %q", ErrEntity, ev.EntityID, r.entity)
	}
	o := ev.Name.Object()
	byID := r.objects[o]
	if byID == nil {
		byID = map[string]*ObjectState{}
		r.objects[o] = byID
	}
	st := byID[ev.ID]
	if st == nil {
		st = new(ObjectState)
	}
	out, err := st.Apply(ev)
	if err != nil {
		return Unchanged, err
	}
	byID[ev.ID] = st
	return out, nil
}

// State returns what the replica knows of an object, visible or not (nil
// when no event of it was applied). The state is the replica's: do not
// apply events to it.
func (r *Replica) State(o Object, id string) *ObjectState { return r.objects[o][id] }

// Get returns the current version of an object (a pointer: *Account,
// *entry.Entry, ...), or false when the replica does not hold it (never
// inserted, or deleted). The value is the replica's: do not modify it. See
// the generic [Get] for a typed result.
func (r *Replica) Get(o Object, id string) (any, bool) {
	st := r.objects[o][id]
	if st == nil {
		return nil, false
	}
	return st.Data()
}

// Objects yields the objects of type o the replica holds, in id order. See
// the generic [All] for typed values.
func (r *Replica) Objects(o Object) iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		byID := r.objects[o]
		for _, id := range slices.Sorted(maps.Keys(byID)) {
			if v, ok := byID[id].Data(); ok && !yield(id, v) {
				return
			}
		}
	}
}

// Len returns how many objects of type o the replica holds.
func (r *Replica) Len(o Object) int {
	n := 0
	for _, st := range r.objects[o] {
		if st.Exists() {
			n++
		}
	}
	return n
}

// Payload is the set of the sink's typed payloads, for [Get] and [All].
type Payload interface {
	*Account | *BankAccount | *entry.Entry | *Journal | *Parameter | *Period |
		*Section | *ThirdParty | *VAT | *Branch | *Reconciliation
}

// Get returns the current version of the object id of type T, or false
// when r does not hold it: sink.Get[*entry.Entry](r, id).
func Get[T Payload](r *Replica, id string) (T, bool) {
	var zero T
	o, _ := ObjectOf(zero)
	v, ok := r.Get(o, id)
	if !ok {
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}

// All yields the objects of type T that r holds, in id order:
// for id, e := range sink.All[*entry.Entry](r).
func All[T Payload](r *Replica) iter.Seq2[string, T] {
	var zero T
	o, _ := ObjectOf(zero)
	return func(yield func(string, T) bool) {
		for id, v := range r.Objects(o) {
			if t, ok := v.(T); ok && !yield(id, t) {
				return
			}
		}
	}
}
