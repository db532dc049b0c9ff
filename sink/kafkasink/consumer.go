package kafkasink

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"

	"github.com/ledgersink/ledgersink/internal/workers"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/storage"
)

// Defaults of [ConsumerOptions].
const (
	// DefaultGroup is the consumer group of a Consumer that names none.
	DefaultGroup = "ledgersink"
	// DefaultDeadLetterPrefix is where dead letters are stored: inside
	// the sink writer's default state directory, which readers of the sink
	// leave out (in ConsumerOptions.DeadLetters, or StateStore).
	DefaultDeadLetterPrefix = sink.DefaultStateDir + "/deadletters"
)

var (
	// ErrOptions is matched by the errors of NewConsumer about its options.
	ErrOptions = errors.New("kafkasink: invalid options")
	// ErrRunning is returned by Consumer.Run when the consumer is running
	// already.
	ErrRunning = errors.New("kafkasink: consumer already running")
	// ErrShutdownTimeout is the cause of the error Run returns when the
	// messages in hand could not be written within
	// ConsumerOptions.ShutdownTimeout after the context was canceled.
	ErrShutdownTimeout = errors.New("kafkasink: shutdown timeout")
)

// ConsumerOptions configures a [Consumer]. Brokers is required; the zero
// value of every other field gives the default documented on it.
type ConsumerOptions struct {
	// Brokers are the seed brokers, "host:port". Required.
	Brokers []string
	// Group is the consumer group: the consumers of one sink share it,
	// and Kafka spreads the topics' partitions over them. "" means
	// DefaultGroup.
	Group string
	// Namespace is the prefix of the topics and of the file names. ""
	// means sink.DefaultNamespace.
	Namespace string
	// Events are the events consumed, from the topics
	// "<Namespace>.<event>". Nil means every change event of
	// sink.EventNames and sink.DailyReport.
	Events []sink.EventName
	// Topics, when set, are the topics consumed instead of those Events
	// names. A message of a topic that is not "<Namespace>.<event>" for a
	// sink event goes to the dead letters.
	Topics []string
	// Keys are the subscription's key filters: only messages whose key
	// (the entity) is ready are written; the others are skipped and
	// committed. Nil delivers every key. The consumer reads Keys as it
	// goes: change it while the consumer runs.
	Keys *KeyFilters

	// TLS, when set, connects to the brokers over TLS with a clone of it.
	TLS *tls.Config
	// SASL, when set, authenticates with it (plain.Auth{...}.AsMechanism(),
	// scram.Auth{...}.AsSha512Mechanism(), ... from franz-go's pkg/sasl).
	SASL sasl.Mechanism
	// ClientOptions are added to the franz-go client's options after the
	// consumer's own: client id, timeouts, rack, logger, ... They must not
	// change how the group commits or rebalances (autocommit, the
	// OnPartitions callbacks, BlockRebalanceOnPoll) nor what is consumed.
	ClientOptions []kgo.Opt

	// StateDir is the sink writer's state directory (see
	// sink.WriterOptions). "" means sink.DefaultStateDir.
	StateDir string
	// StateStore is the sink writer's state store (see
	// sink.WriterOptions.StateStore), and the store of the dead letters
	// unless DeadLetters is set: with it, the sink's store holds nothing
	// but entity folders. Nil means the sink's store.
	StateStore storage.Store
	// Skip lists the write rules the consumer's writer does not apply (see
	// sink.WriterOptions.Skip): by default an entry that fails the business
	// rules goes to the dead letters (ReasonPayload); with
	// sink.RuleEntryValidation it is written as received.
	Skip []sink.WriteRule
	// DeadLetters is the store of the dead letters. Nil means StateStore,
	// or the sink's store when that is nil too.
	DeadLetters storage.Store
	// DeadLetterPrefix is the directory of the dead letters in their
	// store. "" means DefaultDeadLetterPrefix.
	DeadLetterPrefix string

	// MaxPollRecords bounds the messages handled between two commits.
	// 0 means 1000.
	MaxPollRecords int
	// Concurrency is how many entities' messages are written at once.
	// 0 means 8.
	Concurrency int
	// Durable writes the change events of each poll as one group commit
	// through the store's batch put (sink.WriterOptions.Durable), in the
	// order of the messages, before the poll's offsets are committed: with
	// a store that flushes a batch at once (a filestore with Sync, one
	// syncfs), a poll costs one flush instead of one fsync per file. Daily
	// reports, dead letters, and the messages of a batch that fails are
	// written one by one, as without it. It changes nothing for a store
	// that does not implement storage.Batcher.
	Durable bool
	// WriteRetries is how many times a write that fails in the store is
	// retried before Run gives up. 0 means 5; negative means none.
	WriteRetries int
	// RetryBackoff is the wait before the first retry; it doubles at each
	// retry, up to 5 s. 0 means 200 ms.
	RetryBackoff time.Duration
	// ShutdownTimeout bounds how long, once ctx is canceled, Run goes on
	// writing and committing the messages in hand. 0 means 30 s.
	ShutdownTimeout time.Duration

	// Logger receives the consumer's lines: start and stop, partitions
	// assigned and revoked, progress every LogInterval, dead letters,
	// retries and commit failures. Nil means no logging.
	Logger *slog.Logger
	// LogInterval is the least time between two progress lines at Info
	// level (every batch is logged at Debug level). 0 means 30 s.
	LogInterval time.Duration
	// Progress, when set, is called after every batch of messages is
	// written and committed, from the goroutine that called Run.
	Progress func(Progress)
	// Now is the clock of LogInterval. Nil means time.Now.
	Now func() time.Time
}

