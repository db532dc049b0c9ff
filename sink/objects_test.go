package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/golden"
	"github.com/shopspring/decimal"
)

// TestAmountWireForms decodes VAT and reconciliation payloads with
// amounts written in several ways and writes them back: the digits of the
// wire stay (12.50 stays 12.50); the golden file pins the wire forms.
func TestAmountWireForms(t *testing.T) {
	amounts := []struct{ in, want string }{
		{"20", "20"},
		{"20.00", "20.00"},
		{"12.50", "12.50"},
		{"5.5", "5.5"},
		{"0.90", "0.90"},
		{"-1234.5", "-1234.5"},
		{"1e3", "1000"},
		{"1.25E+1", "12.5"},
		{"0.000000000000000000000000000001", "0.000000000000000000000000000001"},
	}
	var all bytes.Buffer
	for _, a := range amounts {
		for _, tt := range []struct {
			name EventName
			key  string
		}{{VATInserted, "taux"}, {ReconciliationInserted, "montant"}} {
			payload := fmt.Sprintf(`{"timestamp":1,"application_id":"app","entite_id":"ent","id":"x","%s":%s}`, tt.key, a.in)
			ev, err := DecodeEvent(tt.name, []byte(payload))
			if err != nil {
				t.Fatalf("%s %s=%s: %v", tt.name, tt.key, a.in, err)
			}
			b, err := ev.Encode()
			if err != nil {
				t.Fatalf("%s %s=%s: Encode: %v", tt.name, tt.key, a.in, err)
			}
			if want := `"` + tt.key + `":` + a.want + `,`; !bytes.Contains(b, []byte(want)) {
				t.Errorf("%s %s=%s: Encode() = %s, want it to hold %s", tt.name, tt.key, a.in, b, want)
			}
			all.WriteString(a.in + " " + string(b))
		}
	}
	golden.Check(t, "amounts.golden", all.Bytes())
}

