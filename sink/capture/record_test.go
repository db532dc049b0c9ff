package capture

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"github.com/ledgersink/ledgersink/sink"
)

// headerCases are records whose headers exercise every field and every
// escaping rule of encoding/json.
var headerCases = []struct {
	name string
	r    record
}{
	{name: "minimal", r: record{ID: "a", Event: sink.AccountInserted}},
	{name: "every field", r: record{ID: "doc-1", Type: "purchase_invoice", Version: "1739789160", Hash: "0123abcd",
		Status: "open", Created: 1706627839000, Invoice: "2024-01-30", Changed: 1706627839001, Event: sink.EntryInserted}},
	{name: "tombstone", r: record{ID: "x", Type: "account", Changed: -5, Event: sink.JournalInserted, Deleted: true}},
	{name: "escapes", r: record{ID: "quote\" back\\slash\ttab\nline\x01", Type: "<html> & co", Version: "é ü 日本", Event: sink.VATInserted}},
	{name: "invalid UTF-8 and separators", r: record{ID: "bad\xffbyte", Type: "\u2028\u2029", Event: sink.BranchInserted}},
}

// TestHeaderFormat pins appendHeader to what encoding/json writes for a
// record, which is how parts were written before appendHeader: parts of
// either writer read alike, by parseHeader and by encoding/json.
func TestHeaderFormat(t *testing.T) {
	for _, tt := range headerCases {
		t.Run(tt.name, func(t *testing.T) {
			checkHeader(t, &tt.r)
		})
	}
}

// checkHeader checks that appendHeader writes r as json.Marshal does, and
// that parseHeader reads it back as json.Unmarshal does.
func checkHeader(t *testing.T, r *record) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	got := appendHeader([]byte("prefix"), r)
	if string(got) != "prefix"+string(want) {
		t.Fatalf("appendHeader = %s, want prefix%s", got, want)
	}
	var wantRec, gotRec record
	if err := json.Unmarshal(want, &wantRec); err != nil {
		t.Fatal(err)
	}
	if err := parseHeader(new(jsonlex.Lexer), want, &gotRec, nil); err != nil {
		t.Fatalf("parseHeader(%s): %v", want, err)
	}
	if diff := cmp.Diff(wantRec, gotRec); diff != "" {
		t.Errorf("parseHeader(%s) differs from json.Unmarshal (-want +got):\n%s", want, diff)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct {
		name, head string
	}{
		{name: "not an object", head: `[]`},
		{name: "truncated", head: `{"id":"a","event":"comptaCompteInserted"`},
		{name: "trailing data", head: `{"id":"a"} x`},
		{name: "id not a string", head: `{"id":1}`},
		{name: "changed not an integer", head: `{"changed":1.5}`},
		{name: "changed out of range", head: `{"changed":99999999999999999999}`},
		{name: "deleted not a boolean", head: `{"deleted":"yes"}`},
		{name: "unknown event", head: `{"event":"comptaCompteUpdated"}`},
		{name: "bad unknown member", head: `{"other":[1,}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r record
			if err := parseHeader(new(jsonlex.Lexer), []byte(tt.head), &r, nil); err == nil {
				t.Errorf("parseHeader(%s) = %+v, want an error", tt.head, r)
			}
		})
	}
	var r record
	if err := parseHeader(new(jsonlex.Lexer), []byte(`{"id":null,"other":{"a":[1,2]},"event":"comptaCompteInserted"}`), &r, nil); err != nil {
		t.Fatalf("nulls and unknown members: %v", err)
	}
	if r.ID != "" || r.Event != sink.AccountInserted {
		t.Errorf("nulls and unknown members gave %+v", r)
	}
}

// FuzzHeader checks appendHeader and parseHeader against encoding/json on
// arbitrary field values.
func FuzzHeader(f *testing.F) {
	for _, tt := range headerCases {
		r := tt.r
		f.Add(r.ID, r.Type, r.Version, r.Status, r.Invoice, r.Created, r.Changed, r.Deleted)
	}
	f.Fuzz(func(t *testing.T, id, typ, version, status, invoice string, created, changed int64, deleted bool) {
		checkHeader(t, &record{ID: id, Type: typ, Version: version, Hash: "h", Status: status, Invoice: invoice,
			Created: created, Changed: changed, Event: sink.AccountInserted, Deleted: deleted})
	})
}

// lineReader returns every line intact, short or longer than its buffer
// and its slabs, and a line stays intact when later ones are read.
func TestLineReader(t *testing.T) {
	var want []string
	for i, n := range []int{0, 1, 100, slabSize - 1, slabSize, 3 * slabSize, 10, 200 << 10, 5} {
		want = append(want, strings.Repeat(string(rune('a'+i)), n)+"\n")
	}
	want = append(want, "last line without a newline")
	lr := lineReader{br: bufio.NewReaderSize(strings.NewReader(strings.Join(want, "")), 4096)}
	var got [][]byte
	for {
		line, err := lr.next()
		if len(line) > 0 {
			got = append(got, line)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	gotStrings := make([]string, len(got))
	for i, line := range got {
		gotStrings[i] = string(line)
	}
	if diff := cmp.Diff(want, gotStrings); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

// A header lends its strings to the next one when they are equal, and only
// then.
func TestParseHeaderShares(t *testing.T) {
	prev := &record{Type: "account", Version: "1", Status: "open", Invoice: "2024-01-30"}
	var r record
	head := `{"id":"b","type":"account","version":"2","status":"open","invoiceDate":"2024-01-31","event":"comptaCompteInserted"}`
	if err := parseHeader(new(jsonlex.Lexer), []byte(head), &r, prev); err != nil {
		t.Fatal(err)
	}
	want := record{ID: "b", Type: "account", Version: "2", Status: "open", Invoice: "2024-01-31", Event: sink.AccountInserted}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("parseHeader (-want +got):\n%s", diff)
	}
	if unsafe.StringData(r.Type) != unsafe.StringData(prev.Type) || unsafe.StringData(r.Status) != unsafe.StringData(prev.Status) {
		t.Error("equal type and status were not shared")
	}
}

// FuzzPlainHeader checks that a header parsePlainHeader accepts is one the
// lexer reads the same.
func FuzzPlainHeader(f *testing.F) {
	for _, tt := range headerCases {
		f.Add(string(appendHeader(nil, &tt.r)))
	}
	f.Add(`{"id":"a","type":"","version":"","hash":"","created":-0,"changed":007,"event":"comptaCompteInserted"}`)
	f.Add(`{"id":"a","type":"","version":"","hash":"","changed":1,"event":"comptaCompteInserted","deleted":true}`)
	f.Fuzz(func(t *testing.T, head string) {
		prev := &record{Type: "account", Version: "1", Event: sink.AccountInserted}
		var plain, lexed record
		if !parsePlainHeader([]byte(head), &plain, prev) {
			return
		}
		if err := parseHeaderLexed(new(jsonlex.Lexer), []byte(head), &lexed, prev); err != nil {
			t.Fatalf("parsePlainHeader accepted %s, the lexer refuses it: %v", head, err)
		}
		if diff := cmp.Diff(lexed, plain, cmp.AllowUnexported(record{})); diff != "" {
			t.Errorf("%s read differently (-lexer +plain):\n%s", head, diff)
		}
	})
}
