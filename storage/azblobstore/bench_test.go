package azblobstore_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/azblobstore"
)

// The benchmarks run against Azurite on loopback: they measure the store's
// overhead over the SDK, not Azure's latency. Each pairs the store with a
// ceiling doing the same work the plainest way.

var payload1KiB = bytes.Repeat([]byte("0123456789abcdef"), 64)

// BenchmarkPut1KiB: Store.Put of a 1 KiB blob, create-only off.
func BenchmarkPut1KiB(b *testing.B) {
	s := newStore(b, nil)
	ctx := context.Background()
	b.SetBytes(int64(len(payload1KiB)))
	for b.Loop() {
		if err := s.Put(ctx, "bench/k", bytes.NewReader(payload1KiB), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut1KiBCeilingSDK: the same write as one raw blockblob Upload.
func BenchmarkPut1KiBCeilingSDK(b *testing.B) {
	bb := newContainer(b, nil).NewBlockBlobClient("bench/k")
	ctx := context.Background()
	b.SetBytes(int64(len(payload1KiB)))
	for b.Loop() {
		if _, err := bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(payload1KiB)), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// slowTransport holds every request for a fixed time before sending it, to
// stand for a network round trip: on loopback the client and Azurite share
// the same two cores and concurrency cannot show.
type slowTransport struct {
	d time.Duration
	c *http.Client
}

func (s slowTransport) Do(req *http.Request) (*http.Response, error) {
	time.Sleep(s.d)
	return s.c.Do(req)
}

const batchRTT = 5 * time.Millisecond

func newLatencyStore(b *testing.B) storage.Store {
	// Keep enough idle connections for the batch's concurrent uploads.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	b.Cleanup(tr.CloseIdleConnections)
	s, err := azblobstore.New(newContainer(b, slowTransport{d: batchRTT, c: &http.Client{Transport: tr}}), nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func batch100() []storage.BatchObject {
	objs := make([]storage.BatchObject, 100)
	for i := range objs {
		objs[i] = storage.BatchObject{Key: fmt.Sprintf("bench/%03d.json", i), Data: payload1KiB}
	}
	return objs
}

// loopOnly hides the store's Batcher, so storage.PutBatch loops over Put.
type loopOnly struct{ storage.Store }

// BenchmarkPutBatch100x1KiB: storage.PutBatch of 100 blobs through the
// store's concurrent PutBatch (8 uploads at once), with a 5 ms round trip.
func BenchmarkPutBatch100x1KiB(b *testing.B) {
	s := newLatencyStore(b)
	objs := batch100()
	b.SetBytes(int64(len(objs) * len(payload1KiB)))
	for b.Loop() {
		if err := storage.PutBatch(context.Background(), s, objs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutBatch100x1KiBCeilingLoop: the same batch as a loop of Puts,
// which is what storage.PutBatch does for a store without PutBatch, with the
// same 5 ms round trip.
func BenchmarkPutBatch100x1KiBCeilingLoop(b *testing.B) {
	s := newLatencyStore(b)
	objs := batch100()
	b.SetBytes(int64(len(objs) * len(payload1KiB)))
	for b.Loop() {
		if err := storage.PutBatch(context.Background(), loopOnly{s}, objs, nil); err != nil {
			b.Fatal(err)
		}
	}
}
