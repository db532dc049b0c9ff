package sqlreplica

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/shopspring/decimal"
)

// TestObjectColumns: each object table has a column per field the SDK
// models (in wire order, snake_case), so that a field added to a payload
// type gets its column through a new schema version and its migration.
func TestObjectColumns(t *testing.T) {
	payloads := map[sink.Object]any{
		sink.ObjectAccount: sink.Account{}, sink.ObjectBankAccount: sink.BankAccount{}, sink.ObjectJournal: sink.Journal{},
		sink.ObjectParameter: sink.Parameter{}, sink.ObjectPeriod: sink.Period{}, sink.ObjectSection: sink.Section{},
		sink.ObjectThirdParty: sink.ThirdParty{}, sink.ObjectVAT: sink.VAT{}, sink.ObjectBranch: sink.Branch{},
		sink.ObjectReconciliation: sink.Reconciliation{},
	}
	for o, v := range payloads {
		tbl := objectTableOf(o)
		if tbl == nil {
			t.Errorf("no table for %s", o)
			continue
		}
		var want []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" || name == "ecriture_ids" { // the entries of a reconciliation have their own table
				continue
			}
			want = append(want, snake(name))
		}
		var got []string
		for _, c := range tbl.cols[2 : len(tbl.cols)-4] {
			got = append(got, c.name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("table %s has the field columns %v; the %T payload has %v: add the new fields as columns of a new schema version", tbl.name, got, v, want)
		}
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"numero": "numero", "compteContrepartie_id": "compte_contrepartie_id",
		"ventilationDefaut": "ventilation_defaut", "ecriture_ids": "ecriture_ids", "dateDebut": "date_debut",
		"RIB": "rib", "isDefault": "is_default", "siteWeb": "site_web", "soumisTva": "soumis_tva"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAmount(t *testing.T) {
	sqlite, pg := dialects[SQLite], dialects[PostgreSQL]
	for _, tt := range []struct {
		in   string
		want any // SQLite's value; nil: refused
		pg   string
	}{
		{"0", int64(0), "0"},
		{"1200", int64(120000), "1200"},
		{"12.50", int64(1250), "12.50"},
		{"-100.00", int64(-10000), "-100.00"},
		{"0.01", int64(1), "0.01"},
		{"1.2e3", int64(120000), "1200"},
		{"9999999999999999", nil, "9999999999999999"}, // 16 digits, times 100: still an int64
		{"92233720368547758.07", nil, "92233720368547758.07"},
		{"92233720368547758.08", nil, "92233720368547758.08"},
		{"12.505", nil, "12.505"},
	} {
		d := decimal.RequireFromString(tt.in)
		got, err := sqlite.amount(d)
		switch {
		case tt.in == "9999999999999999":
			if got != int64(999999999999999900) || err != nil {
				t.Errorf("SQLite amount(%s) = %v, %v", tt.in, got, err)
			}
		case tt.in == "92233720368547758.07":
			if got != int64(9223372036854775807) || err != nil {
				t.Errorf("SQLite amount(%s) = %v, %v; want the largest int64", tt.in, got, err)
			}
		case tt.want == nil:
			if !errors.Is(err, ErrAmount) {
				t.Errorf("SQLite amount(%s) = %v, %v; want ErrAmount", tt.in, got, err)
			}
		case got != tt.want || err != nil:
			t.Errorf("SQLite amount(%s) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if got, err := pg.amount(d); got != tt.pg || err != nil {
			t.Errorf("PostgreSQL amount(%s) = %v, %v; want %s", tt.in, got, err, tt.pg)
		}
	}
}
