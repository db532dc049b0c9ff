package sink

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
)

// Outcome tells what applying an event did to an [ObjectState] (and so to a
// [Replica]).
type Outcome int

const (
	// Unchanged: the event was older than what is held, or an identical
	// re-delivery of an event already applied.
	Unchanged Outcome = iota
	// Applied: the event changed what is held.
	Applied
	// Conflict: the event has the timestamp of an event already applied to
	// the same fields of the same object, with other content: the files
	// disagree. The state keeps, field by field, the greater JSON value
	// (compared as bytes), so that the result is the same in every order.
	// In every order, the conflict is reported when the second of the two
	// events is applied (a later re-delivery of either may be Unchanged).
	Conflict
)

// String returns "unchanged", "applied" or "conflict".
func (o Outcome) String() string {
	switch o {
	case Unchanged:
		return "unchanged"
	case Applied:
		return "applied"
	case Conflict:
		return "conflict"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// ErrState is matched by the errors of [ObjectState.UnmarshalBinary] and of
// events applied to the state of another object.
var ErrState = errors.New("sink: invalid object state")

// ObjectState is everything known of one object (an account, an entry, ...)
// from the events applied to it. It merges events so that the result is the
// same whatever their order, re-deliveries included:
//
//   - Each field holds the value of the newest event that set it (by payload
//     timestamp): an insertion sets every field, an update the fields it
//     changes. An update applied before the insertion it updates is kept,
//     and its fields stay when the older insertion comes.
//   - A newer insertion replaces every field older than it, and fields it
//     does not carry (from an older version) are dropped.
//   - A deletion leaves a tombstone with its timestamp: the object is
//     visible only when its newest insertion is newer than its newest
//     deletion. An insertion and a plain deletion of the same timestamp
//     leave it deleted; an entry deletion marked miseAJour (the first half
//     of an entry update) never hides an insertion of the same timestamp.
//   - An update that carries every field of the object counts as an
//     insertion: the initialization sends parameters that way.
//   - Fields the SDK does not model are merged like the others, so that
//     nothing the platform sent is dropped.
//
// The zero ObjectState is empty and ready to use; it takes the object of the
// first event applied. An ObjectState is not safe for concurrent use.
type ObjectState struct {
	object   Object
	inserted int64 // newest insertion or complete update; -1: none
	deleted  int64 // newest plain deletion; -1: none
	replaced int64 // newest entry deletion marked miseAJour; -1: none
	fields   []stateField
	index    map[string]int // key -> position in fields, for objects with many fields
	data     any            // the typed view, when visible
	init     bool
}

type stateField struct {
	key   string
	ts    int64
	value []byte // a JSON value, never null
}

// indexAbove is the number of fields from which an ObjectState indexes them
// in a map: fewer are looked up by a scan.
const indexAbove = 32

func (s *ObjectState) reset() {
	if !s.init {
		s.inserted, s.deleted, s.replaced, s.init = -1, -1, -1, true
	}
}

// Object returns the object of the state ("" when nothing was applied).
func (s *ObjectState) Object() Object { return s.object }

// Exists reports whether the object is visible: inserted, and not deleted
// since.
func (s *ObjectState) Exists() bool {
	s.reset()
	return s.inserted >= 0 && s.inserted > s.deleted && s.inserted >= s.replaced
}

// Timestamp returns the timestamp of the newest event that changed the
// object's fields or its existence, or -1 when nothing was applied.
func (s *ObjectState) Timestamp() int64 {
	s.reset()
	ts := max(s.inserted, s.deleted, s.replaced)
	for _, f := range s.fields {
		ts = max(ts, f.ts)
	}
	return ts
}

// Payload returns the object's current fields as one JSON object (the
// modelled fields in wire order, then the others by name), or nil when the
// object is not visible. The caller owns the slice.
func (s *ObjectState) Payload() []byte {
	if !s.Exists() {
		return nil
	}
	return s.appendPayload(nil)
}

func (s *ObjectState) appendPayload(b []byte) []byte {
	n := 2
	for _, f := range s.fields {
		n += len(f.key) + len(f.value) + 4 // quotes, colon, comma
	}
	b = slices.Grow(b, n)
	b = append(b, '{')
	for i, f := range s.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.key)
		b = append(b, ':')
		b = append(b, f.value...)
	}
	return append(b, '}')
}

