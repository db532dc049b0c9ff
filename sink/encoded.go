package sink

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/jsonlex"
)

// Encoded is an event in its wire form: the payload of an event named Name
// of entity Entity, as [Event.Encode] writes it or as received from the
// platform. The writer's encoded entry points ([Writer.WriteEncoded],
// [Writer.WriteEncodedAt], [Writer.WriteEncodedOnce]) check it in one pass
// and write Data as it is: what was received, or produced once, is what is
// stored, without decoding it to encode it again. They read Data until they
// return, and do not modify it.
type Encoded struct {
	Name   EventName
	Entity string // the payload's entite_id
	Data   []byte
}

// PlacedEncoded is an encoded event and the name it is written under, for
// [Writer.WriteEncodedAt].
type PlacedEncoded struct {
	Name  FileName
	Event Encoded
}

// CheckEncoded checks ev as the writer's encoded entry points do before
// writing anything, and returns its envelope. The payload must be what
// [DecodeEvent] decodes and [Event.Encode] encodes again: one JSON object,
// no key repeated at any depth, the envelope complete, each field the SDK
// models of its JSON type (an entry decoded as [entry.Decode] does), an
// Updated event changing at least one field, miseAJour only on an entry's
// deletion; members the SDK does not model are kept as they are. The
// payload's entite_id must be ev.Entity, a valid entity id, and, unless the
// writer skips [RuleEntryValidation], an entry must pass the business
// rules. The period scope is not checked (see [CheckEvent]).
//
// Errors: a *PayloadError matching ErrPayload, or an error matching
// ErrEntity.
func (w *Writer) CheckEncoded(ev Encoded) (Envelope, error) {
	e, err := w.checkEncoded(ev, new(Event), "")
	if err != nil {
		return Envelope{}, err
	}
	if err := w.rules.checkEntry(e); err != nil {
		return Envelope{}, err
	}
	return e.Envelope, nil
}

// checkEncoded checks ev, but for the rules, and sets e to what the rules
// read of it: its name, envelope and miseAJour, and, for an entry, the
// entry. The event carries no other data: it is never encoded. It returns
// e, or nil when the payload is bad. valid is an entity known to be valid
// (the one of the event checked before), or "".
func (w *Writer) checkEncoded(ev Encoded, e *Event, valid string) (*Event, error) {
	app := w.app.Load()
	if app == nil {
		app = new(string)
	}
	if err := scanEncoded(e, ev.Name, ev.Data, ev.Entity, *app); err != nil {
		return nil, err
	}
	if e.ApplicationID != *app {
		// Most events of a stream share it: one string for them all (a
		// copy of the pointer, not of e, which may be part of a slab).
		app := e.ApplicationID
		w.app.Store(&app)
	}
	if e.EntityID != ev.Entity {
		return e, fmt.Errorf("%w: %q: the payload's entite_id is %q", ErrEntity, ev.Entity, e.EntityID)
	}
	if valid != "" && ev.Entity == valid {
		return e, nil
	}
	return e, w.checkEntity(ev.Entity)
}

// WriteEncoded is [Writer.WriteBatch] for encoded events: each is checked
// (see [Writer.CheckEncoded]) before anything is written, given the next
// offset of its entity and one production time, and its Data is written as
// it is. Rules, result and errors are those of WriteBatch; the entity of an
// encoded event whose payload names another one is an error matching
// ErrEntity.
func (w *Writer) WriteEncoded(ctx context.Context, evs []Encoded) (*WriteResult, error) {
	b := w.takeBuf()
	defer w.giveBuf(b)
	events, bad, err := w.checkAll(len(evs), func(i int) Encoded { return evs[i] }, b)
	if err != nil {
		return nil, encodedError(bad, evs[bad], events[bad], err)
	}
	b.ps = sized(b.ps, len(evs))
	ps := b.ps
	for i, ev := range evs {
		ps[i].data = ev.Data
	}
	if err := w.applyRules(ctx, events, func(i int) { ps[i].out = true }); err != nil {
		return nil, err
	}
	return w.writeNew(ctx, events, ps)
}

