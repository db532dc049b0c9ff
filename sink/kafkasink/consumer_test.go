package kafkasink_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// checkExactlyOnce checks that store holds exactly one file per event of
// evs, with the bytes Encode gives, and nothing else in the entities'
// directories.
func checkExactlyOnce(t *testing.T, store storage.Store, evs []*sink.Event) {
	t.Helper()
	ctx := context.Background()
	want := map[string]int{} // entity/event/id/timestamp → count
	for _, ev := range evs {
		want[fmt.Sprintf("%s/%s/%s/%d", ev.EntityID, ev.Name, ev.ID, ev.Timestamp)]++
	}
	got := map[string]int{}
	for key, err := range storage.Keys(ctx, store, "") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(key, "_ledgersink/") {
			continue
		}
		entity, base, _ := strings.Cut(key, "/")
		name, err := sink.ParseFileName(base)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		data, err := storage.ReadAll(ctx, store, key)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := sink.DecodeEvent(name.Event, data)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if enc, _ := ev.Encode(); !bytes.Equal(enc, data) {
			t.Errorf("%s: bytes are not the event's encoding", key)
		}
		if !name.Time.Equal(at) {
			t.Errorf("%s: time %v, want the record's timestamp %v", key, name.Time, at)
		}
		got[fmt.Sprintf("%s/%s/%s/%d", entity, ev.Name, ev.ID, ev.Timestamp)]++
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events in the store (-want +got):\n%s", diff)
	}
}

func TestConsumerWritesEveryMessage(t *testing.T) {
	c := newCluster(t, 3)
	evs := mixedEvents(7, 30)
	publish(t, newPublisher(t, c), evs)
	store := memstore.New(nil)
	r := start(t, store, consumerOptions(c, "every"))
	waitFor(t, "every file", func() bool { return r.c.Progress().Records == int64(len(evs)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, store, evs)
	p := r.c.Progress()
	if p.Created != int64(len(evs)) || p.Existing != 0 || p.Skipped != 0 || p.DeadLetters != 0 {
		t.Errorf("progress %+v, want %d created", p, len(evs))
	}
	checkCommittedToEnd(t, c, "every")

	// The file of a message is named after its topic, offset and timestamp.
	rec := fetchOne(t, c, sink.DefaultNamespace+"."+string(sink.AccountUpdated))
	name := sink.FileName{Event: sink.AccountUpdated, Offset: rec.Offset, Time: rec.Timestamp}
	data, err := storage.ReadAll(context.Background(), store, sink.Key(string(rec.Key), name))
	if err != nil {
		t.Fatalf("file of %s/%d@%d: %v", rec.Topic, rec.Partition, rec.Offset, err)
	}
	if !bytes.Equal(data, rec.Value) {
		t.Errorf("file bytes %q, want the message's %q", data, rec.Value)
	}
}

// fetchOne returns the first record of the first partition of topic that
// holds one.
func fetchOne(t *testing.T, c *kfake.Cluster, topic string) *kgo.Record {
	t.Helper()
	for _, p := range c.PartitionInfos(topic) {
		if p.HighWatermark == 0 {
			continue
		}
		cl := newClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p.Partition: kgo.NewOffset().AtStart()}}),
			kgo.FetchMaxWait(50*time.Millisecond))
		defer cl.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		if recs := cl.PollRecords(ctx, 1).Records(); len(recs) > 0 {
			return recs[0]
		}
		t.Fatalf("partition %s/%d holds records up to %d, but none came", topic, p.Partition, p.HighWatermark)
	}
	t.Fatalf("no record in %s", topic)
	return nil
}

// checkCommittedToEnd checks that group committed the end of every partition.
func checkCommittedToEnd(t *testing.T, c *kfake.Cluster, group string) {
	t.Helper()
	info := c.GroupInfo(group)
	if info == nil {
		t.Fatalf("no group %s", group)
	}
	for _, topic := range sinkTopics() {
		for _, p := range c.PartitionInfos(topic) {
			if p.HighWatermark == 0 {
				continue
			}
			if got := info.Commits[topic][p.Partition].Offset; got != p.HighWatermark {
				t.Errorf("%s/%d: committed %d, want the end %d", topic, p.Partition, got, p.HighWatermark)
			}
		}
	}
}