// Data returns the object's typed payload (*Account, *entry.Entry, ...),
// or nil and false when the object is not visible. The value is shared:
// do not modify it.
func (s *ObjectState) Data() (any, bool) {
	if !s.Exists() {
		return nil, false
	}
	return s.data, s.data != nil
}

// Apply merges ev into the state and tells what it did. It fails, leaving
// the state unchanged, with a *PayloadError for an invalid event and an
// error matching ErrState for an event of another object than the state's
// (or of another id than the events applied before).
func (s *ObjectState) Apply(ev *Event) (Outcome, error) {
	if err := ev.Validate(); err != nil {
		return Unchanged, err
	}
	s.reset()
	o := ev.Name.Object()
	if s.object != "" && s.object != o {
		return Unchanged, fmt.Errorf("%w: %s event applied to the state of a %s", ErrState, ev.Name, s.object)
	}
	var members []member
	if ev.Name.Action() != Deleted {
		var err error
		if members, err = ev.payloadMembers(); err != nil {
			return Unchanged, err
		}
	}
	next := s.clone()
	next.object = o
	out, changed := next.apply(ev, members)
	if out == Unchanged {
		return Unchanged, nil
	}
	switch {
	case !next.Exists():
		next.data = nil
	case changed || next.data == nil:
		data, err := next.view(ev, members)
		if err != nil {
			return Unchanged, err
		}
		next.data = data
	}
	*s = next
	return out, nil
}

func (s *ObjectState) clone() ObjectState {
	c := *s
	c.fields = slices.Clone(s.fields)
	if s.index != nil {
		c.index = make(map[string]int, len(s.index))
		for k, v := range s.index {
			c.index[k] = v
		}
	}
	return c
}

// apply merges ev (whose object members are members) into s, and reports
// whether the fields changed.
func (s *ObjectState) apply(ev *Event, members []member) (out Outcome, changed bool) {
	ts := ev.Timestamp
	marks := [3]int64{s.inserted, s.deleted, s.replaced}
	raise := func(mark *int64) { *mark = max(*mark, ts) }
	complete := ev.Name.Action() == Inserted
	switch ev.Name.Action() {
	case Deleted:
		if ev.Update {
			raise(&s.replaced)
		} else {
			raise(&s.deleted)
		}
	case Updated:
		complete = containsAll(ev.Changed, objectFields(ev.Name.Object()).names)
	}
	if complete {
		raise(&s.inserted)
	}
	// An insertion older than a deletion can never show: forgetting it
	// keeps the state the same whatever the order of the events.
	if s.inserted <= s.deleted || s.inserted < s.replaced {
		s.inserted = -1
	}
	if marks != [3]int64{s.inserted, s.deleted, s.replaced} {
		out = Applied
	}
	floor := max(s.inserted, s.deleted, s.replaced)
	if out == Applied {
		changed = s.prune(floor)
	}
	if ts < floor {
		return out, changed
	}
	set := false
	s.fields = slices.Grow(s.fields, len(members))
	for _, m := range members {
		if string(m.value) == "null" {
			continue // an Updated event's unchanged field
		}
		switch s.set(m.key, ts, m.value) {
		case Applied:
			out, set = max(out, Applied), true
		case Conflict:
			out, set = Conflict, true
		}
	}
	if set {
		s.sort()
	}
	return out, changed || set
}

// set merges one field; it returns Applied when the field changed and
// Conflict for another value of the same timestamp.
func (s *ObjectState) set(key string, ts int64, value []byte) Outcome {
	i := s.find(key)
	if i < 0 {
		s.fields = append(s.fields, stateField{key: key, ts: ts, value: value})
		if s.index != nil {
			s.index[key] = len(s.fields) - 1
		}
		return Applied
	}
	f := &s.fields[i]
	switch {
	case ts < f.ts:
		return Unchanged
	case ts > f.ts:
		f.ts, f.value = ts, value
		return Applied
	case bytes.Equal(f.value, value):
		return Unchanged
	}
	if bytes.Compare(value, f.value) > 0 {
		f.value = value
	}
	return Conflict
}

