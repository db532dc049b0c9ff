package lettering

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

// benchDocs are the three shapes a movement's lettering takes, decoded in
// turn.
var benchDocs = [][]byte{
	[]byte(`{"state":"none","value":null}`),
	[]byte(`{"state":"partial","value":"*AB"}`),
	[]byte(`{"state":"complete","value":"AB"}`),
}

func benchBytes() int64 {
	var n int
	for _, d := range benchDocs {
		n += len(d)
	}
	return int64(n / len(benchDocs))
}

// BenchmarkUnmarshalJSON calls the hand-written decoder directly.
func BenchmarkUnmarshalJSON(b *testing.B) {
	b.SetBytes(benchBytes())
	b.ReportAllocs()
	var l Lettering
	for i := 0; b.Loop(); i++ {
		if err := l.UnmarshalJSON(benchDocs[i%len(benchDocs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalJSONCeiling is the plainest decoding, without any check:
// json.Unmarshal into struct{State string; Value *string}.
func BenchmarkUnmarshalJSONCeiling(b *testing.B) {
	b.SetBytes(benchBytes())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var v struct {
			State string
			Value *string
		}
		if err := json.Unmarshal(benchDocs[i%len(benchDocs)], &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalJSONViaEncodingJSON decodes a Lettering through
// json.Unmarshal, as a Movement field is decoded: encoding/json scans the
// object, then calls UnmarshalJSON.
func BenchmarkUnmarshalJSONViaEncodingJSON(b *testing.B) {
	b.SetBytes(benchBytes())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var l Lettering
		if err := json.Unmarshal(benchDocs[i%len(benchDocs)], &l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSchemaValidate is the JSON Schema cross-check of the same
// documents (decode with UseNumber-free json.Unmarshal, then Validate), for
// scale.
func BenchmarkSchemaValidate(b *testing.B) {
	s, err := CompileSchema()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchBytes())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var v any
		if err := json.Unmarshal(benchDocs[i%len(benchDocs)], &v); err != nil {
			b.Fatal(err)
		}
		if err := s.Validate(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	ls := []Lettering{None(), {kindPartial, "*AB"}, {kindComplete, "AB"}}
	b.SetBytes(benchBytes())
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; b.Loop(); i++ {
		buf = ls[i%len(ls)].AppendJSON(buf[:0])
	}
}

// BenchmarkMarshalJSONCeiling is json.Marshal of the plain struct.
func BenchmarkMarshalJSONCeiling(b *testing.B) {
	ab := "*AB"
	cd := "AB"
	vs := []struct {
		State string  `json:"state"`
		Value *string `json:"value"`
	}{{"none", nil}, {"partial", &ab}, {"complete", &cd}}
	b.SetBytes(benchBytes())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := json.Marshal(vs[i%len(vs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	group := []decimal.Decimal{
		decimal.RequireFromString("-1200.00"), decimal.RequireFromString("700"), decimal.RequireFromString("500.00"),
	}
	b.ReportAllocs()
	for b.Loop() {
		if Match(group) != StateComplete {
			b.Fatal("not complete")
		}
	}
}
