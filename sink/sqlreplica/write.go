package sqlreplica

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ledgersink/ledgersink/sink"
)

// writer runs a batch's statements in its transaction.
type writer struct {
	d     *dialect
	tx    *sql.Tx
	cache *stmtCache
}

// stmtCache holds the statements of the replica, prepared once on the
// database and then in each transaction's connection (which database/sql
// does once per connection): SQLite's driver would otherwise compile each
// statement at each execution. Statements of variable length (IN lists,
// many-row INSERTs) come in power-of-two sizes, so that few are needed, and
// their texts are built once.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	m     map[string]*sql.Stmt
	texts map[textKey]string // the texts of the statements of variable length
}

// textKey names the text of a statement of variable length: its fixed
// part (a table's name for an INSERT), its number of rows or values, and
// whether it is an upsert.
type textKey struct {
	head   string
	n      int
	upsert bool
}

// text returns the text of statement k, built once.
func (c *stmtCache) text(k textKey, build func() string) string {
	c.mu.Lock()
	q, ok := c.texts[k]
	c.mu.Unlock()
	if !ok {
		q = build()
		c.mu.Lock()
		c.texts[k] = q
		c.mu.Unlock()
	}
	return q
}

// in returns q followed by an IN list of n values.
func (w *writer) in(q string, n int) string {
	return w.cache.text(textKey{head: q, n: n}, func() string { return q + placeholders(n) })
}

