package sqlreplica

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/sink"
)

// kind is the type of a column, mapped to each dialect's SQL type.
type kind uint8

const (
	kText   kind = iota // a string
	kInt                // a small integer (enumerations, positions)
	kBigint             // epoch milliseconds, offsets, counters
	kBool               // PostgreSQL boolean; SQLite 0 or 1
	kDate               // PostgreSQL date; SQLite ISO text YYYY-MM-DD
	kAmount             // money: PostgreSQL numeric; SQLite integer hundredths
	kRate               // a rate or percentage: PostgreSQL numeric; SQLite exact decimal text
	kJSON               // PostgreSQL json (the text as sent); SQLite text
	kBlob               // PostgreSQL bytea; SQLite blob
)

type column struct {
	name    string
	kind    kind
	notNull bool
	// since is the schema version that added the column; 0 for those of
	// the first version.
	since int
}

// table is one table of the replica. Object tables have an object; child
// tables (movements, analytics, reconciliation entries) have a parent.
type table struct {
	name   string
	object sink.Object // "" for the others
	cols   []column
	key    []string // primary key columns
	index  [][]string
}

func col(name string, k kind) column     { return column{name: name, kind: k} }
func notNull(name string, k kind) column { return column{name: name, kind: k, notNull: true} }

// col2 is a column of schema version 2.
func col2(name string, k kind) column { return column{name: name, kind: k, since: 2} }

// objectTable returns the table of an object kind: the entity and object
// ids, the object's wire fields (snake_case), then the newest event's
// timestamp, the file it came from and the object's JSON payload.
func objectTable(name string, o sink.Object, fields ...column) table {
	cols := []column{notNull("entite_id", kText), notNull("id", kText)}
	cols = append(cols, fields...)
	cols = append(cols, notNull("timestamp", kBigint), notNull("file_key", kText), notNull("file_offset", kBigint), notNull("payload", kJSON))
	return table{name: name, object: o, cols: cols, key: []string{"entite_id", "id"}}
}