// Progress is what a [Consumer] has done since it was created.
type Progress struct {
	// Records counts the messages handled: Created + Existing + Skipped +
	// DeadLetters.
	Records int64
	// Created counts the files written; Existing the files found already
	// written with the same bytes (messages delivered again after a crash
	// or a rebalance).
	Created, Existing int64
	// Skipped counts the messages of keys not ready.
	Skipped int64
	// DeadLetters counts the messages written to the dead letters.
	DeadLetters int64
	// CommitFailures counts the commits Kafka refused (their messages are
	// delivered again, and written again identically).
	CommitFailures int64
	// Lag is the sum of the partitions' lags.
	Lag int64
	// Partitions are the partitions the consumer has fetched from and
	// still owns, by topic then partition.
	Partitions []PartitionProgress
}

// PartitionProgress is the position of a consumer in one partition.
type PartitionProgress struct {
	Topic     string
	Partition int32
	// Committed is the next offset to handle: every message before it is
	// written and committed.
	Committed int64
	// HighWatermark is the partition's end, as of the last fetch.
	HighWatermark int64
	// Lag is HighWatermark - Committed: the messages not handled yet.
	Lag int64
}

// WriteError reports a message that could not be written in the store,
// after the retries: Run stops with it, having committed every message
// before it. Run again (or let another member of the group take over): the
// message is delivered again.
type WriteError struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       string
	Err       error // the store's error
}

// Error names the message and the store's error.
func (e *WriteError) Error() string {
	return fmt.Sprintf("kafkasink: writing %s/%d@%d (key %q): %v", e.Topic, e.Partition, e.Offset, e.Key, e.Err)
}

// Unwrap returns the store's error.
func (e *WriteError) Unwrap() error { return e.Err }

// Consumer consumes the event topics of a sink and writes each message as
// an event file into a store, exactly once: see the package documentation.
// Create it with NewConsumer and call Run. Its methods are safe for
// concurrent use; Run runs once at a time.
type Consumer struct {
	store   storage.Store
	dls     storage.Store
	w       *sink.Writer
	o       ConsumerOptions // defaults resolved
	ns      string
	topics  []string
	events  map[string]sink.EventName // topic → event
	log     *slog.Logger
	running atomic.Bool
	// batcher: Durable, into a store that commits batches; the messages
	// writeGroup leaves are handled one by one.
	batcher bool

	created, existing, skipped, dead, commitFailures atomic.Int64

	mu        sync.Mutex
	parts     map[topicPartition]*partition
	lastLog   time.Time
	committed chan struct{} // closed when the commit in flight is done; nil for none
}

type topicPartition struct {
	topic     string
	partition int32
}

type partition struct {
	committed, hwm int64
}

