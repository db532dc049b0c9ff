package lettering

import (
	"bytes"
	_ "embed"
	"errors"
	"io"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// schemaJSON is MyUnisoft's Lettering JSON Schema with one fix, see [Schema].
//
//go:embed schema/lettering.schema.json
var schemaJSON []byte

// SchemaURL is the absolute URL under which [CompileSchema] registers the
// schema (the schema itself has no "$id"). The ".invalid" domain guarantees it
// is never fetched; another schema can $ref it after adding [Schema] to its
// compiler under this URL.
const SchemaURL = "https://ledgersink.invalid/schema/lettering.schema.json"

// errNoLoad is returned to the schema compiler for every URL it tries to load.
var errNoLoad = errors.New("lettering: schema compiler may not load URLs (no network, no files)")

// Schema returns the JSON Schema (draft-07) of a lettering object, as a new
// slice the caller owns.
//
// It is the JSON Schema of MyUnisoft's published entry model, byte for
// byte, except for one line: the published root object also says
// "additionalProperties": false while declaring no "properties", which
// makes every member "additional", so the published schema rejects every
// lettering, {"state":"none","value":null} included. The fix
// removes that line; each branch of the "oneOf" still forbids members other
// than "state" and "value". The published text is kept verbatim in
// schema/lettering.seed.json, and a test pins the difference.
//
// [Lettering.UnmarshalJSON] accepts exactly what this schema accepts, minus
// the tightenings listed in its documentation.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// CompileSchema compiles [Schema] with github.com/santhosh-tekuri/jsonschema/v5
// and returns a new *jsonschema.Schema the caller owns; the compiler loads no
// URL at all (every load is refused), so compiling never touches the network
// or the file system. Validate documents decoded with json.Decoder.UseNumber.
//
// Each call compiles anew (tens of microseconds); callers that validate often
// compile once, for example with
//
//	var letteringSchema = sync.OnceValues(lettering.CompileSchema)
//
// A compiled schema is safe for concurrent Validate calls. An error can only
// come from a broken build of this package.
func CompileSchema() (*jsonschema.Schema, error) {
	c := newCompiler()
	if err := c.AddResource(SchemaURL, bytes.NewReader(schemaJSON)); err != nil {
		return nil, err
	}
	return c.Compile(SchemaURL)
}

// newCompiler returns a draft-07 compiler that refuses to load any URL.
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(string) (io.ReadCloser, error) { return nil, errNoLoad }
	return c
}
