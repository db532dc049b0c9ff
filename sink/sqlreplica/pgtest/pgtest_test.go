package pgtest_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/ledgersink/ledgersink/sink/sqlreplica/pgtest"
)

// TestStart starts a cluster, creates two databases and checks that they
// are separate and that the server is the one started.
func TestStart(t *testing.T) {
	srv := pgtest.Start(t, nil)
	ctx := context.Background()
	a, b := srv.Open(t), srv.Open(t)
	if _, err := a.ExecContext(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = 't'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a table created in one database shows in the other")
	}
	var fsync string
	if err := a.QueryRowContext(ctx, "SHOW fsync").Scan(&fsync); err != nil {
		t.Fatal(err)
	}
	if fsync != "off" {
		t.Errorf("fsync = %s; the test cluster runs without it", fsync)
	}
	var _ *sql.DB = a
}
