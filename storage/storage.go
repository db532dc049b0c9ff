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
// must check every key with [CheckKey] before doing any I/O, and must pass
// the conformance suite in package storagetest.
type Store interface {
	// Put stores the bytes read from r under key. It is atomic: a concurrent
	// Get or List sees either the previous object or the complete new one,
	// never a part. If r fails, or ctx is cancelled, before the object is
	// committed, Put leaves the previous state untouched and returns the
	// error (ctx.Err() for cancellation).
	//
	// With opts.IfNotExist, Put fails with an error matching [ErrExist] when
	// the key already holds an object. A nil opts means the zero options.
	// Invalid keys fail with a *KeyError matching [ErrInvalidKey].
	Put(ctx context.Context, key string, r io.Reader, opts *PutOptions) error

	// Get opens the object stored under key. The caller must Close the
	// returned reader. A missing key gives an error matching [ErrNotExist].
	Get(ctx context.Context, key string) (io.ReadCloser, error)

	// List yields the objects whose keys start with prefix, in ascending
	// byte order of their keys. The prefix is "" (everything) or any string;
	// it is not required to end at a slash. An error is yielded at most once,
	// as the last pair, and ends the iteration.
	List(ctx context.Context, prefix string) iter.Seq2[Object, error]

	// Delete removes the object stored under key. A missing key gives an
	// error matching [ErrNotExist].
	Delete(ctx context.Context, key string) error
}

// Object describes one stored object, as yielded by [Store.List].
type Object struct {
	Key     string    // the object's key
	Size    int64     // its size in bytes
	ModTime time.Time // when it was last written, as the store records it
}

// PutOptions controls [Store.Put]. The zero value means: overwrite an
// existing object, no content type.
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
// sentinels, so errors.Is works alike on every implementation.
var (
	ErrNotExist   = fs.ErrNotExist
	ErrExist      = fs.ErrExist
	ErrInvalidKey = errors.New("storage: invalid key")
)
