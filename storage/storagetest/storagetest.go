package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
)

// RunOptions declares what a store cannot do. The zero value (and a nil
// *RunOptions) requires everything; declare a limit only when the storage
// medium truly imposes it, and document it on the store.
type RunOptions struct {
	// NestedKeysConflict declares that the store cannot hold a key and a
	// key below it at once ("a/b" and "a/b/c"), as on a file system where
	// "a/b" cannot be both a file and a directory. The suite then requires
	// the second Put to fail without damage (the first object intact, the
	// second absent, Get and Delete of a directory giving ErrNotExist)
	// instead of requiring both objects to coexist.
	NestedKeysConflict bool
}

// Run runs the conformance suite against the stores made by newStore, with
// every capability required. See [RunWithOptions].
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Helper()
	RunWithOptions(t, newStore, nil)
}

// RunWithOptions runs the conformance suite: one subtest per property of
// [storage.Store] (and of [storage.Batcher], through [storage.PutBatch]),
// each calling newStore for a new, empty store. newStore should register
// any cleanup with t.Cleanup and must not share objects between stores. A
// nil opts requires every capability.
//
// Each failure message states the property broken and why it matters.
// The suite runs in well under a second on memstore and filestore.
func RunWithOptions(t *testing.T, newStore func(t *testing.T) storage.Store, opts *RunOptions) {
	t.Helper()
	var o RunOptions
	if opts != nil {
		o = *opts
	}
	h := &harness{newStore: newStore, opts: o}
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"RoundTrip", h.testRoundTrip},
		{"EmptyObject", h.testEmptyObject},
		{"LargeObject", h.testLargeObject},
		{"Overwrite", h.testOverwrite},
		{"IfNotExist", h.testIfNotExist},
		{"IfNotExistRace", h.testIfNotExistRace},
		{"NotExist", h.testNotExist},
		{"Delete", h.testDelete},
		{"ListOrder", h.testListOrder},
		{"ListPrefix", h.testListPrefix},
		{"ListEmpty", h.testListEmpty},
		{"ListStopEarly", h.testListStopEarly},
		{"ListMetadata", h.testListMetadata},
		{"Keys", h.testKeys},
		{"NestedKeys", h.testNestedKeys},
		{"OddKeys", h.testOddKeys},
		{"CaseSensitive", h.testCaseSensitive},
		{"InvalidKeys", h.testInvalidKeys},
		{"FailingReader", h.testFailingReader},
		{"CanceledContext", h.testCanceledContext},
		{"CancelDuringPut", h.testCancelDuringPut},
		{"NoAliasing", h.testNoAliasing},
		{"Concurrent", h.testConcurrent},
		{"Helpers", h.testHelpers},
		{"Batch", h.testBatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

type harness struct {
	newStore func(t *testing.T) storage.Store
	opts     RunOptions
}

// ---- small helpers ----

func put(ctx context.Context, s storage.Store, key string, data []byte, opts *storage.PutOptions) error {
	return s.Put(ctx, key, bytes.NewReader(data), opts)
}

func mustPut(t *testing.T, s storage.Store, key string, data []byte) {
	t.Helper()
	if err := put(t.Context(), s, key, data, nil); err != nil {
		t.Fatalf("Put(%q) = %v, want nil", key, err)
	}
}

func get(ctx context.Context, s storage.Store, key string) ([]byte, error) {
	return storage.ReadAll(ctx, s, key)
}

// mustGet fails the test unless key holds want; why explains the property.
func mustGet(t *testing.T, s storage.Store, key string, want []byte, why string) {
	t.Helper()
	got, err := get(t.Context(), s, key)
	if err != nil {
		t.Errorf("Get(%q) = %v, want its content: %s", key, err, why)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Get(%q) = %s, want %s: %s", key, abbrev(got), abbrev(want), why)
	}
}

// mustNotExist fails the test unless Get(key) fails with ErrNotExist.
func mustNotExist(t *testing.T, s storage.Store, key, why string) {
	t.Helper()
	got, err := get(t.Context(), s, key)
	if !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get(%q) = %s, %v; want an error matching storage.ErrNotExist: %s", key, abbrev(got), err, why)
	}
}

