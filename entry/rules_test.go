package entry

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/period"
)

type pathRule struct {
	Path string
	Rule Rule
}

func problems(err error) []pathRule {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := make([]pathRule, len(ve.Fields))
	for i, f := range ve.Fields {
		out[i] = pathRule{f.Path, f.Rule}
	}
	return out
}

// seedDoc returns the seed's entry as a generic JSON tree to mutate.
func seedDoc(t testing.TB) map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func obj(v any, keys ...any) map[string]any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v.(map[string]any)
}

func mov(m map[string]any, i int) map[string]any { return obj(m, "movements", i) }

// A mutation breaks the seed in one way; want lists the problems of the
// typed path (Parse).
type mutation struct {
	name   string
	mutate func(m map[string]any)
	raw    string // used instead of mutate when set
	want   []pathRule
	reason string
}

var mutations = []mutation{
	{name: "valid seed", mutate: func(map[string]any) {}},
	{name: "malformed JSON", raw: `{"producerId": "1",`, want: []pathRule{{"", RuleSyntax}}},
	{name: "not an object", raw: `[1]`, want: []pathRule{{"", RuleType}}},
	{name: "null document", raw: `null`, want: []pathRule{{"", RuleType}}},
	{
		name: "unbalanced",
		mutate: func(m map[string]any) {
			obj(mov(m, 1), "value")["debit"] = 1100
			obj(mov(m, 1), "value")["amount"] = -1100
		},
		want: []pathRule{{"/movements", RuleBalanced}},
	},
	{
		name:   "amount is not credit minus debit",
		mutate: func(m map[string]any) { obj(mov(m, 1), "value")["amount"] = 1200 },
		want:   []pathRule{{"/movements/1/value/amount", RuleAmount}},
	},
	{
		name: "both debit and credit",
		mutate: func(m map[string]any) {
			v := obj(mov(m, 1), "value")
			v["credit"], v["debit"], v["amount"] = 100, 1300, -1200
		},
		want: []pathRule{{"/movements/1/value", RuleDebitCredit}},
	},
	{
		name: "negative debit",
		mutate: func(m map[string]any) {
			v := obj(mov(m, 1), "value")
			v["credit"], v["debit"], v["amount"] = 0, -1200, 1200
		},
		want:   []pathRule{{"/movements", RuleBalanced}, {"/movements/1/value/debit", RuleNegative}},
		reason: "a negative debit also unbalances the entry",
	},
	{
		name:   "one movement",
		mutate: func(m map[string]any) { m["movements"] = m["movements"].([]any)[:1] },
		want:   []pathRule{{"/movements", RuleBalanced}, {"/movements", RuleMovements}},
	},
	{
		name:   "invalid calendar date",
		mutate: func(m map[string]any) { m["date"] = "2023-02-29" },
		want:   []pathRule{{"/date", RuleDate}},
	},
	{
		name:   "date in another format",
		mutate: func(m map[string]any) { m["dueDate"] = "01/02/2023" },
		want:   []pathRule{{"/dueDate", RuleDate}},
	},
	{
		name:   "movement due date",
		mutate: func(m map[string]any) { mov(m, 0)["dueDate"] = "2023-13-01" },
		want:   []pathRule{{"/movements/0/dueDate", RuleDate}},
	},
	{
		name:   "accountedAt",
		mutate: func(m map[string]any) { obj(m, "additionalProducerProperties")["accountedAt"] = "2023-1-20" },
		want:   []pathRule{{"/additionalProducerProperties/accountedAt", RuleDate}},
	},
	{
		name:   "unknown currency",
		mutate: func(m map[string]any) { obj(m, "currency")["code"] = "EURO" },
		want:   []pathRule{{"/currency/code", RuleCurrency}},
	},
	{
		name:   "lower-case currency",
		mutate: func(m map[string]any) { obj(m, "currency")["code"] = "eur" },
		want:   []pathRule{{"/currency/code", RuleCurrency}},
	},
	{
		name:   "analytics rates",
		mutate: func(m map[string]any) { obj(mov(m, 0), "analytics", 0, "sections", 0)["rate"] = 90 },
		want:   []pathRule{{"/movements/0/analytics/0/sections", RuleAnalyticsRate}},
	},
	{
		name:   "analytics amounts",
		mutate: func(m map[string]any) { obj(mov(m, 0), "analytics", 0, "sections", 0)["amount"] = 1199.99 },
		want:   []pathRule{{"/movements/0/analytics/0/sections", RuleAnalyticsAmount}},
	},
	{
		name: "lettering partial without star",
		mutate: func(m map[string]any) {
			mov(m, 0)["lettering"] = map[string]any{"state": "partial", "value": "AB"}
		},
		want: []pathRule{{"/movements/0/lettering", RuleLettering}},
	},
	{
		name:   "lettering none with a code",
		mutate: func(m map[string]any) { mov(m, 0)["lettering"] = map[string]any{"state": "none", "value": "AB"} },
		want:   []pathRule{{"/movements/0/lettering", RuleLettering}},
	},
	{
		name:   "lettering unknown state",
		mutate: func(m map[string]any) { mov(m, 0)["lettering"] = map[string]any{"state": "done", "value": "AB"} },
		want:   []pathRule{{"/movements/0/lettering", RuleLettering}},
	},
	{
		name:   "lettering extra key",
		mutate: func(m map[string]any) { mov(m, 0)["lettering"] = map[string]any{"state": "none", "value": nil, "x": 1} },
		want:   []pathRule{{"/movements/0/lettering", RuleLettering}},
	},
	{
		name:   "missing movement value",
		mutate: func(m map[string]any) { delete(mov(m, 0), "value") },
		want: []pathRule{
			{"/movements", RuleBalanced},
			{"/movements/0/analytics/0/sections", RuleAnalyticsAmount},
			{"/movements/0/value", RuleRequired},
		},
		reason: "the missing value reads as zero, so the business rules see its consequences",
	},
	{
		name:   "missing entry producerId",
		mutate: func(m map[string]any) { delete(m, "producerId") },
		want:   []pathRule{{"/producerId", RuleRequired}},
	},
	{
		name:   "empty entry producerId",
		mutate: func(m map[string]any) { m["producerId"] = "" },
		want:   []pathRule{{"/producerId", RuleRequired}},
	},
	{
		name:   "missing attachments",
		mutate: func(m map[string]any) { delete(m, "attachments") },
		want:   []pathRule{{"/attachments", RuleRequired}},
	},
	{
		name:   "missing journal name",
		mutate: func(m map[string]any) { delete(obj(m, "journal"), "name") },
		want:   []pathRule{{"/journal/name", RuleRequired}},
	},
	{
		name:   "amount as a string",
		mutate: func(m map[string]any) { obj(mov(m, 0), "value")["credit"] = "1200" },
		want: []pathRule{
			{"/movements", RuleBalanced},
			{"/movements/0/value/amount", RuleAmount},
			{"/movements/0/value/credit", RuleType},
		},
	},
	{
		name:   "producerId as a number",
		mutate: func(m map[string]any) { mov(m, 1)["producerId"] = 43221798 },
		want:   []pathRule{{"/movements/1/producerId", RuleType}},
	},
	{
		name:   "description null",
		mutate: func(m map[string]any) { mov(m, 1)["description"] = nil },
		want:   []pathRule{{"/movements/1/description", RuleType}},
	},
	{
		name:   "unknown entry key",
		mutate: func(m map[string]any) { m["extra"] = true },
		want:   []pathRule{{"/extra", RuleUnknownField}},
	},
	{
		name:   "unknown movement key",
		mutate: func(m map[string]any) { mov(m, 0)["sections"] = []any{} },
		want:   []pathRule{{"/movements/0/sections", RuleUnknownField}},
	},
	{
		name:   "unknown key in an open object",
		mutate: func(m map[string]any) { obj(m, "journal")["locked"] = false },
		reason: "the journal object allows other keys, as the producer's schema does",
	},
	{
		name:   "journal code too long",
		mutate: func(m map[string]any) { obj(m, "journal")["customerReferenceCode"] = "ACHAT" },
		want:   []pathRule{{"/journal/customerReferenceCode", RuleJournalCode}},
	},
	{
		name:   "unknown journal type",
		mutate: func(m map[string]any) { obj(m, "journal")["type"] = "Achats" },
		want:   []pathRule{{"/journal/type", RuleJournalType}},
	},
	{
		name:   "journal type variant",
		mutate: func(m map[string]any) { obj(m, "journal")["type"] = "A Nouveaux" },
	},
	{
		name:   "unknown source",
		mutate: func(m map[string]any) { obj(m, "additionalProducerProperties", "source")["name"] = "ZAPIER" },
		want:   []pathRule{{"/additionalProducerProperties/source/name", RuleSource}},
	},
	{
		name:   "API source without partner application",
		mutate: func(m map[string]any) { obj(m, "additionalProducerProperties", "source")["thirdParty"] = nil },
		want:   []pathRule{{"/additionalProducerProperties/source/thirdParty", RulePartnerApp}},
	},
	{
		name: "unknown payment code",
		mutate: func(m map[string]any) {
			mov(m, 0)["payment"] = map[string]any{"producerId": "9", "name": "Crypto", "code": "BTC"}
		},
		want: []pathRule{{"/movements/0/payment/code", RulePaymentCode}},
	},
	{
		name: "unknown attachment type",
		mutate: func(m map[string]any) {
			obj(m, "attachments", "document.pdf")["type"] = "Link"
		},
		want: []pathRule{{"/attachments/document.pdf/type", RuleAttachmentType}},
	},
	{
		name: "attachment without value",
		mutate: func(m map[string]any) {
			delete(obj(m, "attachments", "document.pdf"), "value")
		},
		want: []pathRule{{"/attachments/document.pdf/value", RuleRequired}},
	},
	{
		name: "bad base64",
		mutate: func(m map[string]any) {
			obj(m, "attachments")["a/b.txt"] = map[string]any{"type": "Base64", "value": "not base64!"}
		},
		want: []pathRule{{"/attachments/a~1b.txt/value", RuleBase64}},
	},
	{
		name: "empty attachment name",
		mutate: func(m map[string]any) {
			obj(m, "attachments")[""] = map[string]any{"type": "URL", "value": "https://example.com"}
		},
		want: []pathRule{{"/attachments/", RuleRequired}},
	},
	{
		name:   "currency rate zero",
		mutate: func(m map[string]any) { obj(m, "currency")["rate"] = 0 },
		want:   []pathRule{{"/currency/rate", RuleCurrencyRate}},
	},
	{
		name:   "amount out of range",
		mutate: func(m map[string]any) { obj(mov(m, 0), "analytics", 0, "sections", 0)["rate"] = 1e40 },
		want:   []pathRule{{"/movements/0/analytics/0/sections", RuleAnalyticsRate}, {"/movements/0/analytics/0/sections/0/rate", RuleNumber}},
	},
	{
		name:   "createdAt not an integer",
		mutate: func(m map[string]any) { obj(m, "additionalProducerProperties")["createdAt"] = 17098524.5 },
		want:   []pathRule{{"/additionalProducerProperties/createdAt", RuleType}},
	},
	{
		name: "comment date",
		mutate: func(m map[string]any) {
			obj(m, "additionalProducerProperties")["comments"] = []any{map[string]any{
				"date": "2024-12-31", "comment": "x", "user": map[string]any{"producerId": "1", "firstName": "A", "lastName": "B"}}}
		},
		want: []pathRule{{"/additionalProducerProperties/comments/0/date", RuleDate}},
	},
	{
		name:   "missing partnerMetadata",
		mutate: func(m map[string]any) { delete(obj(m, "additionalProducerProperties"), "partnerMetadata") },
		want:   []pathRule{{"/additionalProducerProperties/partnerMetadata", RuleRequired}},
	},
	{
		name:   "account without producerId",
		mutate: func(m map[string]any) { delete(obj(mov(m, 0), "account"), "producerId") },
		want:   []pathRule{{"/movements/0/account/producerId", RuleRequired}},
	},
	{
		name:   "movements not an array",
		mutate: func(m map[string]any) { m["movements"] = map[string]any{} },
		want:   []pathRule{{"/movements", RuleType}},
		reason: "rules on the movements are not checked where the movements could not be decoded",
	},
}

