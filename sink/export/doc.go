// Package export keeps track of exports of accounting documents, so that no
// document is exported twice, what changed since an export is known, and an
// export can be deleted to export its documents again.
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
// through an Encoder, commits the export to the state, then writes its
// immutable Manifest (export id, file key, logged or not, each document's
// id, type, version and content hash, and the status and dates that
// mutations compare). The order (file, state, manifest) and create-only
// writes mean that a crash between any two steps leaves nothing that claims
// a document was exported into a missing file, and that a retry completes
// the same export: its id derives from the selection and the state it was
// made at, not from the clock. A retry never adopts a file it did not
// encode (ErrFileConflict), and an export deleted while a retry of it runs
// is never reported as made (ErrDeleted). Tests crash an export, a deletion
// and a sync at every call they make to the store.
//
// An unlogged export (Request.Unlogged) writes its file and is recorded,
// listed and deletable like any other, but moves nothing: its documents stay
// pending and keep their mutations.
//
// # File names
//
// Options.FileName is a text/template of the files' names, executed with a
// NameData (the export's id, logged flag, instant, sanitised extension and
// the encoder's file extension). The default, DefaultFileName, gives
// "[unlogged-]export-<id>[-<ext>].<extension>"; the form
// "[unlogged-]purchase-export-[datetime-stamp]-[ext].xlsx" is
//
//	{{if not .Logged}}unlogged-{{end}}purchase-export-{{.At.Format "20060102 150405"}}{{with .Ext}}-{{.}}{{end}}{{.Extension}}
//
// An encoder may impose its own name (FileNamer), as the FEC does. Files
// never collide whatever their names: each export's files live in a folder
// of their own, "files/<id>/".
//
// # Pending documents and mutations
//
// A document is pending when no live logged export holds its current version:
// its type, version and content hash. The hash is the source's (a change
// capture sets its own) or, when the source gives none, the tracker's
// document.ContentHash of the document's data: a document whose content
// changes without a new version, or whose source has no versions, is
// pending again. Its mutations are the differences between the version its
// latest live logged export holds and the current one: status, invoice date
// and type, with their old and new values, "other" for any other change,
// and "deleted" when the source no longer holds it. They are computed
// against the version exported, not against the previous sync, so a change
// made and undone is no mutation, and a change made before an export is not
// reported after it.
//
// Deleting an export (Tracker.Delete) records the deletion, then removes the
// files; the manifest stays as an audit record. Its documents are pending
// again unless another live logged export holds their current version.
// Delete is idempotent, and only ever deletes the files of a committed
// export.
//
// An export that lost a race, or crashed and was never retried, leaves
// unreferenced files: Tracker.Sweep removes them, safely even while exports
// run.
//
// # Queries
//
// Tracker.Pending, Tracker.PendingCount (how many pending documents a
// selection holds, with their date ranges, without listing them),
// Tracker.Summaries (the summary list, see Summary for its JSON shape),
// Tracker.Mutations, Tracker.Files (the export files with their counts,
// date ranges and mutated-since counts, see FileSummary), Tracker.ExportsOf,
// Tracker.Open (download a file again) and Tracker.SyncDate (the latest
// sync recorded by Tracker.Synced).
//
// # Published files
//
// With Options.SummaryList, the tracker publishes the summary list with the
// date of the latest sync (see SummaryList for its JSON) under that key
// after each Export, Delete and Synced: call Synced after each sync of the
// source. The list is replaced in one Put, which is atomic on every Store:
// a reader never sees half a list. The export files are published under
// "files/<id>/" as they are written.
//
// # Files and what happens if they are deleted
//
// The tracker keeps everything under Options.Dir (by default
// "_ledgersink/export"):
//
//	files/<id>/<name>            an export's file, and its companions
//	manifests/<id>.json          the manifest of a committed export: immutable
//	manifests/<id>.deleted.json  the deletion record of a deleted export: immutable
//	state/<n>.json               generation n of the state: a cache of the records
//
// The manifests and deletion records are the truth; the state is a cache
// that makes loads cheap. Each load reads the newest generation and lists
// the manifests folder once: a record the generation lacks (the generation
// was deleted, rolled back, replaced by an older or forged one, or a change
// was interrupted) is read and applied, and the next change writes the
// state again whole. So:
//
//   - state/ deleted, or any of its generations: the state is rebuilt from
//     the records at the next load; only the date of the latest sync
//     (zero until the next Synced) and the ids Sweep recorded are lost.
//   - a manifest deleted: written again from the state by the next Export,
//     Delete, Synced or Sweep. Deleted together with every generation that
//     holds it, the export is forgotten: its documents are pending again.
//   - a deletion record deleted: written again from the state likewise.
//     Deleted together with the state, the export is live again, without
//     its file: delete it again.
//   - files/<id>/ deleted: the export stays recorded (its documents stay
//     exported) and Open fails; Delete it to export them again.
//   - the summary list deleted: written again at the next change, or by
//     Publish.
//
// Records that do not decode, or that contradict each other, are errors
// matching ErrDamaged, never taken for "nothing exported"; so is a state
// lost while manifests that earlier versions of this package wrote before
// committing (in "exports/") remain, as they cannot tell which exports were
// committed. The first write of this version on such a store copies the
// manifests of the exports its state holds to "manifests/"; Sweep removes
// the uncommitted ones.
//
// # Concurrency
//
// Every change of the state (an export, a deletion, a sync, a sweep) reads
// the latest generation and creates the next one, create-only. Of two
// processes changing the state at once, one wins; the other reads the new
// state and applies its change again on top, a bounded number of times, or
// fails with a *ConflictError when its export would hold documents the
// winner exported (it is then not recorded: select again). No update is
// ever lost. A read error of the state is an error, never "nothing
// exported".
//
// Each generation holds the whole state (every export's manifest), so its
// size grows with the number of documents exported. Old generations are
// deleted (Options.KeepGenerations); a writer that read a state so old that
// its next generation was deleted writes into the gap, sees that later
// generations exist, and applies its change again on top of them.
//
// # Encoders
//
// JSON (an array of entries, the entry package's model), CSV (one row per
// movement, CSVColumns) and FEC (the French legal format, checked before
// writing; see FEC) are in this package; XLSX is in the nested module
// xlsxexport, so that this module does not depend on a spreadsheet library.
// Implement Encoder to add a format.
package export
