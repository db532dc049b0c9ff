package sink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsonValueOf decodes data into a generic JSON value, numbers as written.
func jsonValueOf(t testing.TB, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return v
}

// withUnknown returns payload with n members the SDK has never seen added
// at its top level, of every JSON type.
func withUnknown(payload []byte, rng *rand.Rand, n int) []byte {
	values := []string{`null`, `true`, `12.50`, `"texte"`, `{"a":[1,{"b":null}]}`, `[]`, `-0.000`}
	b := bytes.Clone(bytes.TrimSuffix(bytes.TrimSpace(payload), []byte("}")))
	for i := range n {
		b = fmt.Appendf(b, `,"champInconnu%d":%s`, i, values[rng.IntN(len(values))])
	}
	return append(b, '}')
}

// TestLosslessRoundTrip: for an event of every name, with members the SDK
// does not model, decoding then encoding gives the same JSON value.
func TestLosslessRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ev := range samples(t) {
		data, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		for n := range 4 {
			in := withUnknown(data, rng, n)
			dec, err := DecodeEvent(ev.Name, in)
			if err != nil {
				t.Fatalf("%s: %v\n%s", ev.Name, err, in)
			}
			if len(dec.Extra) != n {
				t.Errorf("%s: %d unknown members kept, want %d", ev.Name, len(dec.Extra), n)
			}
			out, err := dec.Encode()
			if err != nil {
				t.Fatalf("%s: %v", ev.Name, err)
			}
			if diff := cmp.Diff(jsonValueOf(t, in), jsonValueOf(t, out)); diff != "" {
				t.Errorf("%s: decode then encode changed the JSON value (-in +out):\n%s", ev.Name, diff)
			}
		}
	}
}

func TestExtraValidation(t *testing.T) {
	ev := samples(t)[0]
	for _, bad := range []map[string]json.RawMessage{
		{"numero": json.RawMessage(`1`)},      // not a pointer
		{"/numero": json.RawMessage(`"401"`)}, // a modelled member
		{"/id": json.RawMessage(`"x"`)},       // the envelope's
		{"/a/b": json.RawMessage(`1`)},        // not a member of the payload itself
		{"/x": json.RawMessage(`{`)},          // not JSON
	} {
		e := *ev
		e.Extra = bad
		if _, err := e.Encode(); err == nil {
			t.Errorf("Extra %v was accepted", bad)
		}
	}
}
