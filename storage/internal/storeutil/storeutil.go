// Package storeutil holds what the stores of this repository share beyond
// the storage package: the wrapping of a service's errors into
// *storage.KeyError values, a reader that stops when its context is done,
// and the concurrent batch put of stores whose writes are network requests.
// It is internal: a store written outside this repository needs only
// package storage.
package storeutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ledgersink/ledgersink/storage"
)

// KeyErr wraps err with the operation and the key.
func KeyErr(op, key string, err error) *storage.KeyError {
	return &storage.KeyError{Op: op, Key: key, Err: err}
}

// KindErr wraps a service's error that means kind (storage.ErrNotExist or
// storage.ErrExist), keeping both reachable with errors.Is and errors.As.
func KindErr(op, key string, kind, err error) *storage.KeyError {
	return &storage.KeyError{Op: op, Key: key, Err: fmt.Errorf("%w: %w", kind, err)}
}

// FailErr wraps a service's error; when ctx is done it wraps ctx.Err() too,
// so that errors.Is(err, context.Canceled) holds whatever the service's
// client made of the cancellation.
func FailErr(ctx context.Context, op, key string, err error) *storage.KeyError {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", cerr, err)
	}
	return &storage.KeyError{Op: op, Key: key, Err: err}
}

// CtxReader reads from R until Ctx is done, then fails with Ctx's error. A
// Read already blocked in R is not interrupted.
type CtxReader struct {
	Ctx context.Context
	R   io.Reader
}

func (c CtxReader) Read(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.R.Read(p)
}

// Opts returns *opts, or the zero storage.PutOptions for nil.
func Opts(opts *storage.PutOptions) storage.PutOptions {
	if opts == nil {
		return storage.PutOptions{}
	}
	return *opts
}

// ReadBody reads r until it ends or limit bytes were read, stopping when
// ctx is done, for a Put of key: a store that must know an object's length
// before sending it passes one byte more than it accepts. The buffer grows
// with the data. Errors are *storage.KeyError values naming op and key,
// wrapping ctx.Err() when ctx is done, the reader's error otherwise.
func ReadBody(ctx context.Context, op, key string, r io.Reader, limit int64) ([]byte, *storage.KeyError) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(CtxReader{Ctx: ctx, R: r}, limit)); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, KeyErr(op, key, cerr)
		}
		return nil, KeyErr(op, key, fmt.Errorf("reading the object: %w", err))
	}
	return buf.Bytes(), nil
}

// PutFunc writes one object of a batch with the batch's options and returns
// nil or a *storage.KeyError naming op.
type PutFunc func(ctx context.Context, op, key string, data []byte, po storage.PutOptions) *storage.KeyError

// PutBatch implements storage.Batcher for a store under a name prefix whose
// writes are independent requests: it checks every key (all invalid,
// repeated or too long ones reported at once, before any request), then
// writes the objects with put, n at a time, through
// [storage.PutConcurrently]. A nil opts means the zero storage.PutOptions.
func PutBatch(ctx context.Context, prefix string, objs []storage.BatchObject, opts *storage.PutOptions, n int, put PutFunc) error {
	if err := storage.CheckBatchUnder(prefix, objs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	po := Opts(opts)
	return storage.PutConcurrently(ctx, objs, n, func(ctx context.Context, o storage.BatchObject) error {
		if ke := put(ctx, "putbatch", o.Key, o.Data, po); ke != nil {
			return ke
		}
		return nil
	})
}
