package export_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/entry/entrytest"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ptr[T any](v T) *T { return &v }

// fixture returns documents exercising the encoders: a purchase with a
// complete lettering and an invoice number, an opening entry (numbered first
// in a FEC), and a foreign-currency entry whose label needs CSV quoting.
func fixture(t testing.TB) []*document.Doc {
	t.Helper()
	validated := func(e *entry.Entry, d period.Date) *entry.Entry {
		e.AdditionalProducerProperties = &entry.EntryAdditionalProducerProps{AccountedAt: &d, Source: entry.Source{Name: entry.SourceManual}}
		return e
	}
	purchase := sinktest.Entry("ecr-1", 2024, 1)
	l, err := lettering.Complete("AA")
	if err != nil {
		t.Fatal(err)
	}
	purchase.Movements[0].Lettering = l
	purchase.Movements[0].InvoiceNumber = ptr("F-2024-001")
	due := date(2024, 2, 8)
	purchase.DueDate = &due
	validated(purchase, date(2024, 1, 10))

	opening := entrytest.New(t).ID("ecr-an").Date(date(2024, 1, 1)).
		Journal("AN", "A NOUVEAUX", entry.JournalOpening).
		Debit("512000", "15000.00").Credit("101300", "15000.00").Entry()
	for i := range opening.Movements {
		opening.Movements[i].Description = "Reprise des soldes"
		opening.Movements[i].Account.Name = ptr([]string{"Banque", "Capital souscrit appelé versé"}[i])
	}
	validated(&opening, date(2024, 1, 5))

	foreign := entrytest.New(t).ID("ecr-usd").Date(date(2024, 3, 15)).Currency("USD").
		Journal("AC", "ACHATS", entry.JournalPurchase).
		Debit("601000", "100.00").Credit("401000", "100.00").Entry()
	foreign.Currency.Rate = ptr(decimal.RequireFromString("0.9"))
	for i := range foreign.Movements {
		foreign.Movements[i].Description = `Achat "spécial", USA`
		foreign.Movements[i].Account.Name = ptr([]string{"Achats", "Fournisseurs"}[i])
	}
	validated(&foreign, date(2024, 3, 20))

	return []*document.Doc{
		{ID: "doc-1", Type: "purchase_invoice", Version: "1", Status: "open", Data: purchase},
		{ID: "doc-2", Type: "opening", Version: "1", Status: "paid", Data: &opening},
		{ID: "doc-3", Type: "receipt", Version: "3", Status: "late", Data: &foreign},
	}
}

