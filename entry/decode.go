package entry

import (
	"encoding/json"
	"fmt"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"github.com/ledgersink/ledgersink/internal/jsonptr"
	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// decoder walks a JSON document once with a jsonlex.Lexer and fills the
// typed structs. It reports every structural problem (wrong type, missing,
// unknown or repeated key, invalid date, lettering shape) with its JSON
// Pointer to its checker and keeps going, skipping the offending value;
// only malformed JSON stops it.
type decoder struct {
	lex  jsonlex.Lexer
	path []byte   // JSON Pointer of the value being decoded
	c    *checker // receives the problems
	n    int      // problems reported so far

	// v, when set (Parse), validates each movement as soon as it is
	// decoded, and learns where decoding failed (see checker.failed).
	v *checker

	depth int // nesting level of the value being decoded, 0 for the document

	syntaxPath    string // where malformed JSON was met
	syntaxPathSet bool

	open bool // skip undeclared keys of closed objects too (Decode)

	// extra, when set (DecodeExtra), receives the undeclared members, by
	// JSON Pointer, with their JSON text (aliasing data).
	extra map[string]json.RawMessage
	data  []byte

	pathBuf [96]byte // backing store of path for usual depths
}

// atSyntaxError remembers the current path when err is the first error
// seen, before the callers unwind it.
func (d *decoder) atSyntaxError(err error) {
	if err != nil && !d.syntaxPathSet {
		d.syntaxPath, d.syntaxPathSet = string(d.path), true
	}
}

// decodeDoc decodes data, which must hold exactly one value decoded by fn,
// reporting its problems to c (and failures to v, see decoder.v). It
// reports whether decoding went through: false for malformed JSON or a
// document of the wrong JSON type, after which nothing is worth validating.
func decodeDoc(data []byte, open bool, c, v *checker, fn func(*decoder) error) bool {
	return decodeDocExtra(data, open, nil, c, v, fn)
}

// decodeDocExtra is decodeDoc that hands the undeclared members to extra,
// when not nil.
func decodeDocExtra(data []byte, open bool, extra map[string]json.RawMessage, c, v *checker, fn func(*decoder) error) bool {
	d := &decoder{c: c, v: v, open: open, extra: extra, data: data}
	d.path = d.pathBuf[:0]
	d.lex.Reset(data)
	kind := d.lex.Peek()
	err := fn(d)
	if err == nil {
		err = d.lex.End()
	}
	if err != nil {
		d.atSyntaxError(err)
		d.report(&FieldError{Path: d.syntaxPath, Rule: RuleSyntax, Message: err.Error(), Err: ErrSyntax})
		return false
	}
	return kind == jsonlex.Object
}

// decodeReport decodes data with fn and returns nil or the
// *ValidationError of its problems (at most problem.DefaultMax).
func decodeReport(data []byte, open bool, fn func(*decoder) error) error {
	c := newChecker(nil)
	decodeDoc(data, open, c, nil, fn)
	return c.result()
}

// report hands a problem to the checker, after noting where decoding
// failed for the validator. Unknown and repeated keys do not count as
// failures: the validator never looks at an unknown key, and a repeated
// one keeps its first value.
func (d *decoder) report(f *FieldError) {
	d.n++
	if d.v != nil && f.Rule != RuleUnknownField && f.Rule != RuleDuplicateKey {
		d.v.fail(f.Path)
	}
	d.c.addFound(f)
}

// add records a problem at the current path.
func (d *decoder) add(rule Rule, msg string) {
	d.report(&FieldError{Path: string(d.path), Rule: rule, Message: msg, Err: rule.Err()})
}

// addErr records a problem with a specific error (wrapping the sentinel).
func (d *decoder) addErr(rule Rule, msg string, err error) {
	d.report(&FieldError{Path: string(d.path), Rule: rule, Message: msg, Err: err})
}

// mismatch records a value of the wrong JSON type and skips it.
func (d *decoder) mismatch(want string, got jsonlex.Kind) error {
	if got != jsonlex.Invalid {
		d.add(RuleType, "expected "+want+", got "+got.String())
	}
	return d.skip() // reports the syntax error of an invalid value
}

// object decodes an object, calling member with the path extended by each
// key. member returns the key's bit (0 for an unknown key it has skipped).
// A key repeated in the object is a problem, and its value is skipped: the
// first one stands. When the value is not an object, object records a type
// problem, skips it and returns false.
func (d *decoder) object(member func(key []byte) (uint32, error)) (seen uint32, ok bool, err error) {
	if k := d.lex.Peek(); k != jsonlex.Object {
		return 0, false, d.mismatch("object", k)
	}
	var names jsonlex.Names
	d.depth++
	more, err := d.lex.ObjectStart()
	for err == nil && more {
		var key []byte
		var repeated bool
		if key, repeated, err = d.lex.Member(&names); err != nil {
			break
		}
		mark := len(d.path)
		d.path = jsonptr.AppendKey(d.path, string(key))
		if repeated {
			d.add(RuleDuplicateKey, "repeated key: the first value stands, this one is ignored")
			err = d.skip()
		} else {
			var bit uint32
			bit, err = member(key)
			seen |= bit
		}
		d.atSyntaxError(err)
		d.path = d.path[:mark]
		if err == nil {
			more, err = d.lex.ObjectNext()
		}
	}
	d.depth--
	return seen, true, err
}

// skip reads and drops one value of any type, reporting the repeated keys
// of its objects like object does. Nesting deeper than jsonlex.MaxDepth is
// a syntax error, as it is for jsonlex.Lexer.Skip on the whole document.
func (d *decoder) skip() error {
	if d.depth > jsonlex.MaxDepth {
		return &jsonlex.SyntaxError{Offset: d.lex.Offset(), Msg: "nesting too deep"}
	}
	switch d.lex.Peek() {
	case jsonlex.Object:
		_, _, err := d.object(func([]byte) (uint32, error) { return 0, d.skip() })
		return err
	case jsonlex.Array:
		_, err := d.array(func(int) error { return d.skip() })
		return err
	}
	return d.lex.Skip()
}

// unknown handles a key the object does not declare: a problem if the object
// is closed, then the value is skipped.
func (d *decoder) unknown(closed bool) (uint32, error) {
	if closed && !d.open {
		d.add(RuleUnknownField, "unknown field")
	}
	if d.extra == nil {
		return 0, d.skip()
	}
	d.lex.Peek() // past white space
	start := d.lex.Offset()
	err := d.skip()
	if err == nil {
		d.extra[string(d.path)] = d.data[start:d.lex.Offset()]
	}
	return 0, err
}

// required records a problem for every name whose bit is not in seen.
func (d *decoder) required(seen uint32, names ...string) {
	for i, n := range names {
		if seen&(1<<i) == 0 {
			mark := len(d.path)
			d.path = jsonptr.AppendKey(d.path, n)
			d.add(RuleRequired, "missing required field")
			d.path = d.path[:mark]
		}
	}
}

// array decodes an array, calling elem with the path extended by each
// index. When the value is not an array, it records a type problem and
// skips it.
func (d *decoder) array(elem func(i int) error) (ok bool, err error) {
	if k := d.lex.Peek(); k != jsonlex.Array {
		return false, d.mismatch("array", k)
	}
	d.depth++
	more, err := d.lex.ArrayStart()
	for i := 0; err == nil && more; i++ {
		mark := len(d.path)
		d.path = jsonptr.AppendIndex(d.path, i)
		err = elem(i)
		d.atSyntaxError(err)
		d.path = d.path[:mark]
		if err == nil {
			more, err = d.lex.ArrayNext()
		}
	}
	d.depth--
	return true, err
}

func (d *decoder) str(dst *string) error {
	if k := d.lex.Peek(); k != jsonlex.String {
		return d.mismatch("string", k)
	}
	s, err := d.lex.String()
	*dst = s
	return err
}

func (d *decoder) nullableStr(dst **string) error {
	switch k := d.lex.Peek(); k {
	case jsonlex.Null:
		*dst = nil
		return d.lex.Null()
	case jsonlex.String:
		s, err := d.lex.String()
		*dst = &s
		return err
	default:
		return d.mismatch("string or null", k)
	}
}

func (d *decoder) amount(dst *decimal.Decimal) error {
	if k := d.lex.Peek(); k != jsonlex.Number {
		return d.mismatch("number", k)
	}
	lit, err := d.lex.Number()
	if err != nil {
		return err
	}
	v, err := parseAmount(lit)
	if err != nil {
		d.add(RuleNumber, err.Error())
		return nil
	}
	*dst = v
	return nil
}

func (d *decoder) date(dst *period.Date) error {
	if k := d.lex.Peek(); k != jsonlex.String {
		return d.mismatch("string (YYYY-MM-DD)", k)
	}
	b, err := d.lex.StringBytes()
	if err != nil {
		return err
	}
	if err := dst.UnmarshalText(b); err != nil {
		d.addErr(RuleDate, "not a valid YYYY-MM-DD date: "+quote(b), fmt.Errorf("%w: %w", ErrDate, err))
		*dst = period.Date{}
	}
	return nil
}

func (d *decoder) nullableDate(dst **period.Date) error {
	if d.lex.Peek() == jsonlex.Null {
		*dst = nil
		return d.lex.Null()
	}
	if k := d.lex.Peek(); k != jsonlex.String {
		return d.mismatch("string (YYYY-MM-DD) or null", k)
	}
	var v period.Date
	n := d.n
	err := d.date(&v)
	if d.n == n {
		*dst = &v
	} else {
		*dst = nil
	}
	return err
}

// quote returns b as a short quoted string for messages.
func quote(b []byte) string {
	if len(b) > 40 {
		return `"` + string(b[:40]) + `..."`
	}
	return `"` + string(b) + `"`
}

// --- Entry ---------------------------------------------------------------

const (
	bitProducerID uint32 = 1 << iota
	bitAttachments
	bitCurrency
	bitDate
	bitJournal
	bitMovements
)

func (d *decoder) entry(e *Entry) error {
	*e = Entry{}
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "producerId":
			return bitProducerID, d.str(&e.ProducerID)
		case "attachments":
			return bitAttachments, d.attachments(&e.Attachments)
		case "date":
			return bitDate, d.date(&e.Date)
		case "dueDate":
			return 0, d.nullableDate(&e.DueDate)
		case "journal":
			return bitJournal, d.journal(&e.Journal)
		case "currency":
			return bitCurrency, d.currency(&e.Currency)
		case "movements":
			return bitMovements, d.movements(&e.Movements)
		case "additionalProducerProperties":
			return 0, d.producerProps(&e.AdditionalProducerProperties)
		case "etablissement_id":
			var id *string
			err := d.nullableStr(&id)
			if id != nil {
				e.BranchID = *id
			}
			return 0, err
		case "type":
			var t *int
			err := d.integer(&t, false)
			if t != nil {
				e.Type = EntryType(*t)
			}
			return 0, err
		case "validation":
			return 0, d.integer(&e.Validation, true)
		}
		return d.unknown(true)
	})
	if ok && err == nil {
		d.required(seen, "producerId", "attachments", "currency", "date", "journal", "movements")
	}
	return err
}

