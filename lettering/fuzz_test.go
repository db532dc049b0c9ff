package lettering

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzUnmarshalJSON checks that the decoder never panics, that every error is
// an *Error wrapping ErrInvalid, that whatever decodes re-encodes to bytes
// that decode to the same value, and that the decoder agrees with the JSON
// Schema (see checkAgreement).
func FuzzUnmarshalJSON(f *testing.F) {
	for _, tt := range documents {
		f.Add([]byte(tt.in))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "documents", "*.json"))
	for _, file := range files {
		doc, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var l Lettering
		if err := l.UnmarshalJSON(doc); err != nil {
			if _, ok := errors.AsType[*Error](err); !ok || !errors.Is(err, ErrInvalid) {
				t.Fatalf("UnmarshalJSON(%q) error %T %v: want an *Error wrapping ErrInvalid", doc, err, err)
			}
			if l != (Lettering{}) {
				t.Fatalf("UnmarshalJSON(%q) changed the receiver on error", doc)
			}
		} else {
			out, err := l.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var back Lettering
			if err := back.UnmarshalJSON(out); err != nil || back != l {
				t.Fatalf("UnmarshalJSON(%q) = %v; MarshalJSON = %s decodes to %v, %v", doc, l, out, back, err)
			}
			// A decoded value is one the constructors accept.
			var again Lettering
			switch l.State() {
			case StateComplete:
				again, err = Complete(l.Code())
			case StatePartial:
				again, err = Partial(l.Code())
			}
			if err != nil || again != l {
				t.Fatalf("constructor rejects decoded %v: %v", l, err)
			}
		}
		checkAgreement(t, doc)
	})
}

// FuzzNextCode checks the sequence functions against each other.
func FuzzNextCode(f *testing.F) {
	for _, s := range []string{"A", "Z", "AZ", "ZZ", "ZZZZZZZZZZZZZ", "CRPXNLSKVLJFHG", "", "a", "*A", "A1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		next, err := NextCode(code)
		if !ValidCode(code) {
			if !errors.Is(err, ErrCode) || next != "" {
				t.Fatalf("NextCode(%q) = %q, %v; want ErrCode", code, next, err)
			}
			return
		}
		if err != nil || !ValidCode(next) || !Less(code, next) {
			t.Fatalf("NextCode(%q) = %q, %v", code, next, err)
		}
		i, err := Index(code)
		if err != nil {
			if !errors.Is(err, ErrRange) || len(code) < 14 {
				t.Fatalf("Index(%q) error = %v", code, err)
			}
			return
		}
		if at, err := CodeAt(i); err != nil || at != code {
			t.Fatalf("CodeAt(Index(%q) = %d) = %q, %v", code, i, at, err)
		}
		if j, err := Index(next); err == nil && j != i+1 {
			t.Fatalf("Index(NextCode(%q)) = %d, want %d", code, j, i+1)
		}
	})
}

// FuzzCodeAt checks that Index inverts CodeAt.
func FuzzCodeAt(f *testing.F) {
	for _, n := range []int{0, 25, 26, 701, 702, -1, 1 << 62} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int) {
		code, err := CodeAt(n)
		if n < 0 {
			if !errors.Is(err, ErrRange) {
				t.Fatalf("CodeAt(%d) error = %v, want ErrRange", n, err)
			}
			return
		}
		if err != nil || !ValidCode(code) {
			t.Fatalf("CodeAt(%d) = %q, %v", n, code, err)
		}
		if i, err := Index(code); err != nil || i != n {
			t.Fatalf("Index(CodeAt(%d) = %q) = %d, %v", n, code, i, err)
		}
	})
}
