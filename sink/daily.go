package sink

import (
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
)

// MaxReinitDays is the longest partial re-initialization the platform
// allows: it re-sends at most the last 20 days of an entity.
const MaxReinitDays = 20

// DailyOptions tunes [Writer.WriteDailyReport]. A nil pointer or the zero
// value gives the defaults.
type DailyOptions struct {
	// Location sets the day's boundaries. Nil means UTC.
	Location *time.Location
	// PageSize is the most values one page holds. 0 means 10,000.
	PageSize int
}

// DailyResult describes a daily report written.
type DailyResult struct {
	Pages   []*report.Daily
	Names   []FileName // one per page
	Created int        // pages this call created; 0 when the report was written already
}

// DailyTopics builds the content of a daily report from events: per topic
// (namespace + event name), for every object changed, its id and the
// timestamp of its last change, keeping only the events whose timestamp is
// in [from, to) (epoch milliseconds). For an entry, only its last event is
// kept (an update is a deletion and an insertion: the report lists the
// insertion). Topics come in the order of [EventNames], values by
// timestamp then id.
func DailyTopics(namespace string, events iter.Seq[*Event], from, to int64) []report.Topic {
	type key struct {
		name EventName
		id   string
	}
	last := map[key]int64{}
	lastEntry := map[string]*Event{}
	for ev := range events {
		if ev.Timestamp < from || ev.Timestamp >= to {
			continue
		}
		if ev.Name.Object() == ObjectEntry {
			if cur := lastEntry[ev.ID]; cur == nil || ev.Timestamp >= cur.Timestamp {
				lastEntry[ev.ID] = ev
			}
			continue
		}
		k := key{ev.Name, ev.ID}
		last[k] = max(last[k], ev.Timestamp)
	}
	for id, ev := range lastEntry {
		last[key{ev.Name, id}] = ev.Timestamp
	}
	byTopic := map[EventName][]report.Value{}
	for k, ts := range last {
		byTopic[k.name] = append(byTopic[k.name], report.Value{ID: k.id, Timestamp: ts})
	}
	var topics []report.Topic
	for _, n := range EventNames() {
		values := byTopic[n]
		if len(values) == 0 {
			continue
		}
		slices.SortFunc(values, func(a, b report.Value) int {
			return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), strings.Compare(a.ID, b.ID))
		})
		topics = append(topics, report.Topic{TopicName: cmpOr(namespace, DefaultNamespace) + "." + string(n), Values: values})
	}
	return topics
}

