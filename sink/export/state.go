package export

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
)

// The folders under Options.Dir (see the package documentation).
const (
	filesDir     = "/files/"
	manifestsDir = "/manifests/"
	stateDir     = "/state/"
	legacyDir    = "/exports/" // manifests that earlier versions wrote before committing
)

// state is one generation of the state: a cache of what the manifests and
// deletion records say (every committed export, deleted ones included, in
// commit order), plus what only the state keeps: the exports swept before
// they were committed and the date of the latest sync.
type state struct {
	Generation int64       `json:"generation"`
	Exports    []*recorded `json:"exports"`
	Swept      []string    `json:"swept,omitempty"`   // ids of uncommitted exports removed by Sweep: never committed since
	SyncDate   time.Time   `json:"syncDate,omitzero"` // the latest sync recorded by Synced
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

// deletion is the record of an export's deletion,
// "manifests/<id>.deleted.json", written before the state records it.
type deletion struct {
	ID        string    `json:"id"`
	DeletedAt time.Time `json:"deletedAt"`
}

// view is the state as a load found it: the newest generation, checked
// against one listing of the records and rolled forward to them.
type view struct {
	st   *state
	last int64 // the number of the generation read; 0 when there is none
	// manifests and deletions are the ids the listing found records of.
	manifests, deletions map[string]bool
	// read caches the records read to roll the state forward, so that a
	// change applied again on a newer generation reads none twice.
	read      map[string]*Manifest
	deletedAt map[string]time.Time
	// behind reports that the generation lacked records: it was deleted,
	// rolled back or replaced, or a change was interrupted.
	behind bool
}

func (t *Tracker) manifestKey(id string) string { return t.dir + manifestsDir + id + ".json" }
func (t *Tracker) deletionKey(id string) string { return t.dir + manifestsDir + id + ".deleted.json" }
func (t *Tracker) filesPrefix(id string) string { return t.dir + filesDir + id + "/" }

// load reads the newest generation of the state and checks it against the
// records: one listing of the manifests folder. Records the generation
// lacks (a generation deleted, rolled back or replaced by an older one, a
// change interrupted between its record and its generation) are read and
// applied to it. Any error other than "no generation" is returned, never
// taken for "nothing exported".
func (t *Tracker) load(ctx context.Context) (*view, error) {
	n, data, err := t.log.Latest(ctx)
	if err != nil {
		return nil, logError("reading the state", err)
	}
	st, err := t.decodeState(n, data)
	if err != nil {
		return nil, err
	}
	v := &view{last: n, manifests: map[string]bool{}, deletions: map[string]bool{}, read: map[string]*Manifest{}, deletedAt: map[string]time.Time{}}
	if err := t.listRecords(ctx, v); err != nil {
		return nil, err
	}
	if n == 0 && len(v.manifests) == 0 {
		if err := t.checkLegacy(ctx); err != nil {
			return nil, err
		}
	}
	if err := t.rollForward(ctx, st, v); err != nil {
		return nil, err
	}
	v.st = st
	return v, nil
}

// listRecords lists the manifests folder into v. A key there that is not a
// record's is an error matching ErrDamaged.
func (t *Tracker) listRecords(ctx context.Context, v *view) error {
	prefix := t.dir + manifestsDir
	for key, err := range storage.Keys(ctx, t.store, prefix) {
		if err != nil {
			return fmt.Errorf("export: listing the manifests: %w", err)
		}
		rest := strings.TrimPrefix(key, prefix)
		if id, ok := strings.CutSuffix(rest, ".deleted.json"); ok && validID(id) {
			v.deletions[id] = true
		} else if id, ok := strings.CutSuffix(rest, ".json"); ok && validID(id) {
			v.manifests[id] = true
		} else {
			return fmt.Errorf("%w: %s is neither a manifest nor a deletion record", ErrDamaged, key)
		}
	}
	return nil
}

// checkLegacy refuses a store whose state is gone while manifests written
// by an earlier version, before their exports were committed, remain: they
// cannot tell which exports were committed.
func (t *Tracker) checkLegacy(ctx context.Context) error {
	for key, err := range storage.Keys(ctx, t.store, t.dir+legacyDir) {
		if err != nil {
			return fmt.Errorf("export: listing %s: %w", t.dir+legacyDir, err)
		}
		return fmt.Errorf("%w: the state (%s) is missing, and the manifests that an earlier version wrote in %s, such as %s, "+
			"do not tell which exports were committed: restore %s from a backup", ErrDamaged, t.dir+stateDir, t.dir+legacyDir, key, t.dir+stateDir)
	}
	return nil
}

// rollForward applies to st the records of v's listing that st lacks:
// manifests of exports it does not hold (in commit order) and deletions it
// has not applied. Records read are cached in v.
func (t *Tracker) rollForward(ctx context.Context, st *state, v *view) error {
	have := make(map[string]*recorded, len(st.Exports))
	for _, r := range st.Exports {
		have[r.Manifest.ID] = r
	}
	var missing []*Manifest
	for id := range v.manifests {
		if have[id] != nil {
			continue
		}
		m := v.read[id]
		if m == nil {
			var err error
			if m, err = t.readManifest(ctx, id); err != nil {
				return err
			}
			v.read[id] = m
		}
		missing = append(missing, m)
	}
	if len(missing) > 0 {
		v.behind = true
		slices.SortFunc(missing, func(a, b *Manifest) int {
			return cmp.Or(cmp.Compare(a.Committed, b.Committed), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
		})
		for _, m := range missing {
			r := &recorded{Manifest: m}
			st.Exports = append(st.Exports, r)
			have[m.ID] = r
			st.Generation = max(st.Generation, m.Committed)
		}
		// Commit order; exports of earlier versions (Committed 0) keep
		// theirs, first.
		slices.SortStableFunc(st.Exports, func(a, b *recorded) int { return cmp.Compare(a.Manifest.Committed, b.Manifest.Committed) })
	}
	for id := range v.deletions {
		r := have[id]
		if r == nil || !r.live() {
			continue // a deletion of an export nothing holds any more: nothing to undo
		}
		at, ok := v.deletedAt[id]
		if !ok {
			d, err := t.readDeletion(ctx, id)
			if err != nil {
				return err
			}
			at = d.DeletedAt
			v.deletedAt[id] = at
		}
		r.DeletedAt = at
		v.behind = true
	}
	return nil
}

// repair writes the records that the state holds and the store lacks: the
// manifest of an export committed by a change interrupted before it wrote
// it (or deleted by hand), the deletion record of an export deleted by
// hand, and, once, the manifests of exports committed by an earlier
// version. Writers call it, so that the records stay the truth.
func (t *Tracker) repair(ctx context.Context, v *view) error {
	for _, r := range v.st.Exports {
		id := r.Manifest.ID
		if !v.manifests[id] {
			if err := t.putManifest(ctx, r.Manifest); err != nil {
				return err
			}
			v.manifests[id] = true
		}
		if !r.live() && !v.deletions[id] {
			if _, err := t.putDeletion(ctx, id, r.DeletedAt); err != nil {
				return err
			}
			v.deletions[id] = true
			v.deletedAt[id] = r.DeletedAt
		}
	}
	return nil
}

// putManifest writes the record of a committed export (create-only; the
// same bytes already there are a success).
func (t *Tracker) putManifest(ctx context.Context, m *Manifest) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = storage.PutOnce(ctx, t.store, t.manifestKey(m.ID), data, &storage.PutOptions{ContentType: "application/json"})
	if errors.Is(err, storage.ErrConflict) {
		return fmt.Errorf("%w: the manifest of %s differs from the export the state holds: %w", ErrDamaged, m.ID, err)
	}
	return err
}

// putDeletion writes the deletion record of an export, create-only, and
// returns the time it records: at, or that of a record already there.
func (t *Tracker) putDeletion(ctx context.Context, id string, at time.Time) (time.Time, error) {
	data, err := json.Marshal(&deletion{ID: id, DeletedAt: at})
	if err != nil {
		return time.Time{}, err
	}
	_, err = storage.PutOnce(ctx, t.store, t.deletionKey(id), data, &storage.PutOptions{ContentType: "application/json"})
	if errors.Is(err, storage.ErrConflict) { // an interrupted deletion's, at another time
		d, err := t.readDeletion(ctx, id)
		if err != nil {
			return time.Time{}, err
		}
		return d.DeletedAt, nil
	}
	return at, err
}

func (t *Tracker) readManifest(ctx context.Context, id string) (*Manifest, error) {
	data, err := storage.ReadAll(ctx, t.store, t.manifestKey(id))
	if err != nil {
		return nil, fmt.Errorf("export: reading the manifest of %s: %w", id, err)
	}
	m := new(Manifest)
	if err := decodeStrict(data, m); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, t.manifestKey(id), err)
	}
	if err := t.checkManifest(m, id); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, t.manifestKey(id), err)
	}
	return m, nil
}