// WriteEncodedAt is [Writer.WriteAtBatch] for encoded events: each is
// checked (see [Writer.CheckEncoded]) and its name with it before anything
// is written, then its Data is written as it is under its name. Rules,
// result and errors are those of WriteAtBatch; the entity of an encoded
// event whose payload names another one is an error matching ErrEntity.
func (w *Writer) WriteEncodedAt(ctx context.Context, evs []PlacedEncoded) (*WriteResult, error) {
	b := w.takeBuf()
	defer w.giveBuf(b)
	events, bad, err := w.checkAll(len(evs), func(i int) Encoded { return evs[i].Event }, b)
	b.ps = sized(b.ps, len(evs))
	ps := b.ps
	// The names given, to refuse one given twice: what makes the key, the
	// time to the millisecond, without formatting it.
	type placedKey struct {
		entity, namespace string
		event             EventName
		offset, millis    int64
	}
	var seen map[placedKey]bool
	if len(evs) > 1 && !increasingOffsets(evs) { // otherwise no two names are alike
		seen = make(map[placedKey]bool, len(evs))
	}
	for i, p := range evs {
		e := events[i]
		if i == bad {
			return nil, encodedError(i, p.Event, e, err)
		}
		if err := checkPlacedName(p.Name, p.Event.Name); err != nil {
			return nil, encodedError(i, p.Event, e, err)
		}
		if seen != nil {
			k := placedKey{p.Event.Entity, p.Name.namespace(), p.Name.Event, p.Name.Offset, p.Name.Time.UnixMilli()}
			if seen[k] {
				return nil, encodedError(i, p.Event, e, fmt.Errorf("%w: %s is given twice", ErrFileName, Key(p.Event.Entity, p.Name)))
			}
			seen[k] = true
		}
		ps[i].data = p.Event.Data
	}
	return w.writePlaced(ctx, events, func(i int) FileName { return evs[i].Name }, ps)
}

// increasingOffsets reports whether the offsets of the names of evs
// increase strictly, as those of a run of messages of a partition do.
func increasingOffsets(evs []PlacedEncoded) bool {
	for i := 1; i < len(evs); i++ {
		if evs[i].Name.Offset <= evs[i-1].Name.Offset {
			return false
		}
	}
	return true
}

// sized returns s with length n, reusing its memory when it is large
// enough.
func sized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// checkChunk is the fewest events a goroutine of checkAll checks.
const checkChunk = 64

// checkAll checks n encoded events (at(i) is the i-th), concurrently when
// they are many, and returns what each check found and, when one failed,
// the first that did and its error: the result of checking them in order.
// The events are made in b, or in new memory when b is nil.
func (w *Writer) checkAll(n int, at func(int) Encoded, b *writeBuf) (events []*Event, bad int, err error) {
	if b == nil {
		b = new(writeBuf)
	}
	b.events, b.slab = sized(b.events, n), sized(b.slab, n)
	events, slab := b.events, b.slab
	workers := min(runtime.GOMAXPROCS(0), n/checkChunk)
	if workers <= 1 {
		bad, err := w.checkRange(at, events, slab, 0, n)
		return events, bad, err
	}
	type failure struct {
		at  int
		err error
	}
	fails := make([]failure, workers) // by worker: its first failure
	size := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			f := &fails[k]
			f.at, f.err = w.checkRange(at, events, slab, k*size, min(n, (k+1)*size))
		})
	}
	wg.Wait()
	for _, f := range fails { // in order: the first worker that failed holds the first failure
		if f.err != nil {
			return events, f.at, f.err
		}
	}
	return events, -1, nil
}

