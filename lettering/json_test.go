package lettering

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
