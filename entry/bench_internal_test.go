package entry

import (
	"os"
	"testing"
)

// BenchmarkSchemaOnly: the JSON Schema alone (generic decode with
// UseNumber, then jsonschema/v5), without the typed path that ValidateJSON
// adds; compare with BenchmarkDecodeCeiling and BenchmarkDecodeValidate.
func BenchmarkSchemaOnly(b *testing.B) {
	data, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := compiledSchema(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		probs, err := schemaProblems(data)
		if err != nil || len(probs) > 0 {
			b.Fatal(err, probs)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
