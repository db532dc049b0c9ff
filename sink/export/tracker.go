package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
)

// Source gives the current documents: a *capture.Capture is one (its stored
// snapshot). Documents must yield each id once; a read error must be yielded,
// never taken as "no documents". A document whose Hash is empty is hashed
// by the tracker (document.ContentHash of its Data), so that a change of
// content without a new version is seen.
type Source interface {
	Documents(ctx context.Context) iter.Seq2[*document.Doc, error]
}

// HeaderSource is the optional interface of a Source that can list its
// documents without their data (Data nil), more cheaply: the queries, which
// need no payload, use it when the Source has it. The documents it yields
// must have their Hash set, since the tracker cannot hash data it is not
// given. *capture.Capture has it.
type HeaderSource interface {
	Headers(ctx context.Context) iter.Seq2[*document.Doc, error]
}

// SelectSource is the optional interface of a Source that can pick documents
// by their headers before decoding their data: Select calls keep with each
// document without its data (its Hash set, as HeaderSource gives them) and
// yields, with their data, those kept. Export uses it, so that selecting a
// few documents out of many decodes only those. *capture.Capture has it.
type SelectSource interface {
	Select(ctx context.Context, keep func(*document.Doc) bool) iter.Seq2[*document.Doc, error]
}

// headers lists the source's documents, without their data when it can,
// each with its Hash.
func (t *Tracker) headers(ctx context.Context) iter.Seq2[*document.Doc, error] {
	if h, ok := t.src.(HeaderSource); ok {
		return withHashes(h.Headers(ctx))
	}
	return withHashes(t.src.Documents(ctx))
}

// withHashes yields the documents of seq with their Hash set: a copy
// hashed with document.ContentHash when the source gave none. It stops at
// the first error.
func withHashes(seq iter.Seq2[*document.Doc, error]) iter.Seq2[*document.Doc, error] {
	return func(yield func(*document.Doc, error) bool) {
		for d, err := range seq {
			if err == nil {
				d, err = hashed(d)
			}
			if !yield(d, err) || err != nil {
				return
			}
		}
	}
}

// hashed returns d when it has a Hash, otherwise a copy of d with the hash
// of its data.
func hashed(d *document.Doc) (*document.Doc, error) {
	switch {
	case d == nil:
		return nil, fmt.Errorf("%w: the source yielded a nil document", ErrConfig)
	case d.Hash != "":
		return d, nil
	case d.Data == nil:
		return nil, fmt.Errorf("%w: document %q has neither a hash nor data: a source that lists documents without their data must set their Hash", ErrConfig, d.ID)
	}
	h, err := document.ContentHash(d.Data)
	if err != nil {
		return nil, fmt.Errorf("export: document %q: %w", d.ID, err)
	}
	c := *d
	c.Hash = h
	return &c, nil
}

// Options tunes a Tracker. A nil pointer or the zero value gives the
// defaults documented on each field; New copies them.
type Options struct {
	// Dir is the directory of the store holding the export files, the
	// manifests and the state. "" means "export" under
	// sink.DefaultStateDir.
	Dir string
	// Now dates the exports, deletions and syncs. Nil means time.Now.
	Now func() time.Time
	// KeepGenerations is how many generations of the state are kept:
	// older ones are deleted, in bulk, once twice as many exist. 0 means
	// 64; a negative value keeps them all.
	KeepGenerations int
	// FileName is the text/template of the export files' names, executed
	// with a NameData; "" means DefaultFileName. The name must be a single
	// valid key element (no "/"); an encoder that dictates its name
	// (FileNamer, such as the FEC) keeps it. The files of two exports never
	// collide, whatever their names: each lives in a folder named after
	// its export's id. The form
	// "[unlogged-]purchase-export-[datetime-stamp]-[ext].xlsx" is
	//
	//	{{if not .Logged}}unlogged-{{end}}purchase-export-{{.At.Format "20060102 150405"}}{{with .Ext}}-{{.}}{{end}}{{.Extension}}
	FileName string
	// SummaryList, when set, is the key of the published summary list
	// (see SummaryList): Export, Delete and Synced rewrite it after each
	// change. It must not be inside Dir's files, manifests, state or
	// exports folders.
	SummaryList string
}

