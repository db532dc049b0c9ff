// Package memstore is an in-memory [storage.Store], for tests, examples and
// small caches.
//
// Objects live in a map guarded by a mutex, found by a hash of their keys
// computed before the lock is taken; their bytes are copied in on Put and
// never modified afterwards, so readers returned by Get and slices returned
// by [storage.ReadAll] alias nothing a caller can change.
// Keys are kept in a sorted slice (sorted lazily, only when keys were added
// out of order since the last List), so List is a binary search followed by
// one copy of the matching objects' metadata, in a single allocation: about
// as fast as copying a slice of that many Objects (BenchmarkList and its
// ceiling, BenchmarkListCeiling).
//
// Modification times come from [Options.Now], so tests can pin them:
//
//	at := time.Date(2024, 1, 30, 15, 17, 20, 0, time.UTC)
//	s := memstore.New(&memstore.Options{Now: func() time.Time { return at }})
//
// The store implements [storage.Batcher]: a batch is committed under a single
// lock, so in memory it is even atomic as a whole.
//
// # Concurrency
//
// Every method is safe for concurrent use. A List takes a snapshot of the
// matching objects when its iteration starts and holds no lock while
// yielding, so its loop body may call the store.
package memstore
