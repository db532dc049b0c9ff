package sqlreplica_test

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
	"github.com/ledgersink/ledgersink/sink/sqlreplica/pgtest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// backend makes fresh, empty databases of one dialect.
type backend struct {
	dialect    sqlreplica.Dialect
	driverName string
	newDSN     func(t testing.TB) string
}

// newDB opens a fresh, empty database; t's cleanup closes it.
func (b backend) newDB(t testing.TB) *sql.DB {
	t.Helper()
	db, _ := b.newDBAt(t)
	return db
}

// newDBAt opens a fresh, empty database and returns its DSN too.
func (b backend) newDBAt(t testing.TB) (*sql.DB, string) {
	t.Helper()
	dsn := b.newDSN(t)
	return b.openDSN(t, dsn), dsn
}

// openDSN opens the database at dsn; t's cleanup closes it.
func (b backend) openDSN(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(b.driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqliteDSN is how the tests open SQLite: WAL, and waiting for the lock
// rather than failing at once.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
}

func sqliteBackend() backend {
	return backend{dialect: sqlreplica.SQLite, driverName: "sqlite", newDSN: func(t testing.TB) string {
		return sqliteDSN(filepath.Join(t.TempDir(), "replica.db"))
	}}
}

func postgresBackend(t testing.TB) backend {
	srv := pgtest.Start(t, nil)
	return backend{dialect: sqlreplica.PostgreSQL, driverName: "pgx", newDSN: srv.NewDatabase}
}

// open opens a replica in a fresh database of b.
func (b backend) open(t testing.TB) (*sqlreplica.Replica, *sql.DB) {
	t.Helper()
	db := b.newDB(t)
	r, err := sqlreplica.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r, db
}

// quickstartSink writes the quickstart's sink into a memory store: the demo
// company's initialization, then its live changes and the daily report of
// their day.
func quickstartSink(t testing.TB) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	store := memstore.New(nil)
	clock := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	w, err := sink.NewWriter(store, &sink.WriterOptions{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	company := sinktest.Company(nil)
	if _, err := w.Initialize(ctx, company, nil); err != nil {
		t.Fatal(err)
	}
	changes, err := sinktest.Changes(company.EntityID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteOnce(ctx, "changes", changes); err != nil {
		t.Fatal(err)
	}
	day := period.DateOf(time.UnixMilli(sinktest.ChangedAt).UTC())
	if _, err := w.WriteDailyReport(ctx, company.EntityID, day, nil); err != nil {
		t.Fatal(err)
	}
	return store
}

// readAll returns every event of entity in store, in the reader's order.
func readAll(t testing.TB, store storage.Store, entity string) []*sink.Item {
	t.Helper()
	rd, err := sink.NewReader(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	var items []*sink.Item
	for it, err := range rd.Read(context.Background(), entity, nil).All() {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	return items
}

func seqOf(items []*sink.Item) iter.Seq2[*sink.Item, error] {
	return func(yield func(*sink.Item, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

// dump returns the content of the given tables, rows sorted, one line per
// row: what two databases are compared by.
func dump(t testing.TB, db *sql.DB, tables ...string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range tables {
		rows, err := db.Query("SELECT * FROM " + name)
		if err != nil {
			t.Fatalf("dumping %s: %v", name, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				switch v := v.(type) {
				case []byte:
					parts[i] = fmt.Sprintf("%s=%x", cols[i], v)
				case time.Time:
					parts[i] = cols[i] + "=" + v.Format(time.DateOnly)
				default:
					parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
				}
			}
			slices.Sort(parts) // by column name: a migrated table may order them otherwise
			lines = append(lines, strings.Join(parts, " "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(lines)
		fmt.Fprintf(&b, "== %s (%d)\n%s\n", name, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// objectTables are the tables a person queries.
var objectTables = []string{
	"accounts", "bank_accounts", "journals", "parameters", "periods", "sections", "third_parties", "vats",
	"branches", "reconciliations", "reconciliation_entries", "entries", "movements", "analytics",
}

// allTables are every table of the replica.
var allTables = append([]string{"replica_schema", "replica_entities", "replica_files", "replica_states"}, objectTables...)

func queryInt(t testing.TB, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func queryString(t testing.TB, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

// diffLines shows the lines of got and want that the other lacks.
func diffLines(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}
