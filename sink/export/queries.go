package export

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink/document"
)

// Mutation is one change of a document since its last logged export:
// FieldName is "status", "invoiceDate" or "type" with
// the exported (OldValue) and current (NewValue) values, "other" when the
// document changed elsewhere (amounts, lines...), or "deleted" when the
// source no longer holds it.
type Mutation struct {
	FieldName string `json:"fieldName"`
	OldValue  string `json:"oldValue,omitempty"`
	NewValue  string `json:"newValue,omitempty"`
}

// The field names of a Mutation.
const (
	FieldStatus      = "status"
	FieldInvoiceDate = "invoiceDate"
	FieldType        = "type"
	FieldOther       = "other"
	FieldDeleted     = "deleted"
)

// mutations compares the exported item with the current document (nil when
// the source no longer holds it): with the version exported, not with the
// previous sync, so A→B→A is no mutation.
func mutations(it *Item, d *document.Doc) []Mutation {
	if d == nil {
		return []Mutation{{FieldName: FieldDeleted}}
	}
	var ms []Mutation
	if it.Status != d.Status {
		ms = append(ms, Mutation{FieldStatus, it.Status, d.Status})
	}
	if it.InvoiceDate != d.InvoiceDate {
		ms = append(ms, Mutation{FieldInvoiceDate, dateString(it.InvoiceDate), dateString(d.InvoiceDate)})
	}
	if it.Type != d.Type {
		ms = append(ms, Mutation{FieldType, it.Type, d.Type})
	}
	if len(ms) == 0 && !it.holds(d) {
		ms = append(ms, Mutation{FieldName: FieldOther})
	}
	return ms
}

