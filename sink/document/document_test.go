package document_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/sinktest"
)

func TestContentHash(t *testing.T) {
	hash := func(data any) string {
		t.Helper()
		h, err := document.ContentHash(data)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a := hash(sinktest.Entry("e1", 2024, 1))
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a) {
		t.Errorf("hash %q is not 32 hex digits", a)
	}
	// The same content gives the same hash, whatever the id of the
	// document (it is not part of the content) or the instance.
	if b := hash(sinktest.Entry("e1", 2024, 1)); b != a {
		t.Errorf("the same entry hashes to %s and %s", a, b)
	}
	tests := []struct {
		name string
		make func() any
	}{
		{"a description", func() any {
			e := sinktest.Entry("e1", 2024, 1)
			e.Movements[0].Description = "corrigée"
			return e
		}},
		{"a date", func() any {
			e := sinktest.Entry("e1", 2024, 1)
			e.Date = e.Date.AddDays(1)
			return e
		}},
		{"another entry", func() any { return sinktest.Entry("e1", 2024, 2) }},
		{"an account", func() any { return &sink.Account{Number: "401000", Label: "Fournisseurs"} }},
	}
	seen := map[string]string{a: "the entry"}
	for _, tt := range tests {
		h := hash(tt.make())
		if other, ok := seen[h]; ok {
			t.Errorf("%s hashes as %s: %s", tt.name, other, h)
		}
		seen[h] = tt.name
	}
	for _, data := range []any{nil, "text", 42, struct{}{}} {
		if _, err := document.ContentHash(data); !errors.Is(err, document.ErrNotPayload) {
			t.Errorf("ContentHash(%#v): %v, want ErrNotPayload", data, err)
		}
	}
}

func BenchmarkContentHash(b *testing.B) {
	e := sinktest.Entry("e1", 2024, 1)
	for b.Loop() {
		if _, err := document.ContentHash(e); err != nil {
			b.Fatal(err)
		}
	}
}