func newFEC(t testing.TB) *export.FEC {
	t.Helper()
	f, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestEncodersGolden(t *testing.T) {
	docs := fixture(t)
	tests := []struct {
		enc    export.Encoder
		golden string
	}{
		{export.JSON{}, "export.json.golden"},
		{export.CSV{}, "export.csv.golden"},
		{newFEC(t), "fec.txt.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.enc.Format(), func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.enc.Encode(&b, docs); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, b.Bytes())
			var again bytes.Buffer
			if err := tt.enc.Encode(&again, docs); err != nil || !bytes.Equal(again.Bytes(), b.Bytes()) {
				t.Error("encoding is not deterministic")
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch (-want +got):\n%s", name, cmp.Diff(string(want), string(got)))
	}
}

// The JSON export decodes back into the same entries.
func TestJSONRoundTrip(t *testing.T) {
	docs := fixture(t)
	var b bytes.Buffer
	if err := (export.JSON{}).Encode(&b, docs); err != nil {
		t.Fatal(err)
	}
	var got []entry.Entry
	if err := jsonUnmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		if diff := cmp.Diff(*d.Data.(*entry.Entry), got[i], entrycmpOptions()); diff != "" {
			t.Errorf("entry %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestFECStructure(t *testing.T) {
	var b bytes.Buffer
	if err := newFEC(t).Encode(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if strings.HasPrefix(text, "\ufeff") {
		t.Error("byte order mark")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	if lines[0] != strings.Join(export.FECColumns, "\t") {
		t.Errorf("header %q", lines[0])
	}
	nums := map[string]string{} // EcritureNum → document label
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 18 {
			t.Fatalf("line %d has %d fields", i+2, len(f))
		}
		for _, c := range []int{3, 9, 15} { // EcritureDate, PieceDate, ValidDate
			if _, err := time.Parse("20060102", f[c]); err != nil {
				t.Errorf("line %d: %s %q is not YYYYMMDD", i+2, export.FECColumns[c], f[c])
			}
		}
		for _, c := range []int{11, 12} {
			if strings.Contains(f[c], ".") || !strings.Contains(f[c], ",") {
				t.Errorf("line %d: %s %q", i+2, export.FECColumns[c], f[c])
			}
		}
		if prev, ok := nums[f[2]]; ok && prev != f[0] {
			t.Errorf("EcritureNum %s used by two journals", f[2])
		}
		nums[f[2]] = f[0]
	}
	if first := strings.Split(lines[1], "\t"); first[0] != "AN" || first[2] != "1" {
		t.Errorf("the opening entry is not numbered first: %v", first)
	}
	if got := newFEC(t).FileName("x"); got != "732829320FEC20241231.txt" {
		t.Errorf("FileName = %q", got)
	}
}

func TestFECChecks(t *testing.T) {
	base := func() []*document.Doc { return fixture(t)[:1] }
	editDoc := func(i int, f func(e *entry.Entry)) []*document.Doc {
		docs := fixture(t)[i : i+1]
		e := docs[0].Data.(*entry.Entry).Clone()
		f(e)
		docs[0].Data = e
		return docs
	}
	edit := func(f func(e *entry.Entry)) []*document.Doc { return editDoc(0, f) }
	opening := func(f func(e *entry.Entry)) []*document.Doc { return editDoc(1, f) }
	tests := []struct {
		name  string
		docs  []*document.Doc
		rules []string
	}{
		{"valid", base(), nil},
		{"unbalanced", edit(func(e *entry.Entry) { e.Movements[1].Value = entry.NewDebit(decimal.RequireFromString("1")) }), []string{"ECR-02"}},
		{"one line", edit(func(e *entry.Entry) {
			e.Movements = e.Movements[:1]
		}), []string{"ECR-01", "ECR-02"}},
		{"both sides", edit(func(e *entry.Entry) {
			e.Movements[0].Value.Debit = decimal.RequireFromString("1")
			e.Movements[1].Value.Debit = e.Movements[1].Value.Debit.Sub(decimal.RequireFromString("1"))
		}), []string{"ECR-03"}},
		{"zero line", edit(func(e *entry.Entry) {
			e.Movements = append(e.Movements, entry.Movement{ProducerID: "z", Description: "zéro", Account: e.Movements[0].Account})
		}), []string{"ECR-03"}},
		{"missing fields", edit(func(e *entry.Entry) {
			e.Journal.Name = ""
			e.Movements[1].Description = " "
			e.Movements[2].Account = nil
			e.AdditionalProducerProperties = nil
		}), []string{"ECR-05", "ECR-05", "ECR-05", "ECR-05", "ECR-05"}},
		{"separators", edit(func(e *entry.Entry) { e.Movements[0].Description = "a\tb"; e.Journal.Name = "A|B" }), []string{"ECR-06", "ECR-06"}},
		{"outside the exercise", edit(func(e *entry.Entry) { e.Date = date(2025, 1, 1) }), []string{"ECR-07"}},
		{"three decimals", edit(func(e *entry.Entry) {
			e.Movements[1].Value = entry.NewDebit(e.Movements[1].Value.Debit.Add(decimal.RequireFromString("0.005")))
			e.Movements[2].Value = entry.NewDebit(e.Movements[2].Value.Debit.Sub(decimal.RequireFromString("0.005")))
		}), []string{"FEC-06", "FEC-06"}},
		{"account number", edit(func(e *entry.Entry) { e.Movements[1].Account.Number = ptr("9AB") }), []string{"PCG-01"}},
		{"foreign without rate", edit(func(e *entry.Entry) { e.Currency = entry.Currency{Code: "USD"} }), []string{"ECR-16"}},
		{"valid opening", opening(func(e *entry.Entry) {}), nil},
		{"opening on class 7", opening(func(e *entry.Entry) {
			e.Movements[1].Account.Number = ptr("706000")
		}), []string{"EXE-07"}},
		{"opening after the first day", opening(func(e *entry.Entry) { e.Date = date(2024, 1, 2) }), []string{"EXE-07"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := newFEC(t).Encode(&b, tt.docs)
			if tt.rules == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *export.FECError
			if !errors.As(err, &fe) || !errors.Is(err, export.ErrFEC) {
				t.Fatalf("Encode: %v, want a *FECError", err)
			}
			var got []string
			for _, p := range fe.Fields {
				got = append(got, p.Rule)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.rules) {
				t.Errorf("rules %v, want %v\n%v", got, tt.rules, err)
			}
			if b.Len() != 0 {
				t.Error("a refused FEC wrote bytes")
			}
		})
	}
	t.Run("drop zero lines", func(t *testing.T) {
		docs := edit(func(e *entry.Entry) {
			e.Movements = append(e.Movements, entry.Movement{ProducerID: "z", Description: "zéro", Account: e.Movements[0].Account})
		})
		f, _ := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31), DropZeroLines: true})
		var b bytes.Buffer
		if err := f.Encode(&b, docs); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(b.String(), "\r\n"); n != 4 {
			t.Errorf("%d lines, want the header and 3", n)
		}
	})
}

func TestNewFEC(t *testing.T) {
	tests := []struct {
		name string
		o    export.FECOptions
		ok   bool
	}{
		{"valid", export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31)}, true},
		{"bad luhn", export.FECOptions{SIREN: "732829321", Start: date(2024, 1, 1), End: date(2024, 12, 31)}, false},
		{"short siren", export.FECOptions{SIREN: "73282932", Start: date(2024, 1, 1), End: date(2024, 12, 31)}, false},
		{"no dates", export.FECOptions{SIREN: "732829320"}, false},
		{"reversed", export.FECOptions{SIREN: "732829320", Start: date(2024, 12, 31), End: date(2024, 1, 1)}, false},
		{"currency", export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31), Currency: "EURO"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := export.NewFEC(tt.o)
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, export.ErrConfig)) {
				t.Errorf("NewFEC: %v", err)
			}
		})
	}
}

