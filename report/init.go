package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/internal/problem"
)

// InitRow counts the records an initialization wrote for one schema (an
// event name such as "comptaCompteInserted").
type InitRow struct {
	Schema string `json:"schema"`
	Count  int64  `json:"count"`
}

// Init is the initialization report: written once, last, in the entity's
// directory when the initialization of an entity is complete. Its JSON is the
// platform's:
//
//	{
//	  "0": {"schema": "comptaJournalInserted", "count": 3},
//	  "1": {"schema": "comptaTvaInserted", "count": 0},
//	  ...
//	  "entite_id": "ae9c6905-0035-4ce6-9d27-2c26b317035e"
//	}
//
// Rows keep their order: row i is written under the key "i". A schema may
// appear on several rows; the platform writes comptaTiersInserted four
// times, once per kind of third party (customer, supplier, employee, other).
type Init struct {
	EntityID string
	Rows     []InitRow
}

// ErrInvalid is matched by every error that reports a malformed report.
var ErrInvalid = errors.New("report: invalid report")

// A FieldError is one problem of a report: Path, a JSON Pointer into the
// report's JSON ("/topics/2/values/0/id", "/3/count"); Rule, one of the
// Rule* codes; Message, for humans (never match on it). Error returns
// "path: message [rule]".
type FieldError = problem.Field[string]

// A ValidationError lists the problems of a report (Fields), sorted by path
// then rule: the first 100, the others counted in Omitted. Error returns
// "report: invalid ... report: N problem(s):" then one line per problem; it
// matches ErrInvalid. Has(rule) reports whether some problem breaks rule.
type ValidationError = problem.List[string]

// Rule codes of the problems of [Init.Validate] and [Daily.Validate].
const (
	RuleRequired  = "required"  // an empty id, entity id, schema or topic name
	RuleNegative  = "negative"  // a negative count or timestamp
	RulePage      = "page"      // a page number below 1
	RuleDuplicate = "duplicate" // a topic named twice
)

// Validate returns nil, or a *[ValidationError] matching ErrInvalid that
// lists every problem: an empty entity id, an empty schema, a negative
// count.
func (r *Init) Validate() error {
	c := problem.Collector[string]{Subject: "report: invalid initialization report", Err: ErrInvalid}
	if r.EntityID == "" {
		c.Add(&FieldError{Path: "/entite_id", Rule: RuleRequired, Message: "empty"})
	}
	for i, row := range r.Rows {
		if row.Schema == "" {
			c.Add(&FieldError{Path: "/" + strconv.Itoa(i) + "/schema", Rule: RuleRequired, Message: "empty"})
		}
		if row.Count < 0 {
			c.Add(&FieldError{Path: "/" + strconv.Itoa(i) + "/count", Rule: RuleNegative, Message: "negative count " + strconv.FormatInt(row.Count, 10)})
		}
	}
	return c.Result()
}

// MarshalJSON encodes r as the platform does, indented by two spaces, rows
// under "0", "1", ... in order, then "entite_id". It fails when r does not
// [Init.Validate].
func (r *Init) MarshalJSON() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, row := range r.Rows {
		schema, _ := json.Marshal(row.Schema)
		fmt.Fprintf(&b, "  %q: {\n    \"schema\": %s,\n    \"count\": %d\n  },\n", strconv.Itoa(i), schema, row.Count)
	}
	id, _ := json.Marshal(r.EntityID)
	fmt.Fprintf(&b, "  \"entite_id\": %s\n}\n", id)
	return b.Bytes(), nil
}

