package entry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixtures returns the entry documents of testdata (not the golden files).
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte)
	for _, n := range names {
		if strings.HasSuffix(n, ".golden.json") {
			continue
		}
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = data
	}
	if len(out) < 6 {
		t.Fatalf("found %d fixtures, want at least 6", len(out))
	}
	return out
}

// jsonValue decodes data generically, numbers kept as their text, so that two
// documents compare equal exactly when they hold the same JSON value with the
// same number digits.
func jsonValue(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func decode(t testing.TB, data []byte) entry.Entry {
	t.Helper()
	var e entry.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	return e
}

// TestRoundTrip checks that decoding then encoding every fixture gives the
// same JSON value, with the same digits for every number.
func TestRoundTrip(t *testing.T) {
	for name, data := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			e := decode(t, data)
			out, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if diff := cmp.Diff(jsonValue(t, data), jsonValue(t, out)); diff != "" {
				t.Errorf("round trip mismatch (-in +out):\n%s", diff)
			}
			// Pointer and value receivers give the same bytes.
			out2, err := json.Marshal(&e)
			if err != nil || !bytes.Equal(out, out2) {
				t.Errorf("Marshal(&e) = %s, %v; want %s", out2, err, out)
			}
		})
	}
}

// TestSeedGolden pins the exact bytes written for the seed's entry: key order
// of seed 001, amounts as plain numbers.
func TestSeedGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := decode(t, data)
	got, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "seed.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("seed encoding mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(jsonValue(t, data), jsonValue(t, got)); diff != "" {
		t.Errorf("golden is not the seed's JSON value (-seed +golden):\n%s", diff)
	}
}

func TestAmountDigits(t *testing.T) {
	tests := []struct {
		in   string
		want string // as written back
		str  string // decimal value, String()
	}{
		{in: "1200", want: "1200", str: "1200"},
		{in: "12.50", want: "12.50", str: "12.5"},
		{in: "0", want: "0", str: "0"},
		{in: "0.00", want: "0.00", str: "0"},
		{in: "-1200", want: "-1200", str: "-1200"},
		{in: "-0.05", want: "-0.05", str: "-0.05"},
		{in: "0.001", want: "0.001", str: "0.001"},
		{in: "1e3", want: "1000", str: "1000"},
		{in: "1.5E-2", want: "0.015", str: "0.015"},
		{in: "-0", want: "0", str: "0"},
		{in: "123456789012345678901234567890.12", want: "123456789012345678901234567890.12", str: "123456789012345678901234567890.12"},
		{in: "999999999999999999", want: "999999999999999999", str: "999999999999999999"},
		{in: "1234567890.123456789", want: "1234567890.123456789", str: "1234567890.123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v entry.MovementValue
			doc := `{"credit":` + tt.in + `,"debit":0,"amount":0}`
			if err := json.Unmarshal([]byte(doc), &v); err != nil {
				t.Fatal(err)
			}
			if !v.Credit.Equal(decimal.RequireFromString(tt.str)) {
				t.Errorf("credit = %v, want %s", v.Credit, tt.str)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			want := `{"credit":` + tt.want + `,"debit":0,"amount":0}`
			if string(out) != want {
				t.Errorf("Marshal = %s, want %s", out, want)
			}
		})
	}
}

func TestAmountOutOfRange(t *testing.T) {
	for _, in := range []string{"1e31", "1e-31", "12345678901234567890123456789012345678901", "1e999999999999"} {
		var v entry.MovementValue
		err := v.UnmarshalJSON([]byte(`{"credit":` + in + `,"debit":0,"amount":0}`))
		if !errors.Is(err, entry.ErrNumber) {
			t.Errorf("%s: err = %v, want ErrNumber", in, err)
		}
	}
}

