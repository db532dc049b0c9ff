package lettering_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/ledgersink/ledgersink/lettering"
	"github.com/shopspring/decimal"
)

// Lettering an invoice and its payments: the first code of the account, a
// partial lettering while payments fall short, a complete one once the group
// sums to zero, and the wire form of each.
func Example_lettering() {
	invoice := decimal.RequireFromString("-1200.00") // debit 1200 on 411: amount = credit - debit
	first := decimal.RequireFromString("700")
	second := decimal.RequireFromString("500.00")

	// The account already uses A..Z and "*AA": the next code is AB.
	used := []string{"A", "Z", "*AA"}
	code := lettering.NextUnused(slices.Values(used))

	l, _ := lettering.Apply(code, []decimal.Decimal{invoice, first})
	out, _ := json.Marshal(l)
	fmt.Println(l.State(), l.Code(), string(out))

	l, _ = lettering.Apply(code, []decimal.Decimal{invoice, first, second})
	out, _ = json.Marshal(l)
	fmt.Println(l.State(), l.Code(), string(out))

	out, _ = json.Marshal(lettering.None())
	fmt.Println(string(out))
	// Output:
	// partial *AB {"state":"partial","value":"*AB"}
	// complete AB {"state":"complete","value":"AB"}
	// {"state":"none","value":null}
}

func ExampleNextCode() {
	for _, code := range []string{"A", "Z", "AZ", "ZZ"} {
		next, _ := lettering.NextCode(code)
		fmt.Printf("%s → %s\n", code, next)
	}
	_, err := lettering.NextCode("*A")
	fmt.Println(errors.Is(err, lettering.ErrCode))
	// Output:
	// A → B
	// Z → AA
	// AZ → BA
	// ZZ → AAA
	// true
}

func ExampleCodeAt() {
	for _, n := range []int{0, 25, 26, 701, 702} {
		code, _ := lettering.CodeAt(n)
		i, _ := lettering.Index(code)
		fmt.Println(n, code, i)
	}
	// Output:
	// 0 A 0
	// 25 Z 25
	// 26 AA 26
	// 701 ZZ 701
	// 702 AAA 702
}

func ExampleMatch() {
	fmt.Println(lettering.Match([]decimal.Decimal{
		decimal.RequireFromString("-100.00"), decimal.RequireFromString("100"),
	}))
	fmt.Println(lettering.Match([]decimal.Decimal{
		decimal.RequireFromString("-100.00"), decimal.RequireFromString("99.99"),
	}))
	fmt.Println(lettering.Match(nil))
	// Output:
	// complete
	// partial
	// none
}

func ExampleLettering_UnmarshalJSON() {
	for _, doc := range []string{
		`{"state":"partial","value":"*B"}`,
		`{"state":"partial","value":"B"}`,
		`{"state":"none","value":"B"}`,
		`{"state":"none","value":null,"extra":true}`,
	} {
		var l lettering.Lettering
		if err := json.Unmarshal([]byte(doc), &l); err != nil {
			fmt.Println("error:", err, errors.Is(err, lettering.ErrInvalid))
			continue
		}
		fmt.Println(l)
	}
	// Output:
	// partial *B
	// error: lettering: value: partial code does not start with "*" (offset 27) true
	// error: lettering: value: state "none" needs a null value (offset 24) true
	// error: lettering: extra: unknown member "extra", want only "state" and "value" (offset 29) true
}

func ExampleCompileSchema() {
	schema, err := lettering.CompileSchema()
	if err != nil {
		panic(err) // only a broken build of the package gets here
	}
	for _, doc := range []string{`{"state":"complete","value":"A"}`, `{"state":"complete","value":null}`} {
		var v any
		_ = json.Unmarshal([]byte(doc), &v)
		fmt.Println(schema.Validate(v) == nil)
	}
	// Output:
	// true
	// false
}

// A partial group grows as payments arrive: lines already lettered under the
// same code may join, lines under another code may not.
func ExampleLetter() {
	invoice := lettering.Line{Amount: decimal.RequireFromString("-1200.00")}
	payment1 := lettering.Line{Amount: decimal.RequireFromString("700")}

	l, _ := lettering.Letter("AB", []lettering.Line{invoice, payment1})
	fmt.Println(l)

	invoice.Lettering, payment1.Lettering = l, l
	payment2 := lettering.Line{Amount: decimal.RequireFromString("500")}
	l, _ = lettering.Letter("AB", []lettering.Line{invoice, payment1, payment2})
	fmt.Println(l)

	other, _ := lettering.Complete("C")
	_, err := lettering.Letter("AB", []lettering.Line{{Lettering: other, Amount: decimal.RequireFromString("5")}})
	fmt.Println(errors.Is(err, lettering.ErrAlreadyLettered))
	// Output:
	// partial *AB
	// complete AB
	// true
}

func ExampleCheckGroups() {
	a, _ := lettering.Complete("A")
	b, _ := lettering.Partial("*B")
	err := lettering.CheckGroups([]lettering.Line{
		{Lettering: a, Amount: decimal.RequireFromString("-100")},
		{Lettering: a, Amount: decimal.RequireFromString("99.99")},
		{Lettering: b, Amount: decimal.RequireFromString("-40")},
		{Lettering: b, Amount: decimal.RequireFromString("40")},
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, lettering.ErrUnbalancedGroup), errors.Is(err, lettering.ErrBalancedPartial))
	// Output:
	// lettering: 2 problems:
	// 	/0: group A (lines 0, 1): complete, but its lines sum to -0.01 [unbalancedGroup]
	// 	/2: group B (lines 2, 3): partial, but its lines sum to zero [balancedPartial]
	// true true
}
