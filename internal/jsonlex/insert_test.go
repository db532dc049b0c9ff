package jsonlex_test

import (
	"errors"
	"testing"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
)

func TestInsertMembers(t *testing.T) {
	doc := []byte(`{"a": 1, "m": [ {"x": 1}, {"y": [2]} ], "o": {}, "s~/x": {"k": true}}`)
	for _, tt := range []struct {
		name    string
		members map[string][]byte
		want    string
		err     error
	}{
		{"none", nil, string(doc), nil},
		{"top", map[string][]byte{"/z": []byte(`null`), "/b": []byte(`{"q":[1]}`)},
			`{"a":1,"m":[{"x":1},{"y":[2]}],"o":{},"s~/x":{"k":true},"b":{"q":[1]},"z":null}`, nil},
		{"nested", map[string][]byte{"/m/1/new": []byte(`"v"`), "/o/e": []byte(`1.50`), "/s~0~1x/w": []byte(`[]`)},
			`{"a":1,"m":[{"x":1},{"y":[2],"new":"v"}],"o":{"e":1.50},"s~/x":{"k":true,"w":[]}}`, nil},
		{"escaped name", map[string][]byte{"/a~1b": []byte(`1`)},
			`{"a":1,"m":[{"x":1},{"y":[2]}],"o":{},"s~/x":{"k":true},"a/b":1}`, nil},
		{"present", map[string][]byte{"/a": []byte(`2`)}, "", jsonlex.ErrInsert},
		{"no parent", map[string][]byte{"/m/5/x": []byte(`2`)}, "", jsonlex.ErrInsert},
		{"parent not an object", map[string][]byte{"/a/x": []byte(`2`)}, "", jsonlex.ErrInsert},
		{"not a pointer", map[string][]byte{"a": []byte(`2`)}, "", jsonlex.ErrInsert},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jsonlex.InsertMembers(doc, tt.members)
			if !errors.Is(err, tt.err) || (err == nil && string(got) != tt.want) {
				t.Errorf("got %s, %v\nwant %s, %v", got, err, tt.want, tt.err)
			}
		})
	}
	if _, err := jsonlex.InsertMembers([]byte(`{"a":`), map[string][]byte{"/b": []byte("1")}); !errors.Is(err, jsonlex.ErrSyntax) {
		t.Errorf("malformed: %v", err)
	}
}

// Skip and Raw refuse a member name repeated in its object, at any depth.
func TestSkipRepeatedNames(t *testing.T) {
	for _, doc := range []string{`{"a":1,"a":2}`, `[{"x":{"b":1,"c":2,"b":3}}]`, `{"k":{"\u0061":1,"a":2}}`} {
		l := jsonlex.New([]byte(doc))
		if _, err := l.Raw(); !errors.Is(err, jsonlex.ErrSyntax) {
			t.Errorf("Raw(%s) = %v, want a syntax error", doc, err)
		}
	}
	l := jsonlex.New([]byte(`{"a":{"a":1},"b":[{"a":1},{"a":2}]}`))
	if err := l.Skip(); err != nil {
		t.Errorf("the same name in different objects: %v", err)
	}
}
