package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/internal/golden"

	"github.com/google/go-cmp/cmp"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInitSeed decodes the seed's example report, checks every row, and
// re-encodes it into the same JSON value.
func TestInitSeed(t *testing.T) {
	seed := readFile(t, "seed-init-report.json")
	r, err := Decode(bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	want := &Init{
		EntityID: "ae9c6905-0035-4ce6-9d27-2c26b317035e",
		Rows: []InitRow{
			{"comptaJournalInserted", 3}, {"comptaTvaInserted", 0}, {"comptaEtablissementInserted", 1},
			{"comptaCompteInserted", 817}, {"comptaSectionInserted", 1}, {"comptaPeriodeInserted", 1},
			{"comptaTiersInserted", 1}, {"comptaTiersInserted", 1}, {"comptaTiersInserted", 0},
			{"comptaTiersInserted", 1}, {"comptaParametreUpdated", 1}, {"comptaEcritureInserted", 14},
			{"comptaCompteBancaireInserted", 0}, {"comptaReconciliationInserted", 0},
		},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Fatalf("Decode(seed) mismatch (-want +got):\n%s", diff)
	}
	if got := r.Count("comptaTiersInserted"); got != 3 {
		t.Errorf("Count(comptaTiersInserted) = %d, want 3", got)
	}
	if got := r.Total(); got != 841 {
		t.Errorf("Total() = %d, want 841", got)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(seed, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("re-encoded report is not the seed's JSON value:\n%s", out)
	}
	// MarshalJSON's bytes, as written to the sink (json.Marshal compacts them).
	enc, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "seed-init-report.golden", enc)
	if i, j := bytes.Index(enc, []byte(`"9"`)), bytes.Index(enc, []byte(`"10"`)); i < 0 || j < i {
		t.Errorf("rows not in numeric order:\n%s", enc)
	}
	if !bytes.HasSuffix(bytes.TrimSpace(enc), []byte(`"entite_id": "ae9c6905-0035-4ce6-9d27-2c26b317035e"`+"\n}")) {
		t.Errorf("entite_id is not last:\n%s", enc)
	}
}

func TestInitEmptyRows(t *testing.T) {
	r := &Init{EntityID: "e"}
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Init
	if err := json.Unmarshal(b, &back); err != nil || back.EntityID != "e" || len(back.Rows) != 0 {
		t.Errorf("round trip of %s = %+v, %v", b, back, err)
	}
}

func TestInitDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		// syntax: malformed JSON, which json.Unmarshal refuses with its
		// *json.SyntaxError before Init.UnmarshalJSON is called.
		syntax bool
	}{
		{"not json", `{`, true},
		{"array", `[]`, false},
		{"no entite_id", `{"0": {"schema": "a", "count": 1}}`, false},
		{"empty entite_id", `{"entite_id": ""}`, false},
		{"numeric entite_id", `{"entite_id": 7}`, false},
		{"gap in rows", `{"0": {"schema": "a", "count": 1}, "2": {"schema": "b", "count": 1}, "entite_id": "e"}`, false},
		{"rows from 1", `{"1": {"schema": "a", "count": 1}, "entite_id": "e"}`, false},
		{"stray key", `{"0": {"schema": "a", "count": 1}, "total": 1, "entite_id": "e"}`, false},
		{"duplicate key", `{"0": {"schema": "a", "count": 1}, "0": {"schema": "b", "count": 2}, "entite_id": "e"}`, false},
		{"negative count", `{"0": {"schema": "a", "count": -1}, "entite_id": "e"}`, false},
		{"fractional count", `{"0": {"schema": "a", "count": 1.5}, "entite_id": "e"}`, false},
		{"string count", `{"0": {"schema": "a", "count": "1"}, "entite_id": "e"}`, false},
		{"no count", `{"0": {"schema": "a"}, "entite_id": "e"}`, false},
		{"no schema", `{"0": {"count": 1}, "entite_id": "e"}`, false},
		{"extra row field", `{"0": {"schema": "a", "count": 1, "x": 0}, "entite_id": "e"}`, false},
		{"padded key", `{"00": {"schema": "a", "count": 1}, "entite_id": "e"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Decode, the SDK's reader, says ErrInvalid for every bad input.
			if r, err := Decode(strings.NewReader(tt.in)); !errors.Is(err, ErrInvalid) || r != nil {
				t.Errorf("Decode(%s) = %+v, %v; want nil and ErrInvalid", tt.in, r, err)
			}
			r := Init{EntityID: "keep"}
			err := json.Unmarshal([]byte(tt.in), &r)
			var syntax *json.SyntaxError
			switch {
			case tt.syntax && !errors.As(err, &syntax):
				t.Errorf("Unmarshal(%s) = %v, want encoding/json's *json.SyntaxError", tt.in, err)
			case !tt.syntax && !errors.Is(err, ErrInvalid):
				t.Errorf("Unmarshal(%s) = %v, want ErrInvalid", tt.in, err)
			}
			if r.EntityID != "keep" {
				t.Errorf("failed Unmarshal changed the report to %+v", r)
			}
		})
	}
}

func TestInitMarshalInvalid(t *testing.T) {
	r := &Init{Rows: []InitRow{{Schema: "", Count: -1}}}
	_, err := r.MarshalJSON()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("MarshalJSON(invalid) = %v, want ErrInvalid", err)
	}
	for _, want := range []string{"/entite_id", "/0/schema", "/0/count"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not report %s", err, want)
		}
	}
}

func TestInitFileName(t *testing.T) {
	at := time.Date(2024, 1, 30, 16, 17, 20, 186_400_000, time.FixedZone("CET", 3600))
	name := InitFileName(at)
	if name != "initialisation-report-2024-01-30T15:17:20.186Z.json" {
		t.Errorf("InitFileName = %q", name)
	}
	got, err := ParseInitFileName(name)
	if err != nil || !got.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("ParseInitFileName(%q) = %v, %v", name, got, err)
	}
	for _, bad := range []string{
		"initialisation-report-2024-01-30T15:17:20Z.json",
		"initialisation-report-2024-01-30T15:17:20.186Z",
		"initialization-report-2024-01-30T15:17:20.186Z.json",
		"initialisation-report-2024-02-30T15:17:20.186Z.json",
		"queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json",
	} {
		if _, err := ParseInitFileName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseInitFileName(%q) error = %v, want ErrInvalid", bad, err)
		}
		if IsInitFileName(bad) {
			t.Errorf("IsInitFileName(%q) = true", bad)
		}
	}
}

func FuzzInitRoundTrip(f *testing.F) {
	f.Add(readFile(f, "seed-init-report.json"))
	f.Add([]byte(`{"entite_id": "e"}`))
	f.Add([]byte(`{"0": {"schema": "\u00e9", "count": 0}, "entite_id": "x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Init
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		out, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("decoded %q but cannot encode %+v: %v", data, r, err)
		}
		var back Init
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("cannot decode our own %s: %v", out, err)
		}
		if diff := cmp.Diff(r, back); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
	})
}

func FuzzInitFileName(f *testing.F) {
	f.Add("initialisation-report-2024-01-30T15:17:20.186Z.json")
	f.Add("initialisation-report-0000-01-01T00:00:00.000Z.json")
	f.Fuzz(func(t *testing.T, name string) {
		at, err := ParseInitFileName(name)
		if err != nil {
			return
		}
		if got := InitFileName(at); got != name {
			t.Fatalf("ParseInitFileName(%q) = %v, formatted back as %q", name, at, got)
		}
	})
}
