// Package memstore is an in-memory [storage.Store], for tests, examples and
// small caches.
//
// Objects live in 32 shards, each a map guarded by its own mutex, picked and
// searched by a hash of the key computed before any lock is taken, so that
// writers of different keys seldom wait for each other; their bytes are
// copied in on Put and never modified afterwards, so readers returned by Get
// and slices returned by [storage.ReadAll] alias nothing a caller can change.
// Keys are kept in a sorted slice that List brings up to date (what was
// added since is sorted and merged in, what was deleted dropped), so List is
// a binary search followed by one copy of the matching objects' metadata, in
// a single allocation: faster than copying a slice of that many Objects
// (BenchmarkList and its ceiling, BenchmarkListCeiling). Eight writers of
// new keys put faster than into one map under one mutex (BenchmarkPut and
// BenchmarkPutCeiling).
//
// Modification times come from [Options.Now], so tests can pin them:
//
//	at := time.Date(2024, 1, 30, 15, 17, 20, 0, time.UTC)
//	s := memstore.New(&memstore.Options{Now: func() time.Time { return at }})
//
// The store implements [storage.Batcher]: a batch is committed holding the
// locks of all its shards at once, so in memory it is even atomic as a whole.
//
// # Concurrency
//
// Every method is safe for concurrent use. A List takes a snapshot of the
// matching objects when its iteration starts and holds no lock while
// yielding, so its loop body may call the store.
package memstore
