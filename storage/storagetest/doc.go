// Package storagetest is the conformance suite of [storage.Store]: every
// store, in this module or outside it, proves it keeps the contract by
// calling [Run] from a test.
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store {
//			s, err := mystore.New(t.TempDir())
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Run calls the constructor once per property, so each subtest starts from
// an empty store. The properties are:
//   - round trip, including empty objects and 1 MiB read in uneven chunks;
//   - overwrite;
//   - create-only Put (IfNotExist), including a race of concurrent
//     create-only Puts that exactly one must win;
//   - ErrNotExist from Get and Delete;
//   - List in byte order of whole keys and by any prefix: "a/b c", "a/b.c",
//     "a/b/c" and "a/b0" sort by their bytes, not directory by directory;
//   - List metadata, early exit from a List loop, and [storage.Keys]
//     agreeing with List;
//   - odd but valid keys (Unicode, spaces, dots, characters that need
//     escaping in URLs, 255-byte elements, 1024-byte keys) and case
//     sensitivity;
//   - invalid keys rejected by every method with [storage.ErrInvalidKey],
//     with nothing written;
//   - a reader failing midway: no partial object, no clobbered object;
//   - a context canceled before or during a call;
//   - no aliasing of the caller's buffers;
//   - concurrent Put, Get and List;
//   - the helpers [storage.ReadAll], [storage.WriteAll] and [storage.Exists];
//   - [storage.PutBatch], both through the store's own [storage.Batcher]
//     (when it has one) and through the fallback loop: round trip,
//     create-only with some keys existing, invalid and repeated keys,
//     cancellation, aliasing.
//
// Each failure message names the property broken and why the SDK relies on
// it. [RunWithOptions] lets a store declare a limit its medium imposes (a
// file system cannot hold both "a/b" and "a/b/c"); by default everything is
// required. [OddKeys] and [InvalidKeys] are exported for a store's own
// tests.
//
// The package imports go-cmp; it is meant for tests only.
package storagetest
