package entry

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzSchemaAgreement checks on any input that the schema is never stricter
// than the typed path: a document the typed path accepts (business rules
// aside) has no schema problem. The converse does not hold for the typed
// path's documented tightenings (see TestStricterThanSchema).
func FuzzSchemaAgreement(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.json")
	for _, n := range names {
		if data, err := os.ReadFile(n); err == nil {
			f.Add(data)
		}
	}
	for _, mu := range mutations {
		f.Add(mu.doc(f))
	}
	// Business rules aside, but not repeated keys: with them the typed path
	// reads the first value and the schema the last one.
	if seed, err := os.ReadFile("testdata/seed.json"); err == nil && len(seed) > 0 && seed[0] == '{' {
		// A sink's entry event carries three more keys.
		f.Add(append([]byte(`{"etablissement_id":"b-1","type":5,"validation":null,`), seed[1:]...))
	}
	var business []Rule
	for r, info := range rules {
		if !info.schema && r != RuleDuplicateKey {
			business = append(business, r)
		}
	}
	opts := &ValidateOptions{Skip: business}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Parse(data, opts); err != nil {
			return
		}
		schema, err := schemaProblems(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(schema) > 0 {
			t.Errorf("typed path accepts, schema rejects: %v\n%s", schemaList(schema), data)
		}
	})
}