// The tables of the replica, in creation order. Object tables hold the
// objects that exist (inserted and not deleted); child tables hold the
// lines of the entries and reconciliations they list. The bookkeeping
// tables (replica_*) hold the schema version, the files applied, and the
// merge state of every object whose state is more than its one insertion:
// deleted, updated, inserted again, waiting for its insertion.
var tables = []table{
	{name: "replica_schema", cols: []column{notNull("version", kInt)}},
	{name: "replica_entities", cols: []column{notNull("entite_id", kText), notNull("files", kBigint), notNull("rejected", kBigint)},
		key: []string{"entite_id"}},
	{name: "replica_files", cols: []column{
		notNull("file_key", kText), notNull("entite_id", kText), notNull("file_offset", kBigint), notNull("event", kText),
		notNull("object_id", kText), notNull("timestamp", kBigint), notNull("outcome", kText), col("reason", kText),
	}, key: []string{"file_key"}, index: [][]string{{"entite_id", "event"}}},
	{name: "replica_states", cols: []column{
		notNull("entite_id", kText), notNull("object", kText), notNull("id", kText),
		notNull("timestamp", kBigint), notNull("file_key", kText), notNull("file_offset", kBigint), notNull("state", kBlob),
	}, key: []string{"entite_id", "id", "object"}},

	objectTable("accounts", sink.ObjectAccount,
		col("numero", kText), col("libelle", kText), col("collectif", kBool), col("lettrable", kBool), col("pointable", kBool),
		col("centralisable", kBool), col("analytique", kBool), col("ferme", kBool), col("compte_contrepartie_id", kText),
		col("compte_banque_id", kText), col("tva_id", kText), col("type", kInt), col("ventilation_defaut", kText)),
	objectTable("bank_accounts", sink.ObjectBankAccount,
		col("libelle", kText), col("iban", kText), col("bic", kText), col("devise", kText), col("compte_id", kText),
		col("journal_id", kText), col("ferme", kBool), col2("rib", kText), col2("is_default", kBool)),
	objectTable("journals", sink.ObjectJournal,
		col("code", kText), col("libelle", kText), col("type", kInt), col("compte_contrepartie_id", kText),
		col("type_contrepartie", kInt), col("ferme", kBool)),
	objectTable("parameters", sink.ObjectParameter, col("code", kText), col("libelle", kText), col("valeur", kText)),
	objectTable("periods", sink.ObjectPeriod,
		col("type", kText), col("date_debut", kDate), col("date_fin", kDate), col("statut", kText), col("exercice_id", kText)),
	objectTable("sections", sink.ObjectSection, col("code", kText), col("libelle", kText), col("axe", kText), col("ferme", kBool),
		col2("description", kText)),
	objectTable("third_parties", sink.ObjectThirdParty,
		col("code", kText), col("type", kInt), col("nom", kText), col("raison_sociale", kText), col("siret", kText),
		col("email", kText), col("compte_contrepartie_id", kText), col("lettrable", kBool), col("actif", kBool),
		col2("nature", kInt), col2("prenom", kText), col2("nom_usuel", kText), col2("telephone", kText), col2("fax", kText),
		col2("site_web", kText), col2("adr", kJSON), col2("rib", kJSON), col2("validation", kJSON), col2("soumis_tva", kBool)),
	objectTable("vats", sink.ObjectVAT,
		col("code", kText), col("libelle", kText), col("taux", kRate), col("regime", kInt), col("compte_collecte_id", kText),
		col("compte_deductible_id", kText), col2("description", kText), col2("collecte", kJSON)),
	objectTable("branches", sink.ObjectBranch,
		col("code", kText), col("nom", kText), col("raison_sociale", kText), col("siret", kText), col("type", kInt), col("nature", kInt),
		col2("prenom", kText)),
	objectTable("reconciliations", sink.ObjectReconciliation,
		col("compte_bancaire_id", kText), col("date", kDate), col("montant", kAmount), col("releve", kText)),
	{name: "reconciliation_entries", cols: []column{
		notNull("entite_id", kText), notNull("reconciliation_id", kText), notNull("position", kInt), notNull("ecriture_id", kText),
	}, key: []string{"entite_id", "reconciliation_id", "position"}},
	objectTable("entries", sink.ObjectEntry,
		col("producer_id", kText), col("date", kDate), col("due_date", kDate), col("journal_producer_id", kText),
		col("journal_code", kText), col("journal_name", kText), col("journal_type", kText), col("currency_code", kText),
		col("currency_rate", kRate),
		// Version 2: the entry's type (1 general, 5 opening, 7 draft, ...),
		// branch and validation status, which the platform sends beside
		// the entry model.
		col2("type", kInt), col2("etablissement_id", kText), col2("validation", kInt)),
	{name: "movements", cols: []column{
		notNull("entite_id", kText), notNull("entry_id", kText), notNull("position", kInt),
		col("producer_id", kText), col("description", kText),
		notNull("credit", kAmount), notNull("debit", kAmount), notNull("amount", kAmount), col("due_date", kDate),
		notNull("lettering_state", kText), col("lettering_value", kText), col("free_number", kText), col("invoice_number", kText),
		col("account_producer_id", kText), col("account_number", kText), col("account_name", kText),
		col("payment_producer_id", kText), col("payment_name", kText), col("payment_code", kText),
	}, key: []string{"entite_id", "entry_id", "position"}, index: [][]string{{"entite_id", "account_number"}}},
	{name: "analytics", cols: []column{
		notNull("entite_id", kText), notNull("entry_id", kText), notNull("movement_position", kInt),
		notNull("axis_position", kInt), notNull("section_position", kInt),
		col("axis_producer_id", kText), col("axis_code", kText), col("axis_name", kText),
		col("section_producer_id", kText), col("section_code", kText), col("section_name", kText),
		notNull("amount", kAmount), notNull("rate", kRate),
	}, key: []string{"entite_id", "entry_id", "movement_position", "axis_position", "section_position"}},
}

// tableOf returns the table named name; it panics for a name not in tables
// (a programming error of this package, never input).
func tableOf(name string) *table {
	for i := range tables {
		if tables[i].name == name {
			return &tables[i]
		}
	}
	panic("sqlreplica: no table " + name)
}

// objectTableOf returns the table of object o, or nil.
func objectTableOf(o sink.Object) *table {
	for i := range tables {
		if tables[i].object == o && o != "" {
			return &tables[i]
		}
	}
	return nil
}

func (t *table) colNames() []string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return names
}

// SchemaVersion is the version of the schema this package creates. A
// database of an older version is migrated when opened; a newer one is
// refused with ErrSchema.
//
// Version 2 added the fields the SDK models since: entries' type,
// etablissement_id and validation; bank accounts' rib and is_default;
// sections' description; third parties' nature, prenom, nom_usuel,
// telephone, fax, site_web, adr, rib, validation and soumis_tva; VAT
// rates' description and collecte; branches' prenom.
const SchemaVersion = 2

