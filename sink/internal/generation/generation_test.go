package generation_test

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"sync"
	"testing"

	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// increment appends the counter held by the newest record plus one.
func increment(last int64, data []byte) (int64, []byte, error) {
	v := 0
	if data != nil {
		var err error
		if v, err = strconv.Atoi(string(data)); err != nil {
			return 0, nil, err
		}
	}
	return last + 1, []byte(strconv.Itoa(v + 1)), nil
}

func TestAppendAndPrune(t *testing.T) {
	ctx := context.Background()
	l := &generation.Log{Store: memstore.New(nil), Dir: "state/", Ext: ".json", Keep: 3}
	if n, data, err := l.Latest(ctx); n != 0 || data != nil || err != nil {
		t.Fatalf("empty log: %d %q %v", n, data, err)
	}
	for i := 1; i <= 10; i++ {
		n, data, err := l.Append(ctx, increment)
		if err != nil || n != int64(i) || string(data) != strconv.Itoa(i) {
			t.Fatalf("append %d: %d %q %v", i, n, data, err)
		}
	}
	ns, err := l.Numbers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) > 2*3 || ns[len(ns)-1] != 10 {
		t.Errorf("records %v: want at most 6, the newest 10", ns)
	}
	if l.Key(7) != "state/00000000000000000007.json" {
		t.Errorf("Key(7) = %s", l.Key(7))
	}
	// ErrSkip writes nothing and returns the newest.
	n, data, err := l.Append(ctx, func(int64, []byte) (int64, []byte, error) { return 0, nil, generation.ErrSkip })
	if n != 10 || string(data) != "10" || err != nil {
		t.Errorf("skip: %d %q %v", n, data, err)
	}
}

// Concurrent appenders never lose an update and never apply one twice.
// Keep is above the number of appends, as it must be above the appends
// that can happen between a record's creation and its check.
func TestConcurrentAppenders(t *testing.T) {
	ctx := context.Background()
	l := &generation.Log{Store: memstore.New(nil), Dir: "c/", Keep: 1000, Retries: 1000}
	const workers, each = 6, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				if _, _, err := l.Append(ctx, increment); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, data, err := l.Latest(ctx)
	if err != nil || n != workers*each || string(data) != strconv.Itoa(workers*each) {
		t.Errorf("latest %d %q %v; want record %d holding %d", n, data, err, workers*each, workers*each)
	}
}

// Readers never fail while an appender prunes the records they list.
func TestPruningWhileReading(t *testing.T) {
	ctx := context.Background()
	l := &generation.Log{Store: memstore.New(nil), Dir: "p/", Keep: 2}
	done := make(chan struct{})
	var wg sync.WaitGroup
	readErrs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			prev := int64(0)
			for {
				select {
				case <-done:
					return
				default:
				}
				n, data, err := l.Latest(ctx)
				if err == nil && n > 0 && string(data) != strconv.FormatInt(n, 10) {
					err = errors.New("record " + strconv.FormatInt(n, 10) + " holds " + string(data))
				}
				if err == nil && n < prev {
					err = errors.New("the newest record went back")
				}
				if err != nil {
					readErrs <- err
					return
				}
				prev = n
			}
		})
	}
	for range 300 {
		if _, _, err := l.Append(ctx, increment); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(readErrs)
	for err := range readErrs {
		t.Error(err)
	}
}

// stale is a store whose first listing of the log shows only record 5,
// pruned since.
type stale struct {
	storage.Store
	once sync.Once
}

func (s *stale) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	first := false
	s.once.Do(func() { first = true })
	if !first {
		return s.Store.List(ctx, prefix)
	}
	return func(yield func(storage.Object, error) bool) {
		yield(storage.Object{Key: prefix + "00000000000000000005"}, nil)
	}
}

// A record pruned between listing and reading: the append lists again and
// applies its change once, to the newest record.
func TestPrunedWhileReading(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	l := &generation.Log{Store: store, Dir: "s/", Keep: 3}
	for range 20 {
		if _, _, err := l.Append(ctx, increment); err != nil {
			t.Fatal(err)
		}
	}
	sl := *l
	sl.Store = &stale{Store: store}
	calls := 0
	n, data, err := sl.Append(ctx, func(last int64, data []byte) (int64, []byte, error) {
		calls++
		return increment(last, data)
	})
	if err != nil || n != 21 || string(data) != "21" {
		t.Errorf("stale append: %d %q %v (next called %d times); want record 21 holding 21", n, data, err, calls)
	}
}