func list(ctx context.Context, s storage.Store, prefix string) ([]storage.Object, error) {
	var objs []storage.Object
	for o, err := range s.List(ctx, prefix) {
		if err != nil {
			return objs, err
		}
		objs = append(objs, o)
	}
	return objs, nil
}

func listKeys(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	objs, err := list(t.Context(), s, prefix)
	if err != nil {
		t.Fatalf("List(%q) = %v, want nil", prefix, err)
	}
	keys := []string{}
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return keys
}

func abbrev(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// pattern returns n deterministic bytes that differ for each seed.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

// ---- properties ----

func (h *harness) testRoundTrip(t *testing.T, s storage.Store) {
	data := []byte(`{"id":"1","label":"Banque"}`)
	mustPut(t, s, "entity/a.json", data)
	mustGet(t, s, "entity/a.json", data, "Get must return exactly the bytes Put stored")
	if diff := cmp.Diff([]string{"entity/a.json"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List(\"\") after one Put mismatch (-want +got):\n%s", diff)
	}
}

func (h *harness) testEmptyObject(t *testing.T, s storage.Store) {
	mustPut(t, s, "empty", nil)
	mustGet(t, s, "empty", []byte{}, "an empty object is an object: it must exist and read as zero bytes")
	objs, err := list(t.Context(), s, "")
	if err != nil || len(objs) != 1 || objs[0].Size != 0 {
		t.Errorf("List(\"\") = %+v, %v; want one object of size 0", objs, err)
	}
}

// chunkReader yields data in small, uneven chunks, as a network does.
type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	c.n = c.n%7 + 1
	k := min(len(p), len(c.data), c.n*997)
	copy(p, c.data[:k])
	c.data = c.data[k:]
	return k, nil
}

func (h *harness) testLargeObject(t *testing.T, s storage.Store) {
	data := pattern(3, 1<<20+17)
	if err := s.Put(t.Context(), "large/object.bin", &chunkReader{data: data}, nil); err != nil {
		t.Fatalf("Put of a 1 MiB object read in small chunks = %v, want nil", err)
	}
	mustGet(t, s, "large/object.bin", data, "Put must read the reader to its end, whatever the chunk sizes")
}

func (h *harness) testOverwrite(t *testing.T, s storage.Store) {
	mustPut(t, s, "k", []byte("first version, rather long"))
	mustPut(t, s, "k", []byte("second"))
	mustGet(t, s, "k", []byte("second"), "Put without IfNotExist replaces the whole object (no leftover tail of a longer old version)")
	if diff := cmp.Diff([]string{"k"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List after overwriting a key mismatch (-want +got), an overwrite must not create a second object:\n%s", diff)
	}
}

func (h *harness) testIfNotExist(t *testing.T, s storage.Store) {
	create := &storage.PutOptions{IfNotExist: true}
	if err := put(t.Context(), s, "once", []byte("v1"), create); err != nil {
		t.Fatalf("create-only Put of a new key = %v, want nil", err)
	}
	err := put(t.Context(), s, "once", []byte("v2"), create)
	if !errors.Is(err, storage.ErrExist) {
		t.Errorf("create-only Put of an existing key = %v, want an error matching storage.ErrExist: create-only writes are what make retried writes idempotent", err)
	}
	mustGet(t, s, "once", []byte("v1"), "a failed create-only Put must leave the existing object untouched")
	if err := put(t.Context(), s, "once", []byte("v3"), &storage.PutOptions{}); err != nil {
		t.Errorf("Put with zero options over an existing key = %v, want nil (overwrite)", err)
	}
	mustGet(t, s, "once", []byte("v3"), "zero PutOptions mean overwrite")
	// The caller's options are not modified.
	if *create != (storage.PutOptions{IfNotExist: true}) {
		t.Errorf("Put modified the caller's *PutOptions: %+v", *create)
	}
}

func (h *harness) testIfNotExistRace(t *testing.T, s storage.Store) {
	const writers, rounds = 8, 4
	for r := range rounds {
		key := fmt.Sprintf("race/%d", r)
		errs := make([]error, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				<-start
				errs[w] = put(t.Context(), s, key, pattern(byte(w), 4096+w), &storage.PutOptions{IfNotExist: true})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for w, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("%s: writers %d and %d both won a create-only race: two concurrent create-only Puts of one key must never both succeed", key, winner, w)
			case err == nil:
				winner = w
			case !errors.Is(err, storage.ErrExist):
				t.Errorf("%s: a losing create-only Put returned %v, want an error matching storage.ErrExist", key, err)
			}
		}
		if winner < 0 {
			t.Errorf("%s: no writer won a create-only race of %d writers: exactly one must succeed", key, writers)
			continue
		}
		mustGet(t, s, key, pattern(byte(winner), 4096+winner), "after a create-only race the object must be the winner's, complete")
	}
}

func (h *harness) testNotExist(t *testing.T, s storage.Store) {
	mustNotExist(t, s, "missing", "Get of a key never written")
	mustNotExist(t, s, "missing/deeper/key", "Get of a key below a missing directory")
	if err := s.Delete(t.Context(), "missing"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Delete of a missing key = %v, want an error matching storage.ErrNotExist: callers must tell \"already gone\" from \"failed\"", err)
	}
	if ok, err := storage.Exists(t.Context(), s, "missing"); ok || err != nil {
		t.Errorf("Exists of a missing key = %v, %v; want false, nil", ok, err)
	}
}

