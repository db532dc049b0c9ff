package azblobstore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/internal/storeutil"
)

// Block sizes accepted by [Options.BlockSize].
const (
	MinBlockSize     int64 = 1 << 20   // 1 MiB: the Azure SDK's smallest streaming buffer
	DefaultBlockSize int64 = 4 << 20   // 4 MiB
	MaxBlockSize     int64 = 256 << 20 // 256 MiB, well below Put Blob's and Put Block's limits
)

// Options configures a [Store]. A nil *Options means the zero Options, whose
// fields all have the defaults documented below. New copies what it needs, so
// the caller may reuse or change the struct afterwards.
type Options struct {
	// Prefix is prepended to every key to form the blob name, and stripped
	// from the names that List yields, so that several stores can share one
	// container. It is "" (the default: keys are blob names as they are) or a
	// valid key followed by a single "/", such as "tenant-42/".
	Prefix string

	// BlockSize decides how Put sends an object (see [Store.Put]): objects
	// of at most BlockSize bytes go in one Put Blob request, larger ones are
	// streamed as blocks of BlockSize bytes (at most 50,000 blocks: 195 GiB
	// with the default). Zero means DefaultBlockSize; other values are
	// clamped to [MinBlockSize, MaxBlockSize].
	BlockSize int64

	// Concurrency is the number of blocks a streamed Put uploads at once (and
	// so holds in memory). Zero means the Azure SDK's default (at least 8).
	Concurrency int

	// ListPageSize is the number of blobs asked for in each List Blobs
	// request. Zero means the service's default (5000).
	ListPageSize int32

	// BatchConcurrency is the number of blobs that PutBatch uploads at once.
	// Zero or less means DefaultBatchConcurrency.
	BatchConcurrency int
}

// Store is a [storage.Store] kept in one Azure Blob Storage container,
// optionally under a name prefix. Create it with [New]. A Store holds no
// mutable state: it is safe for concurrent use by multiple goroutines, as
// the *container.Client it wraps is.
type Store struct {
	client      *container.Client
	prefix      string
	blockSize   int64
	concurrency int
	pageSize    int32
	batchConc   int
}

var _ storage.Store = (*Store)(nil)

// New returns a Store that keeps its objects as block blobs in the container
// that client addresses.
//
// New makes no request: a missing container or wrong credentials show up on
// the first call. It returns an error if client is nil or opts.Prefix is
// neither "" nor a valid key followed by "/" (that error matches
// [storage.ErrInvalidKey]). A nil opts means the zero [Options].
func New(client *container.Client, opts *Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("azblobstore: nil *container.Client")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := checkPrefix(o.Prefix); err != nil {
		return nil, err
	}
	s := &Store{
		client:      client,
		prefix:      o.Prefix,
		blockSize:   o.BlockSize,
		concurrency: max(o.Concurrency, 0),
		pageSize:    max(o.ListPageSize, 0),
	}
	if s.blockSize == 0 {
		s.blockSize = DefaultBlockSize
	}
	s.blockSize = min(max(s.blockSize, MinBlockSize), MaxBlockSize)
	s.batchConc = o.BatchConcurrency
	if s.batchConc <= 0 {
		s.batchConc = DefaultBatchConcurrency
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
		return fmt.Errorf("azblobstore: prefix %q must end with %q: %w", prefix, "/", storage.ErrInvalidKey)
	}
	if err := storage.CheckKey("", body); err != nil {
		return fmt.Errorf("azblobstore: prefix %q: %w", prefix, err)
	}
	return nil
}

// Prefix returns the name prefix given in [Options.Prefix].
func (s *Store) Prefix() string { return s.prefix }