// NewConsumer returns a Consumer writing into store. It does no I/O.
// It copies opts and does not retain it. It fails with an error matching
// ErrOptions, listing every problem: no brokers, a namespace that would not
// name valid files, an unknown event, an empty topic, a negative number or
// duration.
func NewConsumer(store storage.Store, opts *ConsumerOptions) (*Consumer, error) {
	var o ConsumerOptions
	if opts != nil {
		o = *opts
	}
	o.Brokers = slices.Clone(o.Brokers)
	o.Events = slices.Clone(o.Events)
	o.Topics = slices.Clone(o.Topics)
	o.ClientOptions = slices.Clone(o.ClientOptions)
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrOptions}, args...)...))
	}
	if store == nil {
		bad("nil store")
	}
	if len(o.Brokers) == 0 {
		bad("no seed brokers")
	}
	o.Namespace = cmp.Or(o.Namespace, sink.DefaultNamespace)
	if err := checkNamespace(o.Namespace); err != nil {
		bad("namespace %q: %v", o.Namespace, err)
	}
	for _, e := range o.Events {
		if !e.Valid() {
			bad("unknown event %q", e)
		}
	}
	for i, t := range o.Topics {
		if t == "" {
			bad("topic %d is empty", i)
		}
	}
	for name, v := range map[string]int64{"MaxPollRecords": int64(o.MaxPollRecords), "Concurrency": int64(o.Concurrency),
		"RetryBackoff": int64(o.RetryBackoff), "ShutdownTimeout": int64(o.ShutdownTimeout), "LogInterval": int64(o.LogInterval)} {
		if v < 0 {
			bad("negative %s", name)
		}
	}
	o.StateDir = cmp.Or(o.StateDir, sink.DefaultStateDir)
	o.DeadLetterPrefix = cmp.Or(o.DeadLetterPrefix, DefaultDeadLetterPrefix)
	if err := storage.CheckKey("", o.DeadLetterPrefix); err != nil {
		bad("dead-letter prefix %q: %v", o.DeadLetterPrefix, err)
	}
	var ws storage.Store = nopStore{} // only to check the writer's options
	if store != nil {
		ws = store
	}
	// One put at a time, stopping at the first that fails: a run of
	// messages is written in order (see writeRun).
	w, err := sink.NewWriter(ws, &sink.WriterOptions{Namespace: o.Namespace, StateDir: o.StateDir, StateStore: o.StateStore,
		Durable: o.Durable, Skip: o.Skip, Concurrency: 1})
	if err != nil {
		bad("%v", err)
	}
	if errs != nil {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return nil, errors.Join(errs...)
	}
	o.Group = cmp.Or(o.Group, DefaultGroup)
	o.MaxPollRecords = cmp.Or(o.MaxPollRecords, 1000)
	o.Concurrency = cmp.Or(o.Concurrency, 8)
	switch {
	case o.WriteRetries == 0:
		o.WriteRetries = 5
	case o.WriteRetries < 0:
		o.WriteRetries = 0
	}
	o.RetryBackoff = cmp.Or(o.RetryBackoff, 200*time.Millisecond)
	o.ShutdownTimeout = cmp.Or(o.ShutdownTimeout, 30*time.Second)
	o.LogInterval = cmp.Or(o.LogInterval, 30*time.Second)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TLS != nil {
		o.TLS = o.TLS.Clone()
	}
	c := &Consumer{
		store:  store,
		dls:    o.DeadLetters,
		w:      w,
		o:      o,
		ns:     o.Namespace,
		events: map[string]sink.EventName{},
		log:    o.Logger,
		parts:  map[topicPartition]*partition{},
	}
	_, c.batcher = store.(storage.Batcher)
	c.batcher = c.batcher && o.Durable
	if c.dls == nil {
		c.dls = o.StateStore
	}
	if c.dls == nil {
		c.dls = store
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, e := range append(sink.EventNames(), sink.DailyReport) {
		c.events[o.Namespace+"."+string(e)] = e
	}
	switch {
	case o.Topics != nil:
		c.topics = o.Topics
	case o.Events != nil:
		for _, e := range o.Events {
			c.topics = append(c.topics, o.Namespace+"."+string(e))
		}
	default:
		for _, e := range append(sink.EventNames(), sink.DailyReport) {
			c.topics = append(c.topics, o.Namespace+"."+string(e))
		}
	}
	slices.Sort(c.topics)
	c.topics = slices.Compact(c.topics)
	return c, nil
}

// nopStore stands for a nil store while NewConsumer collects the problems
// of its options; it is never used.
type nopStore struct{ storage.Store }

// Topics returns the topics the consumer subscribes to, sorted. The caller
// owns the slice.
func (c *Consumer) Topics() []string { return slices.Clone(c.topics) }

// clientOptions returns the franz-go options of the consumer's client.
func (c *Consumer) clientOptions() []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.o.Brokers...),
		kgo.ConsumerGroup(c.o.Group),
		kgo.ConsumeTopics(c.topics...),
		// Commit by hand, after the files are written.
		kgo.DisableAutoCommit(),
		// No rebalance between a poll and its commit: every commit is for
		// partitions the member still owns.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			c.log.Info("kafkasink: partitions assigned", "partitions", countPartitions(m))
		}),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			// Everything handled is committed by the commit in flight,
			// if any: it ends before the partitions are given up.
			c.waitCommit()
			c.forget(m)
			c.log.Info("kafkasink: partitions revoked", "partitions", countPartitions(m))
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			c.forget(m)
			c.log.Warn("kafkasink: partitions lost", "partitions", countPartitions(m))
		}),
	}
	if c.o.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(c.o.TLS.Clone()))
	}
	if c.o.SASL != nil {
		opts = append(opts, kgo.SASL(c.o.SASL))
	}
	return append(opts, c.o.ClientOptions...)
}

