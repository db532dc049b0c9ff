// Package sqlreplica keeps a replica of one or more entities' sinks in a SQL
// database, SQLite or PostgreSQL, applying each sink file exactly once across
// crashes and restarts.
//
//	db, err := sql.Open("sqlite", "file:replica.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
//	// or sql.Open("pgx", "postgres://user:password@host/db")
//	replica, err := sqlreplica.Open(ctx, db, nil) // creates or migrates the tables
//	defer replica.Close()
//	rd, err := sink.NewReader(store, nil)         // any storage.Store
//	res, err := replica.Sync(ctx, rd, nil, nil)   // every entity of the store; run it again at will
//
// The drivers are modernc.org/sqlite (pure Go, no cgo; import it for its
// driver "sqlite") and github.com/jackc/pgx/v5/stdlib (driver "pgx"); Open
// tells them apart by the driver, or by [Options.Dialect].
//
// # Tables
//
// One table per object, holding the objects that exist (inserted and not
// deleted): accounts, bank_accounts, journals, parameters, periods,
// sections, third_parties, vats, branches, reconciliations (with
// reconciliation_entries, the entries each lists) and entries, with their
// lines in movements and the lines' analytical shares in analytics (one
// row per section of an axis). Every object table has the entity
// (entite_id) and the object's id as its key, then the object's wire fields
// as typed columns named in snake_case ("compteContrepartie_id" is
// compte_contrepartie_id; entries use the entry model's names:
// producer_id, date, journal_code, ...), then timestamp (the newest event's,
// in epoch milliseconds), file_key and file_offset (the file of that
// event: newest by timestamp, then offset, then key) and payload: the
// object's JSON as the merge of its events gives it, fields the SDK does
// not model included, so that nothing the platform sent is lost.
//
// Amounts are exact: PostgreSQL stores them as numeric. SQLite stores money
// amounts (movements' credit, debit and amount, analytical amounts, a
// reconciliation's montant) as integers counting hundredths of the
// currency unit (1200.50 is 120050), so that SUM is exact; an amount with
// more than two decimals is refused (a *Problem matching ErrAmount), never
// rounded. Rates and percentages (a VAT rate, an analytical rate, a
// currency rate) are numeric in PostgreSQL and exact decimal text in SQLite.
// No column is ever floating point (SQLite tables are STRICT). Dates are
// date in PostgreSQL and ISO text (2024-01-31) in SQLite; booleans are
// boolean and 0 or 1.
//
// The bookkeeping tables are replica_schema (the schema version),
// replica_entities (files applied per entity), replica_files (every file
// applied: key, offset, event, object id, timestamp, and its outcome:
// applied, unchanged, conflict or rejected with the reason) and
// replica_states (the merge state of the objects whose state is more than
// their one insertion: deleted, updated, waiting for their insertion; an
// object inserted once is rebuilt from its row).
//
// # Exactly once, in any order
//
// [Replica.Apply] and [Replica.Sync] apply events in batches
// ([ApplyOptions.BatchSize], 500 by default): a batch's rows and the records
// of its files are written in one transaction, and a file whose key is
// recorded is skipped. A crash (or a database error, or a cancelled
// context) at any statement rolls the batch under way back; the next run
// applies what is left and ends in the database an uninterrupted run gives.
//
// The merge is the SDK's own ([sink.ObjectState], which [sink.Replica] uses
// too): fields merge one by one by timestamp, deletions leave tombstones, an
// update that comes before its insertion waits for it, an entry update is
// its deletion marked miseAJour then its insertion. So every delivery order
// of a set of events, re-deliveries included, gives the same tables.
//
// # Problems
//
// An event the replica cannot apply (an entry that does not validate, an
// amount SQLite cannot hold exactly, an invalid payload) is a [*Problem]
// naming its key and cause: it is recorded in replica_files as rejected,
// with the reason, and the other events go on; [ApplyOptions.StopOnProblem]
// makes it end the call instead. A file the reader cannot read or decode is
// a Problem too, counted as Unreadable and not recorded, so that the next
// run reads it again.
//
// # Completeness
//
// [Replica.Received] yields the events the replica applied, for
// [sink.CheckDaily]; [Replica.Files] lists every file applied or rejected.
//
// # Schema
//
// Open creates the tables in an empty database (or PostgreSQL schema),
// migrates a database of an older [SchemaVersion] in one transaction (new
// columns are filled from the payloads kept), and refuses with a
// [*SchemaError] a newer version, tables missing or altered, or tables of
// the replica's names in a database that holds no replica. It never drops
// or rewrites a table.
//
// # Concurrency
//
// A Replica is safe for concurrent use, and several processes may keep one
// database: a batch first locks its entities' rows of replica_entities, so
// batches of one entity take turns. With SQLite, set a busy timeout (as
// above) so that a writer waits for the lock rather than failing.
package sqlreplica
