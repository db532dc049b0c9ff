// Package workers runs the calls of a loop on a few goroutines. It is a
// standard-library-only helper.
package workers

import (
	"sync"
	"sync/atomic"
)

// Each calls do(i) for every i from 0 to count-1, on up to n goroutines
// (at least one) that take the indexes in order, rather than a goroutine
// per index: each goroutine's stack grows once. With one goroutine the
// calls are made in the caller's, in order. Each goroutine gets its own do
// from newDo, so that it can keep state from one call to the next. Each
// returns when every call has returned.
func Each(count, n int, newDo func() func(i int)) {
	var next atomic.Int64
	work := func() {
		do := newDo()
		for {
			i := int(next.Add(1) - 1)
			if i >= count {
				return
			}
			do(i)
		}
	}
	if n = min(max(n, 1), count); n <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range n {
		wg.Go(work)
	}
	wg.Wait()
}
