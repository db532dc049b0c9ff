package sqlreplica_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ledgersink/ledgersink/sink/sqlreplica"
)

// This file wraps a database driver to fail at a chosen statement, as a
// crash or a lost connection would: the statement is not run ("before"),
// or it is run and its outcome lost ("after").

var errFault = errors.New("injected fault")

// faults counts the statements (queries, executions, begins and commits)
// and fails the one numbered failAt.
type faults struct {
	mu     sync.Mutex
	n      int
	failAt int  // 0: never
	after  bool // run the statement, then fail
}

// step counts a statement and says whether to fail it.
func (f *faults) step() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	return f.n == f.failAt
}

func (f *faults) reset(failAt int, after bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n, f.failAt, f.after = 0, failAt, after
}

func (f *faults) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// faultDB opens dsn through drv, with faults injected by f.
func faultDB(t testing.TB, drv driver.Driver, dsn string, f *faults) *sql.DB {
	db := sql.OpenDB(&fconnector{drv: drv, dsn: dsn, f: f})
	t.Cleanup(func() { db.Close() })
	return db
}

type fconnector struct {
	drv driver.Driver
	dsn string
	f   *faults
}

func (c *fconnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &fconn{Conn: conn, f: c.f}, nil
}

func (c *fconnector) Driver() driver.Driver { return c.drv }

type fconn struct {
	driver.Conn
	f *faults
}

func (c *fconn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	fail := c.f.step()
	if fail && !c.f.after {
		return nil, errFault
	}
	res, err := c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
	if fail {
		return nil, errFault
	}
	return res, err
}

func (c *fconn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	fail := c.f.step()
	if fail && !c.f.after {
		return nil, errFault
	}
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
	if fail {
		if err == nil {
			rows.Close()
		}
		return nil, errFault
	}
	return rows, err
}

func (c *fconn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &fstmt{Stmt: s, f: c.f}, nil
}

// fstmt is a prepared statement whose executions count as statements.
type fstmt struct {
	driver.Stmt
	f *faults
}

func (s *fstmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	fail := s.f.step()
	if fail && !s.f.after {
		return nil, errFault
	}
	res, err := s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if fail {
		return nil, errFault
	}
	return res, err
}

func (s *fstmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	fail := s.f.step()
	if fail && !s.f.after {
		return nil, errFault
	}
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if fail {
		if err == nil {
			rows.Close()
		}
		return nil, errFault
	}
	return rows, err
}

func (c *fconn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	fail := c.f.step()
	if fail && !c.f.after {
		return nil, errFault
	}
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	if fail {
		tx.Rollback()
		return nil, errFault
	}
	return &ftx{Tx: tx, f: c.f}, nil
}

type ftx struct {
	driver.Tx
	f *faults
}

func (t *ftx) Commit() error {
	if !t.f.step() {
		return t.Tx.Commit()
	}
	if t.f.after {
		if err := t.Tx.Commit(); err != nil {
			return err
		}
	} else {
		t.Tx.Rollback()
	}
	return errFault
}

// testCrash: a failure at any statement of a sync, then a new run, ends in
// the database an uninterrupted run gives; the failed run leaves only
// whole batches.
func testCrash(t *testing.T, b backend) {
	ctx := context.Background()
	items := readAll(t, quickstartSink(t), "ae9c6905-0035-4ce6-9d27-2c26b317035e")
	opts := &sqlreplica.ApplyOptions{BatchSize: 8}

	// The reference: an uninterrupted run, counting its statements.
	f := &faults{}
	plain, dsn := b.newDBAt(t)
	db := faultDB(t, plain.Driver(), dsn, f)
	r, err := sqlreplica.Open(ctx, db, &sqlreplica.Options{Dialect: b.dialect})
	if err != nil {
		t.Fatal(err)
	}
	f.reset(0, false)
	if _, err := r.Apply(ctx, seqOf(items), opts); err != nil {
		t.Fatal(err)
	}
	statements := f.count()
	want := dump(t, db, allTables...)
	if statements < 40 || statements > 1000 { // 5 batches of at least 8 statements
		t.Fatalf("the reference run took %d statements", statements)
	}
	t.Logf("%d statements", statements)

	for _, after := range []bool{false, true} {
		for at := 1; at <= statements; at++ {
			name := fmt.Sprintf("statement %d of %d, fault %s it", at, statements, map[bool]string{false: "before", true: "after"}[after])
			clear(t, db)
			f.reset(at, after)
			res, err := r.Apply(ctx, seqOf(items), opts)
			if !errors.Is(err, errFault) {
				t.Fatalf("%s: Apply = %v, want the fault", name, err)
			}
			f.reset(0, false)
			// A fault after a commit loses the news of a batch that is
			// in: the database holds the batches counted, or one more.
			n := queryInt(t, db, "SELECT count(*) FROM replica_files")
			if n < int64(res.New()) || n > int64(res.New())+8 || n%8 != 0 && n != int64(len(items)) {
				t.Errorf("%s: the failed run left %d files recorded and counted %d; want whole batches of 8", name, n, res.New())
			}
			if _, err := r.Apply(ctx, seqOf(items), opts); err != nil {
				t.Fatalf("%s: the run after: %v", name, err)
			}
			if got := dump(t, db, allTables...); got != want {
				t.Fatalf("%s: the database differs from an uninterrupted run's (+got -want):\n%s", name, diffLines(got, want))
			}
		}
	}
}

// clear empties every table of the replica but its schema version.
func clear(t testing.TB, db *sql.DB) {
	t.Helper()
	for _, name := range allTables[1:] {
		if _, err := db.Exec("DELETE FROM " + name); err != nil {
			t.Fatal(err)
		}
	}
}

// testOpenCrash: a failure at any statement of the schema's creation, then
// a new Open, gives the whole schema.
func testOpenCrash(t *testing.T, b backend) {
	ctx := context.Background()
	f := &faults{}
	plain, dsn := b.newDBAt(t)
	db := faultDB(t, plain.Driver(), dsn, f)
	if _, err := sqlreplica.Open(ctx, db, &sqlreplica.Options{Dialect: b.dialect}); err != nil {
		t.Fatal(err)
	}
	statements := f.count()
	step := 1
	if b.dialect == sqlreplica.PostgreSQL {
		step = 7 // a new database each time costs a lot more there
	}
	for at := 1; at <= statements; at += step {
		for _, after := range []bool{false, true} {
			plain, dsn := b.newDBAt(t)
			db := faultDB(t, plain.Driver(), dsn, f)
			f.reset(at, after)
			if _, err := sqlreplica.Open(ctx, db, &sqlreplica.Options{Dialect: b.dialect}); !errors.Is(err, errFault) {
				t.Fatalf("statement %d (after: %t): Open = %v, want the fault", at, after, err)
			}
			f.reset(0, false)
			if _, err := sqlreplica.Open(ctx, db, &sqlreplica.Options{Dialect: b.dialect}); err != nil {
				t.Fatalf("statement %d (after: %t): the Open after: %v", at, after, err)
			}
		}
	}
}
