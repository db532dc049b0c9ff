package sink_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

const entity = sinktest.DemoEntityID

func readAll(t *testing.T, s storage.Store, opts *sink.ReadOptions) ([]*sink.Item, sink.Stats) {
	t.Helper()
	r, err := sink.NewReader(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Read(context.Background(), entity, opts)
	var items []*sink.Item
	for it, err := range st.All() {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	return items, st.Stats()
}

func put(t *testing.T, s storage.Store, key, content string) {
	t.Helper()
	if err := storage.WriteAll(context.Background(), s, key, []byte(content), nil); err != nil {
		t.Fatal(err)
	}
}

func TestReaderOrderSkipsAndResume(t *testing.T) {
	store := memstore.New(nil)
	if _, err := initialize(t, store, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	// Files that are not events, mixed into the directory.
	bad := map[string]error{
		entity + "/notes.txt": sink.ErrFileName,
		entity + "/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-900-2024-02-01T08:00:00.000Z.json":     sink.ErrPayload,
		entity + "/other.ns.comptaCompteInserted-901-2024-02-01T08:00:00.000Z.json":                                   sink.ErrFileName,
		entity + "/sub/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-902-2024-02-01T08:00:00.000Z.json": sink.ErrFileName,
		entity + "/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-903-2024-02-01T08:00:00.000Z.json":     sink.ErrPayload,
	}
	for key := range bad {
		content := "not json"
		if strings.HasSuffix(key, "903-2024-02-01T08:00:00.000Z.json") {
			content = `{"timestamp":1,"application_id":"a","entite_id":"someone-else","id":"x"}`
		}
		put(t, store, key, content)
	}
	// By default, an event file that does not decode is an error in the
	// stream, naming its key; reading goes on after it. With
	// SkipUnreadable it is only recorded, like files that are not events.
	for _, skip := range []bool{false, true} {
		r, _ := sink.NewReader(store, nil)
		st := r.Read(context.Background(), entity, &sink.ReadOptions{SkipUnreadable: skip})
		var items []*sink.Item
		errs := map[string]error{}
		for it, err := range st.All() {
			if err != nil {
				var ke *storage.KeyError
				if !errors.As(err, &ke) {
					t.Fatalf("error without its key: %v", err)
				}
				errs[ke.Key] = err
				continue
			}
			items = append(items, it)
		}
		stats := st.Stats()
		if len(items) != 33 || stats.Events != 33 || stats.Duplicates != 0 || stats.Reports != 1 {
			t.Fatalf("skip=%v: read %d events, stats %+v; want the 33 events of the initialization and its report", skip, len(items), stats)
		}
		for i, it := range items {
			if it.File.Offset != int64(i) {
				t.Errorf("event %d has offset %d: not in offset order", i, it.File.Offset)
			}
		}
		got := map[string]error{}
		for _, s := range stats.Skipped {
			got[s.Key] = s.Err
		}
		maps.Copy(got, errs)
		if len(got) != len(bad) || stats.Errors != len(errs) {
			t.Errorf("skip=%v: skipped %v, errors %v (%d counted); want the %d bad files", skip, stats.Skipped, errs, stats.Errors, len(bad))
		}
		for key, want := range bad {
			if !errors.Is(got[key], want) {
				t.Errorf("skip=%v: %s gave %v, want %v", skip, key, got[key], want)
			}
			if _, isErr := errs[key]; isErr != (want == sink.ErrPayload && !skip) {
				t.Errorf("skip=%v: %s yielded as an error: %v", skip, key, isErr)
			}
		}
	}
	// Resume after offset 29.
	rest, _ := readAll(t, store, &sink.ReadOptions{From: 30, SkipUnreadable: true})
	if len(rest) != 3 || rest[0].File.Offset != 30 {
		t.Errorf("resuming from 30 read %d events starting at %v", len(rest), rest[0].File)
	}
}

func TestReaderDropsRedeliveries(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	if _, err := initialize(t, store, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	items, _ := readAll(t, store, nil)
	// Re-deliver five events under fresh offsets, as a partial
	// re-initialization does.
	w, _ := sink.NewWriter(store, nil)
	for _, it := range items[:5] {
		if _, err := w.Write(ctx, it.Event); err != nil {
			t.Fatal(err)
		}
	}
	again, stats := readAll(t, store, nil)
	if len(again) != 33 || stats.Duplicates != 5 {
		t.Errorf("read %d events, %d duplicates; want 33 and 5", len(again), stats.Duplicates)
	}
}

func TestReaderErrors(t *testing.T) {
	r, _ := sink.NewReader(memstore.New(nil), nil)
	for _, e := range []string{"", "a/b", ".."} {
		var errs []error
		for it, err := range r.Read(context.Background(), e, nil).All() {
			if err == nil {
				t.Errorf("Read(%q) yielded %v, want only its error", e, it)
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], sink.ErrEntity) {
			t.Errorf("Read(%q): %v, want one error matching ErrEntity", e, errs)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	store := memstore.New(nil)
	put(t, store, entity+"/x", "")
	r, _ = sink.NewReader(store, nil)
	var got error
	for _, err := range r.Read(ctx, entity, nil).All() {
		got = err
	}
	if !errors.Is(got, context.Canceled) {
		t.Errorf("cancelled read: %v, want context.Canceled", got)
	}
	if _, err := sink.NewReader(nil, nil); err == nil {
		t.Error("NewReader(nil) succeeded")
	}
}

func TestReplicaRules(t *testing.T) {
	ev := func(name sink.EventName, id string, ts int64, data any, changed ...string) *sink.Event {
		return &sink.Event{Name: name, Envelope: sink.Envelope{Timestamp: ts, ApplicationID: "a", EntityID: "e", ID: id}, Data: data, Changed: changed}
	}
	r := sink.NewReplica("e")
	apply := func(e *sink.Event, want sink.Outcome) {
		t.Helper()
		got, err := r.Apply(e)
		if err != nil || got != want {
			t.Fatalf("Apply(%s %s @%d) = %v, %v; want %v", e.Name, e.ID, e.Timestamp, got, err, want)
		}
	}
	apply(ev(sink.AccountInserted, "a1", 10, &sink.Account{Number: "401", Label: "Fournisseurs", Type: 1}), sink.Applied)
	apply(ev(sink.AccountUpdated, "a1", 20, &sink.Account{Label: "Fournisseurs France"}, "libelle"), sink.Applied)
	got, _ := r.Get(sink.ObjectAccount, "a1")
	if want := (&sink.Account{Number: "401", Label: "Fournisseurs France", Type: 1}); !cmp.Equal(got, want) {
		t.Errorf("after the update: %+v, want %+v", got, want)
	}
	// An older update or insertion never overwrites; a re-delivery changes nothing.
	apply(ev(sink.AccountUpdated, "a1", 15, &sink.Account{Label: "old"}, "libelle"), sink.Unchanged)
	apply(ev(sink.AccountInserted, "a1", 5, &sink.Account{Number: "old"}), sink.Unchanged)
	apply(ev(sink.AccountUpdated, "a1", 20, &sink.Account{Label: "Fournisseurs France"}, "libelle"), sink.Unchanged)
	// The same timestamp with other content is a conflict.
	apply(ev(sink.AccountUpdated, "a1", 20, &sink.Account{Label: "Fournisseurs Europe"}, "libelle"), sink.Conflict)
	// A deletion leaves a tombstone: a late older insertion stays deleted.
	apply(ev(sink.AccountDeleted, "a1", 30, nil), sink.Applied)
	apply(ev(sink.AccountInserted, "a1", 25, &sink.Account{Number: "401"}), sink.Unchanged)
	if _, ok := r.Get(sink.ObjectAccount, "a1"); ok || r.Len(sink.ObjectAccount) != 0 {
		t.Error("a deleted account is still there")
	}
	// An update of an object not inserted (yet) waits for its insertion.
	apply(ev(sink.AccountUpdated, "nope", 40, &sink.Account{Label: "x"}, "libelle"), sink.Applied)
	if _, ok := r.Get(sink.ObjectAccount, "nope"); ok {
		t.Error("an update without its insertion made the account visible")
	}
	apply(ev(sink.AccountInserted, "nope", 35, &sink.Account{Number: "411", Label: "y"}), sink.Applied)
	if got, _ := sink.Get[*sink.Account](r, "nope"); got == nil || got.Label != "x" || got.Number != "411" {
		t.Errorf("insertion after its update: %+v, want number 411 and the update's label x", got)
	}
	// The entry update: deletion with miseAJour, then insertion, same timestamp.
	e1 := sinktest.Entry("ecr-1", 2024, 1)
	e2 := sinktest.Entry("ecr-1", 2024, 2)
	apply(ev(sink.EntryInserted, "ecr-1", 10, e1), sink.Applied)
	del := ev(sink.EntryDeleted, "ecr-1", 20, nil)
	del.Update = true
	apply(del, sink.Applied)
	apply(ev(sink.EntryInserted, "ecr-1", 20, e2), sink.Applied)
	if got, _ := sink.Get[*entry.Entry](r, "ecr-1"); !cmp.Equal(got, e2, entrycmp.Options()) {
		t.Error("the entry was not replaced by its new version")
	}
	if _, err := r.Apply(&sink.Event{Name: sink.AccountDeleted, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "other", ID: "x"}}); !errors.Is(err, sink.ErrEntity) {
		t.Errorf("event of another entity: %v, want ErrEntity", err)
	}
}

// shuffled lists its store in random order, as some object stores and
// copies do; the reader must not depend on listing order.
type shuffled struct {
	storage.Store
	rng *rand.Rand
}

func (s shuffled) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		var objs []storage.Object
		for o, err := range s.Store.List(ctx, prefix) {
			if err != nil {
				yield(o, err)
				return
			}
			objs = append(objs, o)
		}
		s.rng.Shuffle(len(objs), func(i, j int) { objs[i], objs[j] = objs[j], objs[i] })
		for _, o := range objs {
			if !yield(o, nil) {
				return
			}
		}
	}
}

// model is the producer's view of the entity: what a replica must hold.
type model map[sink.Object]map[string]any

func (m model) set(o sink.Object, id string, v any) {
	if m[o] == nil {
		m[o] = map[string]any{}
	}
	m[o][id] = v
}

// TestReplicaEqualsProducer writes an initialization and random changes,
// reads them back (listed in random order, some delivered twice) into a
// replica, and compares it with the producer's own state.
func TestReplicaEqualsProducer(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(seed, 7))
			store := memstore.New(nil)
			res, err := initialize(t, store, sinktest.Company(nil), nil)
			if err != nil {
				t.Fatal(err)
			}
			// The producer's state after the initialization: what it sent.
			want := model{}
			initial, _ := readAll(t, store, nil)
			for _, it := range initial {
				want.set(it.Event.Name.Object(), it.Event.ID, it.Event.Data)
			}
			if len(want[sink.ObjectEntry]) != 8 || res.Created != 33 {
				t.Fatalf("unexpected initialization: %d entries", len(want[sink.ObjectEntry]))
			}

			w, _ := sink.NewWriter(store, nil)
			ts := sinktest.Timestamp
			var sent []*sink.Event
			for range 40 {
				ts += 1000
				envelope := func(id string) sink.Envelope {
					return sink.Envelope{Timestamp: ts, ApplicationID: "app", EntityID: entity, ID: id}
				}
				var evs []*sink.Event
				switch rng.IntN(5) {
				case 0: // rename an account
					ids := slices.Sorted(mapKeys(want[sink.ObjectAccount]))
					if len(ids) == 0 {
						continue
					}
					id := ids[rng.IntN(len(ids))]
					old := want[sink.ObjectAccount][id].(*sink.Account)
					nu := *old
					nu.Label = fmt.Sprintf("Compte renommé %d", ts)
					changed, _ := sink.Changes(old, &nu)
					evs = append(evs, &sink.Event{Name: sink.AccountUpdated, Envelope: envelope(id), Data: &sink.Account{Label: nu.Label}, Changed: changed})
					want.set(sink.ObjectAccount, id, &nu)
				case 1: // update an entry: deletion marked miseAJour, then the new version
					ids := slices.Sorted(mapKeys(want[sink.ObjectEntry]))
					if len(ids) == 0 {
						continue
					}
					id := ids[rng.IntN(len(ids))]
					nu := sinktest.Entry(id, 2024, rng.IntN(50))
					evs = append(evs, &sink.Event{Name: sink.EntryDeleted, Envelope: envelope(id), Update: true},
						&sink.Event{Name: sink.EntryInserted, Envelope: envelope(id), Data: nu})
					want.set(sink.ObjectEntry, id, nu)
				case 2: // delete an entry
					ids := slices.Sorted(mapKeys(want[sink.ObjectEntry]))
					if len(ids) == 0 {
						continue
					}
					id := ids[rng.IntN(len(ids))]
					evs = append(evs, &sink.Event{Name: sink.EntryDeleted, Envelope: envelope(id)})
					delete(want[sink.ObjectEntry], id)
				case 3: // a new entry
					id := fmt.Sprintf("ecr-new-%d", ts)
					e := sinktest.Entry(id, 2024, rng.IntN(50))
					evs = append(evs, &sink.Event{Name: sink.EntryInserted, Envelope: envelope(id), Data: e})
					want.set(sink.ObjectEntry, id, e)
				case 4: // a new third party, then maybe its deletion
					id := fmt.Sprintf("tp-new-%d", ts)
					tp := &sink.ThirdParty{Code: id, Kind: sink.Customer, Name: "Nouveau", Active: true}
					evs = append(evs, &sink.Event{Name: sink.ThirdPartyInserted, Envelope: envelope(id), Data: tp})
					want.set(sink.ObjectThirdParty, id, tp)
					if rng.IntN(2) == 0 {
						ts += 1000
						evs = append(evs, &sink.Event{Name: sink.ThirdPartyDeleted, Envelope: envelope(id)})
						delete(want[sink.ObjectThirdParty], id)
					}
				}
				if _, err := w.WriteBatch(ctx, evs); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, evs...)
			}
			// Re-deliver a few events, under fresh offsets, after the fact.
			for range 5 {
				if _, err := w.Write(ctx, sent[rng.IntN(len(sent))]); err != nil {
					t.Fatal(err)
				}
			}

			replica := sink.NewReplica(entity)
			r, _ := sink.NewReader(shuffled{store, rng}, nil)
			st := r.Read(ctx, entity, nil)
			for it, err := range st.All() {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := replica.Apply(it.Event); err != nil {
					t.Fatalf("apply %s: %v", it.Key, err)
				}
			}
			if st.Stats().Duplicates < 5 {
				t.Errorf("%d duplicates dropped, want at least the 5 re-deliveries", st.Stats().Duplicates)
			}
			check := func(when string) {
				for _, o := range sink.Objects() {
					got := map[string]any{}
					for id, v := range replica.Objects(o) {
						got[id] = v
					}
					wantO := want[o]
					if wantO == nil {
						wantO = map[string]any{}
					}
					if diff := cmp.Diff(wantO, got, entrycmp.Options(), cmp.Comparer(func(a, b *entry.Entry) bool {
						return cmp.Equal(a, b, entrycmp.Options())
					})); diff != "" {
						t.Errorf("%s: %s: replica differs from the producer (-producer +replica):\n%s", when, o, diff)
					}
				}
			}
			check("one read")
			// A consumer of a live sink re-reads from a margin back: the
			// events applied twice change nothing.
			from := int64(rng.IntN(int(st.Positions()[sink.EntryInserted]) + 1))
			for it, err := range r.Read(ctx, entity, &sink.ReadOptions{From: from}).All() {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := replica.Apply(it.Event); err != nil {
					t.Fatalf("apply %s again: %v", it.Key, err)
				}
			}
			check(fmt.Sprintf("re-read from offset %d", from))
		})
	}
}

