package azblobstore_test

// These tests run the store against Azurite (see azurite_test.go), the Azure
// Storage emulator, over HTTP on loopback, through the Azure SDK exactly as
// against Azure: SharedKey signing, REST/XML, the SDK's error decoding.
// Azurite enforces If-None-Match: * itself on Put Blob and Put Block List; a
// recording transport below only observes requests.
//
// What this does NOT verify: Azure-only behaviour (throttling, geo
// replication, the production listing order of names beyond the BMP),
// Microsoft Entra ID credentials, TLS.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/google/go-cmp/cmp"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/azblobstore"
)

// recorder is an SDK transport that keeps a summary of every request.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

type request struct {
	Method, Comp, IfNoneMatch string
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, request{req.Method, req.URL.Query().Get("comp"), req.Header.Get("If-None-Match")})
	r.mu.Unlock()
	return http.DefaultClient.Do(req)
}

func (r *recorder) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func newStore(t testing.TB, opts *azblobstore.Options) *azblobstore.Store {
	t.Helper()
	s, err := azblobstore.New(newContainer(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t testing.TB, s storage.Store, key, data string, opts *storage.PutOptions) {
	t.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(data), opts); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t testing.TB, s storage.Store, key string) string {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): reading: %v", key, err)
	}
	return string(b)
}

func listKeys(t testing.TB, s storage.Store, prefix string) []string {
	t.Helper()
	var keys []string
	for o, err := range s.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// These need no emulator.
func TestNewRejects(t *testing.T) {
	c, err := container.NewClientWithNoCredential("http://127.0.0.1:1/devstoreaccount1/c", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		client     *container.Client
		opts       *azblobstore.Options
		invalidKey bool
	}{
		{name: "nil client", client: nil},
		{name: "prefix without slash", client: c, opts: &azblobstore.Options{Prefix: "a"}, invalidKey: true},
		{name: "prefix is a slash", client: c, opts: &azblobstore.Options{Prefix: "/"}, invalidKey: true},
		{name: "prefix with dot-dot", client: c, opts: &azblobstore.Options{Prefix: "a/../"}, invalidKey: true},
		{name: "prefix with backslash", client: c, opts: &azblobstore.Options{Prefix: `a\b/`}, invalidKey: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := azblobstore.New(tt.client, tt.opts)
			if err == nil || s != nil {
				t.Fatalf("New = %v, %v; want nil and an error", s, err)
			}
			if got := errors.Is(err, storage.ErrInvalidKey); got != tt.invalidKey {
				t.Errorf("errors.Is(%v, ErrInvalidKey) = %v, want %v", err, got, tt.invalidKey)
			}
		})
	}

	opts := &azblobstore.Options{Prefix: "p/"}
	s, err := azblobstore.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Prefix = "q/"
	if got := s.Prefix(); got != "p/" {
		t.Errorf("Prefix() = %q after changing the caller's Options, want %q", got, "p/")
	}
}

