package faultstore

import (
	"context"
	"errors"
	"io"
	"iter"
	"path"
	"slices"
	"sync"

	"github.com/ledgersink/ledgersink/storage"
)

// Op names an operation of [storage.Store].
type Op string

// The operations a [Rule] can target.
const (
	OpPut    Op = "put"    // Store.Put, and each object of a batch
	OpGet    Op = "get"    // Store.Get
	OpList   Op = "list"   // Store.List and Keys; the rule's Key matches the prefix
	OpDelete Op = "delete" // Store.Delete
)

// Mode says when, within a call, a fault strikes.
type Mode int

const (
	// FailBefore fails the call without reaching the wrapped store:
	// nothing happens, as when the network is down.
	FailBefore Mode = iota
	// FailAfter lets the call reach the wrapped store, then returns the
	// error anyway: the operation took effect, but the caller is told it
	// failed. This is the lost acknowledgement (a crash right after a
	// write, a timeout after the server committed), which retries must
	// survive without duplicating anything.
	FailAfter
	// FailDuring cuts the data stream midway. Put: the wrapped store
	// receives a reader that fails after Rule.After bytes, so the store's
	// own handling of a failing reader is exercised. Get: the returned
	// reader fails after Rule.After bytes. List: the iteration fails after
	// Rule.After objects. Delete, and objects of a batch, have no stream:
	// FailDuring acts as FailBefore.
	FailDuring
)

func (m Mode) String() string {
	switch m {
	case FailBefore:
		return "FailBefore"
	case FailAfter:
		return "FailAfter"
	case FailDuring:
		return "FailDuring"
	}
	return "Mode(?)"
}

// ErrInjected is the default error of a fault. Every injected error matches
// it unless the rule sets its own Err.
var ErrInjected = errors.New("faultstore: injected fault")

// ErrCrashed is returned by every call made after a rule with Crash fired.
var ErrCrashed = errors.New("faultstore: store crashed")

// Rule describes a fault: which calls it strikes, and how. A call matches a
// rule when its operation, key and Match all match; the rule lets the first
// Skip matching calls through, then fails the next Times ones (every one
// when Times is 0). Each rule counts its matching calls on its own; when
// several rules would fire on one call, the first added wins.
type Rule struct {
	Op    Op                           // the operation struck; "" for every one
	Key   string                       // a path.Match pattern the key (or List prefix) must match; "" for any
	Match func(op Op, key string) bool // a further condition; nil for none; called under the Store's lock, so it must not call the Store
	Skip  int                          // matching calls let through before the first fault
	Times int                          // faults injected; 0 means no limit
	Mode  Mode                         // when the fault strikes; FailBefore by default
	After int64                        // FailDuring: bytes (Put, Get) or objects (List) let through
	Err   error                        // the error injected; nil means ErrInjected
	// Crash makes the store "crash" when the rule fires: that call fails
	// as the Mode says, and every later call, of any kind, fails with
	// ErrCrashed before reaching the wrapped store, until Reset. A
	// crash-resume test then reopens the wrapped store directly, as a
	// restarted process would.
	Crash bool
}

type rule struct {
	Rule
	seen, fired int
}

// fault is a rule that fired on a call.
type fault struct {
	mode  Mode
	after int64
	err   error
}

// Store wraps a [storage.Store] and injects the faults its rules describe.
// Create it with [New]. It is safe for concurrent use if the wrapped store
// is; rules are evaluated under a mutex, in call order.
//
// Store implements [storage.Batcher] and [storage.KeyLister]: a batch
// goes to the wrapped store's own PutBatch (through [storage.PutBatch]),
// minus the objects a FailBefore or FailDuring rule strikes, and objects
// struck by FailAfter are committed and then reported failed.
type Store struct {
	inner storage.Store

	mu      sync.Mutex
	rules   []*rule
	calls   map[Op]int
	faults  int
	crashed bool
}

var (
	_ storage.Store     = (*Store)(nil)
	_ storage.Batcher   = (*Store)(nil)
	_ storage.KeyLister = (*Store)(nil)
)

// New wraps inner with the given rules; more can be added with [Store.Add].
// The rules are copied.
func New(inner storage.Store, rules ...Rule) *Store {
	s := &Store{inner: inner, calls: map[Op]int{}}
	for _, r := range rules {
		s.Add(r)
	}
	return s
}

// Add adds a rule, after the existing ones.
func (s *Store) Add(r Rule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &rule{Rule: r})
}

// Reset removes every rule and ends a crash; the call counters are kept.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = nil
	s.crashed = false
}

// Calls returns how many calls of op the store has received (each object of
// a batch counts as one Put), faulty or not.
func (s *Store) Calls(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Faults returns how many faults were injected so far, crashes included.
func (s *Store) Faults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() storage.Store { return s.inner }

// check counts a call and returns the fault to inject, if any.
func (s *Store) check(op Op, key string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	if s.crashed {
		s.faults++
		return &fault{mode: FailBefore, err: ErrCrashed}
	}
	var hit *rule
	for _, r := range s.rules {
		if r.Op != "" && r.Op != op {
			continue
		}
		if r.Key != "" {
			if ok, err := path.Match(r.Key, key); !ok || err != nil {
				continue
			}
		}
		if r.Match != nil && !r.Match(op, key) {
			continue
		}
		r.seen++
		if hit == nil && r.seen > r.Skip && (r.Times == 0 || r.fired < r.Times) {
			hit = r
		}
	}
	if hit == nil {
		return nil
	}
	hit.fired++
	s.faults++
	if hit.Crash {
		s.crashed = true
	}
	err := hit.Err
	if err == nil {
		err = ErrInjected
	}
	return &fault{mode: hit.Mode, after: hit.After, err: err}
}

func injected(op Op, key string, err error) error {
	return &storage.KeyError{Op: string(op), Key: key, Err: err}
}

// Put implements [storage.Store.Put], injecting the faults of the rules for
// OpPut. Injected errors are *storage.KeyError wrapping the rule's Err.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	f := s.check(OpPut, key)
	if f == nil {
		return s.inner.Put(ctx, key, r, opts)
	}
	switch f.mode {
	case FailAfter:
		if err := s.inner.Put(ctx, key, r, opts); err != nil {
			return err
		}
	case FailDuring:
		return s.inner.Put(ctx, key, &cutReader{r: r, left: f.after, err: injected(OpPut, key, f.err)}, opts)
	}
	return injected(OpPut, key, f.err)
}

