package storage

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the key rules.
const (
	// MaxKeyLen is the longest valid key, in bytes (as for S3 and Azure).
	MaxKeyLen = 1024
	// MaxElementLen is the longest valid key element (the text between two
	// slashes), in bytes: the NAME_MAX of common file systems, so that a
	// key valid on one store is valid on every store.
	MaxElementLen = 255
)

// Rules broken by an invalid key, as reported in [KeyError.Rule]. The values
// are stable machine codes; match on them, never on error messages.
const (
	RuleEmpty         = "empty"          // the key is ""
	RuleLength        = "length"         // longer than MaxKeyLen bytes
	RuleUTF8          = "utf8"           // not valid UTF-8
	RuleControl       = "control"        // a control character: U+0000–U+001F, U+007F or U+0080–U+009F
	RuleBackslash     = "backslash"      // a backslash, a path separator on Windows
	RuleLeadingSlash  = "leading-slash"  // starts with "/": an absolute path
	RuleTrailingSlash = "trailing-slash" // ends with "/": a directory, not an object
	RuleEmptyElement  = "empty-element"  // "a//b"
	RuleDotElement    = "dot-element"    // an element "." or "..": "a/../b"
	RuleElementLength = "element-length" // an element longer than MaxElementLen bytes
	RuleDuplicate     = "duplicate"      // a key repeated within one batch (see CheckBatch)
	RuleReserved      = "reserved"       // a name a store reserves for itself, as its documentation says
)

var ruleText = map[string]string{
	RuleEmpty:         "empty key",
	RuleLength:        "longer than " + strconv.Itoa(MaxKeyLen) + " bytes",
	RuleUTF8:          "not valid UTF-8",
	RuleControl:       "contains a control character",
	RuleBackslash:     "contains a backslash",
	RuleLeadingSlash:  "starts with a slash",
	RuleTrailingSlash: "ends with a slash",
	RuleEmptyElement:  "contains an empty element",
	RuleDotElement:    `contains a "." or ".." element`,
	RuleElementLength: "has an element longer than " + strconv.Itoa(MaxElementLen) + " bytes",
	RuleDuplicate:     "repeated in the batch",
	RuleReserved:      "uses a name reserved by the store",
}

// KeyError records an error and the operation and key that caused it, like
// [io/fs.PathError] does for paths. Stores return it for invalid keys (then
// Rule is set and Err is [ErrInvalidKey]) and may return it to add the key to
// any other error, such as [ErrNotExist] or [ErrExist].
type KeyError struct {
	Op   string // the operation: "put", "get", "list", "delete", "putbatch", or ""
	Key  string // the key, or the List prefix, as the caller gave it
	Rule string // the key rule broken (a Rule constant), "" if the key is valid
	Err  error  // the cause; never nil
}

// Error returns the operation, the quoted key (shortened past 256 bytes), the
// cause and, for an invalid key, the rule broken.
func (e *KeyError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteByte(' ')
	}
	k := e.Key
	if len(k) > 256 {
		k = k[:256]
		b.WriteString(strconv.Quote(k))
		b.WriteString("...")
	} else {
		b.WriteString(strconv.Quote(k))
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("<nil>")
	}
	if e.Rule != "" {
		b.WriteString(": ")
		if t, ok := ruleText[e.Rule]; ok {
			b.WriteString(t)
			b.WriteByte(' ')
		}
		b.WriteString("[")
		b.WriteString(e.Rule)
		b.WriteByte(']')
	}
	return b.String()
}

// Unwrap returns e.Err, so errors.Is(err, ErrInvalidKey) works.
func (e *KeyError) Unwrap() error { return e.Err }

// ValidKey reports whether key is a valid object key; see [CheckKey] for the
// rules.
func ValidKey(key string) bool { return checkKey(key, false) == "" }

// ValidElement reports whether s is a valid key of a single element: a valid
// key without a slash, which names one directory or one object (an entity
// id, a batch id, a state directory).
func ValidElement(s string) bool {
	return strings.IndexByte(s, '/') < 0 && checkKey(s, false) == ""
}

