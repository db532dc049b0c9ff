package sqlreplica_test

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"runtime"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/cputime"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
	"github.com/ledgersink/ledgersink/sink/sqlreplica/pgtest"
	"github.com/shopspring/decimal"
)

// The benchmarks apply n entry insertions (three movements each) to a new
// replica, in batches of benchBatch events, beside a ceiling: the same
// entries' rows (entry and movements) inserted with plain prepared
// statements in transactions of the same size, without state, files or
// checks.
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 30m ./
//
// Each iteration starts from an empty database (set up outside the timer);
// events/s is the figure to compare; B/event (allocated per event) and
// live-KiB (left on the heap after the run) show that memory does not grow
// with n; cpu-µs/event is this process's CPU time per event.

const benchBatch = 500

// benchItems yields n distinct entry insertions, built from a pool of 1,000
// demo entries so that building them costs little and holds no memory per
// event.
func benchItems(n int) iter.Seq2[*sink.Item, error] {
	pool := make([]*entry.Entry, 1000)
	for i := range pool {
		pool[i] = sinktest.Entry(fmt.Sprintf("ecr-%06d", i), 2024, i)
	}
	at := time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC)
	return func(yield func(*sink.Item, error) bool) {
		for i := range n {
			ev := &sink.Event{Name: sink.EntryInserted, Envelope: sink.Envelope{Timestamp: sinktest.Timestamp,
				ApplicationID: sinktest.DemoApplicationID, EntityID: sinktest.DemoEntityID, ID: fmt.Sprintf("ecr-%08d", i)},
				Data: pool[i%len(pool)]}
			f := sink.FileName{Event: ev.Name, Offset: int64(i), Time: at}
			if !yield(&sink.Item{Key: sink.Key(ev.EntityID, f), File: f, Event: ev}, nil) {
				return
			}
		}
	}
}

func BenchmarkApply(b *testing.B) {
	backends := []struct {
		name string
		be   func(b *testing.B) backend
	}{
		{"sqlite", func(*testing.B) backend { return sqliteBackend() }},
		{"postgres", func(b *testing.B) backend {
			srv := pgtest.Start(b, &pgtest.Options{Durable: true})
			return backend{dialect: sqlreplica.PostgreSQL, driverName: "pgx", newDSN: srv.NewDatabase}
		}},
	}
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			be := bk.be(b)
			for _, n := range []int{10_000, 100_000} {
				b.Run(fmt.Sprintf("events=%d/replica", n), func(b *testing.B) {
					benchRun(b, be, n, func(ctx context.Context, db *sql.DB) error {
						r, err := sqlreplica.Open(ctx, db, nil)
						if err != nil {
							return err
						}
						res, err := r.Apply(ctx, benchItems(n), &sqlreplica.ApplyOptions{BatchSize: benchBatch})
						if err == nil && res.Applied != n {
							err = fmt.Errorf("applied %d of %d", res.Applied, n)
						}
						return err
					})
				})
				b.Run(fmt.Sprintf("events=%d/ceiling", n), func(b *testing.B) {
					benchRun(b, be, n, func(ctx context.Context, db *sql.DB) error { return ceiling(ctx, db, be.dialect, n) })
				})
			}
		})
	}
}

// benchRun times apply on a new database with the replica's tables, per
// iteration, and reports events/s and the bytes allocated per event.
func benchRun(b *testing.B, be backend, n int, apply func(ctx context.Context, db *sql.DB) error) {
	ctx := context.Background()
	var elapsed, cpu time.Duration
	var ms0, ms1 runtime.MemStats
	var alloc, live uint64
	for b.Loop() {
		b.StopTimer()
		db := be.newDB(b)
		if _, err := sqlreplica.Open(ctx, db, nil); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		b.StartTimer()
		start, cpu0 := time.Now(), cputime.Process()
		if err := apply(ctx, db); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		cpu += cputime.Process() - cpu0
		runtime.ReadMemStats(&ms1)
		alloc += ms1.TotalAlloc - ms0.TotalAlloc
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		live = max(live, ms1.HeapAlloc-min(ms1.HeapAlloc, ms0.HeapAlloc))
		db.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(alloc)/float64(n*b.N), "B/event")
	// What the run left on the heap: nothing that grows with n.
	b.ReportMetric(float64(live)/1024, "live-KiB")
	// The process's CPU time per event: SQLite's work, not PostgreSQL's
	// (another process); steadier than events/s on a busy machine.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/event")
}

// ceiling inserts the entries' rows with one prepared statement per table,
// in transactions of benchBatch entries: what the replica's writes cost
// without any bookkeeping.
func ceiling(ctx context.Context, db *sql.DB, d sqlreplica.Dialect, n int) error {
	mark := func(i int) string {
		if d == sqlreplica.PostgreSQL {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	marks := func(k int) string {
		s := ""
		for i := 1; i <= k; i++ {
			if i > 1 {
				s += ", "
			}
			s += mark(i)
		}
		return s
	}
	amount := func(v decimal.Decimal) any {
		if d == sqlreplica.PostgreSQL {
			return v.String()
		}
		return v.Shift(2).IntPart()
	}
	var tx *sql.Tx
	var insEntry, insMove *sql.Stmt
	count := 0
	for it := range benchItems(n) {
		if tx == nil {
			var err error
			if tx, err = db.BeginTx(ctx, nil); err != nil {
				return err
			}
			if insEntry, err = tx.PrepareContext(ctx, "INSERT INTO entries (entite_id, id, producer_id, date, due_date, journal_producer_id, "+
				"journal_code, journal_name, journal_type, currency_code, currency_rate, timestamp, file_key, file_offset, payload) VALUES ("+marks(15)+")"); err != nil {
				return err
			}
			if insMove, err = tx.PrepareContext(ctx, "INSERT INTO movements (entite_id, entry_id, position, producer_id, description, credit, debit, amount, "+
				"due_date, lettering_state, lettering_value, free_number, invoice_number, account_producer_id, account_number, account_name, "+
				"payment_producer_id, payment_name, payment_code) VALUES ("+marks(19)+")"); err != nil {
				return err
			}
		}
		ev := it.Event
		e := ev.Data.(*entry.Entry)
		payload, err := e.MarshalJSON()
		if err != nil {
			return err
		}
		if _, err := insEntry.ExecContext(ctx, ev.EntityID, ev.ID, e.ProducerID, e.Date.String(), nil, e.Journal.ProducerID,
			e.Journal.CustomerReferenceCode, e.Journal.Name, string(e.Journal.Type), e.Currency.Code, nil,
			ev.Timestamp, it.Key, it.File.Offset, string(payload)); err != nil {
			return err
		}
		for i, m := range e.Movements {
			if _, err := insMove.ExecContext(ctx, ev.EntityID, ev.ID, i, m.ProducerID, m.Description,
				amount(m.Value.Credit), amount(m.Value.Debit), amount(m.Value.Amount), nil, string(m.Lettering.State()), nil, nil, nil,
				m.Account.ProducerID, *m.Account.Number, *m.Account.Name, nil, nil, nil); err != nil {
				return err
			}
		}
		if count++; count%benchBatch == 0 {
			if err := tx.Commit(); err != nil {
				return err
			}
			tx = nil
		}
	}
	if tx != nil {
		return tx.Commit()
	}
	return nil
}
