package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/internal/storeutil"
)

// MaxPutObjectSize is the largest object a single S3 PutObject request
// accepts (5 GiB), and the default of [Options.MaxObjectSize].
const MaxPutObjectSize int64 = 5 << 30

// ErrTooLarge is returned, wrapped in a *storage.KeyError, by [Store.Put]
// when the reader yields more than [Options.MaxObjectSize] bytes, and by
// PutBatch for such an object. Nothing is stored.
var ErrTooLarge = errors.New("s3store: object too large")

// Options configures a [Store]. A nil *Options means the zero Options, whose
// fields all have the defaults documented below. New copies what it needs, so
// the caller may reuse or change the struct afterwards.
type Options struct {
	// Prefix is prepended to every key before it is sent to S3 and stripped
	// from the keys that List yields, so that several stores can share one
	// bucket. It is "" (the default: keys are object names as they are) or a
	// valid key followed by a single "/", such as "tenant-42/" or
	// "prod/ledgersink/".
	Prefix string

	// UsePathStyle addresses the bucket as https://host/bucket/key instead of
	// https://bucket.host/key, on every request this store makes. Most
	// S3-compatible servers (MinIO, Ceph RGW, gofakes3, LocalStack without
	// DNS) need it. The same setting can be made on the client instead
	// (s3.Options.UsePathStyle); either one is enough.
	UsePathStyle bool

	// MaxObjectSize bounds the bytes that Put reads from its reader (and so
	// holds in memory, see [Store.Put]). Zero or a value above
	// MaxPutObjectSize means MaxPutObjectSize.
	MaxObjectSize int64

	// ListPageSize is the number of keys asked for in each ListObjectsV2
	// request. Zero means the server's default (1000 on AWS).
	ListPageSize int32

	// BatchConcurrency is the number of PutObject requests that PutBatch
	// keeps in flight. Zero or less means DefaultBatchConcurrency.
	BatchConcurrency int
}

// Store is a [storage.Store] kept in one S3 bucket, optionally under a key
// prefix. Create it with [New]. A Store holds no mutable state: it is safe
// for concurrent use by multiple goroutines, as the *s3.Client it wraps is.
type Store struct {
	client    *s3.Client
	bucket    string
	prefix    string
	maxSize   int64
	pageSize  int32
	batchConc int
	optFns    []func(*s3.Options)
}

var _ storage.Store = (*Store)(nil)

// New returns a Store that keeps its objects in bucket through client.
//
// New makes no request: a missing bucket or wrong credentials show up on the
// first call. It returns an error if client is nil, bucket is empty, or
// opts.Prefix is neither "" nor a valid key followed by "/" (that error
// matches [storage.ErrInvalidKey]). A nil opts means the zero [Options].
func New(client *s3.Client, bucket string, opts *Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("s3store: nil *s3.Client")
	}
	if bucket == "" {
		return nil, errors.New("s3store: empty bucket name")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := checkPrefix(o.Prefix); err != nil {
		return nil, err
	}
	s := &Store{
		client:   client,
		bucket:   bucket,
		prefix:   o.Prefix,
		maxSize:  o.MaxObjectSize,
		pageSize: o.ListPageSize,
	}
	if s.maxSize <= 0 || s.maxSize > MaxPutObjectSize {
		s.maxSize = MaxPutObjectSize
	}
	if s.pageSize < 0 {
		s.pageSize = 0
	}
	s.batchConc = o.BatchConcurrency
	if s.batchConc <= 0 {
		s.batchConc = DefaultBatchConcurrency
	}
	if o.UsePathStyle {
		s.optFns = []func(*s3.Options){func(so *s3.Options) { so.UsePathStyle = true }}
	}
	return s, nil
}

// checkPrefix accepts "" and "<valid key>/".
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	body, ok := strings.CutSuffix(prefix, "/")
	if !ok {
		return fmt.Errorf("s3store: prefix %q must end with %q: %w", prefix, "/", storage.ErrInvalidKey)
	}
	if err := storage.CheckKey("", body); err != nil {
		return fmt.Errorf("s3store: prefix %q: %w", prefix, err)
	}
	return nil
}

