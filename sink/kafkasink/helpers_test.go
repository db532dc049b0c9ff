package kafkasink_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/storage"
)

// at is the instant the test events are published.
var at = time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)

// sinkTopics returns the topics of every sink event in the default namespace.
func sinkTopics() []string {
	var ts []string
	for _, e := range append(sink.EventNames(), sink.DailyReport) {
		ts = append(ts, sink.DefaultNamespace+"."+string(e))
	}
	return ts
}

// newCluster starts an in-process Kafka cluster on loopback with every sink
// topic (and extra ones), each with the given number of partitions.
func newCluster(tb testing.TB, partitions int32, extra ...string) *kfake.Cluster {
	tb.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, append(sinkTopics(), extra...)...))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

// newClient returns a producing client of cluster c, closed at the end of the test.
func newClient(tb testing.TB, c *kfake.Cluster, opts ...kgo.Opt) *kgo.Client {
	tb.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cl.Close)
	return cl
}

func newPublisher(tb testing.TB, c *kfake.Cluster) *kafkasink.Publisher {
	tb.Helper()
	p, err := kafkasink.NewPublisher(newClient(tb, c), &kafkasink.PublisherOptions{Now: func() time.Time { return at }})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// entityID returns the id of test entity i.
func entityID(i int) string { return fmt.Sprintf("e%04d-0000-4000-8000-000000000000", i) }

// accountEvents returns n changes of entity: accounts inserted, then
// renamed, in an order a consumer must keep.
func accountEvents(entity string, n int) []*sink.Event {
	evs := make([]*sink.Event, 0, n)
	for i := range n {
		env := sink.Envelope{Timestamp: sink.Millis(at) + int64(i), ApplicationID: "app-1", EntityID: entity,
			ID: fmt.Sprintf("acc-%d", i/2)}
		if i%2 == 0 {
			evs = append(evs, &sink.Event{Name: sink.AccountInserted, Envelope: env,
				Data: &sink.Account{Number: fmt.Sprintf("6%07d", i/2), Label: fmt.Sprintf("account %d", i/2), Type: 1}})
		} else {
			evs = append(evs, &sink.Event{Name: sink.AccountUpdated, Envelope: env,
				Data: &sink.Account{Label: fmt.Sprintf("account %d, renamed", i/2)}, Changed: []string{"libelle"}})
		}
	}
	return evs
}

// mixedEvents returns n events per entity for entities entities,
// interleaved across entities.
func mixedEvents(entities, n int) []*sink.Event {
	per := make([][]*sink.Event, entities)
	for e := range entities {
		per[e] = accountEvents(entityID(e), n)
	}
	var evs []*sink.Event
	for i := range n {
		for e := range entities {
			evs = append(evs, per[e][i])
		}
	}
	return evs
}

func publish(tb testing.TB, p *kafkasink.Publisher, evs []*sink.Event) {
	tb.Helper()
	if err := publishErr(p, evs); err != nil {
		tb.Fatal(err)
	}
}

// publishErr publishes evs in chunks of 50, and can be called from any goroutine.
func publishErr(p *kafkasink.Publisher, evs []*sink.Event) error {
	const chunk = 50
	for i := 0; i < len(evs); i += chunk {
		if err := p.Publish(context.Background(), evs[i:min(i+chunk, len(evs))]...); err != nil {
			return err
		}
	}
	return nil
}

// consumerOptions returns options for a consumer of c that is quick to
// join and to give its partitions up.
func consumerOptions(c *kfake.Cluster, group string) *kafkasink.ConsumerOptions {
	return &kafkasink.ConsumerOptions{
		Brokers:      c.ListenAddrs(),
		Group:        group,
		RetryBackoff: time.Millisecond,
		ClientOptions: []kgo.Opt{
			kgo.FetchMaxWait(100 * time.Millisecond),
			kgo.HeartbeatInterval(100 * time.Millisecond),
			kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond }),
		},
	}
}

// running is a consumer run in the background.
type running struct {
	c      *kafkasink.Consumer
	cancel context.CancelFunc
	done   chan error
}

func start(tb testing.TB, store storage.Store, opts *kafkasink.ConsumerOptions) *running {
	tb.Helper()
	c, err := kafkasink.NewConsumer(store, opts)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{c: c, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	tb.Cleanup(func() { r.stop(tb) })
	return r
}

// stop cancels the consumer and returns Run's error; it may be called more than once.
func (r *running) stop(tb testing.TB) error {
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
			return err
		}
		return nil
	case <-time.After(30 * time.Second):
		tb.Fatal("consumer did not stop")
		return nil
	}
}

// waitFor waits until cond holds, or fails the test after a minute.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countFiles counts the sink files of the store, per entity.
func countFiles(tb testing.TB, s storage.Store) map[string]int {
	tb.Helper()
	n := map[string]int{}
	for key, err := range storage.Keys(context.Background(), s, "") {
		if err != nil {
			tb.Fatal(err)
		}
		if strings.HasPrefix(key, "_ledgersink/") {
			continue
		}
		n[key[:strings.IndexByte(key, '/')]]++
	}
	return n
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// waitAssigned waits until group is stable with n members that each own
// partitions. A stable group can have a member without any for a moment:
// the cooperative balancer first has the others revoke what it moves, then
// assigns it in a second round.
func waitAssigned(tb testing.TB, c *kfake.Cluster, group string, n int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.WaitGroupInfo(ctx, group, func(g *kfake.GroupInfo) bool {
		if g == nil || g.State != "Stable" || len(g.Members) != n {
			return false
		}
		for _, m := range g.Members {
			if m.NumAssigned() == 0 {
				return false
			}
		}
		return true
	})
	if err != nil {
		tb.Fatalf("group %s: no %d members each owning partitions: %v", group, n, err)
	}
}
