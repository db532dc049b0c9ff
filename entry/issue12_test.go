package entry_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/ledgersink/ledgersink/entry"
)

// shuffledJSON writes v (a tree of encoding/json's generic values) with the
// members of every object in a random order.
func shuffledJSON(tb testing.TB, b *bytes.Buffer, v any, r *rand.Rand) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			shuffledJSON(tb, b, v[k], r)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			shuffledJSON(tb, b, e, r)
		}
		b.WriteByte(']')
	default:
		vb, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		b.Write(vb)
	}
}

// Issue 12: the problems of one document come in one order, whatever the
// order of its members and of the attachments map. Attachment names "9",
// "10" and "1a" once met a comparator that was not transitive, and the
// order changed from run to run.
func TestIssue12ProblemOrder(t *testing.T) {
	data, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	bad := func() map[string]any { return map[string]any{"type": "Fax", "value": "x"} }
	atts := map[string]any{}
	for _, name := range []string{"9", "10", "1a", "100", "0", "01", "a", "a/b", "~", "", "b", "99a", "2"} {
		atts[name] = bad()
	}
	doc["attachments"] = atts
	movs := doc["movements"].([]any)
	m0 := movs[0].(map[string]any)
	m0["attachments"] = map[string]any{"9": bad(), "10": bad(), "1a": bad()}
	m0["freeNumber"] = 12                 // a type problem
	delete(m0, "description")             // a missing key
	m0["value"].(map[string]any)["x"] = 1 // not a problem: value is open
	doc["unknown"] = true

	r := rand.New(rand.NewPCG(12, 12))
	var want, wantSchema string
	for i := range 200 {
		var b bytes.Buffer
		shuffledJSON(t, &b, doc, r)
		_, err := entry.Parse(b.Bytes(), nil)
		if err == nil {
			t.Fatal("Parse found no problem")
		}
		serr := entry.ValidateJSON(b.Bytes(), nil)
		if i == 0 {
			want, wantSchema = err.Error(), serr.Error()
			continue
		}
		if got := err.Error(); got != want {
			t.Fatalf("Parse: the order changed with the members' order:\n%s\nthen\n%s", want, got)
		}
		if got := serr.Error(); got != wantSchema {
			t.Fatalf("ValidateJSON: the order changed with the members' order:\n%s\nthen\n%s", wantSchema, got)
		}
	}
	// Indexes come first, in numeric order, then names.
	var paths []string
	for _, name := range []string{"0", "2", "9", "10", "100", "", "01", "1a", "99a", "a", "a~1b", "b", "~0"} {
		paths = append(paths, "/attachments/"+name+"/type")
	}
	at := -1
	for _, p := range paths {
		i := bytes.Index([]byte(want), []byte("\t"+p+":"))
		if i < 0 {
			t.Fatalf("no problem at %s in\n%s", p, want)
		}
		if i < at {
			t.Errorf("%s comes too early in\n%s", p, want)
		}
		at = i
	}
	if !bytes.Contains([]byte(want), []byte("/movements/0/attachments/9/type")) {
		t.Errorf("no problem on the movement's attachments in\n%s", want)
	}
}
