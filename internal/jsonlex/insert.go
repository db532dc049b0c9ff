package jsonlex

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ledgersink/ledgersink/internal/jsonptr"
)

// ErrInsert is matched by the errors of [InsertMembers].
var ErrInsert = errors.New("jsonlex: cannot insert member")

// InsertMembers returns doc with members added: each key of members is the
// JSON Pointer of a new object member ("/movements/0/newField": the member
// newField of the object at /movements/0), and its value the member's JSON
// text. New members go at the end of their object, by name. doc is
// re-emitted without insignificant white space; it is not modified.
//
// It fails with an error matching ErrInsert when a pointer's object is not
// in doc, or the object already has that member; with a *SyntaxError for
// malformed JSON. Time is linear in len(doc) plus the members' size.
func InsertMembers(doc []byte, members map[string][]byte) ([]byte, error) {
	if len(members) == 0 {
		return doc, nil
	}
	byParent := map[string][]string{} // parent pointer -> new keys
	for p := range members {
		segs := jsonptr.Segments(p)
		if len(segs) == 0 || !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("%w: %q is not the pointer of a member", ErrInsert, p)
		}
		parent := p[:strings.LastIndexByte(p, '/')]
		byParent[parent] = append(byParent[parent], p)
	}
	for _, keys := range byParent {
		slices.Sort(keys)
	}
	ins := &inserter{members: members, byParent: byParent, out: make([]byte, 0, len(doc)+64*len(members))}
	ins.l.Reset(doc)
	if err := ins.value(make([]byte, 0, 64), 0); err != nil {
		return nil, err
	}
	if err := ins.l.End(); err != nil {
		return nil, err
	}
	if ins.used != len(members) {
		for parent, keys := range byParent {
			if !ins.seen[parent] {
				return nil, fmt.Errorf("%w: %s: no object at %q in the document", ErrInsert, keys[0], parent)
			}
		}
	}
	return ins.out, nil
}

type inserter struct {
	l        Lexer
	members  map[string][]byte
	byParent map[string][]string
	seen     map[string]bool // parents met
	used     int
	out      []byte
}

func (ins *inserter) value(path []byte, depth int) error {
	if depth > MaxDepth {
		return ins.l.errorf("nesting too deep")
	}
	switch ins.l.Peek() {
	case Object:
		return ins.object(path, depth)
	case Array:
		ins.out = append(ins.out, '[')
		more, err := ins.l.ArrayStart()
		for i := 0; err == nil && more; i++ {
			if i > 0 {
				ins.out = append(ins.out, ',')
			}
			if err = ins.value(jsonptr.AppendIndex(path, i), depth+1); err == nil {
				more, err = ins.l.ArrayNext()
			}
		}
		ins.out = append(ins.out, ']')
		return err
	}
	raw, err := ins.l.Raw()
	ins.out = append(ins.out, raw...)
	return err
}

func (ins *inserter) object(path []byte, depth int) error {
	keys := ins.byParent[string(path)]
	var present map[string]bool
	if keys != nil {
		if ins.seen == nil {
			ins.seen = map[string]bool{}
		}
		ins.seen[string(path)] = true
		present = map[string]bool{}
	}
	ins.out = append(ins.out, '{')
	n := 0
	more, err := ins.l.ObjectStart()
	for err == nil && more {
		start := ins.l.Offset()
		var k string
		if k, err = ins.l.String(); err != nil {
			break
		}
		rawKey := ins.l.data[start:ins.l.Offset()]
		if err = ins.l.Expect(':'); err != nil {
			break
		}
		if present != nil {
			present[k] = true
		}
		if n > 0 {
			ins.out = append(ins.out, ',')
		}
		n++
		ins.out = append(ins.out, trimSpace(rawKey)...)
		ins.out = append(ins.out, ':')
		if err = ins.value(jsonptr.AppendKey(path, k), depth+1); err == nil {
			more, err = ins.l.ObjectNext()
		}
	}
	if err != nil {
		return err
	}
	for _, p := range keys {
		k := p[len(path)+1:]
		name := jsonptr.Segments("/" + k)[0]
		if present[name] {
			return fmt.Errorf("%w: %s: the object already has that member", ErrInsert, p)
		}
		if n > 0 {
			ins.out = append(ins.out, ',')
		}
		n++
		ins.out = AppendString(ins.out, name)
		ins.out = append(ins.out, ':')
		ins.out = append(ins.out, ins.members[p]...)
		ins.used++
	}
	ins.out = append(ins.out, '}')
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
