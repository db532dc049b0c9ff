// Command kafkasink runs a sink on Kafka: it publishes the quickstart's demo
// company (its initialization, its live changes and the daily report of
// their day) to the sink's topics, then runs a consumer group of two
// members that writes every message as an event file into a folder.
//
//	cd examples/kafkasink && go run . [-out DIR] [-brokers HOST:PORT,...]
//
// Without -brokers it starts an in-process Kafka cluster (franz-go's kfake,
// which speaks the real protocol on loopback) with every sink topic. With
// -brokers it uses that cluster, whose topics must exist. The folder (a new
// temporary folder by default) gets one directory per entity, as the
// quickstart's. The records are timestamped with the instant of the demo's
// changes, so running it again into the same folder writes nothing new:
// every file is found there with the same bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kafkasink:", err)
		os.Exit(1)
	}
}

// publishedAt dates the records: the instant of the demo's live changes.
var publishedAt = time.UnixMilli(sinktest.ChangedAt).UTC()

func run(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("kafkasink", flag.ContinueOnError)
	fs.SetOutput(out)
	dir := fs.String("out", "", "the folder to write the sink into (default: a new temporary folder)")
	brokers := fs.String("brokers", "", "seed brokers of a Kafka cluster, comma-separated (default: an in-process cluster)")
	partitions := fs.Int("partitions", 3, "partitions per topic of the in-process cluster")
	group := fs.String("group", "ledgersink-example", "the consumer group")
	timeout := fs.Duration("timeout", time.Minute, "how long to wait for the consumers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	seeds, err := cluster(out, *brokers, *partitions)
	if err != nil {
		return err
	}
	defer seeds.close()

	// The messages: the demo company as the platform would send it.
	company := sinktest.Company(nil)
	events, pages, err := companyMessages(ctx, company)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds.addrs...))
	if err != nil {
		return err
	}
	defer cl.Close()
	pub, err := kafkasink.NewPublisher(cl, &kafkasink.PublisherOptions{Now: func() time.Time { return publishedAt }})
	if err != nil {
		return err
	}
	if err := pub.Publish(ctx, events...); err != nil {
		return err
	}
	if err := pub.PublishDaily(ctx, pages...); err != nil {
		return err
	}
	fmt.Fprintf(out, "published: entity %s, %d events and %d daily report page(s)\n", company.EntityID, len(events), len(pages))

	// The sink: a consumer group of two members writing into a folder.
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "kafkasink-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	store, err := filestore.New(*dir, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	keys := kafkasink.NewKeyFilters(kafkasink.KeyFilter{Key: company.EntityID, Status: kafkasink.KeyReady})
	want := len(events) + len(pages)
	progress, err := consume(ctx, store, keys, seeds.addrs, *group, *timeout, func(handled int64) (bool, error) {
		if handled < int64(want) {
			return false, nil
		}
		n, err := countFiles(ctx, store, company.EntityID)
		return n >= want, err
	})
	if err != nil {
		return err
	}
	var sum kafkasink.Progress
	for _, p := range progress {
		sum.Created += p.Created
		sum.Existing += p.Existing
		sum.DeadLetters += p.DeadLetters
	}
	fmt.Fprintf(out, "consumer group %q: %d members\n", *group, len(progress))
	fmt.Fprintf(out, "  %d files written, %d already there, %d dead letters\n", sum.Created, sum.Existing, sum.DeadLetters)

	counts, err := countEvents(ctx, store, company.EntityID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "files in %s:\n", *dir+string(os.PathSeparator)+company.EntityID)
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(out, "    %-30s %d\n", name, counts[name])
	}
	return nil
}

// seeds are the brokers to use, and how to stop an in-process cluster.
type seeds struct {
	addrs []string
	close func()
}

