package sqlreplica_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
	"github.com/shopspring/decimal"
)

// randomEvents returns a producer's random changes of a few accounts, VAT
// rates, periods, reconciliations and entries: insertions, updates of some
// fields, deletions, entry updates (a deletion marked miseAJour and an
// insertion of the same timestamp), with timestamps that often tie (so that
// some events conflict), each as an item of a file of its own.
func randomEvents(rng *rand.Rand) []*sink.Item {
	const entity = sinktest.DemoEntityID
	ts := int64(1_700_000_000_000)
	var events []*sink.Event
	env := func(id string) sink.Envelope {
		return sink.Envelope{Timestamp: ts, ApplicationID: sinktest.DemoApplicationID, EntityID: entity, ID: id}
	}
	add := func(n sink.EventName, id string, data any, changed []string) {
		events = append(events, &sink.Event{Name: n, Envelope: env(id), Data: data, Changed: changed})
	}
	accounts := map[string]*sink.Account{}
	pick := func(prefix string, n int) string { return fmt.Sprintf("%s-%d", prefix, rng.IntN(n)) }
	for range 15 + rng.IntN(25) {
		ts += int64(rng.IntN(2)) // ties are frequent
		switch rng.IntN(10) {
		case 9:
			tp := &sink.ThirdParty{Code: fmt.Sprint("F", rng.IntN(100)), Kind: sink.Supplier, Name: "Durand", Nature: sink.LegalPerson,
				SubjectToVAT: rng.IntN(2) == 0, Address: sink.RawJSON(fmt.Sprintf(`{"ville":"Paris","cp":"750%02d"}`, rng.IntN(20)))}
			add(sink.ThirdPartyInserted, pick("tp", 2), tp, nil)
		case 0, 1, 2:
			id := pick("acc", 3)
			a := &sink.Account{Number: fmt.Sprint(401000 + rng.IntN(99)), Label: fmt.Sprint("Compte ", rng.IntN(1000)), Type: sink.AccountType(1 + rng.IntN(7)),
				Letterable: rng.IntN(2) == 0, Closed: rng.IntN(3) == 0}
			if rng.IntN(3) == 0 {
				a.VATID = new(pick("vat", 2))
			}
			cur := accounts[id]
			if cur == nil || rng.IntN(3) == 0 {
				add(sink.AccountInserted, id, a, nil)
				accounts[id] = a
				continue
			}
			nu := *cur
			nu.Label, nu.Closed = a.Label, a.Closed
			changed, err := sink.Changes(cur, &nu)
			if err != nil || len(changed) == 0 {
				continue
			}
			add(sink.AccountUpdated, id, &nu, changed)
			accounts[id] = &nu
		case 3:
			add(sink.AccountDeleted, pick("acc", 3), nil, nil)
		case 4:
			rate := decimal.New(int64(rng.IntN(2500)), -int32(rng.IntN(3)))
			add(sink.VATInserted, pick("vat", 2), &sink.VAT{Code: "T" + fmt.Sprint(rng.IntN(9)), Label: "TVA", Rate: rate, Regime: 1}, nil)
		case 5:
			start, _ := period.NewDate(2020+rng.IntN(5), time.January, 1)
			p := &sink.Period{Kind: period.KindExercise, Start: start, End: start.AddDays(364)}
			if rng.IntN(2) == 0 {
				p.Status = new(period.StatusOpen)
			}
			add(sink.PeriodInserted, pick("per", 2), p, nil)
		case 6:
			d, _ := period.NewDate(2024, time.March, 1+rng.IntN(28))
			ids := []string{pick("ecr", 4)}
			if rng.IntN(2) == 0 {
				ids = append(ids, pick("ecr", 4))
			}
			add(sink.ReconciliationInserted, pick("rec", 2), &sink.Reconciliation{BankAccountID: "bank-1", Date: d,
				Amount: decimal.New(int64(rng.IntN(100000)), -2), Statement: fmt.Sprint("R", rng.IntN(50)), EntryIDs: ids}, nil)
		case 7:
			id := pick("ecr", 4)
			e := sinktest.Entry(id, 2024, rng.IntN(40))
			if rng.IntN(2) == 0 {
				e.Movements[0].Lettering, _ = lettering.Complete("A")
			}
			if rng.IntN(2) == 0 { // an update: its two halves
				events = append(events, &sink.Event{Name: sink.EntryDeleted, Envelope: env(id), Update: true})
			}
			add(sink.EntryInserted, id, e, nil)
		case 8:
			add(sink.EntryDeleted, pick("ecr", 4), nil, nil)
		}
	}
	items := make([]*sink.Item, len(events))
	for i, ev := range events {
		items[i] = item(ev, int64(i))
	}
	return items
}

