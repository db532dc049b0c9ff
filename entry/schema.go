package entry

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
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
// every document. Its time is linear in the size of data. It is safe for
// concurrent use.
func ValidateJSON(data []byte, opts *ValidateOptions) error {
	c := newChecker(opts)
	if !wellFormedObject(data) {
		// The typed path alone says what is wrong, as Parse does.
		var e Entry
		c.parse(data, &e)
		return c.result()
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
		c.probs.Add(p)
	}
	c.repeats = newRepeats(schemaProbs).repeats
	var e Entry
	c.parse(data, &e)
	return c.result()
}

// wellFormedObject reports whether data is one well-formed JSON object, as
// the typed decoder reads it.
func wellFormedObject(data []byte) bool {
	l := jsonlex.New(data)
	return l.Peek() == jsonlex.Object && l.Skip() == nil && l.End() == nil
}

// schemaIndex finds, in constant time, whether a schema problem says what a
// typed problem says.
type schemaIndex struct {
	at       map[string]bool // a problem at this path
	children map[string]bool // a missing or unknown key reported on this object
	oneOf    map[string]bool // a failed oneOf at this path
}

func newRepeats(schema []*FieldError) *schemaIndex {
	x := &schemaIndex{at: map[string]bool{}, children: map[string]bool{}, oneOf: map[string]bool{}}
	for _, q := range schema {
		x.at[q.Path] = true
		switch q.Rule {
		case "schema/required", "schema/additionalProperties":
			x.children[q.Path] = true
		case "schema/oneOf":
			x.oneOf[q.Path] = true
		}
	}
	return x
}

// repeats reports whether the typed problem p says again what a schema
// problem says: same location, or a missing or unknown key reported by the
// schema on the parent object, or anything inside a failed oneOf.
func (x *schemaIndex) repeats(p *FieldError) bool {
	if x.at[p.Path] {
		return true
	}
	parent := p.Path
	if i := strings.LastIndexByte(parent, '/'); i >= 0 {
		parent = parent[:i]
	}
	if x.children[parent] {
		return true
	}
	for path := p.Path; ; {
		if x.oneOf[path] {
			return true
		}
		i := strings.LastIndexByte(path, '/')
		if i < 0 {
			return false
		}
		path = path[:i]
	}
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
			msg := schemaMessage(e, kw, v)
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

// letteringShapes is what a lettering object must look like, for the
// message of a failed oneOf.
const letteringShapes = `{"state":"none","value":null}, {"state":"partial","value":"*CODE"} or {"state":"complete","value":"CODE"}`

// schemaMessage returns the message of the schema problem e (keyword kw) in
// doc: the library's, with the offending value and what was expected where
// the library says neither.
func schemaMessage(e *jsonschema.ValidationError, kw string, doc any) string {
	got := func() string {
		v, ok := valueAt(doc, e.InstanceLocation)
		if !ok {
			return "?"
		}
		return string(appendShort(nil, v, 60))
	}
	switch kw {
	case "oneOf", "anyOf":
		if strings.HasPrefix(e.AbsoluteKeywordLocation, lettering.SchemaURL) {
			return "lettering " + got() + " has none of the allowed shapes: want " + letteringShapes
		}
		return got() + " matches none of the allowed shapes (" + kw + " at " + e.KeywordLocation + ")"
	case "enum":
		return "got " + got() + ", want " + enumList(e.Message)
	case "pattern":
		return "got " + got() + ", which " + e.Message
	case "additionalProperties":
		return "unknown field " + strings.TrimSuffix(strings.TrimPrefix(e.Message, "additionalProperties "), " not allowed")
	case "required":
		return "missing required field " + strings.TrimPrefix(e.Message, "missing properties: ")
	}
	return e.Message
}

// enumList turns the library's enum message ("value must be one of "a",
// "b", ...", values quoted as Go does) into "one of "a", "b", ..." with at
// most eight values, then how many more.
func enumList(msg string) string {
	const most = 8
	rest, ok := strings.CutPrefix(msg, "value must be one of ")
	if !ok {
		return strings.TrimPrefix(msg, "value must be ")
	}
	var vals []string
	n := 0
	for rest != "" {
		q, err := strconv.QuotedPrefix(rest)
		switch {
		case strings.HasPrefix(rest, "<nil>"):
			q = "<nil>"
		case err != nil:
			return "one of " + strings.TrimPrefix(msg, "value must be one of ")
		}
		if n < most {
			vals = append(vals, strings.Replace(q, "<nil>", "null", 1))
		}
		n++
		rest = strings.TrimPrefix(rest[len(q):], ", ")
	}
	out := "one of " + strings.Join(vals, ", ")
	if n > most {
		out += " and " + strconv.Itoa(n-most) + " more"
	}
	return out
}

// valueAt returns the value of the generic JSON tree doc at JSON Pointer
// ptr.
func valueAt(doc any, ptr string) (any, bool) {
	for _, seg := range jsonptr.Segments(ptr) {
		switch v := doc.(type) {
		case map[string]any:
			c, ok := v[seg]
			if !ok {
				return nil, false
			}
			doc = c
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// appendShort appends v as compact JSON (object members sorted) to b,
// stopping with "..." once about limit bytes are written, so that a large
// value costs no more than limit.
func appendShort(b []byte, v any, limit int) []byte {
	start := len(b)
	var walk func(v any) bool // false once the limit is reached
	walk = func(v any) bool {
		if len(b)-start > limit {
			return false
		}
		switch v := v.(type) {
		case map[string]any:
			b = append(b, '{')
			for i, k := range slices.Sorted(maps.Keys(v)) {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendQuote(b, k)
				b = append(b, ':')
				if !walk(v[k]) {
					return false
				}
			}
			b = append(b, '}')
		case []any:
			b = append(b, '[')
			for i, e := range v {
				if i > 0 {
					b = append(b, ',')
				}
				if !walk(e) {
					return false
				}
			}
			b = append(b, ']')
		case string:
			if len(v) > limit {
				v = v[:limit]
			}
			b = strconv.AppendQuote(b, v)
		case json.Number:
			b = append(b, v...)
		case bool:
			b = strconv.AppendBool(b, v)
		case nil:
			b = append(b, "null"...)
		}
		return len(b)-start <= limit
	}
	if !walk(v) {
		b = append(b[:min(len(b), start+limit)], "..."...)
	}
	return b
}

func lastSegment(loc string) string {
	if i := strings.LastIndexByte(loc, '/'); i >= 0 {
		return loc[i+1:]
	}
	return loc
}
