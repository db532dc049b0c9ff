package kafkasink_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/internal/cputime"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// benchRoot holds the benchmarks' folders. Nothing is deleted between
// samples (creating files soon after deleting many is slower on some file
// systems); TestMain removes it at the end.
var benchRoot struct {
	once sync.Once
	dir  string
	n    atomic.Int64
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchRoot.dir != "" {
		os.RemoveAll(benchRoot.dir)
	}
	os.Exit(code)
}

// benchDir returns a new empty folder.
func benchDir(b *testing.B) string {
	benchRoot.once.Do(func() {
		dir, err := os.MkdirTemp("", "kafkasink-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchRoot.dir = dir
	})
	dir := filepath.Join(benchRoot.dir, fmt.Sprint(benchRoot.n.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchSetup starts a cluster with b.N messages published, of 64 entities
// in two topics of 4 partitions: accounts inserted and renamed, about 250
// bytes each.
func benchSetup(b *testing.B) (addrs []string, n int) {
	b.Helper()
	c := newCluster(b, 4)
	evs := mixedEvents(64, b.N/64+1)[:b.N]
	p := newPublisher(b, c)
	const chunk = 1000
	for i := 0; i < len(evs); i += chunk {
		if err := p.Publish(context.Background(), evs[i:min(i+chunk, len(evs))]...); err != nil {
			b.Fatal(err)
		}
	}
	return c.ListenAddrs(), len(evs)
}

// BenchmarkConsume measures messages per second from Kafka (in process)
// into a filestore (no fsync), with one and two members in the group:
// decode, write create-only, commit; with concurrent puts, and with one
// batch put per poll (ConsumerOptions.Durable). Each op is one message;
// the time includes joining the group.
func BenchmarkConsume(b *testing.B) {
	for _, members := range []int{1, 2} {
		for _, group := range []bool{false, true} {
			b.Run(fmt.Sprintf("members=%d/groupcommit=%v", members, group), func(b *testing.B) {
				store, err := filestore.New(benchDir(b), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer store.Close()
				benchConsumer(b, members, store, func(o *kafkasink.ConsumerOptions) { o.Durable = group })
			})
		}
	}
}

// BenchmarkConsumeCeiling does the same work the plainest way: a franz-go
// group consumer that writes each value with os.WriteFile under the sink
// file name (no decoding, no create-only check, no temporary file) and
// commits after each poll.
func BenchmarkConsumeCeiling(b *testing.B) {
	for _, members := range []int{1, 2} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			benchCeiling(b, members, ceilingWriter(benchDir(b)))
		})
	}
}

// BenchmarkConsumeDurable is BenchmarkConsume into a filestore that makes
// every file durable (Options.Sync), one member: each file fsynced on its
// own, against ConsumerOptions.Durable, one group commit (one syncfs) per
// poll.
func BenchmarkConsumeDurable(b *testing.B) {
	for _, group := range []bool{false, true} {
		b.Run(fmt.Sprintf("groupcommit=%v", group), func(b *testing.B) {
			store, err := filestore.New(benchDir(b), &filestore.Options{Sync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			benchConsumer(b, 1, store, func(o *kafkasink.ConsumerOptions) { o.Durable = group })
		})
	}
}

// BenchmarkConsumeDurableCeiling is BenchmarkConsumeCeiling made durable
// the plainest way: each file written, fsynced and closed, then its
// directory fsynced.
func BenchmarkConsumeDurableCeiling(b *testing.B) {
	dir := benchDir(b)
	var mkdir sync.Map
	benchCeiling(b, 1, func(entity, name string, value []byte) error {
		ed := filepath.Join(dir, entity)
		if _, ok := mkdir.Load(ed); !ok {
			if err := os.MkdirAll(ed, 0o755); err != nil {
				return err
			}
			mkdir.Store(ed, true)
		}
		f, err := os.OpenFile(filepath.Join(ed, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		_, err = f.Write(value)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		d, err := os.Open(ed)
		if err != nil {
			return err
		}
		err = d.Sync()
		d.Close()
		return err
	})
}

// BenchmarkConsumeMemstore is BenchmarkConsume into memory: what Kafka and
// the consumer cost without a file system.
func BenchmarkConsumeMemstore(b *testing.B) {
	for _, members := range []int{1, 2} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			benchConsumer(b, members, memstore.New(nil))
		})
	}
}

// BenchmarkConsumeMemstoreCeiling is BenchmarkConsumeCeiling into a map.
func BenchmarkConsumeMemstoreCeiling(b *testing.B) {
	for _, members := range []int{1, 2} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			benchCeiling(b, members, ceilingWriter(""))
		})
	}
}