// cluster returns the given brokers, or starts an in-process cluster with
// every sink topic.
func cluster(out io.Writer, brokers string, partitions int) (*seeds, error) {
	if brokers != "" {
		fmt.Fprintf(out, "kafka: %s\n", brokers)
		return &seeds{addrs: strings.Split(brokers, ","), close: func() {}}, nil
	}
	if partitions < 1 {
		return nil, fmt.Errorf("-partitions %d: want at least 1", partitions)
	}
	var topics []string
	for _, e := range append(sink.EventNames(), sink.DailyReport) {
		topics = append(topics, sink.DefaultNamespace+"."+string(e))
	}
	c, err := kfake.NewCluster(kfake.SeedTopics(int32(partitions), topics...))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "kafka: in-process cluster, %d topics of %d partitions\n", len(topics), partitions)
	return &seeds{addrs: c.ListenAddrs(), close: c.Close}, nil
}

// companyMessages returns what the platform sends for company: its
// initialization's events, its live changes, and the daily report of their
// day. It produces them with the sink writer into memory and reads them
// back in offset order.
func companyMessages(ctx context.Context, company *sink.Initialization) ([]*sink.Event, []*report.Daily, error) {
	mem := memstore.New(nil)
	w, err := sink.NewWriter(mem, &sink.WriterOptions{Now: func() time.Time { return publishedAt }})
	if err != nil {
		return nil, nil, err
	}
	if _, err := w.Initialize(ctx, company, nil); err != nil {
		return nil, nil, err
	}
	changes, err := sinktest.Changes(company.EntityID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := w.WriteOnce(ctx, "changes-1", changes); err != nil {
		return nil, nil, err
	}
	day := period.DateOf(publishedAt)
	daily, err := w.WriteDailyReport(ctx, company.EntityID, day, nil)
	if err != nil {
		return nil, nil, err
	}
	r, err := sink.NewReader(mem, nil)
	if err != nil {
		return nil, nil, err
	}
	var events []*sink.Event
	for it, err := range r.Read(ctx, company.EntityID, nil).All() {
		if err != nil {
			return nil, nil, err
		}
		events = append(events, it.Event)
	}
	return events, daily.Pages, nil
}

// consume runs two members of group until done, given the number of
// messages they have handled, reports true; then it stops them and returns
// their progress.
func consume(ctx context.Context, store storage.Store, keys *kafkasink.KeyFilters, brokers []string, group string,
	timeout time.Duration, done func(handled int64) (bool, error)) ([]kafkasink.Progress, error) {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	members := make([]*kafkasink.Consumer, 2)
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i := range members {
		c, err := kafkasink.NewConsumer(store, &kafkasink.ConsumerOptions{
			Brokers:       brokers,
			Group:         group,
			Keys:          keys,
			ClientOptions: []kgo.Opt{kgo.ClientID(fmt.Sprintf("member-%d", i+1)), kgo.FetchMaxWait(200 * time.Millisecond)},
		})
		if err != nil {
			return nil, err
		}
		members[i] = c
		wg.Go(func() { errs[i] = c.Run(runCtx) })
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var waitErr error
wait:
	for {
		select {
		case <-runCtx.Done():
			waitErr = ctx.Err()
			break wait
		case <-deadline.C:
			waitErr = fmt.Errorf("the consumers did not write every message within %v", timeout)
			break wait
		case <-tick.C:
			var handled int64
			for _, c := range members {
				handled += c.Progress().Records
			}
			ok, err := done(handled)
			if err != nil || ok {
				waitErr = err
				break wait
			}
		}
	}
	stop() // graceful: the members commit what they wrote and leave
	wg.Wait()
	if err := errors.Join(append(errs, waitErr)...); err != nil {
		return nil, err
	}
	progress := make([]kafkasink.Progress, len(members))
	for i, c := range members {
		progress[i] = c.Progress()
	}
	return progress, nil
}

// countFiles counts the files of an entity's directory.
func countFiles(ctx context.Context, store storage.Store, entity string) (int, error) {
	n := 0
	for _, err := range storage.Keys(ctx, store, entity+"/") {
		if err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// countEvents counts the files of an entity's directory per event name.
func countEvents(ctx context.Context, store storage.Store, entity string) (map[string]int, error) {
	counts := map[string]int{}
	for key, err := range storage.Keys(ctx, store, entity+"/") {
		if err != nil {
			return nil, err
		}
		f, err := sink.ParseFileName(strings.TrimPrefix(key, entity+"/"))
		if err != nil {
			return nil, fmt.Errorf("unexpected file %s", key)
		}
		counts[string(f.Event)]++
	}
	return counts, nil
}