// TestWireRequests checks what the store actually sends: the request that
// commits a blob carries If-None-Match: * for a create-only Put, on both the
// single-request path (Put Blob) and the streamed path (Put Block, then Put
// Block List: the condition must be on the commit).
func TestWireRequests(t *testing.T) {
	rec := &recorder{}
	s, err := azblobstore.New(newContainer(t, rec), &azblobstore.Options{BlockSize: azblobstore.MinBlockSize, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), int(azblobstore.MinBlockSize)/16*2+1) // 2 blocks + 16 bytes
	start := len(rec.requests())

	put(t, s, "small/plain", "x", nil)
	put(t, s, "small/create", "x", &storage.PutOptions{IfNotExist: true})
	if err := s.Put(ctx, "big/create", bytes.NewReader(big), &storage.PutOptions{IfNotExist: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "big/create", bytes.NewReader(big), &storage.PutOptions{IfNotExist: true}); !errors.Is(err, storage.ErrExist) {
		t.Fatalf("second streamed create-only Put: %v, want ErrExist", err)
	}
	if got := get(t, s, "big/create"); got != string(big) {
		t.Errorf("streamed object: got %d bytes, want %d", len(got), len(big))
	}

	want := []request{
		{Method: "PUT"},                   // Put Blob
		{Method: "PUT", IfNoneMatch: "*"}, // Put Blob, create-only
		{Method: "PUT", Comp: "block"},    // 3 × Put Block
		{Method: "PUT", Comp: "block"},
		{Method: "PUT", Comp: "block"},
		{Method: "PUT", Comp: "blocklist", IfNoneMatch: "*"}, // commit, create-only
		{Method: "PUT", Comp: "block"},                       // the refused second upload
		{Method: "PUT", Comp: "block"},
		{Method: "PUT", Comp: "block"},
		{Method: "PUT", Comp: "blocklist", IfNoneMatch: "*"},
		{Method: "GET"},
	}
	if diff := cmp.Diff(want, rec.requests()[start:]); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestStreamedPutReaderFails: a reader failing after more than one block has
// been staged leaves no blob (and the previous one intact).
func TestStreamedPutReaderFails(t *testing.T) {
	s := newStore(t, &azblobstore.Options{BlockSize: azblobstore.MinBlockSize, Concurrency: 2})
	ctx := context.Background()
	boom := errors.New("boom")
	failing := func() io.Reader {
		return io.MultiReader(bytes.NewReader(make([]byte, 3*azblobstore.MinBlockSize)), iotest.ErrReader(boom))
	}
	if err := s.Put(ctx, "new", failing(), nil); !errors.Is(err, boom) {
		t.Fatalf("Put: %v, want the reader's error", err)
	}
	var re interface{ ErrorCode() string }
	if err := s.Put(ctx, "new", failing(), nil); errors.As(err, &re) {
		t.Errorf("a reader's error is reported as an SDK error: %v", err)
	}
	if _, err := s.Get(ctx, "new"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get after a failed streamed Put: %v, want ErrNotExist", err)
	}
	put(t, s, "old", "old", nil)
	if err := s.Put(ctx, "old", failing(), nil); !errors.Is(err, boom) {
		t.Fatalf("Put over old: %v, want the reader's error", err)
	}
	if got := get(t, s, "old"); got != "old" {
		t.Errorf("Get = %q, want the previous object", got)
	}
	if diff := cmp.Diff([]string{"old"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

// TestPrefix: two stores sharing a container under different prefixes see
// only their own objects, and List strips the prefix.
func TestPrefix(t *testing.T) {
	c := newContainer(t, nil)
	a, err := azblobstore.New(c, &azblobstore.Options{Prefix: "tenant-a/"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := azblobstore.New(c, &azblobstore.Options{Prefix: "tenant-b/"})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := azblobstore.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	put(t, a, "x/1.json", "a1", nil)
	put(t, b, "x/1.json", "b1", nil)
	put(t, a, "x/2.json", "a2", &storage.PutOptions{IfNotExist: true})

	if diff := cmp.Diff([]string{"x/1.json", "x/2.json"}, listKeys(t, a, "")); diff != "" {
		t.Errorf("a.List (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"x/1.json"}, listKeys(t, b, "x/")); diff != "" {
		t.Errorf("b.List (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"tenant-a/x/1.json", "tenant-a/x/2.json", "tenant-b/x/1.json"}, listKeys(t, whole, "")); diff != "" {
		t.Errorf("whole container (-want +got):\n%s", diff)
	}
	if got := get(t, b, "x/1.json"); got != "b1" {
		t.Errorf("b.Get = %q, want %q", got, "b1")
	}
	err = a.Put(context.Background(), "x/1.json", strings.NewReader("again"), &storage.PutOptions{IfNotExist: true})
	if !errors.Is(err, storage.ErrExist) {
		t.Errorf("a.Put create-only over its own object: %v, want ErrExist", err)
	}
	if err := b.Delete(context.Background(), "x/2.json"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("b.Delete of a's key: %v, want ErrNotExist", err)
	}
}

// TestListPaginationAndOrder lists more objects than one page holds, in byte
// order, including names outside ASCII, and stops early.
func TestListPaginationAndOrder(t *testing.T) {
	s := newStore(t, &azblobstore.Options{ListPageSize: 3})
	keys := []string{"d/b", "d/a", "d/Z", "d/é", "d/z", "d/a-b", "d/a.b", "d/日本", "d/a_b", "d/0", "e"}
	for _, k := range keys {
		put(t, s, k, k, nil)
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if diff := cmp.Diff(want, listKeys(t, s, "")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[:len(want)-1], listKeys(t, s, "d/")); diff != "" {
		t.Errorf("List d/ (-want +got):\n%s", diff)
	}
	n := 0
	for o, err := range s.List(context.Background(), "d/") {
		if err != nil {
			t.Fatal(err)
		}
		if o.Size != int64(len(o.Key)) || o.ModTime.IsZero() {
			t.Errorf("object %+v: want Size %d and a ModTime", o, len(o.Key))
		}
		if n++; n == 4 {
			break
		}
	}
}

// TestListSkipsForeignNames: blobs written by other tools under names that
// are not valid keys are not listed.
func TestListSkipsForeignNames(t *testing.T) {
	c := newContainer(t, nil)
	s, err := azblobstore.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a//b", "a/b/", "ok"} {
		_, err := c.NewBlockBlobClient(name).Upload(context.Background(), streaming.NopCloser(strings.NewReader("x")), nil)
		if err != nil {
			t.Fatalf("raw upload %q: %v", name, err)
		}
	}
	if diff := cmp.Diff([]string{"ok"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

// TestErrorsCarrySDKError: the sentinel and the SDK's error are both
// reachable, and the error names the key.
func TestErrorsCarrySDKError(t *testing.T) {
	s := newStore(t, nil)
	ctx := context.Background()
	tests := []struct {
		name     string
		call     func() error
		sentinel error
		code     string
	}{
		{"get missing", func() error { _, err := s.Get(ctx, "missing"); return err }, storage.ErrNotExist, "BlobNotFound"},
		{"delete missing", func() error { return s.Delete(ctx, "missing") }, storage.ErrNotExist, "BlobNotFound"},
		{"create existing", func() error {
			put(t, s, "there", "1", nil)
			return s.Put(ctx, "there", strings.NewReader("2"), &storage.PutOptions{IfNotExist: true})
		}, storage.ErrExist, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("error %v: want %v", err, tt.sentinel)
			}
			var re *azcore.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error %v: no *azcore.ResponseError inside", err)
			}
			if tt.code != "" && re.ErrorCode != tt.code {
				t.Errorf("ErrorCode = %q, want %q", re.ErrorCode, tt.code)
			}
			var se *storage.KeyError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), fmt.Sprintf("%q", se.Key)) {
				t.Errorf("error %v: want a *storage.KeyError naming the key", err)
			}
		})
	}
}

// TestMissingContainer: a missing container is not a missing key.
func TestMissingContainer(t *testing.T) {
	c := newContainer(t, nil)
	ctx := context.Background()
	if _, err := c.Delete(ctx, nil); err != nil {
		t.Fatal(err)
	}
	s, err := azblobstore.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "k"); err == nil || errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get in a missing container: %v, want an error other than ErrNotExist", err)
	}
	if err := s.Put(ctx, "k", strings.NewReader("x"), nil); err == nil {
		t.Error("Put in a missing container succeeded")
	}
	for _, err := range s.List(ctx, "") {
		if err == nil {
			t.Error("List of a missing container yielded an object")
		}
	}
	// Recreate it so that the cleanup's Delete succeeds.
	if _, err := c.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// TestPrefixLimitsKeyLength: Blob Storage limits blob names to 1024
// characters; the store bounds prefix+key to 1024 bytes (a conservative
// reading for non-ASCII names), refusing longer keys before any request.
func TestPrefixLimitsKeyLength(t *testing.T) {
	s := newStore(t, &azblobstore.Options{Prefix: "p/"})
	ctx := context.Background()
	fits := longKey(storage.MaxKeyLen - 2)
	tooLong := fits + "k"
	put(t, s, fits, "x", nil)
	err := s.Put(ctx, tooLong, strings.NewReader("x"), nil)
	var ke *storage.KeyError
	if !errors.Is(err, storage.ErrInvalidKey) || !errors.As(err, &ke) || ke.Rule != storage.RuleLength || ke.Op != "put" {
		t.Errorf("Put of a %d-byte key under a 2-byte prefix: %v, want a KeyError{Op: put, Rule: length}", len(tooLong), err)
	}
	if _, err := s.Get(ctx, tooLong); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Get: %v, want ErrInvalidKey", err)
	}
	if err := s.Delete(ctx, tooLong); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Delete: %v, want ErrInvalidKey", err)
	}
	if diff := cmp.Diff([]string{fits}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

// longKey returns a valid key of n bytes, made of 200-byte elements.
func longKey(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(strings.Repeat("k", min(200, n-b.Len())))
	}
	return b.String()
}

// cancelAfter is a reader of n bytes that cancels its context once it has
// yielded at cancelAt bytes, and counts what it yields.
type cancelAfter struct {
	n, cancelAt, read int
	cancel            context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.read >= c.n {
		return 0, io.EOF
	}
	k := min(len(p), c.n-c.read, 32<<10)
	clear(p[:k])
	c.read += k
	if c.read >= c.cancelAt {
		c.cancel()
	}
	return k, nil
}

// TestStreamedPutCanceled: cancelling the context while a large object is
// streamed stops the reading at once and stores nothing.
func TestStreamedPutCanceled(t *testing.T) {
	s := newStore(t, &azblobstore.Options{BlockSize: azblobstore.MinBlockSize, Concurrency: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelAfter{n: 16 << 20, cancelAt: 3 << 20, cancel: cancel}
	if err := s.Put(ctx, "big", r, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put: %v, want context.Canceled", err)
	}
	if r.read > 4<<20 {
		t.Errorf("Put read %d bytes after cancellation at %d, want it to stop at once", r.read, r.cancelAt)
	}
	if _, err := s.Get(context.Background(), "big"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get after a cancelled Put: %v, want ErrNotExist", err)
	}
}
