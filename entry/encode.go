package entry

import (
	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"slices"
	"strconv"

	"github.com/ledgersink/ledgersink/lettering"
	"github.com/ledgersink/ledgersink/period"
	"github.com/shopspring/decimal"
)

// encoder appends JSON to a buffer, keys in the order of MyUnisoft's documentation, amounts
// as plain numbers with their digits. The first error (an invalid date, an
// amount beyond the limits) is kept and stops nothing; the caller checks it
// at the end.
type encoder struct {
	b   []byte
	err error
}

func (w *encoder) raw(s string) { w.b = append(w.b, s...) }

func (w *encoder) str(s string) { w.b = appendString(w.b, s) }

// amount writes d with its digits; one beyond the amount limits is written
// as 0 and makes the encoding fail with an error matching ErrNumber.
func (w *encoder) amount(d decimal.Decimal) {
	if err := checkAmount(d); err != nil {
		if w.err == nil {
			w.err = err
		}
		w.b = append(w.b, '0')
		return
	}
	w.b = appendAmount(w.b, d)
}

func (w *encoder) nullableStr(s *string) {
	if s == nil {
		w.raw("null")
		return
	}
	w.str(*s)
}

func (w *encoder) date(d period.Date) {
	w.b = append(w.b, '"')
	var err error
	w.b, err = d.AppendText(w.b)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.b = append(w.b, '"')
}

func (w *encoder) nullableDate(d *period.Date) {
	if d == nil {
		w.raw("null")
		return
	}
	w.date(*d)
}

func (w *encoder) entry(e *Entry) {
	w.b = append(w.b, '{')
	if e.BranchID != "" {
		w.raw(`"etablissement_id":`)
		w.str(e.BranchID)
		w.b = append(w.b, ',')
	}
	if e.Type != 0 {
		w.raw(`"type":`)
		w.b = strconv.AppendInt(w.b, int64(e.Type), 10)
		w.b = append(w.b, ',')
	}
	if e.Validation != nil {
		w.raw(`"validation":`)
		w.b = strconv.AppendInt(w.b, int64(*e.Validation), 10)
		w.b = append(w.b, ',')
	}
	w.raw(`"producerId":`)
	w.str(e.ProducerID)
	w.raw(`,"attachments":`)
	w.attachments(e.Attachments)
	w.raw(`,"date":`)
	w.date(e.Date)
	w.raw(`,"dueDate":`)
	w.nullableDate(e.DueDate)
	w.raw(`,"journal":{"producerId":`)
	w.str(e.Journal.ProducerID)
	w.raw(`,"customerReferenceCode":`)
	w.str(e.Journal.CustomerReferenceCode)
	w.raw(`,"name":`)
	w.str(e.Journal.Name)
	w.raw(`,"type":`)
	w.str(string(e.Journal.Type))
	w.raw(`},"currency":`)
	w.currency(&e.Currency)
	w.raw(`,"movements":[`)
	for i := range e.Movements {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.movement(&e.Movements[i])
	}
	w.b = append(w.b, ']')
	if p := e.AdditionalProducerProperties; p != nil {
		w.raw(`,"additionalProducerProperties":`)
		w.producerProps(p)
	}
	w.b = append(w.b, '}')
}

func (w *encoder) currency(c *Currency) {
	w.raw(`{"code":`)
	w.str(c.Code)
	if c.Rate != nil {
		w.raw(`,"rate":`)
		w.amount(*c.Rate)
	}
	w.b = append(w.b, '}')
}

func (w *encoder) attachments(m map[string]Attachment) {
	w.b = append(w.b, '{')
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for i, k := range names {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(k)
		w.raw(`:{"type":`)
		w.str(string(m[k].Type))
		w.raw(`,"value":`)
		w.str(m[k].Value)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, '}')
}

func (w *encoder) value(v *MovementValue) {
	w.raw(`{"credit":`)
	w.amount(v.Credit)
	w.raw(`,"debit":`)
	w.amount(v.Debit)
	w.raw(`,"amount":`)
	w.amount(v.Amount)
	w.b = append(w.b, '}')
}

func (w *encoder) lettering(l lettering.Lettering) {
	w.raw(`{"state":`)
	w.str(string(l.State()))
	w.raw(`,"value":`)
	if l.IsZero() {
		w.raw("null")
	} else {
		w.str(l.Code())
	}
	w.b = append(w.b, '}')
}