// Put stores the bytes read from r under key as a block blob.
//
// Put reads up to [Options.BlockSize] bytes from r. If r ends within them
// (the usual case for event files), the object is sent with one Put Blob
// request. Otherwise it is streamed: blocks of BlockSize bytes are staged
// with Put Block, several at a time, then committed with one Put Block List.
// Either way the blob changes in a single step on the service: a reader (or
// upload) failing midway leaves the previous blob, or no blob, exactly as it
// was; staged blocks that were never committed are invisible and the service
// discards them after a week. Memory use is at most BlockSize for a single
// request, about BlockSize × Concurrency when streaming.
//
// With opts.IfNotExist the request that commits the blob (Put Blob or Put
// Block List) carries If-None-Match: *, and the service itself refuses to
// overwrite: BlobAlreadyExists (409) or ConditionNotMet (412) give an error
// matching [storage.ErrExist], and the existing blob is untouched. Two
// concurrent create-only Puts of one key are decided by the service: exactly
// one wins. When streaming, the blocks are uploaded before the condition is
// checked, so a refused large Put costs its upload. The SDK retries failed
// requests; if the first attempt of a create-only Put committed but its
// response was lost, the retry reports ErrExist for the blob this very call
// wrote: callers that retry writes should, as package sink does, compare the
// stored bytes on ErrExist.
//
// ctx bounds every request and the reading of r: Put stops reading once ctx
// is done (between two Reads; a blocked Read is not interrupted). A cancelled
// or expired ctx gives an error matching ctx.Err().
//
// opts.ContentType, if set, is stored as the blob's Content-Type. A nil opts
// means the zero [storage.PutOptions]. An invalid key gives an error matching
// [storage.ErrInvalidKey] before any I/O. Other failures are returned as a
// *storage.KeyError wrapping the SDK's error or the reader's.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if err := storage.CheckKeyUnder("put", s.prefix, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return storeutil.KeyErr("put", key, err)
	}
	// Read the first block, and one byte more to know whether r ends there.
	// The buffer grows with the data: a 1 KiB event costs about 1 KiB.
	first, ke := storeutil.ReadBody(ctx, "put", key, r, s.blockSize+1)
	if ke != nil {
		return ke
	}
	var rest io.Reader
	if int64(len(first)) > s.blockSize {
		rest = &markedReader{ctx: ctx, r: r}
	}
	if ke := s.send(ctx, "put", key, first, rest, storeutil.Opts(opts)); ke != nil {
		return ke
	}
	return nil
}

// send commits the blob whose content is data followed by what rest yields:
// with one Put Blob request when rest is nil and data fits in a block,
// otherwise streamed in blocks. It returns nil or a *storage.KeyError with
// the given op. data is not retained.
func (s *Store) send(ctx context.Context, op, key string, data []byte, rest io.Reader, po storage.PutOptions) *storage.KeyError {
	if err := ctx.Err(); err != nil {
		return storeutil.KeyErr(op, key, err)
	}
	var headers *blob.HTTPHeaders
	if po.ContentType != "" {
		headers = &blob.HTTPHeaders{BlobContentType: to.Ptr(po.ContentType)}
	}
	var cond *blob.AccessConditions
	if po.IfNotExist {
		cond = &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}}
	}
	bb := s.client.NewBlockBlobClient(s.prefix + key)
	var err error
	if rest == nil && int64(len(data)) <= s.blockSize {
		_, err = bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{
			HTTPHeaders:      headers,
			AccessConditions: cond,
		})
	} else {
		body := io.Reader(bytes.NewReader(data))
		if rest != nil {
			body = io.MultiReader(body, rest)
		}
		_, err = bb.UploadStream(ctx, body, &blockblob.UploadStreamOptions{
			BlockSize:        s.blockSize,
			Concurrency:      s.concurrency,
			HTTPHeaders:      headers,
			AccessConditions: cond,
		})
	}
	if err != nil {
		var re *readError
		if errors.As(err, &re) {
			return storeutil.KeyErr(op, key, fmt.Errorf("reading the object: %w", re.err))
		}
		if po.IfNotExist && bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
			return storeutil.KindErr(op, key, storage.ErrExist, err)
		}
		return storeutil.FailErr(ctx, op, key, err)
	}
	return nil
}

// markedReader wraps the errors of the caller's reader in a *readError, to
// tell them from the SDK's own errors once UploadStream returns, and stops
// with ctx's error once ctx is done (UploadStream would otherwise read the
// whole reader before noticing).
type markedReader struct {
	ctx context.Context
	r   io.Reader
}