func (mu mutation) doc(t testing.TB) []byte {
	if mu.raw != "" {
		return []byte(mu.raw)
	}
	m := seedDoc(t)
	mu.mutate(m)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestRules checks, for each mutation of the seed, the exact problems of the
// typed path, their sentinels and their order.
func TestRules(t *testing.T) {
	for _, tt := range mutations {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc(t), nil)
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Parse problems mismatch (-want +got):\n%s\nreason: %s\nerr: %v", diff, tt.reason, err)
			}
			if err == nil {
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err is %T, want *ValidationError", err)
			}
			for _, f := range ve.Fields {
				if !errors.Is(err, f.Rule.Err()) || !errors.Is(f, f.Rule.Err()) {
					t.Errorf("errors.Is(err, %v) is false for rule %s", f.Rule.Err(), f.Rule)
				}
			}
		})
	}
}

// TestSchemaAgreement runs both paths over every fixture and every mutation
// and checks they agree on valid/invalid: the schema alone, against the
// typed path restricted to the rules the schema also checks.
func TestSchemaAgreement(t *testing.T) {
	type doc struct {
		name string
		data []byte
	}
	var docs []doc
	names, _ := os.ReadDir("testdata")
	for _, n := range names {
		if n.IsDir() || slices.Contains([]string{".golden.json"}, n.Name()) {
			continue
		}
		data, err := os.ReadFile("testdata/" + n.Name())
		if err != nil {
			t.Fatal(err)
		}
		if json.Valid(data) {
			docs = append(docs, doc{n.Name(), data})
		}
	}
	for _, mu := range mutations {
		docs = append(docs, doc{mu.name, mu.doc(t)})
	}
	var business []Rule
	for r, info := range rules {
		if !info.schema {
			business = append(business, r)
		}
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			_, typedErr := Parse(d.data, &ValidateOptions{Skip: business})
			schema, err := schemaProblems(d.data)
			if err != nil {
				t.Fatal(err)
			}
			if (typedErr != nil) != (len(schema) > 0) {
				t.Errorf("typed path: %v\nschema path: %d problems %v", typedErr, len(schema), schemaList(schema))
			}
		})
	}
}

