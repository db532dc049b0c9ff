// Package ledgersink is the root of an SDK for accounting-data sinks: the way
// an accounting platform pushes every change of a company's accounting data
// (accounts, bank accounts, entries, journals, parameters, periods, analytical
// sections, third parties, VAT, branches, reconciliations) as JSON event files
// into the customer's own storage, so that partner software stays in sync.
//
// The root package holds no code; the SDK lives in its packages, from the
// leaves up:
//
//   - [github.com/ledgersink/ledgersink/period]: civil dates, exercises and
//     situations, and the initialization scope of a sink.
//   - [github.com/ledgersink/ledgersink/lettering]: lettering states, codes and matching.
//   - [github.com/ledgersink/ledgersink/storage]: the Store interface, key rules,
//     memstore, filestore, the storagetest conformance suite and fault injection.
//   - [github.com/ledgersink/ledgersink/entry]: the entry model with exact
//     money, and validation that reports every problem at once.
//   - [github.com/ledgersink/ledgersink/report]: the initialization report and
//     the daily report's pages.
//   - [github.com/ledgersink/ledgersink/sink]: events, file names, typed
//     payloads, the Writer, initialization, the Reader, the Replica, the
//     daily report check; with sink/subscription (which entities flow where),
//     sink/capture (change capture), sink/export (export tracking and
//     encoders) and sink/sinktest (a demo company for tests).
//
// Dependencies point down only: period, lettering and storage import no
// package of the SDK; nothing imports sink. layering_test.go enforces it.
//
// # Versions
//
// The core module and each nested module (storage/s3store,
// storage/azblobstore, sink/kafkasink, sink/export/xlsxexport, ...) are
// tagged together: the core as vX.Y.Z, a nested module as its directory
// followed by the same version (storage/s3store/vX.Y.Z). Every nested module
// requires the core at [Version], the version of the next release.
package ledgersink

// Version is the version the next release of every module of this repository
// is tagged with. Nested modules require the core at this version.
const Version = "v0.1.0"
