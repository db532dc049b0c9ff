package memstore

import (
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"io"
	"iter"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/internal/storeutil"
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

	// The slots are found by a hash of their keys, computed before any
	// lock is taken: the map then hashes eight bytes, not a key of a
	// hundred, on each lookup, insertion and growth. The hash also picks
	// the shard, so that writers of different keys seldom wait for each
	// other.
	hashKey func(string) uint64
	shards  [shardCount]shard

	// order holds the slots in key order as of the last List, some of them
	// deleted since; it changes only with every shard's lock held.
	order []*slot
	fresh []*slot // List's scratch, under the same locks
}

// shardCount is how many shards a Store has: many more than the writers
// that run at once on a machine, few enough for List to lock them all. The
// top shardBits bits of a key's hash pick its shard.
const (
	shardBits  = 5
	shardCount = 1 << shardBits
)

// The shards a batch locks are the bits of a uint64.
var _ [64 - shardCount]struct{}

// shard holds the slots whose hashes pick it.
type shard struct {
	mu      sync.Mutex
	slots   map[uint64]*slot // by the hash of their keys, those sharing one chained
	added   []*slot          // slots added since the last List, in no order
	deleted bool             // a slot was deleted since the last List
	_       [16]byte         // the size of a cache line, so that two shards seldom share one
}

// slot holds a key's current object; the map and the sorted slice share it,
// so that an overwrite touches neither. Its fields change under its shard's
// lock; the bytes of data never change once stored: Put replaces the
// slice, never the bytes.
type slot struct {
	key     string
	data    []byte
	modTime time.Time
	hash    uint64 // of key
	next    *slot  // the next slot whose key has the same hash
	gone    bool   // deleted: the next List drops it from the order
}

var (
	_ storage.Store   = (*Store)(nil)
	_ storage.Batcher = (*Store)(nil)
)

// New returns an empty Store. A nil opts means the default [Options]; New
// copies what it needs from *opts and does not retain it.
func New(opts *Options) *Store {
	seed := maphash.MakeSeed()
	s := &Store{now: time.Now, hashKey: func(k string) uint64 { return maphash.String(seed, k) }}
	if opts != nil && opts.Now != nil {
		s.now = opts.Now
	}
	return s
}

// Put implements [storage.Store.Put]. It reads r entirely into a new buffer
// before taking its shard's lock, and commits only if r reached its end and
// ctx is not done; otherwise the store is unchanged. It returns a
// *storage.KeyError matching storage.ErrExist (opts.IfNotExist and the key
// exists) or storage.ErrInvalidKey, r's error, or ctx's error.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if err := storage.CheckKey("put", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := readAll(ctx, r)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err
		}
		return &storage.KeyError{Op: "put", Key: key, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ifNotExist := opts != nil && opts.IfNotExist
	fresh := &slot{key: key, data: data, modTime: s.now(), hash: s.hash(key)} // made before the lock, held the shorter
	sh := s.shard(fresh.hash)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sl := sh.find(fresh.hash, key)
	if sl != nil && ifNotExist {
		return &storage.KeyError{Op: "put", Key: key, Err: storage.ErrExist}
	}
	sh.store(sl, fresh)
	return nil
}

// readAll reads r to its end, stopping when ctx is done. A reader that
// tells its length (a *bytes.Reader, *bytes.Buffer, *strings.Reader) is read
// into a buffer of that size, with one allocation.
func readAll(ctx context.Context, r io.Reader) ([]byte, error) {
	if br, ok := r.(*bytes.Reader); ok { // its Len is what Read gives
		data := make([]byte, br.Len())
		_, err := io.ReadFull(br, data)
		return data, err
	}
	lr, ok := r.(interface{ Len() int })
	if !ok {
		return io.ReadAll(storeutil.CtxReader{Ctx: ctx, R: r})
	}
	data := make([]byte, lr.Len())
	if _, err := io.ReadFull(r, data); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // Len promised bytes Read did not give
		}
		return nil, err
	}
	// The object is what r holds to its end: read the rest, if any, as
	// io.ReadAll would (a Len that counts less than Read gives).
	var one [1]byte
	if n, err := r.Read(one[:]); n > 0 || (err != nil && err != io.EOF) {
		if err != nil {
			return nil, err
		}
		rest, err := io.ReadAll(storeutil.CtxReader{Ctx: ctx, R: r})
		if err != nil {
			return nil, err
		}
		data = append(append(data, one[0]), rest...)
	}
	return data, nil
}

