// Package problem is the one error type of the SDK's validations: a list
// of problems, each located by a JSON Pointer into the checked document
// and named by a stable rule code. Packages re-export its types by alias
// under the names their users know (entry.FieldError and
// entry.ValidationError, period.ValidationError, ...), with their own rule
// type R and message subject.
//
// A [Collector] gathers the problems of one validation in linear time and
// bounded memory: it keeps the first [DefaultMax] (or its Max) in the
// list's order and only counts the others.
//
// It is a helper of the SDK: it imports the standard library and
// internal/jsonptr only. Its functions are pure; a Collector is not safe for
// concurrent use.
package problem

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ledgersink/ledgersink/internal/jsonptr"
)

// DefaultMax is how many problems a [Collector] keeps when its Max is 0.
// The others are counted in [List.Omitted].
const DefaultMax = 100

// A Field is one problem: where (a JSON Pointer into the checked document),
// which rule, a message for humans, and the rule's sentinel.
type Field[R ~string] struct {
	Path    string // JSON Pointer: "/movements/2/value/amount"; "" for the whole document
	Rule    R      // stable machine code: "required", "balanced", "schema/minLength"
	Message string // for humans; may change; never match on it
	Err     error  // the rule's sentinel or an error wrapping it; nil for a rule without one
}

// Error returns "path: message [rule]", or "message [rule]" for the whole
// document.
func (f *Field[R]) Error() string {
	if f.Path == "" {
		return f.Message + " [" + string(f.Rule) + "]"
	}
	return f.Path + ": " + f.Message + " [" + string(f.Rule) + "]"
}

// Unwrap returns Err.
func (f *Field[R]) Unwrap() error { return f.Err }

// Compare orders problems by Path (array indexes numerically, before
// member names: [jsonptr.Compare]), then Rule, then Message. It is the
// order of every [List].
func Compare[R ~string](a, b *Field[R]) int {
	if c := jsonptr.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Rule), string(b.Rule)); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

// A List is the error of a validation that found problems: every problem
// when there are few, else the first ones in [Compare] order and a count of
// the others.
type List[R ~string] struct {
	// Subject names what was checked; it starts the message ("entry",
	// "period", "export: FEC").
	Subject string
	// Fields are the problems, sorted by [Compare], without repeats.
	Fields []*Field[R]
	// Omitted counts the problems found after the last of Fields (in
	// Compare order), not listed to bound the memory a hostile document
	// can take.
	Omitted int
	// Err, when set, is matched by the list as a whole, whatever its
	// problems (errors.Is(err, export.ErrFEC), for example).
	Err error

	// rest holds the first omitted problem of each rule absent from Fields,
	// so that Has and errors.Is see every rule broken.
	rest []*Field[R]
}

// Error returns "subject: N problem(s):" then one problem per line, and
// "... and K more" when problems were omitted.
func (e *List[R]) Error() string {
	var b strings.Builder
	if e.Subject != "" {
		b.WriteString(e.Subject)
		b.WriteString(": ")
	}
	n := len(e.Fields) + e.Omitted
	b.WriteString(strconv.Itoa(n))
	if n == 1 {
		b.WriteString(" problem:")
	} else {
		b.WriteString(" problems:")
	}
	for _, f := range e.Fields {
		b.WriteString("\n\t")
		b.WriteString(f.Error())
	}
	if e.Omitted > 0 {
		b.WriteString("\n\t... and ")
		b.WriteString(strconv.Itoa(e.Omitted))
		b.WriteString(" more")
	}
	return b.String()
}

// Unwrap returns Err (when set), the listed problems, and one omitted
// problem of each rule not listed, so that errors.Is(err, sentinel) holds
// for every rule broken and errors.As(err, &field) finds the first
// problem.
func (e *List[R]) Unwrap() []error {
	out := make([]error, 0, 1+len(e.Fields)+len(e.rest))
	if e.Err != nil {
		out = append(out, e.Err)
	}
	for _, f := range e.Fields {
		out = append(out, f)
	}
	for _, f := range e.rest {
		out = append(out, f)
	}
	return out
}

// Has reports whether some problem, listed or omitted, breaks rule r.
func (e *List[R]) Has(r R) bool {
	is := func(f *Field[R]) bool { return f.Rule == r }
	return slices.ContainsFunc(e.Fields, is) || slices.ContainsFunc(e.rest, is)
}

