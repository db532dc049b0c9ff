// Package lettering models the lettering (lettrage) of accounting movements:
// the code shared by the lines of an account that offset each other, such as
// an invoice and the payments that settle it.
//
// # Values
//
// A [Lettering] is one of three states ([State]), written on the wire as in
// MyUnisoft's entry model:
//
//	{"state":"none","value":null}        None()            not lettered
//	{"state":"partial","value":"*AB"}    Partial("*AB")    group does not balance yet
//	{"state":"complete","value":"AB"}    Complete("AB")    group sums to zero
//
// The zero Lettering is [None]. The constructors [Complete] and [Partial]
// and the decoder [Lettering.UnmarshalJSON] enforce the rules, so every
// Lettering value is valid; it is comparable with == and [Lettering.Equal]
// (which go-cmp uses).
//
// # Decoding
//
// [Lettering.UnmarshalJSON] is a hand-written decoder of the two-member
// object, since it runs for every movement of every entry: it allocates
// nothing but the code string and runs about ten times faster than
// json.Unmarshal into a plain struct (see BenchmarkUnmarshalJSON). It
// accepts what the JSON Schema ([Schema]) accepts and nothing else, except
// for a few documented tightenings (an empty or '*'-prefixed complete code, a
// bare "*" partial code, control characters, invalid UTF-8, repeated
// members), which it rejects too. Tests and a fuzz target check that the two
// agree.
//
// # Schema
//
// [Schema] returns MyUnisoft's published JSON Schema with one fix: the
// published version
// rejects every document (see [Schema]). [CompileSchema] compiles it without
// loading any URL; callers cache the result:
//
//	var letteringSchema = sync.OnceValues(lettering.CompileSchema)
//
// # Codes
//
// Codes run A, B, ..., Z, AA, AB, ..., ZZ, AAA, ... ([FirstCode], [NextCode],
// [CodeAt], [Index], [Less], [ValidCode]). [NextUnused] gives an account's
// next code: the highest one in use plus one. Letterings keep any other code
// too (lower case, digits), so data from other software round-trips.
//
// # Matching
//
// [Match] tells whether a group of lines lettered together is complete (its
// amounts sum to exactly zero, in decimal arithmetic) or partial; [Apply]
// returns the Lettering each line of the group gets:
//
//	l, err := lettering.Apply("AB", []decimal.Decimal{invoice, payment})
//	// l is Complete("AB") when invoice+payment == 0, Partial("*AB") otherwise
//
// [Letter] does the same for lines that may already be lettered: a partial
// group grows as payments arrive, and a line lettered under another code is
// refused ([ErrAlreadyLettered]). [CheckGroups] checks all the lettered lines
// of an account: one state per group, complete groups summing to zero,
// partial groups not.
//
// Checking that the lines of a group share an account and a currency is the
// caller's business: this package knows no entry, account or ledger.
//
// # Errors
//
// Every rejected value or code gives an [*Error] holding the member, the
// byte offset (for JSON) and a sentinel: [ErrSyntax], [ErrField],
// [ErrState], [ErrCode] or [ErrRange], all of which wrap [ErrInvalid].
// [Apply] and [Letter] also return [ErrEmptyGroup], and Letter
// [ErrAlreadyLettered]. [CheckGroups] returns a [*CheckError] listing a
// [*GroupError] per inconsistent group, located by the index of its first
// line ([ErrMixedGroup], [ErrUnbalancedGroup], [ErrBalancedPartial]). Those
// sentinels describe the data, not a malformed value, and do not wrap
// ErrInvalid.
//
// # Concurrency
//
// Letterings are immutable values and every function is safe for concurrent
// use. The package holds no mutable global state.
package lettering
