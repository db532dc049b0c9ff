package sink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/storage"
)

// ReaderOptions configures a [Reader]. A nil pointer or the zero value gives
// the defaults documented on each field.
type ReaderOptions struct {
	// Namespace is the namespace of the files to read; files of another
	// namespace are reported as skipped. "" means DefaultNamespace.
	Namespace string
	// StateDir is the writer's state directory, which Entities leaves out.
	// "" means DefaultStateDir.
	StateDir string
	// Prefetch is how many files are read ahead, concurrently, while
	// events are consumed in order. 0 means 8; 1 reads one at a time.
	Prefetch int
	// MaxFileSize is the largest file read, in bytes: a larger one is an
	// error matching storage.ErrTooLarge, read no further than the limit.
	// Memory stays within about MaxFileSize × Prefetch. 0 means
	// DefaultMaxFileSize.
	MaxFileSize int64
}

// DefaultMaxFileSize is the default [ReaderOptions.MaxFileSize]: 8 MiB, far
// above any real event (an entry of a thousand movements is about 400 KB).
const DefaultMaxFileSize = 8 << 20

// Reader reads the events of a sink from a [storage.Store]. It is safe for
// concurrent use; each [Stream] it returns is not.
type Reader struct {
	store    storage.Store
	ns       string
	stateDir string
	prefetch int
	maxSize  int64
}

// NewReader returns a Reader of store. It does no I/O.
func NewReader(store storage.Store, opts *ReaderOptions) (*Reader, error) {
	var o ReaderOptions
	if opts != nil {
		o = *opts
	}
	if store == nil {
		return nil, errors.New("sink: NewReader: nil store")
	}
	r := &Reader{store: store, ns: cmpOr(o.Namespace, DefaultNamespace), stateDir: cmpOr(o.StateDir, DefaultStateDir), prefetch: o.Prefetch}
	if r.prefetch == 0 {
		r.prefetch = 8
	}
	if r.prefetch < 0 {
		return nil, fmt.Errorf("sink: NewReader: negative Prefetch %d", r.prefetch)
	}
	switch r.maxSize = o.MaxFileSize; {
	case r.maxSize == 0:
		r.maxSize = DefaultMaxFileSize
	case r.maxSize < 0:
		return nil, fmt.Errorf("sink: NewReader: negative MaxFileSize %d", r.maxSize)
	}
	if err := checkNamespace(r.ns); err != nil {
		return nil, err
	}
	return r, nil
}

// Entities yields the entities of the store, in order: the top-level
// directories that directly hold a file named as a sink file (an event, a
// daily report or an initialization report). Other directories, such as the
// writer's state directory or a ".git", are not entities. It lists every
// key, so it costs as much as listing the whole store.
func (r *Reader) Entities(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		last := ""
		for key, err := range storage.Keys(ctx, r.store, "") {
			if err != nil {
				yield("", err)
				return
			}
			dir, name, ok := strings.Cut(key, "/")
			if !ok || dir == last || dir == r.stateDir || strings.Contains(name, "/") || !r.isSinkFile(name) {
				continue
			}
			last = dir
			if !yield(dir, nil) {
				return
			}
		}
	}
}

// isSinkFile reports whether name is that of a file of the sink: an event or
// a daily report of the reader's namespace, or an initialization report.
func (r *Reader) isSinkFile(name string) bool {
	if report.IsInitFileName(name) {
		return true
	}
	f, err := ParseFileName(name)
	return err == nil && f.Namespace == r.ns
}

