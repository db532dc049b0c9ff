package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// clock returns a deterministic clock that advances by one second per call.
func clock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2024, 1, 30, 15, 17, 20, 186e6, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// writeOne writes ev with w.Write and returns the name of its file.
func writeOne(t testing.TB, w *Writer, ev *Event) FileName {
	t.Helper()
	res, err := w.Write(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Status != WriteCreated {
		t.Fatalf("Write = %+v, want one file created", res.Files)
	}
	return res.Files[0].Name
}

// statuses returns the status of each file of res (nil for a nil res).
func statuses(res *WriteResult) []WriteStatus {
	if res == nil {
		return nil
	}
	var out []WriteStatus
	for _, f := range res.Files {
		out = append(out, f.Status)
	}
	return out
}

// failedEvents returns the indexes of the events that the *WriteError
// values in err name, in order.
func failedEvents(err error) []int {
	var out []int
	var walk func(error)
	walk = func(err error) {
		if we, ok := err.(*WriteError); ok {
			out = append(out, we.Index)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	slices.Sort(out)
	return out
}

func accountEvent(entity, id, number string) *Event {
	return &Event{
		Name:     AccountInserted,
		Envelope: Envelope{Timestamp: 1706627839000, ApplicationID: "app", EntityID: entity, ID: id},
		Data:     &Account{Number: number, Label: number, Type: 1},
	}
}

// sinkKeys lists the keys of the store outside the state directory.
func sinkKeys(t testing.TB, s storage.Store) []string {
	t.Helper()
	var keys []string
	for obj, err := range s.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(obj.Key, "_ledgersink/") {
			keys = append(keys, obj.Key)
		}
	}
	return keys
}

func TestWriterWrite(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, err := NewWriter(store, &WriterOptions{Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	ev := accountEvent("ent-1", "acc-1", "411000")
	name := writeOne(t, w, ev)
	want := "ent-1/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-0-2024-01-30T15:17:21.186Z.json"
	if got := Key("ent-1", name); got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	got, err := storage.ReadAll(ctx, store, want)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := ev.Encode(); string(got) != string(b) {
		t.Errorf("stored %s, want %s", got, b)
	}
	// The next event of the entity takes the next offset; another entity starts at 0.
	n2 := writeOne(t, w, accountEvent("ent-1", "acc-2", "401000"))
	n3 := writeOne(t, w, accountEvent("ent-2", "acc-3", "512000"))
	if n2.Offset != 1 || n3.Offset != 0 {
		t.Errorf("offsets %d and %d, want 1 and 0", n2.Offset, n3.Offset)
	}
}

func TestWriterOffsetsSurviveRestart(t *testing.T) {
	store := memstore.New(nil)
	var last int64 = -1
	for run := range 3 {
		w, err := NewWriter(store, &WriterOptions{Now: clock(), OffsetBlock: 4})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			name := writeOne(t, w, accountEvent("ent", "acc", "1"))
			if name.Offset <= last {
				t.Fatalf("run %d write %d: offset %d after %d: offsets must increase strictly across restarts", run, i, name.Offset, last)
			}
			if name.Offset > last+4 {
				t.Fatalf("run %d write %d: offset %d after %d: a gap larger than one block", run, i, name.Offset, last)
			}
			last = name.Offset
		}
	}
	if got := len(sinkKeys(t, store)); got != 18 {
		t.Errorf("%d files, want 18", got)
	}
}

// TestWritersShareNoOffset runs several writers (as separate processes
// would) on one store and one entity: no offset is ever given twice.
func TestWritersShareNoOffset(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	var wg sync.WaitGroup
	for range 4 {
		w, err := NewWriter(store, &WriterOptions{Now: clock(), OffsetBlock: 3})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for range 25 {
				if _, err := w.Write(ctx, accountEvent("ent", "acc", "1")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, k := range sinkKeys(t, store) {
		f, err := ParseFileName(strings.TrimPrefix(k, "ent/"))
		if err != nil {
			t.Fatal(err)
		}
		if seen[f.Offset] {
			t.Errorf("offset %d given twice", f.Offset)
		}
		seen[f.Offset] = true
	}
	if len(seen) != 100 {
		t.Errorf("%d distinct offsets, want 100", len(seen))
	}
}

func TestWriteAtIsIdempotent(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := NewWriter(store, nil)
	name := FileName{Event: AccountInserted, Offset: 7, Time: time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)}
	ev := accountEvent("ent", "acc", "411000")
	res, err := w.WriteAt(ctx, name, ev)
	if got := statuses(res); err != nil || !slices.Equal(got, []WriteStatus{WriteCreated}) || res.Files[0].Name != name {
		t.Fatalf("first WriteAt = %v, %v; want created", got, err)
	}
	res, err = w.WriteAt(ctx, name, ev)
	if got := statuses(res); err != nil || !slices.Equal(got, []WriteStatus{WriteExisting}) {
		t.Fatalf("retried WriteAt = %v, %v; want success without creating", got, err)
	}
	before, _ := storage.ReadAll(ctx, store, Key("ent", name))
	_, err = w.WriteAt(ctx, name, accountEvent("ent", "acc", "999999"))
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) || !errors.Is(err, storage.ErrConflict) || ce.Key != Key("ent", name) {
		t.Fatalf("WriteAt(other bytes) error = %v, want a *ConflictError on the key, matching storage.ErrConflict too", err)
	}
	after, _ := storage.ReadAll(ctx, store, Key("ent", name))
	if string(before) != string(after) {
		t.Errorf("a conflicting write changed the file:\n%s\n%s", before, after)
	}
	if _, err := w.WriteAt(ctx, FileName{Event: AccountUpdated, Time: name.Time}, ev); !errors.Is(err, ErrFileName) {
		t.Errorf("WriteAt with another event's name: %v, want ErrFileName", err)
	}
}

func TestWriterBadInputWritesNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		evs  []*Event
		want error
	}{
		{"invalid payload", []*Event{accountEvent("ent", "a", "1"), {Name: AccountInserted, Envelope: env}}, ErrPayload},
		{"empty entity", []*Event{accountEvent("", "a", "1")}, ErrPayload},
		{"entity with a slash", []*Event{accountEvent("a/b", "a", "1")}, ErrEntity},
		{"dot-dot entity", []*Event{accountEvent("..", "a", "1")}, ErrEntity},
		{"state directory as entity", []*Event{accountEvent("_ledgersink", "a", "1")}, ErrEntity},
		{"control character", []*Event{accountEvent("a\x00b", "a", "1")}, ErrEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memstore.New(nil)
			w, _ := NewWriter(store, nil)
			if _, err := w.WriteBatch(ctx, tt.evs); !errors.Is(err, tt.want) {
				t.Fatalf("WriteBatch error = %v, want %v", err, tt.want)
			}
			for obj, err := range store.List(ctx, "") {
				t.Errorf("bad input wrote %v (%v)", obj.Key, err)
			}
		})
	}
}

// lostAck is a store whose first Put stores the object and then reports a
// failure, as a network store does when the answer is lost.
type lostAck struct {
	storage.Store
	once sync.Once
}

func (s *lostAck) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	err := s.Store.Put(ctx, key, r, opts)
	lost := false
	s.once.Do(func() { lost = true })
	if err == nil && lost {
		return errors.New("connection reset")
	}
	return err
}

