package sqlreplica

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/sink"
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
	for _, tbl := range tables {
		for i, c := range tbl.cols {
			inTail := tbl.name == "entries" && i >= len(tbl.cols)-4-entryPayloadColumns && i < len(tbl.cols)-4
			if c.fromPayload != inTail {
				t.Errorf("%s.%s: fromPayload %t; entries' payload columns are the %d before the bookkeeping ones", tbl.name, c.name, c.fromPayload, entryPayloadColumns)
			}
		}
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"numero": "numero", "compteContrepartie_id": "compte_contrepartie_id",
		"ventilationDefaut": "ventilation_defaut", "ecriture_ids": "ecriture_ids", "dateDebut": "date_debut"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}
