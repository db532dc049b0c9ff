package sink

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/report"
	"github.com/ledgersink/ledgersink/sink/internal/generation"
	"github.com/ledgersink/ledgersink/storage"
)

// An initialization's records (started.json, report.json, done.json in the
// state store) only speed it up: the entity's folder is the truth. Its
// report there means the initialization is complete; its event files share
// one production time, the start, and run from its first offset. The
// functions below check the records against the folder, and rebuild them
// from it when they are missing or disagree with it.

// initFile is a file of an initialization found in the entity's folder.
type initFile struct {
	off  int64
	size int64 // -1 when listed without sizes
	ev   EventName
}

// folderScan is what one listing of an entity's folder found.
type folderScan struct {
	next    int64     // the first offset above every file of the namespace; 0 when there is none
	newest  FileName  // the file of the namespace with the highest offset; zero Time when none
	reports []string  // the initialization reports, by key
	at      time.Time // the production time of the files in group
	group   []initFile
	foreign string // a file at the scan's first offset or above produced at another time than at; "" when none
}

// scanFolder lists entity's folder once. With at set, group holds the files
// of the namespace produced at that time with an offset from from on, in
// offset order, and foreign names a file at from or above produced at
// another time. With at zero, group holds the files produced at the latest
// production time found. sizes lists with the store's List, for the files'
// sizes; otherwise the keys are scanned without them, in bounded memory.
func (w *Writer) scanFolder(ctx context.Context, entity string, at time.Time, from int64, sizes bool) (*folderScan, error) {
	prefix := entity + "/"
	sc := &folderScan{at: at}
	events := map[string]EventName{} // one string per event name, not one per file
	for _, n := range EventNames() {
		events[string(n)] = n
	}
	events[string(DailyReport)] = DailyReport
	nsDot := w.ns + "."
	atStamp := ""
	if !at.IsZero() {
		atStamp = at.UTC().Format(report.TimeLayout)
	}
	latest := "" // the latest production time seen, as the names write it (at zero)
	// Names are split without parsing their time, which is parsed only
	// when it matters: a time equal to a valid one is valid.
	visit := func(key string, size int64) error {
		name := key[len(prefix):]
		if strings.Contains(name, "/") {
			return nil
		}
		if !strings.HasPrefix(name, nsDot) {
			if report.IsInitFileName(name) {
				sc.reports = append(sc.reports, key)
			}
			return nil
		}
		ev, off, stamp, ok := splitName(name[len(nsDot):], events)
		if !ok {
			return nil
		}
		if off >= sc.next {
			t, ok := parseStamp(stamp)
			if !ok {
				return nil
			}
			sc.next = off + 1
			sc.newest = FileName{Namespace: w.ns, Event: ev, Offset: off, Time: t}
		}
		file := initFile{off: off, size: size, ev: ev}
		switch {
		case atStamp != "" && off >= from && stamp == atStamp:
			sc.group = append(sc.group, file)
		case atStamp != "" && off >= from && sc.foreign == "":
			if _, ok := parseStamp(stamp); ok {
				sc.foreign = key
			}
		case atStamp != "":
		case stamp > latest:
			if t, ok := parseStamp(stamp); ok {
				latest, sc.at, sc.group = stamp, t, append(sc.group[:0], file)
			}
		case stamp == latest:
			sc.group = append(sc.group, file)
		}
		return nil
	}
	if sizes {
		for obj, err := range w.store.List(ctx, prefix) {
			if err == nil {
				err = visit(obj.Key, obj.Size)
			}
			if err != nil {
				return nil, fmt.Errorf("sink: listing the folder of entity %q: %w", entity, err)
			}
		}
	} else {
		for key, err := range storage.ScanKeys(ctx, w.store, prefix) {
			if err == nil {
				err = visit(key, -1)
			}
			if err != nil {
				return nil, fmt.Errorf("sink: listing the folder of entity %q: %w", entity, err)
			}
		}
	}
	slices.SortFunc(sc.group, func(a, b initFile) int { return cmp.Compare(a.off, b.off) })
	return sc, nil
}