func countPartitions(m map[string][]int32) int {
	n := 0
	for _, ps := range m {
		n += len(ps)
	}
	return n
}

// forget drops the positions of partitions no longer owned.
func (c *Consumer) forget(m map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, ps := range m {
		for _, p := range ps {
			delete(c.parts, topicPartition{t, p})
		}
	}
}

// Run joins the consumer group and writes the messages of the partitions
// Kafka assigns to it until ctx is canceled, then shuts down gracefully:
// it writes and commits the messages in hand (for at most
// ConsumerOptions.ShutdownTimeout), leaves the group, and returns nil.
//
// Each message is handled in order within its partition: skipped when its
// key is not ready, checked and written as received (its value, byte for
// byte) with sink.Writer.WriteEncodedAt as
// "<entite_id>/<namespace>.<event>-<offset>-<time>.json" (the offset is
// the Kafka offset, the time the record's timestamp), or written to the
// dead letters when it cannot be (see [Reason]). A dead letter never stops
// the consumer. Offsets are committed only once every message before them
// is written, so after a crash anywhere the messages are delivered again
// and rewritten identically. A poll's offsets are committed while the next
// poll is written, one commit at a time, in order.
//
// Errors: ErrRunning; a *WriteError when the store fails a write after
// ConsumerOptions.WriteRetries retries (messages before it are committed);
// an error matching ErrShutdownTimeout; the client's errors. Run can be
// called again after it returns: it resumes from the committed offsets.
func (c *Consumer) Run(ctx context.Context) (err error) {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)
	cl, err := kgo.NewClient(c.clientOptions()...)
	if err != nil {
		return fmt.Errorf("kafkasink: %w", err)
	}
	// Leaving the group last: every message handled has been committed.
	defer cl.CloseAllowingRebalance()

	// Messages in hand are written with pctx, which outlives ctx by the
	// shutdown timeout.
	pctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	var timer atomic.Pointer[time.Timer]
	stopWatch := context.AfterFunc(ctx, func() {
		timer.Store(time.AfterFunc(c.o.ShutdownTimeout, func() { cancel(ErrShutdownTimeout) }))
	})
	defer func() {
		stopWatch()
		if t := timer.Load(); t != nil {
			t.Stop()
		}
	}()

	c.log.Info("kafkasink: consumer started", "group", c.o.Group, "topics", len(c.topics))
	defer func() {
		p := c.Progress()
		c.log.Info("kafkasink: consumer stopped", "records", p.Records, "created", p.Created,
			"existing", p.Existing, "skipped", p.Skipped, "deadLetters", p.DeadLetters, "error", err)
	}()
	// A poll's commit runs while the next poll is written; commits are
	// made one at a time, in order.
	defer c.waitCommit()
	for {
		fetches := cl.PollRecords(ctx, c.o.MaxPollRecords)
		if fetches.IsClientClosed() {
			return nil
		}
		fetches.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				c.log.Warn("kafkasink: fetch error", "topic", t, "partition", p, "error", err)
			}
		})
		c.noteWatermarks(fetches)
		if recs := fetches.Records(); len(recs) > 0 {
			commit, perr := c.process(pctx, recs)
			c.waitCommit()
			if len(commit) == 0 {
				c.report()
			} else {
				c.startCommit(pctx, cl, commit)
			}
			if perr != nil {
				c.waitCommit()
				cl.AllowRebalance()
				if cause := context.Cause(pctx); errors.Is(cause, ErrShutdownTimeout) {
					return fmt.Errorf("kafkasink: %w: %w", ErrShutdownTimeout, perr)
				}
				return perr
			}
		}
		cl.AllowRebalance()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// startCommit commits the offsets of commit in the background, then
// reports the progress; waitCommit waits for it to end.
func (c *Consumer) startCommit(ctx context.Context, cl *kgo.Client, commit []*kgo.Record) {
	done := make(chan struct{})
	c.mu.Lock()
	c.committed = done
	c.mu.Unlock()
	go func() {
		defer close(done)
		if err := cl.CommitRecords(ctx, commit...); err != nil {
			// The messages will be delivered again, to this member or
			// another, and written again identically.
			c.commitFailures.Add(1)
			c.log.Warn("kafkasink: commit failed", "error", err)
		} else {
			c.noteCommits(commit)
		}
		c.report()
	}()
}

// waitCommit waits for the commit in flight, if any, to end.
func (c *Consumer) waitCommit() {
	c.mu.Lock()
	done := c.committed
	c.mu.Unlock()
	if done != nil {
		<-done
	}
}

// noteWatermarks records the high watermarks of the fetched partitions.
func (c *Consumer) noteWatermarks(fetches kgo.Fetches) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if p.Err != nil || p.Topic == "" {
			return
		}
		tp := topicPartition{p.Topic, p.Partition}
		st := c.parts[tp]
		if st == nil {
			st = &partition{committed: -1}
			if len(p.Records) > 0 {
				st.committed = p.Records[0].Offset
			}
			c.parts[tp] = st
		}
		st.hwm = p.HighWatermark
	})
}