func (d *decoder) movements(dst *[]Movement) error {
	ms := make([]Movement, 0, 4)
	_, err := d.array(func(i int) error {
		ms = append(ms, Movement{})
		m := &ms[len(ms)-1]
		if d.v == nil {
			return d.movement(m)
		}
		// Validate the movement at once, while the validator knows where
		// its decoding failed, then forget those places.
		mark := d.v.scopeStart()
		err := d.movement(m)
		if err == nil {
			d.v.movement(i, m)
		}
		d.v.scopeEnd(mark)
		return err
	})
	*dst = ms
	return err
}

const (
	bitMovProducerID uint32 = 1 << iota
	bitMovDescription
	bitMovValue
	bitMovLettering
	bitMovAnalytics
)

func (d *decoder) movement(m *Movement) error {
	*m = Movement{}
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "producerId":
			return bitMovProducerID, d.str(&m.ProducerID)
		case "description":
			return bitMovDescription, d.str(&m.Description)
		case "value":
			return bitMovValue, d.value(&m.Value)
		case "dueDate":
			return 0, d.nullableDate(&m.DueDate)
		case "lettering":
			return bitMovLettering, d.lettering(&m.Lettering)
		case "freeNumber":
			return 0, d.nullableStr(&m.FreeNumber)
		case "invoiceNumber":
			return 0, d.nullableStr(&m.InvoiceNumber)
		case "attachments":
			return 0, d.attachments(&m.Attachments)
		case "account":
			return 0, d.account(&m.Account)
		case "payment":
			return 0, d.payment(&m.Payment)
		case "analytics":
			return bitMovAnalytics, d.analytics(&m.Analytics)
		case "additionalProducerProperties":
			return 0, d.movementProps(&m.AdditionalProducerProperties)
		}
		return d.unknown(true)
	})
	if ok && err == nil {
		d.required(seen, "producerId", "description", "value", "lettering", "analytics")
	}
	return err
}

