package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"github.com/ledgersink/ledgersink/internal/jsonptr"
)

// Envelope holds the identifiers that open every payload.
type Envelope struct {
	// Timestamp is the instant the data changed, in milliseconds since the
	// Unix epoch (not the instant the file was produced, which is in the
	// file name). The platform's documentation gives 1706627839000.
	Timestamp int64
	// ApplicationID identifies the application at the origin of the change.
	ApplicationID string
	// EntityID identifies the entity (entité, dossier): the company whose
	// data changed. Files are stored in a directory named after it.
	EntityID string
	// ID identifies the object that changed.
	ID string
}

// Time returns the Timestamp as a UTC time.
func (e Envelope) Time() time.Time { return time.UnixMilli(e.Timestamp).UTC() }

// Millis returns t as milliseconds since the Unix epoch, the unit of
// [Envelope.Timestamp].
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Event is one change of one object: what a sink file carries.
//
// Data holds the object's typed payload: a pointer to one of [Account],
// [BankAccount], [entry.Entry], [Journal], [Parameter], [Period], [Section],
// [ThirdParty], [VAT], [Branch] or [Reconciliation], matching the object of
// Name. Inserted events carry every field. Updated events carry Data with
// the changed fields set, and Changed lists their wire names: every other
// field is written as null (see [Changes] to compute the list from two
// versions). Deleted events carry no Data, only the envelope; an entry's
// deletion says in Update whether it is the first half of an update (the
// wire's miseAJour), to be followed by an EntryInserted.
// Extra holds what the payload types do not model, as [DecodeEvent] found
// it, so that nothing the platform sent is lost: [Event.Encode] writes it
// back and a [Replica] keeps it.
type Event struct {
	Name EventName
	Envelope
	Data    any      // nil for Deleted
	Changed []string // Updated only: wire names of the changed fields
	Update  bool     // EntryDeleted only: miseAJour

	// Extra maps the JSON Pointer of each member the SDK does not model
	// ("/nouveauChamp", or inside an entry "/movements/0/nouveauChamp") to
	// its JSON value, null included. Encode puts each back in its object,
	// after the modelled members. Nil for events built in Go, usually.
	Extra map[string]json.RawMessage
}

// Errors about payloads.
var (
	// ErrPayload is matched by every error about the content of an event.
	ErrPayload = errors.New("sink: invalid payload")
)

// PayloadError says what is wrong with an event's payload and where.
type PayloadError struct {
	Event EventName // the event being encoded or decoded
	Field string    // the wire name of the field at fault, "" for the whole payload
	Err   error     // the cause; matches ErrPayload
}

func (e *PayloadError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("sink: %s payload: %v", e.Event, e.Err)
	}
	return fmt.Sprintf("sink: %s payload: %s: %v", e.Event, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *PayloadError) Unwrap() error { return e.Err }

func payloadError(n EventName, field, format string, args ...any) error {
	return &PayloadError{Event: n, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrPayload}, args...)...)}
}

// Wire names of the envelope and of the entry deletion flag.
const (
	keyTimestamp   = "timestamp"
	keyApplication = "application_id"
	keyEntity      = "entite_id"
	keyID          = "id"
	keyUpdate      = "miseAJour"
	keyUpdateOld   = "miseAjour" // the older spelling, accepted when reading
)

func isEnvelopeKey(k string) bool {
	return k == keyTimestamp || k == keyApplication || k == keyEntity || k == keyID
}

