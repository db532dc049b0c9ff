package entry

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/ledgersink/ledgersink/internal/jsonptr"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed schema/entry.schema.json
var entrySchemaJSON []byte

//go:embed schema/movement.schema.json
var movementSchemaJSON []byte

// URLs under which the embedded schemas are registered (their "$id"). The
// ".invalid" domain guarantees they are never fetched; the entry schema
// $refs the movement schema, which $refs the lettering schema
// ([lettering.SchemaURL]).
const (
	EntrySchemaURL    = "https://ledgersink.invalid/schema/entry.schema.json"
	MovementSchemaURL = "https://ledgersink.invalid/schema/movement.schema.json"
)

// EntrySchema returns the JSON Schema (draft-07) of an entry, as a new slice
// the caller owns. It $refs [MovementSchema] and the lettering schema.
func EntrySchema() []byte { return bytes.Clone(entrySchemaJSON) }

// MovementSchema returns the JSON Schema (draft-07) of a movement, as a new
// slice the caller owns.
func MovementSchema() []byte { return bytes.Clone(movementSchemaJSON) }

var errNoLoad = errors.New("entry: the schema compiler may not load URLs (no network, no files)")

// compiledSchema compiles the embedded schemas once; the result is
// immutable and safe for concurrent use.
var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(string) (io.ReadCloser, error) { return nil, errNoLoad }
	for _, r := range []struct {
		url  string
		data []byte
	}{
		{lettering.SchemaURL, lettering.Schema()},
		{MovementSchemaURL, movementSchemaJSON},
		{EntrySchemaURL, entrySchemaJSON},
	} {
		if err := c.AddResource(r.url, bytes.NewReader(r.data)); err != nil {
			return nil, err
		}
	}
	return c.Compile(EntrySchemaURL)
})

// ValidateJSON validates the JSON text of one entry with both checkers and
// returns one report: the embedded JSON Schema ([EntrySchema], compiled once,
// no network), then the typed decoder ([Entry.UnmarshalJSON]) and
// [Entry.Validate] on the decoded value. Schema problems have rules
// "schema/<keyword>" and no sentinel; a failed oneOf (the lettering shape) is
// reported once at its location rather than branch by branch. A typed
// problem that repeats a schema problem at the same location is dropped, so
// each problem is listed once; business rules (balance, amounts, analytics,
// period, ...) are always listed.
//
// ValidateJSON returns nil or a *[ValidationError]. Malformed JSON gives one
// problem with rule RuleSyntax ([ErrSyntax]) and nothing else. Typed
// problems match the sentinels listed for [Entry.UnmarshalJSON] and
// [Entry.Validate]; schema problems have none. opts may be nil; its Skip
// list also drops the schema problems that check the same thing as a
// skipped rule (schema/enum at /journal/type when RuleJournalType is
// skipped, for example), and Warn receives those of open enumerations.
//
// The schema path costs about ten times the typed path ([Parse]), most of it
// in the generic decode and the schema walk: use it as a cross-check, not on
// every document.
// It is safe for concurrent use.
func ValidateJSON(data []byte, opts *ValidateOptions) error {
	c := newChecker(opts)
	// The typed phase keeps its open-enumeration problems: they go to Warn
	// below, once, unless the schema reported the same thing.
	typedOpts := *c.opts
	typedOpts.Warn = nil
	typed := &checker{opts: &typedOpts}
	var e Entry
	if !typed.parse(data, &e) {
		c.filter(typed.probs)
		return report(c.probs)
	}
	schemaProbs, err := schemaProblems(data)
	if err != nil {
		return err
	}
	for _, p := range schemaProbs {
		if r := typedRule(p); r != "" {
			if c.skipped(r) {
				continue
			}
			if c.opts.Warn != nil && r.Open() {
				c.opts.Warn(p)
				continue
			}
		}
		c.probs = append(c.probs, p)
	}
	for _, p := range typed.probs {
		if !rules[p.Rule].schema || !repeats(p, schemaProbs) {
			c.filter([]*FieldError{p})
		}
	}
	return report(c.probs)
}

// repeats reports whether the typed problem p says again what a schema
// problem says: same location, or a missing or unknown key reported by the
// schema on the parent object, or anything inside a failed oneOf.
func repeats(p *FieldError, schema []*FieldError) bool {
	parent := p.Path
	if i := strings.LastIndexByte(parent, '/'); i >= 0 {
		parent = parent[:i]
	}
	for _, q := range schema {
		switch {
		case q.Path == p.Path:
			return true
		case q.Path == parent && (q.Rule == "schema/required" || q.Rule == "schema/additionalProperties"):
			return true
		case q.Rule == "schema/oneOf" && jsonptr.Within(p.Path, q.Path):
			return true
		}
	}
	return false
}

// typedRule returns the typed rule that checks what schema problem p
// checks, for Skip and Warn, or "" when there is none.
func typedRule(p *FieldError) Rule {
	path := p.Path
	switch p.Rule {
	case "schema/enum":
		switch {
		case path == "/journal/type":
			return RuleJournalType
		case path == "/additionalProducerProperties/source/name":
			return RuleSource
		case path == "/currency/code":
			return RuleCurrency
		case strings.HasSuffix(path, "/payment/code"):
			return RulePaymentCode
		case strings.HasSuffix(path, "/type") && strings.Contains(path, "/attachments/"):
			return RuleAttachmentType
		}
	case "schema/pattern", "schema/format":
		if path == "/journal/customerReferenceCode" {
			return RuleJournalCode
		}
		return RuleDate
	case "schema/oneOf":
		return RuleLettering
	case "schema/required", "schema/minLength", "schema/propertyNames":
		return RuleRequired
	case "schema/type":
		return RuleType
	case "schema/additionalProperties":
		return RuleUnknownField
	}
	return ""
}

// schemaProblems validates data (one JSON value, already known to be well
// formed) against the entry schema and returns its leaf problems.
func schemaProblems(data []byte) ([]*FieldError, error) {
	sch, err := compiledSchema()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []*FieldError{{Rule: RuleSyntax, Message: err.Error(), Err: ErrSyntax}}, nil
	}
	err = sch.Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	var out []*FieldError
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		kw := lastSegment(e.KeywordLocation)
		if len(e.Causes) == 0 || kw == "oneOf" || kw == "anyOf" {
			msg := e.Message
			switch kw {
			case "oneOf", "anyOf":
				msg = "matches none of the allowed shapes"
			case "enum":
				msg = "not one of the allowed values"
			}
			out = append(out, &FieldError{Path: e.InstanceLocation, Rule: Rule("schema/" + kw), Message: msg})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out, nil
}

func lastSegment(loc string) string {
	if i := strings.LastIndexByte(loc, '/'); i >= 0 {
		return loc[i+1:]
	}
	return loc
}