func (s *ObjectState) find(key string) int {
	if s.index == nil && len(s.fields) > indexAbove {
		s.reindex()
	}
	if s.index != nil {
		if i, ok := s.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range s.fields {
		if s.fields[i].key == key {
			return i
		}
	}
	return -1
}

func (s *ObjectState) reindex() {
	s.index = make(map[string]int, len(s.fields))
	for i, f := range s.fields {
		s.index[f.key] = i
	}
}

// prune drops the fields older than floor: a newer insertion or deletion
// superseded them.
func (s *ObjectState) prune(floor int64) bool {
	n := len(s.fields)
	s.fields = slices.DeleteFunc(s.fields, func(f stateField) bool { return f.ts < floor })
	if len(s.fields) == n {
		return false
	}
	if s.index != nil {
		s.reindex()
	}
	return true
}

// sort puts the fields in their canonical order: the object's modelled
// fields in wire order, then the others by name.
func (s *ObjectState) sort() {
	rank := objectFields(s.object).rank
	slices.SortFunc(s.fields, func(a, b stateField) int {
		ra, oka := rank[a.key]
		rb, okb := rank[b.key]
		switch {
		case oka && okb:
			return cmp.Compare(ra, rb)
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a.key, b.key)
	})
	if s.index != nil {
		s.reindex()
	}
}

// view returns the typed payload of the visible object: ev's own data when
// the state holds exactly the fields ev sets, else the state's payload
// decoded.
func (s *ObjectState) view(ev *Event, members []member) (any, error) {
	if ev.Data != nil && len(ev.Extra) == 0 {
		set, same := 0, true
		for _, m := range members {
			if string(m.value) == "null" {
				continue
			}
			set++
			if i := s.find(m.key); i < 0 || !bytes.Equal(s.fields[i].value, m.value) {
				same = false
				break
			}
		}
		if same && set == len(s.fields) {
			return pointerTo(ev.Data), nil
		}
	}
	data, err := decodePayload(s.object, s.appendPayload(nil))
	if err != nil {
		return nil, &PayloadError{Event: ev.Name, Err: fmt.Errorf("%w: the merged %s does not decode: %w", ErrPayload, s.object, err)}
	}
	return data, nil
}

// MarshalBinary encodes the state (as JSON), for [ObjectState.UnmarshalBinary]
// to restore: a replica kept in a database stores it beside its rows.
func (s *ObjectState) MarshalBinary() ([]byte, error) {
	s.reset()
	b := append([]byte(nil), `{"object":`...)
	b = appendString(b, string(s.object))
	for _, m := range []struct {
		k string
		v int64
	}{{"inserted", s.inserted}, {"deleted", s.deleted}, {"replaced", s.replaced}} {
		b = append(b, `,"`+m.k+`":`...)
		b = strconv.AppendInt(b, m.v, 10)
	}
	b = append(b, `,"fields":[`...)
	for i, f := range s.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendString(b, f.key)
		b = append(b, ',')
		b = strconv.AppendInt(b, f.ts, 10)
		b = append(b, ',')
		b = append(b, f.value...)
		b = append(b, ']')
	}
	return append(b, "]}"...), nil
}

