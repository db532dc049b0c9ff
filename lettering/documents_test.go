package lettering

// documents is the shared table of lettering documents: TestUnmarshalJSON
// checks the Go decoder against want/err, TestSchemaAgreement checks the
// JSON Schema against schemaOK, and FuzzUnmarshalJSON starts from them.
var documents = []struct {
	name     string
	in       string
	want     Lettering
	err      error // nil: the Go decoder accepts in
	schemaOK bool  // whether Schema() accepts in
	reason   string
}{
	// Accepted by both.
	{name: "none", in: `{"state":"none","value":null}`, want: Lettering{}, schemaOK: true},
	{name: "partial", in: `{"state":"partial","value":"*A"}`, want: Lettering{kindPartial, "*A"}, schemaOK: true},
	{name: "complete", in: `{"state":"complete","value":"AA"}`, want: Lettering{kindComplete, "AA"}, schemaOK: true},
	{name: "complete foreign code", in: `{"state":"complete","value":"aa0"}`, want: Lettering{kindComplete, "aa0"}, schemaOK: true,
		reason: "codes of other software (lower case, digits) are kept"},
	{name: "partial double star", in: `{"state":"partial","value":"**"}`, want: Lettering{kindPartial, "**"}, schemaOK: true},
	{name: "reordered with spaces", in: " {\n\"value\" : \"AB\" ,\t\"state\":\"complete\"}\r\n", want: Lettering{kindComplete, "AB"}, schemaOK: true},
	{name: "escaped key and value", in: `{"st\u0061te":"complete","value":"\u00c9t\u00e9 \ud83d\ude00"}`, want: Lettering{kindComplete, "Été 😀"}, schemaOK: true,
		reason: "member names are compared after unescaping, as JSON defines"},
	{name: "escaped star", in: `{"state":"partial","value":"\u002aB"}`, want: Lettering{kindPartial, "*B"}, schemaOK: true},
	{name: "quote and backslash", in: `{"state":"complete","value":"A\"\\\/B"}`, want: Lettering{kindComplete, `A"\/B`}, schemaOK: true},
	{name: "raw U+FFFD", in: `{"state":"complete","value":"A` + "\uFFFD" + `"}`, want: Lettering{kindComplete, "A\uFFFD"}, schemaOK: true,
		reason: "a literal replacement character is valid UTF-8"},

	// Rejected by both.
	{name: "unknown state", in: `{"state":"done","value":"A"}`, err: ErrState},
	{name: "state wrong case", in: `{"state":"Complete","value":"A"}`, err: ErrState},
	{name: "state number", in: `{"state":1,"value":"A"}`, err: ErrState},
	{name: "state null", in: `{"state":null,"value":null}`, err: ErrState},
	{name: "partial without star", in: `{"state":"partial","value":"A"}`, err: ErrCode},
	{name: "partial null", in: `{"state":"partial","value":null}`, err: ErrCode},
	{name: "partial newline", in: `{"state":"partial","value":"*A\nB"}`, err: ErrCode,
		reason: `the schema's pattern "^\*.*$" does not match across a newline`},
	{name: "none with value", in: `{"state":"none","value":"A"}`, err: ErrCode},
	{name: "none with empty value", in: `{"state":"none","value":""}`, err: ErrCode},
	{name: "complete null", in: `{"state":"complete","value":null}`, err: ErrCode},
	{name: "value number", in: `{"state":"complete","value":1}`, err: ErrCode},
	{name: "value bool", in: `{"state":"complete","value":true}`, err: ErrCode},
	{name: "value object", in: `{"state":"complete","value":{}}`, err: ErrCode},
	{name: "value array", in: `{"state":"none","value":[null]}`, err: ErrCode},
	{name: "missing value", in: `{"state":"none"}`, err: ErrField},
	{name: "missing state", in: `{"value":null}`, err: ErrField},
	{name: "empty object", in: `{}`, err: ErrField},
	{name: "extra field", in: `{"state":"none","value":null,"x":1}`, err: ErrField},
	{name: "key wrong case", in: `{"State":"none","value":null}`, err: ErrField,
		reason: "encoding/json would match it case-insensitively; the schema does not"},
	{name: "null", in: `null`, err: ErrSyntax},
	{name: "array", in: `[]`, err: ErrSyntax},
	{name: "string", in: `"A"`, err: ErrSyntax},
	{name: "empty input", in: ``, err: ErrSyntax},
	{name: "spaces only", in: "  \n", err: ErrSyntax},
	{name: "trailing data", in: `{"state":"none","value":null}x`, err: ErrSyntax},
	{name: "two objects", in: `{"state":"none","value":null}{}`, err: ErrSyntax},
	{name: "trailing comma", in: `{"state":"none","value":null,}`, err: ErrSyntax},
	{name: "missing comma", in: `{"state":"none" "value":null}`, err: ErrSyntax},
	{name: "missing colon", in: `{"state" "none","value":null}`, err: ErrSyntax},
	{name: "single quotes", in: `{'state':'none','value':null}`, err: ErrSyntax},
	{name: "unterminated object", in: `{"state":"none","value":null`, err: ErrSyntax},
	{name: "unterminated string", in: `{"state":"none","value":"`, err: ErrSyntax},
	{name: "nullx", in: `{"state":"none","value":nullx}`, err: ErrCode, reason: "starts like null: reported as a wrong value"},
	{name: "bare word", in: `{"state":"none","value":nil}`, err: ErrSyntax},
	{name: "bare word state", in: `{"state":complete,"value":"A"}`, err: ErrSyntax},
	{name: "bare word document", in: `nope`, err: ErrSyntax},
	{name: "raw newline in string", in: "{\"state\":\"complete\",\"value\":\"A\nB\"}", err: ErrSyntax},
	{name: "bad escape", in: `{"state":"complete","value":"\x41"}`, err: ErrSyntax},
	{name: "short unicode escape", in: `{"state":"complete","value":"\u41"}`, err: ErrSyntax},

	// Accepted by the schema, rejected by the Go decoder: the documented tightenings.
	{name: "complete empty", in: `{"state":"complete","value":""}`, err: ErrCode, schemaOK: true,
		reason: "a complete lettering needs a code"},
	{name: "complete starred", in: `{"state":"complete","value":"*A"}`, err: ErrCode, schemaOK: true,
		reason: "a leading star marks a partial code"},
	{name: "partial star only", in: `{"state":"partial","value":"*"}`, err: ErrCode, schemaOK: true,
		reason: "a partial code needs a code after the star"},
	{name: "complete control char", in: `{"state":"complete","value":"A\nB"}`, err: ErrCode, schemaOK: true,
		reason: "codes hold no control characters"},
	{name: "partial tab", in: `{"state":"partial","value":"*\tA"}`, err: ErrCode, schemaOK: true,
		reason: "codes hold no control characters"},
	{name: "duplicate state", in: `{"state":"none","state":"none","value":null}`, err: ErrField, schemaOK: true,
		reason: "encoding/json keeps the last member; a repeated member is ambiguous"},
	{name: "duplicate value", in: `{"state":"complete","value":"B","value":"A"}`, err: ErrField, schemaOK: true,
		reason: "the schema only sees the last value"},
	{name: "duplicate value hides a number", in: `{"state":"complete","value":1,"value":"A"}`, err: ErrCode, schemaOK: true,
		reason: "the decoder stops at the first problem it meets"},
	{name: "invalid UTF-8", in: "{\"state\":\"complete\",\"value\":\"A\xff\"}", err: ErrSyntax, schemaOK: true,
		reason: "encoding/json replaces the byte with U+FFFD"},
	{name: "lone surrogate", in: `{"state":"complete","value":"\ud800"}`, err: ErrSyntax, schemaOK: true,
		reason: "encoding/json replaces the escape with U+FFFD"},
	{name: "reversed surrogates", in: `{"state":"complete","value":"\udc00\ud800"}`, err: ErrSyntax, schemaOK: true},
}
