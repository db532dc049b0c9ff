package storage

import (
	"context"
	"iter"
)

// KeyLister is the optional interface of a store that can list keys more
// cheaply than objects: a file store lists a directory without a stat per
// file. Use it through [Keys].
//
// Keys must yield exactly the keys [Store.List] would yield for the same
// prefix, in the same order, with the same errors.
type KeyLister interface {
	Keys(ctx context.Context, prefix string) iter.Seq2[string, error]
}

// Keys yields the keys of the objects whose keys start with prefix, in
// ascending byte order, like [Store.List] without the sizes and times: with
// s's own Keys when s implements [KeyLister], otherwise from s.List. Errors
// are yielded as by List: at most once, last.
func Keys(ctx context.Context, s Store, prefix string) iter.Seq2[string, error] {
	if kl, ok := s.(KeyLister); ok {
		return kl.Keys(ctx, prefix)
	}
	return func(yield func(string, error) bool) {
		for o, err := range s.List(ctx, prefix) {
			if !yield(o.Key, err) || err != nil {
				return
			}
		}
	}
}

// KeyScanner is the optional interface of a store that can yield the keys
// under a prefix in no particular order without holding the whole listing:
// a file store reads a large directory a part at a time. Use it through
// [ScanKeys].
//
// ScanKeys must yield exactly the keys [Store.List] would yield for the
// same prefix, in any order, with the same errors.
type KeyScanner interface {
	ScanKeys(ctx context.Context, prefix string) iter.Seq2[string, error]
}

// ScanKeys yields the keys of the objects whose keys start with prefix, in
// no particular order: with s's own ScanKeys when s implements
// [KeyScanner], otherwise as [Keys] does. It suits callers that sort what
// they keep themselves, such as an index much smaller than the keys.
func ScanKeys(ctx context.Context, s Store, prefix string) iter.Seq2[string, error] {
	if ks, ok := s.(KeyScanner); ok {
		return ks.ScanKeys(ctx, prefix)
	}
	return Keys(ctx, s, prefix)
}
