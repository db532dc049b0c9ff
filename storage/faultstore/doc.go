// Package faultstore wraps any [storage.Store] and injects failures into
// it, to prove that a program using storage survives them: that a crash at
// any point resumes with nothing lost and nothing duplicated, that a lost
// acknowledgement is retried idempotently, that a broken stream leaves no
// partial object.
//
// A [Rule] says which calls fail (by operation, by key pattern with
// path.Match, by a function, the Nth matching call with Skip, how many with
// Times) and how ([Mode]):
//
//   - [FailBefore]: the call fails without reaching the store (nothing
//     happens);
//   - [FailAfter]: the call reaches the store and takes effect, then
//     fails anyway: the lost acknowledgement;
//   - [FailDuring]: the data stream breaks after Rule.After bytes (Put,
//     Get) or objects (List).
//
// A rule with Crash makes every later call fail with [ErrCrashed], as if the
// process had died: a test then "restarts" by using the wrapped store
// directly, and checks what the restarted program does.
//
//	mem := memstore.New(nil)
//	for n := 0; ; n++ { // crash after each Put in turn
//		s := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Skip: n, Mode: faultstore.FailAfter, Crash: true})
//		err := run(ctx, s)   // the program under test
//		...                  // resume on mem, check the invariants
//		if s.Faults() == 0 { break } // ran to completion
//	}
//
// Injected errors are *[storage.KeyError] values wrapping the rule's Err,
// [ErrInjected] by default. [Store.Calls] and [Store.Faults] count calls and
// faults.
//
// The Store forwards batches to the wrapped store's own group commit, minus
// the objects a FailBefore or FailDuring rule strikes (each object of a
// batch counts as one Put), and lists keys through the wrapped store's fast
// path, so a faultstore over a filestore exercises the same code as the
// filestore alone.
//
// # Concurrency
//
// A Store is safe for concurrent use when the wrapped store is. Rules are
// evaluated under a mutex in the order calls arrive, so with concurrent
// callers "the Nth call" is the Nth to arrive.
package faultstore