func TestWriteRetryAfterLostAck(t *testing.T) {
	ctx := context.Background()
	base := memstore.New(nil)
	w, _ := NewWriter(&lostAck{Store: base}, &WriterOptions{Now: clock(), OffsetBlock: 10})
	ev := accountEvent("ent", "acc", "1")
	// The reservation is the first Put: it is stored, the answer lost.
	if _, err := w.Write(ctx, ev); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	name := writeOne(t, w, ev)
	if res, err := w.WriteAt(ctx, name, ev); err != nil || res.Files[0].Status != WriteExisting {
		t.Fatalf("retry of a stored file = %v, %v; want success, not created", statuses(res), err)
	}
	if got := sinkKeys(t, base); len(got) != 1 {
		t.Errorf("files %v, want exactly one", got)
	}
}

func TestWriteBatchConcurrentAndDurable(t *testing.T) {
	ctx := context.Background()
	for _, durable := range []bool{false, true} {
		store := memstore.New(nil)
		w, _ := NewWriter(store, &WriterOptions{Now: clock(), Durable: durable, Concurrency: 4})
		var evs []*Event
		for i := range 50 {
			evs = append(evs, accountEvent([]string{"e1", "e2"}[i%2], "acc", "1"))
		}
		res, err := w.WriteBatch(ctx, evs)
		if err != nil {
			t.Fatal(err)
		}
		if n := res.Count(WriteCreated); n != 50 {
			t.Errorf("durable=%v: %d files created, want 50", durable, n)
		}
		names := res.Names()
		for i, n := range names {
			if want := int64(i / 2); n.Offset != want {
				t.Errorf("durable=%v: event %d got offset %d, want %d (offsets follow the batch order per entity)", durable, i, n.Offset, want)
			}
		}
		keys := sinkKeys(t, store)
		if len(keys) != 50 || !slices.IsSorted(keys) {
			t.Errorf("durable=%v: %d files, want 50", durable, len(keys))
		}
		// The whole batch again, under the same names: every file is already there.
		for i, ev := range evs {
			if res, err := w.WriteAt(ctx, names[i], ev); err != nil || res.Files[0].Status != WriteExisting {
				t.Fatalf("rewrite %d = %v, %v", i, statuses(res), err)
			}
		}
	}
}

