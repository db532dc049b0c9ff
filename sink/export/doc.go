// Package export keeps track of exports of accounting documents, so that no
// document is exported twice, what changed since an export is known, and an
// export can be deleted to export its documents again (seed 002, mb-export,
// without its bugs).
//
// A Tracker works on a Source of current documents ([document.Doc]): a
// change capture's stored snapshot (a *capture.Capture), Docs, or any
// Source of the caller's; export tracking does not need change capture. It
// keeps its records in a storage.Store. A Source that can list documents
// without decoding their data (HeaderSource, SelectSource), as a Capture
// can, makes queries and selections cheap: only the documents exported are
// decoded.
//
//	tr, err := export.New(store, capt, nil)
//	m, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: "march"})
//	pending, err := tr.Pending(ctx, nil)     // never exported, or changed since
//	list, err := tr.Summaries(ctx)           // the summary list, with mutations
//	err = tr.Delete(ctx, m.ID)               // its documents are pending again
//
// # Exports
//
// Tracker.Export selects documents (every pending one by default, or given
// ids, or creation and invoice date ranges; see Selection), writes one file
// through an Encoder, records an immutable Manifest (export id, file key,
// logged or not, each document's id, type, version and content hash, and
// the status and dates that mutations compare), then commits it to the
// derived state. The order (file, manifest, state) and create-only writes
// mean that a crash between any two steps leaves nothing that claims a
// document was exported into a missing file, and that a retry completes the
// same export: its id derives from the selection and the state it was made
// at, not from the clock. Tests crash an export and a deletion at every call
// they make to the store.
//
// File names never collide: they carry the export's id, and live in a
// directory of their own, "files/<id>/". The default name is
// "[unlogged-]export-<id>[-<ext>].<extension>", where ext is the user's
// extension sanitised by SanitizeExt; an encoder may impose its own name
// (FileNamer), as the FEC does.
//
// An unlogged export (Request.Unlogged) writes its file and is recorded,
// listed and deletable like any other, but moves nothing: its documents stay
// pending and keep their mutations.
//
// # Pending documents and mutations
//
// A document is pending when no live logged export holds its current version
// (type, version and content hash). Its mutations are the differences between
// the version its latest live logged export holds and the current one: status,
// invoice date and type, with their old and new values, "other" for any other
// change, and "deleted" when the source no longer holds it. They are computed
// against the version exported, not against the previous sync, so a change
// made and undone is no mutation, and a change made before an export is not
// reported after it.
//
// Deleting an export (Tracker.Delete) records the deletion, then removes the
// file; the manifest stays as an audit record. Its documents are pending
// again unless another live logged export holds their current version.
// Delete is idempotent, and only ever deletes the file of a committed export.
//
// An export that lost a race, or crashed and was never retried, leaves an
// unreferenced file and manifest: Tracker.Sweep removes them, safely even
// while exports run.
//
// # Queries
//
// Tracker.Pending, Tracker.Summaries (seed 002's incoming-summary-list, see
// Summary for its JSON shape), Tracker.Mutations, Tracker.Files (the export
// files with their counts, date ranges and mutated-since counts, see
// FileSummary), Tracker.ExportsOf and Tracker.Open (download a file again).
//
// # Concurrency
//
// The state is a sequence of generations, "state/<n>.json", each written
// create-only: every change reads the latest generation and writes the next.
// Of two processes changing the state at once, one wins; the other reads the
// new state and applies its change again on top, or fails with a
// *ConflictError when its export would hold documents the winner exported
// (it is then not recorded: select again). No update is ever lost. A read
// error of the state is an error, never "nothing exported".
//
// Each generation holds the whole state (every export's manifest), so its
// size grows with the number of documents exported. Old generations are
// deleted (Options.KeepGenerations); a writer that read a state so old that
// its next generation was deleted writes into the gap, sees that a later
// generation exists, and applies its change again on top of it.
//
// # Encoders
//
// JSON (an array of entries, the entry package's model), CSV (one row per
// movement, CSVColumns) and FEC (the French legal format, checked before
// writing; see FEC) are in this package; XLSX is in the nested module
// xlsxexport, so that this module does not depend on a spreadsheet library.
// Implement Encoder to add a format.
package export