// store commits the object of fresh, a new slot, under its key, whose
// slot is sl (nil when the key has none: the caller looked it up already);
// sh must be fresh's shard, its lock held. fresh's data must be owned by
// the store.
func (sh *shard) store(sl, fresh *slot) {
	if sl != nil {
		sl.data, sl.modTime = fresh.data, fresh.modTime
		return
	}
	if sh.slots == nil {
		sh.slots = make(map[uint64]*slot)
	}
	fresh.next = sh.slots[fresh.hash]
	sh.slots[fresh.hash] = fresh
	sh.added = append(sh.added, fresh)
}

// PutBatch implements [storage.Batcher]: it copies every object, then
// commits them all holding the locks of their shards, so that in memory the
// batch is atomic as a whole. See [storage.PutBatch] for the contract; with
// opts.IfNotExist, existing keys are reported in a *storage.BatchError and
// the others are committed.
func (s *Store) PutBatch(ctx context.Context, objs []storage.BatchObject, opts *storage.PutOptions) error {
	if err := storage.CheckBatch(objs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fresh := make([]slot, len(objs))
	now := s.now()
	for i, o := range objs {
		data := bytes.Clone(o.Data)
		if data == nil {
			data = []byte{}
		}
		fresh[i] = slot{key: o.Key, data: data, modTime: now, hash: s.hash(o.Key)}
	}
	ifNotExist := opts != nil && opts.IfNotExist
	var failed []*storage.KeyError
	var locked uint64 // a bit per shard (shardCount is at most 64)
	for i := range fresh {
		locked |= 1 << shardOf(fresh[i].hash)
	}
	s.lock(locked)
	defer s.unlock(locked)
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, o := range objs {
		sh := s.shard(fresh[i].hash)
		sl := sh.find(fresh[i].hash, o.Key)
		if sl != nil && ifNotExist {
			failed = append(failed, &storage.KeyError{Op: "putbatch", Key: o.Key, Err: storage.ErrExist})
			continue
		}
		sh.store(sl, &fresh[i])
	}
	if len(failed) > 0 {
		return &storage.BatchError{Errs: failed}
	}
	return nil
}

// Get implements [storage.Store.Get]. The returned reader reads a snapshot
// of the object: a later Put or Delete does not change what it reads, and
// neither does cancelling ctx. It
// returns a *storage.KeyError matching storage.ErrNotExist or
// storage.ErrInvalidKey, or ctx's error.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.CheckKey("get", key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h := s.hash(key)
	sh := s.shard(h)
	sh.mu.Lock()
	sl := sh.find(h, key)
	var data []byte
	if sl != nil {
		data = sl.data
	}
	sh.mu.Unlock()
	if sl == nil {
		return nil, &storage.KeyError{Op: "get", Key: key, Err: storage.ErrNotExist}
	}
	// The stored bytes are never modified, and a bytes.Reader only copies
	// out of them, so sharing them with the reader aliases nothing.
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Delete implements [storage.Store.Delete]. It returns a *storage.KeyError
// matching storage.ErrNotExist or storage.ErrInvalidKey, or ctx's error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	h := s.hash(key)
	sh := s.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sl := sh.find(h, key)
	if sl == nil {
		return &storage.KeyError{Op: "delete", Key: key, Err: storage.ErrNotExist}
	}
	sh.unlink(sl)
	sl.gone, sh.deleted = true, true
	return nil
}

// hash returns the hash of key the slots are found by.
func (s *Store) hash(key string) uint64 { return s.hashKey(key) }

// shardOf returns the index of the shard of the slots whose hash is h.
func shardOf(h uint64) int { return int(h >> (64 - shardBits)) }