// splitName splits "<event>-<offset>-<time>.json", the name of a sink file
// after its namespace and dot, into its event (one of events), offset and
// time stamp, checking all but the time: the name is a sink file name
// exactly when parseStamp accepts the stamp.
func splitName(rest string, events map[string]EventName) (EventName, int64, string, bool) {
	body, ok := strings.CutSuffix(rest, fileExt)
	n := len(report.TimeLayout)
	if !ok || len(body) < n+1 || body[len(body)-n-1] != '-' {
		return "", 0, "", false
	}
	stamp := body[len(body)-n:]
	body = body[:len(body)-n-1]
	dash := strings.LastIndexByte(body, '-')
	if dash < 0 {
		return "", 0, "", false
	}
	ev, ok := events[body[:dash]]
	digits := body[dash+1:]
	if !ok || digits == "" || digits[0] < '0' || digits[0] > '9' || digits[0] == '0' && len(digits) > 1 {
		return "", 0, "", false
	}
	off, err := strconv.ParseInt(digits, 10, 64)
	return ev, off, stamp, err == nil
}

// parseStamp parses the time of a sink file name, as ParseFileName does.
func parseStamp(stamp string) (time.Time, bool) {
	t, err := time.Parse(report.TimeLayout, stamp)
	return t, err == nil && t.Format(report.TimeLayout) == stamp
}

// initPlan is how an initialization proceeds, as its records and the
// entity's folder tell.
type initPlan struct {
	report  string // the key of its report, found in the folder: it is complete
	rec     initRecord
	resumed bool       // an earlier run began it
	files   []initFile // its files found in the folder, in offset order
	// rebuild is set when rec was found in the folder, the record being
	// missing (or, with replace, wrong): it is written once the run has
	// verified it, so that a wrong guess never outlives the run.
	rebuild, replace bool
}

// errRaced: another run created the initialization record meanwhile.
var errRaced = errors.New("sink: the initialization record was created meanwhile")

// planInit reads the initialization record of in's entity and lists the
// entity's folder, and says how to proceed: complete (its report is in the
// folder), resume from the files found, or start at the current instant
// above every offset in the folder and every reservation. A record that is
// missing, or disagrees with the folder, is rebuilt from the folder.
func (w *Writer) planInit(ctx context.Context, in *Initialization, o *InitOptions, log *slog.Logger) (*initPlan, error) {
	entity := in.EntityID
	rec, hasRec, err := w.readStarted(ctx, entity)
	if err != nil {
		return nil, err
	}
	if !hasRec {
		sc, err := w.scanFolder(ctx, entity, time.Time{}, 0, false)
		if err != nil {
			return nil, err
		}
		if len(sc.reports) > 0 {
			return &initPlan{report: slices.Max(sc.reports)}, nil
		}
		found, ok, err := w.findInit(ctx, in, o, sc)
		if err != nil {
			return nil, err
		}
		if ok {
			p, err := w.resumeFrom(ctx, entity, found)
			if err != nil {
				return nil, err
			}
			p.rebuild = true
			log.Warn("sink: the initialization record was missing: resuming from the files found in the entity folder",
				"entity", entity, "started", found.Started, "firstOffset", found.FirstOffset, "files", len(p.files))
			return p, nil
		}
		first, err := w.reserved(ctx, entity)
		if err != nil {
			return nil, err
		}
		rec = initRecord{Started: w.now().UTC().Truncate(time.Millisecond), FirstOffset: max(first, sc.next)}
		if err := w.putStarted(ctx, entity, rec, false); err != nil {
			return nil, err
		}
		return &initPlan{rec: rec}, nil
	}

	sc, err := w.scanFolder(ctx, entity, rec.Started, rec.FirstOffset, true)
	if err != nil {
		return nil, err
	}
	if len(sc.reports) > 0 {
		return &initPlan{report: slices.Max(sc.reports)}, nil
	}
	if len(sc.group) > 0 && sc.foreign == "" {
		return w.planFrom(entity, rec, sc)
	}
	if !sc.newest.Time.IsZero() {
		// Nothing at or above the recorded first offset is the recorded
		// initialization's: it wrote nothing yet, or the record disagrees
		// with the folder (rewritten, rolled back), whose newest files
		// are an initialization's under another start.
		keys, err := w.scanFolder(ctx, entity, time.Time{}, 0, false)
		if err != nil {
			return nil, err
		}
		found, ok, err := w.findInit(ctx, in, o, keys)
		if err != nil {
			return nil, err
		}
		if ok && found != rec {
			p, err := w.resumeFrom(ctx, entity, found)
			if err != nil {
				return nil, err
			}
			p.rebuild, p.replace = true, true
			log.Warn("sink: the initialization record disagreed with the entity folder: resuming from the files found there",
				"entity", entity, "recordStarted", rec.Started, "recordFirstOffset", rec.FirstOffset,
				"started", found.Started, "firstOffset", found.FirstOffset, "files", len(p.files))
			return p, nil
		}
	}
	if sc.foreign != "" {
		return nil, w.liveWritesError(entity, rec, sc.foreign)
	}
	return w.planFrom(entity, rec, sc)
}