func TestAmount(t *testing.T) {
	for in, want := range map[string]string{"0": "0.00", "12.5": "12.50", "1200": "1200.00", "0.125": "0.125", "-3.10": "-3.10"} {
		if got := export.Amount(decimal.RequireFromString(in)); got != want {
			t.Errorf("Amount(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestNotEntry(t *testing.T) {
	docs := []*document.Doc{{ID: "acc", Data: &struct{}{}}}
	for _, enc := range []export.Encoder{export.JSON{}, export.CSV{}, newFEC(t)} {
		if err := enc.Encode(&bytes.Buffer{}, docs); !errors.Is(err, export.ErrNotEntry) {
			t.Errorf("%s: %v, want ErrNotEntry", enc.Format(), err)
		}
	}
}

func TestFECDescription(t *testing.T) {
	d := newFEC(t).Description()
	for _, want := range append([]string{"732829320FEC20241231.txt", "tabulation", "UTF-8", "AAAAMMJJ"}, export.FECColumns...) {
		if !strings.Contains(d, want) {
			t.Errorf("description lacks %q", want)
		}
	}
}

// FECOptions.ValidDate replaces accountedAt as the validation date.
func TestFECValidDate(t *testing.T) {
	f, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31),
		ValidDate: func(e *entry.Entry) (period.Date, bool) { return date(2024, 6, 30), true }})
	if err != nil {
		t.Fatal(err)
	}
	docs := fixture(t)
	var b bytes.Buffer
	if err := f.Encode(&b, docs); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\r\n")[1:] {
		if got := strings.Split(l, "\t")[15]; got != "20240630" {
			t.Errorf("ValidDate %s, want 20240630", got)
		}
	}
}

