package sqlreplica

// TEMPORARY: a stand-in for sink.ObjectState until it lands in the core;
// this file goes then, and objectState becomes sink.ObjectState.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/ledgersink/ledgersink/sink"
)

type outcome int

const (
	outcomeApplied outcome = iota
	outcomeUnchanged
	outcomeConflict
)

type objectState struct {
	Ts      int64
	Seen    bool
	Visible bool
	Obj     sink.Object
	Fields  map[string]json.RawMessage
}

func (s *objectState) Apply(ev *sink.Event) (outcome, error) {
	if err := ev.Validate(); err != nil {
		return 0, err
	}
	if s.Seen && ev.Timestamp < s.Ts {
		return outcomeUnchanged, nil
	}
	if ev.Update && s.Visible && s.Ts == ev.Timestamp {
		return outcomeUnchanged, nil
	}
	s.Obj = ev.Name.Object()
	switch ev.Name.Action() {
	case sink.Deleted:
		if s.Seen && !s.Visible && s.Ts == ev.Timestamp {
			return outcomeUnchanged, nil
		}
		s.Seen, s.Visible, s.Ts, s.Fields = true, false, ev.Timestamp, nil
		return outcomeApplied, nil
	}
	b, err := ev.Encode()
	if err != nil {
		return 0, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, err
	}
	for _, k := range []string{"timestamp", "application_id", "entite_id", "id"} {
		delete(m, k)
	}
	if ev.Name.Action() == sink.Updated {
		next := maps.Clone(s.Fields)
		if next == nil {
			next = map[string]json.RawMessage{}
		}
		for _, k := range ev.Changed {
			next[k] = m[k]
		}
		m = next
	}
	if s.Visible && s.Ts == ev.Timestamp && maps.EqualFunc(s.Fields, m, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		return outcomeUnchanged, nil
	}
	s.Seen, s.Visible, s.Ts, s.Fields = true, true, ev.Timestamp, m
	return outcomeApplied, nil
}

func (s *objectState) Exists() bool { return s.Visible }

func (s *objectState) Payload() []byte {
	if !s.Visible {
		return nil
	}
	b, _ := json.Marshal(s.Fields)
	return b
}

func (s *objectState) Data() (any, error) {
	if !s.Visible {
		return nil, nil
	}
	ev, err := sink.DecodeEvent(mustName(s.Obj), append([]byte(`{"timestamp":0,"application_id":"a","entite_id":"e","id":"i",`), s.Payload()[1:]...))
	if err != nil {
		return nil, err
	}
	return ev.Data, nil
}

func mustName(o sink.Object) sink.EventName {
	n, err := sink.NameOf(o, sink.Inserted)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return n
}

func (s *objectState) MarshalBinary() ([]byte, error) { return json.Marshal(s) }

func (s *objectState) UnmarshalBinary(b []byte) error { return json.Unmarshal(b, s) }
