package sqlreplica

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Dialect names the SQL database the replica is kept in.
type Dialect string

// The supported databases.
const (
	// SQLite, through the pure-Go driver modernc.org/sqlite (driver name
	// "sqlite"), version 3.37 or later (STRICT tables).
	SQLite Dialect = "sqlite"
	// PostgreSQL, through pgx's database/sql driver
	// github.com/jackc/pgx/v5/stdlib (driver name "pgx"), version 12 or
	// later.
	PostgreSQL Dialect = "postgresql"
)

// dialect holds what differs between the databases.
type dialect struct {
	name Dialect
	// maxParams is the most bind parameters one statement takes; both
	// databases take more, this leaves a margin.
	maxParams int
}

var dialects = map[Dialect]*dialect{
	SQLite:     {name: SQLite, maxParams: 30000},
	PostgreSQL: {name: PostgreSQL, maxParams: 60000},
}

// detect returns the dialect of db's driver: modernc.org/sqlite's or pgx's.
func detect(db *sql.DB) (Dialect, bool) {
	t := reflect.TypeOf(db.Driver())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.PkgPath() {
	case "modernc.org/sqlite":
		return SQLite, true
	case "github.com/jackc/pgx/v5/stdlib":
		return PostgreSQL, true
	}
	return "", false
}

// sqlType returns the column type of k, as the database reports it back.
func (d *dialect) sqlType(k kind) string {
	if d.name == SQLite {
		switch k {
		case kText, kDate, kRate, kJSON:
			return "TEXT"
		case kBlob:
			return "BLOB"
		default:
			return "INTEGER"
		}
	}
	switch k {
	case kText:
		return "text"
	case kInt:
		return "integer"
	case kBigint:
		return "bigint"
	case kBool:
		return "boolean"
	case kDate:
		return "date"
	case kAmount, kRate:
		return "numeric"
	case kJSON:
		return "json"
	default:
		return "bytea"
	}
}

// createTable returns the statements that create t and its indexes.
func (d *dialect) createTable(t *table) []string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + t.name + " (")
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name + " " + d.sqlType(c.kind))
		if c.notNull {
			b.WriteString(" NOT NULL")
		}
		if d.name == SQLite && c.kind == kBool {
			b.WriteString(" CHECK (" + c.name + " IN (0, 1))")
		}
	}
	if len(t.key) > 0 {
		b.WriteString(", PRIMARY KEY (" + strings.Join(t.key, ", ") + ")")
	}
	b.WriteString(")")
	if d.name == SQLite {
		b.WriteString(" STRICT") // no float ever stored in a column declared otherwise
	}
	stmts := []string{b.String()}
	for i, cols := range t.index {
		stmts = append(stmts, fmt.Sprintf("CREATE INDEX %s_%d ON %s (%s)", t.name, i+1, t.name, strings.Join(cols, ", ")))
	}
	return stmts
}

// tableNames lists the tables of the database (SQLite) or of the current
// schema (PostgreSQL).
func (d *dialect) tableNames(ctx context.Context, tx *sql.Tx) ([]string, error) {
	q := "SELECT name FROM sqlite_schema WHERE type = 'table'"
	if d.name == PostgreSQL {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

type columnInfo struct {
	typ     string
	notNull bool
}

// columns returns the columns of table name, or none when it does not exist.
func (d *dialect) columns(ctx context.Context, tx *sql.Tx, name string) (map[string]columnInfo, error) {
	q := "SELECT name, type, \"notnull\" <> 0 OR pk > 0 FROM pragma_table_info(?)"
	if d.name == PostgreSQL {
		q = "SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
	}
	rows, err := tx.QueryContext(ctx, q, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]columnInfo{}
	for rows.Next() {
		var n string
		var c columnInfo
		if err := rows.Scan(&n, &c.typ, &c.notNull); err != nil {
			return nil, err
		}
		cols[n] = c
	}
	return cols, rows.Err()
}

// rebind turns the ? placeholders of q into PostgreSQL's $1, $2, ... The
// statements of this package hold no ? in literals.
func (d *dialect) rebind(q string) string {
	if d.name != PostgreSQL || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// bool returns the database's value of v.
func (d *dialect) bool(v bool) any {
	if d.name == SQLite {
		if v {
			return int64(1)
		}
		return int64(0)
	}
	return v
}
