package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/storage"
)

// Source gives the current documents: a *capture.Capture is one (its stored
// snapshot). Documents must yield each id once; a read error must be yielded,
// never taken as "no documents".
type Source interface {
	Documents(ctx context.Context) iter.Seq2[*document.Doc, error]
}

// HeaderSource is the optional interface of a Source that can list its
// documents without their data (Data nil), more cheaply: the queries, which
// need no payload, use it when the Source has it. *capture.Capture has it.
type HeaderSource interface {
	Headers(ctx context.Context) iter.Seq2[*document.Doc, error]
}

// headers lists the source's documents, without their data when it can.
func (t *Tracker) headers(ctx context.Context) iter.Seq2[*document.Doc, error] {
	if h, ok := t.src.(HeaderSource); ok {
		return h.Headers(ctx)
	}
	return t.src.Documents(ctx)
}

// Options tunes a Tracker. A nil pointer or the zero value gives the
// defaults documented on each field; New copies them.
type Options struct {
	// Dir is the directory of the store holding the export files, the
	// manifests and the state. "" means "export" under
	// sink.DefaultStateDir.
	Dir string
	// Now dates the manifests and deletions. Nil means time.Now.
	Now func() time.Time
	// KeepGenerations is how many generations of the state are kept: each
	// change deletes the generation that many before it. 0 means 64;
	// a negative value keeps them all.
	KeepGenerations int
}

// Tracker keeps track of the exports of a source's documents: what was
// exported, where, at which version; what is pending; what changed since.
//
// It keeps everything in a storage.Store under Options.Dir:
//
//	files/<export id>/<file name>      the export files
//	exports/<export id>.json           the manifests, immutable
//	state/<generation>.json            the derived state, one create-only file per change
//
// A Tracker is safe for concurrent use, and several processes may share a
// store: every change of the state is a create-only write of the next
// generation, so that of two concurrent changes one wins and the other is
// applied again on top of it, or refused if it conflicts.
type Tracker struct {
	store storage.Store
	src   Source
	dir   string
	now   func() time.Time
	keep  int64
}

// New returns a Tracker of src's documents keeping its records in store.
// It does no I/O. It fails with an error matching ErrConfig when store or src
// is nil or Dir is not a valid key.
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
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeepGenerations == 0 {
		o.KeepGenerations = 64
	}
	return &Tracker{store: store, src: src, dir: o.Dir, now: o.Now, keep: int64(o.KeepGenerations)}, nil
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

// holds reports whether it is the version of d.
func (it *Item) holds(d *document.Doc) bool {
	return it.Type == d.Type && it.Version == d.Version && it.Hash == d.Hash
}

// state is one generation of the derived state: every export committed,
// in commit order, deleted ones included.
type state struct {
	Generation int64       `json:"generation"`
	Exports    []*recorded `json:"exports"`
	Swept      []string    `json:"swept,omitempty"` // ids of uncommitted exports removed by Sweep: never committed since
}

type recorded struct {
	Manifest  *Manifest `json:"manifest"`
	DeletedAt time.Time `json:"deletedAt,omitzero"` // zero while the export is live
}

func (r *recorded) live() bool { return r.DeletedAt.IsZero() }

func (st *state) find(id string) *recorded {
	for _, r := range st.Exports {
		if r.Manifest.ID == id {
			return r
		}
	}
	return nil
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

func (t *Tracker) stateKey(gen int64) string { return fmt.Sprintf("%s/state/%020d.json", t.dir, gen) }

// load reads the latest generation of the state; an empty state when none
// was ever written. Any error other than "no generation" is returned. A
// generation compacted away between listing and reading means a newer one
// exists: it lists again.
func (t *Tracker) load(ctx context.Context) (*state, error) {
	var last string
	var data []byte
	for {
		var err error
		if last, err = t.lastKey(ctx); err != nil {
			return nil, err
		}
		if last == "" {
			return &state{}, nil
		}
		data, err = storage.ReadAll(ctx, t.store, last)
		if err == nil {
			break
		}
		if !errors.Is(err, storage.ErrNotExist) || ctx.Err() != nil {
			return nil, fmt.Errorf("export: reading the state: %w", err)
		}
	}
	st := new(state)
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, last, err)
	}
	if t.stateKey(st.Generation) != last {
		return nil, fmt.Errorf("%w: %s holds generation %d", ErrDamaged, last, st.Generation)
	}
	return st, nil
}

