package sqlreplica

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/shopspring/decimal"
)

// ErrAmount is matched by the problem of an event whose amount the
// database cannot store exactly: in SQLite, an amount with more than two
// decimals or beyond ±92,233,720,368,547,758.07.
var ErrAmount = errors.New("sqlreplica: amount not storable exactly")

// amount returns the database's value of the money amount v: PostgreSQL
// takes the exact decimal text, SQLite an integer number of hundredths.
func (d *dialect) amount(v decimal.Decimal) (any, error) {
	if d.name == PostgreSQL {
		return numberString(v), nil
	}
	n, err := cents(v)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// cents returns v as an integer number of hundredths, as SQLite stores
// amounts, or an error matching ErrAmount.
func cents(v decimal.Decimal) (int64, error) {
	// Most amounts: at most 2 decimals and 16 digits, an int64 at once.
	if exp := v.Exponent(); exp >= -2 && exp <= 2 && v.NumDigits() <= 16 {
		n := v.CoefficientInt64()
		for range exp + 2 {
			n *= 10
		}
		return n, nil
	}
	c := v.Shift(2)
	if !c.IsInteger() {
		return 0, fmt.Errorf("%w: %s has more than 2 decimals (SQLite stores hundredths)", ErrAmount, numberString(v))
	}
	if c.BigInt().BitLen() > 63 {
		return 0, fmt.Errorf("%w: %s is too large for SQLite's integers", ErrAmount, numberString(v))
	}
	return c.IntPart(), nil
}

// rate returns the database's value of a rate or percentage: its exact
// decimal text, which PostgreSQL stores as numeric.
func rate(v decimal.Decimal) any { return numberString(v) }

// numberString formats v with all its digits: 12.50 stays "12.50".
func numberString(v decimal.Decimal) string {
	if v.Exponent() < 0 {
		return v.StringFixed(-v.Exponent())
	}
	return v.String()
}

// checkAmounts returns an error matching ErrAmount when ev carries an
// amount the database cannot store exactly.
func (d *dialect) checkAmounts(ev *sink.Event) error {
	if d.name == PostgreSQL {
		return nil
	}
	// The path of an amount is built for the error only.
	switch data := ev.Data.(type) {
	case *entry.Entry:
		for i, m := range data.Movements {
			for _, f := range [...]struct {
				name string
				v    decimal.Decimal
			}{{"credit", m.Value.Credit}, {"debit", m.Value.Debit}, {"amount", m.Value.Amount}} {
				if _, err := cents(f.v); err != nil {
					return fmt.Errorf("/movements/%d/value/%s: %w", i, f.name, err)
				}
			}
			for j, a := range m.Analytics {
				for k, s := range a.Sections {
					if _, err := cents(s.Amount); err != nil {
						return fmt.Errorf("/movements/%d/analytics/%d/sections/%d/amount: %w", i, j, k, err)
					}
				}
			}
		}
	case *sink.Reconciliation:
		if _, err := cents(data.Amount); err != nil {
			return fmt.Errorf("/montant: %w", err)
		}
	}
	return nil
}

func nullString(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullDate(p *period.Date) any {
	if p == nil || p.IsZero() {
		return nil
	}
	return p.String()
}

// objectRows appends the rows of the visible object k to rows, by table
// name, each row's values one after the other in column order: its row in
// tbl, and the rows of its lines for entries and reconciliations.
func (d *dialect) objectRows(rows map[string][]any, tbl *table, k ref, t *tracked) error {
	raw := t.state.Payload()
	payload := string(raw)
	if k.object == sink.ObjectEntry {
		data, _ := t.state.Data()
		e, ok := data.(*entry.Entry)
		if !ok {
			return fmt.Errorf("entry data of type %T", data)
		}
		return d.entryRows(rows, k, t, payload, e)
	}
	fields, err := d.fieldValues(tbl, raw)
	if err != nil {
		return err
	}
	row := append(rows[tbl.name], k.entity, k.id)
	row = append(row, fields...)
	rows[tbl.name] = append(row, t.ts, t.key, t.offset, payload)
	if k.object == sink.ObjectReconciliation {
		var rec struct {
			EntryIDs []string `json:"ecriture_ids"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		for i, id := range rec.EntryIDs {
			rows["reconciliation_entries"] = append(rows["reconciliation_entries"], k.entity, k.id, int64(i), id)
		}
	}
	return nil
}

// countValues adds to sizes, by table name, the number of values of the
// rows of the visible object k (but its reconciliation's entries): rows
// are then allocated once.
func countValues(sizes map[string]int, k ref, t *tracked) {
	tbl := objectTableOf(k.object)
	if tbl == nil {
		return
	}
	sizes[tbl.name] += len(tbl.cols)
	if data, _ := t.state.Data(); k.object == sink.ObjectEntry {
		if e, ok := data.(*entry.Entry); ok {
			sizes["movements"] += len(e.Movements) * movementColumns
			for _, m := range e.Movements {
				for _, a := range m.Analytics {
					sizes["analytics"] += len(a.Sections) * analyticsColumns
				}
			}
		}
	}
}

// The number of columns of the movements and analytics tables.
var movementColumns, analyticsColumns = len(tableOf("movements").cols), len(tableOf("analytics").cols)

func (d *dialect) entryRows(rows map[string][]any, k ref, t *tracked, payload string, e *entry.Entry) error {
	var currencyRate any
	if e.Currency.Rate != nil {
		currencyRate = rate(*e.Currency.Rate)
	}
	var typ, branch, validation any // absent (zero) on the wire: NULL
	if e.Type != 0 {
		typ = int64(e.Type)
	}
	if e.BranchID != "" {
		branch = e.BranchID
	}
	if e.Validation != nil {
		validation = int64(*e.Validation)
	}
	// The ids are boxed once for all the rows.
	entity, id := any(k.entity), any(k.id)
	rows["entries"] = append(rows["entries"], entity, id,
		e.ProducerID, nullDate(&e.Date), nullDate(e.DueDate), e.Journal.ProducerID, e.Journal.CustomerReferenceCode,
		e.Journal.Name, string(e.Journal.Type), e.Currency.Code, currencyRate, typ, branch, validation,
		t.ts, t.key, t.offset, payload)
	movements, analytics := rows["movements"], rows["analytics"]
	for i, m := range e.Movements {
		credit, err := d.amount(m.Value.Credit)
		if err != nil {
			return err
		}
		debit, err := d.amount(m.Value.Debit)
		if err != nil {
			return err
		}
		amount, err := d.amount(m.Value.Amount)
		if err != nil {
			return err
		}
		var letterValue any
		if !m.Lettering.IsZero() {
			letterValue = m.Lettering.Code()
		}
		var accID, accNumber, accName, payID, payName, payCode any
		if a := m.Account; a != nil {
			accID, accNumber, accName = a.ProducerID, nullString(a.Number), nullString(a.Name)
		}
		if p := m.Payment; p != nil {
			payID, payName = p.ProducerID, nullString(p.Name)
			if p.Code != nil {
				payCode = string(*p.Code)
			}
		}
		movements = append(movements,
			entity, id, int64(i), m.ProducerID, m.Description, credit, debit, amount, nullDate(m.DueDate),
			string(m.Lettering.State()), letterValue, nullString(m.FreeNumber), nullString(m.InvoiceNumber),
			accID, accNumber, accName, payID, payName, payCode,
		)
		for j, a := range m.Analytics {
			for k, s := range a.Sections {
				amount, err := d.amount(s.Amount)
				if err != nil {
					return err
				}
				analytics = append(analytics,
					entity, id, int64(i), int64(j), int64(k), a.ProducerID, a.Code, a.Name,
					s.ProducerID, s.Code, s.Name, amount, rate(s.Rate),
				)
			}
		}
	}
	rows["movements"], rows["analytics"] = movements, analytics
	return nil
}

// snake returns the column name of a wire field: "compteContrepartie_id"
// gives "compte_contrepartie_id", "RIB" gives "rib".
func snake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			if i > 0 && ('a' <= s[i-1] && s[i-1] <= 'z' || '0' <= s[i-1] && s[i-1] <= '9') {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// fieldValues returns the values of the wire-field columns of tbl (all but
// the two ids first and the four bookkeeping columns last), read from the
// object's JSON payload by their snake_case names. A field missing from
// the payload, or null, is NULL.
func (d *dialect) fieldValues(tbl *table, payload []byte) ([]any, error) {
	return d.payloadValues(tbl.cols[2:len(tbl.cols)-4], payload)
}

// payloadValues returns the values of cols read from the JSON object
// payload by their snake_case names: a field missing, or null, is NULL.
func (d *dialect) payloadValues(cols []column, payload []byte) ([]any, error) {
	out := make([]any, len(cols))
	l := jsonlex.New(payload)
	more, err := l.ObjectStart()
	for err == nil && more {
		var k []byte
		if k, err = l.Key(); err != nil {
			break
		}
		name := snake(string(k))
		i := slices.IndexFunc(cols, func(c column) bool { return c.name == name })
		if i < 0 {
			err = l.Skip()
		} else if out[i], err = d.value(cols[i], l); err != nil {
			return nil, fmt.Errorf("field %s: %w", cols[i].name, err)
		}
		if err == nil {
			more, err = l.ObjectNext()
		}
	}
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return nil, fmt.Errorf("the payload: %w", err)
	}
	return out, nil
}

// value reads the next JSON value of l for column c.
func (d *dialect) value(c column, l *jsonlex.Lexer) (any, error) {
	kind := l.Peek()
	if kind == jsonlex.Null {
		return nil, l.Null()
	}
	switch {
	case c.kind == kJSON:
		raw, err := l.Raw()
		return string(raw), err
	case kind == jsonlex.String && (c.kind == kText || c.kind == kDate):
		s, err := l.String()
		if err != nil {
			return nil, err
		}
		if c.kind == kDate {
			if _, err := period.ParseDate(s); err != nil {
				return nil, err
			}
		}
		return s, nil
	case kind == jsonlex.Bool && c.kind == kBool:
		b, err := l.Bool()
		if err != nil {
			return nil, err
		}
		return d.bool(b), nil
	case kind == jsonlex.Number && (c.kind == kInt || c.kind == kBigint || c.kind == kAmount || c.kind == kRate):
		num, err := l.Number()
		if err != nil {
			return nil, err
		}
		if c.kind == kInt || c.kind == kBigint {
			return strconv.ParseInt(string(num), 10, 64)
		}
		dec, err := decimal.NewFromString(string(num))
		if err != nil {
			return nil, err
		}
		if c.kind == kRate {
			return rate(dec), nil
		}
		return d.amount(dec)
	}
	return nil, fmt.Errorf("a JSON %s for a column of type %s", kind, d.sqlType(c.kind))
}