func schemaList(fs []*FieldError) []pathRule {
	out := make([]pathRule, len(fs))
	for i, f := range fs {
		out[i] = pathRule{f.Path, f.Rule}
	}
	return out
}

func TestValidateJSON(t *testing.T) {
	for _, mu := range mutations {
		t.Run(mu.name, func(t *testing.T) {
			err := ValidateJSON(mu.doc(t), nil)
			if (err == nil) != (len(mu.want) == 0) {
				t.Errorf("ValidateJSON = %v, want valid=%v", err, len(mu.want) == 0)
			}
			// Business rules are reported by both paths with the same path.
			for _, p := range mu.want {
				if rules[p.Rule].schema || p.Rule == RuleNumber {
					continue
				}
				if !slices.Contains(problems(err), p) {
					t.Errorf("ValidateJSON lacks %v: %v", p, err)
				}
			}
		})
	}
}

func TestSkipAndWarn(t *testing.T) {
	m := seedDoc(t)
	obj(m, "journal")["type"] = "Achats"
	obj(m, "additionalProducerProperties", "source")["name"] = "ZAPIER"
	obj(mov(m, 1), "value")["amount"] = 0
	data, _ := json.Marshal(m)

	var warned []pathRule
	opts := &ValidateOptions{
		Skip: []Rule{RuleAmount},
		Warn: func(f *FieldError) { warned = append(warned, pathRule{f.Path, f.Rule}) },
	}
	for name, validate := range map[string]func() error{
		"Parse":        func() error { _, err := Parse(data, opts); return err },
		"ValidateJSON": func() error { return ValidateJSON(data, opts) },
	} {
		t.Run(name, func(t *testing.T) {
			warned = nil
			if err := validate(); err != nil {
				t.Errorf("got %v, want nil: amount skipped, enums warned", err)
			}
			if len(warned) != 2 {
				t.Errorf("warnings = %v, want the journal type and the source", warned)
			}
		})
	}
	if len(opts.Skip) != 1 {
		t.Error("options were modified")
	}
}