// migrations[v] turns a database of version v into one of version v+1.
// Version 0 is an empty database: its migration creates every table, at
// the current version (the others then have nothing to do).
var migrations = []func(ctx context.Context, tx *sql.Tx, d *dialect, from int) error{
	0: createAll,
	1: addColumns(2),
}

func createAll(ctx context.Context, tx *sql.Tx, d *dialect, from int) error {
	if from != 0 {
		return nil
	}
	for i := range tables {
		for _, stmt := range d.createTable(&tables[i]) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("creating table %s: %w", tables[i].name, err)
			}
		}
	}
	return nil
}

// Errors about the database's schema.
var (
	// ErrSchema is matched by the errors of Open for a database whose
	// schema is not one this package made: tables missing or altered, a
	// newer version, tables of the replica's names in a database that
	// holds no replica.
	ErrSchema = errors.New("sqlreplica: the database's schema is not the replica's")
)

// SchemaError says what is wrong with the database's schema.
type SchemaError struct {
	Table  string // the table at fault, "" for the whole schema
	Reason string
}

func (e *SchemaError) Error() string {
	if e.Table == "" {
		return "sqlreplica: schema: " + e.Reason
	}
	return "sqlreplica: schema: table " + e.Table + ": " + e.Reason
}

// Unwrap returns ErrSchema.
func (e *SchemaError) Unwrap() error { return ErrSchema }

// prepareSchema creates, migrates or checks the schema: an empty database
// (none of the replica's tables) gets every table; a database of an older
// version is migrated, in one transaction; one of this version is checked
// column by column; anything else is a *SchemaError.
func prepareSchema(ctx context.Context, db *sql.DB, d *dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.name == PostgreSQL {
		// Two processes opening an empty database at once: one creates
		// the tables, the other waits and then finds them.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7164803559170224431)"); err != nil {
			return err
		}
	}
	existing, err := d.tableNames(ctx, tx)
	if err != nil {
		return fmt.Errorf("sqlreplica: listing the database's tables: %w", err)
	}
	version := 0
	if slices.Contains(existing, "replica_schema") {
		rows, err := tx.QueryContext(ctx, "SELECT version FROM replica_schema")
		if err != nil {
			return &SchemaError{Table: "replica_schema", Reason: err.Error()}
		}
		var versions []int
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return &SchemaError{Table: "replica_schema", Reason: err.Error()}
			}
			versions = append(versions, v)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(versions) != 1 || versions[0] < 1 {
			return &SchemaError{Table: "replica_schema", Reason: fmt.Sprintf("want one row holding a version >= 1, found %v", versions)}
		}
		version = versions[0]
	} else {
		var ours []string
		for _, t := range tables {
			if slices.Contains(existing, t.name) {
				ours = append(ours, t.name)
			}
		}
		if len(ours) > 0 {
			return &SchemaError{Reason: fmt.Sprintf("the database holds no replica (no table replica_schema) but has tables of the replica's names: %s; "+
				"use another database (or PostgreSQL schema) for the replica", strings.Join(ours, ", "))}
		}
	}
	if version > SchemaVersion {
		return &SchemaError{Table: "replica_schema", Reason: fmt.Sprintf("version %d was written by a newer release of this package (this one knows versions up to %d): upgrade it", version, SchemaVersion)}
	}
	if version > 0 {
		// Migrations only run on the schema they were written for.
		if err := checkSchema(ctx, tx, d, schemaAt(version)); err != nil {
			return err
		}
	}
	if version == SchemaVersion {
		return nil
	}
	for v := version; v < SchemaVersion; v++ {
		if err := migrations[v](ctx, tx, d, version); err != nil {
			return fmt.Errorf("sqlreplica: migrating the schema from version %d to %d: %w", v, v+1, err)
		}
	}
	if version == 0 {
		_, err = tx.ExecContext(ctx, "INSERT INTO replica_schema (version) VALUES ("+strconv.Itoa(SchemaVersion)+")")
	} else {
		_, err = tx.ExecContext(ctx, "UPDATE replica_schema SET version = "+strconv.Itoa(SchemaVersion))
	}
	if err != nil {
		return err
	}
	if err := checkSchema(ctx, tx, d, tables); err != nil {
		return fmt.Errorf("sqlreplica: after migrating: %w", err)
	}
	return tx.Commit()
}

