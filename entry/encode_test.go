package entry_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/ledgersink/ledgersink/entry"
)

// TestFields: Fields names every member the encoder writes, in its order,
// for each fixture that has them all.
func TestFields(t *testing.T) {
	checked := 0
	for name, data := range fixtures(t) {
		e := decode(t, data)
		if e.AdditionalProducerProperties == nil {
			continue // the encoder leaves that member out
		}
		one := 1
		e.BranchID, e.Type, e.Validation = "b-1", entry.EntryOpening, &one // written only when set
		out, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.Token() // {
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		if got := entry.Fields(); !slices.Equal(got, keys) {
			t.Errorf("%s: Fields() = %q, the encoder writes %q", name, got, keys)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no fixture has every member: the test checks nothing")
	}
}
