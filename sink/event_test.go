package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/internal/golden"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/shopspring/decimal"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

func seedEntry(t testing.TB) *entry.Entry {
	t.Helper()
	var e entry.Entry
	if err := json.Unmarshal(readTestdata(t, "seed-entry.json"), &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

var env = Envelope{
	Timestamp:     1706627839000,
	ApplicationID: "1999353e-52d1-4598-b76e-6fcbd15620fe",
	EntityID:      "a1ee3b15-24ef-45a5-8ff2-2b1f45440c7c",
	ID:            "0cee37db-1ca8-4073-84a3-547795567fa9",
}

// TestSeedAccountPayload decodes the seed's account payload and encodes it
// back byte for byte.
func TestSeedAccountPayload(t *testing.T) {
	seed := readTestdata(t, "seed-account.json")
	ev, err := DecodeEvent(AccountInserted, seed)
	if err != nil {
		t.Fatal(err)
	}
	want := &Event{Name: AccountInserted, Envelope: env, Data: &Account{Number: "56870000", Label: "56870000", Type: 1}}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Fatalf("DecodeEvent(seed) mismatch (-want +got):\n%s", diff)
	}
	if got := ev.Time().Format(report.TimeLayout); got != "2024-01-30T15:17:19.000Z" {
		t.Errorf("Time() = %s", got)
	}
	out, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, seed) {
		t.Errorf("Encode() =\n%s\nwant the seed's\n%s", out, seed)
	}
}

// samples returns one event of every name, for the golden file.
func samples(t testing.TB) []*Event {
	acc := ptr("11111111-1111-4111-8111-111111111111")
	ex := ptr("22222222-2222-4222-8222-222222222222")
	data := map[Object]any{
		ObjectAccount: &Account{Number: "411000", Label: "Clients", Collective: true, Letterable: true, Type: 2},
		ObjectBankAccount: &BankAccount{Label: "Banque", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP", Currency: "EUR", AccountID: acc,
			RIB: ptr("30006000011234567890189"), IsDefault: true},
		ObjectEntry:     seedEntry(t),
		ObjectJournal:   &Journal{Code: "AC", Label: "ACHATS", Type: JournalTypePurchase, CounterpartType: 1},
		ObjectParameter: &Parameter{Code: "DEVISE", Label: "Devise de tenue", Value: "EUR"},
		ObjectPeriod: &Period{Kind: period.KindSituation,
			Start: mustDate("2024-01-01"), End: mustDate("2024-06-30"), ExerciseID: ex},
		ObjectSection: &Section{Code: "ATTENTE", Label: "Waiting section", Axis: "AXE1", Description: "Lines not assigned yet"},
		ObjectThirdParty: &ThirdParty{Code: "C0001", Kind: Supplier, Name: "Dupont", CompanyName: "Dupont SARL", CounterpartAccountID: acc, Letterable: true, Active: true,
			Nature: LegalPerson, UsualName: "Dupont", Phone: "+33 1 23 45 67 89", Website: "https://dupont.example",
			Address: RawJSON(`{"ville":"Lyon"}`), BankDetails: RawJSON(`[]`), SubjectToVAT: true},
		ObjectVAT: &VAT{Code: "TN", Label: "TVA normale", Rate: decimal.RequireFromString("20.00"), Regime: 1, CollectedAccountID: acc,
			Description: "TVA normale 20 %", Collection: RawJSON(`{"vente":"445710"}`)},
		ObjectBranch:         &Branch{Code: "SIEGE", Name: "Siège", CompanyName: "ACME SAS", SIRET: "73282932000074", Type: 1, Nature: 2, FirstName: ""},
		ObjectReconciliation: &Reconciliation{BankAccountID: *acc, Date: mustDate("2024-01-31"), Amount: decimal.RequireFromString("-1200.50"), Statement: "RLV-2024-01", EntryIDs: []string{"e1", "e2"}},
	}
	var out []*Event
	for _, n := range EventNames() {
		ev := &Event{Name: n, Envelope: env}
		switch n.Action() {
		case Inserted:
			ev.Data = data[n.Object()]
		case Updated:
			ev.Data = data[n.Object()]
			b, err := json.Marshal(ev.Data)
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			ms, err := splitObject(b)
			if err != nil || len(ms) < 2 {
				t.Fatalf("%s: %s: %v", n, b, err)
			}
			ev.Changed = []string{ms[1].key} // the second field changed
		case Deleted:
			ev.Update = n == EntryDeleted
		}
		out = append(out, ev)
	}
	return out
}