// TestAmountsRefused checks that a payload amount beyond the limits of the
// entry amounts, or not a number, is refused with an error that names the
// field and the rule, reading and writing.
func TestAmountsRefused(t *testing.T) {
	tests := []struct {
		name  EventName
		field string
		value string
		err   error
	}{
		{VATInserted, "taux", "1e-9999", entry.ErrNumber},
		{VATInserted, "taux", "1e31", entry.ErrNumber},
		{VATInserted, "taux", `"20.00"`, entry.ErrType},
		{VATInserted, "taux", "true", entry.ErrType},
		{ReconciliationInserted, "montant", "1e-9999", entry.ErrNumber},
		{ReconciliationInserted, "montant", strings.Repeat("9", 41), entry.ErrNumber},
		{ReconciliationInserted, "montant", `{"a":1}`, entry.ErrType},
		{VATUpdated, "taux", "1e-9999", entry.ErrNumber},
	}
	for _, tt := range tests {
		t.Run(string(tt.name)+"/"+tt.value, func(t *testing.T) {
			payload := fmt.Sprintf(`{"timestamp":1,"application_id":"app","entite_id":"ent","id":"x","%s":%s}`, tt.field, tt.value)
			ev, err := DecodeEvent(tt.name, []byte(payload))
			if !errors.Is(err, tt.err) || !errors.Is(err, ErrPayload) {
				t.Fatalf("DecodeEvent = %v, %v; want an error matching %v and ErrPayload", ev, err, tt.err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.field) || len(msg) > 300 {
				t.Errorf("error %q (%d bytes) does not name %s in a few words", msg, len(msg), tt.field)
			}
		})
	}
	huge := decimal.New(1, -9999)
	for _, data := range []any{&VAT{Code: "X", Rate: huge}, &Reconciliation{Amount: huge}} {
		b, err := json.Marshal(data)
		if !errors.Is(err, entry.ErrNumber) {
			t.Errorf("json.Marshal(%T with 1e-9999) = %d bytes, %v; want an error matching entry.ErrNumber", data, len(b), err)
		}
		obj, _ := ObjectOf(data)
		name, _ := NameOf(obj, Inserted)
		if b, err := (&Event{Name: name, Envelope: env, Data: data}).Encode(); !errors.Is(err, entry.ErrNumber) {
			t.Errorf("Encode(%T with 1e-9999) = %d bytes, %v; want an error matching entry.ErrNumber", data, len(b), err)
		}
	}
}

// TestEnumsOnTheWire checks each numbered enumeration of the payloads:
// documented values and 0 (not set) are read, null leaves the field unset,
// any other number or a non-integer is refused with an error matching
// ErrEnum.
func TestEnumsOnTheWire(t *testing.T) {
	tests := []struct {
		name     EventName
		field    string
		good     []string
		bad      []string
		getValue func(any) int
	}{
		{AccountInserted, "type", []string{"0", "1", "7"}, []string{"8", "-1", "1.5", `"1"`},
			func(d any) int { return int(d.(*Account).Type) }},
		{JournalInserted, "type", []string{"0", "1", "8"}, []string{"9", "-2", "true"},
			func(d any) int { return int(d.(*Journal).Type) }},
		{JournalInserted, "typeContrepartie", []string{"0", "1", "3"}, []string{"4", "1e0"},
			func(d any) int { return int(d.(*Journal).CounterpartType) }},
		{ThirdPartyInserted, "type", []string{"0", "1", "2", "4"}, []string{"3", "5", "-1"},
			func(d any) int { return int(d.(*ThirdParty).Kind) }},
		{VATInserted, "regime", []string{"0", "1", "8"}, []string{"9", "99999999999999999999"},
			func(d any) int { return int(d.(*VAT).Regime) }},
		{BranchInserted, "type", []string{"0", "1", "4"}, []string{"5"},
			func(d any) int { return int(d.(*Branch).Type) }},
		{BranchInserted, "nature", []string{"0", "1", "2"}, []string{"3"},
			func(d any) int { return int(d.(*Branch).Nature) }},
	}
	for _, tt := range tests {
		t.Run(string(tt.name)+"/"+tt.field, func(t *testing.T) {
			decode := func(v string) (*Event, error) {
				payload := fmt.Sprintf(`{"timestamp":1,"application_id":"app","entite_id":"ent","id":"x","%s":%s}`, tt.field, v)
				return DecodeEvent(tt.name, []byte(payload))
			}
			for _, v := range tt.good {
				ev, err := decode(v)
				if err != nil {
					t.Errorf("%s=%s: %v", tt.field, v, err)
					continue
				}
				if got := fmt.Sprint(tt.getValue(ev.Data)); got != v {
					t.Errorf("%s=%s read as %s", tt.field, v, got)
				}
			}
			if ev, err := decode("null"); err != nil || tt.getValue(ev.Data) != 0 {
				t.Errorf("%s=null: %v, %v; want 0, nil", tt.field, ev, err)
			}
			for _, v := range tt.bad {
				if ev, err := decode(v); !errors.Is(err, ErrPayload) || !errors.Is(err, ErrEnum) || !strings.Contains(err.Error(), v) {
					t.Errorf("%s=%s: %v, %v; want an error matching ErrPayload and ErrEnum that quotes the value", tt.field, v, ev, err)
				}
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		v     fmt.Stringer
		valid bool
		want  string
	}{
		{JournalTypePurchase, true, "purchase"},
		{JournalTypeSales, true, "sales"},
		{JournalType(0), false, "JournalType(0)"},
		{JournalType(9), false, "JournalType(9)"},
		{CounterpartFooter, true, "journal footer"},
		{CounterpartType(4), false, "CounterpartType(4)"},
		{Customer, true, "customer"},
		{Other, true, "other"},
		{ThirdPartyKind(3), false, "ThirdPartyKind(3)"},
		{VATNormal, true, "normal"},
		{VATReverseChargeServEU, true, "reverse charge, EU services"},
		{VATRegime(9), false, "VATRegime(9)"},
		{BranchHeadOffice, true, "head office"},
		{BranchType(0), false, "BranchType(0)"},
		{LegalPerson, true, "legal person"},
		{PersonNature(3), false, "PersonNature(3)"},
		{AccountType(7), true, "AccountType(7)"},
		{AccountType(8), false, "AccountType(8)"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.v, got, tt.want)
		}
		if got := tt.v.(interface{ Valid() bool }).Valid(); got != tt.valid {
			t.Errorf("%#v.Valid() = %v, want %v", tt.v, got, tt.valid)
		}
	}
}

// TestEntryEventFields checks that an entry event keeps the fields the
// platform adds beside the entry (etablissement_id, type, the deprecated
// validation): decoded into the entry, written back after the envelope.
func TestEntryEventFields(t *testing.T) {
	seed := bytes.TrimSpace(readTestdata(t, "seed-entry.json"))
	in := append([]byte(`{"timestamp":1706627839000,"application_id":"app","entite_id":"ent","id":"ecr-1",`+
		`"etablissement_id":"etab-1","type":5,"validation":4,`), seed[1:]...)
	ev, err := DecodeEvent(EntryInserted, in)
	if err != nil {
		t.Fatal(err)
	}
	e := ev.Data.(*entry.Entry)
	if e.BranchID != "etab-1" || e.Type != entry.EntryOpening || !e.Type.Visible() || e.Validation == nil || *e.Validation != 4 {
		t.Fatalf("decoded BranchID %q, Type %v, Validation %v", e.BranchID, e.Type, e.Validation)
	}
	out, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timestamp":1706627839000,"application_id":"app","entite_id":"ent","id":"ecr-1","etablissement_id":"etab-1","type":5,"validation":4,"producerId":`
	if !bytes.HasPrefix(out, []byte(want)) {
		t.Errorf("Encode() = %.200s..., want it to begin with %s", out, want)
	}
	var a, b any
	if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil || !jsonEqual(a, b) {
		t.Errorf("decode then encode changed the payload:\n%s\n%s", in, out)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestPublicModelFields decodes payloads holding the fields of the
// platform's public models and writes them back unchanged: the fields whose
// shape is not published are kept as they are (RawJSON).
func TestPublicModelFields(t *testing.T) {
	const head = `{"timestamp":1,"application_id":"app","entite_id":"ent","id":"x",`
	tests := []struct {
		name  EventName
		body  string
		check func(any) bool
	}{
		{ThirdPartyInserted,
			`"code":"D01","type":4,"nom":"Durand","raisonSociale":"","siret":"","email":"","compteContrepartie_id":null,"lettrable":true,"actif":true,` +
				`"nature":1,"prenom":"Jean","nomUsuel":"JD","telephone":"0102030405","fax":"","siteWeb":"","adr":{"rue":"1 rue X","cp":"69001"},"rib":[{"iban":"FR76"}],"validation":true,"soumisTva":true}`,
			func(d any) bool {
				tp := d.(*ThirdParty)
				return tp.Kind == Other && tp.Nature == NaturalPerson && tp.FirstName == "Jean" && tp.UsualName == "JD" && tp.Phone == "0102030405" &&
					string(tp.Address) == `{"rue":"1 rue X","cp":"69001"}` && string(tp.BankDetails) == `[{"iban":"FR76"}]` && string(tp.Validation) == "true" && tp.SubjectToVAT
			}},
		{VATInserted,
			`"code":"TR","libelle":"","taux":5.5,"regime":6,"compteCollecte_id":null,"compteDeductible_id":null,"description":"Taux réduit DOM","collecte":{"vente":"7","client":"411"}}`,
			func(d any) bool {
				v := d.(*VAT)
				return v.Regime == VATOverseas && v.Description == "Taux réduit DOM" && string(v.Collection) == `{"vente":"7","client":"411"}` && v.Rate.String() == "5.5"
			}},
		{SectionInserted, `"code":"S1","libelle":"","axe":"AXE1","ferme":true,"description":"Atelier"}`,
			func(d any) bool { s := d.(*Section); return s.Description == "Atelier" && s.Closed }},
		{BranchInserted, `"code":"B","nom":"Martin","raisonSociale":"","siret":"","type":2,"nature":1,"prenom":"Anne"}`,
			func(d any) bool {
				b := d.(*Branch)
				return b.Type == BranchSecondary && b.Nature == NaturalPerson && b.FirstName == "Anne"
			}},
		{BankAccountInserted,
			`"libelle":"CIC","iban":"FR76","bic":"CMCIFRPP","devise":"EUR","compte_id":null,"journal_id":null,"ferme":false,"RIB":"30007321451234567890043","isDefault":true}`,
			func(d any) bool {
				b := d.(*BankAccount)
				return b.RIB != nil && *b.RIB == "30007321451234567890043" && b.IsDefault
			}},
	}
	for _, tt := range tests {
		t.Run(string(tt.name), func(t *testing.T) {
			in := head + tt.body + "\n"
			ev, err := DecodeEvent(tt.name, []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(ev.Data) {
				t.Errorf("decoded %+v", ev.Data)
			}
			out, err := ev.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != in {
				t.Errorf("Encode() =\n%s\nwant\n%s", out, in)
			}
		})
	}
	// Absent and null raw fields are nil, and written null.
	ev, err := DecodeEvent(ThirdPartyInserted, []byte(head+`"adr":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if tp := ev.Data.(*ThirdParty); tp.Address != nil || tp.BankDetails != nil {
		t.Errorf("null adr and absent rib decode as %q and %q, want nil", tp.Address, tp.BankDetails)
	}
	if _, err := json.Marshal(&ThirdParty{Address: RawJSON("{")}); err == nil {
		t.Error("a RawJSON holding invalid JSON encodes")
	}
}