// WriteDailyReport writes the daily report of entity for day: it reads the
// entity's events from the store (skipping files produced before the day),
// builds the report with [DailyTopics], splits it into pages and writes each
// as "<namespace>.comptaDailyReport-<offset>-<time>.json" in the entity's
// directory. The report's id is derived from the entity and the day, and
// its timestamp is the start of the day.
//
// It writes a day's report once: calling it again for the same entity and
// day writes nothing (see [Writer.WriteOnce]) and returns the same pages,
// or an error matching ErrConflict if the events of that day have changed
// since. Write the report once the day is over.
func (w *Writer) WriteDailyReport(ctx context.Context, entity string, day period.Date, opts *DailyOptions) (*DailyResult, error) {
	var o DailyOptions
	if opts != nil {
		o = *opts
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	if o.PageSize == 0 {
		o.PageSize = 10_000
	}
	if err := w.checkEntity(entity); err != nil {
		return nil, err
	}
	if !day.IsValid() {
		return nil, fmt.Errorf("sink: WriteDailyReport: invalid day %v", day)
	}
	start := day.In(loc)
	end := day.AddDays(1).In(loc)
	r, err := NewReader(w.store, &ReaderOptions{Namespace: w.ns, StateDir: w.stateDir})
	if err != nil {
		return nil, err
	}
	stream := r.Read(ctx, entity, &ReadOptions{ProducedSince: start})
	var readErr error
	events := func(yield func(*Event) bool) {
		for it, err := range stream.All() {
			if err != nil {
				readErr = err
				return
			}
			if !yield(it.Event) {
				return
			}
		}
	}
	topics := DailyTopics(w.ns, events, Millis(start), Millis(end))
	if readErr != nil {
		return nil, readErr
	}
	head := report.Daily{Timestamp: Millis(start), EntityID: entity, ID: nameUUID(entity, "comptaDailyReport", day.String())}
	pages := report.Paginate(head, topics, o.PageSize)
	files := make([]onceFile, len(pages))
	for i, p := range pages {
		data, err := p.MarshalJSON()
		if err != nil {
			return nil, err
		}
		files[i] = onceFile{entity: entity, event: DailyReport, data: data}
	}
	res, err := w.writeOnce(ctx, "daily-"+entity+"-"+day.String(), files)
	if err != nil {
		return nil, err
	}
	return &DailyResult{Pages: pages, Names: res.Names(), Created: res.Count(WriteCreated)}, nil
}

// nameUUID returns a version-5 (SHA-1, name-based) UUID of parts: the same
// parts always give the same id.
func nameUUID(parts ...string) string {
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Missing is a change a daily report lists that was not received.
type Missing struct {
	Event     EventName
	ID        string
	Timestamp int64 // epoch milliseconds
}

// Check is the outcome of comparing daily reports with the events received.
type Check struct {
	// Expected counts the changes the reports list; Missing lists those
	// not received, by timestamp then event then id.
	Expected int
	Missing  []Missing
	// Days is the shortest partial re-initialization, counted back from
	// the time of the check, that re-sends every missing change: 0 when
	// nothing is missing. More than MaxReinitDays means the platform
	// cannot repair it with a partial re-initialization.
	Days int
	// Since is the timestamp of the oldest missing change.
	Since time.Time
}

// ErrReport is returned by [CheckDaily] for a report it cannot use.
var ErrReport = errors.New("sink: unusable daily report")

// CheckDaily compares the pages of one or more daily reports with the
// events received, and returns what is missing. A change the report lists
// (event, id, timestamp) counts as received when an event of the same
// object and id with the same or a later timestamp was received: a later
// version of the object carries it, as the Inserted events of a partial
// re-initialization do. A lost deletion stays missing until a later event
// of the object arrives, which re-sending existing objects cannot produce. Pages may come
// in any order and several times. now is the instant the re-initialization
// would run, to count its days.
//
// A nil received means nothing was received. Errors: ErrReport for a topic
// that is not a sink event of the reports' namespace, and the errors
// received yields.
func CheckDaily(namespace string, pages []*report.Daily, received iter.Seq2[*Event, error], now time.Time) (*Check, error) {
	ns := cmpOr(namespace, DefaultNamespace) + "."
	type object struct {
		o  Object
		id string
	}
	latest := map[object]int64{} // the newest timestamp received per object
	if received != nil {
		for ev, err := range received {
			if err != nil {
				return nil, err
			}
			k := object{ev.Name.Object(), ev.ID}
			if ts, ok := latest[k]; !ok || ev.Timestamp > ts {
				latest[k] = ev.Timestamp
			}
		}
	}
	expected := map[Missing]bool{}
	for _, p := range pages {
		for _, t := range p.Topics {
			name, ok := strings.CutPrefix(t.TopicName, ns)
			if !ok || !EventName(name).Valid() || EventName(name) == DailyReport {
				return nil, fmt.Errorf("%w: report %s page %d: topic %q is not a sink event of namespace %s", ErrReport, p.ID, p.Page, t.TopicName, ns[:len(ns)-1])
			}
			for _, v := range t.Values {
				expected[Missing{EventName(name), v.ID, v.Timestamp}] = true
			}
		}
	}
	c := &Check{Expected: len(expected)}
	for m := range expected {
		if ts, ok := latest[object{m.Event.Object(), m.ID}]; !ok || ts < m.Timestamp {
			c.Missing = append(c.Missing, m)
		}
	}
	slices.SortFunc(c.Missing, func(a, b Missing) int {
		return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), strings.Compare(string(a.Event), string(b.Event)), strings.Compare(a.ID, b.ID))
	})
	if len(c.Missing) > 0 {
		c.Since = time.UnixMilli(c.Missing[0].Timestamp).UTC()
		c.Days = ReinitDays(c.Since, now)
	}
	return c, nil
}

// ErrTooOld is returned by [DaysFor] when a change is older than a partial
// re-initialization can reach.
var ErrTooOld = errors.New("sink: more than 20 days to re-send: a partial re-initialization cannot repair it")

// DaysFor returns the smallest number of days, from 1 to MaxReinitDays, of a
// partial re-initialization run at now that re-sends every missing change.
// Nothing missing gives 0. When a change is older than MaxReinitDays, it
// returns the days that would be needed and an error matching ErrTooOld:
// initialize the entity again instead.
func DaysFor(missing []Missing, now time.Time) (int, error) {
	if len(missing) == 0 {
		return 0, nil
	}
	oldest := slices.MinFunc(missing, func(a, b Missing) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	days := ReinitDays(time.UnixMilli(oldest.Timestamp), now)
	if days > MaxReinitDays {
		return days, fmt.Errorf("%w: %d days since %s %s", ErrTooOld, days, oldest.Event, oldest.ID)
	}
	return days, nil
}

// ReinitDays returns the number of days a partial re-initialization run at
// now must cover to re-send a change made at since: at least 1, and more
// than MaxReinitDays when the platform cannot.
func ReinitDays(since, now time.Time) int {
	d := now.Sub(since)
	days := int(d / (24 * time.Hour))
	if d%(24*time.Hour) != 0 || days == 0 {
		days++
	}
	return max(days, 1)
}