// ReadOptions tunes one [Reader.Read].
type ReadOptions struct {
	// From is the first offset to read: pass the last offset applied plus
	// one to resume where a consumer stopped. 0 reads everything.
	From int64
	// After, when set, skips the files whose offset is at most After[e] for
	// their event name e: the positions a consumer saved from
	// [Stream.Positions]. Use it instead of From for sinks whose offsets
	// are per topic (a sink fed by Kafka), where offsets of different
	// events cannot be compared.
	After map[EventName]int64
	// ProducedSince, when not zero, skips the files produced before it (by
	// the time in their names), without reading them: a file cannot hold
	// a change made after it was produced.
	ProducedSince time.Time
	// SkipUnreadable, when set, records the event files that cannot be read
	// or decoded in Stats().Skipped instead of yielding an error for each.
	SkipUnreadable bool
	// ValidateEntries, when not nil, checks the entry of every
	// comptaEcritureInserted event with the business rules
	// ([entry.Entry.Validate] with these options): an invalid entry is
	// yielded as an error (a *storage.KeyError whose cause is the
	// *entry.ValidationError, each problem with its JSON Pointer and rule)
	// in place of its event, and reading goes on.
	ValidateEntries *entry.ValidateOptions
	// VisibleEntriesOnly, when set, leaves out the insertions of entries
	// that the accounting application does not show: those whose type
	// (the event's "type") is set and is neither general (1) nor opening
	// (5), such as drafts (7). Their deletions still come, so an entry
	// that becomes a draft leaves the replica. Stats().Filtered counts
	// what was left out.
	VisibleEntriesOnly bool
}

// Item is one event read from the sink, with the file it came from.
type Item struct {
	Key   string   // the file's key in the store
	File  FileName // the file's name, parsed
	Event *Event   // its payload, decoded
}

// Skipped is a file of an entity's directory that was not read as an event,
// and why: a name that is not a sink file name, another namespace, a file
// gone between listing and reading; with [ReadOptions.SkipUnreadable], a
// file that cannot be read or decoded.
type Skipped struct {
	Key string
	Err error
}

// Stats counts what a [Stream] read.
type Stats struct {
	Events     int       // events yielded
	Duplicates int       // re-deliveries dropped: same event name, object id, timestamp and content as an earlier event
	Conflicts  int       // events yielded with the name, object id and timestamp of an earlier event but other content
	Errors     int       // event files yielded as errors: unreadable, too large, or not decoding
	Filtered   int       // events left out by ReadOptions.VisibleEntriesOnly
	Reports    int       // initialization and daily report files, not yielded (see Reader.DailyReports)
	Skipped    []Skipped // files that are not events, in key order: the first 1,000 found in the listing, the others counted in SkippedOmitted
	// SkippedOmitted counts the skipped files not listed in Skipped.
	SkippedOmitted int
}

// Stream is one reading of an entity's events; see [Reader.Read].
type Stream struct {
	r      *Reader
	ctx    context.Context
	entity string
	opts   ReadOptions
	stats  Stats

	positions map[EventName]int64
}

// Read returns a stream of the events of entity, in offset order (then by
// production time, then event name), from opts.From on, without the
// re-deliveries of events already read in the same stream. Nothing is read
// before the stream is ranged over.
//
// Offsets order the events of a sink written by this SDK's [Writer], which
// numbers each entity's events across all topics. In a sink fed by Kafka
// offsets are per topic: events of different topics come in no particular
// order (an update may come before the insertion it updates). Apply them to
// a [Replica] (or an [ObjectState]), whose merge gives the same result in
// every order.
//
// Reading a sink while it is written: offsets give the order of events, not
// the order in which their files appear. Writes that run at once (the
// Writer's concurrent puts, several writer processes each with its own
// block of offsets, several Kafka partitions) can make a file appear after
// one with a higher offset, so resuming with From or After can step over a
// file that was not there yet. A consumer of a live sink should rather
// resume by time: read with ProducedSince set to the start of its previous
// read minus a margin larger than a write takes (plus the clocks' skew),
// and let the [Replica] drop what it has already applied.
//
// Memory: the stream sorts an index of the directory (24 bytes per file)
// and remembers 24 bytes per event to drop duplicates: with the maps'
// overhead, about 90 bytes per file (measured at 100,000 and 300,000 files;
// see BENCHMARKS.md). It lists the directory with [storage.ScanKeys], so a
// store that can (the filestore) never holds the whole listing. Payloads
// are read and decoded a few ahead ([ReaderOptions.Prefetch]), each at most
// [ReaderOptions.MaxFileSize].
func (r *Reader) Read(ctx context.Context, entity string, opts *ReadOptions) *Stream {
	s := &Stream{r: r, ctx: ctx, entity: entity}
	if opts != nil {
		s.opts = *opts
	}
	return s
}

// Positions returns, per event name, the offset of the last file the
// stream yielded or dropped as a re-delivery: pass it as
// [ReadOptions.After] to resume after it. The caller owns the map.
func (s *Stream) Positions() map[EventName]int64 { return maps.Clone(s.positions) }

