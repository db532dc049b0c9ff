package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
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

// addNested adds an unknown member to random objects below the top level
// of v, a generic JSON value, and reports how many it added. It leaves out
// the objects where a new member is not an unknown field: attachments (a
// map of names) and lettering (exactly two members, a rule of the model).
func addNested(v any, rng *rand.Rand, depth int) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			if k == "attachments" || k == "lettering" {
				continue
			}
			n += addNested(x[k], rng, depth+1)
		}
		if depth > 0 && rng.IntN(2) == 0 {
			x[fmt.Sprint("nouveau", depth, "_", n)] = map[string]any{"v": json.Number("1.50")}
			n++
		}
	case []any:
		for _, e := range x {
			n += addNested(e, rng, depth+1)
		}
	}
	return n
}

// TestLosslessEntryRoundTrip: an entry event with members the SDK has never
// seen at every depth (movements, values, analytics, ...) decodes then
// encodes to the same JSON value.
func TestLosslessEntryRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var ev *Event
	for _, e := range samples(t) {
		if e.Name == EntryInserted {
			ev = e
		}
	}
	data, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		v := jsonValueOf(t, data)
		added := addNested(v, rng, 0)
		in, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeEvent(ev.Name, in)
		if err != nil {
			t.Fatalf("%v\n%s", err, in)
		}
		if len(dec.Extra) != added {
			t.Errorf("%d unknown members kept, %d added", len(dec.Extra), added)
		}
		out, err := dec.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(jsonValueOf(t, in), jsonValueOf(t, out)); diff != "" {
			t.Fatalf("decode then encode changed the JSON value (-in +out):\n%s", diff)
		}
	}
}

// A member name repeated at any depth of a payload is refused: which value
// would be the platform's is not knowable.
func TestIssue13RepeatedNamesAtAnyDepth(t *testing.T) {
	for _, p := range []string{
		`{"timestamp":1,"application_id":"a","entite_id":"e","id":"x","numero":"1","numero":"2"}`,
		`{"timestamp":1,"application_id":"a","entite_id":"e","id":"x","nouveau":{"v":1,"v":2}}`,
		`{"timestamp":1,"application_id":"a","entite_id":"e","id":"x","adr":[{"ville":"A","ville":"B"}]}`,
	} {
		if _, err := DecodeEvent(ThirdPartyInserted, []byte(p)); !errors.Is(err, ErrPayload) {
			t.Errorf("DecodeEvent(%s) = %v, want ErrPayload", p, err)
		}
	}
}

// splitEncoded splits what Encode writes as splitObject does.
func TestSplitEncoded(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ev := range samples(t) {
		data, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range [][]byte{data, withUnknown(data, rng, 3)} {
			got, ok := splitEncoded(in)
			want, err := splitObject(in)
			if err != nil || !ok {
				t.Fatalf("%s: split %v, %v", ev.Name, ok, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d members, want %d", ev.Name, len(got), len(want))
			}
			for i := range got {
				if got[i].key != want[i].key || !bytes.Equal(got[i].value, want[i].value) {
					t.Errorf("%s: member %d = %s:%s, want %s:%s", ev.Name, i, got[i].key, got[i].value, want[i].key, want[i].value)
				}
			}
		}
	}
	for _, bad := range []string{``, `{`, `{"a\\"b":1}`, `{"a":1,}`, `[1]`, `{"a":}`, `{"a"1}`} {
		if _, ok := splitEncoded([]byte(bad)); ok {
			t.Errorf("splitEncoded(%s) accepted", bad)
		}
	}
}

// FuzzFlatDecode: the flat decoder agrees with encoding/json on the members
// it is given: the same payload, or an error from both.
func FuzzFlatDecode(f *testing.F) {
	for _, ev := range samples(f) {
		if flatDecoders()[ev.Name.Object()] == nil || ev.Name.Action() != Inserted {
			continue
		}
		data, err := ev.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(ev.Name.Object()), data)
	}
	f.Fuzz(func(t *testing.T, object string, data []byte) {
		d := flatDecoders()[Object(object)]
		if d == nil {
			return
		}
		ms, err := splitObject(data)
		if err != nil {
			return
		}
		// encoding/json also takes "Numero" for "numero"; the wire's names
		// are exact, so such members are the platform's unknown ones: leave
		// them out of the comparison.
		ms = slices.DeleteFunc(ms, func(m member) bool {
			for name := range d.fields {
				if strings.EqualFold(name, m.key) && name != m.key {
					return true
				}
			}
			return false
		})
		got, _, gotErr := d.decode(ms)
		want := newData(Object(object))
		wantErr := json.Unmarshal(joinMembers(ms, 0), want)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%s: flat decoder %v, encoding/json %v", data, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\nflat          %+v\nencoding/json %+v", data, got, want)
		}
	})
}