// lastKey returns the key of the latest generation, "" when there is none.
func (t *Tracker) lastKey(ctx context.Context) (string, error) {
	last := ""
	for key, err := range storage.Keys(ctx, t.store, t.dir+"/state/") {
		if err != nil {
			return "", fmt.Errorf("export: listing the state: %w", err)
		}
		last = key
	}
	return last, nil
}

// commit writes st as the generation it holds; it returns false when
// another change took that generation first, or when the generation was
// taken and then compacted away (a writer that read a state long gone):
// a generation counts only if it is the latest once written.
func (t *Tracker) commit(ctx context.Context, st *state) (bool, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return false, err
	}
	key := t.stateKey(st.Generation)
	err = t.store.Put(ctx, key, bytes.NewReader(data), &storage.PutOptions{IfNotExist: true, ContentType: "application/json"})
	switch {
	case errors.Is(err, storage.ErrExist):
		return false, nil
	case err != nil:
		return false, err
	}
	last, err := t.lastKey(ctx)
	if err != nil {
		return false, err
	}
	if last > key {
		return false, nil // stale: readers take the latest, which ignores it
	}
	if t.keep > 0 && st.Generation > t.keep { // compaction, best effort
		_ = t.store.Delete(ctx, t.stateKey(st.Generation-t.keep))
	}
	return true, nil
}

// update applies change to the latest state and commits it, again on top of
// a concurrent change until it wins. change returns false when there is
// nothing to commit.
func (t *Tracker) update(ctx context.Context, change func(st *state) (bool, error)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := t.load(ctx)
		if err != nil {
			return err
		}
		ok, err := change(st)
		if err != nil || !ok {
			return err
		}
		st.Generation++
		won, err := t.commit(ctx, st)
		if err != nil || won {
			return err
		}
	}
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
	// after a failure gets the export back rather than ErrNothing.
	Key string
}