// Bucket returns the bucket name given to [New].
func (s *Store) Bucket() string { return s.bucket }

// Prefix returns the key prefix given in [Options.Prefix].
func (s *Store) Prefix() string { return s.prefix }

// Put stores the bytes read from r under key with a single PutObject request.
//
// S3 needs the length of a body before it is sent, and r may be of unknown
// length, so Put first reads r to its end into memory (at most
// [Options.MaxObjectSize] bytes) and only then sends the request. Hence:
//   - if r fails, or yields more than MaxObjectSize bytes, nothing is sent and
//     nothing is stored; the error wraps the reader's error or [ErrTooLarge];
//   - the object becomes visible whole or not at all (PutObject is atomic);
//   - memory use is the object's size: this store suits event files and
//     reports, not multi-gigabyte exports.
//
// ctx bounds the request and the reading: Put stops reading r once ctx is
// done (between two Reads; a blocked Read is not interrupted). A cancelled or
// expired ctx gives an error matching ctx.Err(), and nothing is stored unless
// S3 had already committed the object.
//
// With opts.IfNotExist the request carries If-None-Match: * and S3 itself
// refuses to overwrite: a 412 PreconditionFailed gives an error matching
// [storage.ErrExist], and the existing object is untouched. Two concurrent
// create-only Puts of one key are decided by S3: exactly one wins. S3 may
// also answer 409 ConditionalRequestConflict while another write of the key is
// in flight; that error is returned as is (it does not match ErrExist: retry).
// The SDK retries failed requests; if the first attempt of a create-only Put
// committed but its response was lost, the retry reports ErrExist for the
// object this very call wrote. Callers that retry writes should, as package
// sink does, compare the stored bytes on ErrExist.
//
// opts.ContentType, if set, is stored as the object's Content-Type. A nil opts
// means the zero [storage.PutOptions]. An invalid key gives an error matching
// [storage.ErrInvalidKey] before any I/O. Other failures are returned as an
// *storage.KeyError wrapping the SDK's error.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if err := storage.CheckKeyUnder("put", s.prefix, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return storeutil.KeyErr("put", key, err)
	}
	data, ke := storeutil.ReadBody(ctx, "put", key, r, s.maxSize+1)
	if ke != nil {
		return ke
	}
	if ke := s.putBytes(ctx, "put", key, data, storeutil.Opts(opts)); ke != nil {
		return ke
	}
	return nil
}

// putBytes sends data with one PutObject request. It returns nil or a
// *storage.KeyError with the given op. data is not retained.
func (s *Store) putBytes(ctx context.Context, op, key string, data []byte, po storage.PutOptions) *storage.KeyError {
	if int64(len(data)) > s.maxSize {
		return storeutil.KeyErr(op, key, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.maxSize))
	}
	if err := ctx.Err(); err != nil {
		return storeutil.KeyErr(op, key, err)
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	}
	if po.ContentType != "" {
		in.ContentType = aws.String(po.ContentType)
	}
	if po.IfNotExist {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := s.client.PutObject(ctx, in, s.optFns...); err != nil {
		if po.IfNotExist && isPreconditionFailed(err) {
			return storeutil.KindErr(op, key, storage.ErrExist, err)
		}
		return storeutil.FailErr(ctx, op, key, err)
	}
	return nil
}

// Get opens the object stored under key with a GetObject request. The caller
// must Close the returned reader; reading it streams the object from S3 and
// stops with an error once ctx is done.
//
// A missing key (S3's NoSuchKey) gives an error matching
// [storage.ErrNotExist]. An invalid key gives an error matching
// [storage.ErrInvalidKey] before any I/O. A done ctx gives an error matching
// ctx.Err(). Other failures are returned as a *storage.KeyError wrapping
// the SDK's error (a missing bucket is such a failure, not ErrNotExist).
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.CheckKeyUnder("get", s.prefix, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, storeutil.KeyErr("get", key, err)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	}, s.optFns...)
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, storeutil.KindErr("get", key, storage.ErrNotExist, err)
		}
		return nil, storeutil.FailErr(ctx, "get", key, err)
	}
	return out.Body, nil
}