// CheckKey returns nil if key is a valid object key, and otherwise a
// *KeyError matching [ErrInvalidKey] whose Op is op (the operation the key
// was given to, such as "put", or "") and whose Rule names the rule broken
// (the first in the order below). Stores return its error as it is.
//
// A valid key:
//   - is not empty and is at most [MaxKeyLen] bytes long;
//   - is valid UTF-8 and holds no control character: no C0 control
//     (U+0000–U+001F, NUL included), no DEL (U+007F), no C1 control
//     (U+0080–U+009F): they are invisible, break terminals and logs, and
//     several file systems refuse them;
//   - holds no backslash, a path separator on Windows;
//   - is a sequence of elements separated by single slashes, with no leading
//     or trailing slash, no empty element, no "." or ".." element, and no
//     element longer than [MaxElementLen] bytes.
//
// Keys are case-sensitive and compared byte by byte; they are not
// normalized (Unicode NFC and NFD spellings are different keys). Spaces,
// dots inside names ("a/.b", "a/b..c", "a/..."), and any other printable
// character are allowed. Every valid key is also an [io/fs.ValidPath], and
// filepath.FromSlash of a valid key is a local path ([path/filepath.IsLocal])
// on Unix; so a key joined under a directory never leaves it, symbolic links
// aside. The SDK itself generates keys from [a-z0-9._/-] only.
func CheckKey(op, key string) error {
	if rule := checkKey(key, false); rule != "" {
		return &KeyError{Op: op, Key: key, Rule: rule, Err: ErrInvalidKey}
	}
	return nil
}

// CheckKeyUnder is [CheckKey] for a store that writes its keys under
// prefix (a cloud store's key prefix): it also fails, with the rule
// RuleLength, when prefix+key is longer than MaxKeyLen, the services' own
// limit on names.
func CheckKeyUnder(op, prefix, key string) error {
	if err := CheckKey(op, key); err != nil {
		return err
	}
	if len(prefix)+len(key) > MaxKeyLen {
		return &KeyError{Op: op, Key: key, Rule: RuleLength, Err: ErrInvalidKey}
	}
	return nil
}

// CheckPrefix returns nil if prefix can start a valid key, the condition
// [Store.List] puts on its prefix, and otherwise a *KeyError naming op
// (as for [CheckKey]) and matching [ErrInvalidKey]. The empty prefix is
// valid. Otherwise the rules of [CheckKey] apply, except that the last
// element may be empty, "." or ".." (it may be the start of a longer name):
// "a/", "a/b", "a/." and "a/.." are valid prefixes; "/a", "a//", "a/../b"
// and "a\\b" are not. A prefix that ends inside a multi-byte UTF-8 sequence
// is invalid.
func CheckPrefix(op, prefix string) error {
	if prefix == "" {
		return nil
	}
	if rule := checkKey(prefix, true); rule != "" {
		return &KeyError{Op: op, Key: prefix, Rule: rule, Err: ErrInvalidKey}
	}
	return nil
}

// asciiRun returns the length of the longest prefix of key, rounded down
// to eight bytes, made of printable ASCII other than the backslash: the
// bytes the rules of checkKey let through one by one. It tests eight bytes
// at a time: a word holds none of the others when none is below 0x20, none
// is 0x7f or has its high bit set, and none is a backslash; a word the
// tests flag (a borrow may flag a clean one) is left to the byte loop.
func asciiRun(key string) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(key); i += 8 {
		x := uint64(key[i]) | uint64(key[i+1])<<8 | uint64(key[i+2])<<16 | uint64(key[i+3])<<24 |
			uint64(key[i+4])<<32 | uint64(key[i+5])<<40 | uint64(key[i+6])<<48 | uint64(key[i+7])<<56
		del, backslash := x^(ones*0x7f), x^(ones*'\\')
		if ((x-ones*0x20)|x|(del-ones)&^del|(backslash-ones)&^backslash)&highs != 0 {
			break
		}
	}
	return i
}

// checkKey returns the first rule key breaks, or "". With prefix, the last
// element is exempt from the empty and dot rules.
func checkKey(key string, prefix bool) string {
	if key == "" {
		return RuleEmpty
	}
	if len(key) > MaxKeyLen {
		return RuleLength
	}
	backslash := false
	for i := asciiRun(key); i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			switch {
			case c < 0x20 || c == 0x7f:
				return RuleControl
			case c == '\\':
				backslash = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(key[i:])
		if r == utf8.RuneError && size == 1 {
			return RuleUTF8
		}
		if r >= 0x80 && r <= 0x9f {
			return RuleControl
		}
		i += size
	}
	if backslash {
		return RuleBackslash
	}
	if key[0] == '/' {
		return RuleLeadingSlash
	}
	if !prefix && key[len(key)-1] == '/' {
		return RuleTrailingSlash
	}
	rest := key
	for {
		elem, tail, more := strings.Cut(rest, "/")
		last := !more
		if len(elem) > MaxElementLen {
			return RuleElementLength
		}
		if !(prefix && last) {
			switch elem {
			case "":
				return RuleEmptyElement
			case ".", "..":
				return RuleDotElement
			}
		}
		if last {
			return ""
		}
		rest = tail
	}
}