// shard returns the shard of the slots whose hash is h.
func (s *Store) shard(h uint64) *shard { return &s.shards[shardOf(h)] }

// lock locks the shards whose bits are set in set, in order; unlock
// unlocks them.
func (s *Store) lock(set uint64) {
	for i := range s.shards {
		if set&(1<<i) != 0 {
			s.shards[i].mu.Lock()
		}
	}
}

func (s *Store) unlock(set uint64) {
	for i := range s.shards {
		if set&(1<<i) != 0 {
			s.shards[i].mu.Unlock()
		}
	}
}

// find returns the slot of key, whose hash is h, or nil; sh.mu must be held.
func (sh *shard) find(h uint64, key string) *slot {
	for sl := sh.slots[h]; sl != nil; sl = sl.next {
		if sl.key == key {
			return sl
		}
	}
	return nil
}

// unlink removes sl from the slots found by its hash; sh.mu must be held.
func (sh *shard) unlink(sl *slot) {
	p := sh.slots[sl.hash]
	switch {
	case p == sl && sl.next == nil:
		delete(sh.slots, sl.hash)
	case p == sl:
		sh.slots[sl.hash] = sl.next
	default:
		for p.next != sl {
			p = p.next
		}
		p.next = sl.next
	}
	sl.next = nil
}

// List implements [storage.Store.List]. It takes a snapshot of the matching
// objects when the iteration starts and yields it without holding any lock,
// so the loop body may use the store. An invalid prefix yields a
// *storage.KeyError matching storage.ErrInvalidKey; a done ctx yields ctx's
// error.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		if err := storage.CheckPrefix("list", prefix); err != nil {
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
	const all = 1<<shardCount - 1
	s.lock(all)
	defer s.unlock(all)
	s.settle()
	// The keys starting with prefix are contiguous in the sorted order.
	lo, _ := slices.BinarySearchFunc(s.order, prefix, func(x *slot, k string) int { return strings.Compare(x.key, k) })
	hi := lo + sort.Search(len(s.order)-lo, func(i int) bool {
		return !strings.HasPrefix(s.order[lo+i].key, prefix)
	})
	objs := make([]storage.Object, hi-lo)
	for i, sl := range s.order[lo:hi] {
		objs[i] = storage.Object{Key: sl.key, Size: int64(len(sl.data)), ModTime: sl.modTime}
	}
	return objs
}

// settle brings s.order up to date: the slots deleted since the last List
// leave it, those added join it in key order; every shard's lock must be
// held. It costs a pass over the order when anything was deleted, a sort of
// what was added and one merge, in place.
func (s *Store) settle() {
	fresh, deleted := s.fresh[:0], false
	for i := range s.shards {
		sh := &s.shards[i]
		for _, sl := range sh.added {
			if !sl.gone {
				fresh = append(fresh, sl)
			}
		}
		clear(sh.added)
		sh.added, deleted = sh.added[:0], deleted || sh.deleted
		sh.deleted = false
	}
	if deleted {
		s.order = slices.DeleteFunc(s.order, func(sl *slot) bool { return sl.gone })
	}
	if len(fresh) > 0 {
		slices.SortFunc(fresh, func(a, b *slot) int { return strings.Compare(a.key, b.key) })
		s.order = mergeInto(s.order, fresh)
	}
	clear(fresh)
	s.fresh = fresh[:0]
}

// mergeInto merges the sorted slots of fresh into the sorted order, whose
// keys are not among fresh's, and returns it; it moves each slot of order
// at most once, from its end, and not at all when fresh sorts after it.
func mergeInto(order, fresh []*slot) []*slot {
	n := len(order)
	order = append(order, fresh...)
	if n == 0 || order[n-1].key < fresh[0].key {
		return order
	}
	i, j := n-1, len(fresh)-1
	for k := len(order) - 1; j >= 0; k-- {
		if i >= 0 && order[i].key > fresh[j].key {
			order[k], i = order[i], i-1
		} else {
			order[k], j = fresh[j], j-1
		}
	}
	return order
}