func dateString(d period.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// Summary is one line of the summary list (published as
// incoming-summary-list.json, say; see SummaryList), in JSON:
//
//	{
//	  "id": "260703856723232639",
//	  "type": "purchase_invoice",
//	  "version": "1739789160",
//	  "createDate": "2019-07-11T12:03:14.066Z",   // absent when unknown
//	  "invoiceDate": "2019-07-11",                // absent when unknown
//	  "status": "open",                           // absent when empty
//	  "pending": false,                           // to export: never exported, or changed since
//	  "exportId": "3f9a0c1d2e4b5a6c7d8e",         // latest live logged export; absent if none
//	  "fileName": "export-3f9a0c1d2e4b5a6c7d8e-march.csv",
//	  "allFiles": ["export-3f9a...csv", "unlogged-export-...csv"], // every live export holding it, oldest first
//	  "mutations": [{"fieldName": "status", "oldValue": "open", "newValue": "paid"}],
//	  "docDeleted": true                          // gone from the source since exported; absent otherwise
//	}
//
// Mutations are those since the latest live logged export ([] when the
// document has none, or was never exported). A document the source no longer
// holds is listed while a live export holds it, with docDeleted and the
// mutation "deleted", so that its deletion can be exported too.
type Summary struct {
	ID          string      `json:"id"`
	Type        string      `json:"type"`
	Version     string      `json:"version"`
	CreateDate  time.Time   `json:"createDate,omitzero"`
	InvoiceDate period.Date `json:"invoiceDate,omitzero"`
	Status      string      `json:"status,omitempty"`
	Pending     bool        `json:"pending"`
	ExportID    string      `json:"exportId,omitempty"`
	FileName    string      `json:"fileName,omitempty"`
	AllFiles    []string    `json:"allFiles"`
	Mutations   []Mutation  `json:"mutations"`
	Deleted     bool        `json:"docDeleted,omitempty"`
}

func summarize(d *document.Doc, ix index) Summary {
	s := Summary{ID: d.ID, Type: d.Type, Version: d.Version, InvoiceDate: d.InvoiceDate, Status: d.Status,
		Pending: ix.pending(d), AllFiles: []string{}, Mutations: []Mutation{}}
	if !d.Created.IsZero() {
		s.CreateDate = d.Created.UTC()
	}
	for _, h := range ix[d.ID] {
		s.AllFiles = append(s.AllFiles, h.rec.Manifest.Name)
	}
	if h, ok := ix.lastLogged(d.ID); ok {
		s.ExportID, s.FileName = h.rec.Manifest.ID, h.rec.Manifest.Name
		if ms := mutations(h.item, d); len(ms) > 0 {
			s.Mutations = ms
		}
	}
	return s
}

// Summaries returns the summary list: one Summary per document of the
// source, then one per document that a live export holds but the source no
// longer does, all in id order. It reads the state once and streams the
// source once. Errors: the source's and the store's, ErrDamaged.
func (t *Tracker) Summaries(ctx context.Context) ([]Summary, error) {
	v, err := t.load(ctx)
	if err != nil {
		return nil, err
	}
	return t.summaries(ctx, v.st)
}

func (t *Tracker) summaries(ctx context.Context, st *state) ([]Summary, error) {
	ix := st.index()
	out := []Summary{}
	seen := map[string]bool{}
	for d, err := range t.headers(ctx) {
		if err != nil {
			return nil, err
		}
		seen[d.ID] = true
		out = append(out, summarize(d, ix))
	}
	for id, hs := range ix {
		if seen[id] {
			continue
		}
		last := hs[len(hs)-1]
		if h, ok := ix.lastLogged(id); ok {
			last = h
		}
		it := last.item
		s := Summary{ID: id, Type: it.Type, Version: it.Version, CreateDate: it.Created, InvoiceDate: it.InvoiceDate,
			Status: it.Status, Deleted: true, AllFiles: []string{}, Mutations: []Mutation{{FieldName: FieldDeleted}}}
		for _, h := range hs {
			s.AllFiles = append(s.AllFiles, h.rec.Manifest.Name)
		}
		if h, ok := ix.lastLogged(id); ok {
			s.ExportID, s.FileName = h.rec.Manifest.ID, h.rec.Manifest.Name
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Pending returns the summaries of the pending documents (never exported,
// or changed since their last live logged export) that sel's date ranges
// keep, in id order; sel's IDs, when given, restrict the list to them, and
// Again is ignored. A nil sel lists every pending document. Errors: the
// source's and the store's.
func (t *Tracker) Pending(ctx context.Context, sel *Selection) ([]Summary, error) {
	var out []Summary
	err := t.eachPending(ctx, sel, func(d *document.Doc, ix index) {
		out = append(out, summarize(d, ix))
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// eachPending calls fn with each pending document sel keeps (see Pending),
// in the source's order, and the state's index.
func (t *Tracker) eachPending(ctx context.Context, sel *Selection, fn func(*document.Doc, index)) error {
	var s Selection
	if sel != nil {
		s = *sel
	}
	v, err := t.load(ctx)
	if err != nil {
		return err
	}
	ix := v.st.index()
	var only map[string]bool
	if len(s.IDs) > 0 {
		only = make(map[string]bool, len(s.IDs))
		for _, id := range s.IDs {
			only[id] = true
		}
	}
	for d, err := range t.headers(ctx) {
		if err != nil {
			return err
		}
		if (only == nil || only[d.ID]) && s.inRange(d) && ix.pending(d) {
			fn(d, ix)
		}
	}
	return nil
}

// Mutations returns the mutations of one document since its last live logged
// export: nil when it was never exported (or all its exports were deleted)
// or has not changed since. Errors: the source's and the store's.
func (t *Tracker) Mutations(ctx context.Context, id string) ([]Mutation, error) {
	v, err := t.load(ctx)
	if err != nil {
		return nil, err
	}
	h, ok := v.st.index().lastLogged(id)
	if !ok {
		return nil, nil
	}
	var cur *document.Doc
	for d, err := range t.headers(ctx) {
		if err != nil {
			return nil, err
		}
		if d.ID == id {
			cur = d
			break
		}
	}
	return mutations(h.item, cur), nil
}

// FileSummary describes one live export file, with what a list of export
// files shows of it. In JSON:
//
//	{
//	  "id": "3f9a0c1d2e4b5a6c7d8e",
//	  "name": "export-3f9a0c1d2e4b5a6c7d8e-march.csv",
//	  "key": "_ledgersink/export/files/3f9a0c1d2e4b5a6c7d8e/export-3f9a0c1d2e4b5a6c7d8e-march.csv",
//	  "format": "csv",
//	  "logged": true,
//	  "createdAt": "2024-03-01T12:00:00Z",
//	  "documents": 12,        // documents in the file
//	  "mutated": 2,           // of which changed, or deleted from the source, since the export
//	  "createdFrom": "2024-01-02T09:00:00Z", "createdTo": "2024-02-27T17:30:00Z", // absent when unknown
//	  "invoiceFrom": "2024-01-01", "invoiceTo": "2024-02-27"                      // absent when unknown
//	}
type FileSummary struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Key       string    `json:"key"`
	Format    string    `json:"format"`
	Logged    bool      `json:"logged"`
	CreatedAt time.Time `json:"createdAt"`
	Counts              // documents in the file; Mutated: changed, or deleted from the source, since the export
}

// Counts counts a set of documents without listing them: how many, how
// many changed since they were exported (Mutated; what that means depends
// on the query), and the ranges of their creation and invoice dates (zero
// when none of them has the date). In JSON:
//
//	{"documents": 12, "mutated": 2,
//	 "createdFrom": "2024-01-02T09:00:00Z", "createdTo": "2024-02-27T17:30:00Z",
//	 "invoiceFrom": "2024-01-01", "invoiceTo": "2024-02-27"}
type Counts struct {
	Documents   int         `json:"documents"`
	Mutated     int         `json:"mutated"`
	CreatedFrom time.Time   `json:"createdFrom,omitzero"`
	CreatedTo   time.Time   `json:"createdTo,omitzero"`
	InvoiceFrom period.Date `json:"invoiceFrom,omitzero"`
	InvoiceTo   period.Date `json:"invoiceTo,omitzero"`
}

// add counts one document.
func (c *Counts) add(created time.Time, invoice period.Date, mutated bool) {
	c.Documents++
	if mutated {
		c.Mutated++
	}
	if !created.IsZero() {
		created = created.UTC()
		if c.CreatedFrom.IsZero() || created.Before(c.CreatedFrom) {
			c.CreatedFrom = created
		}
		if created.After(c.CreatedTo) {
			c.CreatedTo = created
		}
	}
	if !invoice.IsZero() {
		if c.InvoiceFrom.IsZero() || invoice.Before(c.InvoiceFrom) {
			c.InvoiceFrom = invoice
		}
		if c.InvoiceTo.IsZero() || invoice.After(c.InvoiceTo) {
			c.InvoiceTo = invoice
		}
	}
}

// PendingCount counts the pending documents that sel keeps, as Pending
// lists them, without listing them: how many, how many of them were
// exported before and changed since (Mutated; the others were never
// exported), and the ranges of their creation and invoice dates. A nil sel
// counts every pending document. It streams the source once, keeping
// nothing per document. Errors: the source's and the store's, ErrDamaged.
func (t *Tracker) PendingCount(ctx context.Context, sel *Selection) (Counts, error) {
	var c Counts
	err := t.eachPending(ctx, sel, func(d *document.Doc, ix index) {
		_, exported := ix.lastLogged(d.ID)
		c.add(d.Created, d.InvoiceDate, exported)
	})
	if err != nil {
		return Counts{}, err
	}
	return c, nil
}

// Files returns the live exports, oldest first, each with its counts and
// date ranges. Errors: the source's and the store's.
func (t *Tracker) Files(ctx context.Context) ([]FileSummary, error) {
	return t.files(ctx, func(*Manifest) bool { return true })
}

func (t *Tracker) files(ctx context.Context, keep func(*Manifest) bool) ([]FileSummary, error) {
	v, err := t.load(ctx)
	if err != nil {
		return nil, err
	}
	cur := map[string]*document.Doc{}
	for d, err := range t.headers(ctx) {
		if err != nil {
			return nil, err
		}
		cur[d.ID] = &document.Doc{ID: d.ID, Type: d.Type, Version: d.Version, Hash: d.Hash} // no payload kept
	}
	var out []FileSummary
	for _, r := range v.st.Exports {
		if r.live() && keep(r.Manifest) {
			out = append(out, fileSummary(r.Manifest, cur))
		}
	}
	return out, nil
}

func fileSummary(m *Manifest, cur map[string]*document.Doc) FileSummary {
	f := FileSummary{ID: m.ID, Name: m.Name, Key: m.File, Format: m.Format, Logged: m.Logged, CreatedAt: m.CreatedAt}
	for i := range m.Documents {
		it := &m.Documents[i]
		d := cur[it.ID]
		f.add(it.Created, it.InvoiceDate, d == nil || !it.holds(d))
	}
	return f
}

// ExportsOf returns the live exports holding a document, oldest first,
// logged or not, each with its counts as Files gives them. Errors: the
// source's and the store's.
func (t *Tracker) ExportsOf(ctx context.Context, id string) ([]FileSummary, error) {
	return t.files(ctx, func(m *Manifest) bool {
		return slices.ContainsFunc(m.Documents, func(it Item) bool { return it.ID == id })
	})
}
