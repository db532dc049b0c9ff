package lettering

import (
	"iter"
	"math"
	"strconv"
)

// FirstCode is the first code of the sequence A, B, ..., Z, AA, AB, ..., ZZ,
// AAA, ... that [NextCode] walks.
const FirstCode = "A"

// The sequence is bijective base 26: the digits are 'A' (1) to 'Z' (26), there
// is no zero, so every positive integer has exactly one code and shorter codes
// come first. It is the order of lettering codes in most French accounting
// software (INDY, ECRCPT); software starting at AAA (LDCompta, Dolibarr) uses
// a suffix of the same sequence.

// ValidCode reports whether code is in the sequence: one or more upper-case
// ASCII letters 'A' to 'Z'. A partial code such as "*AB" is not; pass its
// [Lettering.Base].
func ValidCode(code string) bool {
	if code == "" {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}

// NextCode returns the code that follows code in the sequence: "A" → "B",
// "Z" → "AA", "AZ" → "BA", "ZZ" → "AAA". It has no upper bound. If code is
// not [ValidCode], NextCode returns "" and an [*Error] wrapping [ErrCode].
func NextCode(code string) (string, error) {
	if !ValidCode(code) {
		return "", &Error{Offset: -1, Reason: "code " + strconv.Quote(code) + " is not in the sequence A..Z, AA..ZZ, AAA...", Err: ErrCode}
	}
	b := []byte(code)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 'Z' {
			b[i]++
			return string(b), nil
		}
		b[i] = 'A'
	}
	// Every letter was 'Z': one letter more, all 'A'.
	return "A" + string(b), nil
}

// CodeAt returns the code at position n of the sequence, counting from 0:
// CodeAt(0) is "A", CodeAt(25) "Z", CodeAt(26) "AA", CodeAt(701) "ZZ". A
// negative n returns "" and an [*Error] wrapping [ErrRange]. CodeAt is the
// inverse of [Index].
func CodeAt(n int) (string, error) {
	if n < 0 {
		return "", &Error{Offset: -1, Reason: "negative position " + strconv.Itoa(n), Err: ErrRange}
	}
	var buf [16]byte // 26^14 > MaxInt64, so 14 letters are enough
	i := len(buf)
	m := uint64(n) + 1
	for m > 0 {
		m--
		i--
		buf[i] = byte('A' + m%26)
		m /= 26
	}
	return string(buf[i:]), nil
}

// Index returns the position of code in the sequence, counting from 0:
// Index("A") is 0, Index("AA") 26. A code that is not [ValidCode] returns an
// [*Error] wrapping [ErrCode]; a code whose position does not fit in an int
// (14 letters or more, depending on the letters) one wrapping [ErrRange].
func Index(code string) (int, error) {
	if !ValidCode(code) {
		return 0, &Error{Offset: -1, Reason: "code " + strconv.Quote(code) + " is not in the sequence A..Z, AA..ZZ, AAA...", Err: ErrCode}
	}
	const limit = uint64(math.MaxInt) + 1 // the value of the last code that fits
	var n uint64                          // bijective value, 1 for "A"
	for i := 0; i < len(code); i++ {
		d := uint64(code[i]-'A') + 1
		if n > (limit-d)/26 { // n*26+d would exceed limit
			return 0, &Error{Offset: -1, Reason: "code " + strconv.Quote(code) + " is too long to number", Err: ErrRange}
		}
		n = n*26 + d
	}
	return int(n - 1), nil
}

// Less reports whether code a comes before code b in the sequence: shorter
// codes first, then alphabetical order. It orders any strings that way, but is
// meant for [ValidCode] codes.
func Less(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// NextUnused returns the code that follows the highest sequence code in used,
// or [FirstCode] when used holds none, following the usual rule that a new
// lettering in an account takes the highest code of that account plus one.
// Partial codes count by their base ("*AB" counts as "AB"); codes outside the
// sequence (lower case, digits, "" for none) are ignored. used is read once;
// it may be nil.
func NextUnused(used iter.Seq[string]) string {
	high := ""
	if used != nil {
		for c := range used {
			if len(c) > 1 && c[0] == '*' {
				c = c[1:]
			}
			if ValidCode(c) && (high == "" || Less(high, c)) {
				high = c
			}
		}
	}
	if high == "" {
		return FirstCode
	}
	next, _ := NextCode(high) // high is valid: no error
	return next
}
