package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/storage"
)

// InitRowCheck compares one row of an initialization report with the events
// received.
type InitRowCheck struct {
	Schema   EventName
	Kind     *ThirdPartyKind // the third-party kind of a comptaTiersInserted row, in report order; nil for other rows
	Expected int64           // the count the report gives
	Found    int64           // the objects of that schema (and kind) received
}

// Missing returns how many objects of the row were not received.
func (r InitRowCheck) Missing() int64 { return max(0, r.Expected-r.Found) }

// InitCheck is the outcome of comparing an entity's initialization report
// with the events of its initialization; see [Reader.CheckInitialization].
type InitCheck struct {
	Report string    // the key of the report checked
	At     time.Time // the time in its name
	Rows   []InitRowCheck
	// UnknownKind counts the third parties received whose kind the
	// received items did not give (a database replica no longer knows the
	// kind of one deleted since): the rows by kind do not count them.
	UnknownKind int64
}

// Missing returns how many objects the report counts that were not
// received, all rows together. Third parties of unknown kind make up for
// those missing from the rows of the kinds.
func (c *InitCheck) Missing() int64 {
	var n, tiers int64
	for _, r := range c.Rows {
		if r.Kind != nil {
			tiers += r.Missing()
		} else {
			n += r.Missing()
		}
	}
	return n + max(0, tiers-c.UnknownKind)
}

// ErrNoInitialization is returned by [Reader.CheckInitialization] for an
// entity whose directory holds no initialization report.
var ErrNoInitialization = errors.New("sink: no initialization report")

// CheckInitialization compares the newest initialization report of entity
// with the events of that initialization: the Inserted events (and, for
// parameters, the comptaParametreUpdated events) whose files were produced
// after the previous initialization report, if any, and no later than this
// report. Each row counts the distinct objects received: the four
// comptaTiersInserted rows count third parties by kind, in the report's
// order (customer, supplier, employee, other). A row with fewer objects
// than the report says means files of the initialization were lost: the
// entity must be initialized again.
//
// Event files that cannot be read are errors: the check cannot tell what
// they held. Errors: ErrEntity for an id that is not a single key element
// or is the writer's state directory (ReaderOptions.StateDir),
// ErrNoInitialization, ErrReport for a report that does not decode, and
// the errors of the store and of [Stream.All].
func (r *Reader) CheckInitialization(ctx context.Context, entity string) (*InitCheck, error) {
	rep, err := r.InitReport(ctx, entity)
	if err != nil {
		return nil, err
	}
	return CheckInit(rep, r.Read(ctx, entity, &ReadOptions{ProducedSince: rep.Since}).All())
}

// InitReport is the newest initialization report of an entity, as found in
// its folder by [Reader.InitReport].
type InitReport struct {
	Key    string       // the report's key
	At     time.Time    // the time in its name: the initialization's files were produced no later
	Since  time.Time    // just after the previous report's time, if any: its files were produced no earlier
	Report *report.Init // its content
}

// InitReport finds and reads the newest initialization report of entity.
// Errors: ErrEntity, ErrNoInitialization, ErrReport for a report that does
// not decode or names another entity, and the store's.
func (r *Reader) InitReport(ctx context.Context, entity string) (*InitReport, error) {
	if err := checkEntity(entity, r.stateDir); err != nil {
		return nil, err
	}
	var last, prev time.Time
	var key string
	for k, err := range storage.Keys(ctx, r.store, entity+"/"+initReportPrefix) {
		if err != nil {
			return nil, err
		}
		at, err := report.ParseInitFileName(k[len(entity)+1:])
		if err != nil {
			continue
		}
		if at.After(last) {
			prev, last, key = last, at, k
		} else if at.After(prev) {
			prev = at
		}
	}
	if key == "" {
		return nil, fmt.Errorf("%w in the folder of entity %s", ErrNoInitialization, entity)
	}
	data, err := storage.ReadAtMost(ctx, r.store, key, r.maxSize)
	if err != nil {
		return nil, fmt.Errorf("sink: initialization report %s: %w", key, err)
	}
	rep, err := report.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrReport, key, err)
	}
	if rep.EntityID != entity {
		return nil, fmt.Errorf("%w: %s is the report of entity %q", ErrReport, key, rep.EntityID)
	}
	ir := &InitReport{Key: key, At: last, Report: rep}
	if !prev.IsZero() {
		ir.Since = prev.Add(time.Millisecond)
	}
	return ir, nil
}

// CheckInit compares an initialization report with the events received,
// each with the file it came from (the file's production time tells
// whether it belongs to the initialization: from rep.Since to rep.At), as
// [Reader.CheckInitialization] does with the events of the entity's
// folder: pass the items of another record of what arrived, such as a
// database replica's. A third party's Data must give its Kind. It returns
// received's first error.
func CheckInit(rep *InitReport, received iter.Seq2[*Item, error]) (*InitCheck, error) {
	ic := newInitCounter(rep)
	for it, err := range received {
		if err != nil {
			return nil, err
		}
		ic.add(it)
	}
	return ic.check(), nil
}

