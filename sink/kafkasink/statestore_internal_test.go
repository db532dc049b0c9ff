package kafkasink

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestStateStore: with ConsumerOptions.StateStore, dead letters go to the
// state store and the sink's store holds nothing but entity folders.
func TestStateStore(t *testing.T) {
	ctx := context.Background()
	bucket, state := memstore.New(nil), memstore.New(nil)
	c, err := NewConsumer(bucket, &ConsumerOptions{Brokers: []string{"127.0.0.1:1"}, StateStore: state})
	if err != nil {
		t.Fatal(err)
	}
	if c.w.StateStore() != state {
		t.Error("the consumer's writer does not keep its state in the state store")
	}
	ev := &sink.Event{Name: sink.AccountDeleted, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: "e1", ID: "acc-1"}}
	good, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	topic := sink.DefaultNamespace + "." + string(sink.AccountDeleted)
	at := time.Date(2024, 1, 30, 15, 17, 20, 0, time.UTC)
	for i, value := range [][]byte{good, []byte(`{"timestamp":"yesterday"}`)} {
		r := &kgo.Record{Topic: topic, Key: []byte("e1"), Value: value, Timestamp: at, Offset: int64(i)}
		if _, err := c.handleOne(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for k := range storage.Keys(ctx, bucket, "") {
		if !strings.HasPrefix(k, "e1/") {
			t.Errorf("the sink's store holds %s", k)
		}
	}
	n := 0
	for d, err := range DeadLetters(ctx, state, "") {
		if err != nil {
			t.Fatal(err)
		}
		if d.Offset != 1 {
			t.Errorf("dead letter of offset %d, want 1", d.Offset)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d dead letters in the state store, want 1", n)
	}
}