// checkRange checks the events from lo to hi (at(i) is the i-th), making
// them in slab and setting events, in order, and returns the first that
// failed and its error, or -1. An entity is checked once per run of it.
func (w *Writer) checkRange(at func(int) Encoded, events []*Event, slab []Event, lo, hi int) (int, error) {
	valid := ""
	for i := lo; i < hi; i++ {
		ev := at(i)
		var err error
		if events[i], err = w.checkEncoded(ev, &slab[i], valid); err != nil {
			return i, err
		}
		valid = ev.Entity
	}
	return -1, nil
}

// encodedError is the *WriteError of the encoded event ev, the i-th of a
// call, and e what its check found of it (nil when its payload is bad).
func encodedError(i int, ev Encoded, e *Event, err error) *WriteError {
	we := &WriteError{Index: i, Event: ev.Name, Entity: ev.Entity, Err: err}
	if e != nil {
		we.ID = e.ID
	}
	return we
}

// checkPlacedName checks the name an event named event is written under.
func checkPlacedName(name FileName, event EventName) error {
	if name.Event != event {
		return &FileNameError{Name: name.String(), Part: "event",
			Err: fmt.Errorf("%w: the name says %s, the event is %s", ErrFileName, name.Event, event)}
	}
	return name.Validate()
}

// WriteEncodedOnce is [Writer.WriteOnce] for encoded events: each is checked
// (see [Writer.CheckEncoded]) before anything is recorded or written, and
// its Data is written as it is. A batch written by WriteOnce can be
// completed by WriteEncodedOnce with the same id and the events' encodings,
// and the other way round. Rules, result and errors are those of
// WriteOnce; the entity of an encoded event whose payload names another one
// is an error matching ErrEntity.
func (w *Writer) WriteEncodedOnce(ctx context.Context, id string, evs []Encoded) (*WriteResult, error) {
	b, err := w.CheckEncodedBatch(evs)
	if err != nil {
		return nil, err
	}
	return w.writeOnce(ctx, id, b.files)
}

