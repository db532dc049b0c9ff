package capture

import (
	"context"
	"runtime"
	"sync"
)

// inOrder spreads the work of one goroutine over several: it applies do to
// each chunk submitted, on up to maxMakers goroutines, and hands the
// results to use in the order the chunks were submitted, with at most two
// chunks per goroutine in flight. The caller's goroutine submits and uses;
// call stop once done, also after an error.
type inOrder[In, Out any] struct {
	ctx     context.Context
	use     func(Out) error
	work    chan *inOrderJob[In, Out]
	pending []*inOrderJob[In, Out] // submitted, not used yet, in order
	limit   int
	wg      sync.WaitGroup
}

// inOrderJob is one chunk: its input, then its result or do's error; done
// is closed when they are set.
type inOrderJob[In, Out any] struct {
	in   In
	out  Out
	err  error
	done chan struct{}
}

// startInOrder starts the goroutines that apply do.
func startInOrder[In, Out any](ctx context.Context, do func(In) (Out, error), use func(Out) error) *inOrder[In, Out] {
	n := min(runtime.GOMAXPROCS(0), maxMakers)
	o := &inOrder[In, Out]{ctx: ctx, use: use, work: make(chan *inOrderJob[In, Out]), limit: 2 * n}
	for range n {
		o.wg.Go(func() {
			for j := range o.work {
				j.out, j.err = do(j.in)
				close(j.done)
			}
		})
	}
	return o
}

// submit hands in to a goroutine, then, when too many chunks are in
// flight, waits for the oldest and uses it. It returns ctx's error if ctx
// is done before a goroutine takes in, or the error of using the oldest.
func (o *inOrder[In, Out]) submit(in In) error {
	j := &inOrderJob[In, Out]{in: in, done: make(chan struct{})}
	select {
	case o.work <- j:
	case <-o.ctx.Done():
		return o.ctx.Err()
	}
	o.pending = append(o.pending, j)
	if len(o.pending) > o.limit {
		return o.next()
	}
	return nil
}

// next waits for the oldest chunk in flight and hands its result to use:
// do's error for it, or use's.
func (o *inOrder[In, Out]) next() error {
	j := o.pending[0]
	o.pending = o.pending[1:]
	<-j.done
	if j.err != nil {
		return j.err
	}
	return o.use(j.out)
}

// drain uses every chunk in flight, in order, and stops at the first error.
func (o *inOrder[In, Out]) drain() error {
	for len(o.pending) > 0 {
		if err := o.next(); err != nil {
			return err
		}
	}
	return nil
}

// stop lets the goroutines finish the chunks they have and end.
func (o *inOrder[In, Out]) stop() {
	close(o.work)
	o.wg.Wait()
}
