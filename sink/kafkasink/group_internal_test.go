package kafkasink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestHandleGroupRuns: the messages of one (topic, partition, key) are
// written in one run, and what the run cannot write is handled as one by
// one: a bad payload or a conflict goes to the dead letters and the others
// are written; a put the store fails is retried, and when it cannot be
// written, no message after it is put.
func TestHandleGroupRuns(t *testing.T) {
	var recs []*kgo.Record // 8 AccountInserted of one entity
	for i, r := range benchRecords(t, 128*8) {
		if i%128 == 0 {
			recs = append(recs, r)
		}
	}
	key := func(r *kgo.Record) string {
		return sink.Key(string(r.Key), sink.FileName{Namespace: sink.DefaultNamespace, Event: sink.AccountInserted, Offset: r.Offset, Time: recordTime(r)})
	}
	for _, tc := range []struct {
		name     string
		prepare  func(mem *memstore.Store) // before the run
		rules    []faultstore.Rule
		bad      int // the message whose payload is bad, -1 for none
		failedAt int // the message handleGroup fails at, -1 for none
		dead     map[int]Reason
		written  []int // the messages whose files are stored, as received
		puts     int   // the store's puts, dead letters apart
	}{
		{name: "all written", bad: -1, failedAt: -1, written: []int{0, 1, 2, 3, 4, 5, 6, 7}, puts: 8},
		{name: "bad payload", bad: 3, failedAt: -1, dead: map[int]Reason{3: ReasonPayload},
			written: []int{0, 1, 2, 4, 5, 6, 7}, puts: 7},
		{name: "conflict", bad: -1, failedAt: -1, dead: map[int]Reason{5: ReasonConflict},
			prepare: func(mem *memstore.Store) {
				if err := storage.WriteAll(context.Background(), mem, key(recs[5]), []byte("other"), nil); err != nil {
					t.Fatal(err)
				}
			},
			// the conflict's put tried twice: in the run, then alone
			written: []int{0, 1, 2, 3, 4, 6, 7}, puts: 9},
		{name: "transient store failure", bad: -1, failedAt: -1,
			rules:   []faultstore.Rule{{Op: faultstore.OpPut, Key: key(recs[4]), Times: 2}},
			written: []int{0, 1, 2, 3, 4, 5, 6, 7}, puts: 8 + 2},
		{name: "permanent store failure", bad: -1, failedAt: 4,
			rules:   []faultstore.Rule{{Op: faultstore.OpPut, Key: key(recs[4])}},
			written: []int{0, 1, 2, 3}, puts: 4 + 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memstore.New(nil)
			if tc.prepare != nil {
				tc.prepare(mem)
			}
			store := faultstore.New(mem, tc.rules...)
			c, err := NewConsumer(store, &ConsumerOptions{Brokers: []string{"127.0.0.1:1"}, WriteRetries: 2, RetryBackoff: 1,
				DeadLetters: memstore.New(nil)})
			if err != nil {
				t.Fatal(err)
			}
			group := make([]*kgo.Record, len(recs))
			for i, r := range recs {
				cp := *r
				if i == tc.bad {
					cp.Value = []byte(`{"timestamp":1}`)
				}
				group[i] = &cp
			}
			failed, err := c.handleGroup(context.Background(), group, new([]sink.PlacedEncoded))
			switch {
			case tc.failedAt < 0 && (failed != nil || err != nil):
				t.Fatalf("handleGroup = %v, %v; want every message handled", failed, err)
			case tc.failedAt >= 0 && (failed != group[tc.failedAt] || !errors.Is(err, faultstore.ErrInjected)):
				t.Fatalf("handleGroup = %v, %v; want message %d and the store's error", failed, err, tc.failedAt)
			}
			var got []int
			for i, r := range group {
				data, err := storage.ReadAll(context.Background(), mem, key(r))
				if err == nil && bytes.Equal(data, r.Value) {
					got = append(got, i)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.written) {
				t.Errorf("files of messages %v written, want %v", got, tc.written)
			}
			dead := map[int]Reason{}
			for d, err := range DeadLetters(context.Background(), c.dls, "") {
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range group {
					if r.Offset == d.Offset {
						dead[i] = d.Reason
					}
				}
			}
			if fmt.Sprint(dead) != fmt.Sprint(map[int]Reason(tc.dead)) {
				t.Errorf("dead letters %v, want %v", dead, tc.dead)
			}
			if n := store.Calls(faultstore.OpPut); n != tc.puts {
				t.Errorf("%d puts, want %d", n, tc.puts)
			}
			p := c.Progress()
			if want := int64(len(tc.written)); p.Created != want || p.DeadLetters != int64(len(tc.dead)) {
				t.Errorf("progress %+v, want %d created and %d dead letters", p, want, len(tc.dead))
			}
		})
	}
}

// TestProcessCommits: a poll's records of several topics and partitions,
// interleaved in runs, are committed per partition up to the last record
// before the partition's first failure; the error is the earliest failure's.
func TestProcessCommits(t *testing.T) {
	src := benchRecords(t, 64*4) // 64 entities, inserted then renamed, twice
	var recs []*kgo.Record
	for i, r := range src {
		cp := *r
		cp.Partition = int32(i % 64 % 3) // three partitions per topic, entities spread over them
		recs = append(recs, &cp)
	}
	// Offsets per (topic, partition), in order.
	next := map[topicPartition]int64{}
	for _, r := range recs {
		tp := topicPartition{r.Topic, r.Partition}
		r.Offset = next[tp]
		next[tp]++
	}
	key := func(r *kgo.Record) string {
		return sink.Key(string(r.Key), sink.FileName{Namespace: sink.DefaultNamespace, Event: sink.EventName(r.Topic[len(sink.DefaultNamespace)+1:]),
			Offset: r.Offset, Time: recordTime(r)})
	}
	failing := map[*kgo.Record]bool{recs[70]: true, recs[200]: true} // two partitions fail
	var rules []faultstore.Rule
	for r := range failing {
		rules = append(rules, faultstore.Rule{Op: faultstore.OpPut, Key: key(r)})
	}
	for _, workers := range []int{1, 8} {
		c, err := NewConsumer(faultstore.New(memstore.New(nil), rules...), &ConsumerOptions{Brokers: []string{"127.0.0.1:1"},
			WriteRetries: 1, RetryBackoff: 1, Concurrency: workers})
		if err != nil {
			t.Fatal(err)
		}
		commit, err := c.process(context.Background(), recs)
		// What the commit should be: per partition, the last record
		// before its first failing one.
		firstFail := map[topicPartition]int64{}
		for r := range failing {
			firstFail[topicPartition{r.Topic, r.Partition}] = r.Offset
		}
		want := map[topicPartition]int64{}
		for _, r := range recs {
			tp := topicPartition{r.Topic, r.Partition}
			if off, ok := firstFail[tp]; ok && r.Offset >= off {
				continue
			}
			want[tp] = max(want[tp], r.Offset)
		}
		got := map[topicPartition]int64{}
		for _, r := range commit {
			tp := topicPartition{r.Topic, r.Partition}
			if _, dup := got[tp]; dup {
				t.Errorf("workers %d: partition %v committed twice", workers, tp)
			}
			got[tp] = r.Offset
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("workers %d: commit %v, want %v", workers, got, want)
		}
		if !errors.Is(err, faultstore.ErrInjected) {
			t.Errorf("workers %d: error %v, want the store's", workers, err)
		}
	}
}
