package entry

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of e: no slice, map or pointer of the result is
// shared with e, so either can be modified without changing the other.
// Amounts (decimal.Decimal) and lettering values are immutable and shared
// as they are. Clone of nil is nil.
func (e *Entry) Clone() *Entry {
	if e == nil {
		return nil
	}
	c := *e
	c.Attachments = maps.Clone(c.Attachments)
	c.DueDate = clonePtr(c.DueDate)
	c.Validation = clonePtr(c.Validation)
	c.Currency.Rate = clonePtr(c.Currency.Rate)
	c.Movements = slices.Clone(c.Movements)
	for i := range c.Movements {
		m := &c.Movements[i]
		m.DueDate = clonePtr(m.DueDate)
		m.FreeNumber = clonePtr(m.FreeNumber)
		m.InvoiceNumber = clonePtr(m.InvoiceNumber)
		m.Attachments = maps.Clone(m.Attachments)
		if m.Account != nil {
			a := *m.Account
			a.Number, a.Name = clonePtr(a.Number), clonePtr(a.Name)
			m.Account = &a
		}
		if m.Payment != nil {
			p := *m.Payment
			p.Name, p.Code = clonePtr(p.Name), clonePtr(p.Code)
			m.Payment = &p
		}
		m.Analytics = slices.Clone(m.Analytics)
		for j := range m.Analytics {
			m.Analytics[j].Sections = slices.Clone(m.Analytics[j].Sections)
		}
		m.AdditionalProducerProperties = clonePtr(m.AdditionalProducerProperties)
	}
	if p := c.AdditionalProducerProperties; p != nil {
		pc := *p
		pc.AccountedAt = clonePtr(pc.AccountedAt)
		pc.Source.PartnerApp = clonePtr(pc.Source.PartnerApp)
		if pc.PartnerMetadata != nil {
			pm := *pc.PartnerMetadata
			pm.JSON = clonePtr(pm.JSON)
			pc.PartnerMetadata = &pm
		}
		pc.PublishingDestination = clonePtr(pc.PublishingDestination)
		pc.Comment = clonePtr(pc.Comment)
		pc.Comments = slices.Clone(pc.Comments)
		pc.ValidationDate = clonePtr(pc.ValidationDate)
		c.AdditionalProducerProperties = &pc
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