func (d *decoder) value(v *MovementValue) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "credit":
			return 1, d.amount(&v.Credit)
		case "debit":
			return 2, d.amount(&v.Debit)
		case "amount":
			return 4, d.amount(&v.Amount)
		}
		return d.unknown(false)
	})
	if ok && err == nil {
		d.required(seen, "credit", "debit", "amount")
	}
	return err
}

func (d *decoder) lettering(dst *lettering.Lettering) error {
	var state, code []byte
	var hasState, hasValue, nullValue bool
	bad := ""
	_, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "state":
			hasState = true
			if d.lex.Peek() != jsonlex.String {
				bad = "state is not a string"
				return 0, d.skip()
			}
			b, err := d.lex.StringBytes()
			state = append(state[:0], b...)
			return 0, err
		case "value":
			hasValue = true
			switch d.lex.Peek() {
			case jsonlex.Null:
				nullValue = true
				return 0, d.lex.Null()
			case jsonlex.String:
				nullValue = false
				b, err := d.lex.StringBytes()
				code = append(code[:0], b...)
				return 0, err
			}
			bad = "value is neither a string nor null"
			return 0, d.skip()
		}
		bad = "unknown field " + jsonptr.Key("", string(key))[1:]
		return 0, d.skip()
	})
	if !ok || err != nil {
		return err
	}
	*dst = lettering.None()
	switch {
	case bad != "":
	case !hasState || !hasValue:
		bad = `needs both "state" and "value"`
	case string(state) == string(lettering.StateNone):
		if !nullValue {
			bad = `state "none" needs a null value`
		}
	case nullValue:
		bad = "state " + quote(state) + " needs a string value"
	case string(state) == string(lettering.StateComplete):
		l, lerr := lettering.Complete(string(code))
		if lerr != nil {
			d.addErr(RuleLettering, lerr.Error(), fmt.Errorf("%w: %w", ErrLettering, lerr))
			return nil
		}
		*dst = l
	case string(state) == string(lettering.StatePartial):
		l, lerr := lettering.Partial(string(code))
		if lerr != nil {
			d.addErr(RuleLettering, lerr.Error(), fmt.Errorf("%w: %w", ErrLettering, lerr))
			return nil
		}
		*dst = l
	default:
		bad = "unknown state " + quote(state)
	}
	if bad != "" {
		d.add(RuleLettering, bad)
	}
	return nil
}

