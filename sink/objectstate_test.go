package sink_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
)

// history is a producer's random changes of a few objects, with the state it
// ends in: what every replica of them must hold, whatever the order in which
// the events are delivered.
type history struct {
	events []*sink.Event
	want   model
}

func randomHistory(rng *rand.Rand) history {
	h := history{want: model{}}
	ts := int64(1_700_000_000_000)
	env := func(id string) sink.Envelope {
		return sink.Envelope{Timestamp: ts, ApplicationID: "app", EntityID: "e", ID: id}
	}
	add := func(evs ...*sink.Event) { h.events = append(h.events, evs...) }
	accounts := []string{"a1", "a2", "a3"}
	entries := []string{"ecr-1", "ecr-2"}
	for range 12 + rng.IntN(20) {
		ts += int64(1 + rng.IntN(3))
		switch rng.IntN(6) {
		case 0, 1: // insert, or update some fields of, an account
			id := accounts[rng.IntN(len(accounts))]
			cur, ok := h.want[sink.ObjectAccount][id].(*sink.Account)
			if !ok {
				a := &sink.Account{Number: fmt.Sprint(401000 + rng.IntN(99)), Label: fmt.Sprint("Compte ", ts), Type: sink.AccountType(1 + rng.IntN(7))}
				add(&sink.Event{Name: sink.AccountInserted, Envelope: env(id), Data: a})
				h.want.set(sink.ObjectAccount, id, a)
				continue
			}
			nu := *cur
			if rng.IntN(2) == 0 {
				nu.Label = fmt.Sprint("Renommé ", ts)
			}
			if rng.IntN(2) == 0 {
				nu.Closed = !nu.Closed
			}
			if rng.IntN(2) == 0 {
				nu.Type = sink.AccountType(1 + rng.IntN(7))
			}
			changed, err := sink.Changes(cur, &nu)
			if err != nil {
				panic(err)
			}
			if len(changed) == 0 {
				continue
			}
			add(&sink.Event{Name: sink.AccountUpdated, Envelope: env(id), Data: &nu, Changed: changed})
			h.want.set(sink.ObjectAccount, id, &nu)
		case 2: // delete an account
			id := accounts[rng.IntN(len(accounts))]
			if _, ok := h.want[sink.ObjectAccount][id]; ok {
				add(&sink.Event{Name: sink.AccountDeleted, Envelope: env(id)})
				delete(h.want[sink.ObjectAccount], id)
			}
		case 3, 4: // insert an entry, or update it: deletion marked miseAJour and insertion
			id := entries[rng.IntN(len(entries))]
			e := sinktest.Entry(id, 2024, rng.IntN(40))
			if _, ok := h.want[sink.ObjectEntry][id]; ok {
				add(&sink.Event{Name: sink.EntryDeleted, Envelope: env(id), Update: true})
			}
			add(&sink.Event{Name: sink.EntryInserted, Envelope: env(id), Data: e})
			h.want.set(sink.ObjectEntry, id, e)
		case 5: // delete an entry
			id := entries[rng.IntN(len(entries))]
			if _, ok := h.want[sink.ObjectEntry][id]; ok {
				add(&sink.Event{Name: sink.EntryDeleted, Envelope: env(id)})
				delete(h.want[sink.ObjectEntry], id)
			}
		}
	}
	return h
}

