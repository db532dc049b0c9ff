package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// typedCheck is what the typed write path makes of a payload received for
// entity: DecodeEvent, the entity, Encode and the writer's checks.
func typedCheck(w *Writer, name EventName, entity string, data []byte) error {
	ev, err := DecodeEvent(name, data)
	if err != nil {
		return err
	}
	if ev.EntityID != entity {
		return fmt.Errorf("%w: entite_id %q", ErrEntity, ev.EntityID)
	}
	if _, err := ev.Encode(); err != nil {
		return err
	}
	return w.Check(ev)
}

// agree fails t unless the encoded path accepts the payload exactly when the
// typed path does, with an error of the same kind when both refuse it.
func agree(t *testing.T, w *Writer, name EventName, entity string, data []byte) {
	t.Helper()
	typed := typedCheck(w, name, entity, data)
	_, enc := w.CheckEncoded(Encoded{Name: name, Entity: entity, Data: data})
	if (typed == nil) != (enc == nil) {
		t.Fatalf("%s %s:\ntyped path: %v\nencoded path: %v", name, data, typed, enc)
	}
	if enc != nil && !errors.Is(enc, ErrPayload) && !errors.Is(enc, ErrEntity) {
		t.Fatalf("%s %s: error %v matches neither ErrPayload nor ErrEntity", name, data, enc)
	}
}

// mutations returns payload with each member's value replaced by values of
// every JSON type, each member removed, and members added.
func mutations(t testing.TB, payload []byte) [][]byte {
	values := []string{`null`, `true`, `false`, `0`, `-0`, `1`, `-1`, `3`, `9`, `1.5`, `1e3`, `12.50`,
		`123456789012345678901234567890`, `""`, `"x"`, `"2024-01-31"`, `"situation"`, `"exercise"`, `"open"`,
		`"\u0041"`, `[]`, `["a",null]`, `[1]`, `{}`, `{"a":1}`, `{"a":1,"a":2}`, `[{"b":[{"c":1,"c":2}]}]`}
	ms, err := splitObject(payload)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(ms []member) []byte {
		b := []byte{'{'}
		for i, m := range ms {
			if i > 0 {
				b = append(b, ',')
			}
			k, _ := json.Marshal(m.key)
			b = append(append(append(b, k...), ':'), m.value...)
		}
		return append(b, '}', '\n')
	}
	var out [][]byte
	for i := range ms {
		for _, v := range values {
			c := slices.Clone(ms)
			c[i].value = json.RawMessage(v)
			out = append(out, encode(c))
		}
		out = append(out, encode(slices.Delete(slices.Clone(ms), i, i+1)))
	}
	for _, add := range []member{{"miseAJour", json.RawMessage(`true`)}, {"miseAjour", json.RawMessage(`false`)},
		{"miseAJour", json.RawMessage(`1`)}, {"nouveau", json.RawMessage(`null`)}, {"nouveau", json.RawMessage(`{"x":[]}`)},
		{"numero", json.RawMessage(`"401"`)}, {"id", json.RawMessage(`"other"`)}, {"", json.RawMessage(`1`)}} {
		out = append(out, encode(append(slices.Clone(ms), add)))
	}
	// Updated events with nothing changed but unknown members.
	var envelope []member
	for _, m := range ms {
		if isEnvelopeKey(m.key) {
			envelope = append(envelope, m)
		}
	}
	out = append(out, encode(envelope), encode(append(slices.Clone(envelope), member{"nouveau", json.RawMessage(`null`)})),
		encode(append(slices.Clone(envelope), member{"nouveau", json.RawMessage(`0`)})))
	return out
}