// WriteAtBatch creates what is missing, accepts what is there with the same
// bytes, reports a conflict per file holding other bytes and a store error
// per file not written, in both modes; bad input writes nothing.
func TestWriteAtBatch(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)
	placed := func(n int) []Placed {
		var ps []Placed
		for i := range n {
			ps = append(ps, Placed{
				Name:  FileName{Event: AccountInserted, Offset: int64(100 + i), Time: at},
				Event: accountEvent([]string{"e1", "e2"}[i%2], fmt.Sprint("acc-", i), "411000"),
			})
		}
		return ps
	}
	for _, durable := range []bool{false, true} {
		t.Run(fmt.Sprint("durable=", durable), func(t *testing.T) {
			faults := faultstore.New(memstore.New(nil))
			w, _ := NewWriter(faults, &WriterOptions{Durable: durable, Concurrency: 3})
			ps := placed(6)

			// Two files already there: one with the same bytes, one with others.
			if _, err := w.WriteAt(ctx, ps[1].Name, ps[1].Event); err != nil {
				t.Fatal(err)
			}
			if _, err := w.WriteAt(ctx, ps[4].Name, accountEvent("e1", "other", "401000")); err != nil {
				t.Fatal(err)
			}
			// And a store failure on one key, struck once.
			faults.Add(faultstore.Rule{Op: faultstore.OpPut, Key: Key("e2", ps[3].Name), Times: 1})

			res, err := w.WriteAtBatch(ctx, ps)
			want := []WriteStatus{WriteCreated, WriteExisting, WriteCreated, WriteFailed, WriteFailed, WriteCreated}
			if got := statuses(res); !slices.Equal(got, want) {
				t.Errorf("statuses %v, want %v", got, want)
			}
			if got := failedEvents(err); !slices.Equal(got, []int{3, 4}) {
				t.Errorf("the error names events %v, want [3 4]: %v", got, err)
			}
			var ce *ConflictError
			if !errors.As(err, &ce) || ce.Key != Key("e1", ps[4].Name) || !errors.Is(err, faultstore.ErrInjected) {
				t.Fatalf("error %v, want the conflict on %s and the injected fault", err, ps[4].Name)
			}
			if strings.Contains(err.Error(), ps[0].Name.String()) {
				t.Errorf("error %q names a file that was written", err)
			}

			// Again, without the conflicting event: only the failed file is new.
			ps = slices.Delete(ps, 4, 5)
			res, err = w.WriteAtBatch(ctx, ps)
			want = []WriteStatus{WriteExisting, WriteExisting, WriteExisting, WriteCreated, WriteExisting}
			if got := statuses(res); err != nil || !slices.Equal(got, want) {
				t.Errorf("retry = %v, %v; want %v, nil", got, err, want)
			}
			if got := len(sinkKeys(t, faults)); got != 6 {
				t.Errorf("%d files, want 6", got)
			}
		})
	}
	t.Run("bad input", func(t *testing.T) {
		tests := []struct {
			name  string
			edit  func([]Placed) []Placed
			want  error
			index int // the event the error names
		}{
			{"repeated name", func(ps []Placed) []Placed { ps[3].Name = ps[1].Name; return ps }, ErrFileName, 3},
			{"name of another event", func(ps []Placed) []Placed { ps[2].Name.Event = AccountDeleted; return ps }, ErrFileName, 2},
			{"invalid name", func(ps []Placed) []Placed { ps[2].Name.Offset = -1; return ps }, ErrFileName, 2},
			{"invalid payload", func(ps []Placed) []Placed { ps[2].Event.Data = nil; return ps }, ErrPayload, 2},
			{"bad entity", func(ps []Placed) []Placed { ps[2].Event.EntityID = "a/b"; return ps }, ErrEntity, 2},
			{"nil event", func(ps []Placed) []Placed { ps[2].Event = nil; return ps }, nil, 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				store := memstore.New(nil)
				w, _ := NewWriter(store, nil)
				res, err := w.WriteAtBatch(ctx, tt.edit(placed(4)))
				if err == nil || res != nil || (tt.want != nil && !errors.Is(err, tt.want)) {
					t.Errorf("WriteAtBatch = %v, %v; want nil and %v", statuses(res), err, tt.want)
				}
				if got := failedEvents(err); !slices.Equal(got, []int{tt.index}) {
					t.Errorf("the error names events %v, want [%d]: %v", got, tt.index, err)
				}
				if keys := sinkKeys(t, store); len(keys) != 0 {
					t.Errorf("bad input wrote %q", keys)
				}
			})
		}
	})
}

