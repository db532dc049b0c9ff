package storage_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ledgersink/ledgersink/storage"
)

var keyTests = []struct {
	name string
	key  string
	rule string // "" for a valid key
}{
	{"simple", "a", ""},
	{"sdk key", "6f1c0e4a/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json", ""},
	{"nested", "a/b/c/d.json", ""},
	{"unicode", "écritures/日本/😀", ""},
	{"spaces", "a b/ c ", ""},
	{"hidden file", "a/.hidden", ""},
	{"dots inside", "a/b..c/...", ""},
	{"dot prefix", "..a/b", ""},
	{"percent", "a%2Fb", ""},
	{"nbsp is not a control", "a\u00a0b", ""},
	{"U+FFFD spelled out is valid", "a\uFFFDb", ""},
	{"max length", strings.Repeat("a/", 511) + "bb", ""},
	{"max element", strings.Repeat("e", 255), ""},
	{"uppercase", "A/B", ""},

	{"empty", "", storage.RuleEmpty},
	{"too long", strings.Repeat("a", 1025), storage.RuleLength},
	{"too long wins over other rules", "/" + strings.Repeat("a", 1025), storage.RuleLength},
	{"invalid utf8", "a\xffb", storage.RuleUTF8},
	{"truncated utf8", "caf\xc3", storage.RuleUTF8},
	{"overlong utf8 slash", "a\xc0\xafb", storage.RuleUTF8},
	{"surrogate", "a\xed\xa0\x80", storage.RuleUTF8},
	{"NUL", "a\x00b", storage.RuleControl},
	{"tab", "a\tb", storage.RuleControl},
	{"newline", "a\n", storage.RuleControl},
	{"DEL", "a\x7f", storage.RuleControl},
	{"C1 NEL", "a\u0085", storage.RuleControl},
	{"C1 first", "\u0080", storage.RuleControl},
	{"C1 last", "\u009f", storage.RuleControl},
	{"backslash", `a\b`, storage.RuleBackslash},
	{"backslash dotdot", `..\..\etc`, storage.RuleBackslash},
	{"windows drive", `C:\x`, storage.RuleBackslash},
	{"absolute", "/etc/passwd", storage.RuleLeadingSlash},
	{"slash only", "/", storage.RuleLeadingSlash},
	{"trailing slash", "a/", storage.RuleTrailingSlash},
	{"double slash", "a//b", storage.RuleEmptyElement},
	{"dot", ".", storage.RuleDotElement},
	{"dotdot", "..", storage.RuleDotElement},
	{"dotdot first", "../a", storage.RuleDotElement},
	{"dotdot inside", "a/../b", storage.RuleDotElement},
	{"dotdot last", "a/..", storage.RuleDotElement},
	{"dot inside", "a/./b", storage.RuleDotElement},
	{"element too long", "a/" + strings.Repeat("e", 256), storage.RuleElementLength},
}

func TestCheckKey(t *testing.T) {
	for _, tt := range keyTests {
		t.Run(tt.name, func(t *testing.T) {
			err := storage.CheckKey("get", tt.key)
			if got := storage.ValidKey(tt.key); got != (tt.rule == "") {
				t.Errorf("ValidKey(%q) = %v, want %v", tt.key, got, tt.rule == "")
			}
			if tt.rule == "" {
				if err != nil {
					t.Errorf("CheckKey(%q) = %v, want nil", tt.key, err)
				}
				return
			}
			var ke *storage.KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("CheckKey(%q) = %v, want a *KeyError", tt.key, err)
			}
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("CheckKey(%q) does not match ErrInvalidKey", tt.key)
			}
			if ke.Rule != tt.rule || ke.Key != tt.key || ke.Op != "get" {
				t.Errorf("CheckKey(get, %q) = {Op %q, Key %q, Rule %q}, want {Op \"get\", the key, Rule %q}", tt.key, ke.Op, ke.Key, ke.Rule, tt.rule)
			}
		})
	}
}

