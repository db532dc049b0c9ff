// Command sqlreplica keeps a SQL database in sync with a sink folder, such
// as the quickstart's output, then reports from SQL: the trial balance per
// account for a date range, the open (unlettered) items per third-party
// account, and the entries per journal.
//
//	go run . [-dir DIR] [-db FILE | -postgres URL] [-entity ID] [-from DATE] [-to DATE]
//
// The database is a SQLite file (replica.db by default), or PostgreSQL with
// -postgres. Each run applies the files it has not applied yet, exactly
// once, and says when there is nothing new. Exit status: 0 when done (and
// for -h), 1 on an error or a change missing from the daily reports, 2 on a
// usage error.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/shopspring/decimal"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", pure Go
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Stdout, os.Stderr, os.Args[1:], time.Now)
	stop()
	os.Exit(code)
}

const usage = "usage: sqlreplica [-dir DIR] [-db FILE | -postgres URL] [-entity ID] [-from YYYY-MM-DD] [-to YYYY-MM-DD]"

func run(ctx context.Context, stdout, stderr io.Writer, args []string, now func() time.Time) int {
	fs := flag.NewFlagSet("sqlreplica", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	dir := fs.String("dir", "sink-out", "the sink folder to replicate (the quickstart writes ./sink-out)")
	file := fs.String("db", "replica.db", "the SQLite database file")
	pgURL := fs.String("postgres", "", "a PostgreSQL URL (postgres://user:password@host:port/db): replicate there instead of SQLite")
	only := fs.String("entity", "", "replicate and report only this entity (default: every entity of the folder)")
	fromFlag := fs.String("from", "", "first day of the trial balance (default: the first entry's)")
	toFlag := fs.String("to", "", "last day of the trial balance (default: the last entry's)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var from, to *period.Date
	for _, f := range []struct {
		s string
		d **period.Date
	}{{*fromFlag, &from}, {*toFlag, &to}} {
		if f.s == "" {
			continue
		}
		d, err := period.ParseDate(f.s)
		if err != nil {
			fmt.Fprintf(stderr, "sqlreplica: %v\n%s\n", err, usage)
			return 2
		}
		*f.d = &d
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sqlreplica: unexpected arguments %q\n%s\n", fs.Args(), usage)
		return 2
	}
	if err := replicate(ctx, stdout, *dir, *file, *pgURL, *only, from, to, now); err != nil {
		fmt.Fprintln(stderr, "sqlreplica:", err)
		return 1
	}
	return 0
}

var errMissing = errors.New("changes listed by the daily reports were not received")

func replicate(ctx context.Context, out io.Writer, dir, file, pgURL, only string, from, to *period.Date, now func() time.Time) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("the sink folder: %w (write one with: go run ./examples/quickstart)", err)
	}
	store, err := filestore.New(dir, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	rd, err := sink.NewReader(store, nil)
	if err != nil {
		return err
	}

	driver, dsn, where := "sqlite", "file:"+file+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)", "SQLite "+file
	if pgURL != "" {
		driver, dsn, where = "pgx", pgURL, "PostgreSQL "+redact(pgURL)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	replica, err := sqlreplica.Open(ctx, db, nil)
	if err != nil {
		return err
	}
	defer replica.Close()
	fmt.Fprintf(out, "database: %s\n", where)

	var entities []string
	if only != "" {
		entities = []string{only}
	}
	res, err := replica.Sync(ctx, rd, entities, nil)
	if err != nil {
		return err
	}
	if res.New() == 0 {
		fmt.Fprintf(out, "sync: nothing new: %d files applied before\n", res.Done)
	} else {
		fmt.Fprintf(out, "sync: %d new files: %d applied, %d unchanged, %d conflicts, %d rejected; %d applied before\n",
			res.New(), res.Applied, res.Unchanged, res.Conflicts, res.Rejected, res.Done)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(out, "  problem: %v\n", p)
	}
	if entities == nil {
		for e, err := range rd.Entities(ctx) {
			if err != nil {
				return err
			}
			entities = append(entities, e)
		}
	}
	q := &queries{db: db, pg: replica.Dialect() == sqlreplica.PostgreSQL}
	missing := false
	for _, e := range entities {
		fmt.Fprintf(out, "\nentity %s\n", e)
		pages, err := rd.DailyReports(ctx, e)
		if err != nil {
			return err
		}
		switch rep, err := rd.InitReport(ctx, e); {
		case errors.Is(err, sink.ErrNoInitialization):
			fmt.Fprintf(out, "initialization: no report\n")
			missing = true
		case err != nil:
			return err
		default:
			ic, err := sink.CheckInit(rep, replica.Items(ctx, e))
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "initialization: %d objects reported, %d missing\n", rep.Report.Total(), ic.Missing())
			missing = missing || ic.Missing() > 0
		}
		check, err := sink.CheckDaily("", pages, replica.Received(ctx, e), now())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "daily reports: %d changes listed, %d missing\n", check.Expected, len(check.Missing))
		for _, m := range check.Missing {
			fmt.Fprintf(out, "  missing: %s %s of %s\n", m.Event, m.ID, time.UnixMilli(m.Timestamp).UTC().Format(time.RFC3339))
			missing = true
		}
		if err := q.trialBalance(ctx, out, e, from, to); err != nil {
			return err
		}
		if err := q.openItems(ctx, out, e); err != nil {
			return err
		}
		if err := q.journals(ctx, out, e); err != nil {
			return err
		}
	}
	if missing {
		return errMissing
	}
	return nil
}

// redact hides the password of a URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(URL)"
	}
	return u.Redacted()
}

// queries runs the reports, in SQL.
type queries struct {
	db *sql.DB
	pg bool
}

