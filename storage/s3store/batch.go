package s3store

import (
	"context"
	"errors"
	"sync"

	"github.com/ledgersink/ledgersink/storage"
)

// DefaultBatchConcurrency is the default of [Options.BatchConcurrency].
const DefaultBatchConcurrency = 8

var _ storage.Batcher = (*Store)(nil)

// PutBatch implements [storage.Batcher]: it writes objs with one PutObject
// request each, up to [Options.BatchConcurrency] at a time. Call it through
// [storage.PutBatch]. Against S3 a write costs a network round trip, so
// concurrent requests make a batch of small objects several times faster than
// a loop of Puts; each object is still committed atomically on its own, and
// the batch as a whole is not.
//
// Results follow the contract of [storage.PutBatch]: nil when every object
// was committed; a *storage.BatchError naming, in batch order, each object
// not committed (with an error matching [storage.ErrExist] for opts.IfNotExist
// and an existing key, ctx.Err() for objects not sent once ctx is done, or
// the SDK's error); or, before any request, an error matching
// [storage.ErrInvalidKey] naming every invalid or repeated key (including
// keys too long under [Options.Prefix]), or one matching ctx.Err().
//
// PutBatch does not modify objs, the data, or *opts, and retains none of
// them after it returns. A nil opts means the zero [storage.PutOptions].
func (s *Store) PutBatch(ctx context.Context, objs []storage.BatchObject, opts *storage.PutOptions) error {
	if err := s.checkBatch(objs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var po storage.PutOptions
	if opts != nil {
		po = *opts
	}
	results := make([]*storage.KeyError, len(objs))
	sem := make(chan struct{}, s.batchConc)
	var wg sync.WaitGroup
	for i, o := range objs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			results[i] = keyErr("putbatch", o.Key, err)
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = s.putBytes(ctx, "putbatch", o.Key, o.Data, po)
		})
	}
	wg.Wait()
	var failed []*storage.KeyError
	for _, ke := range results {
		if ke != nil {
			failed = append(failed, ke)
		}
	}
	if len(failed) > 0 {
		return &storage.BatchError{Errs: failed}
	}
	return nil
}

// checkBatch is storage.CheckBatch plus the service's name length limit
// under a prefix.
func (s *Store) checkBatch(objs []storage.BatchObject) error {
	var errs []error
	if err := storage.CheckBatch(objs); err != nil {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{err}
		}
	}
	for _, o := range objs {
		if storage.ValidKey(o.Key) && len(s.prefix)+len(o.Key) > storage.MaxKeyLen {
			errs = append(errs, &storage.KeyError{Op: "putbatch", Key: o.Key, Rule: storage.RuleLength, Err: storage.ErrInvalidKey})
		}
	}
	return errors.Join(errs...)
}