func (h *harness) testDelete(t *testing.T, s storage.Store) {
	mustPut(t, s, "d/one", []byte("1"))
	mustPut(t, s, "d/two", []byte("2"))
	if err := s.Delete(t.Context(), "d/one"); err != nil {
		t.Fatalf("Delete of an existing key = %v, want nil", err)
	}
	mustNotExist(t, s, "d/one", "a deleted object is gone")
	mustGet(t, s, "d/two", []byte("2"), "Delete removes only its key")
	if err := s.Delete(t.Context(), "d/one"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("second Delete of a key = %v, want an error matching storage.ErrNotExist", err)
	}
	if diff := cmp.Diff([]string{"d/two"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List after Delete mismatch (-want +got):\n%s", diff)
	}
	if err := put(t.Context(), s, "d/one", []byte("again"), &storage.PutOptions{IfNotExist: true}); err != nil {
		t.Errorf("create-only Put of a deleted key = %v, want nil: a deleted object must not linger", err)
	}
	mustGet(t, s, "d/one", []byte("again"), "a key can be written again after Delete")
	if err := s.Delete(t.Context(), "d/one"); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if err := s.Delete(t.Context(), "d/two"); err != nil {
		t.Fatalf("Delete of the last key of a directory = %v, want nil", err)
	}
	mustPut(t, s, "d/three", []byte("3"))
	mustGet(t, s, "d/three", []byte("3"), "a key can be written below a prefix whose objects were all deleted")
}

// orderKeys share prefixes whose order depends on the bytes after them:
// ' ' < '-' < '.' < '/' < '0' < 'B' < 'b' < 'é'. None is a prefix directory
// of another, so a file system store can hold them all.
var orderKeys = []string{
	"A", "a-", "a.b", "a/B", "a/b c", "a/b-", "a/b.c", "a/b/c", "a/b/d/e",
	"a/b0", "a/bc", "a/z", "a/é", "a0", "b", "b-/a", "é",
}

func shuffled(keys []string) []string {
	out := make([]string, 0, len(keys))
	for i := len(keys) - 1; i >= 0; i -= 2 {
		out = append(out, keys[i])
	}
	for i := len(keys) - 2; i >= 0; i -= 2 {
		out = append(out, keys[i])
	}
	return out
}

func (h *harness) testListOrder(t *testing.T, s storage.Store) {
	for _, k := range shuffled(orderKeys) {
		mustPut(t, s, k, []byte(k))
	}
	want := slices.Clone(orderKeys)
	slices.Sort(want)
	if diff := cmp.Diff(want, listKeys(t, s, "")); diff != "" {
		t.Errorf("List(\"\") mismatch (-want +got): keys must come in byte order of the whole key (\"a/b c\" < \"a/b.c\" < \"a/b/c\" < \"a/b0\"), not directory by directory:\n%s", diff)
	}
}

func (h *harness) testListPrefix(t *testing.T, s storage.Store) {
	for _, k := range shuffled(orderKeys) {
		mustPut(t, s, k, []byte(k))
	}
	sorted := slices.Clone(orderKeys)
	slices.Sort(sorted)
	for _, prefix := range []string{
		"", "a", "a/", "a/b", "a/b/", "a/b.", "a/b/d", "a/b/d/", "a/b/d/e",
		"a/bc", "a/bcd", "A", "é", "\u00c3", "z", "a/.", "a/..",
	} {
		want := []string{}
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if diff := cmp.Diff(want, listKeys(t, s, prefix)); diff != "" {
			t.Errorf("List(%q) mismatch (-want +got): a prefix matches every key that starts with it, byte for byte, slash or not:\n%s", prefix, diff)
		}
	}
}

func (h *harness) testKeys(t *testing.T, s storage.Store) {
	for _, k := range shuffled(orderKeys) {
		mustPut(t, s, k, []byte(k))
	}
	for _, prefix := range []string{"", "a", "a/", "a/b", "a/b/", "zz"} {
		want := listKeys(t, s, prefix)
		got := []string{}
		for k, err := range storage.Keys(t.Context(), s, prefix) {
			if err != nil {
				t.Fatalf("storage.Keys(%q) yielded %v", prefix, err)
			}
			got = append(got, k)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("storage.Keys(%q) mismatch with List (-List +Keys): a KeyLister must yield exactly List's keys, in the same order:\n%s", prefix, diff)
		}
	}
	for k, err := range storage.Keys(t.Context(), s, "a//") {
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("storage.Keys(\"a//\") yielded %q, %v; want only an error matching storage.ErrInvalidKey", k, err)
		}
	}
}