func TestValidElement(t *testing.T) {
	for _, tt := range keyTests {
		want := tt.rule == "" && !strings.Contains(tt.key, "/")
		if got := storage.ValidElement(tt.key); got != want {
			t.Errorf("ValidElement(%q) = %v, want %v", tt.key, got, want)
		}
	}
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"6f1c0e4a", true},
		{"_ledgersink", true},
		{"a.b", true},
		{"", false},
		{"a/b", false},
		{"a/", false},
		{"/a", false},
		{".", false},
		{"..", false},
		{strings.Repeat("e", storage.MaxElementLen), true},
		{strings.Repeat("e", storage.MaxElementLen+1), false},
	} {
		if got := storage.ValidElement(tt.s); got != tt.want {
			t.Errorf("ValidElement(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	for _, tt := range []struct {
		prefix string
		rule   string
	}{
		{"", ""},
		{"a", ""},
		{"a/", ""},
		{"a/b", ""},
		{"a/.", ""},
		{"a/..", ""},
		{".", ""},
		{"..", ""},
		{strings.Repeat("p/", 512), ""},
		{"/", storage.RuleLeadingSlash},
		{"/a", storage.RuleLeadingSlash},
		{"a//", storage.RuleEmptyElement},
		{"../", storage.RuleDotElement},
		{"a/../b", storage.RuleDotElement},
		{`a\`, storage.RuleBackslash},
		{"a\x00", storage.RuleControl},
		{"caf\xc3", storage.RuleUTF8},
		{strings.Repeat("p", 1025), storage.RuleLength},
		{strings.Repeat("p", 256), storage.RuleElementLength},
	} {
		err := storage.CheckPrefix("list", tt.prefix)
		var ke *storage.KeyError
		switch {
		case tt.rule == "" && err != nil:
			t.Errorf("CheckPrefix(%q) = %v, want nil", tt.prefix, err)
		case tt.rule != "" && (!errors.As(err, &ke) || ke.Rule != tt.rule || ke.Op != "list" || !errors.Is(err, storage.ErrInvalidKey)):
			t.Errorf("CheckPrefix(%q) = %v, want a *KeyError naming list with rule %q matching ErrInvalidKey", tt.prefix, err, tt.rule)
		}
	}
}

func TestKeyErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&storage.KeyError{Op: "put", Key: "a//b", Rule: storage.RuleEmptyElement, Err: storage.ErrInvalidKey},
			`put "a//b": storage: invalid key: contains an empty element [empty-element]`},
		{storage.CheckKey("", "a\x00"), `"a\x00": storage: invalid key: contains a control character [control]`},
		{storage.CheckKey("delete", "a\x00"), `delete "a\x00": storage: invalid key: contains a control character [control]`},
		{&storage.KeyError{Op: "get", Key: "x", Err: storage.ErrNotExist}, `get "x": file does not exist`},
		{&storage.KeyError{Op: "get", Key: strings.Repeat("k", 300), Err: storage.ErrNotExist},
			`get "` + strings.Repeat("k", 256) + `"...: file does not exist`},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %s\nwant      %s", got, tt.want)
		}
	}
}

// FuzzCheckKey checks that CheckKey never panics, agrees with ValidKey and
// CheckPrefix, and that a valid key never leaves a directory it is joined
// under. Seeds come from keyTests and testdata/fuzz/FuzzCheckKey.
func FuzzCheckKey(f *testing.F) {
	for _, tt := range keyTests {
		f.Add(tt.key)
	}
	root := filepath.Join(string(filepath.Separator)+"srv", "root")
	f.Fuzz(func(t *testing.T, key string) {
		err := storage.CheckKey("", key)
		valid := storage.ValidKey(key)
		if valid != (err == nil) {
			t.Fatalf("ValidKey(%q) = %v but CheckKey = %v", key, valid, err)
		}
		if elem := storage.ValidElement(key); elem != (valid && !strings.Contains(key, "/")) {
			t.Fatalf("ValidElement(%q) = %v, ValidKey = %v", key, elem, valid)
		}
		if !valid {
			var ke *storage.KeyError
			if !errors.As(err, &ke) || ke.Rule == "" || ke.Key != key || !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("CheckKey(%q) = %#v, want a *KeyError with a rule", key, err)
			}
			_ = err.Error()
			return
		}
		if !utf8.ValidString(key) || len(key) > storage.MaxKeyLen {
			t.Fatalf("valid key %q breaks UTF-8 or length", key)
		}
		if !fs.ValidPath(key) {
			t.Fatalf("valid key %q is not an fs.ValidPath", key)
		}
		local := filepath.FromSlash(key)
		if !filepath.IsLocal(local) {
			t.Fatalf("valid key %q is not a local path", key)
		}
		joined := filepath.Join(root, local)
		if !strings.HasPrefix(joined, root+string(os.PathSeparator)) {
			t.Fatalf("valid key %q joined under %q escapes: %q", key, root, joined)
		}
		if rel, err := filepath.Rel(root, joined); err != nil || rel != local {
			t.Fatalf("valid key %q is not clean: Rel = %q, %v", key, rel, err)
		}
		// Every prefix of a valid key ending on a rune boundary is a valid prefix.
		for i := range len(key) + 1 {
			if i == len(key) || utf8.RuneStart(key[i]) {
				if err := storage.CheckPrefix("", key[:i]); err != nil {
					t.Fatalf("CheckPrefix(%q), a prefix of valid key %q, = %v", key[:i], key, err)
				}
			}
		}
	})
}
