package entry

import (
	"encoding/base64"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/internal/jsonptr"
	"github.com/ledgersink/ledgersink/internal/problem"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// ValidateOptions tunes validation. A nil *ValidateOptions, or the zero
// value, checks every rule, reports unknown enumeration values as problems
// and does not check the entry date against a period. Validation never
// modifies the options.
type ValidateOptions struct {
	// Skip lists rules not to check. It applies to the problems of every
	// phase: decoding, typed rules and, in [ValidateJSON], the schema
	// problems that check the same thing as a skipped rule.
	Skip []Rule

	// InScope, when non-nil, reports whether an entry date lies inside the
	// periods the entry may belong to, such as the initialized exercises:
	// pass a [period.Scope]'s method value, InScope: scope.Contains. A date
	// outside is reported under RulePeriod. It must be safe for concurrent
	// use if the options are shared between goroutines.
	InScope func(period.Date) bool

	// Warn, when non-nil, receives the problems of the open enumerations
	// (rules for which Rule.Open reports true: unknown journal type, entry
	// source, payment code or attachment type) instead of their being
	// returned, in the order found. A skipped rule reaches neither.
	Warn func(*FieldError)

	// MaxProblems is how many problems the *ValidationError lists: the first
	// in its order; the others are only counted (ValidationError.Omitted),
	// so that a hostile document cannot take unbounded memory. 0 means 100,
	// a negative value no limit.
	MaxProblems int
}

// checker collects problems under the options' policy, keeping the first
// MaxProblems of them.
type checker struct {
	opts  *ValidateOptions
	probs problem.Collector[Rule]

	// repeats, when set (ValidateJSON), drops the problems that say again
	// what the schema said.
	repeats func(*FieldError) bool

	// Parse: the validator learns where decoding failed, so as not to
	// report there again (a date that failed to parse is not also
	// "missing"). Movements are validated as soon as they are decoded and
	// their failures then forgotten, so the set stays small.
	failed map[string]bool
	scope  []string // the keys of failed, in the order added

	// Parse: problems for opts.Warn, held until decoding has succeeded.
	warnings []*FieldError
	deferred bool
}

func (c *checker) skipped(r Rule) bool { return slices.Contains(c.opts.Skip, r) }

// addFound applies the policy to one problem: Skip drops it, the repeats
// of the schema's problems are dropped, Warn receives the open
// enumerations; the others are kept.
func (c *checker) addFound(f *FieldError) {
	switch {
	case c.skipped(f.Rule):
	case c.repeats != nil && rules[f.Rule].schema && c.repeats(f):
	case c.opts.Warn != nil && f.Rule.Open():
		if c.deferred {
			c.warnings = append(c.warnings, f)
		} else {
			c.opts.Warn(f)
		}
	default:
		c.probs.Add(f)
	}
}

// add reports a problem of the validator, unless decoding already failed
// at or above path.
func (c *checker) add(path string, r Rule, msg string) {
	if c.failed != nil && c.failedAt(path) {
		return
	}
	c.addFound(&FieldError{Path: path, Rule: r, Message: msg, Err: r.Err()})
}

// fail records that decoding failed at path.
func (c *checker) fail(path string) {
	if c.failed == nil {
		c.failed = make(map[string]bool)
	}
	if !c.failed[path] {
		c.failed[path] = true
		c.scope = append(c.scope, path)
	}
}

// failedAt reports whether decoding failed at path or at one of its
// ancestors.
func (c *checker) failedAt(path string) bool {
	for {
		if c.failed[path] {
			return true
		}
		i := strings.LastIndexByte(path, '/')
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

// scopeStart and scopeEnd bracket the decoding and validation of one
// movement: the failures recorded in between are forgotten at the end.
func (c *checker) scopeStart() int { return len(c.scope) }

func (c *checker) scopeEnd(mark int) {
	for _, p := range c.scope[mark:] {
		delete(c.failed, p)
	}
	clear(c.scope[mark:])
	c.scope = c.scope[:mark]
}

// result returns nil or the *ValidationError of the problems kept.
func (c *checker) result() error { return c.probs.Result() }

var noOptions = &ValidateOptions{}

func newChecker(opts *ValidateOptions) *checker {
	if opts == nil {
		opts = noOptions
	}
	return &checker{opts: opts, probs: problem.Collector[Rule]{Subject: "entry", Max: opts.MaxProblems}}
}

// Validate checks e against every rule that does not need the JSON text:
// the value rules the embedded schema also checks (non-empty ids, valid
// dates, journal code, ISO 4217 currency, known enumeration values) and the
// business rules (balance, amounts, analytics, partner application, base64, period).
// It returns nil or a *[ValidationError] listing every problem, sorted by
// path then rule.
//
// The problems match these sentinels with errors.Is: [ErrRequired],
// [ErrDate], [ErrJournalCode], [ErrCurrency], [ErrCurrencyRate],
// [ErrJournalType], [ErrSource], [ErrPaymentCode], [ErrAttachmentType],
// [ErrBase64], [ErrMovements], [ErrNegative], [ErrDebitCredit], [ErrAmount],
// [ErrUnbalanced], [ErrAnalyticsRate], [ErrAnalyticsAmount], [ErrPartnerApp]
// and [ErrPeriod].
//
// Structural problems (wrong JSON types, missing keys, lettering shapes) are
// found while decoding, by [Entry.UnmarshalJSON]; a Lettering value is
// always well-formed. opts may be nil (see [ValidateOptions]). Validate
// does not modify e and is safe for concurrent use on the same entry.
func (e *Entry) Validate(opts *ValidateOptions) error {
	c := newChecker(opts)
	c.entry(e)
	return c.result()
}

// Parse decodes the JSON text of one entry and validates it: it returns the
// decoded entry and nil, or what could be decoded and a *[ValidationError]
// listing the structural problems found by [Entry.UnmarshalJSON] and the
// problems found by [Entry.Validate], in one report. A Validate problem at a
// location where decoding already failed is dropped (a date that failed to
// parse is not also reported as missing). Malformed JSON gives one problem
// with rule RuleSyntax. opts may be nil; Skip and Warn apply to both phases,
// and at most opts.MaxProblems problems are listed.
//
// Parse is the typed path for raw documents: it checks everything the
// embedded schema checks, and refuses repeated keys, at a fraction of the
// cost of [ValidateJSON]. It takes time linear in the size of data, and
// memory linear in the decoded entry, however many problems it finds.
func Parse(data []byte, opts *ValidateOptions) (Entry, error) {
	c := newChecker(opts)
	var e Entry
	c.parse(data, &e)
	return e, c.result()
}

// parse decodes data into e and validates it, adding the problems to c. It
// reports false when decoding could not go far enough to validate anything
// (malformed JSON, or a document that is not an object): the validation
// problems are then dropped. It takes time linear in the size of data.
func (c *checker) parse(data []byte, e *Entry) bool {
	// The validator v checks each movement as soon as it is decoded (see
	// decoder.movements), so it holds its own problems and warnings until
	// decoding is known to have gone through.
	v := &checker{opts: c.opts, repeats: c.repeats, deferred: true,
		probs: problem.Collector[Rule]{Max: c.probs.Max}}
	if !decodeDoc(data, false, c, v, func(d *decoder) error { return d.entry(e) }) {
		return false
	}
	v.entryFields(e)
	v.balance(e)
	c.probs.Merge(&v.probs)
	for _, w := range v.warnings {
		c.opts.Warn(w)
	}
	return true
}

// Validate checks one movement alone, with the movement rules of
// [Entry.Validate] (paths relative to the movement): it returns nil or a
// *[ValidationError] whose problems match [ErrRequired], [ErrDate],
// [ErrNegative], [ErrDebitCredit], [ErrAmount], [ErrAttachmentType],
// [ErrBase64], [ErrPaymentCode], [ErrAnalyticsRate] or [ErrAnalyticsAmount].
// Entry-level rules (balance, period) are not checked. opts may be nil. It
// does not modify m.
func (m *Movement) Validate(opts *ValidateOptions) error {
	c := newChecker(opts)
	c.movement(-1, m)
	return c.result()
}

// entry checks e: its own fields, each movement, the balance.
func (c *checker) entry(e *Entry) {
	c.entryFields(e)
	for i := range e.Movements {
		c.movement(i, &e.Movements[i])
	}
	c.balance(e)
}

// entryFields checks the fields of e other than its movements.
func (c *checker) entryFields(e *Entry) {
	if e.ProducerID == "" {
		c.add("/producerId", RuleRequired, "must not be empty")
	}
	c.attachments("/attachments", e.Attachments)
	c.date("/date", e.Date)
	if e.DueDate != nil {
		c.date("/dueDate", *e.DueDate)
	}
	c.journal(&e.Journal)
	c.currency(&e.Currency)

	if p := e.AdditionalProducerProperties; p != nil {
		c.producerProps("/additionalProducerProperties", p)
	}
	if c.opts.InScope != nil && e.Date.IsValid() && !c.opts.InScope(e.Date) {
		c.add("/date", RulePeriod, "date "+e.Date.String()+" is outside the period")
	}
}

// balance checks the number of movements and that they balance.
func (c *checker) balance(e *Entry) {
	if len(e.Movements) < 2 {
		c.add("/movements", RuleMovements, "an entry needs at least two movements, got "+strconv.Itoa(len(e.Movements)))
	}
	var debit, credit exactSum
	for i := range e.Movements {
		debit.add(e.Movements[i].Value.Debit)
		credit.add(e.Movements[i].Value.Credit)
	}
	if !debit.equalSum(&credit) {
		c.add("/movements", RuleBalanced, "total debit "+amountText(debit.value())+" ≠ total credit "+amountText(credit.value()))
	}
}

func (c *checker) date(path string, d period.Date) {
	switch {
	case d.IsZero():
		c.add(path, RuleRequired, "missing date")
	case !d.IsValid():
		c.add(path, RuleDate, "not a valid calendar date: "+d.String())
	}
}

func (c *checker) journal(j *Journal) {
	if j.ProducerID == "" {
		c.add("/journal/producerId", RuleRequired, "must not be empty")
	}
	if !validJournalCode(j.CustomerReferenceCode) {
		c.add("/journal/customerReferenceCode", RuleJournalCode,
			"journal code "+quoteShort(j.CustomerReferenceCode)+" is not 2 to 4 ASCII letters or digits")
	}
	if !j.Type.Valid() {
		c.add("/journal/type", RuleJournalType, "unknown journal type "+quoteShort(string(j.Type)))
	}
}

// validJournalCode reports whether s matches ^[a-zA-Z0-9]{2,4}$.
func validJournalCode(s string) bool {
	if len(s) < 2 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func (c *checker) currency(cur *Currency) {
	if !IsCurrencyCode(cur.Code) {
		c.add("/currency/code", RuleCurrency, "not an active ISO 4217 currency code: "+quoteShort(cur.Code))
	}
	if cur.Rate != nil && cur.Rate.Sign() <= 0 {
		c.add("/currency/rate", RuleCurrencyRate, "rate must be positive, got "+amountText(*cur.Rate))
	}
}

func (c *checker) attachments(path string, m map[string]Attachment) {
	for name, a := range m {
		p := jsonptr.Key(path, name)
		if name == "" {
			c.add(p, RuleRequired, "attachment file name must not be empty")
		}
		switch a.Type {
		case AttachmentBase64:
			if !validBase64(a.Value) {
				c.add(p+"/value", RuleBase64, "not standard base64")
			}
		case AttachmentURL, AttachmentFile:
		default:
			c.add(p+"/type", RuleAttachmentType, "unknown attachment type "+quoteShort(string(a.Type)))
		}
	}
}

func validBase64(s string) bool {
	_, err := io.Copy(io.Discard, base64.NewDecoder(base64.StdEncoding, strings.NewReader(s)))
	return err == nil
}

// movement checks the i-th movement of an entry, or a movement alone when i
// is negative. Paths are built only for problems.
func (c *checker) movement(i int, m *Movement) {
	at := func(suffix string) string {
		if i < 0 {
			return suffix
		}
		return "/movements/" + strconv.Itoa(i) + suffix
	}
	if m.ProducerID == "" {
		c.add(at("/producerId"), RuleRequired, "must not be empty")
	}
	v := &m.Value
	if v.Debit.Sign() < 0 {
		c.add(at("/value/debit"), RuleNegative, "debit is negative: "+amountText(v.Debit))
	}
	if v.Credit.Sign() < 0 {
		c.add(at("/value/credit"), RuleNegative, "credit is negative: "+amountText(v.Credit))
	}
	if !v.Debit.IsZero() && !v.Credit.IsZero() {
		c.add(at("/value"), RuleDebitCredit, "a line has either a debit or a credit, not both")
	}
	if !equalDiff(v.Amount, v.Credit, v.Debit) {
		c.add(at("/value/amount"), RuleAmount,
			"amount "+amountText(v.Amount)+" ≠ credit − debit = "+amountText(v.Credit.Sub(v.Debit)))
	}
	if m.DueDate != nil && !m.DueDate.IsValid() {
		c.date(at("/dueDate"), *m.DueDate)
	}
	if len(m.Attachments) > 0 {
		c.attachments(at("/attachments"), m.Attachments)
	}
	if p := m.Payment; p != nil && p.Code != nil && !p.Code.Valid() {
		c.add(at("/payment/code"), RulePaymentCode, "unknown payment code "+quoteShort(string(*p.Code)))
	}
	for j := range m.Analytics {
		c.axis(at, j, &m.Analytics[j], v.Amount)
	}
}

var hundred = decimal.New(100, 0)

// axis checks the j-th analytical axis of a line: rates sum to 100, amounts
// to the line's absolute amount, none negative.
func (c *checker) axis(at func(string) string, j int, a *MovementAnalytics, lineAmount decimal.Decimal) {
	path := func() string { return at("/analytics/" + strconv.Itoa(j)) }
	var rates, amounts exactSum
	for k := range a.Sections {
		s := &a.Sections[k]
		if s.Amount.Sign() < 0 {
			c.add(path()+"/sections/"+strconv.Itoa(k)+"/amount", RuleNegative, "section amount is negative: "+amountText(s.Amount))
		}
		if s.Rate.Sign() < 0 {
			c.add(path()+"/sections/"+strconv.Itoa(k)+"/rate", RuleNegative, "section rate is negative: "+amountText(s.Rate))
		}
		rates.add(s.Rate)
		amounts.add(s.Amount)
	}
	if !rates.equal(hundred) {
		c.add(path()+"/sections", RuleAnalyticsRate, "section rates sum to "+amountText(rates.value())+", not 100")
	}
	if !amounts.equalAbs(lineAmount) {
		c.add(path()+"/sections", RuleAnalyticsAmount,
			"section amounts sum to "+amountText(amounts.value())+", not the line's "+amountText(lineAmount.Abs()))
	}
}

func (c *checker) producerProps(path string, p *EntryAdditionalProducerProps) {
	if p.AccountedAt != nil {
		c.date(path+"/accountedAt", *p.AccountedAt)
	}
	if !p.Source.Name.Valid() {
		c.add(path+"/source/name", RuleSource, "unknown entry source "+quoteShort(string(p.Source.Name)))
	}
	if p.Source.Name == SourceAPI && p.Source.PartnerApp == nil {
		c.add(path+"/source/thirdParty", RulePartnerApp, "source API must name its partner application (thirdParty)")
	}
	for k, cm := range p.Comments {
		if _, err := cm.Day(); err != nil {
			c.add(path+"/comments/"+strconv.Itoa(k)+"/date", RuleDate, "not a valid DD-MM-YYYY date: "+quoteShort(cm.Date))
		}
	}
}

// quoteShort quotes s for a message, cutting it after 40 bytes so that a
// hostile value cannot blow up the report.
func quoteShort(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "..."
	}
	return strconv.Quote(s)
}