// bind turns the ? of q into PostgreSQL's $1, $2, ...
func (q *queries) bind(s string) string {
	if !q.pg {
		return s
	}
	var b strings.Builder
	n := 0
	for _, c := range s {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// money formats an amount column: PostgreSQL's numeric as it is, SQLite's
// integer hundredths divided by 100; exact in both, two decimals.
func (q *queries) money(s sql.NullString) string {
	if !s.Valid {
		s.String = "0"
	}
	d, err := decimal.NewFromString(s.String)
	if err != nil {
		return "?" + s.String
	}
	if !q.pg {
		d = d.Shift(-2)
	}
	return d.StringFixed(2)
}

func (q *queries) each(ctx context.Context, query string, args []any, dest []any, fn func() error) error {
	rows, err := q.db.QueryContext(ctx, q.bind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// trialBalance prints, per account, the debits, credits and balance of the
// entries dated in [from, to], and their totals.
func (q *queries) trialBalance(ctx context.Context, out io.Writer, entity string, from, to *period.Date) error {
	lo, hi := "0001-01-01", "9999-12-31"
	if from != nil {
		lo = from.String()
	}
	if to != nil {
		hi = to.String()
	}
	date := "e.date"
	if q.pg {
		date = "CAST(e.date AS text)"
	}
	switch {
	case from == nil && to == nil:
		fmt.Fprintln(out, "\ntrial balance, all entries:")
	default:
		fmt.Fprintf(out, "\ntrial balance, entries dated %s to %s:\n", lo, hi)
	}
	fmt.Fprintf(out, "  %-8s %-36s %12s %12s %12s\n", "account", "label", "debit", "credit", "balance")
	var number, label, debit, credit, balance sql.NullString
	err := q.each(ctx, `SELECT m.account_number, coalesce(max(a.libelle), max(m.account_name)),
		sum(m.debit), sum(m.credit), sum(m.debit) - sum(m.credit)
		FROM movements m
		JOIN entries e ON e.entite_id = m.entite_id AND e.id = m.entry_id
		LEFT JOIN accounts a ON a.entite_id = m.entite_id AND a.numero = m.account_number
		WHERE m.entite_id = ? AND `+date+` BETWEEN ? AND ?
		GROUP BY m.account_number ORDER BY m.account_number`,
		[]any{entity, lo, hi}, []any{&number, &label, &debit, &credit, &balance}, func() error {
			fmt.Fprintf(out, "  %-8s %-36s %12s %12s %12s\n", number.String, label.String, q.money(debit), q.money(credit), q.money(balance))
			return nil
		})
	if err != nil {
		return err
	}
	return q.each(ctx, `SELECT sum(m.debit), sum(m.credit), sum(m.debit) - sum(m.credit)
		FROM movements m JOIN entries e ON e.entite_id = m.entite_id AND e.id = m.entry_id
		WHERE m.entite_id = ? AND `+date+` BETWEEN ? AND ?`,
		[]any{entity, lo, hi}, []any{&debit, &credit, &balance}, func() error {
			fmt.Fprintf(out, "  %-8s %-36s %12s %12s %12s\n", "total", "", q.money(debit), q.money(credit), q.money(balance))
			return nil
		})
}

// openItems prints the lines not lettered (or partly) of the accounts of
// third parties, per account.
func (q *queries) openItems(ctx context.Context, out io.Writer, entity string) error {
	fmt.Fprintln(out, "\nopen items (not lettered) per third-party account, amounts credit - debit:")
	var number, party, entryID, date, description, amount sql.NullString
	last := ""
	return q.each(ctx, `SELECT a.numero, tp.code || ' ' || tp.nom, e.id, CAST(e.date AS text), m.description, m.amount
		FROM third_parties tp
		JOIN accounts a ON a.entite_id = tp.entite_id AND a.id = tp.compte_contrepartie_id
		JOIN movements m ON m.entite_id = a.entite_id AND m.account_number = a.numero
		JOIN entries e ON e.entite_id = m.entite_id AND e.id = m.entry_id
		WHERE tp.entite_id = ? AND m.lettering_state <> 'complete'
		ORDER BY a.numero, e.date, e.id, m.position`,
		[]any{entity}, []any{&number, &party, &entryID, &date, &description, &amount}, func() error {
			if number.String != last {
				fmt.Fprintf(out, "  %s (%s)\n", number.String, party.String)
				last = number.String
			}
			fmt.Fprintf(out, "    %s %-16s %-36s %12s\n", date.String, entryID.String, description.String, q.money(amount))
			return nil
		})
}

// journals prints the entries of each journal, with their totals.
func (q *queries) journals(ctx context.Context, out io.Writer, entity string) error {
	fmt.Fprintln(out, "\nentries per journal, with their debits and credits:")
	var code, name, entryID, date, debit, credit sql.NullString
	last := ""
	return q.each(ctx, `SELECT e.journal_code, e.journal_name, e.id, CAST(e.date AS text), sum(m.debit), sum(m.credit)
		FROM entries e JOIN movements m ON m.entite_id = e.entite_id AND m.entry_id = e.id
		WHERE e.entite_id = ?
		GROUP BY e.journal_code, e.journal_name, e.id, e.date
		ORDER BY e.journal_code, e.date, e.id`,
		[]any{entity}, []any{&code, &name, &entryID, &date, &debit, &credit}, func() error {
			if code.String != last {
				fmt.Fprintf(out, "  %s %s\n", code.String, name.String)
				last = code.String
			}
			fmt.Fprintf(out, "    %s %-16s %12s %12s\n", date.String, entryID.String, q.money(debit), q.money(credit))
			return nil
		})
}