func TestNewWriterOptions(t *testing.T) {
	store := memstore.New(nil)
	for _, o := range []*WriterOptions{
		{Namespace: "bad namespace"},
		{Namespace: ".x"},
		{StateDir: "a/b"},
		{StateDir: ".."},
		{OffsetBlock: -1},
		{Concurrency: -1},
	} {
		if _, err := NewWriter(store, o); err == nil {
			t.Errorf("NewWriter(%+v) accepted invalid options", *o)
		}
	}
	if _, err := NewWriter(nil, nil); err == nil {
		t.Error("NewWriter(nil store) succeeded")
	}
	o := &WriterOptions{}
	w, err := NewWriter(store, o)
	if err != nil || w.Namespace() != DefaultNamespace || o.Namespace != "" || o.OffsetBlock != 0 || o.Now != nil {
		t.Errorf("NewWriter with zero options: %v, namespace %q, options now %+v", err, w.Namespace(), *o)
	}
}

func TestWriteOnce(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	evs := []*Event{accountEvent("ent", "a1", "1"), accountEvent("ent", "a2", "2"), accountEvent("other", "a3", "3")}
	w, _ := NewWriter(store, &WriterOptions{Now: clock()})
	first, err := w.WriteOnce(ctx, "changes-1", evs)
	if err != nil || first.Count(WriteCreated) != 3 {
		t.Fatalf("first WriteOnce = %+v, %v", first, err)
	}
	// Again, from a new writer (a new process): nothing new, the same names.
	w2, _ := NewWriter(store, &WriterOptions{Now: clock()})
	again, err := w2.WriteOnce(ctx, "changes-1", evs)
	if err != nil || again.Count(WriteExisting) != 3 || !slices.Equal(again.Names(), first.Names()) {
		t.Fatalf("second WriteOnce = %+v, %v; want the same names, nothing created", again, err)
	}
	if got := len(sinkKeys(t, store)); got != 3 {
		t.Errorf("%d files, want 3", got)
	}
	// A file lost since is written again under its name.
	if err := store.Delete(ctx, Key("ent", first.Files[1].Name)); err != nil {
		t.Fatal(err)
	}
	if res, err := w2.WriteOnce(ctx, "changes-1", evs); err != nil || !slices.Equal(statuses(res), []WriteStatus{WriteExisting, WriteCreated, WriteExisting}) {
		t.Errorf("WriteOnce after a loss = %v, %v; want the second created", statuses(res), err)
	}
	// Other events under the same id are a conflict.
	for _, changed := range [][]*Event{
		evs[:2],
		{evs[0], evs[1], accountEvent("ent", "a3", "3")},
		{evs[0], evs[1], accountEvent("other", "a3", "999")},
	} {
		if _, err := w2.WriteOnce(ctx, "changes-1", changed); !errors.Is(err, ErrConflict) {
			t.Errorf("WriteOnce with other events: %v, want ErrConflict", err)
		}
	}
	if _, err := w2.WriteOnce(ctx, "a/b", evs); !errors.Is(err, ErrEntity) {
		t.Errorf("WriteOnce with a bad id: %v", err)
	}
	if got := len(sinkKeys(t, store)); got != 3 {
		t.Errorf("%d files after conflicts, want 3", got)
	}
}