// List yields the objects whose keys start with prefix, in ascending byte
// order of their keys (S3 lists in UTF-8 binary order, which is byte order),
// with their Size and ModTime (S3's LastModified, to the second). It pages
// through ListObjectsV2 lazily: stopping the iteration early sends no further
// request.
//
// Objects of the bucket whose names, once [Options.Prefix] is stripped, are
// not valid keys (written there by other tools, such as "a//b") are skipped:
// this store could not Get or Delete them. S3 listings are strongly
// consistent since December 2020; S3-compatible servers may lag.
//
// A prefix that no valid key can start with (see [storage.CheckPrefix])
// yields one error matching [storage.ErrInvalidKey], before any request. A
// failed request, or a done ctx, yields one *storage.KeyError as the last
// pair (matching ctx.Err() when ctx is done) and ends the iteration.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Object, error] {
	return func(yield func(storage.Object, error) bool) {
		if err := storage.CheckPrefix("list", prefix); err != nil {
			yield(storage.Object{}, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(storage.Object{}, storeutil.KeyErr("list", prefix, err))
			return
		}
		if len(s.prefix)+len(prefix) > storage.MaxKeyLen {
			return // no name the service accepts starts with it
		}
		in := &s3.ListObjectsV2Input{
			Bucket: aws.String(s.bucket),
			Prefix: aws.String(s.prefix + prefix),
		}
		p := s3.NewListObjectsV2Paginator(s.client, in, func(po *s3.ListObjectsV2PaginatorOptions) {
			po.Limit = s.pageSize
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx, s.optFns...)
			if err != nil {
				yield(storage.Object{}, storeutil.FailErr(ctx, "list", prefix, err))
				return
			}
			for _, o := range page.Contents {
				key, ok := strings.CutPrefix(aws.ToString(o.Key), s.prefix)
				if !ok || !storage.ValidKey(key) {
					continue
				}
				obj := storage.Object{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)}
				if !yield(obj, nil) {
					return
				}
			}
		}
	}
}

// Delete removes the object stored under key.
//
// S3's DeleteObject succeeds whether or not the object exists, so Delete
// first sends a HeadObject request and reports a missing key (404) as an
// error matching [storage.ErrNotExist]; then it sends DeleteObject. Between
// the two requests another writer may delete or create the key: two
// concurrent Deletes of one object may both succeed, and a Delete racing a
// Put may remove the new object. Callers that need "deleted exactly once"
// must serialize their deletes. A missing bucket also answers 404 to
// HeadObject (with no body to tell them apart), so it is reported as
// ErrNotExist too.
//
// An invalid key gives an error matching [storage.ErrInvalidKey] before any
// I/O. A done ctx gives an error matching ctx.Err(). Other failures are
// returned as a *storage.KeyError wrapping the SDK's error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKeyUnder("delete", s.prefix, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return storeutil.KeyErr("delete", key, err)
	}
	_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	}, s.optFns...)
	if err != nil {
		if isNotFound(err) {
			return storeutil.KindErr("delete", key, storage.ErrNotExist, err)
		}
		return storeutil.FailErr(ctx, "delete", key, err)
	}
	_, err = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	}, s.optFns...)
	if err != nil {
		return storeutil.FailErr(ctx, "delete", key, err)
	}
	return nil
}

// isPreconditionFailed reports S3's answer to a failed If-None-Match.
func isPreconditionFailed(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "PreconditionFailed" {
		return true
	}
	return httpStatus(err) == http.StatusPreconditionFailed
}

// isNotFound reports a HeadObject 404 (or a NoSuchKey from servers that send
// a body with it).
func isNotFound(err error) bool {
	var nf *types.NotFound
	var nsk *types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket" {
		return false
	}
	return httpStatus(err) == http.StatusNotFound
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