// Export writes an export of the selected documents: it encodes the file and
// stores it (create-only), then stores its manifest (create-only), then
// commits it to the state. It returns the manifest.
//
// The export's id is derived from the state it was selected at and from
// the selection (document ids, types, versions and content hashes), the
// format, the extension and the logged flag. A retry after a failure or a crash
// at any step, against the same state and documents, therefore finds the
// same id, the file and manifest already written, and completes the same
// export: nothing is exported twice, and no document is ever marked exported
// into a file that does not exist.
//
// A retry after the export was committed finds nothing pending and returns
// ErrNothing, unless the request has a Key: it then returns the committed
// export.
//
// Two exports running at once (in one process or several) both write their
// files and manifests; the first to commit wins. The other is committed on top
// of it when their documents do not overlap, and fails with a *ConflictError
// otherwise (its file and manifest are left unreferenced: not listed, never
// counted, removed by Tracker.Sweep); select again and retry.
//
// Errors: ErrConfig without an encoder; ErrNothing when the selection is
// empty (no file is written); a *SelectionError for ids the source does not
// hold or that are not pending; a *ConflictError; the encoder's error (for
// example a *FECError); the source's and the store's errors; ctx.Err().
func (t *Tracker) Export(ctx context.Context, req *Request) (*Manifest, error) {
	if req == nil || req.Encoder == nil {
		return nil, fmt.Errorf("%w: no encoder", ErrConfig)
	}
	st, err := t.load(ctx)
	if err != nil {
		return nil, err
	}
	if req.Key != "" {
		for _, r := range st.Exports {
			if r.Manifest.Key == req.Key {
				return r.Manifest, nil
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
	m := &Manifest{Format: req.Encoder.Format(), Logged: !req.Unlogged, Base: st.Generation, Key: req.Key}
	for _, d := range docs {
		m.Documents = append(m.Documents, itemOf(d))
	}
	ext := SanitizeExt(req.Ext)
	m.ID = exportID(m, ext)
	m.Name = fileName(req.Encoder, m.ID, ext, m.Logged)
	m.File = t.dir + "/files/" + m.ID + "/" + m.Name

	var companion *storage.BatchObject
	if c, ok := req.Encoder.(Companion); ok {
		name, data := c.Companion(m.Name)
		if name == m.Name || !storage.ValidElement(name) {
			return nil, fmt.Errorf("%w: companion file name %q", ErrConfig, name)
		}
		companion = &storage.BatchObject{Key: t.dir + "/files/" + m.ID + "/" + name, Data: data}
	}

	// 1. The file, and its companion.
	var buf bytes.Buffer
	if err := req.Encoder.Encode(&buf, docs); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	m.FileHash = hex.EncodeToString(sum[:])
	_, err = storage.PutOnce(ctx, t.store, m.File, buf.Bytes(), &storage.PutOptions{ContentType: req.Encoder.ContentType()})
	if errors.Is(err, storage.ErrConflict) { // other bytes, by an interrupted attempt: keep them
		data, rerr := storage.ReadAll(ctx, t.store, m.File)
		if rerr != nil {
			return nil, rerr
		}
		sum := sha256.Sum256(data)
		m.FileHash, err = hex.EncodeToString(sum[:]), nil
	}
	if err != nil {
		return nil, err
	}
	if companion != nil {
		_, err := storage.PutOnce(ctx, t.store, companion.Key, companion.Data, &storage.PutOptions{ContentType: "text/plain; charset=utf-8"})
		if err != nil && !errors.Is(err, storage.ErrConflict) { // ErrConflict: an interrupted attempt's
			return nil, err
		}
		m.Companions = append(m.Companions, companion.Key)
	}
	// 2. The manifest.
	m.CreatedAt = t.now().UTC()
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	mkey := t.manifestKey(m.ID)
	_, err = storage.PutOnce(ctx, t.store, mkey, data, &storage.PutOptions{ContentType: "application/json"})
	if errors.Is(err, storage.ErrConflict) { // an interrupted attempt's: it is the export
		if m, err = t.Manifest(ctx, m.ID); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	// 3. The state.
	err = t.update(ctx, func(st *state) (bool, error) {
		if st.find(m.ID) != nil {
			return false, nil // committed already
		}
		if slices.Contains(st.Swept, m.ID) {
			return false, fmt.Errorf("%w: export %s was swept before it was committed; export again", ErrConflict, m.ID)
		}
		if m.Logged && !req.Again {
			ix := st.index()
			var taken []string
			for i := range m.Documents {
				it := &m.Documents[i]
				for _, h := range ix[it.ID] {
					if h.rec.Manifest.Logged && h.item.Type == it.Type && h.item.Version == it.Version && h.item.Hash == it.Hash {
						taken = append(taken, it.ID)
						break
					}
				}
			}
			if len(taken) > 0 {
				return false, &ConflictError{ExportID: m.ID, IDs: taken}
			}
		}
		st.Exports = append(st.Exports, &recorded{Manifest: m})
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (t *Tracker) manifestKey(id string) string { return t.dir + "/exports/" + id + ".json" }

// exportID derives an export's id from what it holds and how.
func exportID(m *Manifest, ext string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%t\x00%q\x00", m.Base, m.Format, ext, m.Logged, m.Key)
	for _, it := range m.Documents {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", it.ID, it.Type, it.Version, it.Hash)
	}
	return hex.EncodeToString(h.Sum(nil)[:10])
}

// fileName names an export's file: the encoder's name when it has one,
// otherwise "[unlogged-]export-<id>[-<ext>]<extension>".
func fileName(enc Encoder, id, ext string, logged bool) string {
	if n, ok := enc.(FileNamer); ok {
		if name := n.FileName(id); storage.ValidElement(name) {
			return name
		}
	}
	name := "export-" + id
	if !logged {
		name = "unlogged-" + name
	}
	if ext != "" {
		name += "-" + ext
	}
	if e := SanitizeExt(strings.TrimPrefix(enc.Extension(), ".")); e != "" {
		name += "." + e
	}
	return name
}

// SanitizeExt returns s as a safe part of a file name: ASCII letters
// lower-cased, digits, '-' and '_' kept, every other run of characters
// replaced by one '-', no '-' at either end, at most 32 bytes.
func SanitizeExt(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			dash = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	out := b.String()
	if len(out) > 32 {
		out = out[:32]
	}
	return strings.Trim(out, "-")
}

// SelectSource is the optional interface of a Source that can pick documents
// by their headers before decoding their data: Select calls keep with each
// document without its data and yields, with their data, those kept.
// Export uses it, so that selecting a few documents out of many decodes only
// those. *capture.Capture has it.
type SelectSource interface {
	Select(ctx context.Context, keep func(*document.Doc) bool) iter.Seq2[*document.Doc, error]
}

// selectDocs streams the source and keeps the selected documents, in id
// order. pendingOnly leaves out (or, when named in IDs, refuses) documents
// whose version a live logged export holds, unless sel.Again.
func (t *Tracker) selectDocs(ctx context.Context, st *state, sel *Selection, pendingOnly bool) ([]*document.Doc, error) {
	ix := st.index()
	want := map[string]bool{}
	for _, id := range sel.IDs {
		want[id] = true
	}
	byID := len(want) > 0
	var notPending []string
	keep := func(d *document.Doc) bool {
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
		docs = s.Select(ctx, keep)
	} else {
		docs = func(yield func(*document.Doc, error) bool) {
			for d, err := range t.src.Documents(ctx) {
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

// Manifest returns the manifest of an export, deleted or not, committed or
// not. Errors: ErrNotFound for an unknown id, ErrDamaged, the store's.
func (t *Tracker) Manifest(ctx context.Context, id string) (*Manifest, error) {
	if !validID(id) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	data, err := storage.ReadAll(ctx, t.store, t.manifestKey(id))
	if errors.Is(err, storage.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	m := new(Manifest)
	if err := json.Unmarshal(data, m); err != nil || m.ID != id {
		return nil, fmt.Errorf("%w: manifest %s", ErrDamaged, id)
	}
	return m, nil
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
	st, err := t.load(ctx)
	if err != nil {
		return nil, nil, err
	}
	r := st.find(id)
	if r == nil || !r.live() {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	rc, err := t.store.Get(ctx, r.Manifest.File)
	if err != nil {
		return nil, nil, err
	}
	return rc, r.Manifest, nil
}

// Delete deletes an export: it records the deletion in the state, then
// removes the file and its companions. Its documents are pending again, unless another live
// logged export holds their current version; the manifest is kept, as an
// audit record. Deleting a deleted export again only makes sure its file is
// gone: Delete is idempotent, and a retry after a crash completes it.
//
// Errors: ErrNotFound when no committed export has this id (nothing else
// is ever deleted), the store's errors, ctx.Err().
func (t *Tracker) Delete(ctx context.Context, id string) error {
	var files []string
	err := t.update(ctx, func(st *state) (bool, error) {
		r := st.find(id)
		if r == nil {
			return false, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		files = append([]string{r.Manifest.File}, r.Manifest.Companions...)
		if !r.live() {
			return false, nil
		}
		r.DeletedAt = t.now().UTC()
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, file := range files {
		if err := t.store.Delete(ctx, file); err != nil && !errors.Is(err, storage.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Generation returns the generation of the state: how many changes were
// committed. Errors are the store's.
func (t *Tracker) Generation(ctx context.Context) (int64, error) {
	st, err := t.load(ctx)
	if err != nil {
		return 0, err
	}
	return st.Generation, nil
}

// Docs is a Source over a slice of documents, for sources small enough to
// list in memory, and for tests. Documents yields them in the slice's order;
// Hash is used as given (leave it empty to compare versions only).
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

// Sweep removes what exports that were never committed left behind: the
// files and manifests of exports that lost a race (*ConflictError) or crashed
// and were not retried. It only considers objects written before before;
// pass a time well before any export still running, such as an hour ago.
// It returns how many exports it removed.
//
// Sweep first records the ids it removes in the state, so that an export
// still running with one of them fails when it tries to commit (with an error
// matching ErrConflict) rather than commit a file that Sweep deleted. Files
// and manifests of committed exports, deleted or not, are never touched.
// Errors: the store's errors, ctx.Err(); removal is best effort once the ids
// are recorded, and a later Sweep finishes it.
func (t *Tracker) Sweep(ctx context.Context, before time.Time) (int, error) {
	st, err := t.load(ctx)
	if err != nil {
		return 0, err
	}
	committed := map[string]bool{}
	for _, r := range st.Exports {
		committed[r.Manifest.ID] = true
	}
	old := map[string][]string{} // uncommitted id → its keys
	for _, prefix := range []string{t.dir + "/files/", t.dir + "/exports/"} {
		for obj, err := range t.store.List(ctx, prefix) {
			if err != nil {
				return 0, err
			}
			rest := strings.TrimPrefix(obj.Key, prefix)
			id, _, _ := strings.Cut(strings.TrimSuffix(rest, ".json"), "/")
			if !validID(id) || committed[id] {
				continue
			}
			if obj.ModTime.Before(before) {
				old[id] = append(old[id], obj.Key)
			} else {
				old[id] = append(old[id], "") // too recent: keep the whole export
			}
		}
	}
	var ids []string
	for id, keys := range old {
		if !slices.Contains(keys, "") {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	slices.Sort(ids)
	var swept []string
	err = t.update(ctx, func(st *state) (bool, error) {
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
		return added, nil
	})
	if err != nil {
		return 0, err
	}
	ids = swept
	for _, id := range ids {
		for _, key := range old[id] {
			if err := t.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotExist) {
				return 0, err
			}
		}
	}
	return len(ids), nil
}
