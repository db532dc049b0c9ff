package kafkasink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ledgersink/ledgersink/storage"
)

// Reason says why a message went to the dead letters. The values are stable
// machine codes.
type Reason string

// The reasons a message is dead-lettered.
const (
	// ReasonUnknownTopic: the topic is not "<namespace>.<event>" for an
	// event of the sink (a topic subscribed by mistake, or another
	// namespace's).
	ReasonUnknownTopic Reason = "unknown-topic"
	// ReasonPayload: the value is not a payload of the topic's event (as
	// sink.Writer.CheckEncoded checks it, or report.DecodeDaily for daily
	// reports), or it is an entry that fails the business rules the sink
	// writer applies (see ConsumerOptions.Skip).
	ReasonPayload Reason = "payload"
	// ReasonEntityMismatch: the message key is not the payload's
	// entite_id, or is not a usable entity id (empty, or not one valid
	// storage key element).
	ReasonEntityMismatch Reason = "entity-mismatch"
	// ReasonFileName: the message cannot be named as a sink file (a
	// timestamp outside the years 0000-9999).
	ReasonFileName Reason = "file-name"
	// ReasonConflict: a different file is already stored under the
	// message's file name. It cannot come from a re-delivery (the same
	// message gives the same bytes); it comes from a topic deleted and
	// created again (offsets start over), or from partitions added to a
	// topic (an entity's messages then reach two partitions, whose offsets
	// may meet). The stored file is left untouched.
	ReasonConflict Reason = "conflict"
)

// DeadLetter is a message the consumer could not write as a sink file,
// stored with the reason. Its JSON is written once per message, under a key
// derived from the message's coordinates (see [DeadLetterKey]), and its
// content depends on the message only, so a re-delivered bad message
// rewrites the same bytes.
type DeadLetter struct {
	Reason    Reason `json:"reason"`
	Error     string `json:"error"` // the error, for humans
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Timestamp int64  `json:"timestamp"` // the record's timestamp, in milliseconds since the Unix epoch
	Key       string `json:"key"`
	// Value is the record's value when it is valid UTF-8; otherwise it
	// is empty and ValueBase64 holds it.
	Value       string `json:"value,omitempty"`
	ValueBase64 []byte `json:"valueBase64,omitempty"`
}

// ErrDeadLetter is matched by the errors of [DecodeDeadLetter].
var ErrDeadLetter = errors.New("kafkasink: invalid dead letter")

// DeadLetterKey returns the storage key of the dead letter of a message:
// "<prefix>/<topic>/<partition>/<offset>.json", the offset zero-padded to
// 20 digits so that listing returns a partition's letters in offset order.
func DeadLetterKey(prefix, topic string, partition int32, offset int64) string {
	return fmt.Sprintf("%s/%s/%d/%020d.json", prefix, topic, partition, offset)
}

// encode returns the JSON of d, ending with a newline.
func (d *DeadLetter) encode() ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// newDeadLetter builds the dead letter of a message.
func newDeadLetter(r *kgo.Record, reason Reason, cause error) *DeadLetter {
	d := &DeadLetter{
		Reason:    reason,
		Error:     cause.Error(),
		Topic:     r.Topic,
		Partition: r.Partition,
		Offset:    r.Offset,
		Timestamp: r.Timestamp.UnixMilli(),
		Key:       string(r.Key),
	}
	if utf8.Valid(r.Value) {
		d.Value = string(r.Value)
	} else {
		d.ValueBase64 = bytes.Clone(r.Value)
	}
	return d
}

// DecodeDeadLetter decodes a dead letter as the consumer writes it. Unknown
// fields are an error, as are a missing reason or topic and a negative
// partition or offset; errors match ErrDeadLetter.
func DecodeDeadLetter(data []byte) (*DeadLetter, error) {
	var d DeadLetter
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDeadLetter, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the object", ErrDeadLetter)
	}
	var errs []error
	if d.Reason == "" {
		errs = append(errs, fmt.Errorf("%w: reason is required", ErrDeadLetter))
	}
	if d.Topic == "" {
		errs = append(errs, fmt.Errorf("%w: topic is required", ErrDeadLetter))
	}
	if d.Partition < 0 {
		errs = append(errs, fmt.Errorf("%w: negative partition %d", ErrDeadLetter, d.Partition))
	}
	if d.Offset < 0 {
		errs = append(errs, fmt.Errorf("%w: negative offset %d", ErrDeadLetter, d.Offset))
	}
	if errs != nil {
		return nil, errors.Join(errs...)
	}
	return &d, nil
}

// DeadLetters yields the dead letters stored under prefix (the
// consumer's [ConsumerOptions.DeadLetterPrefix]; "" means
// [DefaultDeadLetterPrefix]), in key order: by topic, partition, then offset.
// A letter that does not decode is yielded as an error matching
// ErrDeadLetter, and the iteration goes on; an error of the store ends it.
func DeadLetters(ctx context.Context, store storage.Store, prefix string) iter.Seq2[*DeadLetter, error] {
	if prefix == "" {
		prefix = DefaultDeadLetterPrefix
	}
	return func(yield func(*DeadLetter, error) bool) {
		for key, err := range storage.Keys(ctx, store, prefix+"/") {
			if err != nil {
				yield(nil, err)
				return
			}
			data, err := storage.ReadAll(ctx, store, key)
			if errors.Is(err, storage.ErrNotExist) {
				continue // deleted since it was listed
			}
			if err != nil {
				yield(nil, err)
				return
			}
			d, err := DecodeDeadLetter(data)
			if err != nil {
				err = fmt.Errorf("%s: %w", strconv.Quote(key), err)
			}
			if !yield(d, err) {
				return
			}
		}
	}
}
