package entry_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ledgersink/ledgersink/entry"
)

// FuzzDecode checks, on any input, that decoding and validating never
// panic, that a document the decoder accepts is valid JSON for
// encoding/json too, and that decode → encode → decode → encode is stable:
// the same value and the same bytes.
func FuzzDecode(f *testing.F) {
	for _, data := range fixtures(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"movements":[{"value":{"credit":1e3,"debit":-0.00,"amount":"x"}}]}`))
	f.Add([]byte(`{"producerId":"\ud83d\ude00\u0000","date":"2024-02-29"}`))
	f.Add([]byte(`[[[[[[[[[[]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e entry.Entry
		decodeErr := e.UnmarshalJSON(data)
		_ = e.Validate(&entry.ValidateOptions{Warn: func(*entry.FieldError) {}})
		if _, err := entry.Parse(data, nil); (err == nil) != (decodeErr == nil && e.Validate(nil) == nil) {
			t.Errorf("Parse and UnmarshalJSON+Validate disagree: %v / %v", err, decodeErr)
		}
		// Decode is UnmarshalJSON tolerating undeclared keys: it accepts
		// whatever UnmarshalJSON accepts, and decodes it the same way.
		open, openErr := entry.Decode(data)
		if decodeErr == nil && openErr != nil {
			t.Errorf("Decode refused what UnmarshalJSON accepted: %v", openErr)
		}
		if decodeErr != nil {
			return
		}
		if !reflect.DeepEqual(open, e) {
			t.Errorf("Decode and UnmarshalJSON decode %q differently", data)
		}
		if !json.Valid(data) {
			t.Fatalf("decoder accepted invalid JSON %q", data)
		}
		out, err := e.MarshalJSON()
		if err != nil {
			t.Fatalf("Marshal of a decoded entry: %v", err)
		}
		var back entry.Entry
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		// A missing attachments map decodes as nil and is written as {}.
		if diff := cmp.Diff(e, back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("decode → encode → decode changed the value (-first +second):\n%s", diff)
		}
		out2, err := back.MarshalJSON()
		if err != nil || !bytes.Equal(out, out2) {
			t.Errorf("second encoding differs:\n%s\n%s (%v)", out, out2, err)
		}
	})
}
