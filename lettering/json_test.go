package lettering

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestUnmarshalJSON(t *testing.T) {
	for _, tt := range documents {
		t.Run(tt.name, func(t *testing.T) {
			keep := Lettering{kindComplete, "KEEP"}
			got := keep
			err := got.UnmarshalJSON([]byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("UnmarshalJSON(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				if _, ok := errors.AsType[*Error](err); !ok {
					t.Errorf("UnmarshalJSON(%q) error %T is not an *Error", tt.in, err)
				}
				if got != keep {
					t.Errorf("UnmarshalJSON(%q) changed the receiver on error to %v", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalJSON(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("UnmarshalJSON(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestUnmarshalJSONErrorFields checks that errors name the member and the
// position of the problem.
func TestUnmarshalJSONErrorFields(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		field  string
		offset int64
	}{
		{"unknown member", `{"state":"none", "x":1}`, "x", 17},
		{"bad state", `{"value":null,"state":"nope"}`, "state", 22},
		{"bad code", `{"state":"partial","value":"A"}`, "value", 27},
		{"repeated", `{"value":null,"value":null}`, "value", 14},
		{"syntax", `{"state":"none","value":null]`, "", 28},
		{"missing", `{"value":null}`, "state", 13},
		{"missing in empty object", ` { } `, "state", 3},
		{"invalid character", "{\"state\":\"none\",\"value\":\xff}", "value", 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l Lettering
			e, ok := errors.AsType[*Error](l.UnmarshalJSON([]byte(tt.in)))
			if !ok {
				t.Fatalf("UnmarshalJSON(%q) did not return an *Error", tt.in)
			}
			if e.Field != tt.field || e.Offset != tt.offset {
				t.Errorf("UnmarshalJSON(%q) error at (%q, %d), want (%q, %d): %v", tt.in, e.Field, e.Offset, tt.field, tt.offset, e)
			}
		})
	}
}

// TestUnmarshalJSONInStruct decodes through encoding/json, as entry does.
func TestUnmarshalJSONInStruct(t *testing.T) {
	var m struct {
		Lettering Lettering `json:"lettering"`
	}
	if err := json.Unmarshal([]byte(`{"lettering":{"state":"partial","value":"*AB"}}`), &m); err != nil {
		t.Fatal(err)
	}
	if want, _ := Partial("*AB"); m.Lettering != want {
		t.Errorf("got %v, want %v", m.Lettering, want)
	}
	err := json.Unmarshal([]byte(`{"lettering":{"state":"partial","value":"AB"}}`), &m)
	if !errors.Is(err, ErrCode) {
		t.Errorf("invalid lettering through encoding/json: error = %v, want ErrCode", err)
	}
}

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		l    Lettering
	}{
		{"none", None()},
		{"partial", mustPartial(t, "*A")},
		{"complete", mustComplete(t, "AB")},
		{"complete escapes", mustComplete(t, `A"B\C`)},
		{"complete unicode", mustComplete(t, "Été<&>\u2028")},
	}
	var golden bytes.Buffer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.l.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if app := tt.l.AppendJSON([]byte("x")); !bytes.Equal(app[1:], got) || app[0] != 'x' {
				t.Errorf("AppendJSON = %s, want x%s", app, got)
			}
			if !json.Valid(got) {
				t.Fatalf("MarshalJSON = %s: not valid JSON", got)
			}
			var back Lettering
			if err := back.UnmarshalJSON(got); err != nil || back != tt.l {
				t.Errorf("UnmarshalJSON(MarshalJSON(%v)) = %v, %v", tt.l, back, err)
			}
			fmt.Fprintf(&golden, "%s\t%s\n", tt.name, got)
		})
	}
	path := filepath.Join("testdata", "marshal.golden")
	if *update {
		if err := os.WriteFile(path, golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := golden.String(); got != string(want) {
		t.Errorf("MarshalJSON output differs from %s (run go test -update to accept):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestMarshalJSONThroughEncodingJSON checks the bytes encoding/json writes for
// a struct holding a Lettering (it compacts and HTML-escapes our output).
func TestMarshalJSONThroughEncodingJSON(t *testing.T) {
	m := struct {
		L Lettering `json:"lettering"`
		P *Lettering
	}{L: mustComplete(t, "A<B")}
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"lettering":{"state":"complete","value":"A\u003cB"},"P":null}`
	if string(got) != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
}

func mustComplete(t testing.TB, code string) Lettering {
	t.Helper()
	l, err := Complete(code)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustPartial(t testing.TB, code string) Lettering {
	t.Helper()
	l, err := Partial(code)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestUnmarshalJSONErrorsGolden pins every decoding error (its sentinel,
// member, reason and offset) for the documents table and for inputs that
// probe the lexer (escapes, literals, truncations).
func TestUnmarshalJSONErrorsGolden(t *testing.T) {
	inputs := []struct{ name, in string }{
		{"backslash at the end", `{"state":"complete","value":"A\`},
		{"escape of a control", `{"state":"complete","value":"\` + "\x01" + `"}`},
		{"escape of a non-ASCII byte", `{"state":"complete","value":"\é"}`},
		{"bad hex digit", `{"state":"complete","value":"\u00g1"}`},
		{"high surrogate then letter", `{"state":"complete","value":"\ud83dA"}`},
		{"high surrogate then bad escape", `{"state":"complete","value":"\ud83d\u12"}`},
		{"two high surrogates", `{"state":"complete","value":"\ud83d\ud83d"}`},
		{"escaped key unknown", `{"st\u0061tes":"none","value":null}`},
		{"escaped key repeated", `{"state":"none","st\u0061te":"none","value":null}`},
		{"control in key", "{\"st\x01ate\":\"none\",\"value\":null}"},
		{"invalid UTF-8 in key", "{\"st\xffate\":\"none\",\"value\":null}"},
		{"unterminated key", `{"state`},
		{"nothing after colon", `{"state":`},
		{"nothing after key", `{"state"`},
		{"nothing after brace", `{`},
		{"nothing after comma", `{"state":"none",`},
		{"number key", `{1:2}`},
		{"nul", `{"state":"none","value":nul}`},
		{"null then letter", `{"state":"none","value":null_}`},
		{"null then space", `{"state":"none","value":null }`},
		{"true value", `{"state":"none","value":truex}`},
		{"negative number state", `{"state":-1,"value":null}`},
		{"bad byte as state", "{\"state\":\xff,\"value\":null}"},
		{"unicode word as value", `{"state":"none","value":été}`},
		{"object in object", `{"state":{"a":1},"value":null}`},
		{"trailing spaces then data", "{\"state\":\"none\",\"value\":null}  \t x"},
		{"leading garbage", `x{"state":"none","value":null}`},
		{"state after error", `{"value":"A","state":"complete","state":"none"}`},
		{"long unknown member", `{"` + strings.Repeat("é", 30) + `":1}`},
		{"long unknown state", `{"state":"` + strings.Repeat("x", 60) + `","value":null}`},
	}
	for _, tt := range documents {
		if tt.err != nil {
			inputs = append(inputs, struct{ name, in string }{tt.name, tt.in})
		}
	}
	var golden bytes.Buffer
	for _, in := range inputs {
		var l Lettering
		err := l.UnmarshalJSON([]byte(in.in))
		if err == nil {
			fmt.Fprintf(&golden, "%s\tok\t%v\n", in.name, l)
			continue
		}
		e, ok := errors.AsType[*Error](err)
		if !ok {
			t.Errorf("UnmarshalJSON(%q) = %v, want an *Error", in.in, err)
			continue
		}
		fmt.Fprintf(&golden, "%s\t%v\t%s\n", in.name, e.Err, e)
	}
	path := filepath.Join("testdata", "errors.golden")
	if *update {
		if err := os.WriteFile(path, golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := golden.String(); got != string(want) {
		t.Errorf("errors differ from %s (run go test -update to accept):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
