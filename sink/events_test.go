package sink

import (
	"errors"
	"testing"
)

func TestEventNamesMatchSeedTable(t *testing.T) {
	// The seed's table: every object has Inserted, Updated and Deleted,
	// except the entry (no Updated) and the reconciliation (Inserted only).
	for _, o := range Objects() {
		for _, a := range []Action{Inserted, Updated, Deleted} {
			n, err := NameOf(o, a)
			want := !(o == ObjectEntry && a == Updated) && !(o == ObjectReconciliation && a != Inserted)
			if (err == nil) != want {
				t.Errorf("NameOf(%s, %s) = %q, %v; want an event: %v", o, a, n, err, want)
				continue
			}
			if err != nil {
				if !errors.Is(err, ErrNoSuchEvent) {
					t.Errorf("NameOf(%s, %s) error %v does not match ErrNoSuchEvent", o, a, err)
				}
				continue
			}
			if got := string(n); got != "compta"+string(o)+string(a) {
				t.Errorf("NameOf(%s, %s) = %q", o, a, got)
			}
			if n.Object() != o || n.Action() != a {
				t.Errorf("%q splits into (%q, %q), want (%q, %q)", n, n.Object(), n.Action(), o, a)
			}
		}
	}
	if got := len(EventNames()); got != 30 {
		t.Errorf("len(EventNames()) = %d, want 30 (10 objects x 3 actions - entry update + reconciliation)", got)
	}
}

func TestParseEventName(t *testing.T) {
	tests := []struct {
		in      string
		want    EventName
		wantErr bool
	}{
		{in: "comptaCompteInserted", want: AccountInserted},
		{in: "comptaEcritureDeleted", want: EntryDeleted},
		{in: "comptaReconciliationInserted", want: ReconciliationInserted},
		{in: "comptaDailyReport", want: DailyReport},
		{in: "comptaEcritureUpdated", wantErr: true},
		{in: "comptaReconciliationDeleted", wantErr: true},
		{in: "comptacompteinserted", wantErr: true},
		{in: "comptaCompteInserted ", wantErr: true},
		{in: "", wantErr: true},
		{in: "compta", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseEventName(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrUnknownEvent) {
				t.Errorf("ParseEventName(%q) = %q, %v; want ErrUnknownEvent", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseEventName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if DailyReport.Object() != "" || DailyReport.Action() != "" {
		t.Errorf("DailyReport splits into (%q, %q), want empty", DailyReport.Object(), DailyReport.Action())
	}
}

func TestEventNameText(t *testing.T) {
	var n EventName
	if err := n.UnmarshalText([]byte("comptaTiersUpdated")); err != nil || n != ThirdPartyUpdated {
		t.Fatalf("UnmarshalText = %q, %v", n, err)
	}
	if err := n.UnmarshalText([]byte("comptaTiersRenamed")); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("UnmarshalText(unknown) error = %v, want ErrUnknownEvent", err)
	}
	if n != ThirdPartyUpdated {
		t.Errorf("failed UnmarshalText changed the value to %q", n)
	}
	if _, err := EventName("nope").MarshalText(); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("MarshalText(invalid) error = %v, want ErrUnknownEvent", err)
	}
}
