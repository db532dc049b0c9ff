package s3store_test

// These tests run the store against gofakes3 (github.com/johannesboyne/gofakes3,
// in-memory backend s3mem), a real S3-protocol server served over HTTP on
// loopback by httptest inside the test process. Every request goes through the
// AWS SDK for Go v2 exactly as it would to AWS: SigV4 signing, REST/XML, the
// SDK's own error decoding. gofakes3 enforces If-None-Match: * on PutObject
// itself, atomically under its backend lock, so no test middleware fakes the
// conditional put; the recorder below only observes requests.
//
// What this does NOT verify: AWS-only behaviour such as 409
// ConditionalRequestConflict, eventual consistency of S3-compatible servers,
// real credentials, TLS, or virtual-hosted addressing through DNS.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/s3store"
)

const bucket = "ledgersink-test"

// fakeS3 is one gofakes3 server on loopback with a recorder of the requests
// it received.
type fakeS3 struct {
	URL     string
	Backend *s3mem.Backend

	mu       sync.Mutex
	requests []*http.Request // clones, bodies not kept
}

func (f *fakeS3) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Clone(context.Background()))
		f.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// Requests returns the requests received so far, in arrival order.
func (f *fakeS3) Requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// startFakeS3 starts a gofakes3 server with an empty bucket named bucket; the
// server stops when the test ends.
func startFakeS3(t testing.TB) *fakeS3 { return startFakeS3Latency(t, 0) }

// startFakeS3Latency is startFakeS3 with every request held for latency
// before it is served, to stand for a network round trip (benchmarks only).
func startFakeS3Latency(t testing.TB, latency time.Duration) *fakeS3 {
	t.Helper()
	f := &fakeS3{Backend: s3mem.New()}
	if err := f.Backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(f.Backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	h := f.record(faker.Server())
	if latency > 0 {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(latency)
			next.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// newClient returns an SDK client for f, with static test credentials.
func newClient(f *fakeS3, pathStyle bool) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(f.URL),
		UsePathStyle: pathStyle,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "SECRETTEST", Source: "test"}, nil
		}),
	})
}