func (d *decoder) attachments(dst *map[string]Attachment) error {
	if d.lex.Peek() != jsonlex.Object {
		return d.mismatch("object", d.lex.Peek())
	}
	m := make(map[string]Attachment)
	_, _, err := d.object(func(key []byte) (uint32, error) {
		name := string(key)
		var a Attachment
		err := d.attachment(&a)
		m[name] = a
		return 0, err
	})
	*dst = m
	return err
}

func (d *decoder) attachment(a *Attachment) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "type":
			var s string
			err := d.str(&s)
			a.Type = AttachmentType(s)
			return 1, err
		case "value":
			return 2, d.str(&a.Value)
		}
		return d.unknown(true)
	})
	if ok && err == nil {
		d.required(seen, "type", "value")
	}
	return err
}

func (d *decoder) journal(j *Journal) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "producerId":
			return 1, d.str(&j.ProducerID)
		case "customerReferenceCode":
			return 2, d.str(&j.CustomerReferenceCode)
		case "name":
			return 4, d.str(&j.Name)
		case "type":
			var s string
			err := d.str(&s)
			j.Type = JournalKind(s)
			return 8, err
		}
		return d.unknown(false)
	})
	if ok && err == nil {
		d.required(seen, "producerId", "customerReferenceCode", "name", "type")
	}
	return err
}

func (d *decoder) currency(c *Currency) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "code":
			return 1, d.str(&c.Code)
		case "rate":
			if d.lex.Peek() == jsonlex.Null {
				c.Rate = nil
				return 0, d.lex.Null()
			}
			var r decimal.Decimal
			n := d.n
			err := d.amount(&r)
			if d.n == n {
				c.Rate = &r
			}
			return 0, err
		}
		return d.unknown(true)
	})
	if ok && err == nil {
		d.required(seen, "code")
	}
	return err
}

