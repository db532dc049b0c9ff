package workers

import (
	"sync/atomic"
	"testing"
)

// Every index is done once, on at most n goroutines; with one, in order.
func TestEach(t *testing.T) {
	for _, c := range []struct{ count, n int }{{0, 4}, {1, 4}, {10, 1}, {10, 0}, {100, 3}, {5, 8}} {
		calls := make([]atomic.Int32, c.count)
		var workers atomic.Int32
		var order []int
		Each(c.count, c.n, func() func(int) {
			workers.Add(1)
			return func(i int) {
				calls[i].Add(1)
				if c.n <= 1 {
					order = append(order, i)
				}
			}
		})
		for i := range calls {
			if got := calls[i].Load(); got != 1 {
				t.Errorf("count %d, n %d: index %d done %d times", c.count, c.n, i, got)
			}
		}
		if w := int(workers.Load()); w > max(1, min(c.n, c.count)) {
			t.Errorf("count %d, n %d: %d goroutines", c.count, c.n, w)
		}
		for i, v := range order {
			if v != i {
				t.Errorf("count %d, n %d: call %d was index %d", c.count, c.n, i, v)
			}
		}
	}
}