// testSameAsReplica: for random event sets and delivery orders, the SQL
// replica holds what the SDK's in-memory Replica holds, object by object
// (payload and typed columns), whatever the order and the batch size.
func testSameAsReplica(t *testing.T, b backend) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	sets, orders := 25, 4
	if b.dialect == sqlreplica.PostgreSQL {
		sets = 12
	}
	r, db := b.open(t)
	for set := range sets {
		items := randomEvents(rng)
		for o := range orders {
			order := slices.Clone(items)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			if o > 0 { // re-deliveries
				for range 3 {
					order = slices.Insert(order, rng.IntN(len(order)+1), order[rng.IntN(len(order))])
				}
			}
			mem := sink.NewReplica(sinktest.DemoEntityID)
			for _, it := range order {
				if _, err := mem.Apply(it.Event); err != nil {
					t.Fatalf("set %d: in-memory Apply(%s %s): %v", set, it.Event.Name, it.Event.ID, err)
				}
			}
			clear(t, db)
			res, err := r.Apply(ctx, seqOf(order), &sqlreplica.ApplyOptions{BatchSize: 1 + rng.IntN(12)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rejected != 0 {
				t.Fatalf("set %d: rejected %v", set, res.Problems)
			}
			if diff := compareReplicas(t, db, b.dialect, mem); diff != "" {
				t.Fatalf("set %d, order %d: the SQL replica differs from the in-memory one:\n%s", set, o, diff)
			}
		}
	}
}

// compareReplicas lists the differences between the SQL replica in db and
// mem: the objects each holds, their payloads, and their typed columns.
func compareReplicas(t *testing.T, db *sql.DB, d sqlreplica.Dialect, mem *sink.Replica) string {
	t.Helper()
	var diffs []string
	diff := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	for _, o := range sink.Objects() {
		tbl := tableName(o)
		got := map[string]string{}
		rows, err := db.Query("SELECT id, payload FROM " + tbl)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, payload string
			if err := rows.Scan(&id, &payload); err != nil {
				t.Fatal(err)
			}
			got[id] = payload
		}
		rows.Close()
		n := 0
		for id := range mem.Objects(o) {
			n++
			want := string(mem.State(o, id).Payload())
			if got[id] != want {
				diff("%s %s: payload %s, want %s", o, id, got[id], want)
			}
		}
		if n != len(got) {
			diff("%s: %d objects, want %d", o, len(got), n)
		}
	}
	amount := func(v decimal.Decimal) string {
		if d == sqlreplica.SQLite {
			return v.Shift(2).String() // hundredths
		}
		return numberText(v)
	}
	// The typed columns, mapped by hand from the typed payloads.
	for id, a := range sink.All[*sink.Account](mem) {
		want := fmt.Sprintf("%s|%s|%t|%t|%s|%d", a.Number, a.Label, a.Letterable, a.Closed, deref(a.VATID), a.Type)
		got := row(t, db, "SELECT numero, libelle, CASE WHEN lettrable THEN 'true' ELSE 'false' END, "+
			"CASE WHEN ferme THEN 'true' ELSE 'false' END, coalesce(tva_id, ''), type FROM accounts WHERE id = '"+id+"'")
		if got != want {
			diff("account %s: columns %s, want %s", id, got, want)
		}
	}
	for id, p := range sink.All[*sink.ThirdParty](mem) {
		want := fmt.Sprintf("%s|%d|%t|%s", p.Code, p.Nature, p.SubjectToVAT, p.Address)
		got := row(t, db, "SELECT code, nature, CASE WHEN soumis_tva THEN 'true' ELSE 'false' END, CAST(adr AS TEXT) FROM third_parties WHERE id = '"+id+"'")
		if got != want {
			diff("third party %s: columns %s, want %s", id, got, want)
		}
	}
	for id, v := range sink.All[*sink.VAT](mem) {
		if got := row(t, db, "SELECT code, CAST(taux AS TEXT) FROM vats WHERE id = '"+id+"'"); got != v.Code+"|"+numberText(v.Rate) {
			diff("vat %s: columns %s, want %s|%s", id, got, v.Code, numberText(v.Rate))
		}
	}
	for id, p := range sink.All[*sink.Period](mem) {
		status := ""
		if p.Status != nil {
			status = string(*p.Status)
		}
		want := fmt.Sprintf("%s|%s|%s|%s", p.Kind, p.Start, p.End, status)
		if got := row(t, db, "SELECT type, CAST(date_debut AS TEXT), CAST(date_fin AS TEXT), coalesce(statut, '') FROM periods WHERE id = '"+id+"'"); got != want {
			diff("period %s: columns %s, want %s", id, got, want)
		}
	}
	for id, rec := range sink.All[*sink.Reconciliation](mem) {
		want := fmt.Sprintf("%s|%s|%s|%s", rec.BankAccountID, rec.Date, amount(rec.Amount), rec.Statement)
		got := row(t, db, "SELECT compte_bancaire_id, CAST(date AS TEXT), CAST(montant AS TEXT), releve FROM reconciliations WHERE id = '"+id+"'")
		if got != want {
			diff("reconciliation %s: columns %s, want %s", id, got, want)
		}
		if got, want := column(t, db, "SELECT ecriture_id FROM reconciliation_entries WHERE reconciliation_id = '"+id+"' ORDER BY position"), strings.Join(rec.EntryIDs, ","); got != want {
			diff("reconciliation %s: entries %s, want %s", id, got, want)
		}
	}
	for id, e := range sink.All[*entry.Entry](mem) {
		want := fmt.Sprintf("%s|%s|%s|%s", e.ProducerID, e.Date, e.Journal.CustomerReferenceCode, e.Currency.Code)
		if got := row(t, db, "SELECT producer_id, CAST(date AS TEXT), journal_code, currency_code FROM entries WHERE id = '"+id+"'"); got != want {
			diff("entry %s: columns %s, want %s", id, got, want)
		}
		var lines []string
		for i, m := range e.Movements {
			lines = append(lines, fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s", i, m.Description, amount(m.Value.Credit), amount(m.Value.Debit),
				amount(m.Value.Amount), m.Lettering.State(), deref(m.Account.Number)))
		}
		got := column(t, db, "SELECT concat_ws('|', position, description, CAST(credit AS TEXT), CAST(debit AS TEXT), CAST(amount AS TEXT), "+
			"lettering_state, account_number) FROM movements WHERE entry_id = '"+id+"' ORDER BY position")
		if got != strings.Join(lines, ",") {
			diff("entry %s: movements %s, want %s", id, got, strings.Join(lines, ","))
		}
	}
	if n, want := queryInt(t, db, "SELECT count(*) FROM movements"), countMovements(mem); n != want {
		diff("%d movements, want %d", n, want)
	}
	return strings.Join(diffs, "\n")
}

