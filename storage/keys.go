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
