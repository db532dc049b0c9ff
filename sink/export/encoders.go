package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/shopspring/decimal"
)

// entries returns the entries of docs, or an error naming every document that
// is not one.
func entries(docs []*document.Doc) ([]*entry.Entry, error) {
	out := make([]*entry.Entry, len(docs))
	var bad []string
	for i, d := range docs {
		e, ok := d.Data.(*entry.Entry)
		if !ok || e == nil {
			bad = append(bad, d.ID)
			continue
		}
		out[i] = e
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotEntry, short(bad))
	}
	return out, nil
}

// JSON writes the documents' entries as a JSON array, one entry per line, in
// the entry package's model (amounts as plain numbers that keep their
// digits). Its zero value is ready to use.
type JSON struct{}

// Format returns "json".
func (JSON) Format() string { return "json" }

// Extension returns ".json".
func (JSON) Extension() string { return ".json" }

// ContentType returns "application/json".
func (JSON) ContentType() string { return "application/json" }

// Encode writes the array. Errors: ErrNotEntry when a document is not an
// entry, the entry encoder's and w's errors.
func (JSON) Encode(w io.Writer, docs []*document.Doc) error {
	es, err := entries(docs)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, e := range es {
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("export: entry %s: %w", docs[i].ID, err)
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		bw.Write(data)
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

// CSVColumns are the columns of the CSV export, in order: one row per
// movement, the document's and its entry's fields repeated on each.
//
//	document_id      the document's id in the source
//	document_type    its type in the source ("purchase_invoice")
//	status           its status in the source
//	entry_id         the entry's producerId
//	date             the entry's date, YYYY-MM-DD
//	due_date         the entry's due date, YYYY-MM-DD or empty
//	journal_code     the journal's customerReferenceCode
//	journal_name     the journal's name
//	journal_type     the journal's type label ("Achat")
//	currency         the ISO 4217 code
//	line             the movement's position in the entry, from 1
//	line_id          the movement's producerId
//	account_number   the account's number, or empty
//	account_name     the account's name, or empty
//	description      the movement's label
//	debit, credit    unsigned, '.' as the decimal point, at least 2 decimals, digits kept (0.125 stays 0.125)
//	amount           credit − debit, signed, same format
//	lettering_state  none, partial or complete
//	lettering_code   the code, empty when none
//	invoice_number   the movement's invoice number, or empty
//	free_number      the movement's free number, or empty
//	line_due_date    the movement's due date, or empty
var CSVColumns = []string{
	"document_id", "document_type", "status", "entry_id", "date", "due_date",
	"journal_code", "journal_name", "journal_type", "currency", "line", "line_id",
	"account_number", "account_name", "description", "debit", "credit", "amount",
	"lettering_state", "lettering_code", "invoice_number", "free_number", "line_due_date",
}

// CSV writes one row per movement, with the columns of CSVColumns and a
// header line, comma-separated, quoted as RFC 4180 says (encoding/csv), lines
// ending with CRLF. Its zero value is ready to use.
type CSV struct{}

// Format returns "csv".
func (CSV) Format() string { return "csv" }

// Extension returns ".csv".
func (CSV) Extension() string { return ".csv" }

// ContentType returns "text/csv; charset=utf-8".
func (CSV) ContentType() string { return "text/csv; charset=utf-8" }

// Encode writes the rows. Errors: ErrNotEntry when a document is not an
// entry, and w's errors.
func (CSV) Encode(w io.Writer, docs []*document.Doc) error {
	es, err := entries(docs)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for i, e := range es {
		for _, row := range Rows(docs[i], e) {
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// Rows returns the rows of one entry, as the CSV export writes them (see
// CSVColumns); other tabular encoders, such as xlsxexport, share them.
// The caller owns the result.
func Rows(d *document.Doc, e *entry.Entry) [][]string {
	rows := make([][]string, 0, len(e.Movements))
	for i := range e.Movements {
		m := &e.Movements[i]
		var number, name string
		if m.Account != nil {
			number, name = deref(m.Account.Number), deref(m.Account.Name)
		}
		rows = append(rows, []string{
			d.ID, d.Type, d.Status, e.ProducerID, e.Date.String(), dateOrEmpty(e.DueDate),
			e.Journal.CustomerReferenceCode, e.Journal.Name, string(e.Journal.Type), e.Currency.Code,
			strconv.Itoa(i + 1), m.ProducerID, number, name, m.Description,
			Amount(m.Value.Debit), Amount(m.Value.Credit), Amount(m.Value.Amount),
			string(m.Lettering.State()), m.Lettering.Code(), deref(m.InvoiceNumber), deref(m.FreeNumber), dateOrEmpty(m.DueDate),
		})
	}
	return rows
}

// Amount formats d with '.' as the decimal point and at least two decimals,
// keeping every digit it has: 12.5 gives "12.50", 0.125 gives "0.125".
func Amount(d decimal.Decimal) string {
	places := int32(2)
	if -d.Exponent() > places {
		places = -d.Exponent()
	}
	return d.StringFixed(places)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func dateOrEmpty(d *period.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	return d.String()
}
