// Package storage is the destination abstraction of the SDK: a [Store] holds
// objects (byte strings) under slash-separated keys, and the sink writes its
// event files, reports and checkpoints through it.
//
// A Store has four methods: [Store.Put] (atomic, optionally create-only),
// [Store.Get], [Store.List] (in byte order of keys, by prefix) and
// [Store.Delete]. On top of them, [ReadAll], [WriteAll] and [Exists] cover
// the common cases, [PutOnce] and [PutBatchOnce] make create-only writes
// safe to retry (the same bytes already there are a success, other bytes
// a conflict), [PutBatch] writes many objects at once, through the
// optional [Batcher] interface when a store has a cheaper way to do it (a
// durable group commit on a file system), and [Keys] lists keys without
// their metadata, through the optional [KeyLister] interface (a file store
// then skips a stat per file).
//
// Implementations in this module:
//
//   - memstore: in memory, for tests and examples.
//   - filestore: a local directory, atomic (temporary file + rename),
//     create-only with hard links, optionally durable (fsync), confined to
//     its root even in the presence of symbolic links.
//   - faultstore: a wrapper that injects failures into any store, to prove
//     that a program resumes after a crash without losing or duplicating
//     anything.
//
// Cloud destinations (s3store, azblobstore) are nested modules, so that
// their SDKs are not dependencies of this one.
//
// # Keys
//
// [CheckKey] states the rules: valid UTF-8, no control character or
// backslash, slash-separated elements that are neither empty, "." nor "..",
// no leading or trailing slash, at most 1024 bytes (255 per element),
// case-sensitive. Every store checks every key before any I/O and rejects
// an invalid one with a [*KeyError] naming the operation and matching
// [ErrInvalidKey]; a valid key joined under a directory never leaves it.
// [ValidElement] tells whether a name (an id, a directory) is one valid
// element. The SDK's own keys use [a-z0-9._/-] only.
//
// # Errors
//
// [ErrNotExist] and [ErrExist] are the io/fs sentinels, so that
//
//	errors.Is(err, storage.ErrNotExist) // also true for os errors
//	errors.Is(err, storage.ErrExist)    // create-only Put of an existing key
//
// work on every store. Only ErrNotExist means "missing": any other error from
// Get means "cannot tell", never "empty". [ErrConflict] means that
// [PutOnce] found other bytes under its key.
//
// # Batches
//
// [PutBatch] commits each object atomically on its own, never the batch as a
// whole, and says exactly what happened: nil means every object was
// committed; a [*BatchError] names the objects that were not (or, after an
// ambiguous failure, may not have been) and guarantees every other object
// was; any other error means nothing was written (invalid or repeated keys,
// a context already done). With IfNotExist, existing keys are reported with
// ErrExist and left untouched while the others are committed, so that a
// retried batch completes what a crash interrupted.
//
// # Plugging in a custom destination
//
// Write a type with the four methods, following the contract documented on
// [Store]: check keys with [CheckKey] (and List prefixes with
// [CheckPrefix]) first, make Put atomic (write elsewhere, then publish; an
// object store's single PUT already is), implement IfNotExist with the
// medium's own conditional create (S3 If-None-Match: *, a hard link, a
// unique constraint) rather than a check followed by a write, honour ctx,
// copy what you keep, and map "not found" and "already exists" to
// ErrNotExist and ErrExist. A store that keeps its objects under a key
// prefix checks keys with [CheckKeyUnder]; one whose writes are independent
// requests gets its [Batcher] from [PutConcurrently]. Then prove it with the
// conformance suite:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store { return newMyStore(t) })
//	}
//
// The example of [Store] shows a complete, if minimal, implementation.
//
// # Concurrency
//
// Every Store must be safe for concurrent use by multiple goroutines. The
// helpers of this package add no state of their own.
package storage