// Tracker keeps track of the exports of a source's documents: what was
// exported, where, at which version; what is pending; what changed since.
// The package documentation describes the files it keeps under
// Options.Dir.
//
// A Tracker is safe for concurrent use, and several processes may share a
// store: every change of the state is a create-only write of the next
// generation, so that of two concurrent changes one wins and the other is
// applied again on top of it, or refused if it conflicts.
type Tracker struct {
	store   storage.Store
	src     Source
	dir     string
	now     func() time.Time
	log     *generation.Log
	names   *template.Template
	summary string
}

// New returns a Tracker of src's documents keeping its records in store.
// It does no I/O. It fails with an error matching ErrConfig when store or src
// is nil, Dir or SummaryList is not a valid key, or FileName does not parse.
func New(store storage.Store, src Source, opts *Options) (*Tracker, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Dir == "" {
		o.Dir = sink.DefaultStateDir + "/export"
	}
	var problems []string
	if store == nil {
		problems = append(problems, "no store")
	}
	if src == nil {
		problems = append(problems, "no source")
	}
	if !storage.ValidKey(o.Dir) {
		problems = append(problems, fmt.Sprintf("directory %q is not a valid key", o.Dir))
	}
	if o.SummaryList != "" {
		if !storage.ValidKey(o.SummaryList) {
			problems = append(problems, fmt.Sprintf("summary list %q is not a valid key", o.SummaryList))
		}
		for _, sub := range []string{filesDir, manifestsDir, stateDir, legacyDir} {
			if strings.HasPrefix(o.SummaryList+"/", o.Dir+sub) {
				problems = append(problems, fmt.Sprintf("summary list %q is inside %s", o.SummaryList, o.Dir+sub))
			}
		}
		if strings.HasPrefix(o.Dir+"/", o.SummaryList+"/") {
			problems = append(problems, fmt.Sprintf("summary list %q holds the directory %q", o.SummaryList, o.Dir))
		}
	}
	names, err := parseFileName(o.FileName)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	keep := o.KeepGenerations
	switch {
	case keep == 0:
		keep = 64
	case keep < 0:
		keep = 0 // the log keeps every record
	}
	return &Tracker{store: store, src: src, dir: o.Dir, now: o.Now, log: newLog(store, o.Dir, keep), names: names, summary: o.SummaryList}, nil
}

// Manifest is the immutable record of one export: its id, its file, whether
// it is logged, and each document it holds at the version exported.
type Manifest struct {
	ID        string    `json:"id"`
	File      string    `json:"file"` // the file's key in the store
	Name      string    `json:"name"` // the file's base name
	Format    string    `json:"format"`
	Logged    bool      `json:"logged"`
	CreatedAt time.Time `json:"createdAt"`
	Base      int64     `json:"base"`          // the state generation the documents were selected at
	Key       string    `json:"key,omitempty"` // the request's Key, if any
	FileHash  string    `json:"fileHash"`      // SHA-256 of the file, hex
	// Committed is the state generation that committed the export, which
	// orders exports; 0 for exports committed by earlier versions.
	Committed int64 `json:"committed,omitempty"`
	// Companions are the keys of the files written with the export file
	// (see [Companion]), such as a FEC's description.
	Companions []string `json:"companions,omitempty"`
	Documents  []Item   `json:"documents"`
}

// Item is one document of an export, as it was exported.
type Item struct {
	ID          string      `json:"id"`
	Type        string      `json:"type"`
	Version     string      `json:"version"`
	Hash        string      `json:"hash,omitempty"`
	Status      string      `json:"status,omitempty"`
	Created     time.Time   `json:"createDate,omitzero"`
	InvoiceDate period.Date `json:"invoiceDate,omitzero"`
}

func itemOf(d *document.Doc) Item {
	it := Item{ID: d.ID, Type: d.Type, Version: d.Version, Hash: d.Hash, Status: d.Status, InvoiceDate: d.InvoiceDate}
	if !d.Created.IsZero() {
		it.Created = d.Created.UTC()
	}
	return it
}