func (d *decoder) account(dst **SimplifiedAccount) error {
	if d.lex.Peek() == jsonlex.Null {
		*dst = nil
		return d.lex.Null()
	}
	a := &SimplifiedAccount{}
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "producerId":
			return 1, d.str(&a.ProducerID)
		case "number":
			return 0, d.nullableStr(&a.Number)
		case "name":
			return 0, d.nullableStr(&a.Name)
		}
		return d.unknown(true)
	})
	if ok {
		*dst = a
		if err == nil {
			d.required(seen, "producerId")
		}
	}
	return err
}

func (d *decoder) payment(dst **Payment) error {
	if d.lex.Peek() == jsonlex.Null {
		*dst = nil
		return d.lex.Null()
	}
	p := &Payment{}
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "producerId":
			return 1, d.str(&p.ProducerID)
		case "name":
			return 0, d.nullableStr(&p.Name)
		case "code":
			var s *string
			err := d.nullableStr(&s)
			if s != nil {
				c := PaymentCode(*s)
				p.Code = &c
			}
			return 0, err
		}
		return d.unknown(true)
	})
	if ok {
		*dst = p
		if err == nil {
			d.required(seen, "producerId")
		}
	}
	return err
}

func (d *decoder) analytics(dst *[]MovementAnalytics) error {
	as := make([]MovementAnalytics, 0, 1)
	_, err := d.array(func(i int) error {
		as = append(as, MovementAnalytics{})
		return d.axis(&as[len(as)-1])
	})
	*dst = as
	return err
}

func (d *decoder) axis(a *MovementAnalytics) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "producerId":
			return 1, d.str(&a.ProducerID)
		case "code":
			return 2, d.str(&a.Code)
		case "name":
			return 4, d.str(&a.Name)
		case "sections":
			ss := make([]AnalyticSection, 0, 2)
			_, err := d.array(func(i int) error {
				ss = append(ss, AnalyticSection{})
				return d.section(&ss[len(ss)-1])
			})
			a.Sections = ss
			return 8, err
		}
		return d.unknown(false)
	})
	if ok && err == nil {
		d.required(seen, "producerId", "code", "name", "sections")
	}
	return err
}

func (d *decoder) section(s *AnalyticSection) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "producerId":
			return 1, d.str(&s.ProducerID)
		case "amount":
			return 2, d.amount(&s.Amount)
		case "rate":
			return 4, d.amount(&s.Rate)
		case "code":
			return 8, d.str(&s.Code)
		case "name":
			return 16, d.str(&s.Name)
		}
		return d.unknown(false)
	})
	if ok && err == nil {
		d.required(seen, "producerId", "amount", "rate", "code", "name")
	}
	return err
}

func (d *decoder) movementProps(dst **MovementAdditionalProducerProps) error {
	if d.lex.Peek() == jsonlex.Null {
		*dst = nil
		return d.lex.Null()
	}
	p := &MovementAdditionalProducerProps{}
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		if string(key) == "comment" {
			return 1, d.str(&p.Comment)
		}
		return d.unknown(false)
	})
	if ok {
		*dst = p
		if err == nil {
			d.required(seen, "comment")
		}
	}
	return err
}

func (d *decoder) producerProps(dst **EntryAdditionalProducerProps) error {
	if d.lex.Peek() == jsonlex.Null {
		*dst = nil
		return d.lex.Null()
	}
	p := &EntryAdditionalProducerProps{}
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "createdAt":
			return 0, d.unixTime(&p.CreatedAt)
		case "accountedAt":
			return 0, d.nullableDate(&p.AccountedAt)
		case "source":
			return 1, d.source(&p.Source)
		case "partnerMetadata":
			return 2, d.partnerMetadata(&p.PartnerMetadata)
		case "publishingDestination":
			return 0, d.nullableStr(&p.PublishingDestination)
		case "comment":
			return 4, d.nullableStr(&p.Comment)
		case "comments":
			cs := make([]Comment, 0, 1)
			_, err := d.array(func(i int) error {
				cs = append(cs, Comment{})
				return d.comment(&cs[len(cs)-1])
			})
			p.Comments = cs
			return 0, err
		case "validationDate":
			return 0, d.nullableStr(&p.ValidationDate)
		}
		return d.unknown(false)
	})
	if ok {
		*dst = p
		if err == nil {
			d.required(seen, "source", "partnerMetadata", "comment")
		}
	}
	return err
}