// scanEncoded checks the payload data of an event named name, in one scan,
// as DecodeEvent then Event.Encode would: what the typed path refuses, it
// refuses (TestEncodedAgreesWithTypedPath holds the two together). It sets
// ev to the event's name, envelope and miseAJour, and, for an entry, the
// entry; on error, ev holds what the scan had read. entity and app are the
// entity and the application expected: the payload's entite_id or
// application_id, when it spells one without escapes, is set as that
// string itself, not a copy.
func scanEncoded(ev *Event, name EventName, data []byte, entity, app string) error {
	obj, act := name.split() // "" for a daily report or an unknown name
	if obj == "" {
		return payloadError(name, "", "%q is not a change event", string(name))
	}
	*ev = Event{Name: name}
	fields := objectFields(obj)
	var check *payloadCheck
	if act != Deleted && name != EntryInserted {
		check = payloadChecks()[obj]
	}
	var (
		l        jsonlex.Lexer
		seen     [memberUpdate + 2]bool // the envelope's members and miseAJour's two spellings
		fieldSet uint64                 // the modelled fields met, by rank (below 64)
		next     int                    // the rank of the field expected next
		extras   map[string]bool        // the other members met
		changed  bool                   // an Updated event sets a field
		modelled []member
	)
	l.Reset(data)
	if l.Peek() != jsonlex.Object {
		return payloadError(name, "", "not a JSON object")
	}
	more, err := l.ObjectStart()
	env := 0 // the envelope's members met in Encode's order
	for err == nil && more {
		// What the member is, decided before its value is read (which
		// may overwrite k), and whether it was met before: names are
		// compared unescaped, a flag per known name, a map for the others.
		// Members usually come in Encode's order: the envelope, then the
		// fields; the name expected next is tried first, as it is written.
		var k []byte
		what, rank, repeated, ok := memberExtra, -1, false, false
		switch {
		case env < len(envelopeKeys):
			if k, ok = l.KeyIs(envelopeKeys[env]); ok {
				what = env
			}
		case next < len(fields.names) && act != Deleted:
			if k, ok = l.KeyIs(fields.names[next]); ok {
				what, rank = memberField, next
			}
		}
		if !ok {
			if k, err = l.Key(); err != nil {
				break
			}
			what, rank, err = memberOf(name, act, fields, k, next)
			if err != nil {
				return err
			}
		}
		switch {
		case what < len(envelopeKeys):
			env = what + 1
		case what == memberField:
			next = rank + 1
		}
		switch {
		case what == memberUpdate && string(k) == keyUpdateOld:
			repeated, seen[memberUpdate+1] = seen[memberUpdate+1], true
		case what <= memberUpdate:
			repeated, seen[what] = seen[what], true
		case what == memberField && rank < 64:
			repeated = fieldSet&(1<<rank) != 0
			fieldSet |= 1 << rank
		default:
			if extras == nil {
				extras = map[string]bool{}
			}
			repeated, extras[string(k)] = extras[string(k)], true
		}
		if repeated {
			return payloadError(name, string(k), "field %q appears twice", k)
		}
		var raw []byte
		if raw, err = l.Raw(); err != nil {
			break
		}
		switch what {
		case memberTimestamp:
			ts, ok := parseMillis(raw)
			if !ok {
				return payloadError(name, keyTimestamp, "%s is not an integer number of milliseconds >= 0", raw)
			}
			ev.Timestamp = ts
		case memberApplication, memberEntity, memberID:
			key := envelopeKeys[what]
			if len(raw) <= 2 || raw[0] != '"' { // "" is the only empty string: an escape is never empty
				return payloadError(name, key, "%s is not a non-empty string", raw)
			}
			s := entity
			if what == memberApplication {
				s = app
			}
			if what == memberID || !plainString(raw, s) {
				var err error
				if s, err = validString(raw); err != nil {
					return payloadError(name, key, "%s is not a non-empty string", raw)
				}
			}
			switch what {
			case memberApplication:
				ev.ApplicationID = s
			case memberEntity:
				ev.EntityID = s
			default:
				ev.ID = s
			}
		case memberUpdate:
			switch string(raw) {
			case "true":
				ev.Update = true
			case "false":
			default:
				return payloadError(name, keyUpdate, "%s is not a boolean", raw)
			}
		case memberExtra:
			if act == Updated && string(raw) != "null" {
				changed = true
			}
		case memberField:
			if act == Updated {
				if string(raw) == "null" {
					break // unchanged: not decoded
				}
				changed = true
			}
			key := fields.names[rank]
			switch {
			case check == nil: // an entry, decoded whole below
			case check.whole:
				modelled = append(modelled, member{key, raw})
			default:
				if err := check.fields[rank](raw); err != nil {
					return &PayloadError{Event: name, Field: key, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
				}
			}
		}
		more, err = l.ObjectNext()
	}
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return &PayloadError{Event: name, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
	}
	for i, k := range envelopeKeys {
		if !seen[i] {
			return payloadError(name, k, "missing")
		}
	}
	if act == Updated && !changed {
		return payloadError(name, "", "an Updated event names at least one changed field")
	}
	switch {
	case name == EntryInserted:
		e, err := entry.Decode(data) // the envelope and the members it does not model are skipped
		if err != nil {
			return &PayloadError{Event: name, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
		}
		ev.Data = &e
	case check != nil && check.whole:
		if _, err := decodePayload(obj, joinMembers(modelled, len(data))); err != nil {
			return &PayloadError{Event: name, Err: fmt.Errorf("%w: %w", ErrPayload, err)}
		}
	}
	return nil
}

// plainString reports whether the valid JSON string raw is want written
// as it is, without escapes, so that decoding raw gives want.
func plainString(raw []byte, want string) bool {
	inner := raw[1 : len(raw)-1]
	return string(inner) == want && bytes.IndexByte(inner, '\\') < 0
}

// validString returns the value of the valid JSON string raw (as a
// Lexer's Raw returns it): its bytes when it has no escape, and otherwise
// what decoding it gives.
func validString(raw []byte) (string, error) {
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	return jsonString(raw)
}

// memberOf tells what the member named k of the payload of an event named
// name (of action act, whose fields are fields) is, and for a field its
// rank; next is the rank of the field expected next. The error is that of a
// name the payload cannot have.
func memberOf(name EventName, act Action, fields fieldSet, k []byte, next int) (what, rank int, err error) {
	switch string(k) {
	case keyTimestamp:
		return memberTimestamp, -1, nil
	case keyApplication:
		return memberApplication, -1, nil
	case keyEntity:
		return memberEntity, -1, nil
	case keyID:
		return memberID, -1, nil
	case keyUpdate, keyUpdateOld:
		if name == EntryDeleted {
			return memberUpdate, -1, nil
		}
		if string(k) == keyUpdate { // Encode refuses it as an unmodelled member
			return 0, 0, payloadError(name, keyUpdate, "only an entry deletion can be part of an update")
		}
		return memberExtra, -1, nil
	}
	r, ok := next, next < len(fields.names) && fields.names[next] == string(k)
	if !ok {
		r, ok = fields.rank[string(k)]
	}
	if !ok {
		return memberExtra, -1, nil
	}
	if act == Deleted { // Encode refuses a modelled field as an unmodelled member
		return 0, 0, payloadError(name, string(k), "a Deleted event carries no data")
	}
	return memberField, r, nil
}

// What a member of a payload is, for scanEncoded.
const (
	memberTimestamp = iota // the envelope's, as in envelopeKeys
	memberApplication
	memberEntity
	memberID
	memberUpdate // miseAJour, of an entry's deletion
	memberField  // a field the SDK models
	memberExtra  // a member it does not model
)

// envelopeKeys are the envelope's members, in the order of Encode.
var envelopeKeys = [...]string{keyTimestamp, keyApplication, keyEntity, keyID}

// parseMillis reads the JSON number raw as DecodeEvent reads a timestamp:
// an integer (strconv.ParseInt) that is not negative.
func parseMillis(raw []byte) (int64, bool) {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:] // "-0" is 0
	}
	if len(digits) == 0 || len(digits) > 19 {
		return 0, false
	}
	var v int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v > (1<<63-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if v != 0 && len(digits) != len(raw) {
		return 0, false
	}
	return v, true
}

// payloadCheck checks the fields of an object's payload as decoding it into
// its Go type would, without building the value.
type payloadCheck struct {
	// whole: the type decodes itself (its own UnmarshalJSON reads the
	// members together): the payload is decoded.
	whole bool
	// fields checks each field's JSON value, by its rank in the object's
	// fields (see objectFields).
	fields []func(raw []byte) error
}

var payloadChecks = sync.OnceValue(func() map[Object]*payloadCheck {
	t := map[Object]*payloadCheck{}
	for _, o := range Objects() {
		if o != ObjectEntry {
			t[o] = newPayloadCheck(reflect.TypeOf(newData(o)).Elem(), objectFields(o).names)
		}
	}
	return t
})

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// newPayloadCheck derives the checks of the struct type t, whose fields
// are named on the wire as in names. encoding/json decodes a field from a
// JSON value in a way that depends only on the field's type: a field of a
// type with its own UnmarshalJSON gets it (null included, unless the field
// is a pointer); a string, a bool, or a pointer to either, accepts its JSON
// type or null. Fields of any other type are decoded alone, by
// encoding/json, which is what decoding the struct does with their value.
// A type that decodes itself, or whose fields do not match names, is
// decoded whole.
func newPayloadCheck(t reflect.Type, names []string) *payloadCheck {
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return &payloadCheck{whole: true}
	}
	byName := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || !f.IsExported() || tag == "" || tag == "-" || opts != "" {
			return &payloadCheck{whole: true}
		}
		byName[tag] = f.Type
	}
	c := &payloadCheck{fields: make([]func([]byte) error, len(names))}
	for i, n := range names {
		ft, ok := byName[n]
		if !ok || len(byName) != len(names) {
			return &payloadCheck{whole: true}
		}
		c.fields[i] = fieldCheck(ft)
	}
	return c
}