func TestPeriod(t *testing.T) {
	var e Entry
	data, _ := os.ReadFile("testdata/seed.json")
	if err := e.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	start := period.Date{Year: 2023, Month: 1, Day: 1}
	end := period.Date{Year: 2023, Month: 1, Day: 31}
	inJanuary := func(d period.Date) bool { return !d.Before(start) && !d.After(end) }
	err := e.Validate(&ValidateOptions{InScope: inJanuary})
	if !errors.Is(err, ErrPeriod) {
		t.Errorf("Validate = %v, want ErrPeriod (2023-02-01 is outside January)", err)
	}
	if got := problems(err); !cmp.Equal(got, []pathRule{{"/date", RulePeriod}}) {
		t.Errorf("problems = %v", got)
	}
	if err := e.Validate(&ValidateOptions{InScope: func(period.Date) bool { return true }}); err != nil {
		t.Errorf("Validate in scope = %v", err)
	}

	// With a real initialization scope: the 2022 exercise only.
	ex, err := period.NewExercise("2022", period.Date{Year: 2022, Month: 1, Day: 1}, period.Date{Year: 2022, Month: 12, Day: 31}, period.StatusOpen)
	if err != nil {
		t.Fatal(err)
	}
	scope, err := period.Calendar{Periods: []period.Period{ex}}.Scope(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Validate(&ValidateOptions{InScope: scope.Contains}); !errors.Is(err, ErrPeriod) {
		t.Errorf("Validate with the 2022 scope = %v, want ErrPeriod", err)
	}
}

func TestCurrencyList(t *testing.T) {
	if !slices.IsSorted(currencyCodes) {
		t.Error("currencyCodes is not sorted")
	}
	var sch struct {
		Properties struct {
			Currency struct {
				Properties struct {
					Code struct{ Enum []string }
				}
			}
		}
	}
	if err := json.Unmarshal(entrySchemaJSON, &sch); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(currencyCodes, sch.Properties.Currency.Properties.Code.Enum); diff != "" {
		t.Errorf("schema currency enum differs from the Go list (-go +schema):\n%s", diff)
	}
	for _, c := range []string{"EUR", "USD", "XOF", "CHF", "XCG", "ZWG", "HRK", "BGN", "ZWL"} {
		if !IsCurrencyCode(c) {
			t.Errorf("IsCurrencyCode(%q) = false", c)
		}
	}
	for _, c := range []string{"", "eur", "EURO", "XXX", "XTS", "FRF", "DEM", "LTL"} {
		if IsCurrencyCode(c) {
			t.Errorf("IsCurrencyCode(%q) = true", c)
		}
	}
}

func TestSourcesAndEnums(t *testing.T) {
	if n := len(SourceCodes()); n != 29 {
		t.Errorf("%d sources, want 29", n)
	}
	if SourceFEC.Label() != "Import FEC" || SourceCode("X").Valid() {
		t.Error("source labels")
	}
	if JournalPurchase.Code() != "ACH" || JournalKind("A Nouveaux").Code() != "AN" || JournalKind("x").Valid() {
		t.Error("journal codes")
	}
	if PaymentDirectDebit.TRA() != "PRE" || PaymentCode("XX").TRA() != "CHQ" || PaymentCode("XX").Valid() {
		t.Error("payment codes")
	}
	if AttachmentType("url").Valid() {
		t.Error("attachment types are case-sensitive")
	}
}

// stricter lists documents the typed path rejects and the schema accepts:
// the typed path's deliberate tightenings, each with its reason.
var stricter = []mutation{
	{
		name:   "complete code starting with the partial marker",
		mutate: func(m map[string]any) { mov(m, 0)["lettering"] = map[string]any{"state": "complete", "value": "*AB"} },
		want:   []pathRule{{"/movements/0/lettering", RuleLettering}},
		reason: "lettering.Complete rejects a complete code that looks partial",
	},
	{
		name:   "empty complete code",
		mutate: func(m map[string]any) { mov(m, 0)["lettering"] = map[string]any{"state": "complete", "value": ""} },
		want:   []pathRule{{"/movements/0/lettering", RuleLettering}},
		reason: "a complete lettering needs a code",
	},
	{
		name:   "lettering code with a control character",
		mutate: func(m map[string]any) { mov(m, 0)["lettering"] = map[string]any{"state": "partial", "value": "*A\tB"} },
		want:   []pathRule{{"/movements/0/lettering", RuleLettering}},
		reason: "lettering codes never hold control characters",
	},
	{
		name: "comment date not a calendar day",
		mutate: func(m map[string]any) {
			obj(m, "additionalProducerProperties")["comments"] = []any{map[string]any{
				"date": "31-02-2024", "comment": "x", "user": map[string]any{"producerId": "1", "firstName": "A", "lastName": "B"}}}
		},
		want:   []pathRule{{"/additionalProducerProperties/comments/0/date", RuleDate}},
		reason: "the schema checks the DD-MM-YYYY pattern only",
	},
	{
		name:   "date in year 0",
		mutate: func(m map[string]any) { m["date"] = "0000-01-01" },
		want:   []pathRule{{"/date", RuleDate}},
		reason: "period.Date supports years 0001 to 9999; the schema's date format accepts 0000",
	},
}

// TestStricterThanSchema pins the typed path's tightenings: the typed path
// rejects these documents, the schema alone accepts them, and ValidateJSON
// (which runs both) rejects them.
func TestStricterThanSchema(t *testing.T) {
	for _, tt := range stricter {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.doc(t)
			_, err := Parse(data, nil)
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Parse problems mismatch (-want +got):\n%s", diff)
			}
			schema, serr := schemaProblems(data)
			if serr != nil || len(schema) != 0 {
				t.Errorf("schema problems = %v, %v; want none (%s)", schemaList(schema), serr, tt.reason)
			}
			if err := ValidateJSON(data, nil); err == nil {
				t.Error("ValidateJSON accepted the document")
			}
		})
	}
}

