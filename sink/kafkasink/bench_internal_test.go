package kafkasink

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/internal/cputime"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// benchRecords returns n messages of 64 entities: accounts inserted, then
// renamed, as the publisher sends them.
func benchRecords(tb testing.TB, n int) []*kgo.Record {
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	recs := make([]*kgo.Record, n)
	for i := range recs {
		entity := fmt.Sprintf("e%04d-0000-4000-8000-000000000000", i%64)
		j := i / 64
		env := sink.Envelope{Timestamp: sink.Millis(at) + int64(j), ApplicationID: "app-1", EntityID: entity, ID: fmt.Sprintf("acc-%d", j/2)}
		ev := &sink.Event{Name: sink.AccountInserted, Envelope: env,
			Data: &sink.Account{Number: fmt.Sprintf("6%07d", j/2), Label: fmt.Sprintf("account %d", j/2), Type: 1}}
		if j%2 == 1 {
			ev = &sink.Event{Name: sink.AccountUpdated, Envelope: env,
				Data: &sink.Account{Label: fmt.Sprintf("account %d, renamed", j/2)}, Changed: []string{"libelle"}}
		}
		value, err := ev.Encode()
		if err != nil {
			tb.Fatal(err)
		}
		recs[i] = &kgo.Record{Topic: sink.DefaultNamespace + "." + string(ev.Name), Key: []byte(entity), Value: value,
			Timestamp: at, Offset: int64(i)}
	}
	return recs
}

// BenchmarkHandle measures the consumer's work on one message into a
// memstore, Kafka left out: check, name, write create-only.
func BenchmarkHandle(b *testing.B) {
	recs := benchRecords(b, 1<<16)
	c, err := NewConsumer(memstore.New(nil), &ConsumerOptions{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(recs) {
			b.StopTimer()
			c.store = memstore.New(nil)
			c.w, _ = sink.NewWriter(c.store, nil)
			i = 0
			b.StartTimer()
		}
		if out, err := c.handleOne(context.Background(), recs[i]); err != nil || out != outCreated {
			b.Fatal(out, err)
		}
		i++
	}
}

// BenchmarkProcess measures the consumer's work on a poll of 1000 messages
// into a memstore, Kafka left out, per message: grouped by entity, written
// in runs, concurrently.
func BenchmarkProcess(b *testing.B) {
	const poll = 1000
	recs := benchRecords(b, 1<<16/poll*poll)
	c, err := NewConsumer(memstore.New(nil), &ConsumerOptions{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	var cpu time.Duration
	for b.Loop() {
		if i == len(recs) {
			b.StopTimer()
			c.store = memstore.New(nil)
			c.w, _ = sink.NewWriter(c.store, &sink.WriterOptions{Concurrency: 1})
			i = 0
			b.StartTimer()
		}
		cpu0 := cputime.Process()
		commit, err := c.process(context.Background(), recs[i:i+poll])
		cpu += cputime.Process() - cpu0
		if err != nil || len(commit) == 0 {
			b.Fatal(commit, err)
		}
		i += poll
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*poll), "ns/msg")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*poll), "cpu-ns/msg")
}