// TestConsumerRedelivery: a second group consuming the same topics into the
// same store (a full re-delivery, as after losing every commit) rewrites
// only identical files.
func TestConsumerRedelivery(t *testing.T) {
	c := newCluster(t, 2)
	evs := mixedEvents(3, 20)
	publish(t, newPublisher(t, c), evs)
	store := memstore.New(nil)
	for i, group := range []string{"first", "second"} {
		r := start(t, store, consumerOptions(c, group))
		waitFor(t, "every message", func() bool { return r.c.Progress().Records == int64(len(evs)) })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		p := r.c.Progress()
		wantCreated, wantExisting := int64(len(evs)), int64(0)
		if i == 1 {
			wantCreated, wantExisting = 0, int64(len(evs))
		}
		if p.Created != wantCreated || p.Existing != wantExisting {
			t.Errorf("%s: created %d, existing %d; want %d, %d", group, p.Created, p.Existing, wantCreated, wantExisting)
		}
	}
	checkExactlyOnce(t, store, evs)
}

// TestConsumerKilledMidStream kills a member of a group of two while it
// writes (its store crashes: some files are written, their offsets not
// committed; it does not leave the group), and checks that the group
// rebalances to the survivor, which rewrites only identical files: every
// message ends once in the store.
func TestConsumerKilledMidStream(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mode    faultstore.Mode
		skip    int
		files   bool // a filestore rather than a memstore
		durable bool // ConsumerOptions.Durable (and a filestore with Sync)
	}{
		{"crash after a write, before its commit", faultstore.FailAfter, 40, false, false},
		{"crash before a write", faultstore.FailBefore, 25, false, false},
		{"crash at the first write", faultstore.FailAfter, 0, false, false},
		{"filestore, crash after a write", faultstore.FailAfter, 30, true, false},
		{"group commit, crash after a write", faultstore.FailAfter, 30, false, true},
		{"group commit, crash before a write", faultstore.FailBefore, 25, false, true},
		{"durable filestore, group commit, crash after a write", faultstore.FailAfter, 30, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, sinkTopics()...),
				kfake.GroupMinSessionTimeout(100*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			pub := newPublisher(t, c)
			evs := mixedEvents(12, 40)

			var mem storage.Store = memstore.New(nil)
			if tt.files {
				fs, err := filestore.New(t.TempDir(), &filestore.Options{Sync: tt.durable})
				if err != nil {
					t.Fatal(err)
				}
				defer fs.Close()
				mem = fs
			}
			victimStore := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Skip: tt.skip, Mode: tt.mode, Crash: true})
			member := func(instance string) *kafkasink.ConsumerOptions {
				o := consumerOptions(c, "kill")
				o.MaxPollRecords = 20
				o.WriteRetries = 1
				o.Durable = tt.durable
				o.ClientOptions = append(o.ClientOptions,
					// A static member does not leave the group when it
					// stops: the group notices its death by the session
					// timeout, as for a killed process.
					kgo.InstanceID(instance), kgo.SessionTimeout(time.Second))
				return o
			}
			victim := start(t, victimStore, member("victim"))
			survivor := start(t, mem, member("survivor"))
			waitAssigned(t, c, "kill", 2)
			// The stream arrives while the group of two runs.
			published := make(chan error, 1)
			go func() { published <- publishErr(pub, evs) }()

			var werr *kafkasink.WriteError
			select {
			case err := <-victim.done:
				close(victim.done)
				if !errors.As(err, &werr) || !errors.Is(err, faultstore.ErrInjected) && !errors.Is(err, faultstore.ErrCrashed) {
					t.Fatalf("victim: Run = %v, want a *WriteError from the crash", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("the victim did not crash")
			}
			waitFor(t, "every message once", func() bool { return total(countFiles(t, mem)) == len(evs) && allCommitted(c, "kill") })
			if err := survivor.stop(t); err != nil {
				t.Fatal(err)
			}
			checkExactlyOnce(t, mem, evs)
			if err := <-published; err != nil {
				t.Fatal(err)
			}
			vp, sp := victim.c.Progress(), survivor.c.Progress()
			if vp.Records == 0 && tt.skip > 0 {
				t.Errorf("the victim wrote nothing before it crashed")
			}
			if tt.mode == faultstore.FailAfter && sp.Existing == 0 {
				t.Errorf("the survivor found no file written already: the victim's last write was not delivered again")
			}
			t.Logf("victim %+v\nsurvivor %+v", vp, sp)
		})
	}
}

// allCommitted reports whether group has committed the end of every partition.
func allCommitted(c *kfake.Cluster, group string) bool {
	info := c.GroupInfo(group)
	if info == nil {
		return false
	}
	for _, topic := range sinkTopics() {
		for _, p := range c.PartitionInfos(topic) {
			if p.HighWatermark > 0 && info.Commits[topic][p.Partition].Offset != p.HighWatermark {
				return false
			}
		}
	}
	return true
}

// recordingStore records the keys put, in order.
type recordingStore struct {
	storage.Store
	mu   sync.Mutex
	keys []string
}

func (s *recordingStore) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	err := s.Store.Put(ctx, key, r, opts)
	if err == nil {
		s.mu.Lock()
		s.keys = append(s.keys, key)
		s.mu.Unlock()
	}
	return err
}

