//go:build unix

package cputime

import "testing"

// Spinning uses CPU time, and Process sees it grow.
func TestProcessGrows(t *testing.T) {
	before := Process()
	x := 0
	for i := range 50_000_000 {
		x += i & 3
	}
	if after := Process(); after <= before {
		t.Errorf("CPU time %v then %v (work %d): want it to grow", before, after, x)
	}
}
