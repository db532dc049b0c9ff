package kafkasink_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/kafkasink"
)

// consumeAll reads every record of topics from the start, until n are read.
func consumeAll(t *testing.T, c *kfake.Cluster, n int, topics ...string) []*kgo.Record {
	t.Helper()
	cl := newClient(t, c, kgo.ConsumeTopics(topics...), kgo.FetchMaxWait(50*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d records of %d: %v", len(recs), n, err)
		}
		recs = append(recs, fs.Records()...)
	}
	return recs
}

func TestPublisherRecords(t *testing.T) {
	c := newCluster(t, 3)
	pub := newPublisher(t, c)
	evs := mixedEvents(4, 6)
	if err := pub.Publish(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	recs := consumeAll(t, c, len(evs), topic(sink.AccountInserted), topic(sink.AccountUpdated))
	partitionOf := map[string]int32{} // entity/topic → partition
	for _, r := range recs {
		name, _ := kafkasink.TopicEvent(sink.DefaultNamespace, r.Topic)
		ev, err := sink.DecodeEvent(name, r.Value)
		if err != nil {
			t.Fatalf("%s/%d@%d: %v", r.Topic, r.Partition, r.Offset, err)
		}
		if string(r.Key) != ev.EntityID {
			t.Errorf("key %q, want the entity %q", r.Key, ev.EntityID)
		}
		if !r.Timestamp.Equal(at) {
			t.Errorf("timestamp %v, want %v", r.Timestamp, at)
		}
		enc, _ := ev.Encode()
		if string(enc) != string(r.Value) {
			t.Errorf("value %s, want the event's encoding %s", r.Value, enc)
		}
		k := ev.EntityID + "/" + r.Topic
		if p, ok := partitionOf[k]; ok && p != r.Partition {
			t.Errorf("%s in partitions %d and %d", k, p, r.Partition)
		}
		partitionOf[k] = r.Partition
	}
}

func TestPublisherErrors(t *testing.T) {
	c := newCluster(t, 1)
	if _, err := kafkasink.NewPublisher(nil, nil); err == nil {
		t.Error("NewPublisher(nil) succeeded")
	}
	if _, err := kafkasink.NewPublisher(newClient(t, c), &kafkasink.PublisherOptions{Namespace: "a b"}); err == nil {
		t.Error("NewPublisher with a bad namespace succeeded")
	}
	pub := newPublisher(t, c)
	good := accountEvents(entityID(1), 1)[0]
	bad := &sink.Event{Name: sink.AccountInserted, Envelope: sink.Envelope{EntityID: entityID(1)}}
	err := pub.Publish(context.Background(), good, bad)
	if !errors.Is(err, sink.ErrPayload) {
		t.Fatalf("Publish of a bad event = %v, want ErrPayload", err)
	}
	if hw := c.PartitionInfo(topic(sink.AccountInserted), 0).HighWatermark; hw != 0 {
		t.Errorf("%d records stored, want none: a bad event sends nothing", hw)
	}
	if err := pub.PublishDaily(context.Background(), &report.Daily{EntityID: entityID(1), Page: 0}); !errors.Is(err, report.ErrInvalid) {
		t.Errorf("PublishDaily of a bad page = %v, want report.ErrInvalid", err)
	}
	if hw := c.PartitionInfo(topic(sink.DailyReport), 0).HighWatermark; hw != 0 {
		t.Errorf("%d reports stored, want none", hw)
	}
	if err := pub.Publish(context.Background(), nil); err == nil {
		t.Error("Publish(nil) succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := pub.Publish(ctx, good); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with a canceled context = %v", err)
	}

	// A topic that does not exist: the record is not acknowledged.
	cl := newClient(t, c, kgo.UnknownTopicRetries(0), kgo.RecordRetries(1))
	other, err := kafkasink.NewPublisher(cl, &kafkasink.PublisherOptions{Namespace: "acme.missing"})
	if err != nil {
		t.Fatal(err)
	}
	err = other.Publish(context.Background(), good, good)
	var pe *kafkasink.PublishError
	if !errors.As(err, &pe) || len(pe.Failed) != 2 || pe.Failed[1].Index != 1 || pe.Failed[0].Topic != "acme.missing.comptaCompteInserted" {
		t.Fatalf("Publish to a missing topic = %v, want a *PublishError naming both records", err)
	}
}

func TestTopicEvent(t *testing.T) {
	for _, tt := range []struct {
		ns, topic string
		want      sink.EventName
		ok        bool
	}{
		{sink.DefaultNamespace, topic(sink.EntryInserted), sink.EntryInserted, true},
		{sink.DefaultNamespace, topic(sink.DailyReport), sink.DailyReport, true},
		{"acme", "acme.comptaTiersUpdated", sink.ThirdPartyUpdated, true},
		{"acme", "acme.comptaEcritureUpdated", "", false},
		{"acme", "acmex.comptaTiersUpdated", "", false},
		{"acme", "comptaTiersUpdated", "", false},
		{"acme", "acme.", "", false},
	} {
		got, ok := kafkasink.TopicEvent(tt.ns, tt.topic)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TopicEvent(%q, %q) = %q, %v; want %q, %v", tt.ns, tt.topic, got, ok, tt.want, tt.ok)
		}
	}
}
