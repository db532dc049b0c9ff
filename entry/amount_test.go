package entry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want string // the AppendAmount form; "" when an error is expected
		err  error
	}{
		{in: "12.50", want: "12.50"},
		{in: "1200", want: "1200"},
		{in: "-0.05", want: "-0.05"},
		{in: " 20 ", want: "20"},
		{in: "1.2e3", want: "1200"},
		{in: "12e-2", want: "0.12"},
		{in: "0", want: "0"},
		{in: "0e50", want: "0"},
		{in: "1e-30", want: "0.000000000000000000000000000001"},
		{in: "1234567890123456789012345678901234567890", want: "1234567890123456789012345678901234567890"},
		{in: "1e-9999", err: entry.ErrNumber},
		{in: "1e9999", err: entry.ErrNumber},
		{in: "1e-31", err: entry.ErrNumber},
		{in: "12345678901234567890123456789012345678901", err: entry.ErrNumber},
		{in: `"12.50"`, err: entry.ErrType},
		{in: "null", err: entry.ErrType},
		{in: "[1]", err: entry.ErrType},
		{in: "1e", err: entry.ErrSyntax},
		{in: "01", err: entry.ErrSyntax},
		{in: "1 2", err: entry.ErrSyntax},
		{in: "", err: entry.ErrSyntax},
		{in: "NaN", err: entry.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := entry.ParseAmount([]byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseAmount(%q) = %v, %v; want an error matching %v", tt.in, d, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmount(%q): %v", tt.in, err)
			}
			b, err := entry.AppendAmount(nil, d)
			if err != nil || string(b) != tt.want {
				t.Errorf("AppendAmount(ParseAmount(%q)) = %s, %v; want %s", tt.in, b, err, tt.want)
			}
		})
	}
}

// TestParseAmountErrorIsClear checks that a refused amount says what and
// why, in a few bytes, whatever its length.
func TestParseAmountErrorIsClear(t *testing.T) {
	in := "1e-9999"
	_, err := entry.ParseAmount([]byte(in))
	if err == nil {
		t.Fatal("1e-9999 accepted")
	}
	for _, want := range []string{`"1e-9999"`, "out of range", "exponent within ±30"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	long := strings.Repeat("9", 5000)
	_, err = entry.ParseAmount([]byte(long))
	if !errors.Is(err, entry.ErrNumber) || len(err.Error()) > 200 {
		t.Errorf("ParseAmount(5000 digits) = %v (%d bytes); want a short error matching ErrNumber", err, len(err.Error()))
	}
}

func TestAppendAmountLimits(t *testing.T) {
	tests := []struct {
		name string
		d    decimal.Decimal
		want string // "" when an error is expected
	}{
		{"digits kept", decimal.RequireFromString("12.50"), "12.50"},
		{"positive exponent", decimal.New(12, 2), "1200"},
		{"zero with a large exponent", decimal.New(0, 90), "0"},
		{"smallest exponent", decimal.New(-5, -30), "-0.000000000000000000000000000005"},
		{"exponent too small", decimal.New(1, -9999), ""},
		{"exponent too large", decimal.New(1, 31), ""},
		{"zero with a too small exponent", decimal.New(0, -31), ""},
		{"too many digits", decimal.RequireFromString("1" + strings.Repeat("0", 40) + ".5"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := entry.AppendAmount([]byte("x"), tt.d)
			if tt.want == "" {
				if !errors.Is(err, entry.ErrNumber) || string(b) != "x" {
					t.Errorf("AppendAmount = %q, %v; want dst unchanged and an error matching ErrNumber", b, err)
				}
				return
			}
			if err != nil || string(b) != "x"+tt.want {
				t.Errorf("AppendAmount = %q, %v; want %q", b, err, "x"+tt.want)
			}
		})
	}
}

// TestMarshalRefusesAmountBeyondLimits checks that an entry never writes an
// amount that decoding would refuse.
func TestMarshalRefusesAmountBeyondLimits(t *testing.T) {
	e := entry.Entry{
		ProducerID: "1", Date: period.Date{Year: 2024, Month: 1, Day: 31},
		Journal:  entry.Journal{ProducerID: "1", CustomerReferenceCode: "AC", Name: "ACHATS", Type: entry.JournalPurchase},
		Currency: entry.Currency{Code: "EUR"},
		Movements: []entry.Movement{
			{ProducerID: "1", Value: entry.NewDebit(decimal.New(1, -9999))},
			{ProducerID: "2", Value: entry.NewCredit(decimal.New(1, -9999))},
		},
	}
	b, err := e.MarshalJSON()
	if !errors.Is(err, entry.ErrNumber) {
		t.Fatalf("MarshalJSON = %d bytes, %v; want an error matching ErrNumber", len(b), err)
	}
	if _, err := e.Movements[0].Value.MarshalJSON(); !errors.Is(err, entry.ErrNumber) {
		t.Errorf("MovementValue.MarshalJSON: %v; want an error matching ErrNumber", err)
	}
}

// FuzzParseAmount checks that any accepted amount is written back with the
// same value and fraction digits, and that what is written reads back to the
// same bytes.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12.50", "1200", "-0.05", "1e-9999", "1.2E+3", "0e50", `"1"`, "1e-30"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := entry.ParseAmount(data)
		if err != nil {
			if !errors.Is(err, entry.ErrNumber) && !errors.Is(err, entry.ErrType) && !errors.Is(err, entry.ErrSyntax) {
				t.Fatalf("ParseAmount(%q): unexpected error %v", data, err)
			}
			return
		}
		b, err := entry.AppendAmount(nil, d)
		if err != nil {
			t.Fatalf("AppendAmount(ParseAmount(%q)): %v", data, err)
		}
		d2, err := entry.ParseAmount(b)
		if err != nil || !d2.Equal(d) || (d.Exponent() < 0 && d2.Exponent() != d.Exponent()) {
			t.Fatalf("%q -> %s -> %v, %v", data, b, d2, err)
		}
		if b2, err := entry.AppendAmount(nil, d2); err != nil || string(b2) != string(b) {
			t.Fatalf("%q -> %s -> %s, %v", data, b, b2, err)
		}
	})
}