// fieldCheck returns the check of a JSON value decoded into a field of type
// t, as encoding/json decodes it.
func fieldCheck(t reflect.Type) func([]byte) error {
	plain := func(t reflect.Type, k reflect.Kind) bool {
		return t.Kind() == k && !reflect.PointerTo(t).Implements(jsonUnmarshaler) && !reflect.PointerTo(t).Implements(textUnmarshaler)
	}
	nullable := t.Kind() == reflect.Pointer
	if nullable {
		t = t.Elem()
	}
	switch {
	case plain(t, reflect.String):
		return kindCheck(jsonlex.String)
	case plain(t, reflect.Bool):
		return kindCheck(jsonlex.Bool)
	case !nullable && reflect.PointerTo(t).Implements(jsonUnmarshaler):
		return func(raw []byte) error {
			return reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw)
		}
	}
	if nullable {
		t = reflect.PointerTo(t)
	}
	return func(raw []byte) error { return json.Unmarshal(raw, reflect.New(t).Interface()) }
}

// kindCheck accepts a JSON value of kind k, or null. raw is one valid
// value, without white space around it.
func kindCheck(k jsonlex.Kind) func([]byte) error {
	return func(raw []byte) error {
		if got := jsonlex.KindOf(raw[0]); got != k && got != jsonlex.Null {
			return fmt.Errorf("expected %s, got %s", k, got)
		}
		return nil
	}
}