func (h *harness) testListEmpty(t *testing.T, s storage.Store) {
	for _, prefix := range []string{"", "a", "a/"} {
		if got := listKeys(t, s, prefix); len(got) != 0 {
			t.Errorf("List(%q) of an empty store = %q, want nothing", prefix, got)
		}
	}
}

func (h *harness) testListStopEarly(t *testing.T, s storage.Store) {
	for i := range 5 {
		mustPut(t, s, fmt.Sprintf("stop/%d", i), []byte{byte(i)})
	}
	n := 0
	for o, err := range s.List(t.Context(), "stop/") {
		if err != nil {
			t.Fatalf("List yielded %v", err)
		}
		n++
		// The store must be usable from inside the loop (no lock held).
		mustGet(t, s, o.Key, []byte{byte(n - 1)}, "Get from inside a List loop")
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("List yielded %d objects before the break, want 2", n)
	}
	mustPut(t, s, "stop/after", []byte("x"))
	if got := len(listKeys(t, s, "stop/")); got != 6 {
		t.Errorf("List after an early break saw %d objects, want 6: stopping a List must release everything it holds", got)
	}
}

func (h *harness) testListMetadata(t *testing.T, s storage.Store) {
	sizes := map[string]int{"m/a": 0, "m/b": 1, "m/c": 1000, "m/d": 70000}
	for k, n := range sizes {
		mustPut(t, s, k, pattern(1, n))
	}
	objs, err := list(t.Context(), s, "m/")
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	if len(objs) != len(sizes) {
		t.Fatalf("List(\"m/\") yielded %d objects, want %d", len(objs), len(sizes))
	}
	for _, o := range objs {
		if o.Size != int64(sizes[o.Key]) {
			t.Errorf("List: %q has Size %d, want %d: Size is the number of bytes Get returns", o.Key, o.Size, sizes[o.Key])
		}
		if o.ModTime.IsZero() {
			t.Errorf("List: %q has a zero ModTime: stores must report when an object was written", o.Key)
		}
	}
}

