package s3store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/s3store"
)

// The benchmarks run against gofakes3 on loopback: they measure the store's
// overhead over the SDK, not S3's latency. Each pairs the store with a
// ceiling doing the same work the plainest way.

var payload1KiB = bytes.Repeat([]byte("0123456789abcdef"), 64)

// BenchmarkPut1KiB: Store.Put of a 1 KiB object, create-only off.
func BenchmarkPut1KiB(b *testing.B) {
	s, _ := newStore(b, nil)
	ctx := context.Background()
	b.SetBytes(int64(len(payload1KiB)))
	for b.Loop() {
		if err := s.Put(ctx, "bench/k", bytes.NewReader(payload1KiB), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut1KiBCeilingSDK: the same write as one raw PutObject call.
func BenchmarkPut1KiBCeilingSDK(b *testing.B) {
	f := startFakeS3(b)
	c := newClient(f, true)
	ctx := context.Background()
	b.SetBytes(int64(len(payload1KiB)))
	for b.Loop() {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String("bench/k"),
			Body: bytes.NewReader(payload1KiB), ContentLength: aws.Int64(int64(len(payload1KiB))),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
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

// batchRTT stands for the network round trip to S3 in the batch
// benchmarks: without it, on loopback, the client and server share the same
// two cores and concurrency cannot show.
const batchRTT = 5 * time.Millisecond

func newLatencyStore(b *testing.B) storage.Store {
	f := startFakeS3Latency(b, batchRTT)
	s, err := s3store.New(newClient(f, true), bucket, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPutBatch100x1KiB: storage.PutBatch of 100 objects through the
// store's concurrent PutBatch (8 requests in flight), with a 5 ms round trip.
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