// benchConsumer consumes b.N messages into store with a group of members.
func benchConsumer(b *testing.B, members int, store storage.Store, opts ...func(*kafkasink.ConsumerOptions)) {
	addrs, n := benchSetup(b)
	b.ResetTimer()
	_, cpu := runConsumers(b, addrs, n, members, store, opts...)
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/msg")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}

// runConsumers runs a group of members consumers into store until they
// have handled the n messages of the cluster at addrs, and returns the
// time it took and the CPU time the process used meanwhile.
func runConsumers(tb testing.TB, addrs []string, n, members int, store storage.Store, opts ...func(*kafkasink.ConsumerOptions)) (wall, cpu time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	cs := make([]*kafkasink.Consumer, members)
	for i := range cs {
		o := &kafkasink.ConsumerOptions{Brokers: addrs, Group: "bench",
			ClientOptions: benchClientOptions()}
		for _, f := range opts {
			f(o)
		}
		var err error
		cs[i], err = kafkasink.NewConsumer(store, o)
		if err != nil {
			tb.Fatal(err)
		}
	}
	start, cpu0 := time.Now(), cputime.Process()
	for _, c := range cs {
		wg.Go(func() {
			if err := c.Run(ctx); err != nil {
				tb.Error(err)
			}
		})
	}
	for {
		var handled int64
		for _, c := range cs {
			handled += c.Progress().Records
		}
		if handled >= int64(n) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	wall, cpu = time.Since(start), cputime.Process()-cpu0
	cancel()
	wg.Wait()
	return wall, cpu
}

// benchClientOptions are the franz-go options of every benchmark's clients,
// the consumer's and the ceiling's: short waits, so that what is measured is
// the work on the messages. A fetch waits at most 50 ms for data; members
// heartbeat every 100 ms, so that a member that joins after the group formed
// costs the other a heartbeat before it rejoins, not the default 3 s (with two
// members, which of the two happens is a coin toss on either side).
func benchClientOptions() []kgo.Opt {
	return []kgo.Opt{kgo.FetchMaxWait(50 * time.Millisecond), kgo.HeartbeatInterval(100 * time.Millisecond)}
}

// benchCeiling consumes b.N messages with plain franz-go group consumers,
// calling write for each and committing after each poll.
func benchCeiling(b *testing.B, members int, write func(entity, name string, value []byte) error) {
	addrs, n := benchSetup(b)
	b.ResetTimer()
	_, cpu := runCeiling(b, addrs, n, members, write)
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/msg")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}

// runCeiling is runConsumers for plain franz-go group consumers calling
// write for each message and committing after each poll.
func runCeiling(tb testing.TB, addrs []string, n, members int, write func(entity, name string, value []byte) error) (wall, cpu time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var handled atomic.Int64
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cputime.Process()
	for range members {
		cl, err := kgo.NewClient(append(benchClientOptions(), kgo.SeedBrokers(addrs...), kgo.ConsumerGroup("ceiling"),
			kgo.ConsumeTopics(sinkTopics()...), kgo.DisableAutoCommit())...)
		if err != nil {
			tb.Fatal(err)
		}
		wg.Go(func() {
			defer cl.Close()
			for {
				fs := cl.PollRecords(ctx, 1000)
				if ctx.Err() != nil {
					return
				}
				for _, r := range fs.Records() {
					name := sink.FileName{Event: sink.EventName(r.Topic[len(sink.DefaultNamespace)+1:]), Offset: r.Offset, Time: r.Timestamp}
					if err := write(string(r.Key), name.String(), r.Value); err != nil {
						tb.Error(err)
						return
					}
				}
				if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
					tb.Error(err)
					return
				}
				handled.Add(int64(len(fs.Records())))
			}
		})
	}
	for handled.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	wall, cpu = time.Since(start), cputime.Process()-cpu0
	cancel()
	wg.Wait()
	return wall, cpu
}

// ceilingWriter returns the ceiling's write into a new folder, or into a
// map when dir is "": os.WriteFile of the value under the entity's folder,
// created once.
func ceilingWriter(dir string) func(entity, name string, value []byte) error {
	if dir == "" {
		var mu sync.Mutex
		m := map[string][]byte{}
		return func(entity, name string, value []byte) error {
			mu.Lock()
			defer mu.Unlock()
			m[entity+"/"+name] = value
			return nil
		}
	}
	var mkdir sync.Map
	return func(entity, name string, value []byte) error {
		ed := filepath.Join(dir, entity)
		if _, ok := mkdir.Load(ed); !ok {
			if err := os.MkdirAll(ed, 0o755); err != nil {
				return err
			}
			mkdir.Store(ed, true)
		}
		return os.WriteFile(filepath.Join(ed, name), value, 0o644)
	}
}

// BenchmarkConsumeRatio runs the consumer and its ceiling alternately, in
// pairs of rounds of b.N messages (a new cluster each time, setup untimed;
// the ceiling first in every other pair), so that both see the same load
// on a shared machine, into a memstore and into a filestore (no fsync),
// with one and two members. It reports the ratio of their throughputs
// (consumer msgs/s over ceiling msgs/s: 1 is as fast as the plain loop) and
// of their CPU times per message, each the median over the pairs, so that
// a burst of load during one round does not decide it; total-ratio is the
// ratio of the throughputs over all rounds.
//
// Each round includes joining the group and the first fetch, 20 to 75 ms
// here on both sides: into memory, where 20,000 messages take 40 to 90 ms,
// that would be most of what is measured, so the memstore runs take
// 100,000 messages; the filestore's 20,000 take a second or more. With two
// members, whether both join the group's first generation is a coin toss
// on either side; the other member learns of a late one at its next
// heartbeat, so members heartbeat every 100 ms (benchClientOptions), and
// there are eleven pairs, so that the median is not decided by the tosses.
//
//	go test -run '^$' -bench 'ConsumeRatio/store=memstore' -benchtime 100000x -count 3 .
//	go test -run '^$' -bench 'ConsumeRatio/store=filestore' -benchtime 20000x -count 3 .
func BenchmarkConsumeRatio(b *testing.B) {
	const pairs = 11
	for _, kind := range []string{"memstore", "filestore"} {
		for _, members := range []int{1, 2} {
			b.Run(fmt.Sprintf("store=%s/members=%d", kind, members), func(b *testing.B) {
				var wall, cpu [2]time.Duration // the consumer's, the ceiling's, over all rounds
				var n [2]int
				var pair [2]struct{ wall, cpu time.Duration } // this pair's
				var ratios, cpuRatios []float64
				for round := range 2 * pairs {
					ceiling := round%2 == round/2%2 // sdk first, then ceiling first, ...
					addrs, m := benchSetup(b)
					var w, c time.Duration
					switch {
					case ceiling:
						dir := ""
						if kind == "filestore" {
							dir = benchDir(b)
						}
						w, c = runCeiling(b, addrs, m, members, ceilingWriter(dir))
					case kind == "memstore":
						w, c = runConsumers(b, addrs, m, members, memstore.New(nil))
					default:
						store, err := filestore.New(benchDir(b), nil)
						if err != nil {
							b.Fatal(err)
						}
						w, c = runConsumers(b, addrs, m, members, store)
						store.Close()
					}
					i := map[bool]int{false: 0, true: 1}[ceiling]
					wall[i] += w
					cpu[i] += c
					n[i] += m
					pair[i].wall, pair[i].cpu = w, c // both rounds of a pair have m messages
					if round%2 == 1 {
						ratios = append(ratios, pair[1].wall.Seconds()/pair[0].wall.Seconds())
						cpuRatios = append(cpuRatios, pair[1].cpu.Seconds()/pair[0].cpu.Seconds())
					}
				}
				sdk, ceiling := float64(n[0])/wall[0].Seconds(), float64(n[1])/wall[1].Seconds()
				b.ReportMetric(sdk, "msgs/s")
				b.ReportMetric(ceiling, "ceiling-msgs/s")
				b.ReportMetric(median(ratios), "ratio")
				b.ReportMetric(median(cpuRatios), "cpu-ratio")
				b.ReportMetric(sdk/ceiling, "total-ratio")
			})
		}
	}
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
