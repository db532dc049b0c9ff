package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/ledgersink/ledgersink/internal/problem"
)

// Daily is one page of the daily report: for every object inserted, updated
// or deleted during a day, per topic, its id and the timestamp of its last
// change (for entries, only their last update). The platform publishes it
// every night in the entity's directory, as one or more files named like
// events of the "comptaDailyReport" topic.
//
// Its JSON is:
//
//	{"timestamp":1706745600000,"entite_id":"…","id":"…","page":1,
//	 "topics":[{"topicName":"queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteUpdated",
//	            "values":[{"id":"…","timestamp":1706781600000}]}]}
type Daily struct {
	// Timestamp, in epoch milliseconds, tells the day the report covers
	// (the producer sets it to the start of that day).
	Timestamp int64 `json:"timestamp"`
	// EntityID is the entity (entite_id).
	EntityID string `json:"entite_id"`
	// ID identifies the report; every page of one report has the same ID.
	ID string `json:"id"`
	// Page numbers the pages of a report from 1.
	Page int `json:"page"`
	// Topics lists, per topic, the changes of the day.
	Topics []Topic `json:"topics"`
}

// Topic lists the changes of one topic (an event name with its namespace).
type Topic struct {
	TopicName string  `json:"topicName"`
	Values    []Value `json:"values"`
}

// Value is one object changed: its id and the timestamp of its last change
// in epoch milliseconds.
type Value struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
}

// Validate returns nil or a *[ValidationError] matching ErrInvalid that
// lists every problem: a negative timestamp, empty ids, a page below 1, an
// empty topic name, a topic named twice, a value with an empty id or a
// negative timestamp.
func (d *Daily) Validate() error {
	c := problem.Collector[string]{Subject: "report: invalid daily report", Err: ErrInvalid}
	add := func(path, rule, msg string) {
		c.Add(&FieldError{Path: path, Rule: rule, Message: msg})
	}
	if d.Timestamp < 0 {
		add("/timestamp", RuleNegative, "negative")
	}
	if d.EntityID == "" {
		add("/entite_id", RuleRequired, "empty")
	}
	if d.ID == "" {
		add("/id", RuleRequired, "empty")
	}
	if d.Page < 1 {
		add("/page", RulePage, fmt.Sprintf("page %d, pages count from 1", d.Page))
	}
	seen := map[string]bool{}
	for i, t := range d.Topics {
		if t.TopicName == "" {
			add(fmt.Sprintf("/topics/%d/topicName", i), RuleRequired, "empty")
		}
		if seen[t.TopicName] {
			add(fmt.Sprintf("/topics/%d/topicName", i), RuleDuplicate, fmt.Sprintf("topic %q listed twice", t.TopicName))
		}
		seen[t.TopicName] = true
		for j, v := range t.Values {
			if v.ID == "" {
				add(fmt.Sprintf("/topics/%d/values/%d/id", i, j), RuleRequired, "empty")
			}
			if v.Timestamp < 0 {
				add(fmt.Sprintf("/topics/%d/values/%d/timestamp", i, j), RuleNegative, "negative")
			}
		}
	}
	return c.Result()
}

// MarshalJSON encodes d compactly, as above, with "values": [] rather than
// null for an empty topic. It fails when d does not [Daily.Validate].
func (d *Daily) MarshalJSON() ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	type plain Daily
	p := plain(*d)
	p.Topics = append(make([]Topic, 0, len(d.Topics)), d.Topics...) // a copy, never nil
	for i := range p.Topics {
		if p.Topics[i].Values == nil {
			p.Topics[i].Values = []Value{}
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// UnmarshalJSON decodes a page strictly: every field present with its JSON
// type, integers for timestamps and page, no unknown field, then
// [Daily.Validate]. On error d is left unchanged.
func (d *Daily) UnmarshalJSON(data []byte) error {
	var raw struct {
		Timestamp json.RawMessage `json:"timestamp"`
		EntityID  *string         `json:"entite_id"`
		ID        *string         `json:"id"`
		Page      json.RawMessage `json:"page"`
		Topics    *[]struct {
			TopicName *string `json:"topicName"`
			Values    *[]struct {
				ID        *string         `json:"id"`
				Timestamp json.RawMessage `json:"timestamp"`
			} `json:"values"`
		} `json:"topics"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("%w: daily report: %w", ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: daily report: data after the object", ErrInvalid)
	}
	integer := func(path string, b json.RawMessage) (int64, error) {
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: daily report: %s: %s is not an integer", ErrInvalid, path, b)
		}
		return n, nil
	}
	var out Daily
	var err error
	if out.Timestamp, err = integer("/timestamp", raw.Timestamp); err != nil {
		return err
	}
	page, err := integer("/page", raw.Page)
	if err != nil {
		return err
	}
	out.Page = int(page)
	if raw.EntityID == nil || raw.ID == nil || raw.Topics == nil {
		return fmt.Errorf("%w: daily report: entite_id, id and topics are required", ErrInvalid)
	}
	out.EntityID, out.ID = *raw.EntityID, *raw.ID
	out.Topics = make([]Topic, len(*raw.Topics))
	for i, t := range *raw.Topics {
		if t.TopicName == nil || t.Values == nil {
			return fmt.Errorf("%w: daily report: /topics/%d: topicName and values are required", ErrInvalid, i)
		}
		out.Topics[i] = Topic{TopicName: *t.TopicName, Values: make([]Value, len(*t.Values))}
		for j, v := range *t.Values {
			path := fmt.Sprintf("/topics/%d/values/%d", i, j)
			if v.ID == nil {
				return fmt.Errorf("%w: daily report: %s: id is required", ErrInvalid, path)
			}
			ts, err := integer(path+"/timestamp", v.Timestamp)
			if err != nil {
				return err
			}
			out.Topics[i].Values[j] = Value{ID: *v.ID, Timestamp: ts}
		}
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*d = out
	return nil
}

// DecodeDaily reads one page of a daily report from rd; see [Daily.UnmarshalJSON].
func DecodeDaily(rd io.Reader) (*Daily, error) { return decode[Daily](rd) }

// Paginate splits the topics of one report into pages of at most size
// values each (a topic may continue on the next page), numbered from 1, all
// with the timestamp, entity and id of head. A report with no value has one
// page with no topic. A size below 1 means a single page.
func Paginate(head Daily, topics []Topic, size int) []*Daily {
	newPage := func(n int) *Daily {
		return &Daily{Timestamp: head.Timestamp, EntityID: head.EntityID, ID: head.ID, Page: n, Topics: []Topic{}}
	}
	pages := []*Daily{newPage(1)}
	room := size
	for _, t := range topics {
		values := t.Values
		for len(values) > 0 {
			if size > 0 && room == 0 {
				pages = append(pages, newPage(len(pages)+1))
				room = size
			}
			n := len(values)
			if size > 0 {
				n = min(n, room)
				room -= n
			}
			p := pages[len(pages)-1]
			p.Topics = append(p.Topics, Topic{TopicName: t.TopicName, Values: append([]Value(nil), values[:n]...)})
			values = values[n:]
		}
	}
	return pages
}
