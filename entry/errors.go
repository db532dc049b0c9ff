package entry

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ledgersink/ledgersink/internal/problem"
	"github.com/ledgersink/ledgersink/lettering"
)

// A Rule is the stable machine code of a validation rule, such as
// "balanced" or "schema/minLength". Match problems on their Rule or their
// sentinel error, never on their message.
type Rule string

// Rules found while decoding JSON (the structure of the document). The
// embedded JSON Schema checks the same things, except RuleNumber and
// RuleDuplicateKey.
const (
	RuleSyntax       Rule = "json"         // malformed JSON; decoding stops there
	RuleType         Rule = "type"         // a value of the wrong JSON type
	RuleRequired     Rule = "required"     // a missing key, or an empty id or name
	RuleUnknownField Rule = "unknownField" // a key the object does not allow
	RuleNumber       Rule = "number"       // an amount beyond 40 digits or an exponent beyond ±30
	RuleDuplicateKey Rule = "duplicateKey" // a key repeated in one object (the first value stands)
)

// Rules on values, checked by [Entry.Validate] and by the embedded schema.
const (
	RuleDate        Rule = "date"        // not a valid YYYY-MM-DD (or DD-MM-YYYY for comments) calendar date
	RuleJournalCode Rule = "journalCode" // customerReferenceCode is not 2 to 4 ASCII letters or digits
	RuleCurrency    Rule = "currency"    // not an active ISO 4217 code
	RuleLettering   Rule = "lettering"   // lettering shape: none+null, partial+"*code", complete+code
)

// Rules on open enumerations: an unknown value decodes, then is reported
// under one of these rules, which the caller may skip or turn into warnings
// (see [ValidateOptions]). The embedded schema lists the same values.
const (
	RuleJournalType    Rule = "journalType"    // unknown journal type label
	RuleSource         Rule = "source"         // unknown entry source code
	RulePaymentCode    Rule = "paymentCode"    // unknown payment code
	RuleAttachmentType Rule = "attachmentType" // attachment type not URL, File or Base64
)

// Business rules, checked by [Entry.Validate] and by [ValidateJSON]; a JSON
// Schema cannot express them.
const (
	RuleBalanced        Rule = "balanced"        // Σ debit ≠ Σ credit
	RuleAmount          Rule = "amount"          // amount ≠ credit − debit
	RuleDebitCredit     Rule = "debitCredit"     // both debit and credit non-zero
	RuleNegative        Rule = "negative"        // negative debit, credit, section amount or rate
	RuleMovements       Rule = "movements"       // fewer than two movements
	RuleAnalyticsRate   Rule = "analyticsRate"   // an axis's section rates do not sum to 100
	RuleAnalyticsAmount Rule = "analyticsAmount" // an axis's section amounts do not sum to |amount|
	RulePartnerApp      Rule = "thirdParty"      // source API without its partner application (thirdParty)
	RuleBase64          Rule = "base64"          // a Base64 attachment that is not standard base64
	RuleCurrencyRate    Rule = "currencyRate"    // a currency rate that is not positive
	RulePeriod          Rule = "period"          // entry date outside the given scope
)

// Sentinel errors, one per rule, matched with errors.Is on a *FieldError or
// on the *ValidationError holding it. Problems found by the JSON Schema
// itself (rules "schema/<keyword>") carry no sentinel.
var (
	ErrSyntax       = errors.New("entry: malformed JSON")
	ErrType         = errors.New("entry: wrong JSON type")
	ErrRequired     = errors.New("entry: missing required value")
	ErrUnknownField = errors.New("entry: unknown field")
	ErrNumber       = errors.New("entry: amount out of range")
	ErrDuplicateKey = errors.New("entry: repeated key")

	ErrDate        = errors.New("entry: invalid date")
	ErrJournalCode = errors.New("entry: invalid journal code")
	ErrCurrency    = errors.New("entry: unknown currency")
	// ErrLettering wraps lettering.ErrInvalid, so errors.Is(err,
	// lettering.ErrInvalid) also holds.
	ErrLettering = fmt.Errorf("entry: invalid lettering: %w", lettering.ErrInvalid)

	ErrJournalType    = errors.New("entry: unknown journal type")
	ErrSource         = errors.New("entry: unknown entry source")
	ErrPaymentCode    = errors.New("entry: unknown payment code")
	ErrAttachmentType = errors.New("entry: unknown attachment type")

	ErrUnbalanced      = errors.New("entry: unbalanced")
	ErrAmount          = errors.New("entry: amount is not credit minus debit")
	ErrDebitCredit     = errors.New("entry: both debit and credit")
	ErrNegative        = errors.New("entry: negative amount")
	ErrMovements       = errors.New("entry: fewer than two movements")
	ErrAnalyticsRate   = errors.New("entry: analytic rates do not sum to 100")
	ErrAnalyticsAmount = errors.New("entry: analytic amounts do not sum to the line")
	ErrPartnerApp      = errors.New("entry: API source without partner application")
	ErrBase64          = errors.New("entry: invalid base64 attachment")
	ErrCurrencyRate    = errors.New("entry: currency rate not positive")
	ErrPeriod          = errors.New("entry: date outside the period")
)