func TestSplitAuxiliary(t *testing.T) {
	tests := []struct{ in, general, aux string }{
		{"401UBER", "401", "UBER"},
		{"411C0042", "411", "C0042"},
		{"421DUPONT", "421", "DUPONT"},
		{"401000", "", ""},
		{"4010000", "", ""},
		{"606UBER", "", ""},
		{"40UBER", "", ""},
		{"401", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		general, aux, ok := export.SplitAuxiliary(tt.in)
		if general != tt.general || aux != tt.aux || ok != (tt.general != "") {
			t.Errorf("SplitAuxiliary(%q) = %q, %q, %v; want %q, %q", tt.in, general, aux, ok, tt.general, tt.aux)
		}
	}
}

// A third party's account is written as its collective account and its
// auxiliary account (CompAuxNum, CompAuxLib); FECOptions.Auxiliary replaces
// the numbering rule.
func TestFECAuxiliary(t *testing.T) {
	e := entrytest.New(t).ID("ecr-aux").Date(date(2024, 5, 2)).
		Journal("AC", "ACHATS", entry.JournalPurchase).
		Debit("606400", "50.00").Credit("401UBER", "50.00").Entry()
	e.Movements[0].Description, e.Movements[1].Description = "Course", "Course"
	e.Movements[0].Account.Name, e.Movements[1].Account.Name = ptr("Fournitures"), ptr("Uber France")
	e.AdditionalProducerProperties = &entry.EntryAdditionalProducerProps{AccountedAt: ptr(date(2024, 5, 3)), Source: entry.Source{Name: entry.SourceManual}}
	docs := []*document.Doc{{ID: "doc-aux", Type: "purchase_invoice", Version: "1", Data: &e}}
	columns := func(o export.FECOptions) [][]string {
		t.Helper()
		o.SIREN, o.Start, o.End = "732829320", date(2024, 1, 1), date(2024, 12, 31)
		f, err := export.NewFEC(o)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := f.Encode(&b, docs); err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")[1:] {
			f := strings.Split(line, "\t")
			rows = append(rows, f[4:8]) // CompteNum, CompteLib, CompAuxNum, CompAuxLib
		}
		return rows
	}
	want := [][]string{{"606400", "Fournitures", "", ""}, {"401", "Fournisseurs", "UBER", "Uber France"}}
	if diff := cmp.Diff(want, columns(export.FECOptions{})); diff != "" {
		t.Errorf("default split (-want +got):\n%s", diff)
	}
	none := func(string) (string, string, bool) { return "", "", false }
	want = [][]string{{"606400", "Fournitures", "", ""}, {"401UBER", "Uber France", "", ""}}
	if diff := cmp.Diff(want, columns(export.FECOptions{Auxiliary: none})); diff != "" {
		t.Errorf("no auxiliary accounts (-want +got):\n%s", diff)
	}
}

