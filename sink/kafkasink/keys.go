package kafkasink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/ledgersink/ledgersink/internal/problem"
)

// KeyStatus is the state of a key filter of a subscription. The platform
// knows two: a key is [KeyNew] when it is added (its entity still has to be
// initialized) and [KeyReady] once it has been. Only ready keys are
// delivered; any other value, known or not, is ignored.
type KeyStatus string

// The key statuses of the platform.
const (
	KeyNew   KeyStatus = "new"   // added; the entity is not initialized yet: its messages are skipped
	KeyReady KeyStatus = "ready" // initialized: its messages are delivered
)

// KeyFilter is one accepted message key of a subscription: an entity id
// (entite_id) and its status. Its JSON is the platform's:
// {"key": "<entite_id>", "status": "ready"}.
type KeyFilter struct {
	Key    string    `json:"key"`
	Status KeyStatus `json:"status"`
}

// ErrKeyFilters is matched by the errors of [ParseKeyFilters].
var ErrKeyFilters = errors.New("kafkasink: invalid key filters")

// KeyFiltersError lists the problems [ParseKeyFilters] found (Fields), in
// the order of the filters. Error returns "kafkasink: invalid key filters:
// N problem(s):" then one line per problem; it matches ErrKeyFilters.
type KeyFiltersError = problem.List[string]

// KeyFilterProblem is one problem of a list of key filters: Path is "/i"
// for the filter at position i, "" for the document as a whole; Rule is a
// stable code ("json", "key/required", "key/duplicate", "status/required");
// Message is for humans (never match on it).
type KeyFilterProblem = problem.Field[string]

// KeyFilters is the set of key filters of a subscription: which entities
// a [Consumer] delivers. Messages whose key is [KeyReady] are written;
// every other message, whether its key is [KeyNew], has an unknown status
// or is not in the set, is skipped and its offset committed, as the
// platform's sink service discards it. The entity's initialization, run
// while its key is new (see sink.Writer.Initialize), covers the changes
// skipped meanwhile; set the key ready once it is done.
//
// A KeyFilters is safe for concurrent use: update it while a consumer
// runs, and the next messages see the change. The zero value is an empty
// set, which delivers nothing; a nil *KeyFilters in [ConsumerOptions]
// delivers every key.
type KeyFilters struct {
	mu sync.RWMutex
	m  map[string]KeyStatus
}

// NewKeyFilters returns a set holding filters; a later filter of the same
// key replaces an earlier one. It does not retain the slice.
func NewKeyFilters(filters ...KeyFilter) *KeyFilters {
	k := &KeyFilters{m: make(map[string]KeyStatus, len(filters))}
	for _, f := range filters {
		k.m[f.Key] = f.Status
	}
	return k
}

// Set adds key with status s, or changes its status.
func (k *KeyFilters) Set(key string, s KeyStatus) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]KeyStatus{}
	}
	k.m[key] = s
}

// Remove removes key: its messages are skipped from then on.
func (k *KeyFilters) Remove(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
}

// Status returns the status of key, and false when the set does not hold it.
func (k *KeyFilters) Status(key string) (KeyStatus, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s, ok := k.m[key]
	return s, ok
}

// Ready reports whether messages of key are delivered: whether its status
// is exactly [KeyReady].
func (k *KeyFilters) Ready(key string) bool {
	s, _ := k.Status(key)
	return s == KeyReady
}

// List returns the filters, sorted by key. The caller owns the slice.
func (k *KeyFilters) List() []KeyFilter {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]KeyFilter, 0, len(k.m))
	for _, key := range slices.Sorted(maps.Keys(k.m)) {
		out = append(out, KeyFilter{Key: key, Status: k.m[key]})
	}
	return out
}

// MarshalJSON writes the filters as the platform's keyFilters array,
// sorted by key.
func (k *KeyFilters) MarshalJSON() ([]byte, error) {
	return json.Marshal(k.List())
}

// UnmarshalJSON replaces the set with the filters of a keyFilters array;
// see [ParseKeyFilters]. On error the set is unchanged.
func (k *KeyFilters) UnmarshalJSON(data []byte) error {
	p, err := ParseKeyFilters(data)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m = p.m
	return nil
}

// ParseKeyFilters reads the keyFilters array of a subscription:
//
//	[{"key": "ae9c6905-0035-4ce6-9d27-2c26b317035e", "status": "ready"},
//	 {"key": "e12a5703-ef8e-48da-8a21-699af50aae80", "status": "new"}]
//
// Every filter needs a non-empty key and a non-empty status; a key may
// appear once. Statuses other than "new" and "ready" are kept (the platform
// ignores them, and so does the consumer), and fields other than key and
// status are ignored. It returns a *KeyFiltersError matching ErrKeyFilters
// listing every problem found, never only the first.
func ParseKeyFilters(data []byte) (*KeyFilters, error) {
	problems := problem.Collector[string]{Subject: "kafkasink: invalid key filters", Err: ErrKeyFilters}
	add := func(path, rule, msg string) {
		problems.Add(&KeyFilterProblem{Path: path, Rule: rule, Message: msg})
	}
	var raw []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		add("", "json", "not a JSON array of objects: "+err.Error())
		return nil, problems.Result()
	}
	if dec.More() {
		add("", "json", "data after the array")
		return nil, problems.Result()
	}
	k := &KeyFilters{m: make(map[string]KeyStatus, len(raw))}
	for i, obj := range raw {
		path := "/" + strconv.Itoa(i)
		key, okKey := stringField(obj, "key")
		status, okStatus := stringField(obj, "status")
		if !okKey || key == "" {
			add(path, "key/required", "key must be a non-empty string")
		}
		if !okStatus || status == "" {
			add(path, "status/required", "status must be a non-empty string")
		}
		if !okKey || key == "" {
			continue
		}
		if _, dup := k.m[key]; dup {
			add(path, "key/duplicate", fmt.Sprintf("key %q appears more than once", key))
			continue
		}
		k.m[key] = KeyStatus(status)
	}
	if err := problems.Result(); err != nil {
		return nil, err
	}
	return k, nil
}

// stringField returns the string value of obj[name], and false when it is
// missing or not a string.
func stringField(obj map[string]json.RawMessage, name string) (string, bool) {
	v, ok := obj[name]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false
	}
	return s, true
}
