package sqlreplica_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// A partner's program: keep a SQLite file in sync with a sink, then query
// it. Running Sync again applies nothing twice.
func ExampleReplica_Sync() {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }})
	if _, err := w.Initialize(ctx, sinktest.Company(nil), nil); err != nil { // the demo company's sink
		log.Fatal(err)
	}

	dir, _ := os.MkdirTemp("", "replica")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "replica.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	replica, err := sqlreplica.Open(ctx, db, nil)
	if err != nil {
		log.Fatal(err)
	}
	rd, err := sink.NewReader(store, nil)
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		res, err := replica.Sync(ctx, rd, nil, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("applied %d, done before %d, problems %d\n", res.Applied, res.Done, len(res.Problems))
	}

	var n int
	var credit int64 // SQLite: hundredths
	if err := db.QueryRowContext(ctx, "SELECT count(*), sum(credit) FROM movements WHERE account_number = '401000'").Scan(&n, &credit); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("401000: %d lines, credit %d.%02d\n", n, credit/100, credit%100)
	// Output:
	// applied 33, done before 0, problems 0
	// applied 0, done before 33, problems 0
	// 401000: 8 lines, credit 1104.00
}