func TestRulesTable(t *testing.T) {
	all := Rules()
	if !slices.IsSorted(all) || len(all) != len(rules) {
		t.Errorf("Rules() = %v", all)
	}
	for _, r := range all {
		if r.Err() == nil {
			t.Errorf("rule %s has no sentinel", r)
		}
	}
	if Rule("schema/type").Err() != nil || Rule("schema/enum").Open() {
		t.Error("schema rules have no sentinel and are not open")
	}
	if !RuleSource.Open() || RuleBalanced.Open() {
		t.Error("Open")
	}
}

func TestMovementAlone(t *testing.T) {
	m := seedDoc(t)
	raw, _ := json.Marshal(mov(m, 1))
	var mv Movement
	if err := json.Unmarshal(raw, &mv); err != nil {
		t.Fatal(err)
	}
	if err := mv.Validate(nil); err != nil {
		t.Errorf("Validate = %v", err)
	}
	mv.Value.Amount = mv.Value.Debit
	if got := problems(mv.Validate(nil)); !cmp.Equal(got, []pathRule{{"/value/amount", RuleAmount}}) {
		t.Errorf("problems = %v", got)
	}
	err := json.Unmarshal([]byte(`{"producerId":"1","value":{"credit":"1"}}`), &mv)
	want := []pathRule{
		{"/analytics", RuleRequired},
		{"/description", RuleRequired},
		{"/lettering", RuleRequired},
		{"/value/amount", RuleRequired},
		{"/value/credit", RuleType},
		{"/value/debit", RuleRequired},
	}
	if diff := cmp.Diff(want, problems(err)); diff != "" {
		t.Errorf("Unmarshal problems mismatch (-want +got):\n%s", diff)
	}
}