// UnmarshalJSON decodes a report in the platform's shape. Keys may come in
// any order, but the row keys must be exactly "0" to "n-1", each row exactly
// {"schema": string, "count": integer >= 0}, and "entite_id" a non-empty
// string; anything else fails with an error matching ErrInvalid that says
// what is wrong. On error r is left unchanged.
func (r *Init) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := checkDuplicateKeys(data); err != nil {
		return err
	}
	var out Init
	idRaw, ok := raw["entite_id"]
	if !ok {
		return fmt.Errorf("%w: no entite_id", ErrInvalid)
	}
	if err := json.Unmarshal(idRaw, &out.EntityID); err != nil || out.EntityID == "" {
		return fmt.Errorf("%w: entite_id is not a non-empty string", ErrInvalid)
	}
	delete(raw, "entite_id")
	out.Rows = make([]InitRow, len(raw))
	for i := range out.Rows {
		key := strconv.Itoa(i)
		rowRaw, ok := raw[key]
		if !ok {
			return fmt.Errorf("%w: %d rows but no key %q: row keys must run from \"0\" without gaps", ErrInvalid, len(raw), key)
		}
		row, err := decodeRow(rowRaw)
		if err != nil {
			return fmt.Errorf("%w: row %q: %w", ErrInvalid, key, err)
		}
		out.Rows[i] = row
	}
	*r = out
	return nil
}

func decodeRow(data []byte) (InitRow, error) {
	var row struct {
		Schema *string         `json:"schema"`
		Count  json.RawMessage `json:"count"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&row); err != nil {
		return InitRow{}, err
	}
	if row.Schema == nil || *row.Schema == "" {
		return InitRow{}, errors.New("no schema")
	}
	if row.Count == nil {
		return InitRow{}, errors.New("no count")
	}
	n, err := strconv.ParseInt(string(row.Count), 10, 64) // rejects "1", 1.5, 1e3, null
	if err != nil || n < 0 {
		return InitRow{}, fmt.Errorf("count %s is not a non-negative integer", row.Count)
	}
	return InitRow{Schema: *row.Schema, Count: n}, nil
}

// checkDuplicateKeys rejects a top-level object that repeats a key, which
// encoding/json would otherwise resolve silently to the last value.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("%w: key %q appears twice", ErrInvalid, key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return nil
}

// Total returns the sum of the counts of all rows.
func (r *Init) Total() int64 {
	var n int64
	for _, row := range r.Rows {
		n += row.Count
	}
	return n
}

// Count returns the sum of the counts of the rows for schema.
func (r *Init) Count(schema string) int64 {
	var n int64
	for _, row := range r.Rows {
		if row.Schema == schema {
			n += row.Count
		}
	}
	return n
}

// Decode reads one initialization report from rd; see [Init.UnmarshalJSON].
func Decode(rd io.Reader) (*Init, error) { return decode[Init](rd) }

// decode reads all of rd and decodes it into a new T with its UnmarshalJSON.
func decode[T any, P interface {
	*T
	UnmarshalJSON([]byte) error
}](rd io.Reader) (*T, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := P(v).UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return v, nil
}

// TimeLayout is the layout of the time in every sink file name, event files
// and reports alike: UTC with exactly three fraction digits.
const TimeLayout = "2006-01-02T15:04:05.000Z"

const initPrefix, initExt = "initialisation-report-", ".json"

// InitFileName returns the name of the initialization report completed at
// at: "initialisation-report-2024-01-30T15:17:20.186Z.json".
func InitFileName(at time.Time) string {
	return initPrefix + at.UTC().Format(TimeLayout) + initExt
}

// ParseInitFileName returns the completion time of the initialization report
// named name, the exact inverse of [InitFileName]. Any other name fails with
// an error matching ErrInvalid.
func ParseInitFileName(name string) (time.Time, error) {
	ts, ok := strings.CutPrefix(name, initPrefix)
	if ok {
		ts, ok = strings.CutSuffix(ts, initExt)
	}
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %q is not named %s<time>%s", ErrInvalid, name, initPrefix, initExt)
	}
	t, err := time.Parse(TimeLayout, ts)
	if err != nil || t.Format(TimeLayout) != ts {
		return time.Time{}, fmt.Errorf("%w: %q: time %q is not in the layout %s", ErrInvalid, name, ts, TimeLayout)
	}
	return t, nil
}

// IsInitFileName reports whether name is the name of an initialization report.
func IsInitFileName(name string) bool {
	if !strings.HasPrefix(name, initPrefix) {
		return false // the common case, in a listing of event files: no error built
	}
	_, err := ParseInitFileName(name)
	return err == nil
}
