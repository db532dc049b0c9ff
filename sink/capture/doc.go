// Package capture turns a polled source into sink events: change capture for
// sources that have no change feed of their own, such as Moneybird's or
// MyUnisoft's APIs, which list every document with its id and version.
//
// Each sync hands Capture.Sync a snapshot: every document of the source
// ([document.Doc]: its type, id and version, its content as a sink payload,
// and the status and dates export tracking lists). Sync diffs it with the snapshot
// stored by the previous sync and writes, through a sink.Writer, one event per
// change:
//
//   - a new document: Inserted;
//   - a document whose version, type or content changed: Updated with the
//     changed fields (sink.NewUpdated), or for an entry, which has no Updated
//     event, EntryDeleted with miseAJour followed by EntryInserted
//     (sink.NewEntryUpdate); nothing
//     when only the version or the type changed and the content did not;
//   - a document whose object changed (re-typed from an account to a
//     journal, say): the old object's Deleted, then the new one's Inserted;
//   - a stored document missing from the snapshot: Deleted.
//
// The events follow the writer's rules (see sink.WriterOptions): a
// document the writer would refuse (an unbalanced entry) fails the sync
// with a *DocError before anything is recorded, and an entry outside its
// entity's period scope, with a writer that knows the calendar, is left out
// of the events but kept in the snapshot.
//
// Every event is dated after the version it replaces, so that consumers, who
// drop events not newer than what they hold, never miss one; the stored
// snapshot keeps a tombstone (id, type, time) for each deleted document, so
// that one coming back is dated after its deletion too.
//
// # Guard against partial snapshots
//
// A source that fails halfway (a page lost, a rate limit) yields a partial
// snapshot, which would delete everything missing. Sync refuses a snapshot
// that deletes more than Options.MaxDeletePercent of the stored documents
// (half by default) with a *DeleteError, unless SyncOptions.Force is set.
// A read error of the stored snapshot is an error, never "no snapshot".
//
// # Order of the work, and crashes
//
// The stored snapshot advances only after the events are written:
//
//  1. the snapshot is sorted by id into parts in the store (sorted runs of
//     Options.SortBuffer documents merged together: memory does not grow
//     with the number of documents), and diffed with the stored one;
//  2. the new snapshot is recorded as an intent (create-only: of two
//     concurrent syncs, one records it, the other fails with ErrBusy);
//  3. the events are written in batches with sink.Writer.WriteOnce, under
//     ids derived from the intent;
//  4. the intent becomes the stored snapshot (create-only head record).
//
// A sync interrupted anywhere leaves either nothing recorded (its scratch
// parts are never read) or an intent, which the next Sync completes before
// diffing its own snapshot: no change is lost and no event is written twice.
// Tests crash a sync at every call it makes to the store.
//
// # Memory and time
//
// Memory is bounded by Options.SortBuffer, not by the number of documents:
// BenchmarkSync measures a peak heap of about 70 MiB at the default with
// small documents (accounts), for 100,000 and for 1,000,000 documents
// alike, where holding the snapshot in a map (BenchmarkSyncCeiling) takes
// 1.3 GiB for 1,000,000. On two cores shared with other work, a first sync
// of 1,000,000 documents takes 12 to 13 seconds, and about as much CPU
// time as the in-memory way (0.9 times): encoding the documents, the
// writer's checks of the events and the writing of the parts take most of
// it. A sync with 1 % changed takes less than the in-memory way: it
// decodes only the documents that changed, and copies the records of the
// others as they are.
//
// # Storage layout
//
// Under Options.Dir ("<writer state dir>/capture/<entity>" by default):
// "runs/<random>/part-NNNNNN.ndjson" hold the documents of a snapshot, one
// line each (a JSON header, a tab, the payload as JSON), sorted by id;
// beside them, "old-NNNNNN.ndjson" and "new-NNNNNN.ndjson" hold, in the
// same form, only the documents that changed since the previous snapshot,
// as they were and as they are, from which the events are written;
// "intents/<generation>.json" and "heads/<generation>.json" record the
// snapshots. The parts of a snapshot are deleted once two newer snapshots
// are stored.
//
// # Concurrency
//
// A Capture is safe for concurrent use, and several processes may share a
// store: syncs are serialized by the create-only intent record. A sync
// works with a few goroutines of its own: up to GOMAXPROCS (at most 4)
// encode the documents docs yields, one sorts and writes each sorted run,
// one reads and parses each side of a join ahead of it, up to GOMAXPROCS
// (at most 4) make the events of the changed documents, one makes and
// checks the batches of events while the previous batch is written. They
// all end before Sync returns. docs is only ever called from the caller's
// goroutine, but its documents are encoded by others, a few hundred
// documents behind: docs must not modify a document, or its Data, once it
// has yielded it. Documents, Headers and Select start none.
package capture
