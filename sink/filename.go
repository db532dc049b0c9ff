package sink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/report"
)

// DefaultNamespace is the namespace of the Cegid Loop sink: the prefix of
// every topic and file name.
const DefaultNamespace = "queuing.cpa.comptabilite-fr.cegid.loop"

const fileExt = ".json"

// ErrFileName is matched by every error of [ParseFileName] and
// [FileName.Validate].
var ErrFileName = errors.New("sink: invalid file name")

// FileNameError describes what is wrong with a file name: the name, the part
// at fault ("namespace", "event", "offset", "time", "extension") and why.
type FileNameError struct {
	Name string // the file name, as given
	Part string // which part is at fault
	Err  error  // the cause; matches ErrFileName, and ErrUnknownEvent for an unknown event
}

func (e *FileNameError) Error() string {
	return fmt.Sprintf("sink: file name %q: %s: %v", e.Name, e.Part, e.Err)
}

// Unwrap returns the cause, so errors.Is(err, ErrFileName) holds.
func (e *FileNameError) Unwrap() error { return e.Err }

// FileName is the name of one sink file:
//
//	<namespace>.<event>-<offset>-<time>.json
//	queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json
//
// The namespace and event together are the topic; the offset is the
// message's position in it; the time is the UTC instant the file was
// produced, to the millisecond (the instant the data changed is inside the
// file). A FileName is a plain value: it does no I/O.
type FileName struct {
	Namespace string    // "" means DefaultNamespace
	Event     EventName // a change event or DailyReport
	Offset    int64     // non-negative
	Time      time.Time // formatted in UTC, truncated to the millisecond
}

// Topic returns "<namespace>.<event>", the name of the topic the file comes from.
func (f FileName) Topic() string { return f.namespace() + "." + string(f.Event) }

func (f FileName) namespace() string {
	if f.Namespace == "" {
		return DefaultNamespace
	}
	return f.Namespace
}

// String formats f. It does not validate f: call [FileName.Validate] for
// that, or use the writer, which does.
func (f FileName) String() string { return f.format("", false) }

// under returns dir + "/" + f.String() in one allocation: the key of a
// file (see [Key]).
func (f FileName) under(dir string) string { return f.format(dir, true) }

func (f FileName) format(dir string, inDir bool) string {
	var b strings.Builder
	b.Grow(len(dir) + 1 + len(f.namespace()) + 1 + len(f.Event) + 1 + 20 + 1 + len(report.TimeLayout) + len(fileExt))
	if inDir {
		b.WriteString(dir)
		b.WriteByte('/')
	}
	b.WriteString(f.namespace())
	b.WriteByte('.')
	b.WriteString(string(f.Event))
	b.WriteByte('-')
	var tmp [64]byte
	b.Write(strconv.AppendInt(tmp[:0], f.Offset, 10))
	b.WriteByte('-')
	b.Write(appendFileTime(tmp[:0], f.Time))
	b.WriteString(fileExt)
	return b.String()
}

// appendFileTime appends t in report.TimeLayout, as t.UTC().AppendFormat
// does, without interpreting the layout for the years a file name holds.
func appendFileTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, report.TimeLayout)
	}
	hour, min, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	two := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	b = two(two(b, year/100), year%100)
	b = two(append(b, '-'), int(month))
	b = two(append(b, '-'), day)
	b = two(append(b, 'T'), hour)
	b = two(append(b, ':'), min)
	b = two(append(b, ':'), sec)
	b = append(b, '.', byte('0'+ms/100))
	b = two(b, ms%100)
	return append(b, 'Z')
}