func (m *markedReader) Read(p []byte) (int, error) {
	if err := m.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err: err}
	}
	return n, err
}

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// Get opens the blob stored under key with a Get Blob request. The caller
// must Close the returned reader; reading it streams the blob and stops with
// an error once ctx is done. A download broken by a network error is resumed
// (up to 3 times) from where it stopped, on the same version of the blob
// only: if the blob was overwritten meanwhile, the read fails rather than
// return a mix of two versions.
//
// A missing blob (BlobNotFound) gives an error matching
// [storage.ErrNotExist]; a missing container does not (ContainerNotFound is
// a configuration error). An invalid key gives an error matching
// [storage.ErrInvalidKey] before any I/O. A done ctx gives an error matching
// ctx.Err(). Other failures are returned as a *storage.KeyError wrapping
// the SDK's error.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.CheckKeyUnder("get", s.prefix, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, storeutil.KeyErr("get", key, err)
	}
	resp, err := s.client.NewBlobClient(s.prefix+key).DownloadStream(ctx, nil)
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobNotFound) {
			return nil, storeutil.KindErr("get", key, storage.ErrNotExist, err)
		}
		return nil, storeutil.FailErr(ctx, "get", key, err)
	}
	// The retry reader resumes a broken download with a ranged request
	// conditioned on the blob's ETag (If-Match), so it never mixes two
	// versions of the blob: an overwrite mid-read fails the read instead.
	return resp.NewRetryReader(ctx, &blob.RetryReaderOptions{EarlyCloseAsError: true}), nil
}

// List yields the blobs whose keys start with prefix, in ascending byte order
// of their keys, with their Size (Content-Length) and ModTime
// (Last-Modified, to the second). It pages through List Blobs lazily:
// stopping the iteration early sends no further request.
//
// Blob Storage returns names in its own lexical order; List sorts each page
// into byte order. The two orders differ only for names that have, at the
// same position, a character in U+E000–U+FFFF and one above U+FFFF (such as
// an emoji); such names may come out of order across a page boundary.
//
// Blobs whose names, once [Options.Prefix] is stripped, are not valid keys
// (written there by other tools, such as "a//b") are skipped: this store
// could not Get or Delete them. Listing is strongly consistent on Azure.
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
		lo := &container.ListBlobsFlatOptions{Prefix: to.Ptr(s.prefix + prefix)}
		if s.pageSize > 0 {
			lo.MaxResults = to.Ptr(s.pageSize)
		}
		pager := s.client.NewListBlobsFlatPager(lo)
		var page []storage.Object
		for pager.More() {
			resp, err := pager.NextPage(ctx)
			if err != nil {
				yield(storage.Object{}, storeutil.FailErr(ctx, "list", prefix, err))
				return
			}
			page = page[:0]
			if resp.Segment != nil {
				for _, item := range resp.Segment.BlobItems {
					if item == nil || item.Name == nil {
						continue
					}
					key, ok := strings.CutPrefix(*item.Name, s.prefix)
					if !ok || !storage.ValidKey(key) {
						continue
					}
					o := storage.Object{Key: key}
					if p := item.Properties; p != nil {
						if p.ContentLength != nil {
							o.Size = *p.ContentLength
						}
						if p.LastModified != nil {
							o.ModTime = *p.LastModified
						}
					}
					page = append(page, o)
				}
			}
			slices.SortFunc(page, func(a, b storage.Object) int { return cmp.Compare(a.Key, b.Key) })
			for _, o := range page {
				if !yield(o, nil) {
					return
				}
			}
		}
	}
}

// Delete removes the blob stored under key (and its snapshots, if any) with
// one Delete Blob request. The service reports a missing blob itself
// (BlobNotFound), given as an error matching [storage.ErrNotExist]: of two
// concurrent Deletes of one blob, exactly one succeeds.
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
	_, err := s.client.NewBlobClient(s.prefix+key).Delete(ctx, &blob.DeleteOptions{
		DeleteSnapshots: to.Ptr(blob.DeleteSnapshotsOptionTypeInclude),
	})
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobNotFound) {
			return storeutil.KindErr("delete", key, storage.ErrNotExist, err)
		}
		return storeutil.FailErr(ctx, "delete", key, err)
	}
	return nil
}