func TestPartsUnmarshal(t *testing.T) {
	var c Currency
	if err := json.Unmarshal([]byte(`{"code":"USD","rate":1.0845}`), &c); err != nil || c.Rate.String() != "1.0845" {
		t.Errorf("Currency = %+v, %v", c, err)
	}
	if err := json.Unmarshal([]byte(`{"rate":"x","extra":1}`), &c); !cmp.Equal(problems(err), []pathRule{
		{"/code", RuleRequired}, {"/extra", RuleUnknownField}, {"/rate", RuleType},
	}) {
		t.Errorf("Currency problems = %v", problems(err))
	}
	var s AnalyticSection
	if err := json.Unmarshal([]byte(`{"producerId":"1","amount":12.50,"rate":100,"code":"A","name":"B"}`), &s); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(s)
	if want := `{"producerId":"1","amount":12.50,"rate":100,"code":"A","name":"B"}`; string(out) != want {
		t.Errorf("section = %s, want %s", out, want)
	}
}

// TestConcurrentValidateJSON runs the schema path from several goroutines
// (the compiled schema is shared); go test -race checks it.
func TestConcurrentValidateJSON(t *testing.T) {
	data, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- ValidateJSON(data, nil) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	err := &ValidationError{Subject: "entry", Fields: []*FieldError{{Path: "/movements", Rule: RuleBalanced, Message: "x", Err: ErrUnbalanced}}}
	if got, want := err.Error(), "entry: 1 problem:\n\t/movements: x [balanced]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !err.Has(RuleBalanced) || err.Has(RuleAmount) {
		t.Error("Has")
	}
}