// resumeFrom lists entity's folder for the files of the initialization
// that began at rec, found there by findInit.
func (w *Writer) resumeFrom(ctx context.Context, entity string, rec initRecord) (*initPlan, error) {
	sc, err := w.scanFolder(ctx, entity, rec.Started, rec.FirstOffset, true)
	if err != nil {
		return nil, err
	}
	if sc.foreign != "" {
		return nil, w.liveWritesError(entity, rec, sc.foreign)
	}
	return w.planFrom(entity, rec, sc)
}

// planFrom resumes the initialization that began at rec, with the files of
// sc.group.
func (w *Writer) planFrom(entity string, rec initRecord, sc *folderScan) (*initPlan, error) {
	for i := 1; i < len(sc.group); i++ {
		if sc.group[i].off == sc.group[i-1].off {
			return nil, fmt.Errorf("%w: entity %s: two files of the initialization begun at %s hold offset %d (%s and %s): remove the one that is not the initialization's",
				ErrInitialization, entity, rec.Started.Format(report.TimeLayout), sc.group[i].off, sc.group[i-1].ev, sc.group[i].ev)
		}
	}
	return &initPlan{rec: rec, resumed: true, files: sc.group}, nil
}

func (w *Writer) liveWritesError(entity string, rec initRecord, key string) error {
	return fmt.Errorf("%w: entity %s: %s was written after the initialization began at %s from offset %d: live events were written during the initialization, or its record %s does not match the folder. To start the initialization over, above every offset, delete its files (those produced at %s) and its record",
		ErrInitialization, entity, key, rec.Started.Format(report.TimeLayout), rec.FirstOffset,
		w.initKey(entity, "started.json"), rec.Started.Format(report.TimeLayout))
}

// maxProbeReads bounds the files findInit reads.
const maxProbeReads = 16