func (h *harness) testNestedKeys(t *testing.T, s storage.Store) {
	mustPut(t, s, "nest/a", []byte("file"))
	err := put(t.Context(), s, "nest/a/b", []byte("below"), nil)
	if !h.opts.NestedKeysConflict {
		if err != nil {
			t.Fatalf("Put(\"nest/a/b\") while \"nest/a\" exists = %v, want nil: keys are flat names, not paths (declare RunOptions.NestedKeysConflict only if the medium forbids it)", err)
		}
		mustGet(t, s, "nest/a", []byte("file"), "a key and a key below it are two objects")
		mustGet(t, s, "nest/a/b", []byte("below"), "a key and a key below it are two objects")
		if diff := cmp.Diff([]string{"nest/a", "nest/a/b"}, listKeys(t, s, "nest/")); diff != "" {
			t.Errorf("List(\"nest/\") mismatch (-want +got):\n%s", diff)
		}
		return
	}
	if err == nil {
		t.Errorf("Put(\"nest/a/b\") while \"nest/a\" is an object = nil, want an error: the store declared NestedKeysConflict")
	}
	mustGet(t, s, "nest/a", []byte("file"), "a conflicting Put must leave the existing object intact")
	mustNotExist(t, s, "nest/a/b", "a key below an object does not exist")
	if err := s.Delete(t.Context(), "nest/a/b"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Delete(\"nest/a/b\") below an object = %v, want an error matching storage.ErrNotExist", err)
	}
	mustPut(t, s, "nest2/a/b", []byte("deep"))
	if err := put(t.Context(), s, "nest2/a", []byte("x"), &storage.PutOptions{IfNotExist: true}); err == nil {
		t.Errorf("Put(\"nest2/a\") where \"nest2/a/\" holds objects = nil, want an error: the store declared NestedKeysConflict")
	} else if errors.Is(err, storage.ErrExist) {
		t.Errorf("Put(\"nest2/a\") where \"nest2/a/\" holds objects = %v: must not match ErrExist, since no object \"nest2/a\" exists (an idempotent writer would then read it back and fail)", err)
	}
	if err := put(t.Context(), s, "nest2/a", []byte("x"), nil); err == nil {
		t.Errorf("overwriting Put(\"nest2/a\") where \"nest2/a/\" holds objects = nil, want an error")
	}
	mustNotExist(t, s, "nest2/a", "a prefix that only holds objects below it is not an object")
	if err := s.Delete(t.Context(), "nest2/a"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Delete(\"nest2/a\") of a directory = %v, want an error matching storage.ErrNotExist, and nothing removed", err)
	}
	mustGet(t, s, "nest2/a/b", []byte("deep"), "failed Puts and Deletes on a directory leave the objects below it intact")
	if diff := cmp.Diff([]string{"nest/a", "nest2/a/b"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List after conflicting Puts mismatch (-want +got):\n%s", diff)
	}
}

// OddKeys are valid keys that stores tend to get wrong: escaping, Unicode,
// dots, lengths. A store must accept every one of them.
func OddKeys() []string {
	max := strings.Repeat("x", 200) + "/" + strings.Repeat("y", 200) + "/" + strings.Repeat("z", 200) + "/" +
		strings.Repeat("w", 200) + "/"
	max += strings.Repeat("v", storage.MaxKeyLen-len(max))
	return []string{
		"unicode/café/écriture-€.json",
		"unicode/日本語/😀",
		"unicode/nbsp\u00a0and\u2028separator",
		"spaces/a b/ c .json",
		"dots/.hidden",
		"dots/a..b",
		"dots/.../x",
		"dots/..x/x..",
		"escapes/a%2Fb%20c",
		"escapes/a+b=c&d",
		"escapes/a?b#c",
		"escapes/!$'()*,;:@[]~",
		"escapes/<>\"|{}^`",
		"long/" + strings.Repeat("e", storage.MaxElementLen),
		max,
	}
}

func (h *harness) testOddKeys(t *testing.T, s storage.Store) {
	keys := OddKeys()
	for i, k := range keys {
		if err := put(t.Context(), s, k, pattern(byte(i), 10+i), nil); err != nil {
			t.Errorf("Put(%q) = %v, want nil: the key is valid (storage.ValidKey), so every store must accept it", k, err)
		}
	}
	for i, k := range keys {
		mustGet(t, s, k, pattern(byte(i), 10+i), "odd but valid keys must round-trip unchanged")
		if got := listKeys(t, s, k); !slices.Equal(got, []string{k}) {
			t.Errorf("List(%q) = %q, want just that key: listing must return keys exactly as written", k, got)
		}
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if diff := cmp.Diff(want, listKeys(t, s, "")); diff != "" {
		t.Errorf("List(\"\") of odd keys mismatch (-want +got):\n%s", diff)
	}
	for _, k := range keys {
		if err := s.Delete(t.Context(), k); err != nil {
			t.Errorf("Delete(%q) = %v, want nil", k, err)
		}
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Errorf("List after deleting every odd key = %q, want nothing", got)
	}
}

func (h *harness) testCaseSensitive(t *testing.T, s storage.Store) {
	mustPut(t, s, "case/Key", []byte("upper"))
	mustPut(t, s, "case/key", []byte("lower"))
	mustGet(t, s, "case/Key", []byte("upper"), "keys are case-sensitive")
	mustGet(t, s, "case/key", []byte("lower"), "keys are case-sensitive")
}

// InvalidKeys are keys every store must reject with ErrInvalidKey, each with
// the reason, for use in a store's own tests.
func InvalidKeys() []struct{ Key, Reason string } {
	return []struct{ Key, Reason string }{
		{"", "empty"},
		{"/etc/passwd", "absolute path"},
		{"a/", "trailing slash"},
		{"a//b", "empty element"},
		{".", "dot"},
		{"..", "dot-dot"},
		{"../outside", "escapes upwards"},
		{"a/../../outside", "escapes upwards from inside"},
		{"a/./b", "dot element"},
		{`a\b`, "backslash"},
		{`..\outside`, "backslash escape on Windows"},
		{"a\x00b", "NUL"},
		{"a\nb", "newline"},
		{"a\x7fb", "DEL"},
		{"a\u0085b", "C1 control"},
		{"a\xffb", "invalid UTF-8"},
		{strings.Repeat("k", storage.MaxKeyLen+1), "too long"},
		{"e/" + strings.Repeat("e", storage.MaxElementLen+1), "element too long"},
	}
}

func (h *harness) testInvalidKeys(t *testing.T, s storage.Store) {
	mustPut(t, s, "keep", []byte("keep"))
	for _, tc := range InvalidKeys() {
		err := put(t.Context(), s, tc.Key, []byte("x"), nil)
		checkInvalid(t, "put", tc.Key, tc.Reason, err)
		err = put(t.Context(), s, tc.Key, []byte("x"), &storage.PutOptions{IfNotExist: true})
		checkInvalid(t, "put", tc.Key, tc.Reason, err)
		r, err := s.Get(t.Context(), tc.Key)
		if err == nil {
			r.Close()
		}
		checkInvalid(t, "get", tc.Key, tc.Reason, err)
		checkInvalid(t, "delete", tc.Key, tc.Reason, s.Delete(t.Context(), tc.Key))
	}
	for _, prefix := range []string{"/", "/keep", "a//", "../", "./k", `a\`, "k\x00", "\xff", strings.Repeat("p", storage.MaxKeyLen+1)} {
		objs, err := list(t.Context(), s, prefix)
		if !errors.Is(err, storage.ErrInvalidKey) || len(objs) != 0 {
			t.Errorf("List(%q) = %d objects, %v; want no object and an error matching storage.ErrInvalidKey: no valid key starts with this prefix", prefix, len(objs), err)
		}
		if ke, ok := errors.AsType[*storage.KeyError](err); ok && ke.Op != "list" {
			t.Errorf("List(%q) = %v, want a *storage.KeyError naming the operation \"list\"", prefix, err)
		}
	}
	if diff := cmp.Diff([]string{"keep"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List after rejected keys mismatch (-want +got): an invalid key must write nothing:\n%s", diff)
	}
	mustGet(t, s, "keep", []byte("keep"), "rejected keys must not touch other objects")
}

// checkInvalid checks the error of the operation op ("put", "get",
// "delete") on the invalid key.
func checkInvalid(t *testing.T, op, key, reason string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("%s(%q) (%s) = %v, want an error matching storage.ErrInvalidKey: keys are checked before any I/O", op, key, reason, err)
		return
	}
	var ke *storage.KeyError
	if !errors.As(err, &ke) || ke.Key != key || ke.Rule == "" || ke.Op != op {
		t.Errorf("%s(%q) = %v, want a *storage.KeyError naming the operation %q, the key and the rule broken", op, key, err, op)
	}
}

var errBoom = errors.New("storagetest: reader failed on purpose")

// failingReader yields n bytes, then fails with errBoom.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errBoom
	}
	k := min(len(p), f.n, 1000)
	for i := range p[:k] {
		p[i] = 'p'
	}
	f.n -= k
	return k, nil
}

func (h *harness) testFailingReader(t *testing.T, s storage.Store) {
	mustPut(t, s, "fail/existing", []byte("precious"))
	for _, tc := range []struct {
		name, key string
		opts      *storage.PutOptions
		n         int
	}{
		{"new key", "fail/new", nil, 5000},
		{"new key, nothing read", "fail/new", nil, 0},
		{"new key, create-only", "fail/new", &storage.PutOptions{IfNotExist: true}, 5000},
		{"existing key", "fail/existing", nil, 5000},
	} {
		err := s.Put(t.Context(), tc.key, &failingReader{n: tc.n}, tc.opts)
		if !errors.Is(err, errBoom) {
			t.Errorf("%s: Put with a reader failing after %d bytes = %v, want an error wrapping the reader's error", tc.name, tc.n, err)
		}
	}
	mustNotExist(t, s, "fail/new", "a Put whose reader fails must leave nothing behind, or a retried create-only Put would fail with ErrExist")
	mustGet(t, s, "fail/existing", []byte("precious"), "a Put whose reader fails must not clobber the existing object")
	if diff := cmp.Diff([]string{"fail/existing"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List after failed Puts mismatch (-want +got):\n%s", diff)
	}
	if err := put(t.Context(), s, "fail/new", []byte("retry"), &storage.PutOptions{IfNotExist: true}); err != nil {
		t.Errorf("create-only retry after a failed Put = %v, want nil", err)
	}
}

func (h *harness) testCanceledContext(t *testing.T, s storage.Store) {
	mustPut(t, s, "c/existing", []byte("old"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := put(ctx, s, "c/new", []byte("x"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context = %v, want an error matching context.Canceled", err)
	}
	if err := put(ctx, s, "c/existing", []byte("new"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Put over an existing key with a canceled context = %v, want an error matching context.Canceled", err)
	}
	if r, err := s.Get(ctx, "c/existing"); !errors.Is(err, context.Canceled) {
		if err == nil {
			r.Close()
		}
		t.Errorf("Get with a canceled context = %v, want an error matching context.Canceled", err)
	}
	if err := s.Delete(ctx, "c/existing"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with a canceled context = %v, want an error matching context.Canceled", err)
	}
	if _, err := list(ctx, s, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a canceled context yielded %v, want an error matching context.Canceled", err)
	}
	mustNotExist(t, s, "c/new", "a canceled Put writes nothing")
	mustGet(t, s, "c/existing", []byte("old"), "canceled calls change nothing")
}

// cancelingReader cancels its context after the first read, then keeps
// producing data until n bytes.
type cancelingReader struct {
	cancel context.CancelFunc
	n      int
	reads  int
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.n == 0 {
		return 0, io.EOF
	}
	c.reads++
	if c.reads == 2 {
		c.cancel()
	}
	k := min(len(p), c.n, 512)
	for i := range p[:k] {
		p[i] = 'c'
	}
	c.n -= k
	return k, nil
}

func (h *harness) testCancelDuringPut(t *testing.T, s storage.Store) {
	mustPut(t, s, "cd/existing", []byte("old"))
	for _, key := range []string{"cd/new", "cd/existing"} {
		ctx, cancel := context.WithCancel(t.Context())
		err := s.Put(ctx, key, &cancelingReader{cancel: cancel, n: 64 << 10}, nil)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put(%q) whose context is canceled while reading = %v, want an error matching context.Canceled: a Put canceled before it commits must fail", key, err)
		}
	}
	mustNotExist(t, s, "cd/new", "a Put canceled midway leaves nothing")
	mustGet(t, s, "cd/existing", []byte("old"), "a Put canceled midway leaves the previous object")
}

func (h *harness) testNoAliasing(t *testing.T, s storage.Store) {
	buf := []byte("original")
	if err := storage.WriteAll(t.Context(), s, "alias/a", buf, nil); err != nil {
		t.Fatal(err)
	}
	copy(buf, "MUTATED!")
	mustGet(t, s, "alias/a", []byte("original"), "the store must copy what Put reads: the caller may reuse its buffer once Put returns")
	got, err := get(t.Context(), s, "alias/a")
	if err != nil {
		t.Fatal(err)
	}
	copy(got, "changed!")
	mustGet(t, s, "alias/a", []byte("original"), "bytes returned by Get are the caller's: changing them must not change the object")
	// A reader opened before an overwrite is not required to see either
	// version in particular, but must not see a mix after Close.
	r, err := s.Get(t.Context(), "alias/a")
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 8)
	n, _ := io.ReadFull(r, p)
	r.Close()
	copy(p[:n], "xxxxxxxx")
	mustGet(t, s, "alias/a", []byte("original"), "bytes read through Get's reader are the caller's")
}

func (h *harness) testConcurrent(t *testing.T, s storage.Store) {
	const workers, rounds = 4, 15
	versions := func(w, i int) []byte { return pattern(byte(w*rounds+i), 3000+w*100+i) }
	valid := map[string]bool{}
	for w := range workers {
		for i := range rounds {
			valid[string(versions(w, i))] = true
		}
	}
	mustPut(t, s, "conc/shared", versions(0, 0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { // writer
			for i := range rounds {
				own := fmt.Sprintf("conc/w%d/%d", w, i)
				if err := put(t.Context(), s, own, versions(w, i), nil); err != nil {
					t.Errorf("concurrent Put(%q) = %v", own, err)
				}
				if err := put(t.Context(), s, "conc/shared", versions(w, i), nil); err != nil {
					t.Errorf("concurrent Put(shared) = %v", err)
				}
			}
		})
		wg.Go(func() { // reader
			for i := range rounds {
				got, err := get(t.Context(), s, "conc/shared")
				if err != nil {
					t.Errorf("Get(shared) during concurrent Puts = %v, want nil: an overwrite never makes the key disappear", err)
				} else if !valid[string(got)] {
					t.Errorf("Get(shared) during concurrent Puts = %s, which no writer wrote: Put must be atomic (old or new, never a mix or a part)", abbrev(got))
				}
				own := fmt.Sprintf("conc/w%d/%d", w, i)
				if got, err := get(t.Context(), s, own); err == nil && !bytes.Equal(got, versions(w, i)) {
					t.Errorf("Get(%q) = %s while being written: a reader must see the complete object or nothing", own, abbrev(got))
				}
			}
		})
		wg.Go(func() { // lister
			for range rounds / 3 {
				objs, err := list(t.Context(), s, "conc/")
				if err != nil {
					t.Errorf("List during concurrent Puts = %v", err)
				}
				if !slices.IsSortedFunc(objs, func(a, b storage.Object) int { return strings.Compare(a.Key, b.Key) }) {
					t.Errorf("List during concurrent Puts is not in key order")
				}
				for _, o := range objs {
					if o.Key != "conc/shared" {
						var w, i int
						if _, err := fmt.Sscanf(o.Key, "conc/w%d/%d", &w, &i); err != nil || o.Size != int64(len(versions(w, i))) {
							t.Errorf("List during concurrent Puts yielded %q of size %d: a listed object must be complete", o.Key, o.Size)
						}
					}
				}
			}
		})
	}
	wg.Wait()
	if got := len(listKeys(t, s, "conc/")); got != workers*rounds+1 {
		t.Errorf("after concurrent Puts List found %d objects, want %d", got, workers*rounds+1)
	}
}

func (h *harness) testHelpers(t *testing.T, s storage.Store) {
	if err := storage.WriteAll(t.Context(), s, "h/a", []byte("abc"), &storage.PutOptions{ContentType: "application/json"}); err != nil {
		t.Fatalf("WriteAll with a ContentType = %v, want nil: stores that do not keep content types ignore it", err)
	}
	if ok, err := storage.Exists(t.Context(), s, "h/a"); !ok || err != nil {
		t.Errorf("Exists of a written key = %v, %v; want true, nil", ok, err)
	}
	if ok, err := storage.Exists(t.Context(), s, "h//a"); ok || !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Exists of an invalid key = %v, %v; want false and an error matching storage.ErrInvalidKey", ok, err)
	}
	mustGet(t, s, "h/a", []byte("abc"), "WriteAll then ReadAll round-trips")
}
