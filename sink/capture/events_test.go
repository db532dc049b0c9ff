package capture

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// typedEvents is how events were made before the writer took encoded events:
// the stored payloads decoded, the events built typed, then encoded. The
// capture's events must be these bytes, so that a batch recorded by a
// former version is completed identically.
func (c *Capture) typedEvents(t *testing.T, o, n *record, deletedAt int64) ([][]byte, error) {
	t.Helper()
	at := func(ts int64) int64 {
		if o != nil && ts <= o.Changed {
			return o.Changed + 1
		}
		return ts
	}
	env := func(r *record, ts int64) sink.Envelope {
		return sink.Envelope{Timestamp: at(ts), ApplicationID: c.app, EntityID: c.entity, ID: r.ID}
	}
	decode := func(r *record) *sink.Event {
		ev, err := sink.DecodeEvent(r.Event, r.Payload)
		if err != nil {
			t.Fatal(err)
		}
		ev.Timestamp = at(r.Changed)
		return ev
	}
	deleted := func(r *record, ts int64) []*sink.Event {
		if r.Event.Object() == sink.ObjectReconciliation {
			return nil
		}
		ev, err := sink.NewDeleted(env(r, ts), r.Event.Object())
		if err != nil {
			t.Fatal(err)
		}
		return []*sink.Event{ev}
	}
	var evs []*sink.Event
	switch {
	case !changed(o, n):
	case n != nil && n.Deleted:
		evs = deleted(o, n.Changed)
	case n == nil:
		evs = deleted(o, o.deletedAt(deletedAt))
	case o.live() == nil:
		evs = []*sink.Event{decode(n)}
	case o.Event != n.Event:
		ins := decode(n)
		evs = append(deleted(o, n.Changed), ins)
	default:
		ins := decode(n)
		if e, ok := ins.Data.(*entry.Entry); ok {
			var err error
			if evs, err = sink.NewEntryUpdate(env(n, n.Changed), e); err != nil {
				t.Fatal(err)
			}
			break
		}
		upd, err := sink.NewUpdated(env(n, n.Changed), decode(o).Data, ins.Data)
		if errors.Is(err, sink.ErrUnchanged) {
			break
		}
		if err != nil {
			return nil, err
		}
		evs = []*sink.Event{upd}
	}
	var out [][]byte
	for _, ev := range evs {
		data, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out, nil
}

// TestEventsAsTyped: for documents of every object, inserted, updated in
// each of their fields, retyped, deleted and back, the events made from the
// stored payloads are byte for byte those of the typed path.
func TestEventsAsTyped(t *testing.T) {
	w, err := sink.NewWriter(memstore.New(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Store: memstore.New(nil), Writer: w, EntityID: sinktest.DemoEntityID, ApplicationID: sinktest.DemoApplicationID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	acc := "11111111-1111-4111-8111-111111111111"
	dates := func(s string) period.Date {
		d, err := period.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	open := period.StatusOpen
	datas := [][]any{
		{&sink.Account{Number: "411000", Label: "Clients", Collective: true, Type: 2}, &sink.Account{Number: "411000", Label: "Clients <France> & co", Type: 2, VATID: &acc},
			&sink.Account{}},
		{&sink.VAT{Code: "TN", Label: "TVA", Rate: decimal.RequireFromString("20.00"), Regime: 1, Collection: sink.RawJSON(`{ "vente" : "445710" }`)},
			&sink.VAT{Code: "TN", Label: "TVA", Rate: decimal.RequireFromString("20.0"), Regime: 1}},
		{&sink.ThirdParty{Code: "C1", Kind: sink.Supplier, Name: "Dupont", Address: sink.RawJSON(`{"ville":"Lyon"}`), BankDetails: sink.RawJSON(`[]`)},
			&sink.ThirdParty{Code: "C1", Kind: sink.Customer, Name: "Dupont é", Address: sink.RawJSON(`{"ville":"Paris"}`)}},
		{&sink.Period{Kind: period.KindExercise, Start: dates("2024-01-01"), End: dates("2024-12-31"), Status: &open},
			&sink.Period{Kind: period.KindSituation, Start: dates("2024-01-01"), End: dates("2024-06-30"), ExerciseID: &acc}},
		{&sink.Journal{Code: "AC", Label: "Achats", Type: sink.JournalTypePurchase}, &sink.Journal{Code: "AC", Label: "Achats", Closed: true}},
		{&sink.Reconciliation{BankAccountID: acc, Date: dates("2024-01-31"), Amount: decimal.RequireFromString("-12.50"), EntryIDs: []string{"e1"}},
			&sink.Reconciliation{BankAccountID: acc, Date: dates("2024-02-29"), Amount: decimal.RequireFromString("1")}},
		{sinktest.Entry("ecr-1", 2024, 1), sinktest.Entry("ecr-1", 2024, 2)},
		{&sink.Branch{Code: "SIEGE", Name: "Siège", Type: 1, Nature: 2}, &sink.Parameter{Code: "DEVISE", Value: "EUR"}},
	}
	base := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	var recs []*record
	for i, versions := range datas {
		for j, data := range versions {
			d := &document.Doc{Type: "t", ID: fmt.Sprintf("doc-%d", i), Version: fmt.Sprint(j), Data: data, Changed: base.Add(time.Duration(j) * time.Hour)}
			r, err := c.newRecord(d, base)
			if err != nil {
				t.Fatalf("%T: %v", data, err)
			}
			recs = append(recs, r)
		}
	}
	n := 0
	for _, o := range append(recs, nil) {
		for _, nw := range append(recs, nil) {
			if o == nil && nw == nil || o != nil && nw != nil && o.ID != nw.ID {
				continue
			}
			pairs := [][2]*record{{o, nw}}
			if o != nil {
				pairs = append(pairs, [2]*record{o.tombstone(o.Changed + 5), nw}) // back after a deletion
				if nw != nil {
					pairs = append(pairs, [2]*record{o, nw.tombstone(nw.Changed)})
				}
			}
			for _, p := range pairs {
				want, werr := c.typedEvents(t, p[0], p[1], base.UnixMilli())
				got, err := c.appendEvents(nil, p[0], p[1], base.UnixMilli())
				if werr != nil || err != nil {
					if !errors.Is(err, sink.ErrNoSuchEvent) || !errors.Is(werr, sink.ErrNoSuchEvent) {
						t.Errorf("%v -> %v: %v, want the typed path's %v", p[0], p[1], err, werr)
					}
					continue
				}
				if len(got) != len(want) {
					t.Fatalf("%v -> %v: %d events, want %d", p[0], p[1], len(got), len(want))
				}
				for i := range got {
					if string(got[i].Data) != string(want[i]) || got[i].Entity != c.entity {
						t.Errorf("%v -> %v: event %d is %s (%s)\nwant %s", p[0], p[1], i, got[i].Data, got[i].Entity, want[i])
					}
				}
				n += len(got)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d events compared", n)
	}
}
