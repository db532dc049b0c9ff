package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ledgersink/ledgersink/storage"
)

// prefixStore is a custom destination: it stores each object under a fixed
// prefix of a map, the way a real store would under a bucket. It keeps the
// Store contract: keys checked first, atomic and create-only Put, copies in
// and out, ctx honoured, fs sentinels for missing and existing keys.
type prefixStore struct {
	mu   sync.Mutex
	objs map[string][]byte
	at   time.Time
}

func (s *prefixStore) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if err := storage.CheckKey("put", key); err != nil {
		return err
	}
	data, err := io.ReadAll(r) // read everything first: never publish a part
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objs["tenant/"+key]; ok && opts != nil && opts.IfNotExist {
		return &storage.KeyError{Op: "put", Key: key, Err: storage.ErrExist}
	}
	s.objs["tenant/"+key] = data
	return nil
}

func (s *prefixStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.CheckKey("get", key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.objs["tenant/"+key]
	if !ok {
		return nil, &storage.KeyError{Op: "get", Key: key, Err: storage.ErrNotExist}
	}
	return io.NopCloser(bytes.NewReader(data)), nil // data is never modified
}

func (s *prefixStore) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		if err := storage.CheckPrefix("list", prefix); err != nil {
			yield(storage.Object{}, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(storage.Object{}, err)
			return
		}
		s.mu.Lock()
		var objs []storage.Object
		for k, v := range s.objs {
			if key := strings.TrimPrefix(k, "tenant/"); strings.HasPrefix(key, prefix) {
				objs = append(objs, storage.Object{Key: key, Size: int64(len(v)), ModTime: s.at})
			}
		}
		s.mu.Unlock() // never yield while holding the lock
		slices.SortFunc(objs, func(a, b storage.Object) int { return strings.Compare(a.Key, b.Key) })
		for _, o := range objs {
			if !yield(o, nil) {
				return
			}
		}
	}
}

func (s *prefixStore) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objs["tenant/"+key]; !ok {
		return &storage.KeyError{Op: "delete", Key: key, Err: storage.ErrNotExist}
	}
	delete(s.objs, "tenant/"+key)
	return nil
}

// ExampleStore implements a custom destination (prefixStore above; its
// conformance test is TestPrefixStoreConformance) and uses it through the
// package's helpers.
func ExampleStore() {
	ctx := context.Background()
	var s storage.Store = &prefixStore{objs: map[string][]byte{}, at: time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)}

	create := &storage.PutOptions{IfNotExist: true}
	fmt.Println(storage.WriteAll(ctx, s, "entity-1/event-2.json", []byte(`{"n":2}`), create))
	fmt.Println(storage.WriteAll(ctx, s, "entity-1/event-1.json", []byte(`{"n":1}`), create))
	// A retried create-only write is detected, and can be checked for equality.
	err := storage.WriteAll(ctx, s, "entity-1/event-1.json", []byte(`{"n":1}`), create)
	fmt.Println(errors.Is(err, storage.ErrExist))

	for o, err := range s.List(ctx, "entity-1/") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(o.Key, o.Size)
	}
	_, err = storage.ReadAll(ctx, s, "../secrets")
	fmt.Println(err)
	ok, err := storage.Exists(ctx, s, "entity-1/event-3.json")
	fmt.Println(ok, err)
	// Output:
	// <nil>
	// <nil>
	// true
	// entity-1/event-1.json 7
	// entity-1/event-2.json 7
	// get "../secrets": storage: invalid key: contains a "." or ".." element [dot-element]
	// false <nil>
}
