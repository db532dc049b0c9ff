// Package jsonptr builds and compares JSON Pointers (RFC 6901), such as
// "/movements/2/value/amount", the paths the SDK uses to locate problems in
// a JSON document.
//
// It is a standard-library-only helper: it imports no package of the SDK.
// Every function is pure and safe for concurrent use.
package jsonptr

import (
	"strconv"
	"strings"
)

// AppendKey appends "/" and the object member name key to ptr, escaping "~"
// as "~0" and "/" as "~1", and returns the extended buffer.
func AppendKey(ptr []byte, key string) []byte {
	ptr = append(ptr, '/')
	plain := true
	for i := 0; i < len(key); i++ {
		if key[i] == '~' || key[i] == '/' {
			plain = false
			break
		}
	}
	if plain {
		return append(ptr, key...)
	}
	for i := 0; i < len(key); i++ {
		switch key[i] {
		case '~':
			ptr = append(ptr, '~', '0')
		case '/':
			ptr = append(ptr, '~', '1')
		default:
			ptr = append(ptr, key[i])
		}
	}
	return ptr
}

// AppendIndex appends "/" and the array index i to ptr.
func AppendIndex(ptr []byte, i int) []byte {
	ptr = append(ptr, '/')
	return strconv.AppendInt(ptr, int64(i), 10)
}

// Key returns ptr extended with the member name key.
func Key(ptr, key string) string { return string(AppendKey([]byte(ptr), key)) }

// Index returns ptr extended with the array index i.
func Index(ptr string, i int) string { return string(AppendIndex([]byte(ptr), i)) }

// Segments splits ptr into its unescaped reference tokens: "" gives none,
// "/a~1b/0" gives ["a/b", "0"]. A pointer that does not start with "/" is
// taken as one token.
func Segments(ptr string) []string {
	if ptr == "" {
		return nil
	}
	ptr = strings.TrimPrefix(ptr, "/")
	segs := strings.Split(ptr, "/")
	for i, s := range segs {
		if strings.Contains(s, "~") {
			segs[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
		}
	}
	return segs
}

// Compare orders two pointers segment by segment and returns -1, 0 or +1.
// Segments that are array indexes (decimal digits without a leading zero)
// compare as numbers and sort before every other segment; other segments
// compare as strings. A pointer sorts before the pointers below it. So
// "/movements/2" < "/movements/10" < "/movements/10/value" <
// "/movements/1a". The order is total and transitive, as sorting needs.
func Compare(a, b string) int {
	// Skip the segments both share: most compared pointers are siblings.
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == len(a) && i == len(b) {
		return 0
	}
	if i = strings.LastIndexByte(a[:i], '/'); i > 0 {
		a, b = a[i:], b[i:]
	}
	for a != "" && b != "" {
		var sa, sb string
		sa, a = next(a)
		sb, b = next(b)
		if c := compareSegment(sa, sb); c != 0 {
			return c
		}
	}
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	}
	return 1
}

// Within reports whether p equals ancestor or lies below it: Within("/a/b",
// "/a") and Within("/a", "/a") are true, Within("/ab", "/a") is false. Every
// pointer lies within "" (the whole document).
func Within(p, ancestor string) bool {
	if !strings.HasPrefix(p, ancestor) {
		return false
	}
	return len(p) == len(ancestor) || p[len(ancestor)] == '/'
}

// next splits the first raw segment off p, which starts with "/" (or not, for
// a malformed pointer).
func next(p string) (seg, rest string) {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

func compareSegment(a, b string) int {
	ia, ib := isIndex(a), isIndex(b)
	switch {
	case ia && ib:
		// Without leading zeros, the longer number is the larger.
		if len(a) != len(b) {
			if len(a) < len(b) {
				return -1
			}
			return 1
		}
	case ia:
		return -1 // indexes first keeps the order transitive
	case ib:
		return 1
	}
	return strings.Compare(a, b)
}

func isIndex(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