func mapKeys[V any](m map[string]V) iter.Seq[string] {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestReplicaCompleteUpdateOfUnknownObject(t *testing.T) {
	r := sink.NewReplica("e")
	p := &sink.Parameter{Code: "DEVISE", Label: "Devise", Value: "EUR"}
	ev := &sink.Event{Name: sink.ParameterUpdated, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e", ID: "p"},
		Data: p, Changed: []string{"code", "libelle", "valeur"}}
	if out, err := r.Apply(ev); out != sink.Applied || err != nil {
		t.Fatalf("complete update of an unknown parameter: %v, %v", out, err)
	}
	if got, _ := sink.Get[*sink.Parameter](r, "p"); got != p {
		t.Errorf("got %v, want %v", got, p)
	}
	partial := *ev
	partial.ID, partial.Changed = "q", []string{"valeur"}
	if _, err := r.Apply(&partial); err != nil {
		t.Fatal(err)
	}
	if got, ok := sink.Get[*sink.Parameter](r, "q"); ok {
		t.Errorf("partial update of an unknown parameter made it visible: %+v", got)
	}
}

// TestReplicaEntryUpdateInEitherOrder: the two halves of an entry update
// (a deletion marked miseAJour and an insertion, same timestamp) give the
// new version whichever comes first, as with per-topic Kafka offsets.
func TestReplicaEntryUpdateInEitherOrder(t *testing.T) {
	e1, e2 := sinktest.Entry("ecr-1", 2024, 1), sinktest.Entry("ecr-1", 2024, 2)
	mk := func(name sink.EventName, ts int64, data any, update bool) *sink.Event {
		return &sink.Event{Name: name, Envelope: sink.Envelope{Timestamp: ts, ApplicationID: "a", EntityID: "e", ID: "ecr-1"}, Data: data, Update: update}
	}
	for _, order := range [][]*sink.Event{
		{mk(sink.EntryInserted, 10, e1, false), mk(sink.EntryDeleted, 20, nil, true), mk(sink.EntryInserted, 20, e2, false)},
		{mk(sink.EntryInserted, 10, e1, false), mk(sink.EntryInserted, 20, e2, false), mk(sink.EntryDeleted, 20, nil, true)},
		{mk(sink.EntryInserted, 20, e2, false), mk(sink.EntryDeleted, 20, nil, true), mk(sink.EntryInserted, 10, e1, false)},
	} {
		r := sink.NewReplica("e")
		for _, ev := range order {
			if _, err := r.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
		if got, ok := sink.Get[*entry.Entry](r, "ecr-1"); !ok || !cmp.Equal(got, e2, entrycmp.Options()) {
			t.Errorf("order %v: entry %v (held %v), want the new version", names(order), got, ok)
		}
	}
	// A real deletion at the same timestamp still deletes.
	r := sink.NewReplica("e")
	r.Apply(mk(sink.EntryInserted, 20, e2, false))
	if out, _ := r.Apply(mk(sink.EntryDeleted, 20, nil, false)); out != sink.Applied || r.Len(sink.ObjectEntry) != 0 {
		t.Error("a real deletion was not applied")
	}
}

func names(evs []*sink.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("%s@%d", ev.Name, ev.Timestamp))
	}
	return out
}

// TestReaderPositions resumes with per-event positions, as a Kafka-fed sink
// needs: every event is read once across the two readings.
func TestReaderPositions(t *testing.T) {
	store := memstore.New(nil)
	if _, err := initialize(t, store, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	r, _ := sink.NewReader(store, nil)
	st := r.Read(context.Background(), entity, nil)
	n := 0
	for _, err := range st.All() {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 20 {
			break
		}
	}
	pos := st.Positions()
	rest, _ := readAll(t, store, &sink.ReadOptions{After: pos})
	if len(rest) != 13 {
		t.Errorf("resuming after %v read %d events, want the other 13", pos, len(rest))
	}
	// Positions of one event name do not hold back the others.
	only := map[sink.EventName]int64{sink.AccountInserted: 1 << 40}
	all, _ := readAll(t, store, &sink.ReadOptions{After: only})
	for _, it := range all {
		if it.Event.Name == sink.AccountInserted {
			t.Errorf("read %s, past its position", it.Key)
		}
	}
	if len(all) != 33-9 {
		t.Errorf("read %d events, want the 24 that are not accounts", len(all))
	}
}