// A Collector gathers the problems of one validation and makes the [List].
// It keeps the first Max problems in [Compare] order, whatever the order
// they are added in, drops repeats (same path, rule and message) and counts
// the rest, so that the result is the same for every order of discovery.
// Adding n problems costs O(n log Max) time and O(Max) memory.
//
// The zero value is ready to use, with Max = DefaultMax.
type Collector[R ~string] struct {
	// Subject and Err become those of the List.
	Subject string
	Err     error
	// Max is how many problems the List holds: 0 means DefaultMax, a
	// negative value no limit.
	Max int

	buf     []item[R]
	full    bool // buf[:Max] holds the first Max distinct problems so far, sorted
	omitted int
	rest    map[R]*Field[R] // first omitted problem of each rule
	added   int
}

type item[R ~string] struct {
	f *Field[R]
	n int // how many times it was added
}

func (c *Collector[R]) max() int {
	switch {
	case c.Max == 0:
		return DefaultMax
	case c.Max < 0:
		return -1
	}
	return c.Max
}

// Add records f. The Collector keeps f (it must not be changed afterwards)
// or drops it.
func (c *Collector[R]) Add(f *Field[R]) { c.add(f, 1) }

// add records n repeats of f.
func (c *Collector[R]) add(f *Field[R], n int) {
	c.added += n
	if c.full {
		last := &c.buf[c.max()-1]
		switch cmp := Compare(f, last.f); {
		case cmp == 0:
			last.n += n // repeats, counted if last is omitted later
			return
		case cmp > 0:
			c.omit(f, n)
			return
		}
	}
	c.buf = append(c.buf, item[R]{f, n})
	if m := c.max(); m > 0 && len(c.buf) >= 2*m {
		c.compact(m)
	}
}

// Merge adds the problems of o to c, as if each had been added to c, and
// empties o. Both must have the same Max.
func (c *Collector[R]) Merge(o *Collector[R]) {
	for _, it := range o.buf {
		c.add(it.f, it.n)
	}
	c.added += o.omitted
	c.omitted += o.omitted
	for _, f := range o.rest {
		c.omit(f, 0)
	}
	*o = Collector[R]{Subject: o.Subject, Err: o.Err, Max: o.Max}
}

// Len returns how many problems were added, repeats included.
func (c *Collector[R]) Len() int { return c.added }

// omit counts n repeats of a problem that will not be listed.
func (c *Collector[R]) omit(f *Field[R], n int) {
	c.omitted += n
	if r, ok := c.rest[f.Rule]; !ok || Compare(f, r) < 0 {
		if c.rest == nil {
			c.rest = make(map[R]*Field[R])
		}
		c.rest[f.Rule] = f
	}
}

// compact sorts buf, merges repeats and, when max > 0, keeps the first max
// distinct problems, omitting the others.
func (c *Collector[R]) compact(max int) {
	slices.SortFunc(c.buf, func(a, b item[R]) int { return Compare(a.f, b.f) })
	out := c.buf[:0]
	for _, it := range c.buf {
		if k := len(out); k > 0 && Compare(out[k-1].f, it.f) == 0 {
			out[k-1].n += it.n
			continue
		}
		out = append(out, it)
	}
	if max > 0 && len(out) >= max {
		for _, it := range out[max:] {
			c.omit(it.f, it.n)
		}
		clear(out[max:])
		out = out[:max]
		c.full = true
	}
	c.buf = out
}

// Result returns nil when no problem was added, else a *List of the first
// Max problems. The Collector must not be used afterwards.
func (c *Collector[R]) Result() error {
	if len(c.buf) == 0 {
		return nil
	}
	c.compact(c.max())
	l := &List[R]{Subject: c.Subject, Err: c.Err, Omitted: c.omitted, Fields: make([]*Field[R], len(c.buf))}
	for i, it := range c.buf {
		l.Fields[i] = it.f
	}
	for r, f := range c.rest {
		if !slices.ContainsFunc(l.Fields, func(g *Field[R]) bool { return g.Rule == r }) {
			l.rest = append(l.rest, f)
		}
	}
	slices.SortFunc(l.rest, Compare)
	return l
}