// cutReader fails with err after left bytes.
type cutReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, c.err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err == io.EOF {
		// The data ended before the cut: still fail, a fault was asked for.
		return n, c.err
	}
	return n, err
}

type cutReadCloser struct {
	cutReader
	c io.Closer
}

func (c *cutReadCloser) Close() error { return c.c.Close() }

// Get implements [storage.Store.Get], injecting the faults of the rules for
// OpGet.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	f := s.check(OpGet, key)
	if f == nil {
		return s.inner.Get(ctx, key)
	}
	switch f.mode {
	case FailAfter:
		rc, err := s.inner.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		rc.Close()
	case FailDuring:
		rc, err := s.inner.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		return &cutReadCloser{cutReader: cutReader{r: rc, left: f.after, err: injected(OpGet, key, f.err)}, c: rc}, nil
	}
	return nil, injected(OpGet, key, f.err)
}

// Delete implements [storage.Store.Delete], injecting the faults of the rules
// for OpDelete.
func (s *Store) Delete(ctx context.Context, key string) error {
	f := s.check(OpDelete, key)
	if f == nil {
		return s.inner.Delete(ctx, key)
	}
	if f.mode == FailAfter {
		if err := s.inner.Delete(ctx, key); err != nil {
			return err
		}
	}
	return injected(OpDelete, key, f.err)
}

// List implements [storage.Store.List], injecting the faults of the rules for
// OpList, matched against the prefix. The rules are evaluated when the
// iteration starts.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		listWithFaults(s, prefix, s.inner.List(ctx, prefix), yield)
	}
}

// Keys implements [storage.KeyLister] over [storage.Keys] of the wrapped
// store, with the faults of the rules for OpList.
func (s *Store) Keys(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		listWithFaults(s, prefix, storage.Keys(ctx, s.inner, prefix), yield)
	}
}

func listWithFaults[T any](s *Store, prefix string, seq iter.Seq2[T, error], yield func(T, error) bool) {
	var zero T
	f := s.check(OpList, prefix)
	if f == nil {
		for v, err := range seq {
			if !yield(v, err) {
				return
			}
		}
		return
	}
	err := injected(OpList, prefix, f.err)
	switch f.mode {
	case FailAfter, FailDuring:
		n := int64(0)
		for v, e := range seq {
			if e != nil {
				yield(zero, e)
				return
			}
			if f.mode == FailDuring && n >= f.after {
				break
			}
			if !yield(v, nil) {
				return
			}
			n++
		}
	}
	yield(zero, err)
}

// PutBatch implements [storage.Batcher]. Each object is checked against the
// rules for OpPut, in batch order: objects struck by FailBefore or
// FailDuring are not written and are reported with their error; the others
// go to the wrapped store in one [storage.PutBatch] call; objects struck by
// FailAfter are committed, then reported failed. The result follows the
// contract of storage.PutBatch.
func (s *Store) PutBatch(ctx context.Context, objs []storage.BatchObject, opts *storage.PutOptions) error {
	if err := storage.CheckBatch(objs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var (
		pass   []storage.BatchObject
		failed []*storage.KeyError
		after  []*storage.KeyError
	)
	for _, o := range objs {
		f := s.check(OpPut, o.Key)
		switch {
		case f == nil:
			pass = append(pass, o)
		case f.mode == FailAfter:
			pass = append(pass, o)
			after = append(after, &storage.KeyError{Op: "putbatch", Key: o.Key, Err: f.err})
		default:
			failed = append(failed, &storage.KeyError{Op: "putbatch", Key: o.Key, Err: f.err})
		}
	}
	if len(pass) > 0 {
		err := storage.PutBatch(ctx, s.inner, pass, opts)
		var be *storage.BatchError
		switch {
		case err == nil:
			failed = append(failed, after...)
		case errors.As(err, &be):
			failed = append(failed, be.Errs...)
			for _, a := range after {
				if !slices.ContainsFunc(be.Errs, func(ke *storage.KeyError) bool { return ke.Key == a.Key }) {
					failed = append(failed, a)
				}
			}
		case len(failed) == 0:
			return err // nothing written at all
		default:
			// Nothing of pass was written: report it with the faulted ones.
			for _, o := range pass {
				failed = append(failed, &storage.KeyError{Op: "putbatch", Key: o.Key, Err: err})
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	pos := make(map[string]int, len(objs))
	for i, o := range objs {
		pos[o.Key] = i
	}
	slices.SortStableFunc(failed, func(a, b *storage.KeyError) int { return pos[a.Key] - pos[b.Key] })
	return &storage.BatchError{Errs: failed}
}