// schemaAt returns the tables of schema version v.
func schemaAt(v int) []table {
	out := make([]table, len(tables))
	for i, t := range tables {
		t.cols = slices.DeleteFunc(slices.Clone(t.cols), func(c column) bool { return c.since > v })
		out[i] = t
	}
	return out
}

// addColumns returns the migration that adds the columns of version v to
// their tables, and fills them, in every row, from the row's kept JSON
// payload: nothing the platform sent was lost, so nothing needs to be sent
// again.
func addColumns(v int) func(ctx context.Context, tx *sql.Tx, d *dialect, from int) error {
	return func(ctx context.Context, tx *sql.Tx, d *dialect, from int) error {
		if from == 0 {
			return nil // created at the current version
		}
		for i := range tables {
			t := &tables[i]
			var added []column
			for _, c := range t.cols {
				if c.since == v {
					added = append(added, c)
				}
			}
			if len(added) == 0 {
				continue
			}
			for _, c := range added {
				def := c.name + " " + d.sqlType(c.kind)
				if d.name == SQLite && c.kind == kBool {
					def += " CHECK (" + c.name + " IN (0, 1))"
				}
				if _, err := tx.ExecContext(ctx, "ALTER TABLE "+t.name+" ADD COLUMN "+def); err != nil {
					return fmt.Errorf("adding %s.%s: %w", t.name, c.name, err)
				}
			}
			if err := backfill(ctx, tx, d, t, added); err != nil {
				return fmt.Errorf("filling the new columns of %s: %w", t.name, err)
			}
		}
		return nil
	}
}

// backfill sets the columns cols of every row of the object table t from
// the row's payload, a thousand rows at a time.
func backfill(ctx context.Context, tx *sql.Tx, d *dialect, t *table, cols []column) error {
	var set []string
	for _, c := range cols {
		set = append(set, c.name+" = ?")
	}
	update := d.rebind("UPDATE " + t.name + " SET " + strings.Join(set, ", ") + " WHERE entite_id = ? AND id = ?")
	page := d.rebind("SELECT entite_id, id, payload FROM " + t.name + " WHERE entite_id > ? OR entite_id = ? AND id > ? ORDER BY entite_id, id LIMIT 1000")
	type row struct{ entity, id, payload string }
	lastEntity, lastID := "", ""
	for {
		rows, err := tx.QueryContext(ctx, page, lastEntity, lastEntity, lastID)
		if err != nil {
			return err
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.entity, &r.id, &r.payload); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			vals, err := d.payloadValues(cols, []byte(r.payload))
			if err != nil {
				return fmt.Errorf("%s %s: %w", t.name, r.id, err)
			}
			if _, err := tx.ExecContext(ctx, update, append(vals, r.entity, r.id)...); err != nil {
				return err
			}
		}
		lastEntity, lastID = batch[len(batch)-1].entity, batch[len(batch)-1].id
	}
}

// checkSchema compares the database's tables with want: each must exist
// with exactly the columns of its spec, in any order, of the dialect's
// types, with the same nullability.
func checkSchema(ctx context.Context, tx *sql.Tx, d *dialect, want []table) error {
	for i := range want {
		t := &want[i]
		got, err := d.columns(ctx, tx, t.name)
		if err != nil {
			return fmt.Errorf("sqlreplica: reading the columns of %s: %w", t.name, err)
		}
		if len(got) == 0 {
			return &SchemaError{Table: t.name, Reason: "missing"}
		}
		for _, c := range t.cols {
			g, ok := got[c.name]
			if !ok {
				return &SchemaError{Table: t.name, Reason: "column " + c.name + " is missing"}
			}
			if wt := d.sqlType(c.kind); !strings.EqualFold(g.typ, wt) {
				return &SchemaError{Table: t.name, Reason: fmt.Sprintf("column %s is of type %s, want %s", c.name, g.typ, wt)}
			}
			if g.notNull != (c.notNull || slices.Contains(t.key, c.name)) {
				return &SchemaError{Table: t.name, Reason: fmt.Sprintf("column %s: NOT NULL is %t, want %t", c.name, g.notNull, !g.notNull)}
			}
			delete(got, c.name)
		}
		for name := range got {
			return &SchemaError{Table: t.name, Reason: "unexpected column " + name}
		}
	}
	return nil
}