// TestGoBuiltInvalid checks the typed rules on values built in Go rather
// than decoded: impossible dates, empty ids.
func TestGoBuiltInvalid(t *testing.T) {
	var e Entry
	data, _ := os.ReadFile("testdata/seed.json")
	if err := e.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	e.Date = period.Date{Year: 2023, Month: 2, Day: 30}
	due := period.Date{}
	e.Movements[0].DueDate = &due
	e.Movements[1].ProducerID = ""
	e.Journal.ProducerID = ""
	want := []pathRule{
		{"/date", RuleDate},
		{"/journal/producerId", RuleRequired},
		{"/movements/0/dueDate", RuleRequired},
		{"/movements/1/producerId", RuleRequired},
	}
	if diff := cmp.Diff(want, problems(e.Validate(nil))); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if _, err := json.Marshal(e); !errors.Is(err, period.ErrInvalidDate) {
		t.Errorf("Marshal of an impossible date: %v, want period.ErrInvalidDate", err)
	}
}

// Messages keep the digits of amounts (130.00, not 130), and the schema's
// say what they got and what they want.
func TestMessages(t *testing.T) {
	m := seedDoc(t)
	obj(mov(m, 0), "value")["credit"] = json.Number("130.00")
	obj(mov(m, 0), "value")["amount"] = json.Number("130.00")
	obj(m, "currency")["rate"] = json.Number("-1.50")
	obj(mov(m, 1), "lettering")["value"] = "AB"
	obj(mov(m, 1), "lettering")["state"] = "partial"
	mov(m, 1)["payment"] = map[string]any{"producerId": "p", "name": nil, "code": "BTC"}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	err = ValidateJSON(data, nil)
	for _, want := range []string{
		"/currency/rate: rate must be positive, got -1.50 [currencyRate]",
		"total credit 130.00 [balanced]",
		`/movements/1/lettering: lettering {"state":"partial","value":"AB"} has none of the allowed shapes: want {"state":"none","value":null}, {"state":"partial","value":"*CODE"} or {"state":"complete","value":"CODE"} [schema/oneOf]`,
		`/movements/1/payment/code: got "BTC", want one of "CB", "VIRT", "ESP", "CHQ", "PRLV", "LCR", "VIR", "PRE" and 1 more [schema/enum]`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateJSON: no %q in\n%v", want, err)
		}
	}
}
