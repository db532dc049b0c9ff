package period

import (
	"strconv"
	"testing"
	"time"
)

// Each benchmark sits beside a ceiling doing the same work the plainest way
// with the standard library, so the ratio reads from one run.

func BenchmarkParseDate(b *testing.B) {
	want := mustDate(b, "2024-01-31")
	b.ReportAllocs()
	for b.Loop() {
		d, err := ParseDate("2024-01-31")
		if err != nil || d != want {
			b.Fatal(d, err)
		}
	}
}

func BenchmarkParseDateCeilingTimeParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		t, err := time.Parse("2006-01-02", "2024-01-31")
		if err != nil || t.Day() != 31 {
			b.Fatal(t, err)
		}
	}
}

func BenchmarkDateUnmarshalJSON(b *testing.B) {
	data := []byte(`"2024-01-31"`)
	want := mustDate(b, "2024-01-31")
	b.ReportAllocs()
	for b.Loop() {
		var d Date
		if err := d.UnmarshalJSON(data); err != nil || d != want {
			b.Fatal(d, err)
		}
	}
}

func BenchmarkDateUnmarshalJSONCeilingUnquoteTimeParse(b *testing.B) {
	data := []byte(`"2024-01-31"`)
	b.ReportAllocs()
	for b.Loop() {
		s, err := strconv.Unquote(string(data))
		if err != nil {
			b.Fatal(err)
		}
		t, err := time.Parse("2006-01-02", s)
		if err != nil || t.Day() != 31 {
			b.Fatal(t, err)
		}
	}
}

func BenchmarkDateAppendText(b *testing.B) {
	d := mustDate(b, "2024-01-31")
	buf := make([]byte, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		out, err := d.AppendText(buf[:0])
		if err != nil || len(out) != 10 {
			b.Fatal(string(out), err)
		}
	}
}

func BenchmarkDateAppendTextCeilingTimeAppendFormat(b *testing.B) {
	t := time.Date(2024, time.January, 31, 0, 0, 0, 0, time.UTC)
	buf := make([]byte, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		out := t.AppendFormat(buf[:0], "2006-01-02")
		if len(out) != 10 {
			b.Fatal(string(out))
		}
	}
}
