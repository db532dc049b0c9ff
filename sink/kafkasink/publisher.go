package kafkasink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink"
)

// PublisherOptions configures a [Publisher]. A nil pointer or the zero value
// gives the defaults documented on each field.
type PublisherOptions struct {
	// Namespace prefixes every topic; "" means sink.DefaultNamespace.
	Namespace string
	// Now dates the records (their Kafka timestamp, which becomes the time
	// in the consumer's file names). Nil means time.Now.
	Now func() time.Time
}

// Publisher sends sink events to Kafka, for producers that feed topics
// rather than a store: each event goes to the topic
// "<namespace>.<event name>", keyed by its entity (entite_id), its value
// the payload exactly as sink.Event.Encode writes it. The default
// partitioner of franz-go hashes keys as Kafka's does, so every event of an
// entity lands in the same partition of each topic, in the order it was
// published.
//
// A Publisher is safe for concurrent use; it does not own its client.
type Publisher struct {
	cl  *kgo.Client
	ns  string
	now func() time.Time
}

// NewPublisher returns a Publisher sending through cl, which the caller
// configures (seed brokers, TLS, SASL, acks: the client's defaults, an
// idempotent producer acknowledged by all in-sync replicas, keep each
// partition in order across retries) and closes after the last Publish.
// It fails when cl is nil or the namespace would not name valid files.
func NewPublisher(cl *kgo.Client, opts *PublisherOptions) (*Publisher, error) {
	var o PublisherOptions
	if opts != nil {
		o = *opts
	}
	if cl == nil {
		return nil, errors.New("kafkasink: NewPublisher: nil client")
	}
	ns := o.Namespace
	if ns == "" {
		ns = sink.DefaultNamespace
	}
	if err := checkNamespace(ns); err != nil {
		return nil, fmt.Errorf("kafkasink: NewPublisher: %w", err)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Publisher{cl: cl, ns: ns, now: now}, nil
}

// checkNamespace reports whether files of namespace ns can be named.
func checkNamespace(ns string) error {
	return sink.FileName{Namespace: ns, Event: sink.AccountInserted, Time: time.Unix(0, 0)}.Validate()
}

// Topic returns the topic of event name in the publisher's namespace.
func (p *Publisher) Topic(name sink.EventName) string { return p.ns + "." + string(name) }

// Record returns the Kafka record of ev, as Publish sends it, timestamped
// at at. Use it to produce with your own calls (in a transaction, say).
// It fails with ev's *sink.PayloadError when ev does not encode.
func (p *Publisher) Record(ev *sink.Event, at time.Time) (*kgo.Record, error) {
	if ev == nil {
		return nil, errors.New("kafkasink: nil event")
	}
	value, err := ev.Encode()
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: p.Topic(ev.Name), Key: []byte(ev.EntityID), Value: value, Timestamp: at}, nil
}

// PublishError reports the records of a Publish that Kafka did not
// acknowledge.
type PublishError struct {
	Failed []*FailedRecord // in the order given; never empty
}

// FailedRecord is one record Kafka did not acknowledge.
type FailedRecord struct {
	Index int    // position in the Publish call
	Topic string // the record's topic
	Key   string // the record's key: the entity
	Err   error
}

// Error names the first failed record and counts the others.
func (e *PublishError) Error() string {
	f := e.Failed[0]
	s := fmt.Sprintf("kafkasink: publish %d to %s (key %q): %v", f.Index, f.Topic, f.Key, f.Err)
	if len(e.Failed) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(e.Failed)-1)
	}
	return s
}

// Unwrap returns the errors of the failed records.
func (e *PublishError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}

// Publish sends evs and waits until Kafka has acknowledged every one. Every
// event is encoded first: an event that does not encode fails the call with
// its *sink.PayloadError and nothing is sent. The records share one
// timestamp, from PublisherOptions.Now. Events of one entity and one topic
// are stored in the order given.
//
// Errors: a *sink.PayloadError (or an error for a nil event), ctx's error,
// or a *PublishError naming the
// records not acknowledged (the others were stored). A record may be stored
// although its acknowledgement was lost: publishing it again stores it a
// second time, at another offset, and the consumer writes two files.
// Readers drop such re-deliveries (same event, id and timestamp).
func (p *Publisher) Publish(ctx context.Context, evs ...*sink.Event) error {
	at := p.now()
	recs := make([]*kgo.Record, len(evs))
	for i, ev := range evs {
		r, err := p.Record(ev, at)
		if err != nil {
			return fmt.Errorf("kafkasink: Publish: event %d: %w", i, err)
		}
		recs[i] = r
	}
	return p.produce(ctx, recs)
}

// PublishDaily sends pages of a daily report to the comptaDailyReport
// topic, keyed by their entity, as Publish does for events. A page that
// does not validate (report.Daily.Validate) fails the call with an error
// matching report.ErrInvalid, and nothing is sent.
func (p *Publisher) PublishDaily(ctx context.Context, pages ...*report.Daily) error {
	at := p.now()
	recs := make([]*kgo.Record, len(pages))
	for i, d := range pages {
		if d == nil {
			return fmt.Errorf("kafkasink: PublishDaily: page %d is nil", i)
		}
		value, err := d.MarshalJSON()
		if err != nil {
			return fmt.Errorf("kafkasink: PublishDaily: page %d: %w", i, err)
		}
		recs[i] = &kgo.Record{Topic: p.Topic(sink.DailyReport), Key: []byte(d.EntityID), Value: value, Timestamp: at}
	}
	return p.produce(ctx, recs)
}

func (p *Publisher) produce(ctx context.Context, recs []*kgo.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	index := make(map[*kgo.Record]int, len(recs))
	for i, r := range recs {
		index[r] = i
	}
	// Results come in the order of the acknowledgements: sort them back.
	errs := make([]error, len(recs))
	for _, res := range p.cl.ProduceSync(ctx, recs...) {
		errs[index[res.Record]] = res.Err
	}
	var failed []*FailedRecord
	for i, err := range errs {
		if err != nil {
			failed = append(failed, &FailedRecord{Index: i, Topic: recs[i].Topic, Key: string(recs[i].Key), Err: err})
		}
	}
	if failed != nil {
		if err := ctx.Err(); err != nil && len(failed) == len(recs) {
			return err
		}
		return &PublishError{Failed: failed}
	}
	return nil
}

// TopicEvent returns the event whose topic in namespace ns is topic
// ("<ns>.<event>", the daily report included), and false for any other
// topic.
func TopicEvent(ns, topic string) (sink.EventName, bool) {
	rest, ok := strings.CutPrefix(topic, ns+".")
	if !ok {
		return "", false
	}
	name, err := sink.ParseEventName(rest)
	if err != nil {
		return "", false
	}
	return name, true
}
