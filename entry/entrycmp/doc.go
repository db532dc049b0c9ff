// Package entrycmp provides go-cmp options for comparing [entry.Entry]
// values in tests of accounting transforms, in the manner of cmpopts.
//
// Without any option, cmp.Diff already compares amounts by value: go-cmp
// calls decimal.Decimal's Equal method, so 1.50 equals 1.5, and a
// lettering.Lettering through its Equal method. The options refine that:
//
//   - [Options]: the recommended bundle, [IgnoreVolatile] and [EquateEmpty];
//   - [IgnoreVolatile]: ignore the fields the producing system stamps at
//     storage or validation time;
//   - [SortMovements]: compare movements as a multiset, when their order
//     does not matter;
//   - [EquateEmpty]: a nil slice or map equals an empty one;
//   - [ExactDecimals]: amounts must also have the same exponent (1.50 is not
//     1.5), as export formats that keep digits need.
//
// Each function returns a new cmp.Option; they compose with cmp.Options.
// The convention for test failures is
//
//	if diff := cmp.Diff(want, got, entrycmp.Options()); diff != "" {
//		t.Errorf("Transform() mismatch (-want +got):\n%s", diff)
//	}
//
// Never compare the text of a diff with a golden file: go-cmp does not keep
// it stable.
//
// Like go-cmp itself, this package is meant for tests only.
package entrycmp