func (t *Tracker) readDeletion(ctx context.Context, id string) (*deletion, error) {
	data, err := storage.ReadAll(ctx, t.store, t.deletionKey(id))
	if err != nil {
		return nil, fmt.Errorf("export: reading the deletion record of %s: %w", id, err)
	}
	d := new(deletion)
	if err := decodeStrict(data, d); err != nil || d.ID != id || d.DeletedAt.IsZero() {
		return nil, fmt.Errorf("%w: %s: not the deletion record of %s (%v)", ErrDamaged, t.deletionKey(id), id, err)
	}
	return d, nil
}

// decodeState decodes generation n of the state (an empty state for 0).
func (t *Tracker) decodeState(n int64, data []byte) (*state, error) {
	st := new(state)
	if n == 0 {
		return st, nil
	}
	key := t.log.Key(n)
	if err := decodeStrict(data, st); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, key, err)
	}
	if st.Generation != n {
		return nil, fmt.Errorf("%w: %s holds generation %d", ErrDamaged, key, st.Generation)
	}
	seen := make(map[string]bool, len(st.Exports))
	for i, r := range st.Exports {
		if r == nil || r.Manifest == nil {
			return nil, fmt.Errorf("%w: %s: export %d has no manifest", ErrDamaged, key, i)
		}
		if err := t.checkManifest(r.Manifest, r.Manifest.ID); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, key, err)
		}
		if seen[r.Manifest.ID] {
			return nil, fmt.Errorf("%w: %s: export %s recorded twice", ErrDamaged, key, r.Manifest.ID)
		}
		seen[r.Manifest.ID] = true
	}
	return st, nil
}