// Validate checks what Encode needs: a change event name (not DailyReport),
// a non-negative timestamp, non-empty ids, Data of the event's object type
// for Inserted and Updated and none for Deleted, Changed only on Updated
// (non-empty, no duplicates, no envelope field), Update only on EntryDeleted.
// It returns nil or a *PayloadError.
func (ev *Event) Validate() error {
	n := ev.Name
	if n == DailyReport || !n.Valid() {
		return payloadError(n, "", "%q is not a change event", string(n))
	}
	if err := ev.Envelope.check(n); err != nil {
		return err
	}
	if ev.Update && n != EntryDeleted {
		return payloadError(n, keyUpdate, "only an entry deletion can be part of an update")
	}
	if n.Action() != Updated && len(ev.Changed) > 0 {
		return payloadError(n, "", "Changed is only for Updated events")
	}
	if err := ev.validateExtra(); err != nil {
		return err
	}
	if n.Action() == Deleted {
		if ev.Data != nil {
			return payloadError(n, "", "a Deleted event carries no data")
		}
		return nil
	}
	if o, ok := ObjectOf(ev.Data); !ok || o != n.Object() {
		return payloadError(n, "", "data of type %T, want the payload of %s", ev.Data, n.Object())
	}
	if n.Action() == Updated {
		if len(ev.Changed) == 0 && !slices.ContainsFunc(slices.Collect(maps.Values(ev.Extra)), func(v json.RawMessage) bool { return string(v) != "null" }) {
			return payloadError(n, "", "an Updated event names at least one changed field")
		}
		for i, k := range ev.Changed {
			if isEnvelopeKey(k) {
				return payloadError(n, k, "an envelope field cannot change")
			}
			if slices.Contains(ev.Changed[:i], k) {
				return payloadError(n, k, "named twice in Changed")
			}
		}
	}
	return nil
}

// check checks the envelope of an event named n: a non-negative timestamp
// and non-empty ids.
func (e Envelope) check(n EventName) error {
	if e.Timestamp < 0 {
		return payloadError(n, keyTimestamp, "negative timestamp %d", e.Timestamp)
	}
	for _, f := range []struct{ key, v string }{{keyApplication, e.ApplicationID}, {keyEntity, e.EntityID}, {keyID, e.ID}} {
		if f.v == "" {
			return payloadError(n, f.key, "empty")
		}
	}
	return nil
}

// appendEnvelope appends the start of a payload as Encode writes it: the
// object's opening brace and the envelope's members.
func appendEnvelope(b []byte, e Envelope) []byte {
	b = append(b, `{"timestamp":`...)
	b = strconv.AppendInt(b, e.Timestamp, 10)
	b = append(b, `,"application_id":`...)
	b = appendString(b, e.ApplicationID)
	b = append(b, `,"entite_id":`...)
	b = appendString(b, e.EntityID)
	b = append(b, `,"id":`...)
	return appendString(b, e.ID)
}

// validateExtra checks that each member of Extra is one the SDK does not
// model, directly in the payload, with a JSON value.
func (ev *Event) validateExtra() error {
	modelled := objectFields(ev.Name.Object()).rank
	for p, v := range ev.Extra {
		segs := jsonptr.Segments(p)
		if len(segs) == 0 || !strings.HasPrefix(p, "/") || len(segs) > 1 && ev.Name != EntryInserted {
			return payloadError(ev.Name, p, "Extra holds members of the payload itself (a pointer such as \"/name\"), or inside an entry")
		}
		if k := segs[0]; len(segs) == 1 {
			if _, ok := modelled[k]; ok || isEnvelopeKey(k) || k == keyUpdate || k == keyUpdateOld && ev.Name == EntryDeleted {
				return payloadError(ev.Name, k, "Extra holds a member the SDK models")
			}
		}
		if !json.Valid(v) {
			return payloadError(ev.Name, p, "Extra holds a value that is not JSON")
		}
	}
	return nil
}

// Encode returns the JSON payload of ev as the sink writes it: one flat
// object, the envelope first (timestamp, application_id, entite_id, id),
// then the object's fields in their wire order; Updated events write null
// for every field not in Changed; Deleted events write the envelope only,
// plus miseAJour for entries. The output ends with a newline. It fails with
// a *PayloadError when ev does not [Event.Validate] or when Changed names a
// field the object does not have.
func (ev *Event) Encode() ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(512)
	b.Write(appendEnvelope(b.AvailableBuffer(), ev.Envelope))
	switch ev.Name.Action() {
	case Deleted:
		if ev.Name == EntryDeleted {
			b.WriteString(`,"miseAJour":` + strconv.FormatBool(ev.Update))
		}
	case Inserted:
		data, err := marshalData(ev.Data)
		if err != nil {
			return nil, &PayloadError{Event: ev.Name, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
		}
		// The payload types are this package's (Validate checked it), and
		// none has a field named like the envelope's (see
		// TestPayloadFieldsAvoidTheEnvelope): the object's members follow
		// the envelope as they are.
		if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
			return nil, payloadError(ev.Name, "", "the object does not encode as a JSON object")
		}
		if inner := bytes.TrimSpace(data[1 : len(data)-1]); len(inner) > 0 {
			b.WriteByte(',')
			b.Write(inner)
		}
	case Updated:
		data, err := marshalData(ev.Data)
		if err != nil {
			return nil, &PayloadError{Event: ev.Name, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
		}
		if err := appendFields(&b, data, ev.Changed); err != nil {
			return nil, &PayloadError{Event: ev.Name, Err: err}
		}
	}
	b.WriteByte('}')
	if len(ev.Extra) == 0 {
		b.WriteByte('\n')
		return b.Bytes(), nil
	}
	extra := make(map[string][]byte, len(ev.Extra))
	for p, v := range ev.Extra {
		extra[p] = v
	}
	out, err := jsonlex.InsertMembers(b.Bytes(), extra)
	if err != nil {
		return nil, &PayloadError{Event: ev.Name, Err: fmt.Errorf("%w: Extra: %w", ErrPayload, err)}
	}
	return append(out, '\n'), nil
}