// ruleInfo describes a rule: its sentinel, and whether the embedded JSON
// Schema checks the same thing (the typed and schema paths must then agree).
type ruleInfo struct {
	err    error
	schema bool
	open   bool // an open enumeration: may be turned into a warning
}

var rules = map[Rule]ruleInfo{
	RuleSyntax:       {ErrSyntax, true, false},
	RuleType:         {ErrType, true, false},
	RuleRequired:     {ErrRequired, true, false},
	RuleUnknownField: {ErrUnknownField, true, false},
	RuleNumber:       {ErrNumber, false, false},
	RuleDuplicateKey: {ErrDuplicateKey, false, false},

	RuleDate:        {ErrDate, true, false},
	RuleJournalCode: {ErrJournalCode, true, false},
	RuleCurrency:    {ErrCurrency, true, false},
	RuleLettering:   {ErrLettering, true, false},

	RuleJournalType:    {ErrJournalType, true, true},
	RuleSource:         {ErrSource, true, true},
	RulePaymentCode:    {ErrPaymentCode, true, true},
	RuleAttachmentType: {ErrAttachmentType, true, true},

	RuleBalanced:        {ErrUnbalanced, false, false},
	RuleAmount:          {ErrAmount, false, false},
	RuleDebitCredit:     {ErrDebitCredit, false, false},
	RuleNegative:        {ErrNegative, false, false},
	RuleMovements:       {ErrMovements, false, false},
	RuleAnalyticsRate:   {ErrAnalyticsRate, false, false},
	RuleAnalyticsAmount: {ErrAnalyticsAmount, false, false},
	RulePartnerApp:      {ErrPartnerApp, false, false},
	RuleBase64:          {ErrBase64, false, false},
	RuleCurrencyRate:    {ErrCurrencyRate, false, false},
	RulePeriod:          {ErrPeriod, false, false},
}

// Rules returns every rule of this package (not the "schema/<keyword>"
// rules), sorted. The caller owns the returned slice.
func Rules() []Rule {
	out := make([]Rule, 0, len(rules))
	for r := range rules {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Err returns the sentinel of rule r: ErrUnbalanced for RuleBalanced, and so
// on; nil for schema rules and unknown codes.
func (r Rule) Err() error { return rules[r].err }

// Open reports whether r is the rule of an open enumeration (RuleJournalType,
// RuleSource, RulePaymentCode, RuleAttachmentType), whose problems
// [ValidateOptions.Warn] can receive instead.
func (r Rule) Open() bool { return rules[r].open }

// A FieldError is one problem in an entry: where (Path, a JSON Pointer
// into the document: "/movements/2/value/amount", "" for the whole entry),
// which Rule, a Message for humans (it may change: never match on it), and
// Err, the rule's sentinel or an error wrapping it (nil for the pure schema
// rules "schema/<keyword>"). Its Error method returns "path: message
// [rule]"; Unwrap returns Err.
type FieldError = problem.Field[Rule]

// A ValidationError lists the problems found in an entry: Fields, sorted by
// Path (segment by segment, array indexes numerically and before names, so
// /movements/2 comes before /movements/10), then Rule, then Message, without
// repeats. Validation and decoding never return a ValidationError without
// problems.
//
// At most [ValidateOptions.MaxProblems] problems are listed (100 by
// default): the first in that order; Omitted counts the others. Its methods:
//
//   - Error returns "entry: N problem(s):" then one line per problem, and
//     "... and K more" when some were omitted;
//   - Unwrap returns the problems, so that errors.Is(err, ErrUnbalanced) and
//     errors.As(err, &fieldErr) look into them (omitted ones included for
//     errors.Is: one per rule);
//   - Has(r) reports whether some problem, listed or omitted, breaks rule r.
type ValidationError = problem.List[Rule]
