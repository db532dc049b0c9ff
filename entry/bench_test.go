package entry_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ledgersink/ledgersink/entry"
)

// floatEntry mirrors the seed's entry with float64 amounts and plain
// strings: what encoding/json decodes with no custom code at all. Decoding
// into it is the ceiling the typed decoder is measured against.
type floatEntry struct {
	ProducerID  string `json:"producerId"`
	Attachments map[string]struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"attachments"`
	Date    string  `json:"date"`
	DueDate *string `json:"dueDate"`
	Journal struct {
		ProducerID            string `json:"producerId"`
		CustomerReferenceCode string `json:"customerReferenceCode"`
		Name                  string `json:"name"`
		Type                  string `json:"type"`
	} `json:"journal"`
	Currency struct {
		Code string   `json:"code"`
		Rate *float64 `json:"rate,omitempty"`
	} `json:"currency"`
	Movements []struct {
		ProducerID  string `json:"producerId"`
		Description string `json:"description"`
		Value       struct {
			Credit float64 `json:"credit"`
			Debit  float64 `json:"debit"`
			Amount float64 `json:"amount"`
		} `json:"value"`
		DueDate   *string `json:"dueDate"`
		Lettering struct {
			State string  `json:"state"`
			Value *string `json:"value"`
		} `json:"lettering"`
		FreeNumber    *string `json:"freeNumber"`
		InvoiceNumber *string `json:"invoiceNumber"`
		Attachments   map[string]struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"attachments"`
		Account *struct {
			ProducerID string  `json:"producerId"`
			Number     *string `json:"number"`
			Name       *string `json:"name"`
		} `json:"account"`
		Payment *struct {
			ProducerID string  `json:"producerId"`
			Name       *string `json:"name"`
			Code       *string `json:"code"`
		} `json:"payment"`
		Analytics []struct {
			ProducerID string `json:"producerId"`
			Code       string `json:"code"`
			Name       string `json:"name"`
			Sections   []struct {
				ProducerID string  `json:"producerId"`
				Amount     float64 `json:"amount"`
				Rate       float64 `json:"rate"`
				Code       string  `json:"code"`
				Name       string  `json:"name"`
			} `json:"sections"`
		} `json:"analytics"`
	} `json:"movements"`
	AdditionalProducerProperties *struct {
		CreatedAt   int64   `json:"createdAt"`
		AccountedAt *string `json:"accountedAt"`
		Source      struct {
			Name       string `json:"name"`
			PartnerApp *struct {
				Name string `json:"name"`
				Code string `json:"code"`
			} `json:"thirdParty"`
		} `json:"source"`
		PartnerMetadata *struct {
			PartnerID string  `json:"partnerId"`
			JSON      *string `json:"json"`
		} `json:"partnerMetadata"`
		Comment *string `json:"comment"`
	} `json:"additionalProducerProperties"`
}

// seedBytes returns the seed's entry document; shared by tests and
// benchmarks.
func seedBytes(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "seed.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func perEntry(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkDecodeCeiling: encoding/json into float64 fields, the ceiling.
func BenchmarkDecodeCeiling(b *testing.B) {
	data := seedBytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var e floatEntry
		if err := json.Unmarshal(data, &e); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}

// BenchmarkDecode: the typed decoder called directly.
func BenchmarkDecode(b *testing.B) {
	data := seedBytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var e entry.Entry
		if err := e.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}

// BenchmarkDecodeViaEncodingJSON: the typed decoder reached through
// json.Unmarshal, which scans the input once more first.
func BenchmarkDecodeViaEncodingJSON(b *testing.B) {
	data := seedBytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var e entry.Entry
		if err := json.Unmarshal(data, &e); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}

// BenchmarkDecodeValidate: typed decoding plus every typed and business
// rule, the path to compare with the ceiling (goal: within 1.3x).
func BenchmarkDecodeValidate(b *testing.B) {
	data := seedBytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := entry.Parse(data, nil); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}

// BenchmarkValidate: the typed and business rules alone, on a decoded entry.
func BenchmarkValidate(b *testing.B) {
	var e entry.Entry
	if err := e.UnmarshalJSON(seedBytes(b)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Validate(nil); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}

// BenchmarkValidateJSON: the schema path (generic decode, JSON Schema,
// typed decode and rules).
func BenchmarkValidateJSON(b *testing.B) {
	data := seedBytes(b)
	if err := entry.ValidateJSON(data, nil); err != nil { // compiles the schema
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := entry.ValidateJSON(data, nil); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}

// BenchmarkEncodeCeiling: json.Marshal of the float64 mirror.
func BenchmarkEncodeCeiling(b *testing.B) {
	var e floatEntry
	if err := json.Unmarshal(seedBytes(b), &e); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(&e); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}

// BenchmarkEncode: the typed encoder called directly (json.Marshal adds a
// compaction pass over its output).
func BenchmarkEncode(b *testing.B) {
	var e entry.Entry
	if err := e.UnmarshalJSON(seedBytes(b)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
	perEntry(b)
}
