package storage

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/internal/workers"
)

// BatchObject is one object of a batch written by [PutBatch].
type BatchObject struct {
	Key  string // must pass CheckKey, and be unique within the batch
	Data []byte // never retained nor modified by the store
}

// Batcher is the optional interface of a store that can write many objects
// at once more cheaply than one at a time: typically a file store that
// makes a whole batch durable with one flush (a group commit). Use it
// through [PutBatch], which falls back on [Store.Put] for other stores.
//
// PutBatch must follow the contract documented on the PutBatch function,
// and must be safe for concurrent use.
type Batcher interface {
	PutBatch(ctx context.Context, objs []BatchObject, opts *PutOptions) error
}

// BatchError reports the objects of a batch that were not committed.
//
// Every object of the batch that Errs does not name was committed. An
// object named with an error matching [ErrExist] (opts.IfNotExist and the
// key already held an object) was not written and the existing object is
// untouched; an object named with any other error may or may not have been
// committed (the store failed, or a context was cancelled, after the write
// may have reached the store): read it back, or write it again, to know.
type BatchError struct {
	Errs []*KeyError // one per object not committed, in batch order; never empty
}

// Error lists the failed keys, at most five of them.
func (e *BatchError) Error() string {
	var b strings.Builder
	b.WriteString("storage: put batch: ")
	b.WriteString(strconv.Itoa(len(e.Errs)))
	b.WriteString(" objects not committed")
	for i, ke := range e.Errs {
		if i == 5 {
			b.WriteString("; ...")
			break
		}
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(ke.Error())
	}
	return b.String()
}

// Unwrap returns the errors of the objects, so that errors.Is(err, ErrExist)
// tells whether some key already existed.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, len(e.Errs))
	for i, ke := range e.Errs {
		errs[i] = ke
	}
	return errs
}

// Keys returns the keys of the objects not committed, in batch order.
func (e *BatchError) Keys() []string {
	keys := make([]string, len(e.Errs))
	for i, ke := range e.Errs {
		keys[i] = ke.Key
	}
	return keys
}

// PutBatch writes objs to s: with s's own PutBatch when s implements
// [Batcher], otherwise with one [Store.Put] per object, in order. opts
// applies to every object as for Put (nil means the zero options); PutBatch
// does not modify *opts, nor objs, nor the data, and does not retain them.
//
// Each object is committed atomically on its own; the batch as a whole is
// not atomic: a concurrent reader may see some objects before others, and a
// failure may leave some of them committed. The result says exactly which:
//
//   - nil: every object was committed.
//   - a *[BatchError]: the objects it names were not committed (or, for
//     errors other than [ErrExist], may not have been), and every other
//     object was. With opts.IfNotExist, keys that already hold an object are
//     named with an error matching ErrExist, left untouched, and do not stop
//     the others from being committed: a retried batch thus commits what was
//     missing and reports the rest.
//   - any other error: nothing was written. This covers invalid or duplicate
//     keys (an error matching [ErrInvalidKey] that names every such key;
//     the keys are checked before any I/O) and a context already done (an
//     error matching ctx.Err()).
//
// An empty batch does nothing and returns nil.
func PutBatch(ctx context.Context, s Store, objs []BatchObject, opts *PutOptions) error {
	if err := CheckBatch(objs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(objs) == 0 {
		return nil
	}
	if b, ok := s.(Batcher); ok {
		return b.PutBatch(ctx, objs, opts)
	}
	return PutConcurrently(ctx, objs, 1, func(ctx context.Context, o BatchObject) error {
		return s.Put(ctx, o.Key, bytes.NewReader(o.Data), opts)
	})
}

// PutConcurrently is the [Batcher.PutBatch] of a store whose writes are
// independent requests, such as a cloud object store: it calls put for
// each object, up to n at once (n < 1 means 1), and reports as [PutBatch]
// does: nil when every put succeeded, or a *[BatchError] naming, in batch
// order, each object whose put failed (its error wrapped in a *KeyError with
// Op "putbatch"; a *KeyError for the same key is re-labelled rather than
// wrapped) and each object not attempted because ctx was done (with
// ctx.Err()). With n == 1 the objects are put in order, one at a time.
//
// It does not check the keys: call [CheckBatch] (or [CheckBatchUnder])
// first. put must be safe for concurrent use when n > 1.
func PutConcurrently(ctx context.Context, objs []BatchObject, n int, put func(context.Context, BatchObject) error) error {
	results := make([]error, len(objs))
	workers.Each(len(objs), n, func() func(int) {
		return func(i int) {
			if err := ctx.Err(); err != nil {
				results[i] = err
				return
			}
			results[i] = put(ctx, objs[i])
		}
	})
	var failed []*KeyError
	for i, err := range results {
		if err == nil {
			continue
		}
		ke := &KeyError{Op: "putbatch", Key: objs[i].Key, Err: err}
		if inner, ok := err.(*KeyError); ok && inner.Key == ke.Key {
			ke.Rule, ke.Err = inner.Rule, inner.Err // do not name the key twice
		}
		failed = append(failed, ke)
	}
	if len(failed) > 0 {
		return &BatchError{Errs: failed}
	}
	return nil
}

// CheckBatch returns nil if every key of objs is valid and unique, and
// otherwise an error matching [ErrInvalidKey] that joins one *KeyError (Op
// "putbatch") per invalid key and per repeated occurrence of a key, in batch
// order. Implementations of [Batcher] call it before any I/O.
func CheckBatch(objs []BatchObject) error { return CheckBatchUnder("", objs) }

// CheckBatchUnder is [CheckBatch] for a store that writes its keys under
// prefix: it also rejects, with the rule RuleLength, the keys that are too
// long once prefixed (see [CheckKeyUnder]).
func CheckBatchUnder(prefix string, objs []BatchObject) error {
	var errs []error
	seen := make(map[string]struct{}, len(objs))
	for _, o := range objs {
		rule := checkKey(o.Key, false)
		if rule == "" && len(prefix)+len(o.Key) > MaxKeyLen {
			rule = RuleLength
		}
		if rule != "" {
			errs = append(errs, &KeyError{Op: "putbatch", Key: o.Key, Rule: rule, Err: ErrInvalidKey})
			continue
		}
		if _, dup := seen[o.Key]; dup {
			errs = append(errs, &KeyError{Op: "putbatch", Key: o.Key, Rule: RuleDuplicate, Err: ErrInvalidKey})
			continue
		}
		seen[o.Key] = struct{}{}
	}
	return errors.Join(errs...)
}