// TestConsumerOrderPerEntity: many entities share few partitions and are
// written concurrently; each entity's messages of a topic are written in
// offset order, which is the order they were published in.
func TestConsumerOrderPerEntity(t *testing.T) {
	t.Run("concurrent puts", func(t *testing.T) {
		store := &recordingStore{Store: memstore.New(nil)}
		testOrderPerEntity(t, store, &store.keys, false)
	})
	t.Run("group commit", func(t *testing.T) {
		store := &recordingBatcher{recordingStore: recordingStore{Store: memstore.New(nil)}}
		testOrderPerEntity(t, store, &store.keys, true)
	})
}

// recordingBatcher is a recordingStore whose batches are recorded in
// order.
type recordingBatcher struct {
	recordingStore
	batches atomic.Int64 // batches of several objects
}

func (s *recordingBatcher) PutBatch(ctx context.Context, objs []storage.BatchObject, opts *storage.PutOptions) error {
	if len(objs) > 1 {
		s.batches.Add(1)
	}
	for _, o := range objs {
		if err := s.Put(ctx, o.Key, bytes.NewReader(o.Data), opts); err != nil {
			return err // not the batch contract, but the test never fails a put
		}
	}
	return nil
}

func testOrderPerEntity(t *testing.T, store storage.Store, keys *[]string, durable bool) {
	c := newCluster(t, 2)
	evs := mixedEvents(20, 30)
	publish(t, newPublisher(t, c), evs)
	o := consumerOptions(c, "order")
	o.Concurrency = 16
	o.Durable = durable
	r := start(t, store, o)
	waitFor(t, "every message", func() bool { return r.c.Progress().Records == int64(len(evs)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if b, ok := store.(*recordingBatcher); ok && b.batches.Load() == 0 {
		t.Error("no group commit")
	}
	type stream struct{ entity, topic string }
	written := map[stream][]int64{} // offsets, in write order
	for _, key := range *keys {
		entity, base, _ := strings.Cut(key, "/")
		name, err := sink.ParseFileName(base)
		if err != nil {
			t.Fatal(err)
		}
		s := stream{entity, name.Topic()}
		written[s] = append(written[s], name.Offset)
	}
	if len(written) != 40 {
		t.Errorf("%d (entity, topic) streams, want 40", len(written))
	}
	for s, offs := range written {
		if !slices.IsSorted(offs) {
			t.Errorf("%v: written in the order %v, not in offset order", s, offs)
		}
	}
	// In offset order, each entity's events come in the order published
	// (their payload timestamps increase).
	for e := range 20 {
		var last = map[sink.EventName]int64{}
		for it, err := range mustReader(t, store).Read(context.Background(), entityID(e), nil).All() {
			if err != nil {
				t.Fatal(err)
			}
			if it.Event.Timestamp <= last[it.Event.Name] {
				t.Errorf("%s: %s at %d after %d", entityID(e), it.Key, it.Event.Timestamp, last[it.Event.Name])
			}
			last[it.Event.Name] = it.Event.Timestamp
		}
	}
}

func mustReader(t *testing.T, s storage.Store) *sink.Reader {
	t.Helper()
	r, err := sink.NewReader(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestConsumerRebalance: a member joins a group mid-stream, then the first
// one leaves: partitions move twice, and since a member commits what it
// wrote before it lets a rebalance happen, no message is delivered twice.
func TestConsumerRebalance(t *testing.T) {
	c := newCluster(t, 4)
	pub := newPublisher(t, c)
	evs := mixedEvents(16, 60)
	store := memstore.New(nil)
	o := consumerOptions(c, "rebalance")
	o.MaxPollRecords = 25
	third := len(evs) / 3
	publish(t, pub, evs[:third])
	first := start(t, store, o)
	waitFor(t, "the first member to write", func() bool { return first.c.Progress().Records > 0 })
	published := make(chan error, 1)
	go func() { published <- publishErr(pub, evs[third:2*third]) }()
	second := start(t, store, o)
	waitAssigned(t, c, "rebalance", 2)
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	// The first member may have written everything published so far before
	// the second was assigned: publish the last part only now that each
	// member owns partitions, so that the second has messages to write.
	publish(t, pub, evs[2*third:])
	waitFor(t, "the second member to write", func() bool { return second.c.Progress().Records > 0 })
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every message", func() bool { return allCommitted(c, "rebalance") })
	if err := second.stop(t); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, store, evs)
	p1, p2 := first.c.Progress(), second.c.Progress()
	if p1.Existing+p2.Existing != 0 || p1.Created+p2.Created != int64(len(evs)) {
		t.Errorf("first %+v, second %+v: want %d files created in all and none delivered twice", p1, p2, len(evs))
	}
}