// payloadMembers returns the members of ev's payload but the envelope's
// (and miseAJour), as Encode writes them.
func (ev *Event) payloadMembers() ([]member, error) {
	data, err := ev.Encode()
	if err != nil {
		return nil, err
	}
	members, ok := splitEncoded(data)
	if !ok {
		if members, err = splitObject(data); err != nil {
			return nil, &PayloadError{Event: ev.Name, Err: err}
		}
	}
	return slices.DeleteFunc(members, func(m member) bool {
		return isEnvelopeKey(m.key) || m.key == keyUpdate
	}), nil
}

// splitEncoded splits the members of data, a JSON object as Encode writes
// it (compact, valid, its keys unique), without checking it again. It
// reports false for anything else it meets, such as an escaped key, for
// splitObject to handle.
func splitEncoded(data []byte) ([]member, bool) {
	data = bytes.TrimRight(data, "\n")
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return nil, false
	}
	out := make([]member, 0, 20)
	i := 1
	if data[i] == '}' {
		return out, i == len(data)-1
	}
	for {
		if data[i] != '"' {
			return nil, false
		}
		k := i + 1
		for k < len(data) && data[k] != '"' && data[k] != '\\' {
			k++
		}
		if k+1 >= len(data) || data[k] != '"' || data[k+1] != ':' {
			return nil, false
		}
		key := string(data[i+1 : k])
		start := k + 2
		depth, j := 0, start
	value:
		for ; j < len(data); j++ {
			switch data[j] {
			case '"':
				for j++; j < len(data) && data[j] != '"'; j++ {
					if data[j] == '\\' {
						j++
					}
				}
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 {
					break value
				}
				depth--
			case ',':
				if depth == 0 {
					break value
				}
			}
		}
		if j >= len(data) || j == start {
			return nil, false
		}
		out = append(out, member{key, data[start:j]})
		if data[j] == '}' {
			return out, j == len(data)-1
		}
		i = j + 1
	}
}

// marshalData encodes a payload: with its own MarshalJSON when it has one
// (entries do), which spares encoding/json's validation and compaction of
// the result, else with encoding/json.
func marshalData(v any) ([]byte, error) {
	if m, ok := v.(json.Marshaler); ok {
		return m.MarshalJSON()
	}
	return json.Marshal(v)
}

func writeString(b *bytes.Buffer, s string) { b.Write(appendString(b.AvailableBuffer(), s)) }

// appendString appends s as a JSON string, escaped as encoding/json does.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // escapes as encoding/json does; a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"') // the usual key: nothing to escape
	b = append(b, s...)
	return append(b, '"')
}

// appendFields appends the members of the JSON object obj to b, each after
// a comma: those whose key is in keep with their value, the others as null.
// Every key of keep must be a member of obj.
func appendFields(b *bytes.Buffer, obj []byte, keep []string) error {
	members, err := splitObject(obj)
	if err != nil {
		return err
	}
	found := 0
	for _, m := range members {
		if isEnvelopeKey(m.key) {
			return fmt.Errorf("%w: the object has a field %q, which the envelope owns", ErrPayload, m.key)
		}
		b.WriteByte(',')
		writeString(b, m.key)
		b.WriteByte(':')
		if !slices.Contains(keep, m.key) {
			b.WriteString("null")
			continue
		}
		found++
		b.Write(m.value)
	}
	if found != len(keep) {
		for _, k := range keep {
			if !slices.ContainsFunc(members, func(m member) bool { return m.key == k }) {
				return fmt.Errorf("%w: changed field %q is not a field of the object", ErrPayload, k)
			}
		}
	}
	return nil
}