// findInit tells whether the newest files of the folder scanned by sc (the
// files produced at the production time of the highest offset) hold an
// initialization of in that was interrupted, and returns its start and
// first offset. The initialization's first events are computed as it
// gives them when it begins at that time; a file of the group that is one
// of them byte for byte, with the other files of the group around it named
// as the initialization names them, places the initialization (a crash in
// the first batch can leave its first files unwritten, and live events
// written before may share the production time). A file that is one of
// them by event and id but not by bytes, among files named as the
// initialization names them, is an error matching ErrConflict: the sources
// changed since the initialization began.
func (w *Writer) findInit(ctx context.Context, in *Initialization, o *InitOptions, sc *folderScan) (initRecord, bool, error) {
	if sc.newest.Time.IsZero() {
		return initRecord{}, false, nil
	}
	if !sc.at.Equal(sc.newest.Time) {
		// The latest production time is not that of the highest offset
		// (clocks disagree): look at the files of the highest offset's.
		var err error
		if sc, err = w.scanFolder(ctx, in.EntityID, sc.newest.Time, 0, false); err != nil {
			return initRecord{}, false, err
		}
	}
	probe, err := w.probeInit(ctx, in, o, sc.at, max(o.BatchSize, 64))
	if err != nil || len(probe) == 0 {
		return initRecord{}, false, err
	}
	names := map[EventName]bool{}
	for _, ev := range probe {
		names[ev.Name] = true
	}
	// namesFit reports whether the files of the group from first on, as far
	// as the probe goes, are named as the initialization names its events,
	// and how many there are.
	namesFit := func(first int64) (bool, int) {
		n := 0
		for _, f := range sc.group {
			if i := f.off - first; i >= 0 && i < int64(len(probe)) {
				if f.ev != probe[i].Name {
					return false, n
				}
				n++
			}
		}
		return true, n
	}
	reads := 0
	for _, g := range sc.group {
		if !names[g.ev] {
			continue // a live event: the initialization writes none of these first
		}
		if reads++; reads > maxProbeReads {
			break
		}
		key := Key(in.EntityID, FileName{Namespace: w.ns, Event: g.ev, Offset: g.off, Time: sc.at})
		data, err := storage.ReadAtMost(ctx, w.store, key, DefaultMaxFileSize)
		if errors.Is(err, storage.ErrNotExist) {
			continue // deleted since the listing
		}
		if err != nil {
			return initRecord{}, false, fmt.Errorf("sink: reading %s: %w", key, err)
		}
		found, err := DecodeEvent(g.ev, data)
		if err != nil {
			continue // not an event the initialization wrote
		}
		for i, ev := range probe {
			if ev.Name != g.ev || ev.ID != found.ID || int64(i) > g.off {
				continue
			}
			first := g.off - int64(i)
			fit, around := namesFit(first)
			if !fit {
				continue
			}
			enc, err := ev.Encode()
			if err != nil {
				return initRecord{}, false, err
			}
			if bytes.Equal(enc, data) {
				return initRecord{Started: sc.at, FirstOffset: first}, true, nil
			}
			if around > 1 {
				return initRecord{}, false, fmt.Errorf("%w: entity %s: %s is event %d of an initialization begun at %s from offset %d, but holds other bytes than the sources give: the sources changed since it began (%w)",
					ErrInitialization, in.EntityID, key, i, sc.at.Format(report.TimeLayout), first, &ConflictError{Key: key})
			}
		}
	}
	return w.findInitBelow(ctx, in, o, probe[0].Name, sc.at)
}

// startCandidates returns where an initialization of entity whose first
// event is first may have begun: for each production time of the files of
// the folder named as that event in the writer's namespace, and that keep
// accepts, the lowest offset; newest time first, at most limit of them.
func (w *Writer) startCandidates(ctx context.Context, entity string, first EventName, limit int, keep func(time.Time) bool) ([]FileName, error) {
	prefix := entity + "/" + w.ns + "." + string(first) + "-"
	var cands []FileName
	for key, err := range storage.ScanKeys(ctx, w.store, prefix) {
		if err != nil {
			return nil, fmt.Errorf("sink: listing the folder of entity %q: %w", entity, err)
		}
		name := key[len(entity)+1:]
		f, perr := ParseFileName(name)
		if perr != nil || f.Namespace != w.ns || f.Event != first || strings.Contains(name, "/") || !keep(f.Time) {
			continue
		}
		cands = append(cands, FileName{Offset: f.Offset, Time: f.Time})
	}
	slices.SortFunc(cands, func(a, b FileName) int { return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(a.Offset, b.Offset)) })
	cands = slices.CompactFunc(cands, func(a, b FileName) bool { return a.Time.Equal(b.Time) })
	return cands[:min(len(cands), limit)], nil
}

