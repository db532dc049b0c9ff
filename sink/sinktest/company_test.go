package sinktest

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestDemoEntriesAreValid(t *testing.T) {
	n := 0
	for rec, err := range Entries(12) {
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Data.Validate(nil); err != nil {
			t.Errorf("%s: %v", rec.ID, err)
		}
		n++
	}
	if n != 36 {
		t.Errorf("%d entries, want 36", n)
	}
	if err := Calendar().Validate(); err != nil {
		t.Errorf("calendar: %v", err)
	}
}

// TestAfterChanges: the company after the demo's changes is the company,
// initialized, with the changes applied.
func TestAfterChanges(t *testing.T) {
	after := Company(&CompanyOptions{AfterChanges: true})
	var accounts, entries int
	for rec := range after.Sources.Accounts {
		accounts++
		if rec.ID == "acc-601000" && (rec.Data.Label != "Achats de matières premières" || rec.Timestamp != ChangedAt) {
			t.Errorf("account 601000 after the changes: %+v at %d", rec.Data, rec.Timestamp)
		}
	}
	for rec := range after.Sources.Entries {
		entries++
		if rec.ID == "ecr-2023-000002" {
			t.Error("the deleted entry is still there")
		}
		if rec.ID == "ecr-2024-000001" && (rec.Timestamp != ChangedAt || !rec.Data.Movements[1].Value.Debit.Equal(decimalOf("100"))) {
			t.Errorf("entry ecr-2024-000001 is not updated: %+v", rec)
		}
		if err := rec.Data.Validate(nil); err != nil {
			t.Errorf("%s: %v", rec.ID, err)
		}
	}
	if accounts != 9 || entries != 11 {
		t.Errorf("%d accounts, %d entries; want 9 and 11", accounts, entries)
	}
}

func decimalOf(s string) decimal.Decimal { return decimal.RequireFromString(s) }