type member struct {
	key   string
	value json.RawMessage
}

// splitObject returns the members of the JSON object data in order, their
// values aliasing data. It rejects anything but one object, and repeated
// keys.
func splitObject(data []byte) ([]member, error) {
	l := jsonlex.New(data)
	if l.Peek() != jsonlex.Object {
		return nil, fmt.Errorf("%w: not a JSON object", ErrPayload)
	}
	more, err := l.ObjectStart()
	out := make([]member, 0, 20)
	var seen map[string]struct{} // for objects of many members; a scan for the others
	for err == nil && more {
		var k, v []byte
		if k, err = l.Key(); err != nil {
			break
		}
		key := string(k)
		if seen == nil && len(out) == 16 {
			seen = make(map[string]struct{}, 32)
			for _, m := range out {
				seen[m.key] = struct{}{}
			}
		}
		twice := false
		if seen != nil {
			_, twice = seen[key]
			seen[key] = struct{}{}
		} else {
			twice = slices.ContainsFunc(out, func(m member) bool { return m.key == key })
		}
		if twice {
			return nil, fmt.Errorf("%w: field %q appears twice", ErrPayload, key)
		}
		if v, err = l.Raw(); err != nil {
			break
		}
		out = append(out, member{key, v})
		more, err = l.ObjectNext()
	}
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	return out, nil
}

