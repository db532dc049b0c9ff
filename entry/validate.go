package entry

import (
	"encoding/base64"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/internal/jsonptr"
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
}

// checker collects problems under the options' policy.
type checker struct {
	opts  *ValidateOptions
	probs []*FieldError
}

func (c *checker) skipped(r Rule) bool { return slices.Contains(c.opts.Skip, r) }

// keep applies Skip and Warn to one problem and reports whether it is kept.
func (c *checker) keep(f *FieldError) bool {
	if c.skipped(f.Rule) {
		return false
	}
	if c.opts.Warn != nil && f.Rule.Open() {
		c.opts.Warn(f)
		return false
	}
	return true
}

func (c *checker) add(path string, r Rule, msg string) {
	f := &FieldError{Path: path, Rule: r, Message: msg, Err: r.Err()}
	if c.keep(f) {
		c.probs = append(c.probs, f)
	}
}

// filter applies the policy to problems found elsewhere (decoding).
func (c *checker) filter(fs []*FieldError) {
	for _, f := range fs {
		if c.keep(f) {
			c.probs = append(c.probs, f)
		}
	}
}

var noOptions = &ValidateOptions{}

func newChecker(opts *ValidateOptions) *checker {
	if opts == nil {
		opts = noOptions
	}
	return &checker{opts: opts}
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
	return report(c.probs)
}

// Parse decodes the JSON text of one entry and validates it: it returns the
// decoded entry and nil, or what could be decoded and a *[ValidationError]
// listing the structural problems found by [Entry.UnmarshalJSON] and the
// problems found by [Entry.Validate], in one report. A Validate problem at a
// location where decoding already failed is dropped (a date that failed to
// parse is not also reported as missing). Malformed JSON gives one problem
// with rule RuleSyntax. opts may be nil; Skip and Warn apply to both phases.
//
// Parse is the typed path for raw documents: it checks everything the
// embedded schema checks, at a fraction of the cost of [ValidateJSON].
func Parse(data []byte, opts *ValidateOptions) (Entry, error) {
	c := newChecker(opts)
	var e Entry
	c.parse(data, &e)
	return e, report(c.probs)
}

// parse decodes data into e and validates it, adding the problems to c. It
// reports false when decoding could not go far enough to validate anything
// (malformed JSON, or a document that is not an object).
func (c *checker) parse(data []byte, e *Entry) bool {
	decodeProbs := decodeDoc(data, func(d *decoder) error { return d.entry(e) })
	c.filter(decodeProbs)
	for _, p := range decodeProbs {
		if p.Rule == RuleSyntax || p.Path == "" {
			return false
		}
	}
	v := &checker{opts: c.opts}
	v.entry(e)
	for _, p := range v.probs {
		if !slices.ContainsFunc(decodeProbs, func(q *FieldError) bool { return jsonptr.Within(p.Path, q.Path) }) {
			c.probs = append(c.probs, p)
		}
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
	return report(c.probs)
}

func (c *checker) entry(e *Entry) {
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

	if len(e.Movements) < 2 {
		c.add("/movements", RuleMovements, "an entry needs at least two movements, got "+strconv.Itoa(len(e.Movements)))
	}
	var debit, credit exactSum
	for i := range e.Movements {
		m := &e.Movements[i]
		c.movement(i, m)
		debit.add(m.Value.Debit)
		credit.add(m.Value.Credit)
	}
	if !debit.equalSum(&credit) {
		c.add("/movements", RuleBalanced, "total debit "+debit.value().String()+" ≠ total credit "+credit.value().String())
	}

	if p := e.AdditionalProducerProperties; p != nil {
		c.producerProps("/additionalProducerProperties", p)
	}
	if c.opts.InScope != nil && e.Date.IsValid() && !c.opts.InScope(e.Date) {
		c.add("/date", RulePeriod, "date "+e.Date.String()+" is outside the period")
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
		c.add("/currency/rate", RuleCurrencyRate, "rate must be positive, got "+cur.Rate.String())
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
		c.add(at("/value/debit"), RuleNegative, "debit is negative: "+v.Debit.String())
	}
	if v.Credit.Sign() < 0 {
		c.add(at("/value/credit"), RuleNegative, "credit is negative: "+v.Credit.String())
	}
	if !v.Debit.IsZero() && !v.Credit.IsZero() {
		c.add(at("/value"), RuleDebitCredit, "a line has either a debit or a credit, not both")
	}
	if !equalDiff(v.Amount, v.Credit, v.Debit) {
		c.add(at("/value/amount"), RuleAmount,
			"amount "+v.Amount.String()+" ≠ credit − debit = "+v.Credit.Sub(v.Debit).String())
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
			c.add(path()+"/sections/"+strconv.Itoa(k)+"/amount", RuleNegative, "section amount is negative: "+s.Amount.String())
		}
		if s.Rate.Sign() < 0 {
			c.add(path()+"/sections/"+strconv.Itoa(k)+"/rate", RuleNegative, "section rate is negative: "+s.Rate.String())
		}
		rates.add(s.Rate)
		amounts.add(s.Amount)
	}
	if !rates.equal(hundred) {
		c.add(path()+"/sections", RuleAnalyticsRate, "section rates sum to "+rates.value().String()+", not 100")
	}
	if !amounts.equalAbs(lineAmount) {
		c.add(path()+"/sections", RuleAnalyticsAmount,
			"section amounts sum to "+amounts.value().String()+", not the line's "+lineAmount.Abs().String())
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