// Validate reports whether f formats into a name that [ParseFileName] reads
// back as f: a valid namespace, a known event, a non-negative offset and a
// time between years 0000 and 9999. It returns nil or a *FileNameError.
func (f FileName) Validate() error {
	fail := func(part string, err error) error {
		return &FileNameError{Name: f.String(), Part: part, Err: err}
	}
	if err := checkNamespace(f.namespace()); err != nil {
		return fail("namespace", err)
	}
	if !f.Event.Valid() {
		return fail("event", fmt.Errorf("%w: %w: %q", ErrFileName, ErrUnknownEvent, string(f.Event)))
	}
	if f.Offset < 0 {
		return fail("offset", fmt.Errorf("%w: negative offset %d", ErrFileName, f.Offset))
	}
	if y := f.Time.UTC().Year(); y < 0 || y > 9999 {
		return fail("time", fmt.Errorf("%w: year %d outside 0000-9999", ErrFileName, y))
	}
	return nil
}

// ParseFileName parses a sink file name (the base name, without any
// directory), the exact inverse of [FileName.String]: for every name it
// accepts, ParseFileName(name).String() == name. The namespace is whatever
// precedes the event name; use [FileName.Namespace] to filter on it.
//
// It fails with a *FileNameError matching ErrFileName that names the
// offending part: a missing ".json" extension, a time not in [report.TimeLayout]
// (UTC, three fraction digits, a real calendar instant), an offset that is
// not a canonical non-negative decimal int64 (no sign, no leading zero), an
// unknown event name (also matching ErrUnknownEvent), or an empty or
// malformed namespace.
func ParseFileName(name string) (FileName, error) {
	fail := func(part, format string, args ...any) (FileName, error) {
		return FileName{}, &FileNameError{Name: name, Part: part,
			Err: fmt.Errorf("%w: "+format, append([]any{ErrFileName}, args...)...)}
	}
	rest, ok := strings.CutSuffix(name, fileExt)
	if !ok {
		return fail("extension", "want %q", fileExt)
	}
	if len(rest) < len(report.TimeLayout)+1 || rest[len(rest)-len(report.TimeLayout)-1] != '-' {
		return fail("time", "want -%s at the end", report.TimeLayout)
	}
	ts := rest[len(rest)-len(report.TimeLayout):]
	t, err := time.Parse(report.TimeLayout, ts)
	if err != nil || t.Format(report.TimeLayout) != ts {
		return fail("time", "%q is not a UTC instant in the layout %s", ts, report.TimeLayout)
	}
	rest = rest[:len(rest)-len(report.TimeLayout)-1]

	dash := strings.LastIndexByte(rest, '-')
	if dash < 0 {
		return fail("offset", "no offset")
	}
	digits := rest[dash+1:]
	off, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || off < 0 || digits != strconv.FormatInt(off, 10) {
		return fail("offset", "%q is not a canonical non-negative integer", digits)
	}
	topic := rest[:dash]

	dot := strings.LastIndexByte(topic, '.')
	if dot < 0 {
		return fail("namespace", "no namespace before the event name in %q", topic)
	}
	ns, ev := topic[:dot], EventName(topic[dot+1:])
	if !ev.Valid() {
		return FileName{}, &FileNameError{Name: name, Part: "event",
			Err: fmt.Errorf("%w: %w: %q", ErrFileName, ErrUnknownEvent, string(ev))}
	}
	if err := checkNamespace(ns); err != nil {
		return FileName{}, &FileNameError{Name: name, Part: "namespace", Err: err}
	}
	return FileName{Namespace: ns, Event: ev, Offset: off, Time: t}, nil
}

// checkNamespace accepts dot-separated non-empty labels of ASCII letters,
// digits, '-' and '_': topic names as Kafka allows them, minus the characters
// that would make a file name ambiguous or unsafe as a storage key.
func checkNamespace(ns string) error {
	if ns == "" {
		return fmt.Errorf("%w: empty namespace", ErrFileName)
	}
	for label := range strings.SplitSeq(ns, ".") {
		if label == "" {
			return fmt.Errorf("%w: namespace %q has an empty label", ErrFileName, ns)
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%w: namespace %q has the character %q", ErrFileName, ns, c)
			}
		}
	}
	return nil
}

func timeOfMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
