package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// PutOnce stores data under key create-only, so that a retried write is
// harmless: it returns (true, nil) when it created the object, (false, nil)
// when key already held exactly data, and a *KeyError matching
// [ErrConflict] when key held other bytes, which are left untouched. opts is
// as for [Store.Put] (nil means the zero options), with IfNotExist implied;
// PutOnce does not modify *opts nor data, and does not retain data.
//
// An existing object is read back to be compared; an error reading it is
// returned wrapped in a *KeyError. Other errors are Put's.
func PutOnce(ctx context.Context, s Store, key string, data []byte, opts *PutOptions) (created bool, err error) {
	err = s.Put(ctx, key, bytes.NewReader(data), createOnly(opts))
	if !errors.Is(err, ErrExist) {
		return err == nil, err
	}
	if ke := same(ctx, s, "put", key, data); ke != nil {
		return false, ke
	}
	return false, nil
}

// PutBatchOnce is [PutOnce] for a batch, written with [PutBatch] (one group
// commit on a store that implements [Batcher]). It returns, in batch order,
// whether this call created each object, and:
//
//   - nil when every object is now stored with its data, created by this
//     call or found there;
//   - a *[BatchError] naming the objects not stored with their data: those
//     whose key holds other bytes (an error matching ErrConflict, the
//     object left untouched) and those PutBatch failed to commit;
//   - any other error of PutBatch (invalid or repeated keys, a context
//     already done), when nothing was written.
func PutBatchOnce(ctx context.Context, s Store, objs []BatchObject, opts *PutOptions) (created []bool, err error) {
	created = make([]bool, len(objs))
	err = PutBatch(ctx, s, objs, createOnly(opts))
	be, ok := errors.AsType[*BatchError](err)
	if !ok {
		if err == nil {
			for i := range created {
				created[i] = true
			}
		}
		return created, err
	}
	failed := make(map[string]*KeyError, len(be.Errs))
	for _, ke := range be.Errs {
		failed[ke.Key] = ke
	}
	var errs []*KeyError
	for i, o := range objs {
		ke, ok := failed[o.Key]
		switch {
		case !ok:
			created[i] = true
		case !errors.Is(ke, ErrExist):
			errs = append(errs, ke)
		default:
			if ke := same(ctx, s, "putbatch", o.Key, o.Data); ke != nil {
				errs = append(errs, ke)
			}
		}
	}
	if len(errs) > 0 {
		return created, &BatchError{Errs: errs}
	}
	return created, nil
}

// same returns nil when key holds exactly data, and otherwise a *KeyError
// naming op: matching ErrConflict for other bytes, wrapping the read's
// error when the object cannot be read back.
func same(ctx context.Context, s Store, op, key string, data []byte) *KeyError {
	got, err := ReadAll(ctx, s, key)
	if err != nil {
		return &KeyError{Op: op, Key: key, Err: fmt.Errorf("exists but cannot be read back: %w", err)}
	}
	if !bytes.Equal(got, data) {
		return &KeyError{Op: op, Key: key, Err: ErrConflict}
	}
	return nil
}

// createOnly returns opts with IfNotExist set, copying it only when needed.
func createOnly(opts *PutOptions) *PutOptions {
	if opts != nil && opts.IfNotExist {
		return opts
	}
	o := PutOptions{IfNotExist: true}
	if opts != nil {
		o.ContentType = opts.ContentType
	}
	return &o
}
