package sqlreplica

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestRebuild: the state of an object inserted once, rebuilt from its
// payload and timestamp, is the state the insertion gave, for every object
// of the demo company and for entries carrying fields the SDK does not
// model: storing no copy of such states loses nothing.
func TestRebuild(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, err := sink.NewWriter(store, &sink.WriterOptions{Now: func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Initialize(ctx, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	rd, err := sink.NewReader(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	var events []*sink.Event
	for it, err := range rd.Read(ctx, sinktest.DemoEntityID, nil).All() {
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, it.Event)
	}
	// An entry with members the SDK does not model, at the top and deeper.
	extra := &sink.Event{Name: sink.EntryInserted, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e\u00e9\"", ID: "x/1"},
		Data: sinktest.Entry("x", 2024, 3)}
	data, err := extra.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["nouveau"] = json.RawMessage(`{"a":[1,2.50,"x"]}`)
	m["type"] = json.RawMessage(`7`)
	data, _ = json.Marshal(m)
	if ev, err := sink.DecodeEvent(sink.EntryInserted, data); err != nil {
		t.Fatal(err)
	} else {
		events = append(events, ev)
	}

	inserted := 0
	for _, ev := range events {
		if ev.Name.Action() != sink.Inserted {
			continue
		}
		inserted++
		var s sink.ObjectState
		if out, err := s.Apply(ev); err != nil || out != sink.Applied {
			t.Fatalf("%s %s: Apply = %v, %v", ev.Name, ev.ID, out, err)
		}
		want, _ := s.MarshalBinary()
		var r sink.ObjectState
		if err := rebuild(&r, ev.Name.Object(), ev.EntityID, ev.ID, ev.Timestamp, s.Payload()); err != nil {
			t.Fatalf("%s %s: rebuild: %v", ev.Name, ev.ID, err)
		}
		if got, _ := r.MarshalBinary(); string(got) != string(want) {
			t.Errorf("%s %s: rebuilt state\n%s\nwant\n%s", ev.Name, ev.ID, got, want)
		}
	}
	if inserted < 20 {
		t.Fatalf("only %d insertions tried", inserted)
	}
}
