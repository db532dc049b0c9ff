// Package sink produces and consumes accounting-data sinks: one JSON file per
// change of an entity's accounting data, named after its event, in a
// directory per entity of any storage.Store.
//
// # Events
//
// An event name is "compta" + object + action: [AccountInserted] is
// "comptaCompteInserted". [EventNames] lists them in the order of the
// platform's table; [ParseEventName] and [NameOf] build them; the Go
// identifiers are English, the wire strings never change. An entry has no
// Updated event: an update is [EntryDeleted] with miseAJour set, followed by
// [EntryInserted]. A reconciliation is only ever inserted.
//
// # Payloads
//
// A file holds one flat JSON object: the [Envelope] (timestamp in epoch
// milliseconds of the data change, application_id, entite_id, id), then the
// object's fields. [Event] carries it typed: Data is a *[Account],
// *[Journal], *entry.Entry, ... An Inserted event carries every field; an
// Updated one the changed fields, listed in Event.Changed, and null for the
// others ([Changes] computes the list from two versions); a Deleted one the
// envelope only, plus miseAJour for entries (the older spelling miseAjour is
// accepted when reading). [NewInserted], [NewUpdated], [NewDeleted] and
// [NewEntryUpdate] make them. [Event.Encode] and [DecodeEvent] convert;
// amounts are plain JSON numbers that keep their digits.
//
// Since the platform writes null both for "unchanged" and for "set to
// null", an Updated event cannot clear a field: send the object again.
//
// # File names
//
// Every file is named
//
//	<namespace>.<event>-<offset>-<time>.json
//	queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json
//
// where the namespace defaults to [DefaultNamespace], the offset is the
// message's position in its topic and the time is the UTC instant the file
// was produced, to the millisecond ([report.TimeLayout]). [FileName] formats and
// [ParseFileName] parses them; parsing is the exact inverse of formatting and
// rejects anything else with a [*FileNameError] naming the offending part.
// Files are stored under "<entite_id>/<file name>" ([Key]).
//
// # Writing
//
// A [Writer] writes events create-only. A key is a pure function of the
// event, its offset and its production time, so a retried write lands on
// the same key: the same bytes there is a success, other bytes a
// [*ConflictError], and nothing is ever overwritten. Offsets increase
// strictly per entity and are reserved in blocks in the writer's state
// (see State), above every file of the entity's folder, so a restarted
// writer, or one in another process, does not reuse one.
// [Writer.WriteBatch] writes many events concurrently, or as one durable
// group commit when the store supports it; [Writer.WriteAt] and
// [Writer.WriteAtBatch] write events under names given elsewhere (a Kafka
// offset); [Writer.WriteOnce] writes a batch exactly once however often it
// is retried. [Writer.WriteEncoded], [Writer.WriteEncodedAt] and
// [Writer.WriteEncodedOnce] do the same with events already encoded
// ([Encoded]: a payload received, or produced once): each is checked in
// one pass, as the typed path checks it, and its bytes are written as they
// are, never decoded to be encoded again. Each returns a [WriteResult] (per
// event: its file name and whether it was created, found already there, or
// left out) and, for an event refused or not written, a [*WriteError]
// naming it.
//
// Every write path applies the same rules, the initialization's: an entry
// must pass the business rules (entry.Entry.Validate, balance included;
// [WriterOptions.Skip] with [RuleEntryValidation] turns this off), and an
// entry dated outside its entity's period scope is left out, live when the
// writer knows the entity's calendar ([WriterOptions.Calendar]).
// [CheckEvent] applies the rules that need no I/O ahead of time.
//
// [Writer.Initialize] writes an entity's initialization: every object in
// scope under the period rules (see package period), streamed from
// iterators ([SliceSource] makes one of a slice) in bounded memory, then
// the initialization report, last. It
// resumes after a crash or a cancellation, writing only the files that
// are missing, and ends with exactly the files of an uninterrupted run,
// even when its records were lost (see State).
//
// # Reading
//
// A [Reader] lists an entity's files and yields its events in offset order
// ([Reader.Read], [Stream.All]), decoded, with the re-deliveries of the
// same event dropped. Reading is strict: a file named as an event that
// cannot be read, is larger than [ReaderOptions.MaxFileSize] or does not
// decode is an error in the stream, naming its key, and reading goes on
// after it ([ReadOptions.SkipUnreadable] only counts it instead);
// [ReadOptions.ValidateEntries] checks entries with the business rules.
// Decoding keeps the fields the SDK does not model ([Event.Extra]).
//
// A [Replica] applies events in any order and ends in the same state:
// each object is an [ObjectState] whose fields hold the values of the
// newest events that set them, deletions are tombstones by timestamp, an
// update that comes before its insertion waits for it, and two files of one
// object with the same timestamp and other content are reported as a
// [Conflict]. That is what a sink fed by Kafka needs, where each topic
// numbers its own offsets. [Get] and [All] give typed access.
//
// [Reader.Check] tells whether anything is missing: the initialization
// report against the events of the initialization
// ([Reader.CheckInitialization]), each daily report against the events
// received ([CheckDaily]), and the files that could not be read.
//
// # State
//
// The entity folders are the truth. Everything else the SDK keeps is
// bookkeeping, which the store's owner may delete or roll back (a
// lifecycle rule, a restore from a backup, a clean-up by hand): it is
// checked against the folders and rebuilt from them where they tell, and
// where they cannot tell, this section says so. Data is always written
// before the state that says it is done. Readers never take a state
// directory for an entity: [Reader.Entities] yields only folders that
// directly hold sink files, and [Reader.Check], [Reader.CheckInitialization]
// and the writer refuse the state directory as an entity id.
//
// A [Writer] keeps its state under [DefaultStateDir] (or
// [WriterOptions.StateDir]) of its state store: the sink's store, or
// [WriterOptions.StateStore], a store of its own, so that the sink's store
// (a customer's bucket) holds nothing but entity folders. Every writer of
// a sink must use the same state store.
//
//	offsets/<entity>/<end>       a block of offsets reserved: empty, named after the block's end (19 digits); the newest 100 are kept
//	init/<entity>/started.json   an initialization's start instant and first offset, written when it begins
//	init/<entity>/report.json    the name of its report, chosen before the report is written
//	init/<entity>/done.json      the mark of a completed initialization, naming its report
//	batches/<id>.json            a WriteOnce record: the file names given to the batch's events
//
// What happens when they are deleted, rolled back or rewritten:
//
//   - offsets/: nothing, as long as no writer of the entity runs. A writer
//     numbering its first event of an entity lists the entity's folder once
//     and starts above every file there (event files and daily reports of
//     its namespace) and above every reservation left. A running writer
//     holds a reserved block in memory, which a writer started after the
//     deletion cannot see: delete reservations only while the entity's
//     writers are stopped.
//   - init/<entity>/, or any file of it: the next [Writer.Initialize] goes
//     by the folder. An initialization report there means it is complete:
//     it returns AlreadyDone and writes the records again. Otherwise the
//     initialization's files there (the newest, sharing one production
//     time, its start, and beginning with the first events its sources
//     give) tell where to resume, and the record is rebuilt once the run
//     has verified it. A started.json rewritten or rolled back is checked
//     against the folder the same way, and the folder wins. What the folder
//     cannot settle (sources changed meanwhile, live events written during
//     the initialization) is an error naming the file found; no event is
//     written twice and no second report is written. Meanwhile, live
//     writes with [WriterOptions.Calendar] take the initialization's start
//     from the folder.
//   - batches/<id>.json: cannot be detected. The files of a batch carry no
//     trace of its id, so a later [Writer.WriteOnce] with the id writes the
//     batch again under fresh offsets, and so do [Writer.WriteDailyReport]
//     for the same entity and day and change capture's retry of an
//     interrupted sync, which use it. Readers of this package drop the
//     second copies as re-deliveries (same event, id, timestamp and
//     content), other readers may not. The writer never prunes these
//     records; a StateStore of the writer's own keeps them out of reach of
//     the clean-ups of the customer's bucket.
//
// Other packages keep their state beside the writer's:
//
//	<state dir>/capture/<entity>/    change capture's stored snapshot (package capture), in its Config.Store:
//	                                 pass Writer.StateStore to keep it with the writer's state
//	<state dir>/export/              export tracking's files, manifests and state (package export), in the
//	                                 Tracker's store; its documentation says what each deletion does
//	<state dir>/deadletters/         the Kafka consumer's dead letters (package kafkasink), in
//	                                 ConsumerOptions.DeadLetters, by default its StateStore
//	_subscriptions/                  the subscription registry (package subscription), in the registry's store:
//	                                 each subscription's generations and the events held for entities not ready
//
// Change capture's stored snapshot deleted whole, the next sync takes
// every document for new and writes its Inserted event again (second
// copies, as above); deleted in part, syncs fail with an error matching
// capture.ErrDamaged.
// Dead letters deleted are lost; nothing depends on them. The registry's
// files deleted, their subscriptions, or the events held, are lost. A
// subscription dispatcher given a StateStore keeps each destination's
// writer state in it under "destinations/<store>/<prefix>".
//
// The filestore writes each file through a temporary file in the file's
// folder, named with filestore.TempPrefix, which listings never yield; a
// killed process can leave one behind, which the next Store that writes
// into that folder removes (see package filestore).
//
// # Concurrency
//
// Writers are safe for concurrent use. Events, payloads and file names are
// plain values; share them read-only.
package sink