// holds reports whether it is the version of d: the same type, version and
// content hash. An item recorded without a hash (by an earlier version, for
// a source that gave none) compares types and versions only.
func (it *Item) holds(d *document.Doc) bool {
	return it.Type == d.Type && it.Version == d.Version && (it.Hash == "" || it.Hash == d.Hash)
}

// covers reports whether it, exported, holds the version of document o
// holds, as holds does.
func (it *Item) covers(o *Item) bool {
	return it.Type == o.Type && it.Version == o.Version && (it.Hash == "" || it.Hash == o.Hash)
}

// index maps document ids to the live exports holding them, oldest first.
type index map[string][]held

type held struct {
	rec  *recorded
	item *Item
}

func (st *state) index() index {
	ix := index{}
	for _, r := range st.Exports {
		if !r.live() {
			continue
		}
		for i := range r.Manifest.Documents {
			it := &r.Manifest.Documents[i]
			ix[it.ID] = append(ix[it.ID], held{r, it})
		}
	}
	return ix
}

// lastLogged returns the latest live logged export holding id, if any.
func (ix index) lastLogged(id string) (held, bool) {
	hs := ix[id]
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].rec.Manifest.Logged {
			return hs[i], true
		}
	}
	return held{}, false
}

// pending reports whether d is to export: no live logged export holds its
// current version.
func (ix index) pending(d *document.Doc) bool {
	for _, h := range ix[d.ID] {
		if h.rec.Manifest.Logged && h.item.holds(d) {
			return false
		}
	}
	return true
}

// Selection chooses the documents of an export or a query. The zero value
// selects every pending document.
type Selection struct {
	// IDs, when not empty, selects exactly these documents: an id the
	// source does not hold fails the export (*SelectionError).
	IDs []string
	// CreatedFrom, CreatedTo, InvoiceFrom and InvoiceTo keep the documents
	// created (in UTC) or invoiced within the range, both ends included;
	// a zero bound is open. A document without the date is left out by a
	// range on it.
	CreatedFrom, CreatedTo period.Date
	InvoiceFrom, InvoiceTo period.Date
	// Again also selects documents whose current version was exported
	// already (by a live logged export): a deliberate re-export. Without
	// it, such documents are left out of a range, and fail an export that
	// names them in IDs.
	Again bool
}

func (s *Selection) inRange(d *document.Doc) bool {
	in := func(v, from, to period.Date) bool {
		if from.IsZero() && to.IsZero() {
			return true
		}
		if v.IsZero() {
			return false
		}
		return (from.IsZero() || !v.Before(from)) && (to.IsZero() || !v.After(to))
	}
	var created period.Date
	if !d.Created.IsZero() {
		created = period.DateOf(d.Created.UTC())
	}
	return in(created, s.CreatedFrom, s.CreatedTo) && in(d.InvoiceDate, s.InvoiceFrom, s.InvoiceTo)
}

// Request describes one export.
type Request struct {
	Selection
	// Encoder writes the file. Required.
	Encoder Encoder
	// Ext is the user's extension of the file name ("march", "client A"):
	// sanitised to lower-case letters, digits, '-' and '_', at most 32 bytes.
	Ext string
	// Unlogged writes the file and records it as unlogged: its documents
	// stay pending and keep their mutations (a preview, an extra copy).
	// Its selection is not limited to pending documents: the zero
	// Selection takes every document, and Again is implied.
	Unlogged bool
	// Key, when set, makes the request idempotent: an Export whose Key a
	// committed export already has returns that export's manifest, and
	// exports nothing. Use a job or request id, so that a caller retrying
	// after a failure gets the export back rather than ErrNothing. The
	// Key of an export deleted since fails with ErrDeleted: a new export
	// needs a new Key.
	Key string
}