// TestPayloadGolden pins the bytes of one event of every name, and checks
// that each decodes back to the same event.
func TestPayloadGolden(t *testing.T) {
	var all bytes.Buffer
	for _, ev := range samples(t) {
		b, err := ev.Encode()
		if err != nil {
			t.Fatalf("%s: Encode: %v", ev.Name, err)
		}
		all.WriteString(string(ev.Name) + " " + string(b))
		back, err := DecodeEvent(ev.Name, b)
		if err != nil {
			t.Fatalf("%s: DecodeEvent(Encode()): %v", ev.Name, err)
		}
		again, err := back.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s: re-encoding the decoded event gives\n%s\nwant\n%s (err %v)", ev.Name, again, b, err)
		}
		if ev.Name.Action() == Updated && !cmp.Equal(back.Changed, ev.Changed) {
			t.Errorf("%s: Changed = %v, want %v", ev.Name, back.Changed, ev.Changed)
		}
	}
	golden.Check(t, "payloads.golden", all.Bytes())
}

func TestUpdatedWritesNullForUnchanged(t *testing.T) {
	old := &Account{Number: "401000", Label: "Fournisseurs", Type: 2}
	nu := &Account{Number: "401000", Label: "Fournisseurs France", Type: 2, Letterable: true}
	changed, err := Changes(old, nu)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"libelle", "lettrable"}; !cmp.Equal(changed, want) {
		t.Fatalf("Changes = %v, want %v", changed, want)
	}
	ev := &Event{Name: AccountUpdated, Envelope: env, Data: nu, Changed: changed}
	b, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timestamp":1706627839000,"application_id":"1999353e-52d1-4598-b76e-6fcbd15620fe","entite_id":"a1ee3b15-24ef-45a5-8ff2-2b1f45440c7c","id":"0cee37db-1ca8-4073-84a3-547795567fa9","numero":null,"libelle":"Fournisseurs France","collectif":null,"lettrable":true,"pointable":null,"centralisable":null,"analytique":null,"ferme":null,"compteContrepartie_id":null,"compteBanque_id":null,"tva_id":null,"type":null,"ventilationDefaut":null}` + "\n"
	if string(b) != want {
		t.Errorf("Encode() =\n%s\nwant\n%s", b, want)
	}
	if same, _ := Changes(old, old); len(same) != 0 {
		t.Errorf("Changes(x, x) = %v, want none", same)
	}
	if _, err := Changes(old, &Journal{}); !errors.Is(err, ErrPayload) {
		t.Errorf("Changes(account, journal) error = %v, want ErrPayload", err)
	}
}

func TestEntryDeletedSpellings(t *testing.T) {
	for _, key := range []string{"miseAJour", "miseAjour"} {
		in := `{"timestamp":1,"application_id":"a","entite_id":"e","id":"i","` + key + `":true}`
		ev, err := DecodeEvent(EntryDeleted, []byte(in))
		if err != nil || !ev.Update {
			t.Errorf("DecodeEvent(%s) = %+v, %v; want Update", in, ev, err)
		}
	}
	ev, err := DecodeEvent(EntryDeleted, []byte(`{"timestamp":1,"application_id":"a","entite_id":"e","id":"i"}`))
	if err != nil || ev.Update {
		t.Errorf("a deletion without miseAJour = %+v, %v; want a plain deletion", ev, err)
	}
}