// TestWriterEntitiesConcurrently writes many entities at once through one
// writer: each entity's offsets run from 0 without a gap or a repeat.
func TestWriterEntitiesConcurrently(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := NewWriter(store, &WriterOptions{Now: clock(), OffsetBlock: 7})
	var wg sync.WaitGroup
	for e := range 6 {
		wg.Go(func() {
			entity := fmt.Sprintf("ent-%d", e)
			for i := range 30 {
				res, err := w.Write(ctx, accountEvent(entity, "acc", "1"))
				if err != nil {
					t.Error(err)
					return
				}
				if name := res.Files[0].Name; name.Offset != int64(i) {
					t.Errorf("%s: write %d got offset %d", entity, i, name.Offset)
				}
			}
		})
	}
	wg.Wait()
	if got := len(sinkKeys(t, store)); got != 180 {
		t.Errorf("%d files, want 180", got)
	}
}

// TestReservationsArePruned: a long-lived entity keeps a bounded number of
// reservations, and its offsets still never repeat.
// staleOffsets serves, once, a listing of the offset reservations taken
// before they were pruned: as a writer would see them that listed, then
// stalled while others reserved hundreds of blocks.
type staleOffsets struct {
	storage.Store
	mu    sync.Mutex
	stale []string // served once for the reservations directory
}

func (s *staleOffsets) Keys(ctx context.Context, prefix string) iter.Seq2[string, error] {
	s.mu.Lock()
	stale := s.stale
	if strings.HasPrefix(prefix, "_ledgersink/offsets/") {
		s.stale = nil
	}
	s.mu.Unlock()
	if stale != nil && strings.HasPrefix(prefix, "_ledgersink/offsets/") {
		return func(yield func(string, error) bool) {
			for _, k := range stale {
				if !yield(k, nil) {
					return
				}
			}
		}
	}
	return storage.Keys(ctx, s.Store, prefix)
}

// A writer whose listing of the reservations is older than the pruning
// claims a pruned block again; it must notice and not reuse its offsets.
func TestStaleReservationListing(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	first, _ := NewWriter(mem, &WriterOptions{Now: clock(), OffsetBlock: 1})
	var before []string
	for i := range 450 {
		if _, err := first.Write(ctx, accountEvent("ent", "acc", "1")); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			for k, err := range storage.Keys(ctx, mem, "_ledgersink/offsets/ent/") {
				if err != nil {
					t.Fatal(err)
				}
				before = append(before, k)
			}
		}
	}
	stale := &staleOffsets{Store: mem, stale: before}
	late, _ := NewWriter(stale, &WriterOptions{Now: clock(), OffsetBlock: 1})
	name := writeOne(t, late, accountEvent("ent", "acc-late", "2"))
	if name.Offset != 450 {
		t.Errorf("the late writer got offset %d, want 450: it reused a block given out long ago", name.Offset)
	}
	if stale.stale != nil {
		t.Error("the stale listing was never served")
	}
}