// Export writes an export of the selected documents: it encodes the file and
// stores it (create-only), commits the export to the state, then stores its
// manifest (create-only). It returns the manifest.
//
// The export's id is derived from the state it was selected at and from
// the selection (document ids, types, versions and content hashes), the
// format, the extension and the logged flag. A retry after a failure or a
// crash at any step, against the same state and documents, therefore finds
// the same id and completes the same export: nothing is exported twice, and
// no document is ever marked exported into a file that does not exist. A
// retry that finds the export's file already there with other bytes than
// it encoded refuses it (an error matching ErrFileConflict) and records
// nothing: a file replaced by hand is never adopted. A retry whose file
// name differs (a name template using the instant) removes its own file
// once it finds the export committed by the earlier attempt, and returns
// that export.
//
// A retry after the export was committed finds nothing pending and returns
// ErrNothing, unless the request has a Key: it then returns the committed
// export (and publishes the summary list, which the committing attempt may
// not have done; without a Key, call Publish). An export deleted meanwhile (by Delete, even while this call ran)
// is never reported as a success: Export fails with an error matching
// ErrDeleted and removes any file of it it finds.
//
// Two exports running at once (in one process or several) both write their
// files; the first to commit wins. The other is committed on top of it when
// their documents do not overlap, and fails with a *ConflictError otherwise
// (its file is left unreferenced: not listed, never counted, removed by
// Tracker.Sweep); select again and retry.
//
// When Options.SummaryList is set, Export rewrites the summary list once
// the export is committed; if that fails, it returns the manifest with an
// error matching ErrPublish (Publish writes the list again).
//
// Errors: ErrConfig without an encoder or for a file name that is not
// valid; ErrNothing when the selection is empty (no file is written); a
// *SelectionError for ids the source does not hold or that are not
// pending; a *ConflictError; ErrFileConflict; ErrDeleted; ErrDamaged for
// records that do not decode; the encoder's error (for example a
// *FECError); the source's and the store's errors; ctx.Err().
func (t *Tracker) Export(ctx context.Context, req *Request) (*Manifest, error) {
	if req == nil || req.Encoder == nil {
		return nil, fmt.Errorf("%w: no encoder", ErrConfig)
	}
	v, err := t.load(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.repair(ctx, v); err != nil {
		return nil, err
	}
	st := v.st
	if req.Key != "" {
		for _, r := range st.Exports {
			if r.Manifest.Key == req.Key {
				if !r.live() {
					return nil, fmt.Errorf("%w: %s, the export of request %q", ErrDeleted, r.Manifest.ID, req.Key)
				}
				// A retry: the attempt that committed it may have died
				// before it published the list.
				return r.Manifest, t.publish(ctx)
			}
		}
	}
	docs, err := t.selectDocs(ctx, st, &req.Selection, !req.Unlogged)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, ErrNothing
	}
	m := &Manifest{Format: req.Encoder.Format(), Logged: !req.Unlogged, Base: st.Generation, Key: req.Key, CreatedAt: t.now().UTC()}
	for _, d := range docs {
		m.Documents = append(m.Documents, itemOf(d))
	}
	ext := SanitizeExt(req.Ext)
	m.ID = exportID(m, ext)
	if m.Name, err = t.fileName(req.Encoder, &NameData{ID: m.ID, Ext: ext, Logged: m.Logged, At: m.CreatedAt, Format: m.Format, Extension: extensionOf(req.Encoder)}); err != nil {
		return nil, err
	}
	m.File = t.filesPrefix(m.ID) + m.Name
	if !storage.ValidKey(m.File) {
		return nil, fmt.Errorf("%w: file key %q is not valid (too long?)", ErrConfig, m.File)
	}
	var companion *storage.BatchObject
	if c, ok := req.Encoder.(Companion); ok {
		name, data := c.Companion(m.Name)
		if name == m.Name || !storage.ValidElement(name) {
			return nil, fmt.Errorf("%w: companion file name %q", ErrConfig, name)
		}
		companion = &storage.BatchObject{Key: t.filesPrefix(m.ID) + name, Data: data}
		m.Companions = append(m.Companions, companion.Key)
	}

	// 1. The file, and its companion: the bytes encoded, or those of an
	// interrupted attempt if they are the same.
	var buf bytes.Buffer
	if err := req.Encoder.Encode(&buf, docs); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	m.FileHash = hex.EncodeToString(sum[:])
	files := []storage.BatchObject{{Key: m.File, Data: buf.Bytes()}}
	types := []string{req.Encoder.ContentType()}
	if companion != nil {
		files = append(files, *companion)
		types = append(types, "text/plain; charset=utf-8")
	}
	for i, f := range files {
		_, err := storage.PutOnce(ctx, t.store, f.Key, f.Data, &storage.PutOptions{ContentType: types[i]})
		if errors.Is(err, storage.ErrConflict) {
			return nil, fmt.Errorf("%w: %w", ErrFileConflict, err)
		}
		if err != nil {
			return nil, err
		}
	}

	// 2. The state.
	var committed *Manifest
	_, err = t.update(ctx, v, func(st *state) error {
		if r := st.find(m.ID); r != nil { // committed already, by an earlier attempt
			if !r.live() {
				return fmt.Errorf("%w: %s was deleted while it was being exported", ErrDeleted, m.ID)
			}
			committed = r.Manifest
			return generation.ErrSkip
		}
		if slices.Contains(st.Swept, m.ID) {
			return fmt.Errorf("%w: export %s was swept before it was committed; export again", ErrConflict, m.ID)
		}
		if m.Logged && !req.Again {
			ix := st.index()
			var taken []string
			for i := range m.Documents {
				it := &m.Documents[i]
				if slices.ContainsFunc(ix[it.ID], func(h held) bool { return h.rec.Manifest.Logged && h.item.covers(it) }) {
					taken = append(taken, it.ID)
				}
			}
			if len(taken) > 0 {
				return &ConflictError{ExportID: m.ID, IDs: taken}
			}
		}
		c := *m
		c.Committed = st.Generation + 1
		st.Exports = append(st.Exports, &recorded{Manifest: &c})
		committed = &c
		return nil
	})
	if errors.Is(err, ErrDeleted) {
		// Delete removed the export's files, and this call may have
		// written them again: remove them.
		if rerr := t.removeFiles(ctx, m.ID, m); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	// An earlier attempt named the file otherwise: this attempt's files
	// are no export's.
	for _, f := range files {
		if f.Key != committed.File && !slices.Contains(committed.Companions, f.Key) {
			if err := t.store.Delete(ctx, f.Key); err != nil && !errors.Is(err, storage.ErrNotExist) {
				return nil, err
			}
		}
	}
	// 3. The manifest.
	if err := t.putManifest(ctx, committed); err != nil {
		return nil, err
	}
	if err := t.publish(ctx); err != nil {
		return committed, err
	}
	return committed, nil
}

// exportID derives an export's id from what it holds and how.
func exportID(m *Manifest, ext string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%t\x00%q\x00", m.Base, m.Format, ext, m.Logged, m.Key)
	for _, it := range m.Documents {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", it.ID, it.Type, it.Version, it.Hash)
	}
	return hex.EncodeToString(h.Sum(nil)[:10])
}

// selectDocs streams the source and keeps the selected documents, in id
// order, each with its Hash. pendingOnly leaves out (or, when named in IDs,
// refuses) documents whose version a live logged export holds, unless
// sel.Again.
func (t *Tracker) selectDocs(ctx context.Context, st *state, sel *Selection, pendingOnly bool) ([]*document.Doc, error) {
	ix := st.index()
	want := map[string]bool{}
	for _, id := range sel.IDs {
		want[id] = true
	}
	byID := len(want) > 0
	var notPending []string
	var keepErr error
	keep := func(d *document.Doc) bool {
		if keepErr != nil {
			return false
		}
		if d, keepErr = hashed(d); keepErr != nil {
			return false
		}
		if byID {
			if !want[d.ID] {
				return false
			}
			delete(want, d.ID)
			if pendingOnly && !sel.Again && !ix.pending(d) {
				notPending = append(notPending, d.ID)
				return false
			}
			return true
		}
		return sel.inRange(d) && (!pendingOnly || sel.Again || ix.pending(d))
	}
	var docs iter.Seq2[*document.Doc, error]
	if s, ok := t.src.(SelectSource); ok {
		docs = withHashes(s.Select(ctx, keep))
	} else {
		docs = func(yield func(*document.Doc, error) bool) {
			for d, err := range withHashes(t.src.Documents(ctx)) {
				if (err != nil || keep(d)) && !yield(d, err) {
					return
				}
			}
		}
	}
	var out []*document.Doc
	for d, err := range docs {
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if keepErr != nil {
		return nil, keepErr
	}
	if len(want) > 0 || len(notPending) > 0 {
		unknown := make([]string, 0, len(want))
		for id := range want {
			unknown = append(unknown, id)
		}
		slices.Sort(unknown)
		slices.Sort(notPending)
		return nil, &SelectionError{Unknown: unknown, NotPending: notPending}
	}
	slices.SortFunc(out, func(a, b *document.Doc) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Manifest returns the manifest of a committed export, deleted or not.
// Errors: ErrNotFound for an id no committed export has, ErrDamaged, the
// store's.
func (t *Tracker) Manifest(ctx context.Context, id string) (*Manifest, error) {
	if !validID(id) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	v, err := t.load(ctx)
	if err != nil {
		return nil, err
	}
	r := v.st.find(id)
	if r == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return r.Manifest, nil
}

func validID(id string) bool {
	if len(id) != 20 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// Open returns the file of a live export, to download it again, with its
// manifest. The caller must close the reader. Errors: ErrNotFound for an
// export that is unknown or deleted, the store's.
func (t *Tracker) Open(ctx context.Context, id string) (io.ReadCloser, *Manifest, error) {
	v, err := t.load(ctx)
	if err != nil {
		return nil, nil, err
	}
	r := v.st.find(id)
	if r == nil || !r.live() {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	rc, err := t.store.Get(ctx, r.Manifest.File)
	if err != nil {
		return nil, nil, err
	}
	return rc, r.Manifest, nil
}

// Delete deletes an export: it writes its deletion record, records the
// deletion in the state, then removes the export's folder of files. Its
// documents are pending again, unless another live logged export holds
// their current version; the manifest is kept, as an audit record.
// Deleting a deleted export again only makes sure its files are gone:
// Delete is idempotent, and a retry after a crash completes it. An Export of
// the same export running at the same time never reports success after the
// deletion, and leaves no file behind.
//
// When Options.SummaryList is set, Delete rewrites the summary list; if
// that fails, it returns an error matching ErrPublish.
//
// Errors: ErrNotFound when no committed export has this id (nothing else
// is ever deleted), ErrDamaged, the store's errors, ctx.Err().
func (t *Tracker) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	v, err := t.load(ctx)
	if err != nil {
		return err
	}
	if err := t.repair(ctx, v); err != nil {
		return err
	}
	r := v.st.find(id)
	if r == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if r.live() {
		at, err := t.putDeletion(ctx, id, t.now().UTC())
		if err != nil {
			return err
		}
		_, err = t.update(ctx, v, func(st *state) error {
			r := st.find(id)
			if r == nil {
				return fmt.Errorf("%w: %s", ErrNotFound, id)
			}
			if !r.live() {
				return generation.ErrSkip
			}
			r.DeletedAt = at
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := t.removeFiles(ctx, id, r.Manifest); err != nil {
		return err
	}
	return t.publish(ctx)
}

// removeFiles removes the files of export id: its folder, and the files m
// names (when not nil) in case a listing misses them.
func (t *Tracker) removeFiles(ctx context.Context, id string, m *Manifest) error {
	var keys []string
	for key, err := range storage.Keys(ctx, t.store, t.filesPrefix(id)) {
		if err != nil {
			return err
		}
		keys = append(keys, key)
	}
	if m != nil {
		keys = append(keys, m.File)
		keys = append(keys, m.Companions...)
	}
	for _, key := range keys {
		if err := t.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Generation returns the generation of the state: the number of the latest
// change committed. Errors are the store's, and ErrDamaged.
func (t *Tracker) Generation(ctx context.Context) (int64, error) {
	v, err := t.load(ctx)
	if err != nil {
		return 0, err
	}
	return v.st.Generation, nil
}

// Docs is a Source over a slice of documents, for sources small enough to
// list in memory, and for tests. Documents yields them in the slice's order;
// a document's Hash is used as given, or computed from its Data when empty
// (the tracker never modifies the documents).
type Docs []*document.Doc

// Documents implements Source.
func (ds Docs) Documents(context.Context) iter.Seq2[*document.Doc, error] {
	return func(yield func(*document.Doc, error) bool) {
		for _, d := range ds {
			if !yield(d, nil) {
				return
			}
		}
	}
}

// Sweep removes what exports left behind: the files of exports that were
// never committed (they lost a race with a *ConflictError, or crashed and
// were not retried), the files of deleted exports that a crash left, the
// files in a committed export's folder that its manifest does not name (an
// interrupted attempt that named its file otherwise), and the manifests
// that earlier versions wrote before committing. It only considers objects
// written before before; pass a time well before any export still running,
// such as an hour ago. It returns how many uncommitted exports it removed.
//
// Sweep first records the ids of the uncommitted exports it removes in the
// state, so that an export still running with one of them fails when it
// tries to commit (with an error matching ErrConflict) rather than commit a
// file that Sweep deleted. The files named by a live export's manifest and
// the manifests and deletion records are never touched.
// Errors: the store's errors, ErrDamaged, ctx.Err(); removal is best
// effort once the ids are recorded, and a later Sweep finishes it.
func (t *Tracker) Sweep(ctx context.Context, before time.Time) (int, error) {
	v, err := t.load(ctx)
	if err != nil {
		return 0, err
	}
	if err := t.repair(ctx, v); err != nil {
		return 0, err
	}
	committed := make(map[string]*recorded, len(v.st.Exports))
	for _, r := range v.st.Exports {
		committed[r.Manifest.ID] = r
	}
	old := map[string][]string{} // uncommitted id → its keys; "" for one too recent
	var leftovers []string       // files of committed exports that no live manifest names
	prefix := t.dir + filesDir
	for obj, err := range t.store.List(ctx, prefix) {
		if err != nil {
			return 0, err
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(obj.Key, prefix), "/")
		if !validID(id) {
			continue
		}
		key := obj.Key
		if !obj.ModTime.Before(before) {
			key = "" // too recent: keep it
		}
		switch r := committed[id]; {
		case r == nil:
			old[id] = append(old[id], key)
		case key == "":
		case !r.live() || obj.Key != r.Manifest.File && !slices.Contains(r.Manifest.Companions, obj.Key):
			leftovers = append(leftovers, key)
		}
	}
	prefix = t.dir + legacyDir
	for obj, err := range t.store.List(ctx, prefix) {
		if err != nil {
			return 0, err
		}
		id, ok := strings.CutSuffix(strings.TrimPrefix(obj.Key, prefix), ".json")
		if !ok || !validID(id) || committed[id] != nil {
			continue
		}
		if obj.ModTime.Before(before) {
			old[id] = append(old[id], obj.Key)
		} else {
			old[id] = append(old[id], "")
		}
	}
	var ids []string
	for id, keys := range old {
		if !slices.Contains(keys, "") {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var swept []string
	if len(ids) > 0 {
		_, err = t.update(ctx, v, func(st *state) error {
			swept = swept[:0]
			var added bool
			for _, id := range ids {
				if st.find(id) != nil {
					continue // committed since we looked: not an orphan
				}
				swept = append(swept, id)
				if !slices.Contains(st.Swept, id) {
					st.Swept = append(st.Swept, id)
					added = true
				}
			}
			if !added {
				return generation.ErrSkip
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	for _, id := range swept {
		leftovers = append(leftovers, old[id]...)
	}
	for _, key := range leftovers {
		if err := t.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotExist) {
			return 0, err
		}
	}
	return len(swept), nil
}