// Stats returns what the stream has read so far.
func (s *Stream) Stats() Stats {
	st := s.stats
	st.Skipped = slices.Clone(st.Skipped)
	return st
}

// indexEntry is a file of the index: enough to rebuild its name.
type indexEntry struct {
	offset int64
	millis int64 // production time
	event  uint8 // index in eventTable
}

// eventTable numbers the event names for the index.
var eventTable = append(EventNames(), DailyReport)

// All yields the events of the stream. An event file that cannot be read,
// is larger than [ReaderOptions.MaxFileSize], does not decode or (with
// [ReadOptions.ValidateEntries]) holds an invalid entry is yielded as a
// *storage.KeyError naming its key and the cause (matching
// storage.ErrTooLarge, ErrPayload, an *entry.ValidationError, or the
// store's error), and reading goes on after it; with [ReadOptions.SkipUnreadable] it is recorded in
// Stats().Skipped instead. An error listing the directory, or of ctx, is
// yielded once and ends the stream.
func (s *Stream) All() iter.Seq2[*Item, error] {
	return func(yield func(*Item, error) bool) {
		if !storage.ValidElement(s.entity) {
			yield(nil, fmt.Errorf("%w: %q", ErrEntity, s.entity))
			return
		}
		index, err := s.index()
		if err != nil {
			yield(nil, err)
			return
		}
		seed1, seed2 := maphash.MakeSeed(), maphash.MakeSeed()
		seen := make(map[[2]uint64]uint64, len(index)) // event -> hash of its content
		for res := range s.fetch(index) {
			if res.err != nil {
				switch {
				case res.key == "":
					yield(nil, res.err) // ctx
					return
				case errors.Is(res.err, storage.ErrNotExist) || s.opts.SkipUnreadable:
					s.skip(res.key, res.err)
					continue
				}
				s.stats.Errors++
				if !yield(nil, &storage.KeyError{Op: "read", Key: res.key, Err: res.err}) {
					return
				}
				continue
			}
			ev := res.item.Event
			if s.positions == nil {
				s.positions = map[EventName]int64{}
			}
			s.positions[ev.Name] = max(s.positions[ev.Name], res.item.File.Offset)
			if e, ok := ev.Data.(*entry.Entry); ok && s.opts.VisibleEntriesOnly && e.Type != 0 && !e.Type.Visible() {
				s.stats.Filtered++
				continue
			}
			id := string(ev.Name) + "\x00" + ev.ID + "\x00" + strconv.FormatInt(ev.Timestamp, 10)
			k := [2]uint64{maphash.String(seed1, id), maphash.String(seed2, id)}
			if sum, dup := seen[k]; dup {
				if sum == res.sum {
					s.stats.Duplicates++
					continue
				}
				s.stats.Conflicts++
			} else {
				seen[k] = res.sum
			}
			s.stats.Events++
			if !yield(res.item, nil) {
				return
			}
		}
	}
}

// index lists the entity's directory into a sorted index of its event
// files, recording the other files.
func (s *Stream) index() ([]indexEntry, error) {
	prefix := s.entity + "/"
	var index []indexEntry
	for key, err := range storage.ScanKeys(s.ctx, s.r.store, prefix) {
		if err != nil {
			return nil, err
		}
		name := key[len(prefix):]
		if strings.Contains(name, "/") {
			s.skip(key, fmt.Errorf("%w: not directly in the entity's directory", ErrFileName))
			continue
		}
		if report.IsInitFileName(name) {
			s.stats.Reports++
			continue
		}
		f, err := ParseFileName(name)
		switch {
		case err != nil:
			s.skip(key, err)
			continue
		case f.Namespace != s.r.ns:
			s.skip(key, fmt.Errorf("%w: namespace %q, reading %q", ErrFileName, f.Namespace, s.r.ns))
			continue
		case f.Event == DailyReport:
			s.stats.Reports++
			continue
		case f.Offset < s.opts.From, f.Time.Before(s.opts.ProducedSince):
			continue
		}
		if last, ok := s.opts.After[f.Event]; ok && f.Offset <= last {
			continue
		}
		index = append(index, indexEntry{offset: f.Offset, millis: f.Time.UnixMilli(), event: uint8(slices.Index(eventTable, f.Event))})
	}
	slices.SortFunc(index, func(a, b indexEntry) int {
		return cmp.Or(cmp.Compare(a.offset, b.offset), cmp.Compare(a.millis, b.millis), cmp.Compare(a.event, b.event))
	})
	s.trimSkipped(maxSkipped)
	return index, nil
}