func TestClosingEntry(t *testing.T) {
	tests := []struct {
		name  string
		lines [][3]string // account, "D" or "C", amount
		want  bool
	}{
		{"profit closed", [][3]string{{"706000", "D", "20"}, {"607000", "C", "10"}, {"120000", "C", "10"}}, true},
		{"loss closed", [][3]string{{"129000", "D", "10"}, {"601000", "C", "10"}}, true},
		{"purchase", [][3]string{{"601000", "D", "10"}, {"401000", "C", "10"}}, false},
		{"result appropriated", [][3]string{{"120000", "D", "10"}, {"106100", "C", "10"}}, false},
		{"expenses moved", [][3]string{{"601000", "D", "10"}, {"607000", "C", "10"}}, false},
		{"capital on 12", [][3]string{{"120000", "D", "10"}, {"512000", "C", "10"}}, false},
		{"closing with a bank line", [][3]string{{"120000", "D", "10"}, {"601000", "C", "5"}, {"512000", "C", "5"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := entrytest.New(t).Journal("CL", "CLOTURE", entry.JournalMisc)
			for _, l := range tt.lines {
				if l[1] == "D" {
					b = b.Debit(l[0], l[2])
				} else {
					b = b.Credit(l[0], l[2])
				}
			}
			e := b.Entry()
			if got := export.ClosingEntry(&e); got != tt.want {
				t.Errorf("ClosingEntry = %v, want %v", got, tt.want)
			}
		})
	}
}

// Closing entries stay out of a FEC, reported as FEC-10 warnings; an Exclude
// option replaces the rule; FECOptions.Result is checked against classes 6
// and 7 (FEC-12).
func TestFECExcludeAndResult(t *testing.T) {
	closing := entrytest.New(t).ID("ecr-clo").Date(date(2024, 12, 31)).
		Journal("CL", "CLOTURE", entry.JournalMisc).
		Debit("120000", "100.00").Credit("601000", "100.00").Entry()
	for i := range closing.Movements {
		closing.Movements[i].Description = "Solde des charges"
		closing.Movements[i].Account.Name = ptr([]string{"Résultat (bénéfice)", "Achats"}[i])
	}
	closing.AdditionalProducerProperties = &entry.EntryAdditionalProducerProps{AccountedAt: ptr(date(2024, 12, 31)), Source: entry.Source{Name: entry.SourceManual}}
	docs := append(fixture(t), &document.Doc{ID: "doc-4", Type: "closing", Version: "1", Data: &closing})
	without := fixture(t)

	// The fixture's purchase and foreign entries book 601000 debits: a loss.
	var loss decimal.Decimal
	for _, d := range without {
		for _, m := range d.Data.(*entry.Entry).Movements {
			if n := *m.Account.Number; n[0] == '6' || n[0] == '7' {
				rate := decimal.NewFromInt(1)
				if r := d.Data.(*entry.Entry).Currency.Rate; r != nil {
					rate = *r
				}
				loss = loss.Add(m.Value.Credit.Mul(rate).Round(2)).Sub(m.Value.Debit.Mul(rate).Round(2))
			}
		}
	}
	if !loss.IsNegative() {
		t.Fatalf("fixture result %s, want a loss", loss)
	}
	tests := []struct {
		name     string
		docs     []*document.Doc
		exclude  func(*entry.Entry) bool
		result   *decimal.Decimal
		warnings []string
		same     bool // the file equals the fixture's
	}{
		{"closing left out", docs, nil, nil, []string{"doc-4 FEC-10"}, true},
		{"result matches", docs, nil, &loss, []string{"doc-4 FEC-10"}, true},
		{"result differs", without, nil, ptr(loss.Neg()), []string{" FEC-12"}, true},
		{"custom exclude", without, func(e *entry.Entry) bool { return e.Journal.CustomerReferenceCode == "AN" }, nil, []string{"doc-2 FEC-10"}, false},
		{"exclude nothing", docs, func(*entry.Entry) bool { return false }, nil, nil, false},
	}
	var want bytes.Buffer
	if err := newFEC(t).Encode(&want, without); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			f, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31),
				Exclude: tt.exclude, Result: tt.result,
				Warn: func(p *export.FECProblem) { got = append(got, fecDoc(p)+" "+p.Rule) }})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := f.Encode(&b, tt.docs); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.warnings) {
				t.Errorf("warnings %q, want %q", got, tt.warnings)
			}
			if same := bytes.Equal(b.Bytes(), want.Bytes()); same != tt.same {
				t.Errorf("file equals the fixture's: %v, want %v\n%s", same, tt.same, b.String())
			}
		})
	}
}

// Findings of level WARN reach FECOptions.Warn and do not stop the export.
func TestFECWarn(t *testing.T) {
	var got []*export.FECProblem
	f, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: date(2024, 1, 1), End: date(2024, 12, 31),
		ValidDate: func(e *entry.Entry) (period.Date, bool) { return date(2024, 1, 1), true },
		Warn:      func(p *export.FECProblem) { got = append(got, p) }})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Encode(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, p := range got {
		rules = append(rules, fecDoc(p)+" "+p.Rule)
	}
	if want := []string{"doc-1 ECR-09", "doc-3 ECR-09"}; !slices.Equal(rules, want) {
		t.Errorf("warnings %v, want %v", rules, want)
	}
}

// fecDoc returns the document id of a FEC problem's path ("/doc-1" or
// "/doc-1/movements/0"), "" for the file as a whole.
func fecDoc(p *export.FECProblem) string {
	doc, _, _ := strings.Cut(strings.TrimPrefix(p.Path, "/"), "/")
	return doc
}

// A FEC problem's path names the document and, for a line, the movement
// (from 0).
func TestFECProblemPath(t *testing.T) {
	docs := fixture(t)[:1]
	e := docs[0].Data.(*entry.Entry).Clone()
	e.Movements[1].Account.Number = ptr("9AB")
	e.Journal.Name = ""
	docs[0].Data = e
	err := newFEC(t).Encode(io.Discard, docs)
	var fe *export.FECError
	if !errors.As(err, &fe) {
		t.Fatalf("Encode: %v, want a *FECError", err)
	}
	var got []string
	for _, p := range fe.Fields {
		got = append(got, p.Path+" "+p.Rule)
	}
	want := []string{"/" + docs[0].ID + " ECR-05", "/" + docs[0].ID + "/movements/1 PCG-01"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if !fe.Has("PCG-01") || !strings.HasPrefix(err.Error(), "export: FEC: 2 problems:\n\t/") {
		t.Errorf("Has or Error wrong: %v", err)
	}
}