// findInitBelow looks for an interrupted initialization of in below the
// newest files (live events written during it would hide it): among the
// files named as its first event, newest first, one that is its first
// event byte for byte, as the initialization gives it when it begins at
// that file's production time, followed by a file named as its second.
// skip is a production time examined already.
func (w *Writer) findInitBelow(ctx context.Context, in *Initialization, o *InitOptions, first EventName, skip time.Time) (initRecord, bool, error) {
	cands, err := w.startCandidates(ctx, in.EntityID, first, maxProbeReads, func(t time.Time) bool { return !t.Equal(skip) })
	if err != nil {
		return initRecord{}, false, err
	}
	for _, c := range cands {
		probe, err := w.probeInit(ctx, in, o, c.Time, 2)
		if err != nil {
			return initRecord{}, false, err
		}
		if len(probe) < 2 || probe[0].Name != first {
			continue
		}
		key := Key(in.EntityID, FileName{Namespace: w.ns, Event: first, Offset: c.Offset, Time: c.Time})
		data, err := storage.ReadAtMost(ctx, w.store, key, DefaultMaxFileSize)
		if errors.Is(err, storage.ErrNotExist) {
			continue
		}
		if err != nil {
			return initRecord{}, false, fmt.Errorf("sink: reading %s: %w", key, err)
		}
		enc, err := probe[0].Encode()
		if err != nil {
			return initRecord{}, false, err
		}
		if !bytes.Equal(enc, data) {
			continue
		}
		next := Key(in.EntityID, FileName{Namespace: w.ns, Event: probe[1].Name, Offset: c.Offset + 1, Time: c.Time})
		if ok, err := storage.Exists(ctx, w.store, next); err != nil || ok {
			return initRecord{Started: c.Time, FirstOffset: c.Offset}, ok, err
		}
	}
	return initRecord{}, false, nil
}

// errProbed stops the stream of probeInit.
var errProbed = errors.New("sink: probed")

// probeInit returns the first n events an initialization of in begun at
// started writes, without writing anything.
func (w *Writer) probeInit(ctx context.Context, in *Initialization, o *InitOptions, started time.Time, n int) ([]*Event, error) {
	scope, err := in.Calendar.Scope(started)
	if err != nil && !errors.Is(err, period.ErrNoExercise) {
		return nil, fmt.Errorf("%w: entity %s: %w", ErrInitialization, in.EntityID, err)
	}
	run := &initRun{w: w, in: in, opts: *o, rules: w.initRules(o), rec: initRecord{Started: started},
		res: &InitResult{}, probe: n}
	if _, err := run.stream(ctx, scope); err != nil && !errors.Is(err, errProbed) {
		return nil, err
	}
	return run.batch, nil
}

// readStarted reads the initialization record of entity.
func (w *Writer) readStarted(ctx context.Context, entity string) (initRecord, bool, error) {
	key := w.initKey(entity, "started.json")
	var rec initRecord
	data, err := storage.ReadAll(ctx, w.state, key)
	if errors.Is(err, storage.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, false, fmt.Errorf("%w: %s is damaged: %w", ErrInitialization, key, err)
	}
	return rec, true, nil
}

// putStarted writes the initialization record of entity: create-only, or
// over the one there with replace. A record created meanwhile by another
// run is errRaced.
func (w *Writer) putStarted(ctx context.Context, entity string, rec initRecord, replace bool) error {
	data, _ := json.Marshal(rec)
	err := storage.WriteAll(ctx, w.state, w.initKey(entity, "started.json"), data,
		&storage.PutOptions{IfNotExist: !replace, ContentType: "application/json"})
	if errors.Is(err, storage.ErrExist) {
		return errRaced
	}
	return err
}

// restoreDone writes, create-only, the records of a completed
// initialization whose report is reportKey.
func (w *Writer) restoreDone(ctx context.Context, entity, reportKey string) error {
	data, _ := json.Marshal(initDone{Report: reportKey})
	for _, name := range []string{"report.json", "done.json"} {
		err := storage.WriteAll(ctx, w.state, w.initKey(entity, name), data, &storage.PutOptions{IfNotExist: true, ContentType: "application/json"})
		if err != nil && !errors.Is(err, storage.ErrExist) {
			return err
		}
	}
	return nil
}

// reportSpan returns the first and last events of an initialization
// report's rows that count any, and the number of events it counts.
func reportSpan(rep *report.Init) (first, last EventName, n int64) {
	for _, r := range rep.Rows {
		if r.Count > 0 {
			if first == "" {
				first = EventName(r.Schema)
			}
			last = EventName(r.Schema)
			n += r.Count
		}
	}
	return first, last, n
}