// UnmarshalBinary restores a state encoded by [ObjectState.MarshalBinary].
// It fails with an error matching ErrState for anything else, leaving s
// unchanged.
func (s *ObjectState) UnmarshalBinary(data []byte) error {
	var n ObjectState
	n.reset()
	if err := n.decode(data); err != nil {
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	if n.Exists() {
		d, err := decodePayload(n.object, n.appendPayload(nil))
		if err != nil {
			return fmt.Errorf("%w: the %s does not decode: %w", ErrState, n.object, err)
		}
		n.data = d
	}
	*s = n
	return nil
}

func (s *ObjectState) decode(data []byte) error {
	l := jsonlex.New(data)
	more, err := l.ObjectStart()
	seen := map[string]bool{}
	for err == nil && more {
		var k []byte
		if k, err = l.Key(); err != nil {
			break
		}
		key := string(k)
		if seen[key] {
			return fmt.Errorf("member %q twice", key)
		}
		seen[key] = true
		switch key {
		case "object":
			var o string
			if o, err = l.String(); err == nil && !slices.Contains(Objects(), Object(o)) {
				return fmt.Errorf("unknown object %q", o)
			}
			s.object = Object(o)
		case "inserted", "deleted", "replaced":
			var v int64
			if v, err = int64Of(l); err == nil && v < -1 {
				err = fmt.Errorf("%s %d", key, v)
			}
			switch key {
			case "inserted":
				s.inserted = v
			case "deleted":
				s.deleted = v
			default:
				s.replaced = v
			}
		case "fields":
			err = s.decodeFields(l)
		default:
			return fmt.Errorf("unknown member %q", key)
		}
		if err == nil {
			more, err = l.ObjectNext()
		}
	}
	if err == nil {
		err = l.End()
	}
	if err == nil && (!seen["object"] || !seen["fields"]) {
		err = errors.New("object or fields missing")
	}
	if err != nil {
		return err
	}
	if s.inserted >= 0 && (s.inserted <= s.deleted || s.inserted < s.replaced) {
		return errors.New("an insertion older than a deletion")
	}
	floor := max(s.inserted, s.deleted, s.replaced)
	keys := make(map[string]bool, len(s.fields))
	for _, f := range s.fields {
		if f.ts < floor || keys[f.key] {
			return fmt.Errorf("field %q: older than the state or repeated", f.key)
		}
		keys[f.key] = true
	}
	s.sort()
	return nil
}

func (s *ObjectState) decodeFields(l *jsonlex.Lexer) error {
	more, err := l.ArrayStart()
	for err == nil && more {
		var f stateField
		if err = l.Expect('['); err != nil {
			return err
		}
		if f.key, err = l.String(); err != nil {
			return err
		}
		if err = l.Expect(','); err != nil {
			return err
		}
		if f.ts, err = int64Of(l); err != nil {
			return err
		}
		if f.ts < 0 {
			return fmt.Errorf("field %q: negative timestamp", f.key)
		}
		if err = l.Expect(','); err != nil {
			return err
		}
		if l.Peek() == jsonlex.Null {
			return fmt.Errorf("field %q: null", f.key)
		}
		if f.value, err = l.Raw(); err != nil {
			return err
		}
		if err = l.Expect(']'); err != nil {
			return err
		}
		s.fields = append(s.fields, f)
		more, err = l.ArrayNext()
	}
	return err
}

func int64Of(l *jsonlex.Lexer) (int64, error) {
	num, err := l.Number()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(num), 10, 64)
}

// fieldSet is the modelled fields of an object: their wire names in order,
// and each one's rank.
type fieldSet struct {
	names []string
	rank  map[string]int
}

// objectFields returns the modelled fields of o. The table is computed
// once, from the payload types, and never changes.
func objectFields(o Object) fieldSet { return fieldTable()[o] }

var fieldTable = sync.OnceValue(func() map[Object]fieldSet {
	t := map[Object]fieldSet{}
	for _, o := range Objects() {
		names, err := fieldsOf(o)
		if err != nil {
			panic("sink: the payload of " + string(o) + " does not encode: " + err.Error()) // a bug of this package, found by every test
		}
		fs := fieldSet{names: names, rank: make(map[string]int, len(names))}
		for i, n := range names {
			fs.rank[n] = i
		}
		t[o] = fs
	}
	return t
})

// containsAll reports whether set holds every string of want.
func containsAll(set, want []string) bool {
	for _, w := range want {
		if !slices.Contains(set, w) {
			return false
		}
	}
	return true
}