// WithTimestamp returns ev with its payload's timestamp replaced by ts:
// the payload [Event.Encode] writes for the event ev encodes, dated ts,
// without decoding ev to encode it again. ev.Data must be as Encode writes
// it (white space at its end aside): its envelope first, in Encode's order;
// the rest is kept as it is.
//
// Errors: a *PayloadError matching ErrPayload when ts is negative or
// ev.Data does not start with an envelope.
func (ev Encoded) WithTimestamp(ts int64) (Encoded, error) {
	if ts < 0 {
		return Encoded{}, payloadError(ev.Name, keyTimestamp, "negative timestamp %d", ts)
	}
	ends, err := envelopeEnds(ev.Name, ev.Data)
	if err != nil {
		return Encoded{}, err
	}
	rest := bytes.TrimRight(ev.Data[ends[0]:], " \t\r\n")
	b := make([]byte, 0, len(`{"timestamp":`)+20+len(rest)+1)
	b = strconv.AppendInt(append(b, `{"timestamp":`...), ts, 10)
	ev.Data = append(append(b, rest...), '\n')
	return ev, nil
}

// WithEnvelope returns ev with its payload's envelope replaced by env (and
// its Entity by env.EntityID), as [Encoded.WithTimestamp] replaces its
// timestamp: the payload Event.Encode writes for the event with env.
//
// Errors: a *PayloadError matching ErrPayload when env is incomplete (see
// [Event.Validate]) or ev.Data does not start with an envelope.
func (ev Encoded) WithEnvelope(env Envelope) (Encoded, error) {
	if err := env.check(ev.Name); err != nil {
		return Encoded{}, err
	}
	ends, err := envelopeEnds(ev.Name, ev.Data)
	if err != nil {
		return Encoded{}, err
	}
	rest := bytes.TrimRight(ev.Data[ends[len(ends)-1]:], " \t\r\n")
	b := appendEnvelope(make([]byte, 0, 160+len(rest)), env)
	ev.Entity, ev.Data = env.EntityID, append(append(b, rest...), '\n')
	return ev, nil
}