func newStore(t testing.TB, opts *s3store.Options) (*s3store.Store, *fakeS3) {
	t.Helper()
	f := startFakeS3(t)
	s, err := s3store.New(newClient(f, true), bucket, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, f
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

func TestNewRejects(t *testing.T) {
	f := startFakeS3(t)
	c := newClient(f, true)
	tests := []struct {
		name       string
		client     *s3.Client
		bucket     string
		opts       *s3store.Options
		invalidKey bool
	}{
		{name: "nil client", client: nil, bucket: bucket},
		{name: "empty bucket", client: c, bucket: ""},
		{name: "prefix without slash", client: c, bucket: bucket, opts: &s3store.Options{Prefix: "a"}, invalidKey: true},
		{name: "prefix is a slash", client: c, bucket: bucket, opts: &s3store.Options{Prefix: "/"}, invalidKey: true},
		{name: "prefix with dot-dot", client: c, bucket: bucket, opts: &s3store.Options{Prefix: "a/../"}, invalidKey: true},
		{name: "prefix with double slash", client: c, bucket: bucket, opts: &s3store.Options{Prefix: "a//"}, invalidKey: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := s3store.New(tt.client, tt.bucket, tt.opts)
			if err == nil || s != nil {
				t.Fatalf("New = %v, %v; want nil and an error", s, err)
			}
			if got := errors.Is(err, storage.ErrInvalidKey); got != tt.invalidKey {
				t.Errorf("errors.Is(%v, ErrInvalidKey) = %v, want %v", err, got, tt.invalidKey)
			}
		})
	}
}

func TestNewDoesNotAliasOptions(t *testing.T) {
	f := startFakeS3(t)
	opts := &s3store.Options{Prefix: "p/"}
	s, err := s3store.New(newClient(f, true), bucket, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Prefix = "q/"
	if got := s.Prefix(); got != "p/" {
		t.Errorf("Prefix() = %q after changing the caller's Options, want %q", got, "p/")
	}
	if got := s.Bucket(); got != bucket {
		t.Errorf("Bucket() = %q, want %q", got, bucket)
	}
}

// TestWireRequests checks what the store actually sends: create-only puts
// carry If-None-Match: * and plain ones do not, every put has a
// Content-Length, and Delete probes with HEAD before DELETE.
func TestWireRequests(t *testing.T) {
	s, f := newStore(t, nil)
	put(t, s, "a/plain", "one", nil)
	put(t, s, "a/create", "two", &storage.PutOptions{IfNotExist: true, ContentType: "application/json"})
	if err := s.Delete(context.Background(), "a/plain"); err != nil {
		t.Fatal(err)
	}
	type req struct{ Method, Path, IfNoneMatch, ContentType string }
	var got []req
	for _, r := range f.Requests() {
		if r.Method == http.MethodPut && r.ContentLength < 0 && r.Header.Get("Content-Length") == "" {
			t.Errorf("%s %s has no Content-Length", r.Method, r.URL.Path)
		}
		ct := ""
		if r.Method == http.MethodPut {
			ct = r.Header.Get("Content-Type")
		}
		got = append(got, req{r.Method, r.URL.Path, r.Header.Get("If-None-Match"), ct})
	}
	want := []req{
		{Method: "PUT", Path: "/" + bucket + "/a/plain", ContentType: "application/octet-stream"}, // the SDK's default
		{Method: "PUT", Path: "/" + bucket + "/a/create", IfNoneMatch: "*", ContentType: "application/json"},
		{Method: "HEAD", Path: "/" + bucket + "/a/plain"},
		{Method: "DELETE", Path: "/" + bucket + "/a/plain"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestUsePathStyleOption: with a client configured for virtual-hosted
// addressing (bucket in the host name), the store's UsePathStyle option puts
// the bucket in the path instead. The endpoint is a host name, not an IP
// address (for which the SDK picks path style by itself); a custom dialer
// sends every connection to the loopback server.
func TestUsePathStyleOption(t *testing.T) {
	tests := []struct {
		name      string
		pathStyle bool
		wantHost  string
		wantPath  string
	}{
		{name: "path style", pathStyle: true, wantHost: "s3.example.test", wantPath: "/" + bucket + "/k"},
		{name: "virtual hosted", pathStyle: false, wantHost: bucket + ".s3.example.test", wantPath: "/k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeS3(t)
			addr := strings.TrimPrefix(f.URL, "http://")
			c := s3.New(s3.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String("http://s3.example.test"),
				Credentials:  aws.AnonymousCredentials{},
				HTTPClient: &http.Client{Transport: &http.Transport{
					DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
						return (&net.Dialer{}).DialContext(ctx, network, addr)
					},
				}},
			})
			s, err := s3store.New(c, bucket, &s3store.Options{UsePathStyle: tt.pathStyle})
			if err != nil {
				t.Fatal(err)
			}
			// The request reaches gofakes3 either way; only path style names
			// the bucket in a way gofakes3 (without host-bucket routing)
			// understands, so only the host and path are checked here.
			_ = s.Put(context.Background(), "k", strings.NewReader("v"), nil)
			reqs := f.Requests()
			if len(reqs) == 0 {
				t.Fatal("no request reached the server")
			}
			if r := reqs[0]; r.Host != tt.wantHost || r.URL.Path != tt.wantPath {
				t.Errorf("request to host %q path %q, want host %q path %q", r.Host, r.URL.Path, tt.wantHost, tt.wantPath)
			}
			if tt.pathStyle {
				if got := get(t, s, "k"); got != "v" {
					t.Errorf("Get = %q, want %q", got, "v")
				}
			}
		})
	}
}

// TestPrefix: two stores sharing a bucket under different prefixes see only
// their own objects, List strips the prefix, and the bucket holds the full
// names.
func TestPrefix(t *testing.T) {
	f := startFakeS3(t)
	c := newClient(f, true)
	a, err := s3store.New(c, bucket, &s3store.Options{Prefix: "tenant-a/"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s3store.New(c, bucket, &s3store.Options{Prefix: "tenant-b/"})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := s3store.New(c, bucket, nil)
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
		t.Errorf("whole bucket (-want +got):\n%s", diff)
	}
	if got := get(t, b, "x/1.json"); got != "b1" {
		t.Errorf("b.Get = %q, want %q", got, "b1")
	}
	// Create-only is per full object name: b's x/1.json does not block a's
	// x/1.json, and the reverse.
	err = a.Put(context.Background(), "x/1.json", strings.NewReader("again"), &storage.PutOptions{IfNotExist: true})
	if !errors.Is(err, storage.ErrExist) {
		t.Errorf("a.Put create-only over its own object: %v, want ErrExist", err)
	}
	if err := b.Delete(context.Background(), "x/2.json"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("b.Delete of a's key: %v, want ErrNotExist", err)
	}
}

// TestListPagination lists more objects than one page holds, with and
// without a prefix, and stops early.
func TestListPagination(t *testing.T) {
	s, f := newStore(t, &s3store.Options{ListPageSize: 3, Prefix: "p/"})
	var want []string
	for i := range 10 {
		k := fmt.Sprintf("d/%02d", 9-i) // written out of order
		put(t, s, k, k, nil)
		want = append(want, fmt.Sprintf("d/%02d", i))
	}
	put(t, s, "e", "e", nil)
	if diff := cmp.Diff(want, listKeys(t, s, "d/")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(append(slices.Clone(want), "e"), listKeys(t, s, "")); diff != "" {
		t.Errorf("List all (-want +got):\n%s", diff)
	}

	before := len(f.Requests())
	n := 0
	for o, err := range s.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		if o.Size != int64(len(o.Key)) || o.ModTime.IsZero() {
			t.Errorf("object %+v: want Size %d and a ModTime", o, len(o.Key))
		}
		n++
		if n == 2 {
			break
		}
	}
	if got := len(f.Requests()) - before; got != 1 {
		t.Errorf("stopping after 2 objects sent %d list requests, want 1", got)
	}
}

// TestListSkipsForeignNames: objects written to the bucket by other tools
// under names that are not valid keys are not listed.
func TestListSkipsForeignNames(t *testing.T) {
	s, f := newStore(t, nil)
	raw := newClient(f, true)
	for _, name := range []string{"a//b", "a/./b", "a/b/", "ok"} {
		_, err := raw.PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(name), Body: strings.NewReader("x"),
		})
		if err != nil {
			t.Fatalf("raw PutObject(%q): %v", name, err)
		}
	}
	if diff := cmp.Diff([]string{"ok"}, listKeys(t, s, "")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

func TestPutTooLarge(t *testing.T) {
	s, _ := newStore(t, &s3store.Options{MaxObjectSize: 4})
	put(t, s, "fits", "1234", nil)
	err := s.Put(context.Background(), "big", strings.NewReader("12345"), nil)
	if !errors.Is(err, s3store.ErrTooLarge) {
		t.Fatalf("Put of 5 bytes with MaxObjectSize 4: %v, want ErrTooLarge", err)
	}
	var se *storage.KeyError
	if !errors.As(err, &se) || se.Op != "put" || se.Key != "big" {
		t.Errorf("error %#v: want *storage.KeyError{Op: put, Key: big}", err)
	}
	if _, err := s.Get(context.Background(), "big"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get after a refused Put: %v, want ErrNotExist", err)
	}
}

// TestPutReaderFailsAfterData: a reader failing after some bytes sends no
// request at all.
func TestPutReaderFailsAfterData(t *testing.T) {
	s, f := newStore(t, nil)
	put(t, s, "k", "old", nil)
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("new data..."), iotest.ErrReader(boom))
	before := len(f.Requests())
	if err := s.Put(context.Background(), "k", r, nil); !errors.Is(err, boom) {
		t.Fatalf("Put: %v, want the reader's error", err)
	}
	if got := len(f.Requests()) - before; got != 0 {
		t.Errorf("a failing reader sent %d requests, want 0", got)
	}
	if got := get(t, s, "k"); got != "old" {
		t.Errorf("Get = %q, want the old object", got)
	}
}

// TestErrorsCarrySDKError: the sentinel and the SDK's error are both
// reachable.
func TestErrorsCarrySDKError(t *testing.T) {
	s, _ := newStore(t, nil)
	_, err := s.Get(context.Background(), "missing")
	if !errors.Is(err, storage.ErrNotExist) {
		t.Fatalf("Get: %v, want ErrNotExist", err)
	}
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchKey" {
		t.Errorf("Get error %v: want an SDK API error with code NoSuchKey", err)
	}
	if !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("error %q does not name the key", err)
	}
}

