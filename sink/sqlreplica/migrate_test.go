package sqlreplica_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
)

// entryWithType returns an entry insertion whose payload carries the
// platform's entry type and branch, as read from a file.
func entryWithType(t testing.TB, id string, typ int, branch string) *sink.Event {
	t.Helper()
	ev := &sink.Event{Name: sink.EntryInserted, Envelope: sink.Envelope{Timestamp: sinktest.ChangedAt,
		ApplicationID: sinktest.DemoApplicationID, EntityID: sinktest.DemoEntityID, ID: id}, Data: sinktest.Entry(id, 2024, 9)}
	data, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["type"], _ = json.Marshal(typ)
	m["etablissement_id"], _ = json.Marshal(branch)
	data, _ = json.Marshal(m)
	dec, err := sink.DecodeEvent(sink.EntryInserted, data)
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

// testMigrate: a database of schema version 1 (without the entries' type
// and branch columns) is migrated when opened: the columns are added and
// filled from the payloads kept, giving the database a replica of the
// current version builds from the same files.
func testMigrate(t *testing.T, b backend) {
	ctx := context.Background()
	items := append(readAll(t, quickstartSink(t), sinktest.DemoEntityID), item(entryWithType(t, "ecr-typed", 5, "br-siege"), 900))
	db, dsn := b.newDBAt(t)
	r, err := sqlreplica.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Apply(ctx, seqOf(items), nil); err != nil {
		t.Fatal(err)
	}
	if got := row(t, db, "SELECT type, etablissement_id FROM entries WHERE id = 'ecr-typed'"); got != "5|br-siege" {
		t.Fatalf("type and branch of the entry: %s, want 5|br-siege", got)
	}
	want := dump(t, db, allTables...)

	// What version 1 wrote: the same rows without the columns of version 2.
	for _, q := range append(dropVersion2(), "UPDATE replica_schema SET version = 1") {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := sqlreplica.Open(ctx, db, nil); err != nil {
		t.Fatalf("opening a version 1 database: %v", err)
	}
	// (A new connection: PostgreSQL refuses the plans of SELECT * cached
	// before the columns changed.)
	if got := dump(t, b.openDSN(t, dsn), allTables...); got != want {
		t.Errorf("the migrated database differs from a new one (+got -want):\n%s", diffLines(got, want))
	}

	// A version 1 database that was altered is not migrated.
	for _, q := range append(dropVersion2(), "ALTER TABLE movements DROP COLUMN description", "UPDATE replica_schema SET version = 1") {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := sqlreplica.Open(ctx, db, nil); err == nil {
		t.Errorf("an altered version 1 database was migrated")
	}
}

// dropVersion2 returns the statements that remove the columns schema
// version 2 added (see SchemaVersion).
func dropVersion2() []string {
	var out []string
	for table, cols := range map[string][]string{
		"entries":       {"type", "etablissement_id", "validation"},
		"bank_accounts": {"rib", "is_default"},
		"sections":      {"description"},
		"third_parties": {"nature", "prenom", "nom_usuel", "telephone", "fax", "site_web", "adr", "rib", "validation", "soumis_tva"},
		"vats":          {"description", "collecte"},
		"branches":      {"prenom"},
	} {
		for _, c := range cols {
			out = append(out, "ALTER TABLE "+table+" DROP COLUMN "+c)
		}
	}
	return out
}