func (w *encoder) movement(m *Movement) {
	w.raw(`{"producerId":`)
	w.str(m.ProducerID)
	w.raw(`,"description":`)
	w.str(m.Description)
	w.raw(`,"value":`)
	w.value(&m.Value)
	w.raw(`,"dueDate":`)
	w.nullableDate(m.DueDate)
	w.raw(`,"lettering":`)
	w.lettering(m.Lettering)
	w.raw(`,"freeNumber":`)
	w.nullableStr(m.FreeNumber)
	w.raw(`,"invoiceNumber":`)
	w.nullableStr(m.InvoiceNumber)
	w.raw(`,"attachments":`)
	w.attachments(m.Attachments)
	w.raw(`,"account":`)
	if a := m.Account; a == nil {
		w.raw("null")
	} else {
		w.raw(`{"producerId":`)
		w.str(a.ProducerID)
		w.raw(`,"number":`)
		w.nullableStr(a.Number)
		w.raw(`,"name":`)
		w.nullableStr(a.Name)
		w.b = append(w.b, '}')
	}
	w.raw(`,"payment":`)
	if p := m.Payment; p == nil {
		w.raw("null")
	} else {
		w.raw(`{"producerId":`)
		w.str(p.ProducerID)
		w.raw(`,"name":`)
		w.nullableStr(p.Name)
		w.raw(`,"code":`)
		if p.Code == nil {
			w.raw("null")
		} else {
			w.str(string(*p.Code))
		}
		w.b = append(w.b, '}')
	}
	w.raw(`,"analytics":[`)
	for i := range m.Analytics {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.axis(&m.Analytics[i])
	}
	w.b = append(w.b, ']')
	if p := m.AdditionalProducerProperties; p != nil {
		w.raw(`,"additionalProducerProperties":{"comment":`)
		w.str(p.Comment)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, '}')
}

func (w *encoder) axis(a *MovementAnalytics) {
	w.raw(`{"producerId":`)
	w.str(a.ProducerID)
	w.raw(`,"code":`)
	w.str(a.Code)
	w.raw(`,"name":`)
	w.str(a.Name)
	w.raw(`,"sections":[`)
	for i := range a.Sections {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.section(&a.Sections[i])
	}
	w.raw(`]}`)
}

func (w *encoder) section(s *AnalyticSection) {
	w.raw(`{"producerId":`)
	w.str(s.ProducerID)
	w.raw(`,"amount":`)
	w.amount(s.Amount)
	w.raw(`,"rate":`)
	w.amount(s.Rate)
	w.raw(`,"code":`)
	w.str(s.Code)
	w.raw(`,"name":`)
	w.str(s.Name)
	w.b = append(w.b, '}')
}

func (w *encoder) producerProps(p *EntryAdditionalProducerProps) {
	w.b = append(w.b, '{')
	if p.CreatedAt != 0 {
		w.raw(`"createdAt":`)
		w.b = strconv.AppendInt(w.b, int64(p.CreatedAt), 10)
		w.b = append(w.b, ',')
	}
	if p.AccountedAt != nil {
		w.raw(`"accountedAt":`)
		w.date(*p.AccountedAt)
		w.b = append(w.b, ',')
	}
	w.raw(`"source":{"name":`)
	w.str(string(p.Source.Name))
	w.raw(`,"thirdParty":`)
	if t := p.Source.PartnerApp; t == nil {
		w.raw("null")
	} else {
		w.raw(`{"name":`)
		w.str(t.Name)
		w.raw(`,"code":`)
		w.str(t.Code)
		w.b = append(w.b, '}')
	}
	w.raw(`},"partnerMetadata":`)
	if m := p.PartnerMetadata; m == nil {
		w.raw("null")
	} else {
		w.raw(`{"partnerId":`)
		w.str(m.PartnerID)
		w.raw(`,"json":`)
		w.nullableStr(m.JSON)
		w.b = append(w.b, '}')
	}
	w.raw(`,"comment":`)
	w.nullableStr(p.Comment)
	if p.PublishingDestination != nil {
		w.raw(`,"publishingDestination":`)
		w.str(*p.PublishingDestination)
	}
	if p.Comments != nil {
		w.raw(`,"comments":[`)
		for i, c := range p.Comments {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.raw(`{"date":`)
			w.str(c.Date)
			w.raw(`,"comment":`)
			w.str(c.Comment)
			w.raw(`,"user":{"producerId":`)
			w.str(c.User.ProducerID)
			w.raw(`,"firstName":`)
			w.str(c.User.FirstName)
			w.raw(`,"lastName":`)
			w.str(c.User.LastName)
			w.raw(`}}`)
		}
		w.b = append(w.b, ']')
	}
	if p.ValidationDate != nil {
		w.raw(`,"validationDate":`)
		w.str(*p.ValidationDate)
	}
	w.b = append(w.b, '}')
}

// appendString appends s as a JSON string (see jsonlex.AppendString).
func appendString(b []byte, s string) []byte { return jsonlex.AppendString(b, s) }