// Writers taking turns on an entity: with Release at each turn, every
// turn's offsets are above the previous turns', although each writer holds
// a block reserved before the others wrote.
func TestReleaseOrdersTurns(t *testing.T) {
	store := memstore.New(nil)
	a, _ := NewWriter(store, &WriterOptions{Now: clock()})
	b, _ := NewWriter(store, &WriterOptions{Now: clock()})
	var last int64 = -1
	for turn := range 6 {
		w := []*Writer{a, b}[turn%2]
		w.Release("ent")
		for i := range 3 {
			name := writeOne(t, w, accountEvent("ent", fmt.Sprint("acc-", turn, "-", i), "1"))
			if name.Offset <= last {
				t.Fatalf("turn %d: offset %d after %d", turn, name.Offset, last)
			}
			last = name.Offset
		}
	}
	// Without Release, the second writer's block comes after the first's,
	// and the first writer's next turn goes back below it.
	store2 := memstore.New(nil)
	x, _ := NewWriter(store2, &WriterOptions{Now: clock()})
	y, _ := NewWriter(store2, &WriterOptions{Now: clock()})
	n1 := writeOne(t, x, accountEvent("ent", "a", "1"))
	n2 := writeOne(t, y, accountEvent("ent", "b", "1"))
	n3 := writeOne(t, x, accountEvent("ent", "c", "1"))
	if !(n1.Offset < n2.Offset && n3.Offset < n2.Offset) {
		t.Errorf("offsets %d, %d, %d: the test no longer shows the problem Release solves", n1.Offset, n2.Offset, n3.Offset)
	}
	x.Release("ent")
	x.Release("other") // an entity never written: nothing to give up
	if n4 := writeOne(t, x, accountEvent("ent", "d", "1")); n4.Offset <= n2.Offset {
		t.Errorf("after Release, offset %d, want above %d", n4.Offset, n2.Offset)
	}
}

func TestReservationsArePruned(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := NewWriter(store, &WriterOptions{Now: clock(), OffsetBlock: 1})
	seen := map[int64]bool{}
	for range 450 {
		name := writeOne(t, w, accountEvent("ent", "acc", "1"))
		if seen[name.Offset] {
			t.Fatalf("offset %d given twice", name.Offset)
		}
		seen[name.Offset] = true
	}
	n := 0
	for range storage.Keys(ctx, store, "_ledgersink/offsets/ent/") {
		n++
	}
	if n < keptReservations || n >= 2*keptReservations {
		t.Errorf("%d reservations kept, want between %d and %d", n, keptReservations, 2*keptReservations)
	}
	// A new writer continues after the newest one.
	w2, _ := NewWriter(store, &WriterOptions{Now: clock()})
	if name := writeOne(t, w2, accountEvent("ent", "acc", "1")); name.Offset != 450 {
		t.Errorf("restarted writer gave offset %d, want 450", name.Offset)
	}
}

// The WriteOnce record is written by hand as encoding/json writes it.
func TestEncodeBatchAsEncodingJSON(t *testing.T) {
	at := time.Date(2024, 2, 1, 10, 0, 0, 123e6, time.UTC)
	files := []onceFile{{entity: "e1", event: AccountInserted}, {entity: "é<&>\"\\", event: EntryDeleted}, {entity: "e\u2028", event: VATUpdated}}
	names := []FileName{{Event: AccountInserted, Offset: 7, Time: at}, {Namespace: "ns-1.x_y", Event: EntryDeleted, Offset: 1 << 40, Time: at}, {Event: VATUpdated}}
	for _, out := range [][]bool{{false, false, true}, {true, true, true}, {false, false, false}} {
		got, err := encodeBatch(files, names, out)
		if err != nil {
			t.Fatal(err)
		}
		entries := make([]batchEntry, len(files))
		for i, f := range files {
			entries[i] = batchEntry{Entity: f.entity, File: names[i].String()}
			if out[i] {
				entries[i] = batchEntry{Entity: f.entity, Event: f.event}
			}
		}
		want, _ := json.Marshal(entries)
		if string(got) != string(want) {
			t.Errorf("encodeBatch = %s\nwant %s", got, want)
		}
	}
	if got, _ := encodeBatch(nil, nil, nil); string(got) != "[]" {
		t.Errorf("encodeBatch of nothing = %s", got)
	}
}
