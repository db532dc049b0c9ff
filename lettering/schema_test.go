package lettering

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// testSchema compiles the embedded schema once for all tests and fuzzing.
var testSchema = sync.OnceValues(CompileSchema)

// schemaAccepts reports whether doc is one JSON value, decoded with UseNumber,
// that the compiled schema accepts.
func schemaAccepts(t testing.TB, s *jsonschema.Schema, doc []byte) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		return false // trailing data
	}
	return s.Validate(v) == nil
}

// tightening names the documented reason why UnmarshalJSON may reject a
// document that the schema accepts, or returns "" when there is none. It
// works from encoding/json's view of the document, independently of the
// decoder under test.
func tightening(doc []byte) string {
	if !utf8.Valid(doc) {
		return "invalid UTF-8"
	}
	if hasRepeatedMember(doc) {
		return "repeated member"
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		return ""
	}
	code, _ := m["value"].(string)
	if strings.ContainsRune(code, utf8.RuneError) {
		return "invalid \\u escape, replaced by encoding/json"
	}
	for _, r := range code {
		if r < 0x20 || r == 0x7f {
			return "control character"
		}
	}
	switch m["state"] {
	case "complete":
		if code == "" || code[0] == '*' {
			return "complete code empty or starred"
		}
	case "partial":
		if code == "*" {
			return "partial code without a base"
		}
	}
	return ""
}

// hasRepeatedMember reports whether the top-level object of doc repeats a
// member name.
func hasRepeatedMember(doc []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(doc))
	depth := 0
	seen := map[string]bool{}
	wantKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{', '[':
				depth++
				wantKey = depth == 1 && tok == '{'
				continue
			default:
				depth--
			}
		case string:
			if depth == 1 && wantKey {
				if seen[tok] {
					return true
				}
				seen[tok] = true
				wantKey = false
				continue
			}
		}
		if depth == 1 {
			wantKey = true // the value of a top-level member ended
		}
	}
}

// checkAgreement is the property shared by TestSchemaAgreement and
// FuzzUnmarshalJSON: whatever the decoder accepts, the schema accepts with
// the same meaning; whatever the schema accepts and the decoder rejects is a
// documented tightening.
func checkAgreement(t *testing.T, doc []byte) {
	t.Helper()
	s, err := testSchema()
	if err != nil {
		t.Fatal(err)
	}
	var l Lettering
	goErr := l.UnmarshalJSON(doc)
	schemaOK := schemaAccepts(t, s, doc)
	switch {
	case goErr == nil && !schemaOK:
		t.Errorf("UnmarshalJSON accepts %q (as %v), the schema rejects it", doc, l)
	case goErr == nil:
		var std struct {
			State string  `json:"state"`
			Value *string `json:"value"`
		}
		if err := json.Unmarshal(doc, &std); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", doc, err)
		}
		code := ""
		if std.Value != nil {
			code = *std.Value
		}
		if string(l.State()) != std.State || l.Code() != code || (std.Value == nil) != l.IsZero() {
			t.Errorf("UnmarshalJSON(%q) = %v, encoding/json reads state %q value %v", doc, l, std.State, std.Value)
		}
	case schemaOK:
		if why := tightening(doc); why == "" {
			t.Errorf("the schema accepts %q, UnmarshalJSON rejects it without a documented reason: %v", doc, goErr)
		}
	}
}

func TestSchemaAgreement(t *testing.T) {
	s, err := testSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range documents {
		t.Run(tt.name, func(t *testing.T) {
			if got := schemaAccepts(t, s, []byte(tt.in)); got != tt.schemaOK {
				t.Errorf("schema accepts %q = %v, want %v", tt.in, got, tt.schemaOK)
			}
			checkAgreement(t, []byte(tt.in))
		})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "documents", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata documents: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			doc, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			valid := strings.HasPrefix(filepath.Base(file), "valid-")
			var l Lettering
			if err := l.UnmarshalJSON(doc); (err == nil) != valid {
				t.Errorf("UnmarshalJSON error = %v, want valid = %v", err, valid)
			}
			checkAgreement(t, doc)
		})
	}
}

// TestSchemaIsSeedWithOneFix pins the only difference between the embedded
// schema and the seed's text: the root "additionalProperties": false.
func TestSchemaIsSeedWithOneFix(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join("schema", "lettering.seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var seedDoc, ours map[string]any
	if err := json.Unmarshal(seed, &seedDoc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(Schema(), &ours); err != nil {
		t.Fatal(err)
	}
	if seedDoc["additionalProperties"] != false {
		t.Fatalf("seed root additionalProperties = %v, want false", seedDoc["additionalProperties"])
	}
	delete(seedDoc, "additionalProperties")
	if diff := cmp.Diff(seedDoc, ours); diff != "" {
		t.Errorf("Schema() differs from the seed beyond the fix (-seed +ours):\n%s", diff)
	}
}

// TestSeedSchemaRejectsEverything documents why the seed's schema is not
// used as is: it rejects even the seed's own lettering objects.
func TestSeedSchemaRejectsEverything(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join("schema", "lettering.seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCompiler()
	const url = "https://ledgersink.invalid/schema/lettering.seed.json"
	if err := c.AddResource(url, bytes.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range documents {
		if tt.schemaOK && schemaAccepts(t, s, []byte(tt.in)) {
			t.Errorf("the seed's schema accepts %q; if the seed was fixed, drop the fix in Schema()", tt.in)
		}
	}
}

func TestSchemaReturnsACopy(t *testing.T) {
	a := Schema()
	a[0] = 'X'
	if b := Schema(); b[0] != '{' {
		t.Errorf("Schema() returned shared bytes: a change made through one result shows in the next (%q)", b[:1])
	}
}

func TestCompileSchemaLoadsNothing(t *testing.T) {
	c := newCompiler()
	const url = "https://ledgersink.invalid/ref.json"
	doc := `{"$ref": "https://example.com/other.schema.json"}`
	if err := c.AddResource(url, strings.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile(url); !errors.Is(err, errNoLoad) {
		t.Errorf("compiling a schema with a remote $ref: error = %v, want errNoLoad", err)
	}
	s1, err1 := CompileSchema()
	s2, err2 := CompileSchema()
	if err1 != nil || err2 != nil {
		t.Fatalf("CompileSchema errors: %v, %v", err1, err2)
	}
	if s1 == s2 {
		t.Error("CompileSchema returned the same *Schema twice; each caller must own its own")
	}
}