// initCounter counts the objects of an initialization, to compare them with
// its report.
type initCounter struct {
	rep   *InitReport
	found map[initObject]bool
	kinds map[string]ThirdPartyKind
}

type initObject struct {
	name EventName
	id   string
}

func newInitCounter(rep *InitReport) *initCounter {
	return &initCounter{rep: rep, found: map[initObject]bool{}, kinds: map[string]ThirdPartyKind{}}
}

// add counts it if it is an event of the initialization.
func (ic *initCounter) add(it *Item) {
	ev := it.Event
	if it.File.Time.Before(ic.rep.Since) || it.File.Time.After(ic.rep.At) || ev.Name.Action() != Inserted && ev.Name != ParameterUpdated {
		return
	}
	ic.found[initObject{ev.Name, ev.ID}] = true
	if tp, ok := ev.Data.(*ThirdParty); ok && tp != nil {
		ic.kinds[ev.ID] = tp.Kind
	}
}

func (ic *initCounter) check() *InitCheck {
	counts := map[EventName]int64{}
	byKind := map[ThirdPartyKind]int64{}
	c := &InitCheck{Report: ic.rep.Key, At: ic.rep.At}
	for o := range ic.found {
		counts[o.name]++
		if o.name == ThirdPartyInserted {
			if k, ok := ic.kinds[o.id]; ok {
				byKind[k]++
			} else {
				c.UnknownKind++
			}
		}
	}
	tiers := 0
	for _, row := range ic.rep.Report.Rows {
		rc := InitRowCheck{Schema: EventName(row.Schema), Expected: row.Count, Found: counts[EventName(row.Schema)]}
		if rc.Schema == ThirdPartyInserted {
			if kinds := ThirdPartyKinds(); tiers < len(kinds) {
				k := kinds[tiers]
				rc.Kind, rc.Found = &k, byKind[k]
			}
			tiers++
		}
		c.Rows = append(c.Rows, rc)
	}
	return c
}

const initReportPrefix = "initialisation-report-"

// EntityCheck is the full check of an entity: its initialization, then its
// daily reports; see [Reader.Check].
type EntityCheck struct {
	Entity string
	// Init compares the initialization report with what arrived; nil when
	// the folder holds no initialization report (then InitErr matches
	// ErrNoInitialization).
	Init    *InitCheck
	InitErr error
	// Daily compares every daily report with the events received.
	Daily *Check
	// Reports counts the report files (initialization and daily pages).
	Reports int
	// Events counts the events read; Unreadable lists the event files that
	// could not be read or decoded, which the checks could not count.
	Events     int
	Unreadable []Skipped
}

// Complete reports whether nothing is missing: an initialization report
// was found and every object it counts arrived, every change of the daily
// reports arrived, and every event file could be read.
func (c *EntityCheck) Complete() bool {
	return c.Init != nil && c.Init.Missing() == 0 && len(c.Daily.Missing) == 0 && len(c.Unreadable) == 0
}

// Check checks entity fully, in one reading of its folder: the
// initialization report against the events of the initialization (as
// [Reader.CheckInitialization] does), then the daily reports against every
// event received ([CheckDaily], with now the time a partial
// re-initialization would run). Event files that cannot be read are listed
// in the result rather than returned as errors.
//
// Errors: ErrEntity for an entity the store holds no sink file of (a
// mistyped id) or the writer's state directory, ErrReport for a report
// that does not decode, and the store's errors.
func (r *Reader) Check(ctx context.Context, entity string, now time.Time) (*EntityCheck, error) {
	if err := checkEntity(entity, r.stateDir); err != nil {
		return nil, err
	}
	c := &EntityCheck{Entity: entity}
	var ic *initCounter
	rep, err := r.InitReport(ctx, entity)
	switch {
	case err == nil:
		ic = newInitCounter(rep)
	case !errors.Is(err, ErrNoInitialization):
		return nil, err
	}
	c.InitErr = err
	pages, err := r.DailyReports(ctx, entity)
	if err != nil {
		return nil, err
	}
	stream := r.Read(ctx, entity, &ReadOptions{SkipUnreadable: true})
	received := func(yield func(*Event, error) bool) {
		for it, err := range stream.All() {
			var ev *Event
			if err == nil {
				ev = it.Event
				if ic != nil {
					ic.add(it)
				}
			}
			if !yield(ev, err) {
				return
			}
		}
	}
	if c.Daily, err = CheckDaily(r.ns, pages, received, now); err != nil {
		return nil, err
	}
	st := stream.Stats()
	c.Events, c.Reports = st.Events, st.Reports
	for _, sk := range st.Skipped {
		if !errors.Is(sk.Err, ErrFileName) {
			c.Unreadable = append(c.Unreadable, sk)
		}
	}
	if st.Events == 0 && st.Reports == 0 && len(c.Unreadable) == 0 {
		return nil, fmt.Errorf("%w: the store holds no sink file of entity %q", ErrEntity, entity)
	}
	if ic != nil {
		c.Init = ic.check()
	}
	return c, nil
}
