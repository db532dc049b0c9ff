package sinktest

import "testing"

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
