package kafkasink_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

const otherTopic = "payments.invoices"

// produce sends raw records and fails the test on error.
func produce(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	for _, r := range recs {
		if r.Timestamp.IsZero() {
			r.Timestamp = at
		}
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func topic(e sink.EventName) string { return sink.DefaultNamespace + "." + string(e) }

// TestConsumerDeadLetters sends bad messages between good ones: each bad one
// is written to the dead letters with its reason, and the consumer goes on.
func TestConsumerDeadLetters(t *testing.T) {
	c := newCluster(t, 1, otherTopic)
	cl := newClient(t, c)
	good := accountEvents(entityID(1), 4)
	goodValue := func(i int) []byte { b, _ := good[i].Encode(); return b }
	entity := entityID(1)
	tests := []struct {
		name   string
		rec    *kgo.Record
		reason kafkasink.Reason
	}{
		{"undecodable payload", &kgo.Record{Topic: topic(sink.AccountInserted), Key: []byte(entity), Value: []byte(`{"timestamp": "yesterday"}`)}, kafkasink.ReasonPayload},
		{"not JSON, not UTF-8", &kgo.Record{Topic: topic(sink.AccountInserted), Key: []byte(entity), Value: []byte{0xff, 0xfe, 0x00}}, kafkasink.ReasonPayload},
		{"payload of another event", &kgo.Record{Topic: topic(sink.EntryDeleted), Key: []byte(entity), Value: []byte(`{"timestamp":1,"application_id":"a","entite_id":"` + entity + `","id":"x","miseAJour":"yes"}`)}, kafkasink.ReasonPayload},
		{"unknown topic", &kgo.Record{Topic: otherTopic, Key: []byte(entity), Value: goodValue(0)}, kafkasink.ReasonUnknownTopic},
		{"key is another entity", &kgo.Record{Topic: topic(sink.AccountInserted), Key: []byte(entityID(2)), Value: goodValue(0)}, kafkasink.ReasonEntityMismatch},
		{"entity id that cannot name a directory", &kgo.Record{Topic: topic(sink.AccountDeleted), Key: []byte("../etc"),
			Value: []byte(`{"timestamp":1,"application_id":"a","entite_id":"../etc","id":"x"}`)}, kafkasink.ReasonEntityMismatch},
		{"no key", &kgo.Record{Topic: topic(sink.AccountInserted), Value: goodValue(0)}, kafkasink.ReasonEntityMismatch},
		{"daily report of another entity", &kgo.Record{Topic: topic(sink.DailyReport), Key: []byte(entityID(2)),
			Value: mustJSON(t, &report.Daily{Timestamp: sink.Millis(at), EntityID: entity, ID: "r1", Page: 1})}, kafkasink.ReasonEntityMismatch},
	}
	for i, tt := range tests {
		// A good message, then the bad one (in a batch of its own: a
		// batch holds its records' timestamps as 32-bit deltas).
		produce(t, cl, &kgo.Record{Topic: topic(good[i%4].Name), Key: []byte(entity), Value: goodValue(i % 4)})
		produce(t, cl, tt.rec)
	}
	store := memstore.New(nil)
	o := consumerOptions(c, "dead")
	o.Topics = append(sinkTopics(), otherTopic)
	logs := &logRecorder{}
	o.Logger = slog.New(logs)
	r := start(t, store, o)
	waitFor(t, "every message", func() bool { return r.c.Progress().Records == int64(2*len(tests)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	p := r.c.Progress()
	if p.DeadLetters != int64(len(tests)) || p.Created+p.Existing != int64(len(tests)) {
		t.Errorf("progress %+v, want %d dead letters and %d files", p, len(tests), len(tests))
	}
	var letters []*kafkasink.DeadLetter
	for d, err := range kafkasink.DeadLetters(context.Background(), store, "") {
		if err != nil {
			t.Fatal(err)
		}
		letters = append(letters, d)
	}
	if len(letters) != len(tests) {
		t.Errorf("%d dead letters, want %d", len(letters), len(tests))
	}
	for _, tt := range tests {
		i := slices.IndexFunc(letters, func(d *kafkasink.DeadLetter) bool {
			return d.Topic == tt.rec.Topic && d.Offset == tt.rec.Offset && d.Partition == tt.rec.Partition
		})
		if i < 0 {
			t.Errorf("%s: no dead letter", tt.name)
			continue
		}
		d := letters[i]
		if d.Reason != tt.reason || d.Key != string(tt.rec.Key) || d.Error == "" || d.Timestamp != tt.rec.Timestamp.UnixMilli() {
			t.Errorf("%s: dead letter %+v, want reason %s", tt.name, d, tt.reason)
		}
		value := []byte(d.Value)
		if d.ValueBase64 != nil {
			value = d.ValueBase64
		}
		if !bytes.Equal(value, tt.rec.Value) {
			t.Errorf("%s: dead letter holds %q, want the message's value %q", tt.name, value, tt.rec.Value)
		}
		key := kafkasink.DeadLetterKey(kafkasink.DefaultDeadLetterPrefix, d.Topic, d.Partition, d.Offset)
		if ok, err := storage.Exists(context.Background(), store, key); !ok || err != nil {
			t.Errorf("%s: no dead letter under %s (%v)", tt.name, key, err)
		}
	}
	if n := logs.count(slog.LevelWarn, "kafkasink: dead letter"); n != len(tests) {
		t.Errorf("%d dead letters logged, want %d", n, len(tests))
	}

	// Delivered again (another group), bad messages rewrite nothing new.
	before := keys(t, store)
	o.Group = "dead-again"
	r = start(t, store, o)
	waitFor(t, "every message", func() bool { return r.c.Progress().Records == int64(2*len(tests)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, keys(t, store)); diff != "" {
		t.Errorf("keys after a re-delivery (-before +after):\n%s", diff)
	}
}

func mustJSON(t *testing.T, d *report.Daily) []byte {
	t.Helper()
	b, err := d.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keys(t *testing.T, s storage.Store) []string {
	t.Helper()
	var ks []string
	for k, err := range storage.Keys(context.Background(), s, "") {
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	return ks
}

// TestConsumerConflict: a different file under a message's name (a topic
// recreated, its offsets starting over) is left untouched and the message
// goes to the dead letters.
func TestConsumerConflict(t *testing.T) {
	c := newCluster(t, 1)
	evs := accountEvents(entityID(1), 2)
	publish(t, newPublisher(t, c), evs)
	store := memstore.New(nil)
	name := sink.FileName{Event: sink.AccountInserted, Offset: 0, Time: at}
	key := sink.Key(entityID(1), name)
	if err := storage.WriteAll(context.Background(), store, key, []byte("{}\n"), nil); err != nil {
		t.Fatal(err)
	}
	r := start(t, store, consumerOptions(c, "conflict"))
	waitFor(t, "every message", func() bool { return r.c.Progress().Records == 2 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if got, _ := storage.ReadAll(context.Background(), store, key); string(got) != "{}\n" {
		t.Errorf("the existing file was changed to %q", got)
	}
	letters := 0
	for d, err := range kafkasink.DeadLetters(context.Background(), store, "") {
		letters++
		if err != nil || d.Reason != kafkasink.ReasonConflict || d.Offset != 0 {
			t.Errorf("dead letter %+v, %v; want a conflict at offset 0", d, err)
		}
	}
	if letters != 1 {
		t.Errorf("%d dead letters stored, want 1", letters)
	}
	if p := r.c.Progress(); p.DeadLetters != 1 || p.Created != 1 {
		t.Errorf("progress %+v, want 1 dead letter and 1 file", p)
	}
}

// TestConsumerKeyFilters: only ready keys are delivered; new, unknown
// statuses and absent keys are skipped; a key set ready while the consumer
// runs is delivered from then on.
func TestConsumerKeyFilters(t *testing.T) {
	c := newCluster(t, 2)
	pub := newPublisher(t, c)
	ready, fresh, odd, absent := entityID(1), entityID(2), entityID(3), entityID(4)
	keys := kafkasink.NewKeyFilters(
		kafkasink.KeyFilter{Key: ready, Status: kafkasink.KeyReady},
		kafkasink.KeyFilter{Key: fresh, Status: kafkasink.KeyNew},
		kafkasink.KeyFilter{Key: odd, Status: "READY"},
	)
	var first []*sink.Event
	for _, e := range []string{ready, fresh, odd, absent} {
		first = append(first, accountEvents(e, 4)...)
	}
	publish(t, pub, first)
	store := memstore.New(nil)
	o := consumerOptions(c, "keys")
	o.Keys = keys
	r := start(t, store, o)
	waitFor(t, "the first messages", func() bool { return r.c.Progress().Records == int64(len(first)) })
	if diff := cmp.Diff(map[string]int{ready: 4}, countFiles(t, store)); diff != "" {
		t.Errorf("files per entity (-want +got):\n%s", diff)
	}
	if p := r.c.Progress(); p.Skipped != 12 {
		t.Errorf("skipped %d messages, want 12", p.Skipped)
	}

	// The fresh entity is initialized, then set ready: its next changes
	// are delivered, the earlier ones stay skipped (its initialization
	// covers them).
	keys.Set(fresh, kafkasink.KeyReady)
	keys.Remove(ready)
	later := append(accountEvents(fresh, 6)[4:], accountEvents(ready, 6)[4:]...)
	publish(t, pub, later)
	waitFor(t, "the later messages", func() bool { return r.c.Progress().Records == int64(len(first)+len(later)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{ready: 4, fresh: 2}, countFiles(t, store)); diff != "" {
		t.Errorf("files per entity (-want +got):\n%s", diff)
	}
	checkCommittedToEnd(t, c, "keys")
}

// TestConsumerDailyReport: a daily report published to its topic is written
// in the entity's directory, as the sink writer writes it.
func TestConsumerDailyReport(t *testing.T) {
	c := newCluster(t, 1)
	pub := newPublisher(t, c)
	entity := entityID(1)
	page := &report.Daily{Timestamp: sink.Millis(at), EntityID: entity, ID: "d6a0c0b4-5f4e-5e0a-9b1e-2c1f0e6d7a11", Page: 1,
		Topics: []report.Topic{{TopicName: topic(sink.AccountInserted), Values: []report.Value{{ID: "acc-0", Timestamp: sink.Millis(at)}}}}}
	if err := pub.PublishDaily(context.Background(), page); err != nil {
		t.Fatal(err)
	}
	store := memstore.New(nil)
	r := start(t, store, consumerOptions(c, "daily"))
	waitFor(t, "the report", func() bool { return r.c.Progress().Records == 1 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	pages, err := mustReader(t, store).DailyReports(context.Background(), entity)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*report.Daily{page}, pages); diff != "" {
		t.Errorf("daily reports (-want +got):\n%s", diff)
	}
	if p := r.c.Progress(); p.Created != 1 {
		t.Errorf("progress %+v, want 1 file", p)
	}
}

// TestConsumerGracefulShutdown cancels the context while messages flow:
// Run returns nil having committed every message it wrote, and a restarted
// consumer finishes the stream with every message once.
func TestConsumerGracefulShutdown(t *testing.T) {
	c := newCluster(t, 2)
	evs := mixedEvents(6, 100)
	publish(t, newPublisher(t, c), evs)
	store := memstore.New(nil)
	o := consumerOptions(c, "shutdown")
	o.MaxPollRecords = 10
	r := start(t, store, o)
	waitFor(t, "some messages", func() bool { return r.c.Progress().Records >= 50 })
	if err := r.stop(t); err != nil {
		t.Fatalf("Run after cancellation = %v, want nil", err)
	}
	written := total(countFiles(t, store))
	if written == len(evs) {
		t.Skip("the consumer finished before it was stopped")
	}
	// Every message written is committed: nothing is delivered twice.
	r = start(t, store, o)
	waitFor(t, "every message", func() bool { return total(countFiles(t, store)) == len(evs) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if p := r.c.Progress(); p.Existing != 0 || p.Created != int64(len(evs)-written) {
		t.Errorf("after the restart: %+v, want %d created and none existing", p, len(evs)-written)
	}
	checkExactlyOnce(t, store, evs)
}

// TestConsumerCommitsWhileWriting: a poll's commit runs while the next
// poll's messages are written; the commit after it waits for it, and
// everything ends committed.
func TestConsumerCommitsWhileWriting(t *testing.T) {
	c := newCluster(t, 1)
	evs := accountEvents(entityID(1), 60)
	publish(t, newPublisher(t, c), evs)
	held, release := make(chan struct{}), make(chan struct{})
	var first sync.Once
	c.ControlKey(int16(kmsg.OffsetCommit), func(kmsg.Request) (kmsg.Response, error, bool) {
		first.Do(func() {
			close(held)
			c.SleepControl(func() { <-release })
		})
		return nil, nil, false // then handled as usual
	})
	o := consumerOptions(c, "overlap")
	o.MaxPollRecords = 10
	r := start(t, memstore.New(nil), o)
	<-held
	// The first commit is held: the next poll is written meanwhile, and
	// the one after waits for it.
	deadline := time.Now().Add(10 * time.Second)
	for r.c.Progress().Records < 20 {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("%d messages written while the first commit was held, want the next poll's too", r.c.Progress().Records)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if got := r.c.Progress().Records; got != 20 {
		t.Errorf("%d messages written while the first commit was held, want 20: one poll ahead at most", got)
	}
	close(release)
	waitFor(t, "every message committed", func() bool { return allCommitted(c, "overlap") })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if p := r.c.Progress(); p.Created != int64(len(evs)) || p.CommitFailures != 0 {
		t.Errorf("progress %+v, want %d created and no commit failure", p, len(evs))
	}
}

// blockingStore blocks every Put until its context is done.
type blockingStore struct {
	storage.Store
	entered chan struct{}
	once    sync.Once
}

func (s *blockingStore) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	s.once.Do(func() { close(s.entered) })
	<-ctx.Done()
	return ctx.Err()
}

// TestConsumerShutdownTimeout: writes still blocked when the shutdown
// timeout expires make Run fail with ErrShutdownTimeout, committing nothing.
func TestConsumerShutdownTimeout(t *testing.T) {
	c := newCluster(t, 1)
	publish(t, newPublisher(t, c), accountEvents(entityID(1), 4))
	store := &blockingStore{Store: memstore.New(nil), entered: make(chan struct{})}
	o := consumerOptions(c, "timeout")
	o.ShutdownTimeout = 50 * time.Millisecond
	r := start(t, store, o)
	<-store.entered
	err := r.stop(t)
	if !errors.Is(err, kafkasink.ErrShutdownTimeout) {
		t.Fatalf("Run = %v, want ErrShutdownTimeout", err)
	}
	if info := c.GroupInfo("timeout"); info != nil && len(info.Commits) > 0 {
		t.Errorf("commits %v, want none", info.Commits)
	}
}

// TestConsumerStoreFailures: a store failing a few times is retried; a
// store failing for good stops Run with a *WriteError, and what was
// written before is committed.
func TestConsumerStoreFailures(t *testing.T) {
	// A store that fails puts 4 to 7 once each, written message by message
	// (each failure retried) or as group commits (the batch that loses them
	// is written again message by message).
	transient := func(t *testing.T, durable bool) *logRecorder {
		c := newCluster(t, 1)
		evs := accountEvents(entityID(1), 10)
		publish(t, newPublisher(t, c), evs)
		mem := memstore.New(nil)
		store := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Skip: 3, Times: 4})
		logs := &logRecorder{}
		o := consumerOptions(c, "transient")
		o.Logger = slog.New(logs)
		o.Durable = durable
		r := start(t, store, o)
		waitFor(t, "every message", func() bool { return r.c.Progress().Records == int64(len(evs)) })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		checkExactlyOnce(t, mem, evs)
		if p := r.c.Progress(); p.Created != int64(len(evs)) || p.Existing != 0 {
			t.Errorf("progress %+v, want every file created once", p)
		}
		return logs
	}
	t.Run("transient", func(t *testing.T) {
		logs := transient(t, false)
		if n := logs.count(slog.LevelWarn, "kafkasink: write failed, retrying"); n != 4 {
			t.Errorf("%d retries logged, want 4", n)
		}
	})
	t.Run("transient, group commit", func(t *testing.T) {
		logs := transient(t, true)
		if n := logs.count(slog.LevelWarn, "kafkasink: group commit failed, writing its messages one by one"); n < 1 {
			t.Errorf("no failed group commit logged: %v", logs.messages())
		}
	})
	t.Run("permanent", func(t *testing.T) {
		c := newCluster(t, 1)
		evs := accountEvents(entityID(1), 10)
		publish(t, newPublisher(t, c), evs)
		mem := memstore.New(nil)
		store := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Skip: 6})
		o := consumerOptions(c, "permanent")
		o.WriteRetries = 2
		o.Concurrency = 1
		r := start(t, store, o)
		var err error
		select {
		case err = <-r.done:
			close(r.done)
		case <-time.After(time.Minute):
			t.Fatal("Run did not fail")
		}
		werr, ok := errors.AsType[*kafkasink.WriteError](err)
		if !ok || !errors.Is(err, faultstore.ErrInjected) || werr.Key != entityID(1) {
			t.Fatalf("Run = %v, want a *WriteError wrapping the store's error", err)
		}
		if got := store.Calls(faultstore.OpPut); got != 6+3 {
			t.Errorf("%d puts, want 6 and the failing one tried 3 times", got)
		}
		// The six files written are committed: a new run starts after them.
		info := c.GroupInfo("permanent")
		var committed int64
		for _, ps := range info.Commits {
			for _, pc := range ps {
				committed += pc.Offset
			}
		}
		if committed != 6 {
			t.Errorf("committed %d messages, want 6", committed)
		}
	})
}

// TestConsumerProgress: the callback sees the lag fall to zero, and the
// logger gets progress lines.
func TestConsumerProgress(t *testing.T) {
	c := newCluster(t, 1)
	evs := accountEvents(entityID(1), 50)
	publish(t, newPublisher(t, c), evs)
	var (
		mu   sync.Mutex
		seen []kafkasink.Progress
	)
	logs := &logRecorder{}
	o := consumerOptions(c, "progress")
	o.MaxPollRecords = 10
	o.Logger = slog.New(logs)
	o.Progress = func(p kafkasink.Progress) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, p)
	}
	r := start(t, slowStore{memstore.New(nil)}, o)
	waitFor(t, "every message", func() bool { return r.c.Progress().Records == int64(len(evs)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 5 {
		t.Fatalf("%d progress calls, want one per batch of 10 at least", len(seen))
	}
	lastLag := map[string]int64{}
	for i, p := range seen {
		var sum int64
		for _, pp := range p.Partitions {
			sum += pp.Lag
			if pp.Lag != pp.HighWatermark-pp.Committed {
				t.Errorf("call %d: %+v: lag is not the high watermark minus the committed offset", i, pp)
			}
			if last, ok := lastLag[pp.Topic]; ok && pp.Lag > last {
				t.Errorf("call %d: %s: lag %d after %d", i, pp.Topic, pp.Lag, last)
			}
			lastLag[pp.Topic] = pp.Lag
		}
		if sum != p.Lag {
			t.Errorf("call %d: lag %d, the partitions' sum to %d", i, p.Lag, sum)
		}
	}
	if seen[0].Lag == 0 {
		t.Errorf("first call: lag 0, want the messages not handled yet")
	}
	final := seen[len(seen)-1]
	if final.Lag != 0 || final.Records != int64(len(evs)) || len(final.Partitions) != 2 ||
		final.Partitions[0].Committed+final.Partitions[1].Committed != int64(len(evs)) {
		t.Errorf("last call %+v, want lag 0 and every message committed", final)
	}
	if logs.count(slog.LevelInfo, "kafkasink: progress") < 1 || logs.count(slog.LevelInfo, "kafkasink: consumer started") != 1 ||
		logs.count(slog.LevelInfo, "kafkasink: consumer stopped") != 1 {
		t.Errorf("log lines %v", logs.messages())
	}
}

// slowStore slows writes down, so that batches are fetched one by one.
type slowStore struct{ storage.Store }

func (s slowStore) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	time.Sleep(time.Millisecond)
	return s.Store.Put(ctx, key, r, opts)
}

// logRecorder is a slog.Handler that keeps the records.
type logRecorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

func (h *logRecorder) count(level slog.Level, msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.recs {
		if r.Level == level && r.Message == msg {
			n++
		}
	}
	return n
}

func (h *logRecorder) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ms []string
	for _, r := range h.recs {
		ms = append(ms, r.Level.String()+" "+r.Message)
	}
	return ms
}

func TestConsumerRunTwice(t *testing.T) {
	c := newCluster(t, 1)
	r := start(t, memstore.New(nil), consumerOptions(c, "twice"))
	waitFor(t, "the group", func() bool { return c.GroupInfo("twice") != nil })
	if err := r.c.Run(context.Background()); !errors.Is(err, kafkasink.ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
}

func TestNewConsumerOptions(t *testing.T) {
	store := memstore.New(nil)
	tests := []struct {
		name  string
		store storage.Store
		opts  *kafkasink.ConsumerOptions
		want  []string // parts of the error, "" for none
	}{
		{"nil options", store, nil, []string{"no seed brokers"}},
		{"defaults", store, &kafkasink.ConsumerOptions{Brokers: []string{"b:9092"}}, nil},
		{"every problem", nil, &kafkasink.ConsumerOptions{Namespace: "bad namespace", Events: []sink.EventName{"comptaNothing"},
			Topics: []string{""}, MaxPollRecords: -1, Concurrency: -1, ShutdownTimeout: -1, DeadLetterPrefix: "/abs"},
			[]string{"nil store", "no seed brokers", `namespace "bad namespace"`, `unknown event "comptaNothing"`, "topic 0 is empty",
				"negative MaxPollRecords", "negative Concurrency", "negative ShutdownTimeout", `dead-letter prefix "/abs"`}},
		{"state directory with a slash", store, &kafkasink.ConsumerOptions{Brokers: []string{"b:9092"}, StateDir: "a/b"}, []string{"state directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kafkasink.NewConsumer(tt.store, tt.opts)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("NewConsumer = %v", err)
				}
				return
			}
			if !errors.Is(err, kafkasink.ErrOptions) {
				t.Fatalf("NewConsumer = %v, want ErrOptions", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestConsumerTopics(t *testing.T) {
	opts := &kafkasink.ConsumerOptions{Brokers: []string{"b:9092"}, Namespace: "acme.sink",
		Events: []sink.EventName{sink.EntryInserted, sink.EntryDeleted, sink.EntryInserted}}
	c, err := kafkasink.NewConsumer(memstore.New(nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"acme.sink.comptaEcritureDeleted", "acme.sink.comptaEcritureInserted"}
	if diff := cmp.Diff(want, c.Topics()); diff != "" {
		t.Errorf("Topics (-want +got):\n%s", diff)
	}
	opts.Events[0] = sink.AccountInserted // not retained
	if diff := cmp.Diff(want, c.Topics()); diff != "" {
		t.Errorf("Topics after changing the options (-want +got):\n%s", diff)
	}
	c, _ = kafkasink.NewConsumer(memstore.New(nil), &kafkasink.ConsumerOptions{Brokers: []string{"b:9092"}})
	if got, want := len(c.Topics()), len(sink.EventNames())+1; got != want {
		t.Errorf("%d default topics, want %d (every event and the daily report)", got, want)
	}
}