// TestEncodedAgreesWithTypedPath: for a payload of every event name, and
// many variations of each (every member with values of every JSON type,
// removed, repeated, unknown members added), the encoded path refuses what
// the typed path refuses, and nothing else.
func TestEncodedAgreesWithTypedPath(t *testing.T) {
	w, err := NewWriter(memstore.New(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range samples(t) {
		data, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mutations(t, data) {
			for _, name := range []EventName{ev.Name, EntryInserted, AccountUpdated} {
				agree(t, w, name, ev.EntityID, m)
				n++
			}
		}
		agree(t, w, ev.Name, "another", data)
		agree(t, w, ev.Name, DefaultStateDir, data)
	}
	if n < 1000 {
		t.Errorf("only %d payloads tried", n)
	}
}

// The writer shares the string of an application_id among the events that
// spell it alike: each event still gets its own, whatever the order, the
// spelling or the goroutine that checks it.
func TestEncodedApplicationID(t *testing.T) {
	w, err := NewWriter(memstore.New(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	const entity = "e1"
	payload := func(app string) []byte {
		return []byte(`{"timestamp":1,"application_id":"` + app + `","entite_id":"e1","id":"a","libelle":"x"}`)
	}
	apps := []struct{ raw, want string }{
		{"app-1", "app-1"}, {"app-2", "app-2"}, {"app-1", "app-1"}, {`app\u002d1`, "app-1"},
		{"app-1", "app-1"}, {"app-12", "app-12"}, {"app-", "app-"},
	}
	var evs []Encoded
	for range 40 { // enough for checkAll to use several goroutines
		for _, a := range apps {
			evs = append(evs, Encoded{Name: AccountUpdated, Entity: entity, Data: payload(a.raw)})
		}
	}
	for i, ev := range evs[:len(apps)] {
		env, err := w.CheckEncoded(ev)
		if err != nil || env.ApplicationID != apps[i].want {
			t.Errorf("CheckEncoded(%s) = %q, %v; want %q", ev.Data, env.ApplicationID, err, apps[i].want)
		}
	}
	events, bad, err := w.checkAll(len(evs), func(i int) Encoded { return evs[i] }, nil)
	if err != nil {
		t.Fatalf("checkAll: %d: %v", bad, err)
	}
	for i, e := range events {
		if want := apps[i%len(apps)].want; e.ApplicationID != want {
			t.Errorf("event %d: application_id %q, want %q", i, e.ApplicationID, want)
		}
	}
}

// Concurrent encoded writes of every size, some with a bad event, share
// nothing through the memory the writer reuses between calls: each file
// holds its event's bytes, each bad event is named with its own id.
func TestEncodedCallsShareNothing(t *testing.T) {
	store := memstore.New(nil)
	w, err := NewWriter(store, &WriterOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			entity := fmt.Sprintf("e%d", g)
			off := int64(0)
			for call := range 40 {
				n := 1 + (call*7+g)%(checkChunk*2+5) // some checked on several goroutines
				bad := -1
				if call%5 == 4 {
					bad = n / 2
				}
				evs := make([]PlacedEncoded, n)
				for i := range evs {
					id := fmt.Sprintf("g%d-c%d-%d", g, call, i)
					data := `{"timestamp":1,"application_id":"app-` + entity + `","entite_id":"` + entity + `","id":"` + id + `","libelle":"` + id + `"}`
					if i == bad {
						data = strings.Replace(data, `"entite_id":"e`, `"entite_id":"other-e`, 1)
					}
					evs[i] = PlacedEncoded{Name: FileName{Event: AccountUpdated, Offset: off + int64(i), Time: at},
						Event: Encoded{Name: AccountUpdated, Entity: entity, Data: []byte(data)}}
				}
				res, err := w.WriteEncodedAt(context.Background(), evs)
				if bad >= 0 {
					we, ok := errors.AsType[*WriteError](err)
					if res != nil || !ok || we.Index != bad || we.ID != fmt.Sprintf("g%d-c%d-%d", g, call, bad) || !errors.Is(err, ErrEntity) {
						t.Errorf("%s call %d: bad event %d: %v, %v", entity, call, bad, res, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s call %d: %v", entity, call, err)
					continue
				}
				for i, f := range res.Files {
					if f.Status != WriteCreated || f.Name != evs[i].Name {
						t.Errorf("%s call %d: file %d: %+v", entity, call, i, f)
					}
					got, err := storage.ReadAll(context.Background(), store, Key(entity, f.Name))
					if err != nil || !bytes.Equal(got, evs[i].Event.Data) {
						t.Errorf("%s call %d: file %d holds %s, %v; want %s", entity, call, i, got, err, evs[i].Event.Data)
					}
				}
				off += int64(n)
			}
		})
	}
	wg.Wait()
}

// Each event's entity is checked, whatever the entity of the event before.
func TestEncodedEntityOfEach(t *testing.T) {
	w, err := NewWriter(memstore.New(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	payload := func(entity string) []byte {
		return []byte(`{"timestamp":1,"application_id":"a","entite_id":"` + entity + `","id":"x","libelle":"x"}`)
	}
	for _, bad := range []string{DefaultStateDir, "..", "a/b"} {
		var evs []Encoded
		for _, e := range []string{"e1", "e1", bad, "e1"} {
			evs = append(evs, Encoded{Name: AccountUpdated, Entity: e, Data: payload(e)})
		}
		_, err := w.WriteEncoded(context.Background(), evs)
		if we, ok := errors.AsType[*WriteError](err); !ok || we.Index != 2 || !errors.Is(err, ErrEntity) {
			t.Errorf("entity %q: %v, want ErrEntity for event 2", bad, err)
		}
	}
}

// TestEncodedEntryRules: an entry that fails the business rules is refused
// by the encoded path as by the typed one, with the entry's problem; with
// the rule skipped it passes.
func TestEncodedEntryRules(t *testing.T) {
	e := seedEntry(t)
	e.Movements = e.Movements[:len(e.Movements)-1] // unbalanced
	ev := &Event{Name: EntryInserted, Envelope: env, Data: e}
	data, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, skip := range []bool{false, true} {
		opts := &WriterOptions{}
		if skip {
			opts.Skip = []WriteRule{RuleEntryValidation}
		}
		w, err := NewWriter(memstore.New(nil), opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.CheckEncoded(Encoded{Name: EntryInserted, Entity: env.EntityID, Data: data})
		if skip != (err == nil) {
			t.Errorf("skip %v: CheckEncoded = %v", skip, err)
		}
		if !skip {
			if pe, ok := errors.AsType[*PayloadError](err); !ok || !errors.Is(err, ErrPayload) || !bytes.Contains([]byte(pe.Error()), []byte("balanced")) {
				t.Errorf("CheckEncoded = %v, want a *PayloadError naming the rule", err)
			}
		}
		agree(t, w, EntryInserted, env.EntityID, data)
	}
}

// FuzzEncoded: on any payload, the encoded path agrees with the typed one.
func FuzzEncoded(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ev := range samples(f) {
		data, err := ev.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(ev.Name), data)
		f.Add(string(ev.Name), withUnknown(data, rng, 2))
	}
	w, err := NewWriter(memstore.New(nil), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		entity := env.EntityID
		if ev, err := DecodeEvent(EventName(name), data); err == nil {
			entity = ev.EntityID
		}
		agree(t, w, EventName(name), entity, data)
	})
}

// BenchmarkCheckEncoded checks the seed's account payload as the writer's
// encoded entry points do, beside the typed path it replaces (DecodeEvent,
// then Encode and the writer's checks) and the ceiling of BenchmarkDecodeEvent
// (json.Unmarshal into a map).
func BenchmarkCheckEncoded(b *testing.B) {
	data := readTestdata(b, "seed-account.json")
	w, err := NewWriter(memstore.New(nil), nil)
	if err != nil {
		b.Fatal(err)
	}
	ev := Encoded{Name: AccountInserted, Entity: "a1ee3b15-24ef-45a5-8ff2-2b1f45440c7c", Data: data}
	b.Run("encoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.checkEncoded(ev, new(Event), ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := typedCheck(w, ev.Name, ev.Entity, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ceiling", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// WithTimestamp and WithEnvelope give the bytes the typed path gives:
// DecodeEvent, a new timestamp or envelope, Encode.
func TestEncodedWithEnvelope(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	other := Envelope{Timestamp: 42, ApplicationID: "autre <app>", EntityID: "entité-2", ID: "x\"y"}
	for _, ev := range samples(t) {
		data, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range [][]byte{data, bytes.TrimSpace(data), withUnknown(data, rng, 2)} {
			dec, err := DecodeEvent(ev.Name, in)
			if err != nil {
				t.Fatal(err)
			}
			enc := Encoded{Name: ev.Name, Entity: ev.EntityID, Data: in}
			dec.Timestamp = 1234567890123
			want, err := dec.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, err := enc.WithTimestamp(dec.Timestamp)
			if err != nil || string(got.Data) != string(want) || got.Entity != ev.EntityID {
				t.Errorf("%s: WithTimestamp = %s, %v\nwant %s", ev.Name, got.Data, err, want)
			}
			dec.Envelope = other
			if want, err = dec.Encode(); err != nil {
				t.Fatal(err)
			}
			got, err = enc.WithEnvelope(other)
			if err != nil || string(got.Data) != string(want) || got.Entity != other.EntityID {
				t.Errorf("%s: WithEnvelope = %s, %v\nwant %s", ev.Name, got.Data, err, want)
			}
		}
	}
	bad := Encoded{Name: AccountInserted, Entity: "e", Data: []byte(`{"application_id":"a","timestamp":1,"entite_id":"e","id":"x"}`)}
	if _, err := bad.WithTimestamp(1); !errors.Is(err, ErrPayload) {
		t.Errorf("WithTimestamp of an envelope out of order = %v, want ErrPayload", err)
	}
	if _, err := (Encoded{Name: AccountInserted, Data: []byte(`{}`)}).WithEnvelope(other); !errors.Is(err, ErrPayload) {
		t.Errorf("WithEnvelope of {} = %v, want ErrPayload", err)
	}
	if _, err := (Encoded{Name: AccountInserted, Data: []byte(`{}`)}).WithTimestamp(-1); !errors.Is(err, ErrPayload) {
		t.Errorf("WithTimestamp(-1) = %v, want ErrPayload", err)
	}
}

// NewUpdatedEncoded gives the bytes NewUpdated then Encode give, on the
// decoded payloads: for every object with an Updated event, between its
// sample, the sample with one field zeroed or missing, and the zero payload.
func TestNewUpdatedEncodedAgrees(t *testing.T) {
	upd := Envelope{Timestamp: 99, ApplicationID: "a", EntityID: "e", ID: "i"}
	for _, ev := range samples(t) {
		if ev.Name.Action() != Inserted || ev.Name == EntryInserted || ev.Name == ReconciliationInserted {
			continue
		}
		data, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		zero, err := (&Event{Name: ev.Name, Envelope: ev.Envelope, Data: newData(ev.Name.Object())}).Encode()
		if err != nil {
			t.Fatal(err)
		}
		ms, err := splitObject(data)
		if err != nil {
			t.Fatal(err)
		}
		zms, err := splitObject(zero)
		if err != nil {
			t.Fatal(err)
		}
		variants := [][]byte{data, zero}
		for i := range ms {
			if isEnvelopeKey(ms[i].key) {
				continue
			}
			zeroed := slices.Clone(ms)
			zeroed[i].value = zms[i].value
			variants = append(variants, encodeMembers(zeroed), encodeMembers(slices.Delete(slices.Clone(ms), i, i+1)))
		}
		for _, a := range variants {
			for _, b := range variants {
				oldEv, err := DecodeEvent(ev.Name, a)
				if err != nil {
					t.Fatal(err)
				}
				newEv, err := DecodeEvent(ev.Name, b)
				if err != nil {
					t.Fatal(err)
				}
				var want []byte
				typed, werr := NewUpdated(upd, oldEv.Data, newEv.Data)
				if werr == nil {
					want, werr = typed.Encode()
				}
				got, err := NewUpdatedEncoded(upd, Encoded{Name: ev.Name, Data: a}, Encoded{Name: ev.Name, Data: b})
				switch {
				case errors.Is(werr, ErrUnchanged):
					if !errors.Is(err, ErrUnchanged) {
						t.Errorf("%s: NewUpdatedEncoded(%s, %s) = %s, %v; want ErrUnchanged", ev.Name, a, b, got.Data, err)
					}
				case werr != nil:
					t.Fatal(werr)
				case err != nil || string(got.Data) != string(want) || got.Name != typed.Name || got.Entity != upd.EntityID:
					t.Errorf("%s: NewUpdatedEncoded(%s, %s) = %s, %v\nwant %s", ev.Name, a, b, got.Data, err, want)
				}
			}
		}
	}
	acc := Encoded{Name: AccountInserted, Data: []byte(`{}`)}
	for _, tc := range []struct {
		old, new Encoded
		want     error
	}{
		{acc, Encoded{Name: JournalInserted, Data: []byte(`{}`)}, ErrPayload},
		{Encoded{Name: EntryInserted}, Encoded{Name: EntryInserted}, ErrNoSuchEvent},
		{acc, Encoded{Name: AccountInserted, Data: []byte(`{"a":1,"a":2}`)}, ErrPayload},
	} {
		if _, err := NewUpdatedEncoded(upd, tc.old, tc.new); !errors.Is(err, tc.want) {
			t.Errorf("NewUpdatedEncoded(%s, %s) = %v, want %v", tc.old.Name, tc.new.Name, err, tc.want)
		}
	}
}

// encodeMembers writes members as one JSON object.
func encodeMembers(ms []member) []byte {
	b := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.key)
		b = append(append(b, ':'), m.value...)
	}
	return append(b, '}')
}