// stmt returns q (with ? placeholders) prepared in the transaction.
func (w *writer) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	q = w.d.rebind(q)
	c := w.cache
	c.mu.Lock()
	s := c.m[q]
	c.mu.Unlock()
	if s == nil {
		var err error
		if s, err = c.db.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		c.mu.Lock()
		if old := c.m[q]; old != nil {
			s.Close()
			s = old
		} else {
			c.m[q] = s
		}
		c.mu.Unlock()
	}
	return w.tx.StmtContext(ctx, s), nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, s := range c.m {
		errs = append(errs, s.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

func (w *writer) exec(ctx context.Context, q string, args ...any) error {
	s, err := w.stmt(ctx, q)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, args...)
	return err
}

func (w *writer) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// maxChunk is the most rows one statement inserts, or values one IN list
// holds.
const maxChunk = 256

// sizes splits n into the sizes of the statements that handle n rows or
// values: as many of the largest size as fit, then powers of two.
func (w *writer) sizes(n, perRow int) []int {
	largest := 1
	for largest*2 <= maxChunk && largest*2*perRow <= w.d.maxParams {
		largest *= 2
	}
	var out []int
	for n > 0 {
		size := largest
		for size > n {
			size /= 2
		}
		out = append(out, size)
		n -= size
	}
	return out
}

// placeholders returns "(?, ?, ...)" with n marks.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// existing runs q (ending with "IN ") followed by the list of values, and
// returns the first column of the rows found, as a set.
func (w *writer) existing(ctx context.Context, q string, values []string) (map[string]bool, error) {
	found := map[string]bool{}
	at := 0
	for _, n := range w.sizes(len(values), 1) {
		args := toAny(values[at : at+n])
		at += n
		rows, err := w.query(ctx, w.in(q, n), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			found[s] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func toAny[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// loadStates reads the states of the objects of entity among ids into
// objects (those it has an entry for): from replica_states, or, for a
// plain object (see tracked.plain), rebuilt from its row.
func (w *writer) loadStates(ctx context.Context, entity string, ids []string, objects map[ref]*tracked) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	at := 0
	for _, n := range w.sizes(len(ids), 1) {
		args := append([]any{entity}, toAny(ids[at:at+n])...)
		at += n
		rows, err := w.query(ctx, w.in("SELECT object, id, timestamp, file_key, file_offset, state FROM replica_states "+
			"WHERE entite_id = ? AND id IN ", n), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var o, id, key string
			var ts, offset int64
			var state []byte
			if err := rows.Scan(&o, &id, &ts, &key, &offset, &state); err != nil {
				rows.Close()
				return err
			}
			t := objects[ref{entity, sink.Object(o), id}]
			if t == nil {
				continue // another object of the same id
			}
			if err := t.state.UnmarshalBinary(state); err != nil {
				rows.Close()
				return fmt.Errorf("sqlreplica: the stored state of %s %s of entity %s: %w", o, id, entity, err)
			}
			t.known, t.existed = true, t.state.Exists()
			t.ts, t.key, t.offset = ts, key, offset
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	plain := map[sink.Object][]string{}
	for k, t := range objects {
		if k.entity == entity && !t.known {
			plain[k.object] = append(plain[k.object], k.id)
		}
	}
	for o, ids := range plain {
		if err := w.rebuildStates(ctx, entity, o, ids, objects); err != nil {
			return err
		}
	}
	return nil
}

// rebuildStates rebuilds the states of the plain objects among the
// objects ids of type o, from their rows.
func (w *writer) rebuildStates(ctx context.Context, entity string, o sink.Object, ids []string, objects map[ref]*tracked) error {
	tbl := objectTableOf(o)
	if tbl == nil {
		return nil // not an object: its events are rejected
	}
	slices.Sort(ids)
	at := 0
	for _, n := range w.sizes(len(ids), 1) {
		args := append([]any{entity}, toAny(ids[at:at+n])...)
		at += n
		rows, err := w.query(ctx, w.in("SELECT id, timestamp, file_key, file_offset, payload FROM "+tbl.name+
			" WHERE entite_id = ? AND id IN ", n), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, key, payload string
			var ts, offset int64
			if err := rows.Scan(&id, &ts, &key, &offset, &payload); err != nil {
				rows.Close()
				return err
			}
			t := objects[ref{entity, o, id}]
			if err := rebuild(&t.state, o, entity, id, ts, []byte(payload)); err != nil {
				rows.Close()
				return fmt.Errorf("sqlreplica: rebuilding the state of %s %s of entity %s from its row: %w", o, id, entity, err)
			}
			t.known, t.existed = true, true
			t.ts, t.key, t.offset = ts, key, offset
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// rebuild sets s to the state of an object inserted once, at ts, with the
// fields of payload: the state a plain object had (see tracked.plain).
func rebuild(s *sink.ObjectState, o sink.Object, entity, id string, ts int64, payload []byte) error {
	name, err := sink.NameOf(o, sink.Inserted)
	if err != nil {
		return err
	}
	b := make([]byte, 0, len(payload)+160)
	b = append(b, `{"timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"application_id":"-","entite_id":`...)
	e, _ := json.Marshal(entity) // strings always encode
	b = append(b, e...)
	b = append(b, `,"id":`...)
	i, _ := json.Marshal(id)
	b = append(b, i...)
	if len(payload) < 2 || payload[0] != '{' {
		return errors.New("the payload is not a JSON object")
	}
	if rest := bytes.TrimSpace(payload[1:]); len(rest) > 0 && rest[0] != '}' {
		b = append(b, ',')
	}
	b = append(b, payload[1:]...)
	ev, err := sink.DecodeEvent(name, b)
	if err != nil {
		return err
	}
	*s = sink.ObjectState{}
	_, err = s.Apply(ev)
	return err
}

// insert inserts rows into table t, many rows per statement; with upsert,
// a row whose key exists replaces the stored one. rows holds the values of
// each row one after the other, in column order.
func (w *writer) insert(ctx context.Context, t *table, rows []any, upsert bool) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(t.cols)
	if len(rows)%cols != 0 {
		return fmt.Errorf("sqlreplica: internal error: %d values for rows of the %d columns of %s", len(rows), cols, t.name)
	}
	at := 0
	for _, n := range w.sizes(len(rows)/cols, cols) {
		args := rows[at : at+n*cols]
		at += n * cols
		q := w.cache.text(textKey{t.name, n, upsert}, func() string { return insertText(t, n, upsert) })
		if err := w.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlreplica: writing %s: %w", t.name, err)
		}
	}
	return nil
}

// insertText returns the statement that inserts n rows into t, or
// replaces them with upsert.
func insertText(t *table, n int, upsert bool) string {
	cols := t.colNames()
	tail := ""
	if upsert {
		var set []string
		for _, c := range cols {
			if !slices.Contains(t.key, c) {
				set = append(set, c+" = excluded."+c)
			}
		}
		tail = " ON CONFLICT (" + strings.Join(t.key, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
	}
	one := placeholders(len(cols))
	return "INSERT INTO " + t.name + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + tail
}

// deleteWhere deletes the rows of table whose column col is one of ids,
// for entity.
func (w *writer) deleteWhere(ctx context.Context, table, col, entity string, ids []string) error {
	at := 0
	for _, n := range w.sizes(len(ids), 1) {
		args := append([]any{entity}, toAny(ids[at:at+n])...)
		at += n
		if err := w.exec(ctx, w.in("DELETE FROM "+table+" WHERE entite_id = ? AND "+col+" IN ", n), args...); err != nil {
			return fmt.Errorf("sqlreplica: deleting from %s: %w", table, err)
		}
	}
	return nil
}

func (w *writer) writeFiles(ctx context.Context, files []fileRow) error {
	rows := make([]any, 0, 8*len(files))
	for _, f := range files {
		var reason any
		if f.reason != nil {
			reason = *f.reason
		}
		rows = append(rows, f.key, f.entity, f.offset, f.event, f.id, f.ts, f.outcome, reason)
	}
	return w.insert(ctx, tableOf("replica_files"), rows, false)
}

// children lists the tables whose rows belong to an object of a table,
// by the column naming the object.
var children = map[string][][2]string{
	"entries":         {{"movements", "entry_id"}, {"analytics", "entry_id"}},
	"reconciliations": {{"reconciliation_entries", "reconciliation_id"}},
}

// writeObjects writes the objects the batch changed: their states, and
// their rows in the object tables, removed where they were and inserted
// where they are visible now.
func (w *writer) writeObjects(ctx context.Context, objects map[ref]*tracked) error {
	var dirty []ref
	for k, t := range objects {
		if t.dirty {
			dirty = append(dirty, k)
		}
	}
	slices.SortFunc(dirty, func(a, b ref) int {
		return cmp.Or(strings.Compare(a.entity, b.entity), strings.Compare(string(a.object), string(b.object)), strings.Compare(a.id, b.id))
	})
	var states []any
	type group struct {
		table, entity string
	}
	gone := map[group][]string{}
	var groups []group
	rows := map[string][]any{}
	sizes := map[string]int{}
	for _, k := range dirty {
		if t := objects[k]; t.state.Exists() {
			countValues(sizes, k, t)
		}
	}
	for name, n := range sizes {
		rows[name] = make([]any, 0, n)
	}
	for _, k := range dirty {
		t := objects[k]
		if !t.plain() { // a plain object's row is all there is to keep
			blob, err := t.state.MarshalBinary()
			if err != nil {
				return fmt.Errorf("sqlreplica: encoding the state of %s %s: %w", k.object, k.id, err)
			}
			states = append(states, k.entity, string(k.object), k.id, t.ts, t.key, t.offset, blob)
		}
		tbl := objectTableOf(k.object)
		if tbl == nil {
			return fmt.Errorf("sqlreplica: internal error: no table for object %q", k.object)
		}
		if t.existed {
			g := group{tbl.name, k.entity}
			if gone[g] == nil {
				groups = append(groups, g)
			}
			gone[g] = append(gone[g], k.id)
		}
		if t.state.Exists() {
			if err := w.d.objectRows(rows, tbl, k, t); err != nil {
				return fmt.Errorf("sqlreplica: the columns of %s %s: %w", k.object, k.id, err)
			}
		}
	}
	if err := w.insert(ctx, tableOf("replica_states"), states, true); err != nil {
		return err
	}
	for _, g := range groups {
		if err := w.deleteWhere(ctx, g.table, "id", g.entity, gone[g]); err != nil {
			return err
		}
		for _, c := range children[g.table] {
			if err := w.deleteWhere(ctx, c[0], c[1], g.entity, gone[g]); err != nil {
				return err
			}
		}
	}
	for i := range tables {
		if err := w.insert(ctx, &tables[i], rows[tables[i].name], false); err != nil {
			return err
		}
	}
	return nil
}
