package kafkasink

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestHandleFileName: a record timestamp no file name can hold (franz-go
// cannot produce one, other clients can) goes to the dead letters.
func TestHandleFileName(t *testing.T) {
	store := memstore.New(nil)
	c, err := NewConsumer(store, &ConsumerOptions{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	ev := &sink.Event{Name: sink.AccountDeleted, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e1", ID: "acc-1"}}
	value, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for i, ts := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC)} {
		r := &kgo.Record{Topic: sink.DefaultNamespace + "." + string(sink.AccountDeleted), Key: []byte("e1"), Value: value, Timestamp: ts, Offset: int64(i)}
		out, err := c.handleOne(context.Background(), r)
		if err != nil || out != outDead {
			t.Fatalf("%v: handleOne = %v, %v; want a dead letter", ts, out, err)
		}
		for d, err := range DeadLetters(context.Background(), store, "") {
			if err != nil {
				t.Fatal(err)
			}
			if d.Offset == r.Offset && d.Reason != ReasonFileName {
				t.Errorf("%v: reason %s, want %s", ts, d.Reason, ReasonFileName)
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestDeadLetterGolden pins the bytes of dead letters, of a text value and
// of a binary one.
func TestDeadLetterGolden(t *testing.T) {
	var out []byte
	for _, r := range []*kgo.Record{
		{Topic: "queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted", Partition: 2, Offset: 1656233,
			Timestamp: time.Date(2024, 1, 30, 15, 17, 20, 186_000_000, time.UTC), Key: []byte("ae9c6905-0035-4ce6-9d27-2c26b317035e"),
			Value: []byte(`{"timestamp":"yesterday"}`)},
		{Topic: "payments.invoices", Offset: 7, Timestamp: time.Date(2024, 1, 30, 15, 17, 20, 0, time.UTC), Value: []byte{0xff, 0x00}},
	} {
		b, err := newDeadLetter(r, ReasonPayload, errors.New("sink: invalid payload: timestamp")).encode()
		if err != nil {
			t.Fatal(err)
		}
		d, err := DecodeDeadLetter(b)
		if err != nil {
			t.Fatalf("DecodeDeadLetter(%s): %v", b, err)
		}
		if again, _ := d.encode(); !bytes.Equal(again, b) {
			t.Errorf("round trip: %s, want %s", again, b)
		}
		out = append(out, b...)
	}
	golden := filepath.Join("testdata", "deadletters.golden")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, out) {
		t.Errorf("dead letters:\n%s\nwant:\n%s", out, want)
	}
}

// FuzzHandle feeds arbitrary messages to the consumer: each one is written
// as a file that reads back as an event of its key, dead-lettered, or
// skipped; nothing panics and the store never fails.
func FuzzHandle(f *testing.F) {
	ev := &sink.Event{Name: sink.AccountInserted, Envelope: sink.Envelope{Timestamp: 1706627839000, ApplicationID: "a", EntityID: "e1", ID: "acc-1"},
		Data: &sink.Account{Number: "60100000", Label: "Achats", Type: 6}}
	good, err := ev.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("comptaCompteInserted", "e1", good, int64(1706627840186))
	f.Add("comptaCompteDeleted", "e1", []byte(`{"timestamp":1,"application_id":"a","entite_id":"e1","id":"x"}`), int64(0))
	f.Add("comptaDailyReport", "e1", []byte(`{"timestamp":0,"entite_id":"e1","id":"r","page":1,"topics":[]}`), int64(-1))
	f.Add("comptaEcritureInserted", "e1", []byte(`{"timestamp":"x"}`), int64(5))
	f.Add("other", "", []byte{0xff}, int64(7))
	f.Fuzz(func(t *testing.T, event, key string, value []byte, millis int64) {
		store := memstore.New(nil)
		c, err := NewConsumer(store, &ConsumerOptions{Brokers: []string{"127.0.0.1:1"}, WriteRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		r := &kgo.Record{Topic: sink.DefaultNamespace + "." + event, Key: []byte(key), Value: value,
			Timestamp: time.UnixMilli(millis), Offset: 3}
		out, err := c.handleOne(context.Background(), r)
		if err != nil {
			t.Fatalf("handleOne: %v", err)
		}
		switch out {
		case outCreated:
			name := sink.FileName{Event: sink.EventName(event), Offset: 3, Time: time.UnixMilli(millis)}
			data, err := storage.ReadAll(context.Background(), store, sink.Key(key, name))
			if err != nil {
				t.Fatalf("file of a created message: %v", err)
			}
			if name.Event != sink.DailyReport {
				got, err := sink.DecodeEvent(name.Event, data)
				if err != nil || got.EntityID != key {
					t.Fatalf("file %s reads back as %+v, %v", data, got, err)
				}
			}
			// Delivered again: the same file, nothing created.
			if again, err := c.handleOne(context.Background(), r); err != nil || again != outExisting {
				t.Fatalf("second delivery: %v, %v; want an existing file", again, err)
			}
		case outDead:
			n := 0
			for _, err := range DeadLetters(context.Background(), store, "") {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			want := 1
			if !storage.ValidKey(DeadLetterKey(DefaultDeadLetterPrefix, r.Topic, 0, 3)) {
				want = 0 // a topic name no broker accepts: only logged
			}
			if n != want {
				t.Fatalf("%d dead letters, want %d", n, want)
			}
		default:
			t.Fatalf("outcome %v", out)
		}
	})
}

// TestHandleInvalidEntry: an entry that fails the business rules goes to
// the dead letters, as the sink writer refuses it; with the rule skipped
// (ConsumerOptions.Skip) it is written as received.
func TestHandleInvalidEntry(t *testing.T) {
	e := sinktest.Entry("ecr-1", 2024, 1)
	e.Movements = e.Movements[:2] // the VAT line lost: unbalanced
	ev, err := sink.NewInserted(sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e1", ID: "ecr-1"}, e)
	if err != nil {
		t.Fatal(err)
	}
	value, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	r := &kgo.Record{Topic: sink.DefaultNamespace + "." + string(sink.EntryInserted), Key: []byte("e1"), Value: value,
		Timestamp: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Offset: 3}
	for _, tt := range []struct {
		skip []sink.WriteRule
		want outcome
	}{
		{nil, outDead},
		{[]sink.WriteRule{sink.RuleEntryValidation}, outCreated},
	} {
		store := memstore.New(nil)
		c, err := NewConsumer(store, &ConsumerOptions{Brokers: []string{"127.0.0.1:1"}, Skip: tt.skip})
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.handleOne(context.Background(), r)
		if err != nil || out != tt.want {
			t.Fatalf("skip %v: handleOne = %v, %v; want %v", tt.skip, out, err, tt.want)
		}
		letters := 0
		for d, err := range DeadLetters(context.Background(), store, "") {
			letters++
			if err != nil || d.Reason != ReasonPayload || !strings.Contains(d.Error, "[balanced]") {
				t.Errorf("dead letter %+v, %v; want the payload reason and the rule", d, err)
			}
		}
		if want := map[outcome]int{outDead: 1}[tt.want]; letters != want {
			t.Errorf("skip %v: %d dead letters, want %d", tt.skip, letters, want)
		}
	}
}
