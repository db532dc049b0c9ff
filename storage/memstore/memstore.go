package memstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ledgersink/ledgersink/storage"
)

// Options configures a [Store]. The zero value (and a nil *Options) gives the
// defaults documented on each field.
type Options struct {
	// Now returns the time recorded as an object's ModTime when it is
	// written. Nil means time.Now.
	Now func() time.Time
}

// Store is an in-memory [storage.Store]. Create it with [New]; the zero
// Store is not usable. It is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu      sync.RWMutex
	objects map[string]*object
	keys    []string // every key of objects; sorted unless dirty
	dirty   bool
}

// object is immutable once stored: Put replaces the pointer, never the bytes.
type object struct {
	data    []byte
	modTime time.Time
}

var (
	_ storage.Store   = (*Store)(nil)
	_ storage.Batcher = (*Store)(nil)
)

// New returns an empty Store. A nil opts means the default [Options]; New
// copies what it needs from *opts and does not retain it.
func New(opts *Options) *Store {
	s := &Store{now: time.Now, objects: make(map[string]*object)}
	if opts != nil && opts.Now != nil {
		s.now = opts.Now
	}
	return s
}

// checkKey is storage.CheckKey with the operation filled in.
func checkKey(op, key string) error {
	if err := storage.CheckKey(key); err != nil {
		var ke *storage.KeyError
		if errors.As(err, &ke) {
			ke.Op = op
		}
		return err
	}
	return nil
}

// ctxReader fails with ctx's error as soon as ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put implements [storage.Store.Put]. It reads r entirely into a new buffer
// before taking the store's lock, and commits only if r reached its end and
// ctx is not done; otherwise the store is unchanged. It returns a
// *storage.KeyError matching storage.ErrExist (opts.IfNotExist and the key
// exists) or storage.ErrInvalidKey, r's error, or ctx's error.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if err := checkKey("put", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := io.ReadAll(ctxReader{ctx, r})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ifNotExist := opts != nil && opts.IfNotExist
	s.mu.Lock()
	defer s.mu.Unlock()
	if ifNotExist {
		if _, ok := s.objects[key]; ok {
			return &storage.KeyError{Op: "put", Key: key, Err: storage.ErrExist}
		}
	}
	s.store(key, data)
	return nil
}

// store commits data under key; s.mu must be held for writing. data must
// be owned by the store.
func (s *Store) store(key string, data []byte) {
	if _, ok := s.objects[key]; !ok {
		if n := len(s.keys); !s.dirty && n > 0 && s.keys[n-1] > key {
			s.dirty = true // appending out of order: sort on the next List
		}
		s.keys = append(s.keys, key)
	}
	s.objects[key] = &object{data: data, modTime: s.now()}
}

// PutBatch implements [storage.Batcher]: it copies every object, then
// commits them all under one lock, so that in memory the batch is atomic as
// a whole. See [storage.PutBatch] for the contract; with opts.IfNotExist,
// existing keys are reported in a *storage.BatchError and the others are
// committed.
func (s *Store) PutBatch(ctx context.Context, objs []storage.BatchObject, opts *storage.PutOptions) error {
	if err := storage.CheckBatch(objs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	copies := make([][]byte, len(objs))
	for i, o := range objs {
		copies[i] = bytes.Clone(o.Data)
		if copies[i] == nil {
			copies[i] = []byte{}
		}
	}
	ifNotExist := opts != nil && opts.IfNotExist
	var failed []*storage.KeyError
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, o := range objs {
		if _, ok := s.objects[o.Key]; ok && ifNotExist {
			failed = append(failed, &storage.KeyError{Op: "putbatch", Key: o.Key, Err: storage.ErrExist})
			continue
		}
		s.store(o.Key, copies[i])
	}
	if len(failed) > 0 {
		return &storage.BatchError{Errs: failed}
	}
	return nil
}

// Get implements [storage.Store.Get]. The returned reader reads a snapshot
// of the object: a later Put or Delete does not change what it reads. It
// returns a *storage.KeyError matching storage.ErrNotExist or
// storage.ErrInvalidKey, or ctx's error.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey("get", key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	o, ok := s.objects[key]
	s.mu.RUnlock()
	if !ok {
		return nil, &storage.KeyError{Op: "get", Key: key, Err: storage.ErrNotExist}
	}
	// The stored bytes are never modified, and a bytes.Reader only copies
	// out of them, so sharing them with the reader aliases nothing.
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

// Delete implements [storage.Store.Delete]. It returns a *storage.KeyError
// matching storage.ErrNotExist or storage.ErrInvalidKey, or ctx's error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[key]; !ok {
		return &storage.KeyError{Op: "delete", Key: key, Err: storage.ErrNotExist}
	}
	delete(s.objects, key)
	if i, ok := s.search(key); ok && !s.dirty {
		s.keys = slices.Delete(s.keys, i, i+1)
	} else {
		s.keys = slices.DeleteFunc(s.keys, func(k string) bool { return k == key })
	}
	return nil
}

// search finds key in the sorted s.keys.
func (s *Store) search(key string) (int, bool) {
	if s.dirty {
		return 0, false
	}
	return slices.BinarySearch(s.keys, key)
}

// List implements [storage.Store.List]. It takes a snapshot of the matching
// objects when the iteration starts and yields it without holding any lock,
// so the loop body may use the store. An invalid prefix yields a
// *storage.KeyError matching storage.ErrInvalidKey; a done ctx yields ctx's
// error.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		if err := storage.CheckPrefix(prefix); err != nil {
			var ke *storage.KeyError
			if errors.As(err, &ke) {
				ke.Op = "list"
			}
			yield(storage.Object{}, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(storage.Object{}, err)
			return
		}
		for _, o := range s.snapshot(prefix) {
			if err := ctx.Err(); err != nil {
				yield(storage.Object{}, err)
				return
			}
			if !yield(o, nil) {
				return
			}
		}
	}
}

// snapshot returns the objects whose keys start with prefix, in key order.
func (s *Store) snapshot(prefix string) []storage.Object {
	s.mu.RLock()
	if s.dirty {
		// Sorting needs the write lock; upgrade, and re-check.
		s.mu.RUnlock()
		s.mu.Lock()
		if s.dirty {
			sort.Strings(s.keys)
			s.dirty = false
		}
		s.mu.Unlock()
		s.mu.RLock()
	}
	defer s.mu.RUnlock()
	if s.dirty { // a Put between the two locks; fall back on a sorted copy
		keys := slices.Clone(s.keys)
		sort.Strings(keys)
		return s.collect(keys, prefix)
	}
	return s.collect(s.keys, prefix)
}

// collect returns the objects of the sorted keys that start with prefix.
func (s *Store) collect(keys []string, prefix string) []storage.Object {
	i, _ := slices.BinarySearch(keys, prefix)
	var objs []storage.Object
	for _, k := range keys[i:] {
		if !strings.HasPrefix(k, prefix) {
			break
		}
		o := s.objects[k]
		objs = append(objs, storage.Object{Key: k, Size: int64(len(o.data)), ModTime: o.modTime})
	}
	return objs
}