// delivery returns the events in a random order, some delivered twice or
// three times, as decoded from their files.
func delivery(t *testing.T, rng *rand.Rand, evs []*sink.Event) []*sink.Event {
	t.Helper()
	var out []*sink.Event
	for _, ev := range evs {
		copies := 1
		if rng.IntN(4) == 0 {
			copies += 1 + rng.IntN(2) // a re-delivery or two
		}
		for range copies {
			out = append(out, decoded(t, ev))
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func decoded(t *testing.T, ev *sink.Event) *sink.Event {
	t.Helper()
	data, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	d, err := sink.DecodeEvent(ev.Name, data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// states returns the encoded state of every object of r: equal for equal
// replicas, unknown fields and tombstones included.
func states(t *testing.T, r *sink.Replica, ids map[sink.Object][]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for o, list := range ids {
		for _, id := range list {
			st := r.State(o, id)
			if st == nil {
				continue
			}
			b, err := st.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			out[string(o)+"/"+id] = string(b)
		}
	}
	return out
}

// TestReplicaAnyDeliveryOrder: for random histories, 1,000 random delivery
// orders with re-deliveries each end in the producer's state, and in the
// same replica state.
func TestReplicaAnyDeliveryOrder(t *testing.T) {
	orders := 1000
	if testing.Short() {
		orders = 100
	}
	ids := map[sink.Object][]string{sink.ObjectAccount: {"a1", "a2", "a3"}, sink.ObjectEntry: {"ecr-1", "ecr-2"}}
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 13))
		h := randomHistory(rng)
		var first map[string]string
		for n := range orders / 8 {
			r := sink.NewReplica("e")
			for _, ev := range delivery(t, rng, h.events) {
				if _, err := r.Apply(ev); err != nil {
					t.Fatalf("seed %d order %d: apply %s %s@%d: %v", seed, n, ev.Name, ev.ID, ev.Timestamp, err)
				}
			}
			checkReplica(t, r, h.want, fmt.Sprintf("seed %d order %d", seed, n))
			got := states(t, r, ids)
			if first == nil {
				first = got
			} else if diff := cmp.Diff(first, got); diff != "" {
				t.Fatalf("seed %d order %d: another state than the first order's (-first +got):\n%s", seed, n, diff)
			}
		}
	}
}

// checkReplica compares the accounts and entries of r with want.
func checkReplica(t *testing.T, r *sink.Replica, want model, what string) {
	t.Helper()
	got := model{}
	for id, a := range sink.All[*sink.Account](r) {
		got.set(sink.ObjectAccount, id, a)
	}
	for id, e := range sink.All[*entry.Entry](r) {
		got.set(sink.ObjectEntry, id, e)
	}
	w := model{}
	for _, o := range []sink.Object{sink.ObjectAccount, sink.ObjectEntry} {
		for id, v := range want[o] {
			w.set(o, id, v)
		}
	}
	if diff := cmp.Diff(w, got, entrycmp.Options()); diff != "" {
		t.Fatalf("%s: replica differs from the producer (-want +got):\n%s", what, diff)
	}
}

// TestReplicaKafkaOffsets is the case of a sink fed by Kafka, where each
// topic numbers its own offsets: five accounts inserted (offsets 0-4 of the
// Inserted topic), the fifth renamed (offset 0 of the Updated topic). Read
// by offset, the update comes first; the rename must not be lost.
func TestReplicaKafkaOffsets(t *testing.T) {
	var evs []*sink.Event
	for i := range 5 {
		evs = append(evs, &sink.Event{Name: sink.AccountInserted, Envelope: sink.Envelope{Timestamp: 100, ApplicationID: "a", EntityID: "e", ID: fmt.Sprint("a", i)},
			Data: &sink.Account{Number: fmt.Sprint(401000 + i), Label: "Compte"}})
	}
	rename := &sink.Event{Name: sink.AccountUpdated, Envelope: sink.Envelope{Timestamp: 200, ApplicationID: "a", EntityID: "e", ID: "a4"},
		Data: &sink.Account{Label: "Renommé"}, Changed: []string{"libelle"}}
	r := sink.NewReplica("e")
	for _, ev := range append([]*sink.Event{rename}, evs...) {
		if _, err := r.Apply(decoded(t, ev)); err != nil {
			t.Fatal(err)
		}
	}
	if a, ok := sink.Get[*sink.Account](r, "a4"); !ok || a.Label != "Renommé" || a.Number != "401004" {
		t.Errorf("a4 = %+v (held %v), want number 401004 renamed", a, ok)
	}
	if n := r.Len(sink.ObjectAccount); n != 5 {
		t.Errorf("%d accounts, want 5", n)
	}
}

// TestReplicaUpdatesOutOfOrder: two updates of different fields, delivered
// out of timestamp order, both show: the older one's field is kept.
func TestReplicaUpdatesOutOfOrder(t *testing.T) {
	ins := &sink.Event{Name: sink.AccountInserted, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e", ID: "a"},
		Data: &sink.Account{Number: "401", Label: "Compte"}}
	label := &sink.Event{Name: sink.AccountUpdated, Envelope: sink.Envelope{Timestamp: 2, ApplicationID: "a", EntityID: "e", ID: "a"},
		Data: &sink.Account{Label: "Renommé"}, Changed: []string{"libelle"}}
	closed := &sink.Event{Name: sink.AccountUpdated, Envelope: sink.Envelope{Timestamp: 3, ApplicationID: "a", EntityID: "e", ID: "a"},
		Data: &sink.Account{Closed: true}, Changed: []string{"ferme"}}
	want := &sink.Account{Number: "401", Label: "Renommé", Closed: true}
	evs := []*sink.Event{ins, label, closed}
	for _, p := range permutations(len(evs)) {
		r := sink.NewReplica("e")
		for _, i := range p {
			if _, err := r.Apply(evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := sink.Get[*sink.Account](r, "a"); !cmp.Equal(got, want) {
			t.Errorf("order %v: %+v, want %+v", p, got, want)
		}
	}
}

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := range n {
			q := slices.Insert(slices.Clone(p), i, n-1)
			out = append(out, q)
		}
	}
	return out
}

// TestReplicaConflict: two files of one object with the same timestamp and
// other content are reported as a conflict, distinct from an identical
// re-delivery, and end in the same state in either order.
func TestReplicaConflict(t *testing.T) {
	mk := func(label string) *sink.Event {
		return &sink.Event{Name: sink.AccountInserted, Envelope: sink.Envelope{Timestamp: 5, ApplicationID: "a", EntityID: "e", ID: "a"},
			Data: &sink.Account{Number: "401", Label: label}}
	}
	x, y := mk("Fournisseurs"), mk("Clients")
	var labels []string
	for _, order := range [][]*sink.Event{{x, y}, {y, x}} {
		r := sink.NewReplica("e")
		var outs []sink.Outcome
		for _, ev := range order {
			out, err := r.Apply(ev)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, out)
		}
		if want := []sink.Outcome{sink.Applied, sink.Conflict}; !slices.Equal(outs, want) {
			t.Errorf("outcomes %v, want %v", outs, want)
		}
		a, _ := sink.Get[*sink.Account](r, "a")
		labels = append(labels, a.Label)
	}
	if labels[0] != labels[1] {
		t.Errorf("the conflict resolved to %q in one order and %q in the other", labels[0], labels[1])
	}
	r := sink.NewReplica("e")
	r.Apply(x)
	if out, _ := r.Apply(mk("Fournisseurs")); out != sink.Unchanged {
		t.Errorf("an identical re-delivery: %v, want unchanged", out)
	}
}

// TestReplicaKeepsUnknownFields: members the SDK does not model are merged
// like the others, and come back in the state's payload.
func TestReplicaKeepsUnknownFields(t *testing.T) {
	ins := []byte(`{"timestamp":1,"application_id":"a","entite_id":"e","id":"a","numero":"401","libelle":"Compte","collectif":false,"lettrable":false,"pointable":false,"centralisable":false,"analytique":false,"ferme":false,"compteContrepartie_id":null,"compteBanque_id":null,"tva_id":null,"type":1,"ventilationDefaut":null,"nouveau":{"a":[1,2]},"autre":"x"}`)
	upd := []byte(`{"timestamp":2,"application_id":"a","entite_id":"e","id":"a","numero":null,"libelle":null,"autre":"y","encore":true}`)
	r := sink.NewReplica("e")
	for _, p := range []struct {
		name sink.EventName
		data []byte
	}{{sink.AccountUpdated, upd}, {sink.AccountInserted, ins}} {
		ev, err := sink.DecodeEvent(p.name, p.data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(r.State(sink.ObjectAccount, "a").Payload(), &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"nouveau": map[string]any{"a": []any{1.0, 2.0}}, "autre": "y", "encore": true, "libelle": "Compte"} {
		if !cmp.Equal(got[k], want) {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
}

func TestObjectStateBinary(t *testing.T) {
	var s sink.ObjectState
	for _, ev := range []*sink.Event{
		{Name: sink.AccountInserted, Envelope: sink.Envelope{Timestamp: 3, ApplicationID: "a", EntityID: "e", ID: "a"}, Data: &sink.Account{Number: "401", Label: "é\"<"}},
		{Name: sink.AccountUpdated, Envelope: sink.Envelope{Timestamp: 4, ApplicationID: "a", EntityID: "e", ID: "a"}, Data: &sink.Account{Label: "x"}, Changed: []string{"libelle"}},
	} {
		if _, err := s.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back sink.ObjectState
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, _ := back.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Errorf("round trip:\n%s\n%s", b, b2)
	}
	d1, _ := s.Data()
	d2, _ := back.Data()
	if !cmp.Equal(d1, d2) {
		t.Errorf("data %+v, after a round trip %+v", d1, d2)
	}
	for _, bad := range []string{``, `{}`, `{"object":"Nope","fields":[]}`, `{"object":"Compte","fields":[["a",-1,1]]}`,
		`{"object":"Compte","fields":[["a",1,null]]}`, `{"object":"Compte","inserted":5,"deleted":6,"fields":[]}`,
		`{"object":"Compte","fields":[["a",1,1],["a",1,2]]}`, `{"object":"Compte","fields":[],"x":1}`} {
		if err := back.UnmarshalBinary([]byte(bad)); !errors.Is(err, sink.ErrState) {
			t.Errorf("UnmarshalBinary(%s) = %v, want ErrState", bad, err)
		}
	}
}

func FuzzObjectStateBinary(f *testing.F) {
	f.Add([]byte(`{"object":"Compte","inserted":3,"deleted":-1,"replaced":-1,"fields":[["numero",3,"401"],["x",4,{"a":1}]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s sink.ObjectState
		if err := s.UnmarshalBinary(data); err != nil {
			return
		}
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var again sink.ObjectState
		if err := again.UnmarshalBinary(b); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if b2, _ := again.MarshalBinary(); !bytes.Equal(b, b2) {
			t.Fatalf("not stable:\n%s\n%s", b, b2)
		}
	})
}

// An event whose payload is given by value (entry.Entry, not *entry.Entry)
// is accepted, and typed access still gives a pointer: no later panic.
func TestIssue13PayloadByValue(t *testing.T) {
	e := sinktest.Entry("ecr-v", 2024, 3)
	r := sink.NewReplica("e")
	ev := &sink.Event{Name: sink.EntryInserted, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e", ID: "ecr-v"}, Data: *e}
	if _, err := r.Apply(ev); err != nil {
		t.Fatal(err)
	}
	got, ok := sink.Get[*entry.Entry](r, "ecr-v")
	if !ok || !cmp.Equal(got, e, entrycmp.Options()) {
		t.Errorf("Get = %v, %v; want the entry", got, ok)
	}
	if v, _ := r.Get(sink.ObjectEntry, "ecr-v"); v.(*entry.Entry) == nil {
		t.Error("Replica.Get does not give a pointer")
	}
}