// checkManifest checks that m, read back from the store, is the manifest
// of export id and names files of that export only: a damaged record must
// never make Delete remove another object.
func (t *Tracker) checkManifest(m *Manifest, id string) error {
	if !validID(id) || m.ID != id {
		return fmt.Errorf("manifest of %q holds id %q", id, m.ID)
	}
	prefix := t.filesPrefix(id)
	if !storage.ValidElement(m.Name) || m.File != prefix+m.Name {
		return fmt.Errorf("export %s: file %q is not %s<name>", id, m.File, prefix)
	}
	for _, c := range m.Companions {
		if name, ok := strings.CutPrefix(c, prefix); !ok || !storage.ValidElement(name) {
			return fmt.Errorf("export %s: companion %q is not in %s", id, c, prefix)
		}
	}
	return nil
}

// update applies change to the newest generation, rolled forward against
// v's records, and creates the next generation with it, again on top of a
// concurrent change until it wins (a bounded number of times). change
// returns generation.ErrSkip to write nothing. It returns the state change
// was last applied to.
func (t *Tracker) update(ctx context.Context, v *view, change func(st *state) error) (*state, error) {
	var out *state
	var changeErr error
	_, _, err := t.log.Append(ctx, func(last int64, data []byte) (int64, []byte, error) {
		changeErr = nil
		st, err := t.decodeState(last, data)
		if err != nil {
			return 0, nil, err
		}
		if err := t.rollForward(ctx, st, v); err != nil {
			return 0, nil, err
		}
		out = st
		if err := change(st); err != nil {
			changeErr = err
			return 0, nil, err
		}
		st.Generation++
		data, err = json.Marshal(st)
		return st.Generation, data, err
	})
	switch {
	case err != nil && err == changeErr:
		return nil, err
	case err != nil:
		return nil, logError("changing the state", err)
	}
	return out, nil
}

// logError returns an error of the generation log as this package's: a
// key in the state folder that is not a generation's matches ErrDamaged,
// and changes that other processes kept winning match ErrConflict. Other
// errors are returned as they are.
func logError(doing string, err error) error {
	switch {
	case errors.Is(err, generation.ErrDamaged):
		return fmt.Errorf("%w: %s: %w", ErrDamaged, doing, err)
	case errors.Is(err, generation.ErrContention):
		return fmt.Errorf("%w: %s: %w; try again", ErrConflict, doing, err)
	case errors.Is(err, ErrDamaged), errors.Is(err, ErrConflict):
		return err
	}
	return fmt.Errorf("export: %s: %w", doing, err)
}

// decodeStrict decodes one JSON value into v, refusing a member name
// repeated in an object at any depth and anything after the value.
func decodeStrict(data []byte, v any) error {
	l := jsonlex.New(data)
	if err := l.Skip(); err != nil {
		return err
	}
	if err := l.End(); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// newLog returns the generation log of the state in dir.
func newLog(store storage.Store, dir string, keep int) *generation.Log {
	return &generation.Log{Store: store, Dir: dir + stateDir, Ext: ".json", Keep: keep, ContentType: "application/json"}
}