// A field the platform adds to an entry, at the top or in a movement, does
// not make the event unreadable; a field of the wrong type still does.
func TestDecodeEntryUnknownFields(t *testing.T) {
	const envelope = `"timestamp":1,"application_id":"a","entite_id":"e","id":"i",`
	seed := bytes.TrimSpace(readTestdata(t, "seed-entry.json"))
	plain, err := DecodeEvent(EntryInserted, append([]byte("{"+envelope), seed[1:]...))
	if err != nil {
		t.Fatal(err)
	}
	extra := bytes.Replace(seed, []byte(`"description": "TEST",`), []byte(`"description": "TEST", "nouveauChamp": {"a": [1]},`), 1)
	if bytes.Equal(extra, seed) {
		t.Fatal("the seed entry has no movement description to extend")
	}
	in := append([]byte("{"+envelope+`"versionSchema": 3,`), extra[1:]...)
	ev, err := DecodeEvent(EntryInserted, in)
	if err != nil {
		t.Fatalf("an entry with fields added by the platform: %v", err)
	}
	if diff := cmp.Diff(plain.Data, ev.Data); diff != "" {
		t.Errorf("added fields changed the entry (-plain +extended):\n%s", diff)
	}
	bad := bytes.Replace(in, []byte(`"description": "TEST"`), []byte(`"description": 5`), 1)
	if _, err := DecodeEvent(EntryInserted, bad); !errors.Is(err, ErrPayload) || !errors.Is(err, entry.ErrType) {
		t.Errorf("a movement description that is a number: %v, want ErrPayload and entry.ErrType", err)
	}
}