// envelopeEnds returns where the values of the envelope's members end in
// data, which must start with them, in Encode's order.
func envelopeEnds(name EventName, data []byte) ([len(envelopeKeys)]int, error) {
	var ends [len(envelopeKeys)]int
	var l jsonlex.Lexer
	l.Reset(data)
	more, err := l.ObjectStart()
	for i, want := range envelopeKeys {
		var k []byte
		if err == nil && !more {
			err = fmt.Errorf("the object ends before %q", want)
		}
		if err == nil {
			k, err = l.Key()
		}
		if err == nil && string(k) != want {
			err = fmt.Errorf("member %q where Encode writes %q", k, want)
		}
		if err == nil {
			_, err = l.Raw()
		}
		ends[i] = l.Offset()
		if err == nil && i < len(envelopeKeys)-1 {
			more, err = l.ObjectNext()
		}
	}
	if err != nil {
		return ends, &PayloadError{Event: name, Err: fmt.Errorf("%w: not an envelope as Encode writes it: %w", ErrPayload, err)}
	}
	return ends, nil
}

// NewUpdatedEncoded is [NewUpdated] for encoded events: old and new are
// Inserted events of one object (of the same name), as Event.Encode writes
// them, and it returns what NewUpdated(env, oldData, newData) then Encode
// would give, without decoding either: the fields whose JSON values
// differ, as [Changes] compares them, with new's value, the others null.
// A field a payload lacks has its zero value; members the SDK does not
// model are left out, as NewUpdated leaves them.
//
// Errors: ErrUnchanged when no field differs; an error matching
// ErrNoSuchEvent for an entry or a reconciliation; a *PayloadError
// matching ErrPayload when old and new are not Inserted events of one
// object that split into members, or env is incomplete.
func NewUpdatedEncoded(env Envelope, old, new Encoded) (Encoded, error) {
	if old.Name != new.Name || new.Name.Action() != Inserted {
		return Encoded{}, payloadError(new.Name, "", "cannot compare a %s with a %s", old.Name, new.Name)
	}
	o := new.Name.Object()
	name, err := NameOf(o, Updated)
	if err != nil {
		return Encoded{}, err
	}
	if err := env.check(name); err != nil {
		return Encoded{}, err
	}
	fields, zeros := objectFields(o), zeroFields()[o]
	var values [2][]json.RawMessage // by rank, old's and new's
	for i, ev := range []Encoded{old, new} {
		members, err := splitObject(ev.Data)
		if err != nil {
			return Encoded{}, &PayloadError{Event: ev.Name, Err: err}
		}
		values[i] = slices.Clone(zeros)
		for _, m := range members {
			if r, ok := fields.rank[m.key]; ok {
				values[i][r] = m.value
			}
		}
	}
	b := appendEnvelope(make([]byte, 0, 160+len(new.Data)), env)
	changed := false
	for r, key := range fields.names {
		b = appendString(append(b, ','), key)
		b = append(b, ':')
		if bytes.Equal(values[0][r], values[1][r]) {
			b = append(b, "null"...)
			continue
		}
		changed = true
		b = append(b, values[1][r]...)
	}
	if !changed {
		return Encoded{}, fmt.Errorf("%w: %s %s", ErrUnchanged, o, env.ID)
	}
	return Encoded{Name: name, Entity: env.EntityID, Data: append(b, '}', '\n')}, nil
}

// zeroFields holds, for each object but entries, the JSON values of its
// fields in a zero payload, by rank.
var zeroFields = sync.OnceValue(func() map[Object][]json.RawMessage {
	t := map[Object][]json.RawMessage{}
	for _, o := range Objects() {
		if o == ObjectEntry {
			continue
		}
		data, err := marshalData(newData(o))
		if err != nil {
			panic("sink: the zero payload of " + string(o) + " does not encode: " + err.Error()) // a bug of this package, found by every test
		}
		members, err := splitObject(data)
		if err != nil {
			panic("sink: the zero payload of " + string(o) + " does not split: " + err.Error())
		}
		zeros := make([]json.RawMessage, len(objectFields(o).names))
		for _, m := range members {
			zeros[objectFields(o).rank[m.key]] = m.value
		}
		t[o] = zeros
	}
	return t
})