func (d *decoder) unixTime(dst *UnixTime) error {
	if k := d.lex.Peek(); k != jsonlex.Number {
		return d.mismatch("integer", k)
	}
	lit, err := d.lex.Number()
	if err != nil {
		return err
	}
	v, err := parseAmount(lit)
	if err != nil || !v.IsInteger() || v.Abs().GreaterThan(maxUnix) {
		d.add(RuleType, "expected an integer number of seconds, got "+quote(lit))
		return nil
	}
	*dst = UnixTime(v.IntPart())
	return nil
}

// integer decodes a JSON integer within ±(2³¹−1) into a new *int, or null
// into nil when nullable; anything else is a type problem.
func (d *decoder) integer(dst **int, nullable bool) error {
	k := d.lex.Peek()
	if k == jsonlex.Null && nullable {
		*dst = nil
		return d.lex.Null()
	}
	if k != jsonlex.Number {
		if nullable {
			return d.mismatch("integer or null", k)
		}
		return d.mismatch("integer", k)
	}
	lit, err := d.lex.Number()
	if err != nil {
		return err
	}
	n, err := parseAmount(lit) // 5, 5.0 and 5e0 are the integer 5, as in JSON Schema
	if err != nil || !n.IsInteger() || n.Abs().GreaterThan(maxInt32) {
		d.add(RuleType, "expected an integer within ±2147483647, got "+quote(lit))
		return nil
	}
	v := int(n.IntPart())
	*dst = &v
	return nil
}

var maxInt32 = decimal.New(1<<31-1, 0)

// maxUnix bounds createdAt to about ±31 million years, well within int64.
var maxUnix = decimal.New(1, 15)

func (d *decoder) source(s *Source) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "name":
			var n string
			err := d.str(&n)
			s.Name = SourceCode(n)
			return 1, err
		case "thirdParty":
			if d.lex.Peek() == jsonlex.Null {
				s.PartnerApp = nil
				return 2, d.lex.Null()
			}
			t := &PartnerApp{}
			tseen, ok, err := d.object(func(key []byte) (uint32, error) {
				switch string(key) {
				case "name":
					return 1, d.str(&t.Name)
				case "code":
					return 2, d.str(&t.Code)
				}
				return d.unknown(false)
			})
			if ok {
				s.PartnerApp = t
				if err == nil {
					d.required(tseen, "name", "code")
				}
			}
			return 2, err
		}
		return d.unknown(false)
	})
	if ok && err == nil {
		d.required(seen, "name", "thirdParty")
	}
	return err
}

func (d *decoder) partnerMetadata(dst **PartnerMetadata) error {
	if d.lex.Peek() == jsonlex.Null {
		*dst = nil
		return d.lex.Null()
	}
	p := &PartnerMetadata{}
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "partnerId":
			return 1, d.str(&p.PartnerID)
		case "json":
			return 2, d.nullableStr(&p.JSON)
		}
		return d.unknown(false)
	})
	if ok {
		*dst = p
		if err == nil {
			d.required(seen, "partnerId", "json")
		}
	}
	return err
}

func (d *decoder) comment(c *Comment) error {
	seen, ok, err := d.object(func(key []byte) (uint32, error) {
		switch string(key) {
		case "date":
			return 1, d.str(&c.Date)
		case "comment":
			return 2, d.str(&c.Comment)
		case "user":
			u := &c.User
			useen, ok, err := d.object(func(key []byte) (uint32, error) {
				switch string(key) {
				case "producerId":
					return 1, d.str(&u.ProducerID)
				case "firstName":
					return 2, d.str(&u.FirstName)
				case "lastName":
					return 4, d.str(&u.LastName)
				}
				return d.unknown(true)
			})
			if ok && err == nil {
				d.required(useen, "producerId", "firstName", "lastName")
			}
			return 4, err
		}
		return d.unknown(true)
	})
	if ok && err == nil {
		d.required(seen, "date", "comment", "user")
	}
	return err
}