// maxSkipped is how many skipped files Stats lists: the others are counted.
const maxSkipped = 1000

// skip records a file that is not read as an event.
func (s *Stream) skip(key string, err error) {
	s.stats.Skipped = append(s.stats.Skipped, Skipped{Key: key, Err: err})
	if len(s.stats.Skipped) >= 2*maxSkipped {
		s.trimSkipped(maxSkipped)
	}
}

// trimSkipped sorts the skipped files by key and keeps the first n.
func (s *Stream) trimSkipped(n int) {
	slices.SortFunc(s.stats.Skipped, func(a, b Skipped) int { return strings.Compare(a.Key, b.Key) })
	if len(s.stats.Skipped) > n {
		s.stats.SkippedOmitted += len(s.stats.Skipped) - n
		s.stats.Skipped = slices.Clip(s.stats.Skipped[:n])
	}
}

func (s *Stream) fileName(e indexEntry) FileName {
	return FileName{Namespace: s.r.ns, Event: eventTable[e.event], Offset: e.offset, Time: timeOfMillis(e.millis)}
}

type fetched struct {
	key  string
	item *Item
	sum  uint64 // hash of the file's content
	err  error
}

// fetch reads and decodes the files of index in order, up to prefetch of
// them concurrently.
func (s *Stream) fetch(index []indexEntry) iter.Seq[fetched] {
	return func(yield func(fetched) bool) {
		ctx, cancel := context.WithCancel(s.ctx)
		defer cancel()
		window := make(chan chan fetched, s.r.prefetch)
		go func() {
			defer close(window)
			seed := maphash.MakeSeed()
			for _, e := range index {
				c := make(chan fetched, 1)
				select {
				case window <- c:
				case <-ctx.Done():
					return
				}
				go func() { c <- s.load(ctx, seed, e) }()
			}
		}()
		for c := range window {
			if !yield(<-c) {
				return
			}
		}
		if err := s.ctx.Err(); err != nil {
			yield(fetched{err: err})
		}
	}
}

func (s *Stream) load(ctx context.Context, seed maphash.Seed, e indexEntry) fetched {
	f := s.fileName(e)
	key := Key(s.entity, f)
	data, err := storage.ReadAtMost(ctx, s.r.store, key, s.r.maxSize)
	if err != nil {
		if ctx.Err() != nil {
			return fetched{err: ctx.Err()}
		}
		return fetched{key: key, err: err}
	}
	ev, err := DecodeEvent(f.Event, data)
	if err != nil {
		return fetched{key: key, err: err}
	}
	if ev.EntityID != s.entity {
		return fetched{key: key, err: &PayloadError{Event: f.Event, Field: keyEntity,
			Err: fmt.Errorf("%w: entity %q in the directory of %q", ErrPayload, ev.EntityID, s.entity)}}
	}
	if e, ok := ev.Data.(*entry.Entry); ok && s.opts.ValidateEntries != nil {
		if err := e.Validate(s.opts.ValidateEntries); err != nil {
			return fetched{key: key, err: err}
		}
	}
	return fetched{key: key, item: &Item{Key: key, File: f, Event: ev}, sum: maphash.Bytes(seed, data)}
}

// DailyReports reads every page of every daily report in the directory of
// entity, in key order. A file named as a daily report that does not decode
// is an error: a consumer must not check completeness against a broken
// report.
func (r *Reader) DailyReports(ctx context.Context, entity string) ([]*report.Daily, error) {
	prefix := entity + "/" + r.ns + "." + string(DailyReport) + "-"
	var pages []*report.Daily
	for key, err := range storage.Keys(ctx, r.store, prefix) {
		if err != nil {
			return nil, err
		}
		if _, err := ParseFileName(key[len(entity)+1:]); err != nil {
			continue
		}
		data, err := storage.ReadAll(ctx, r.store, key)
		if err != nil {
			return nil, err
		}
		var d report.Daily
		if err := d.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("sink: %s: %w", key, err)
		}
		pages = append(pages, &d)
	}
	return pages, nil
}