// startOf returns the start and first offset of the completed
// initialization of entity whose report is rep, stored under reportKey:
// rec when the folder holds its first file, else what the folder tells,
// else rec when hasRec. known is false when neither tells.
func (w *Writer) startOf(ctx context.Context, entity string, rep *report.Init, reportKey string, rec initRecord, hasRec bool) (initRecord, bool, error) {
	first, _, n := reportSpan(rep)
	if hasRec && n == 0 {
		return rec, true, nil
	}
	if hasRec {
		ok, err := storage.Exists(ctx, w.store, Key(entity, FileName{Namespace: w.ns, Event: first, Offset: rec.FirstOffset, Time: rec.Started}))
		if err != nil || ok {
			return rec, ok, err
		}
	}
	found, ok, err := w.findCompleted(ctx, entity, rep, reportKey)
	if err != nil || ok {
		return found, ok, err
	}
	return rec, hasRec, nil
}

// maxStartCandidates bounds the candidate starts findCompleted checks.
const maxStartCandidates = 100

// findCompleted finds the start and first offset of the completed
// initialization of entity whose report is rep, from the folder: the
// report's rows tell the events of its first and last files and how many
// files lie between, and they share a production time no later than the
// report's. It lists the files of the first row's event only.
func (w *Writer) findCompleted(ctx context.Context, entity string, rep *report.Init, reportKey string) (initRecord, bool, error) {
	first, last, n := reportSpan(rep)
	if n == 0 {
		return initRecord{}, false, nil
	}
	done, err := report.ParseInitFileName(reportKey[len(entity)+1:])
	if err != nil {
		return initRecord{}, false, err
	}
	cands, err := w.startCandidates(ctx, entity, first, maxStartCandidates, func(t time.Time) bool { return !t.After(done) })
	if err != nil {
		return initRecord{}, false, err
	}
	for _, c := range cands {
		ok, err := storage.Exists(ctx, w.store, Key(entity, FileName{Namespace: w.ns, Event: last, Offset: c.Offset + n - 1, Time: c.Time}))
		if err != nil {
			return initRecord{}, false, err
		}
		if ok {
			return initRecord{Started: c.Time, FirstOffset: c.Offset}, true, nil
		}
	}
	return initRecord{}, false, nil
}

// startedFromFolder returns the start of entity's completed
// initialization as its folder tells, or zero: for an entity whose record
// was lost. It uses the reports found by the writer's first listing of the
// folder (listing it if this is the first use).
func (w *Writer) startedFromFolder(ctx context.Context, entity string) (time.Time, error) {
	st := w.offsetsOf(entity)
	st.mu.Lock()
	err := w.list(ctx, entity, st)
	reports := st.reports
	st.mu.Unlock()
	if err != nil || len(reports) == 0 {
		return time.Time{}, err
	}
	key := slices.Max(reports)
	data, err := storage.ReadAll(ctx, w.store, key)
	if err != nil {
		return time.Time{}, err
	}
	rep, err := report.Decode(bytes.NewReader(data))
	if err != nil {
		return time.Time{}, err
	}
	rec, _, err := w.findCompleted(ctx, entity, rep, key)
	return rec.Started, err
}

// reserveInit records, in the offset reservations, that the offsets from
// first to end are the initialization's, so that live events come after
// them. A reservation above first that is not end was made by a writer
// during the initialization: an error.
func (w *Writer) reserveInit(ctx context.Context, entity string, first, end int64) error {
	_, _, err := w.offsetLog(entity).Append(ctx, func(last int64, _ []byte) (int64, []byte, error) {
		switch {
		case last == end:
			return 0, nil, generation.ErrSkip
		case last > first:
			return 0, nil, fmt.Errorf("%w: entity %s: offsets up to %d were reserved while it was initialized from offset %d: live events were written during the initialization",
				ErrInitialization, entity, last, first)
		case end == first:
			return 0, nil, generation.ErrSkip
		}
		return end, nil, nil
	})
	if errors.Is(err, generation.ErrDamaged) {
		return fmt.Errorf("sink: offset reservations of entity %q: %w: the state directory is damaged", entity, err)
	}
	return err
}