// A process whose read was stale re-creates a pruned record: it notices that
// Keep newer records exist, and appends again on top of the newest.
func TestResurrectedRecord(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	l := &generation.Log{Store: store, Dir: "r/", Keep: 3}
	for range 20 {
		if _, _, err := l.Append(ctx, increment); err != nil {
			t.Fatal(err)
		}
	}
	// Put back record 5 as it was, for the stale process to read.
	if err := storage.WriteAll(ctx, store, l.Key(5), []byte("5"), nil); err != nil {
		t.Fatal(err)
	}
	rs := &resurrectingStore{Store: store, hideAbove: 5}
	sl := *l
	sl.Store = rs
	var seen []int64
	n, data, err := sl.Append(ctx, func(last int64, data []byte) (int64, []byte, error) {
		seen = append(seen, last)
		rs.hideAbove = 0 // later listings see everything
		return increment(last, data)
	})
	if err != nil || n != 21 || string(data) != "21" {
		t.Fatalf("append: %d %q %v; want record 21 holding 21", n, data, err)
	}
	if len(seen) != 2 || seen[0] != 5 || seen[1] != 20 {
		t.Errorf("next saw %v: want the stale record 5, then the newest 20", seen)
	}
}

// resurrectingStore hides the records above hideAbove from listings.
type resurrectingStore struct {
	storage.Store
	hideAbove int64
}

func (s *resurrectingStore) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	hide := s.hideAbove
	return func(yield func(storage.Object, error) bool) {
		for o, err := range s.Store.List(ctx, prefix) {
			if err == nil && hide > 0 {
				if n, _ := strconv.ParseInt(o.Key[len(prefix):], 10, 64); n > hide {
					continue
				}
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	l := &generation.Log{Store: store, Dir: "e/", Retries: 3}
	if err := storage.WriteAll(ctx, store, "e/junk", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Last(ctx); !errors.Is(err, generation.ErrDamaged) {
		t.Errorf("a key that is not a record: %v, want ErrDamaged", err)
	}
	l = &generation.Log{Store: memstore.New(nil), Dir: "f/", Retries: 3}
	boom := errors.New("boom")
	if _, _, err := l.Append(ctx, func(int64, []byte) (int64, []byte, error) { return 0, nil, boom }); !errors.Is(err, boom) {
		t.Errorf("next's error: %v", err)
	}
	if _, _, err := l.Append(ctx, func(int64, []byte) (int64, []byte, error) { return 0, []byte("x"), nil }); err == nil {
		t.Error("a record number not after the newest was accepted")
	}
	// Every number taken with other content: contention.
	taken := &generation.Log{Store: memstore.New(nil), Dir: "g/", Retries: 3}
	_, _, err := taken.Append(ctx, func(last int64, _ []byte) (int64, []byte, error) {
		// Another process creates the record just before this one, every time.
		if err := storage.WriteAll(ctx, taken.Store, taken.Key(last+1), []byte("theirs"), nil); err != nil {
			t.Fatal(err)
		}
		return last + 1, []byte("ours"), nil
	})
	if !errors.Is(err, generation.ErrContention) {
		t.Errorf("contention: %v, want ErrContention", err)
	}
}

// Create writes a record at a given number: once, a retry with the same
// bytes succeeds without writing, other bytes are a conflict.
func TestCreate(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	l := &generation.Log{Store: store, Dir: "n/", Ext: ".json"}
	tests := []struct {
		name        string
		n           int64
		data        string
		wantCreated bool
		wantErr     error // nil: no error
		reason      string
	}{
		{name: "first", n: 2, data: "two", wantCreated: true},
		{name: "retry", n: 2, data: "two", reason: "the same bytes: a retry after a lost answer"},
		{name: "other bytes", n: 2, data: "deux", wantErr: storage.ErrConflict},
		{name: "below", n: 1, data: "one", wantCreated: true, reason: "a number below the newest is the caller's choice"},
		{name: "zero", n: 0, data: "zero", wantErr: errAny},
	}
	for _, tt := range tests {
		created, err := l.Create(ctx, tt.n, []byte(tt.data))
		switch {
		case tt.wantErr == errAny && err == nil,
			tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr),
			tt.wantErr == nil && err != nil,
			created != tt.wantCreated:
			t.Errorf("%s: Create(%d, %q) = %v, %v; want %v, %v (%s)", tt.name, tt.n, tt.data, created, err, tt.wantCreated, tt.wantErr, tt.reason)
		}
	}
	if ns, err := l.Numbers(ctx); err != nil || len(ns) != 2 || ns[0] != 1 || ns[1] != 2 {
		t.Errorf("Numbers = %v, %v; want [1 2]", ns, err)
	}
	if data, err := l.Read(ctx, 2); err != nil || string(data) != "two" {
		t.Errorf("record 2 holds %q, %v; want the first bytes", data, err)
	}
}

// errAny is a want of any error.
var errAny = errors.New("any error")