func TestDecodeEventErrors(t *testing.T) {
	const ok = `"application_id":"a","entite_id":"e","id":"i"`
	tests := []struct {
		name  string
		event EventName
		in    string
		field string
	}{
		{"not an object", AccountInserted, `[1]`, ""},
		{"truncated", AccountInserted, `{"timestamp":1,`, ""},
		{"trailing data", AccountInserted, `{"timestamp":1,` + ok + `} {}`, ""},
		{"duplicate key", AccountInserted, `{"timestamp":1,"timestamp":2,` + ok + `}`, ""},
		{"no timestamp", AccountInserted, `{` + ok + `}`, "timestamp"},
		{"string timestamp", AccountInserted, `{"timestamp":"1706627839000",` + ok + `}`, "timestamp"},
		{"fractional timestamp", AccountInserted, `{"timestamp":1.5,` + ok + `}`, "timestamp"},
		{"negative timestamp", AccountInserted, `{"timestamp":-1,` + ok + `}`, "timestamp"},
		{"no id", AccountInserted, `{"timestamp":1,"application_id":"a","entite_id":"e"}`, "id"},
		{"empty entity", AccountInserted, `{"timestamp":1,"application_id":"a","entite_id":"","id":"i"}`, "entite_id"},
		{"numeric application", AccountInserted, `{"timestamp":1,"application_id":7,"entite_id":"e","id":"i"}`, "application_id"},
		{"wrong field type", AccountInserted, `{"timestamp":1,` + ok + `,"numero":5}`, "numero"},
		{"wrong enum", AccountInserted, `{"timestamp":1,` + ok + `,"type":99}`, "type"},
		{"wrong boolean", AccountInserted, `{"timestamp":1,` + ok + `,"ferme":"oui"}`, "ferme"},
		{"wrong pointer", AccountInserted, `{"timestamp":1,` + ok + `,"tva_id":1}`, "tva_id"},
		{"string miseAJour", EntryDeleted, `{"timestamp":1,` + ok + `,"miseAJour":"true"}`, "miseAJour"},
		{"null miseAjour", EntryDeleted, `{"timestamp":1,` + ok + `,"miseAjour":null}`, "miseAjour"},
		{"daily report", DailyReport, `{"timestamp":1,` + ok + `}`, ""},
		{"unknown event", "comptaNope", `{"timestamp":1,` + ok + `}`, ""},
		{"vat rate as string", VATInserted, `{"timestamp":1,` + ok + `,"taux":"20"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeEvent(tt.event, []byte(tt.in))
			var pe *PayloadError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPayload) {
				t.Fatalf("DecodeEvent(%s) = %+v, %v; want a *PayloadError matching ErrPayload", tt.in, ev, err)
			}
			if pe.Field != tt.field {
				t.Errorf("error names field %q, want %q: %v", pe.Field, tt.field, err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	acc := &Account{Number: "1"}
	tests := []struct {
		name string
		ev   Event
	}{
		{"daily report", Event{Name: DailyReport, Envelope: env}},
		{"negative timestamp", Event{Name: AccountInserted, Envelope: Envelope{Timestamp: -1, ApplicationID: "a", EntityID: "e", ID: "i"}, Data: acc}},
		{"empty id", Event{Name: AccountInserted, Envelope: Envelope{ApplicationID: "a", EntityID: "e"}, Data: acc}},
		{"wrong data type", Event{Name: JournalInserted, Envelope: env, Data: acc}},
		{"no data", Event{Name: AccountInserted, Envelope: env}},
		{"data on delete", Event{Name: AccountDeleted, Envelope: env, Data: acc}},
		{"update flag on account", Event{Name: AccountDeleted, Envelope: env, Update: true}},
		{"update without changes", Event{Name: AccountUpdated, Envelope: env, Data: acc}},
		{"changed envelope", Event{Name: AccountUpdated, Envelope: env, Data: acc, Changed: []string{"id"}}},
		{"changed unknown field", Event{Name: AccountUpdated, Envelope: env, Data: acc, Changed: []string{"nope"}}},
		{"changed twice", Event{Name: AccountUpdated, Envelope: env, Data: acc, Changed: []string{"numero", "numero"}}},
		{"changed on insert", Event{Name: AccountInserted, Envelope: env, Data: acc, Changed: []string{"numero"}}},
	}
	for _, tt := range tests {
		if b, err := tt.ev.Encode(); !errors.Is(err, ErrPayload) {
			t.Errorf("%s: Encode() = %s, %v; want ErrPayload", tt.name, b, err)
		}
	}
}

func TestAmountsKeepTheirDigits(t *testing.T) {
	for _, lit := range []string{"20", "20.00", "5.5", "0.000001", "-1200.50"} {
		in := `{"timestamp":1,"application_id":"a","entite_id":"e","id":"i","code":"X","libelle":"","taux":` + lit + `,"regime":1,"compteCollecte_id":null,"compteDeductible_id":null,"description":"","collecte":null}` + "\n"
		ev, err := DecodeEvent(VATInserted, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		out, err := ev.Encode()
		if err != nil || string(out) != in {
			t.Errorf("rate %s: Encode() = %s, %v; want %s", lit, out, err, in)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, ev := range samples(f) {
		b, err := ev.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(ev.Name), b)
	}
	f.Add(string(AccountInserted), readTestdata(f, "seed-account.json"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ev, err := DecodeEvent(EventName(name), data)
		if err != nil {
			if !errors.Is(err, ErrPayload) {
				t.Fatalf("error %v does not match ErrPayload", err)
			}
			return
		}
		if ev.Name.Action() == Updated && len(ev.Changed) == 0 {
			return // an update that changes nothing does not encode
		}
		out, err := ev.Encode()
		if err != nil {
			if strings.Contains(err.Error(), "entry") {
				return // entries decode leniently but may not re-encode; the entry package validates them
			}
			t.Fatalf("decoded %q but cannot encode it: %v", data, err)
		}
		back, err := DecodeEvent(ev.Name, out)
		if err != nil {
			t.Fatalf("cannot decode our own %s: %v", out, err)
		}
		again, err := back.Encode()
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("encoding is not stable:\n%s\n%s", out, again)
		}
	})
}

func mustDate(s string) period.Date {
	d, err := period.ParseDate(s)
	if err != nil {
		panic(err) // test fixtures only
	}
	return d
}

// TestPayloadFieldsAvoidTheEnvelope: Encode writes an Inserted object's
// fields after the envelope as they are, which is right only because no
// payload type has a field named like the envelope's.
func TestPayloadFieldsAvoidTheEnvelope(t *testing.T) {
	for _, ev := range samples(t) {
		if ev.Name.Action() != Inserted {
			continue
		}
		b, err := marshalData(ev.Data)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := splitObject(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if isEnvelopeKey(m.key) || m.key == keyUpdate || m.key == keyUpdateOld {
				t.Errorf("%T has a field %q, which the envelope owns", ev.Data, m.key)
			}
		}
	}
}

// writeString writes what encoding/json writes for every string.
func TestWriteString(t *testing.T) {
	for _, s := range []string{"", "numero", "compteContrepartie_id", `a"b`, `a\b`, "<&>", "é", "\x00\x1f\x7f", "\xff", "tab\there"} {
		var b bytes.Buffer
		writeString(&b, s)
		want, _ := json.Marshal(s)
		if b.String() != string(want) {
			t.Errorf("writeString(%q) = %s, want %s", s, b.String(), want)
		}
	}
}

// BenchmarkDecodeEvent decodes the seed's account payload into a typed
// event, beside the ceiling: json.Unmarshal of the same bytes into a map.
func BenchmarkDecodeEvent(b *testing.B) {
	data := readTestdata(b, "seed-account.json")
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeEvent(AccountInserted, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ceiling", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
