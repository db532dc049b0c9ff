package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ledgersink/ledgersink/internal/golden"

	"github.com/google/go-cmp/cmp"
)

const ns = "queuing.cpa.comptabilite-fr.cegid.loop."

func dailyTopics() []Topic {
	return []Topic{
		{TopicName: ns + "comptaCompteUpdated", Values: []Value{{"acc-601000", 1706781600000}}},
		{TopicName: ns + "comptaEcritureInserted", Values: []Value{{"ecr-2024-000001", 1706781600000}, {"ecr-2024-000007", 1706785200000}}},
		{TopicName: ns + "comptaEcritureDeleted", Values: []Value{{"ecr-2023-000002", 1706781600000}}},
	}
}

func TestDailyGoldenAndRoundTrip(t *testing.T) {
	head := Daily{Timestamp: 1706745600000, EntityID: "ae9c6905-0035-4ce6-9d27-2c26b317035e", ID: "5d1e4c7a-5b4f-5e0b-9a63-0d8f0c1e2a3b"}
	pages := Paginate(head, dailyTopics(), 3)
	var all bytes.Buffer
	for _, p := range pages {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		all.WriteByte('\n')
		back, err := DecodeDaily(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("DecodeDaily(%s): %v", b, err)
		}
		if diff := cmp.Diff(p, back); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	}
	golden.Check(t, "daily.golden", all.Bytes())
}

func TestPaginate(t *testing.T) {
	head := Daily{Timestamp: 1, EntityID: "e", ID: "r"}
	count := func(pages []*Daily) (values []int) {
		for _, p := range pages {
			n := 0
			for _, tp := range p.Topics {
				n += len(tp.Values)
			}
			values = append(values, n)
		}
		return values
	}
	tests := []struct {
		name string
		size int
		want []int
	}{
		{"one page", 10, []int{4}},
		{"exact fit", 4, []int{4}},
		{"split inside a topic", 3, []int{3, 1}},
		{"one per page", 1, []int{1, 1, 1, 1}},
		{"no limit", 0, []int{4}},
	}
	for _, tt := range tests {
		pages := Paginate(head, dailyTopics(), tt.size)
		if got := count(pages); !cmp.Equal(got, tt.want) {
			t.Errorf("%s: values per page %v, want %v", tt.name, got, tt.want)
		}
		for i, p := range pages {
			if p.Page != i+1 || p.ID != "r" || p.EntityID != "e" {
				t.Errorf("%s: page %d is %+v", tt.name, i, p)
			}
		}
	}
	if empty := Paginate(head, nil, 5); len(empty) != 1 || len(empty[0].Topics) != 0 {
		t.Errorf("a report with no value: %+v, want one empty page", empty)
	}
	if b, _ := json.Marshal(Paginate(head, nil, 5)[0]); !bytes.Contains(b, []byte(`"topics":[]`)) {
		t.Errorf("an empty page encodes as %s, want topics: []", b)
	}
}

func TestDailyDecodeErrors(t *testing.T) {
	valid := `{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[{"topicName":"t","values":[{"id":"a","timestamp":2}]}]}`
	if _, err := DecodeDaily(bytes.NewReader([]byte(valid))); err != nil {
		t.Fatalf("valid page rejected: %v", err)
	}
	for _, in := range []string{
		`{"timestamp":"1","entite_id":"e","id":"r","page":1,"topics":[]}`,
		`{"timestamp":1.5,"entite_id":"e","id":"r","page":1,"topics":[]}`,
		`{"entite_id":"e","id":"r","page":1,"topics":[]}`,
		`{"timestamp":1,"id":"r","page":1,"topics":[]}`,
		`{"timestamp":1,"entite_id":"","id":"r","page":1,"topics":[]}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":0,"topics":[]}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":null}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[],"extra":1}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[{"topicName":"t"}]}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[{"topicName":"t","values":[{"timestamp":2}]}]}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[{"topicName":"t","values":[{"id":"a","timestamp":-2}]}]}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[{"topicName":"t","values":[]},{"topicName":"t","values":[]}]}`,
		`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[]} {}`,
		`[]`,
	} {
		d := Daily{ID: "keep"}
		if err := d.UnmarshalJSON([]byte(in)); !errors.Is(err, ErrInvalid) || d.ID != "keep" {
			t.Errorf("UnmarshalJSON(%s) = %v (report now %+v), want ErrInvalid and no change", in, err, d)
		}
	}
}

func FuzzDailyRoundTrip(f *testing.F) {
	f.Add([]byte(`{"timestamp":1,"entite_id":"e","id":"r","page":1,"topics":[{"topicName":"t","values":[{"id":"a","timestamp":2}]}]}`))
	f.Add([]byte(`{"timestamp":0,"entite_id":"\u00e9","id":"x","page":3,"topics":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Daily
		if err := d.UnmarshalJSON(data); err != nil {
			return
		}
		out, err := d.MarshalJSON()
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", data, err)
		}
		var back Daily
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("cannot decode our own %s: %v", out, err)
		}
		if diff := cmp.Diff(d, back); diff != "" {
			t.Fatalf("round trip mismatch:\n%s", diff)
		}
	})
}

func TestDailyValidate(t *testing.T) {
	d := &Daily{Timestamp: -1, EntityID: "e", Page: 0, Topics: []Topic{
		{TopicName: "t", Values: []Value{{"a", 1}, {"", -1}}},
		{TopicName: "t"},
	}}
	err := d.Validate()
	ve, ok := errors.AsType[*ValidationError](err)
	if !ok || !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate() = %v, want a *ValidationError matching ErrInvalid", err)
	}
	var got []string
	for _, f := range ve.Fields {
		got = append(got, f.Path+" "+f.Rule)
	}
	want := []string{"/id required", "/page page", "/timestamp negative", "/topics/0/values/1/id required",
		"/topics/0/values/1/timestamp negative", "/topics/1/topicName duplicate"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