// DecodeEvent decodes the payload of an event named name (from the file
// name, see [ParseFileName]).
//
// The envelope is required: timestamp an integer >= 0, and non-empty
// application_id, entite_id and id strings. Inserted payloads decode into a
// new value of the object's type; Updated payloads decode their non-null
// fields into it and list them, in wire order, in Changed; Deleted payloads
// carry nothing more, except miseAJour (or the older miseAjour) on entries.
// Fields the SDK does not model are kept in the Event, so that
// [Event.Encode] writes them back and a [Replica] keeps them: decoding then
// encoding gives the same JSON value. A key repeated in the payload is an
// error. Errors are *PayloadError values matching ErrPayload, naming the
// field at fault.
func DecodeEvent(name EventName, data []byte) (*Event, error) {
	if name == DailyReport || !name.Valid() {
		return nil, payloadError(name, "", "%q is not a change event", string(name))
	}
	members, err := splitObject(data)
	if err != nil {
		return nil, &PayloadError{Event: name, Err: err}
	}
	ev := &Event{Name: name}
	var seen [4]bool
	rest := members[:0:0]
	for _, m := range members {
		switch m.key {
		case keyTimestamp:
			seen[0] = true
			ts, err := strconv.ParseInt(string(m.value), 10, 64)
			if err != nil || ts < 0 {
				return nil, payloadError(name, m.key, "%s is not an integer number of milliseconds >= 0", m.value)
			}
			ev.Timestamp = ts
		case keyApplication, keyEntity, keyID:
			s, err := jsonString(m.value)
			if err != nil || s == "" {
				return nil, payloadError(name, m.key, "%s is not a non-empty string", m.value)
			}
			switch m.key {
			case keyApplication:
				seen[1], ev.ApplicationID = true, s
			case keyEntity:
				seen[2], ev.EntityID = true, s
			default:
				seen[3], ev.ID = true, s
			}
		case keyUpdate, keyUpdateOld:
			if name != EntryDeleted {
				rest = append(rest, m)
				continue
			}
			switch string(m.value) {
			case "true":
				ev.Update = true
			case "false":
			default:
				return nil, payloadError(name, m.key, "%s is not a boolean", m.value)
			}
		default:
			rest = append(rest, m)
		}
	}
	for i, k := range []string{keyTimestamp, keyApplication, keyEntity, keyID} {
		if !seen[i] {
			return nil, payloadError(name, k, "missing")
		}
	}
	modelled := objectFields(name.Object()).rank
	if name.Action() == Deleted {
		for _, m := range rest {
			ev.addExtra(m)
		}
		return ev, nil
	}
	known := rest[:0:0]
	for _, m := range rest {
		if _, ok := modelled[m.key]; !ok {
			ev.addExtra(m)
			continue
		}
		if name.Action() == Updated {
			if string(m.value) == "null" {
				continue // unchanged
			}
			ev.Changed = append(ev.Changed, m.key)
		}
		known = append(known, m)
	}
	if d := flatDecoders()[name.Object()]; d != nil {
		var field string
		if ev.Data, field, err = d.decode(known); err != nil {
			return nil, &PayloadError{Event: name, Field: field, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
		}
		return ev, nil
	}
	var obj bytes.Buffer
	obj.Grow(len(data))
	obj.WriteByte('{')
	for i, m := range known {
		if i > 0 {
			obj.WriteByte(',')
		}
		writeString(&obj, m.key)
		obj.WriteByte(':')
		obj.Write(m.value)
	}
	obj.WriteByte('}')
	var nested map[string]json.RawMessage
	if ev.Data, nested, err = decodePayloadExtra(name.Object(), obj.Bytes(), true); err != nil {
		return nil, &PayloadError{Event: name, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
	}
	if len(nested) > 0 && ev.Extra == nil {
		ev.Extra = make(map[string]json.RawMessage, len(nested))
	}
	for p, v := range nested {
		ev.Extra[p] = v
	}
	return ev, nil
}

func (ev *Event) addExtra(m member) {
	if ev.Extra == nil {
		ev.Extra = map[string]json.RawMessage{}
	}
	ev.Extra[jsonptr.Key("", m.key)] = m.value
}

// decodePayload decodes the JSON object of an object's fields into a new
// value of its payload type.
func decodePayload(o Object, data []byte) (any, error) {
	v, _, err := decodePayloadExtra(o, data, false)
	return v, err
}

// decodePayloadExtra is decodePayload that also returns, for an entry, the
// members its model does not declare inside its members, by JSON Pointer.
func decodePayloadExtra(o Object, data []byte, extra bool) (any, map[string]json.RawMessage, error) {
	v := newData(o)
	if e, ok := v.(*entry.Entry); ok {
		var err error
		var x map[string]json.RawMessage
		if extra {
			*e, x, err = entry.DecodeExtra(data)
		} else {
			*e, err = entry.Decode(data)
		}
		return e, x, err
	}
	return v, nil, json.Unmarshal(data, v)
}

// pointerTo returns v, a payload, as a pointer: a payload given by value
// (Account rather than *Account) is copied.
func pointerTo(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		return v
	}
	p := reflect.New(rv.Type())
	p.Elem().Set(rv)
	return p.Interface()
}

// jsonString decodes the JSON string literal v.
func jsonString(v []byte) (string, error) {
	l := jsonlex.New(v)
	s, err := l.String()
	if err == nil {
		err = l.End()
	}
	return s, err
}

// fieldsOf returns the wire names of the fields of object o's payload, in order.
func fieldsOf(o Object) ([]string, error) {
	if o == ObjectEntry {
		return entry.Fields(), nil
	}
	b, err := json.Marshal(newData(o))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	members, err := splitObject(b)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = m.key
	}
	return keys, nil
}

// Changes returns the wire names of the fields whose JSON values differ
// between two versions of an object, in wire order: the Changed list of the
// Updated event that turns old into new. Both must be payloads of the same
// object (see [ObjectOf]); amounts compare by their JSON form, so 12.5 and
// 12.50 differ. It returns an empty list when nothing changed.
func Changes(old, new any) ([]string, error) {
	oo, ok1 := ObjectOf(old)
	no, ok2 := ObjectOf(new)
	if !ok1 || !ok2 || oo != no {
		return nil, fmt.Errorf("%w: cannot compare %T with %T", ErrPayload, old, new)
	}
	ob, err := json.Marshal(old)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	nb, err := json.Marshal(new)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	om, err := splitObject(ob)
	if err != nil {
		return nil, err
	}
	nm, err := splitObject(nb)
	if err != nil {
		return nil, err
	}
	var changed []string
	for i, m := range nm {
		if i >= len(om) || om[i].key != m.key || !bytes.Equal(om[i].value, m.value) {
			changed = append(changed, m.key)
		}
	}
	return changed, nil
}
