package sqlreplica_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
)

// The same tests run against both databases: TestSQLite on an embedded
// file, TestPostgres on a private cluster started for the run.

func TestSQLite(t *testing.T) { runSuite(t, sqliteBackend()) }

func TestPostgres(t *testing.T) { runSuite(t, postgresBackend(t)) }

func runSuite(t *testing.T, b backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"Schema", testSchema},
		{"Migrate", testMigrate},
		{"Quickstart", testQuickstart},
		{"Problems", testProblems},
		{"Cancel", testCancel},
		{"Concurrent", testConcurrent},
		{"Order", testOrder},
		{"SameAsReplica", testSameAsReplica},
		{"Completeness", testCompleteness},
		{"InitCompleteness", testInitCompleteness},
		{"Crash", testCrash},
		{"OpenCrash", testOpenCrash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
	}
}

// testSchema: Open creates the tables once, finds them again, and refuses
// a schema it did not make.
func testSchema(t *testing.T, b backend) {
	ctx := context.Background()
	r, db := b.open(t)
	if r.Dialect() != b.dialect {
		t.Errorf("Dialect() = %s, want %s", r.Dialect(), b.dialect)
	}
	if v := queryInt(t, db, "SELECT version FROM replica_schema"); v != sqlreplica.SchemaVersion {
		t.Errorf("stored version %d, want %d", v, sqlreplica.SchemaVersion)
	}
	if _, err := sqlreplica.Open(ctx, db, nil); err != nil {
		t.Fatalf("opening the replica again: %v", err)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM replica_schema"); n != 1 {
		t.Errorf("replica_schema has %d rows after a second Open, want 1", n)
	}

	bad := []struct {
		name   string
		alter  []string
		table  string
		reason string
	}{
		{"newer version", []string{"UPDATE replica_schema SET version = 99"}, "replica_schema", "newer release"},
		{"table missing", []string{"DROP TABLE movements"}, "movements", "missing"},
		{"column added", []string{"ALTER TABLE accounts ADD COLUMN extra TEXT"}, "accounts", "unexpected column extra"},
		{"column missing", []string{"ALTER TABLE journals DROP COLUMN ferme"}, "journals", "column ferme is missing"},
		{"column retyped", []string{"ALTER TABLE vats DROP COLUMN taux", "ALTER TABLE vats ADD COLUMN taux " + realType(b)}, "vats", "column taux is of type"},
		{"foreign tables", []string{"DROP TABLE replica_schema"}, "", "holds no replica"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			db := b.newDB(t)
			if _, err := sqlreplica.Open(ctx, db, nil); err != nil {
				t.Fatal(err)
			}
			for _, q := range tt.alter {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			before := dump(t, db, tablesOf(t, db)...)
			_, err := sqlreplica.Open(ctx, db, nil)
			var se *sqlreplica.SchemaError
			if !errors.Is(err, sqlreplica.ErrSchema) || !errors.As(err, &se) {
				t.Fatalf("Open = %v, want a *SchemaError matching ErrSchema", err)
			}
			if se.Table != tt.table || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("Open = %v; want table %q and a reason with %q", err, tt.table, tt.reason)
			}
			if after := dump(t, db, tablesOf(t, db)...); after != before {
				t.Errorf("a refused Open changed the database")
			}
		})
	}
}

func realType(b backend) string {
	if b.dialect == sqlreplica.PostgreSQL {
		return "double precision"
	}
	return "REAL"
}

// tablesOf lists the tables of db.
func tablesOf(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
	if err != nil {
		rows, err = db.Query("SELECT name FROM sqlite_schema WHERE type = 'table'")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// testQuickstart syncs the quickstart's sink and checks the tables, then
// syncs again: nothing new.
func testQuickstart(t *testing.T, b backend) {
	ctx := context.Background()
	store := quickstartSink(t)
	rd, err := sink.NewReader(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, db := b.open(t)
	var progress []sqlreplica.Progress
	res, err := r.Sync(ctx, rd, nil, &sqlreplica.ApplyOptions{BatchSize: 10, Progress: func(p sqlreplica.Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	files := len(readAll(t, store, sinktest.DemoEntityID))
	if res.Files != files || res.Applied+res.Unchanged != files || res.Rejected+res.Unreadable+res.Done != 0 || len(res.Problems) != 0 {
		t.Errorf("first Sync: %+v, want %d files, all applied", res, files)
	}
	if want := (files + 9) / 10; len(progress) != want {
		t.Errorf("%d progress reports for %d files in batches of 10, want %d", len(progress), files, want)
	} else if last := progress[len(progress)-1]; last.Counts != res.Counts || last.Entity != sinktest.DemoEntityID {
		t.Errorf("last progress %+v, want the result's counts %+v for entity %s", last, res.Counts, sinktest.DemoEntityID)
	}

	checks := []struct {
		q    string
		want int64
	}{
		{"SELECT count(*) FROM accounts", 9},
		{"SELECT count(*) FROM journals", 3},
		{"SELECT count(*) FROM third_parties", 4},
		{"SELECT count(*) FROM entries", 7}, // 4 of 2023 and 4 of 2024, one deleted
		{"SELECT count(*) FROM entries WHERE id = 'ecr-2023-000002'", 0},
		{"SELECT count(*) FROM movements", 21},
		{"SELECT count(*) FROM periods", 4},
		{"SELECT count(*) FROM accounts WHERE numero = '601000' AND libelle = 'Achats de matières premières' AND analytique", 1},
	}
	for _, c := range checks {
		q := c.q
		if got := queryInt(t, db, q); got != c.want {
			t.Errorf("%s = %d, want %d", q, got, c.want)
		}
	}
	// The updated entry's new amounts, exact.
	credit := queryString(t, db, "SELECT CAST(credit AS TEXT) FROM movements WHERE entry_id = 'ecr-2024-000001' AND position = 0")
	want := "120.00"
	if b.dialect == sqlreplica.SQLite {
		want = "12000" // hundredths
	}
	if credit != want {
		t.Errorf("credit of the updated entry = %s, want %s", credit, want)
	}

	again, err := r.Sync(ctx, rd, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.New() != 0 || again.Done != files {
		t.Errorf("second Sync: %+v, want every file done before", again.Counts)
	}
}