// tableName is the table of object o, as the package doc lists them.
func tableName(o sink.Object) string {
	return map[sink.Object]string{
		sink.ObjectAccount: "accounts", sink.ObjectBankAccount: "bank_accounts", sink.ObjectEntry: "entries",
		sink.ObjectJournal: "journals", sink.ObjectParameter: "parameters", sink.ObjectPeriod: "periods",
		sink.ObjectSection: "sections", sink.ObjectThirdParty: "third_parties", sink.ObjectVAT: "vats",
		sink.ObjectBranch: "branches", sink.ObjectReconciliation: "reconciliations",
	}[o]
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// numberText formats v with all its digits, as the wire does: 12.50 stays
// "12.50".
func numberText(v decimal.Decimal) string {
	if v.Exponent() < 0 {
		return v.StringFixed(-v.Exponent())
	}
	return v.String()
}

// row returns the values of the one row q selects, joined by "|"; NULL is
// empty.
func row(t testing.TB, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		return "(no row)"
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = v.String
	}
	return strings.Join(parts, "|")
}

// column returns the first column of the rows q selects, joined by ",".
func column(t testing.TB, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	return strings.Join(out, ",")
}

func countMovements(mem *sink.Replica) int64 {
	var n int64
	for _, e := range sink.All[*entry.Entry](mem) {
		n += int64(len(e.Movements))
	}
	return n
}