// TestGoBuiltEntry checks the encoding of an entry built in Go: nil maps and
// slices become {} and [], missing producer extras are omitted.
func TestGoBuiltEntry(t *testing.T) {
	e := entry.Entry{
		ProducerID: "1",
		Journal:    entry.Journal{ProducerID: "2", CustomerReferenceCode: "OD", Name: "OD", Type: entry.JournalMisc},
		Currency:   entry.Currency{Code: "EUR"},
		Movements: []entry.Movement{
			{ProducerID: "3", Description: "a", Value: entry.NewDebit(decimal.RequireFromString("10.10"))},
			{ProducerID: "4", Description: "b", Value: entry.NewCredit(decimal.RequireFromString("10.10"))},
		},
	}
	e.Date.Year, e.Date.Month, e.Date.Day = 2024, 1, 31
	got, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"producerId":"1","attachments":{},"date":"2024-01-31","dueDate":null,` +
		`"journal":{"producerId":"2","customerReferenceCode":"OD","name":"OD","type":"OD"},"currency":{"code":"EUR"},` +
		`"movements":[{"producerId":"3","description":"a","value":{"credit":0,"debit":10.10,"amount":-10.10},"dueDate":null,` +
		`"lettering":{"state":"none","value":null},"freeNumber":null,"invoiceNumber":null,"attachments":{},"account":null,"payment":null,"analytics":[]},` +
		`{"producerId":"4","description":"b","value":{"credit":10.10,"debit":0,"amount":10.10},"dueDate":null,` +
		`"lettering":{"state":"none","value":null},"freeNumber":null,"invoiceNumber":null,"attachments":{},"account":null,"payment":null,"analytics":[]}]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Marshal mismatch (-want +got):\n%s", diff)
	}
	if err := e.Validate(nil); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestMarshalInvalidDate(t *testing.T) {
	_, err := json.Marshal(entry.Entry{})
	if err == nil {
		t.Fatal("Marshal of the zero Entry succeeded, want a date error")
	}
}

func TestStringEscapes(t *testing.T) {
	doc := `{"producerId":"p","description":"tab\there \"q\" \\ \u00e9 \ud83d\ude00 \u2028 <&>","value":{"credit":0,"debit":0,"amount":0},` +
		`"lettering":{"state":"none","value":null},"analytics":[]}`
	var m entry.Movement
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	if want := "tab\there \"q\" \\ é 😀 \u2028 <&>"; m.Description != want {
		t.Errorf("Description = %q, want %q", m.Description, want)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back entry.Movement
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-decode %s: %v", out, err)
	}
	if back.Description != m.Description {
		t.Errorf("re-decoded %q, want %q", back.Description, m.Description)
	}
}

func TestFixturesValid(t *testing.T) {
	for name, data := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			e := decode(t, data)
			if err := e.Validate(nil); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// Decode skips the keys the model does not declare, at any depth, where
// UnmarshalJSON reports them; it reports every other problem.
func TestDecodeUnknownKeys(t *testing.T) {
	const rest = `"analytics":[],"lettering":{"state":"none","value":null}`
	in := []byte(`{"producerId":"1","date":"2024-01-31","nouveau":1,"attachments":{},` +
		`"journal":{"producerId":"j","customerReferenceCode":"AC","name":"ACHATS","type":"Achat"},` +
		`"currency":{"code":"EUR"},"movements":[{"producerId":"m1","description":"d","value":{"credit":0,"debit":1,"amount":-1},"y":null,` + rest + `},` +
		`{"producerId":"m2","description":"d","value":{"credit":1,"debit":0,"amount":1},` + rest + `}]}`)
	var strict entry.Entry
	err := strict.UnmarshalJSON(in)
	var ve *entry.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Fatalf("UnmarshalJSON = %v, want the two undeclared keys reported", err)
	}
	e, err := entry.Decode(in)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if e.ProducerID != "1" || e.Journal.Name != "ACHATS" || len(e.Movements) != 2 || !e.Movements[0].Value.Debit.Equal(decimal.NewFromInt(1)) {
		t.Errorf("Decode = %+v", e)
	}
	if _, err := entry.Decode([]byte(`{"producerId":1,"nouveau":1}`)); !errors.Is(err, entry.ErrType) {
		t.Errorf("Decode of a numeric producerId = %v, want ErrType", err)
	}
}
