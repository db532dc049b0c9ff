package sink

import (
	"strings"
	"testing"
	"time"
)

// FuzzOffsetOf: the folder listing skips a name whose offsetOf is below
// the floor without parsing it; that is right only if every name
// ParseFileName accepts has offsetOf its offset.
func FuzzOffsetOf(f *testing.F) {
	at := time.Date(2024, 1, 30, 15, 17, 20, 186_000_000, time.UTC)
	for _, n := range []FileName{
		{Namespace: DefaultNamespace, Event: AccountInserted, Offset: 1656233, Time: at},
		{Namespace: "a.b-c", Event: DailyReport, Offset: 0, Time: at},
	} {
		f.Add(n.String())
	}
	f.Add("initialisation-report-2024-01-30T15:17:20.186Z.json")
	f.Add("x.comptaCompteInserted-007-2024-01-30T15:17:20.186Z.json")
	f.Add("-1-2024-01-30T15:17:20.186Z.json")
	f.Add(DefaultNamespace + ".comptaCompteInserted-0-2024-02-30T15:17:20.186Z.json")
	f.Add(DefaultNamespace + ".comptaDailyReport-12-2024-01-30T15:17:20.186Z.json")
	f.Add(DefaultNamespace + ".x.comptaCompteInserted-1-2024-01-30T15:17:20.186Z.json")
	f.Add(DefaultNamespace + ".comptaCompteInserted-+1-2024-01-30T15:17:20.186Z.json")
	events := map[string]EventName{string(DailyReport): DailyReport}
	for _, n := range EventNames() {
		events[string(n)] = n
	}
	f.Fuzz(func(t *testing.T, name string) {
		fn, err := ParseFileName(name)
		off, ok := offsetOf(name)
		if err == nil && (!ok || off != fn.Offset) {
			t.Errorf("offsetOf(%q) = %d, %v; ParseFileName gives offset %d", name, off, ok, fn.Offset)
		}
		// The folder scan's split, for the default namespace, accepts
		// exactly what ParseFileName accepts, with the same parts.
		var (
			ev    EventName
			stamp string
			at    time.Time
		)
		rest, ok := strings.CutPrefix(name, DefaultNamespace+".")
		if ok {
			ev, off, stamp, ok = splitName(rest, events)
		}
		if ok {
			at, ok = parseStamp(stamp)
		}
		want := err == nil && fn.Namespace == DefaultNamespace
		if ok != want || ok && (ev != fn.Event || off != fn.Offset || !at.Equal(fn.Time)) {
			t.Errorf("splitName(%q) = %s %d %v, %v; ParseFileName = %+v, %v", name, ev, off, at, ok, fn, err)
		}
	})
}