// TestMissingBucket: a missing bucket is not a missing key.
func TestMissingBucket(t *testing.T) {
	f := startFakeS3(t)
	s, err := s3store.New(newClient(f, true), "no-such-bucket", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(context.Background(), "k"); err == nil || errors.Is(err, storage.ErrNotExist) {
		t.Errorf("Get in a missing bucket: %v, want an error other than ErrNotExist", err)
	}
	if err := s.Put(context.Background(), "k", bytes.NewReader(nil), nil); err == nil {
		t.Error("Put in a missing bucket succeeded")
	}
	for _, err := range s.List(context.Background(), "") {
		if err == nil {
			t.Error("List of a missing bucket yielded an object")
		}
	}
}

// TestPrefixLimitsKeyLength: S3 limits object names to 1024 bytes, so under
// a prefix the longest keys are refused before any request, with the rule
// storage.RuleLength.
func TestPrefixLimitsKeyLength(t *testing.T) {
	s, f := newStore(t, &s3store.Options{Prefix: "p/"})
	ctx := context.Background()
	fits := longKey(storage.MaxKeyLen - 2)
	tooLong := fits + "k"
	put(t, s, fits, "x", nil)
	before := len(f.Requests())
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
	if got := listKeys(t, s, tooLong); len(got) != 0 {
		t.Errorf("List(too long) = %q, want nothing", got)
	}
	if got := len(f.Requests()) - before; got != 0 {
		t.Errorf("%d requests sent for too-long keys, want 0", got)
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
// yielded cancelAt bytes, and counts what it yields.
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

// TestPutCanceledWhileReading: cancelling the context while Put buffers its
// reader stops the reading at once and sends nothing.
func TestPutCanceledWhileReading(t *testing.T) {
	s, f := newStore(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelAfter{n: 16 << 20, cancelAt: 1 << 20, cancel: cancel}
	before := len(f.Requests())
	if err := s.Put(ctx, "big", r, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put: %v, want context.Canceled", err)
	}
	if r.read > 2<<20 {
		t.Errorf("Put read %d bytes after cancellation at %d, want it to stop at once", r.read, r.cancelAt)
	}
	if got := len(f.Requests()) - before; got != 0 {
		t.Errorf("a cancelled Put sent %d requests, want 0", got)
	}
}
