package pgtest

import (
	"runtime"
	"strings"
	"testing"
)

// recorder records how a test ended.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = format
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = format
	runtime.Goexit()
}

// TestUnavailable: without PostgreSQL a test fails under CI=true and skips,
// saying why, elsewhere.
func TestUnavailable(t *testing.T) {
	for _, tt := range []struct {
		ci       string
		wantFail bool
	}{{"true", true}, {"1", true}, {"", false}, {"false", false}} {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			unavailable(r, "no initdb")
		}()
		<-done
		switch {
		case tt.wantFail && (r.fatal == "" || r.skip != ""):
			t.Errorf("CI=%q: the test did not fail", tt.ci)
		case !tt.wantFail && (r.skip == "" || r.fatal != ""):
			t.Errorf("CI=%q: the test did not skip", tt.ci)
		case !tt.wantFail && !strings.Contains(r.skip, "PostgreSQL cannot be started"):
			t.Errorf("CI=%q: skip message %q", tt.ci, r.skip)
		}
	}
}