// noteCommits records the committed positions.
func (c *Consumer) noteCommits(commit []*kgo.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range commit {
		if st := c.parts[topicPartition{r.Topic, r.Partition}]; st != nil {
			st.committed = r.Offset + 1
		}
	}
}

// Progress returns what the consumer has done so far.
func (c *Consumer) Progress() Progress {
	p := Progress{
		Created:        c.created.Load(),
		Existing:       c.existing.Load(),
		Skipped:        c.skipped.Load(),
		DeadLetters:    c.dead.Load(),
		CommitFailures: c.commitFailures.Load(),
	}
	p.Records = p.Created + p.Existing + p.Skipped + p.DeadLetters
	c.mu.Lock()
	for tp, st := range c.parts {
		if st.committed < 0 {
			continue // nothing fetched yet
		}
		lag := max(st.hwm-st.committed, 0)
		p.Partitions = append(p.Partitions, PartitionProgress{Topic: tp.topic, Partition: tp.partition,
			Committed: st.committed, HighWatermark: st.hwm, Lag: lag})
		p.Lag += lag
	}
	c.mu.Unlock()
	slices.SortFunc(p.Partitions, func(a, b PartitionProgress) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return p
}

// report calls the Progress callback and logs the progress.
func (c *Consumer) report() {
	p := c.Progress()
	if c.o.Progress != nil {
		c.o.Progress(p)
	}
	attrs := []any{"records", p.Records, "created", p.Created, "existing", p.Existing,
		"skipped", p.Skipped, "deadLetters", p.DeadLetters, "lag", p.Lag, "partitions", len(p.Partitions)}
	now := c.o.Now()
	c.mu.Lock()
	due := now.Sub(c.lastLog) >= c.o.LogInterval
	if due {
		c.lastLog = now
	}
	c.mu.Unlock()
	if due {
		c.log.Info("kafkasink: progress", attrs...)
	} else {
		c.log.Debug("kafkasink: progress", attrs...)
	}
}

// outcome is what became of one message.
type outcome int

const (
	outCreated outcome = iota
	outExisting
	outSkipped
	outDead
)

// process handles a poll's records, concurrently across entities and in
// order within each (topic, partition, key). It returns, per partition,
// the last record to commit: the last one before the first record that
// could not be handled, if any, whose error it returns.
func (c *Consumer) process(ctx context.Context, recs []*kgo.Record) ([]*kgo.Record, error) {
	type group struct {
		recs   []*kgo.Record
		n      int // how many records it has
		failed *kgo.Record
		err    error
	}
	var written map[*kgo.Record]bool
	if c.batcher {
		written = c.writeGroup(ctx, recs)
	}
	// By partition, then key: looking a key up does not copy it. Each
	// record's group is found first, then the records of every group are
	// laid out in one slice, each group's in their order.
	// A poll's records come by partition: a partition's map is looked up
	// once per run of its records.
	groups := map[topicPartition]map[string]int{}
	var gs []group
	of := make([]int, len(recs)) // each record's group, -1 for those written
	var byKey map[string]int     // the groups of the partition of the run
	var run topicPartition
	for j, r := range recs {
		if written[r] {
			of[j] = -1
			continue
		}
		if byKey == nil || r.Partition != run.partition || r.Topic != run.topic {
			run = topicPartition{r.Topic, r.Partition}
			if byKey = groups[run]; byKey == nil {
				byKey = map[string]int{}
				groups[run] = byKey
			}
		}
		i, ok := byKey[string(r.Key)]
		if !ok {
			i = len(gs)
			byKey[string(r.Key)] = i
			gs = append(gs, group{})
		}
		of[j] = i
		gs[i].n++
	}
	all := make([]*kgo.Record, len(recs))
	start := 0
	for i := range gs {
		gs[i].recs = all[start : start : start+gs[i].n]
		start += gs[i].n
	}
	for j, r := range recs {
		if i := of[j]; i >= 0 {
			gs[i].recs = append(gs[i].recs, r)
		}
	}
	workers.Each(len(gs), c.o.Concurrency, func() func(int) {
		var placed []sink.PlacedEncoded // each call's, reused by the next
		return func(i int) {
			g := &gs[i]
			g.failed, g.err = c.handleGroup(ctx, g.recs, &placed)
		}
	})

	// The first failure of each partition bounds its commit.
	firstFail := map[topicPartition]int64{}
	var err error
	var errAt *kgo.Record
	for _, g := range gs {
		if g.failed == nil {
			continue
		}
		tp := topicPartition{g.failed.Topic, g.failed.Partition}
		if off, ok := firstFail[tp]; !ok || g.failed.Offset < off {
			firstFail[tp] = g.failed.Offset
		}
		if errAt == nil || g.failed.Offset < errAt.Offset {
			err, errAt = g.err, g.failed
		}
	}
	// Per partition, the last record before its first failure.
	type partState struct {
		commit int   // its record's index in commit, -1 for none yet
		failAt int64 // the offset of its first failure, if failed
		failed bool
	}
	parts := map[topicPartition]*partState{}
	var st *partState // the partition of the run
	var commit []*kgo.Record
	for _, r := range recs {
		if st == nil || r.Partition != run.partition || r.Topic != run.topic {
			run = topicPartition{r.Topic, r.Partition}
			if st = parts[run]; st == nil {
				st = &partState{commit: -1}
				st.failAt, st.failed = firstFail[run]
				parts[run] = st
			}
		}
		switch {
		case st.failed && r.Offset >= st.failAt:
		case st.commit < 0:
			st.commit = len(commit)
			commit = append(commit, r)
		case r.Offset > commit[st.commit].Offset:
			commit[st.commit] = r
		}
	}
	return commit, err
}

// writeGroup writes the change events of recs whose key is ready as one
// batch (ConsumerOptions.Durable) and returns the messages it wrote. The
// others go through handle one by one: those it leaves out (daily reports,
// keys not ready, messages for the dead letters), and those of a batch that
// failed, which are written again there, safely since writes are
// idempotent.
func (c *Consumer) writeGroup(ctx context.Context, recs []*kgo.Record) map[*kgo.Record]bool {
	var batch []sink.PlacedEncoded
	var of []*kgo.Record
	for _, r := range recs {
		key := string(r.Key)
		if c.o.Keys != nil && !c.o.Keys.Ready(key) {
			continue
		}
		event, ok := c.events[r.Topic]
		if !ok || event == sink.DailyReport {
			continue
		}
		name := sink.FileName{Namespace: c.ns, Event: event, Offset: r.Offset, Time: recordTime(r)}
		ev := sink.Encoded{Name: event, Entity: key, Data: r.Value}
		if name.Validate() != nil {
			continue
		}
		if _, err := c.w.CheckEncoded(ev); err != nil {
			continue
		}
		batch = append(batch, sink.PlacedEncoded{Name: name, Event: ev})
		of = append(of, r)
	}
	if len(batch) == 0 {
		return nil
	}
	res, err := c.w.WriteEncodedAt(ctx, batch)
	if err != nil {
		c.log.Warn("kafkasink: group commit failed, writing its messages one by one",
			"messages", len(batch), "error", err)
	}
	if res == nil {
		return nil
	}
	written := make(map[*kgo.Record]bool, len(of))
	for i, r := range of {
		switch res.Files[i].Status {
		case sink.WriteCreated:
			c.created.Add(1)
		case sink.WriteExisting:
			c.existing.Add(1)
		default:
			continue // failed, or left out (a writer without calendar leaves nothing out): handle tells
		}
		written[r] = true
	}
	return written
}

// handleGroup handles the messages of one (topic, partition, key), in
// order, and returns the first it could not handle, with handle's error.
// The change events of ready keys are written in runs, one WriteEncodedAt
// call each (see writeRun); the others one by one.
func (c *Consumer) handleGroup(ctx context.Context, recs []*kgo.Record, placed *[]sink.PlacedEncoded) (*kgo.Record, error) {
	event, ok := c.events[recs[0].Topic]
	runs := ok && event != sink.DailyReport && !c.batcher
	key := string(recs[0].Key)
	for len(recs) > 0 {
		n := 0
		for runs && n < len(recs) && (c.o.Keys == nil || c.o.Keys.Ready(key)) {
			n++
		}
		if n < 2 {
			if err := c.handle(ctx, recs[0]); err != nil {
				return recs[0], err
			}
			recs = recs[1:]
			continue
		}
		done, err := c.writeRun(ctx, event, key, recs[:n], placed)
		if err != nil {
			return recs[done], err
		}
		recs = recs[done:]
	}
	return nil, nil
}

// writeRun writes recs, change events named event of the entity key, in one
// WriteEncodedAt call: each is checked and put, one after the other, in
// order; a put the store fails stops the run (the writer's Concurrency is
// 1). scratch is the slice the call's events are made in, kept for the
// next call of the same goroutine. It returns how many of the leading messages it handled, at least one unless
// err is handle's error for recs[done]. What the call could not write is
// handled as handle would have: a message that fails its check, or the
// rules, or finds other bytes under its name, is handled again alone (and
// goes to the dead letters); a put the store failed was the first try of
// the message's retries.
func (c *Consumer) writeRun(ctx context.Context, event sink.EventName, key string, recs []*kgo.Record, scratch *[]sink.PlacedEncoded) (done int, err error) {
	placed := (*scratch)[:0] // the writer keeps none of it
	for _, r := range recs {
		placed = append(placed, sink.PlacedEncoded{Name: sink.FileName{Namespace: c.ns, Event: event, Offset: r.Offset, Time: recordTime(r)},
			Event: sink.Encoded{Name: event, Entity: key, Data: r.Value}})
	}
	*scratch = placed
	res, werr := c.w.WriteEncodedAt(ctx, placed)
	if res == nil {
		// Nothing written: the first message that fails its check or the
		// rules is werr's. Write those before it, or handle it alone.
		if we, ok := errors.AsType[*sink.WriteError](werr); ok && we.Index > 0 && we.Index < len(recs) {
			return c.writeRun(ctx, event, key, recs[:we.Index], scratch)
		}
		return c.handleAlone(ctx, recs[0], nil)
	}
	var failed map[int]error // by index, what the call could not write
	for _, e := range unjoin(werr) {
		if failed == nil {
			failed = make(map[int]error)
		}
		if we, ok := errors.AsType[*sink.WriteError](e); ok {
			failed[we.Index] = we
		}
	}
	for i, r := range recs {
		switch res.Files[i].Status {
		case sink.WriteCreated:
			c.created.Add(1)
			continue
		case sink.WriteFailed:
		default:
			c.existing.Add(1)
			continue
		}
		e := failed[i]
		if i > 0 && e == nil {
			return i, nil // the next run starts there
		}
		_, permanent := errors.AsType[*permanentError](classify(e))
		if permanent {
			e = nil // handled again alone: its error names it alone
		}
		if _, err := c.handleAlone(ctx, r, e); err != nil {
			return i, err
		}
		if !permanent {
			return i + 1, nil // the puts after a failed one were not tried: the next run starts after it
		}
	}
	return len(recs), nil
}

// handleAlone is handle for r whose first try, when failed is not nil,
// failed with failed.
func (c *Consumer) handleAlone(ctx context.Context, r *kgo.Record, failed error) (int, error) {
	out, err := c.handleOneAfter(ctx, r, failed)
	if err != nil {
		return 0, err
	}
	c.count(out)
	return 1, nil
}

// unjoin returns the errors joined in err, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// handle handles one message. It returns an error only when the message
// could not be handled and must be delivered again: a store failure after
// the retries, or ctx's end.
func (c *Consumer) handle(ctx context.Context, r *kgo.Record) error {
	out, err := c.handleOne(ctx, r)
	if err != nil {
		return err
	}
	c.count(out)
	return nil
}

// count counts an outcome in the progress.
func (c *Consumer) count(out outcome) {
	switch out {
	case outCreated:
		c.created.Add(1)
	case outExisting:
		c.existing.Add(1)
	case outSkipped:
		c.skipped.Add(1)
	case outDead:
		c.dead.Add(1)
	}
}

// recordTime is the instant that names the file of r: its timestamp, in
// UTC, to the millisecond, so a message delivered again gets the same name.
func recordTime(r *kgo.Record) time.Time {
	return r.Timestamp.UTC().Truncate(time.Millisecond)
}

// permanentError marks the errors of a write that retrying cannot fix:
// the message goes to the dead letters with the reason.
type permanentError struct {
	reason Reason
	err    error
}

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func (c *Consumer) handleOne(ctx context.Context, r *kgo.Record) (outcome, error) {
	return c.handleOneAfter(ctx, r, nil)
}

// handleOneAfter is handleOne for a message whose first try, when failed
// is not nil, failed in the store with failed: it is retried.
func (c *Consumer) handleOneAfter(ctx context.Context, r *kgo.Record, failed error) (outcome, error) {
	key := string(r.Key)
	if c.o.Keys != nil && !c.o.Keys.Ready(key) {
		return outSkipped, nil
	}
	event, ok := c.events[r.Topic]
	if !ok {
		return c.deadLetter(ctx, r, ReasonUnknownTopic,
			fmt.Errorf("topic %q is not the topic of a sink event in namespace %q", r.Topic, c.ns))
	}
	name := sink.FileName{Namespace: c.ns, Event: event, Offset: r.Offset, Time: recordTime(r)}
	var write func() (bool, error)
	if event == sink.DailyReport {
		d, err := report.DecodeDaily(bytes.NewReader(r.Value))
		if err != nil {
			return c.deadLetter(ctx, r, ReasonPayload, err)
		}
		if d.EntityID != key {
			return c.deadLetter(ctx, r, ReasonEntityMismatch, fmt.Errorf("the key %q is not the report's entite_id %q", key, d.EntityID))
		}
		if err := c.checkEntity(key); err != nil {
			return c.deadLetter(ctx, r, ReasonEntityMismatch, err)
		}
		if err := name.Validate(); err != nil {
			return c.deadLetter(ctx, r, ReasonFileName, err)
		}
		data := r.Value // checked: written as received
		write = func() (bool, error) {
			created, err := storage.PutOnce(ctx, c.store, sink.Key(key, name), data, &storage.PutOptions{ContentType: "application/json"})
			if errors.Is(err, storage.ErrConflict) {
				return false, &permanentError{ReasonConflict, &sink.ConflictError{Key: sink.Key(key, name)}}
			}
			return created, err
		}
	} else {
		// The value is checked and written as received, in one call.
		placed := []sink.PlacedEncoded{{Name: name, Event: sink.Encoded{Name: event, Entity: key, Data: r.Value}}}
		write = func() (bool, error) {
			res, err := c.w.WriteEncodedAt(ctx, placed)
			if err != nil {
				return false, classify(err)
			}
			return res.Files[0].Status == sink.WriteCreated, nil
		}
	}
	created, err := c.retryAfter(ctx, r, write, failed)
	if pe, ok := errors.AsType[*permanentError](err); ok {
		return c.deadLetter(ctx, r, pe.reason, pe.err)
	}
	if err != nil {
		return 0, err
	}
	if created {
		return outCreated, nil
	}
	return outExisting, nil
}

// classify returns the writer's error err as a *permanentError when
// retrying cannot fix it, and unchanged otherwise.
func classify(err error) error {
	switch {
	case errors.Is(err, sink.ErrConflict):
		return &permanentError{ReasonConflict, err}
	case errors.Is(err, sink.ErrFileName):
		return &permanentError{ReasonFileName, err}
	case errors.Is(err, sink.ErrEntity):
		return &permanentError{ReasonEntityMismatch, err}
	case errors.Is(err, sink.ErrPayload):
		return &permanentError{ReasonPayload, err}
	}
	return err
}

// checkEntity accepts the entity ids the sink writer accepts.
func (c *Consumer) checkEntity(entity string) error {
	if !storage.ValidElement(entity) || entity == c.o.StateDir {
		return fmt.Errorf("%w: %q", sink.ErrEntity, entity)
	}
	return nil
}

// retry runs write until it succeeds, fails permanently, or fails in the
// store more than WriteRetries times; the last error is then a *WriteError.
func (c *Consumer) retry(ctx context.Context, r *kgo.Record, write func() (bool, error)) (bool, error) {
	return c.retryAfter(ctx, r, write, nil)
}

// retryAfter is retry after a first try that, when failed is not nil,
// failed in the store with failed.
func (c *Consumer) retryAfter(ctx context.Context, r *kgo.Record, write func() (bool, error), failed error) (bool, error) {
	wait := c.o.RetryBackoff
	for attempt := 0; ; attempt++ {
		var created bool
		var err error
		if attempt == 0 && failed != nil {
			err = failed
		} else {
			created, err = write()
		}
		if err == nil {
			return created, nil
		}
		if _, ok := errors.AsType[*permanentError](err); ok {
			return false, err
		}
		if ctx.Err() != nil || attempt >= c.o.WriteRetries {
			return false, &WriteError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: string(r.Key), Err: err}
		}
		c.log.Warn("kafkasink: write failed, retrying", "topic", r.Topic, "partition", r.Partition,
			"offset", r.Offset, "attempt", attempt+1, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// deadLetter writes the dead letter of r, create-only; a letter already
// there (the message was delivered again) is left as it is.
func (c *Consumer) deadLetter(ctx context.Context, r *kgo.Record, reason Reason, cause error) (outcome, error) {
	d := newDeadLetter(r, reason, cause)
	data, err := d.encode()
	if err != nil {
		return 0, err
	}
	key := DeadLetterKey(c.o.DeadLetterPrefix, r.Topic, r.Partition, r.Offset)
	if !storage.ValidKey(key) {
		// A topic name no key can hold: keep the message's coordinates in
		// the log, the only place left.
		c.log.Error("kafkasink: dead letter without a valid key", "topic", r.Topic, "partition", r.Partition,
			"offset", r.Offset, "reason", reason, "error", cause)
		return outDead, nil
	}
	_, err = c.retry(ctx, r, func() (bool, error) {
		err := c.dls.Put(ctx, key, bytes.NewReader(data), &storage.PutOptions{IfNotExist: true, ContentType: "application/json"})
		if errors.Is(err, storage.ErrExist) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return 0, err
	}
	c.log.Warn("kafkasink: dead letter", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset,
		"key", string(r.Key), "reason", reason, "error", cause)
	return outDead, nil
}
