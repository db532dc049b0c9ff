package storage

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"time"
)

// Store is a flat namespace of objects addressed by slash-separated keys.
//
// Implementations must be safe for concurrent use by multiple goroutines,
// must check every key with [CheckKey] (and every List prefix with
// [CheckPrefix]) before doing any I/O, naming the operation ("put", "get",
// "delete", "list"), and must pass the conformance suite in package
// storagetest.
type Store interface {
	// Put stores the bytes read from r under key. It is atomic: a concurrent
	// Get or List sees either the previous object or the complete new one,
	// never a part. If r fails, or ctx is cancelled, before the object is
	// committed, Put leaves the previous state untouched and returns the
	// error (one matching ctx.Err() for cancellation, one wrapping r's error
	// for a failing reader).
	//
	// Put reads r to its end and does not retain r, or anything read from
	// it, after it returns: the caller may reuse its buffers at once.
	//
	// With opts.IfNotExist, Put fails with an error matching [ErrExist] when
	// the key already holds an object, and leaves that object untouched; of
	// several concurrent create-only Puts of one key, exactly one succeeds.
	// A nil opts means the zero options (overwrite). Put does not modify
	// *opts. Invalid keys fail with a *KeyError matching [ErrInvalidKey]
	// before anything is read or written.
	Put(ctx context.Context, key string, r io.Reader, opts *PutOptions) error

	// Get opens the object stored under key. The caller must Close the
	// returned reader. A missing key gives an error matching [ErrNotExist];
	// an invalid key a *KeyError matching [ErrInvalidKey]. The bytes read
	// are the caller's: they never alias the store's own buffers.
	Get(ctx context.Context, key string) (io.ReadCloser, error)

	// List yields the objects whose keys start with prefix, in ascending
	// byte order of their keys (the order of strings.Compare). The prefix
	// is "" (everything) or any string accepted by [CheckPrefix]: it need
	// not end at a slash, so "a/b" matches "a/b", "a/b.c", "a/bc" and
	// "a/b/c". A prefix that no valid key can start with yields a single
	// error matching [ErrInvalidKey].
	//
	// An error is yielded at most once, as the last pair, and ends the
	// iteration. The caller may stop early; the store may be used from
	// inside the loop. Objects put or deleted during the iteration may or
	// may not be seen.
	List(ctx context.Context, prefix string) iter.Seq2[Object, error]

	// Delete removes the object stored under key. A missing key gives an
	// error matching [ErrNotExist]; an invalid key a *KeyError matching
	// [ErrInvalidKey].
	Delete(ctx context.Context, key string) error
}

// Object describes one stored object, as yielded by [Store.List].
type Object struct {
	Key     string    // the object's key
	Size    int64     // its size in bytes
	ModTime time.Time // when it was last written, as the store records it
}

// PutOptions controls [Store.Put] and [PutBatch]. The zero value (and a nil
// *PutOptions) means: overwrite an existing object, no content type.
type PutOptions struct {
	// IfNotExist makes Put create-only: it fails with an error matching
	// ErrExist when the key already holds an object, and leaves that object
	// untouched.
	IfNotExist bool
	// ContentType is a MIME type stored with the object where the store
	// supports it (cloud stores); others ignore it.
	ContentType string
}

// Errors shared by every store. ErrNotExist and ErrExist are the io/fs
// sentinels, so errors.Is works alike on every implementation, and on the
// errors of package os. ErrConflict is returned by [PutOnce] and
// [PutBatchOnce] for a key that holds other bytes.
var (
	ErrNotExist   = fs.ErrNotExist
	ErrExist      = fs.ErrExist
	ErrInvalidKey = errors.New("storage: invalid key")
	ErrConflict   = errors.New("storage: other bytes exist under the key")
)
