package azblobstore

import (
	"context"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/internal/storeutil"
)

// DefaultBatchConcurrency is the default of [Options.BatchConcurrency].
const DefaultBatchConcurrency = 8

var _ storage.Batcher = (*Store)(nil)

// PutBatch implements [storage.Batcher]: it writes objs as in [Store.Put]
// (one Put Blob request each, or blocks for objects above
// [Options.BlockSize]), up to [Options.BatchConcurrency] objects at a time.
// Call it through [storage.PutBatch]. A write costs a network round trip, so
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
	return storeutil.PutBatch(ctx, s.prefix, objs, opts, s.batchConc, func(ctx context.Context, op, key string, data []byte, po storage.PutOptions) *storage.KeyError {
		return s.send(ctx, op, key, data, nil, po)
	})
}
