package subscription_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/subscription"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

const (
	entA = "ent-a"
	entB = "ent-b"
)

type env struct {
	regStore storage.Store
	dest     *memstore.Store
	reg      *subscription.Registry
	disp     *subscription.Dispatcher
	clock    *clock
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func newEnv(t *testing.T, regStore storage.Store) *env {
	t.Helper()
	e := &env{regStore: regStore, dest: memstore.New(nil), clock: &clock{t: time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)}}
	var err error
	e.reg, err = subscription.NewRegistry(regStore, &subscription.RegistryOptions{
		Now: e.clock.Now,
		Stores: func(name string) (storage.Store, error) {
			if name == "folder" {
				return e.dest, nil
			}
			return nil, errors.New("no such store")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.disp = subscription.NewDispatcher(e.reg, &subscription.DispatcherOptions{Writer: &sink.WriterOptions{Now: e.clock.Now}})
	return e
}

func (e *env) create(t *testing.T, events ...sink.EventName) *subscription.Subscription {
	t.Helper()
	s, err := e.reg.Create(context.Background(), &subscription.Subscription{
		ID: "sub-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"}, Events: events,
		Entities: []subscription.Entity{{ID: entA}, {ID: entB}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func source(ctx context.Context, entity string) (*sink.Initialization, error) {
	return sinktest.Company(&sinktest.CompanyOptions{EntityID: entity}), nil
}

func status(t *testing.T, e *env, entity string) subscription.Status {
	t.Helper()
	s, err := e.reg.Get(context.Background(), "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	en, ok := s.Entity(entity)
	if !ok {
		t.Fatalf("no entity %s", entity)
	}
	return en.Status
}

func liveEvent(entity, id string, ts time.Time) *sink.Event {
	return &sink.Event{Name: sink.ThirdPartyInserted,
		Envelope: sink.Envelope{Timestamp: sink.Millis(ts), ApplicationID: "app", EntityID: entity, ID: id},
		Data:     &sink.ThirdParty{Code: id, Kind: sink.Customer, Active: true}}
}

// received returns the ids of the third parties in entity's directory.
func received(t *testing.T, s storage.Store, entity string) map[string]int {
	t.Helper()
	r, _ := sink.NewReader(s, nil)
	got := map[string]int{}
	for it, err := range r.Read(context.Background(), entity, nil).All() {
		if err != nil {
			t.Fatal(err)
		}
		if it.Event.Name == sink.ThirdPartyInserted && strings.HasPrefix(it.Event.ID, "live-") {
			got[it.Event.ID]++
		}
	}
	return got
}

func TestValidate(t *testing.T) {
	s := &subscription.Subscription{
		ID: "a/b", Destination: subscription.Destination{Prefix: "no-slash"},
		Events:   []sink.EventName{"comptaNope", sink.AccountInserted, sink.AccountInserted},
		Entities: []subscription.Entity{{ID: "e", Status: "paused"}, {ID: "e", Status: subscription.StatusNew, Changed: time.Now()}},
	}
	err := s.Validate()
	var ve *subscription.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
	var got []string
	for _, p := range ve.Fields {
		got = append(got, p.Path+" "+p.Rule)
	}
	want := []string{
		"/destination/prefix prefix", "/destination/store required", "/domain required",
		"/entities/0/changed required", "/entities/0/status status", "/entities/1/id duplicate",
		"/events/0 event", "/events/2 duplicate", "/id id",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !errors.Is(err, subscription.ErrInvalid) || !errors.Is(err, subscription.ErrNoDestination) {
		t.Errorf("error %v does not match ErrInvalid and ErrNoDestination", err)
	}
}

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	if _, err := e.reg.Create(ctx, &subscription.Subscription{ID: "x", Domain: "LOOP"}); !errors.Is(err, subscription.ErrNoDestination) {
		t.Errorf("a subscription without destination: %v, want ErrNoDestination", err)
	}
	s := e.create(t)
	if s.Generation != 1 || len(s.Entities) != 2 || s.Entities[0].Status != subscription.StatusNew {
		t.Fatalf("created %+v", s)
	}
	if _, err := e.reg.Create(ctx, s); !errors.Is(err, subscription.ErrExists) {
		t.Errorf("second Create: %v, want ErrExists", err)
	}
	if _, err := e.reg.Get(ctx, "nope"); !errors.Is(err, subscription.ErrNotFound) {
		t.Errorf("Get(nope): %v, want ErrNotFound", err)
	}
	s, _ = e.reg.AddEntity(ctx, "sub-1", "ent-c")
	if again, _ := e.reg.AddEntity(ctx, "sub-1", "ent-c"); again.Generation != s.Generation {
		t.Errorf("adding an entity twice wrote a new generation")
	}
	if _, err := e.reg.RemoveEntity(ctx, "sub-1", "nope"); !errors.Is(err, subscription.ErrUnknownEntity) {
		t.Errorf("RemoveEntity(unknown): %v, want ErrUnknownEntity", err)
	}
	if _, err := e.reg.RemoveEntity(ctx, "sub-1", "ent-c"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.AddEntity(ctx, "sub-1", "ent-c"); !errors.Is(err, subscription.ErrTransition) {
		t.Errorf("re-adding a removed entity: %v, want ErrTransition", err)
	}
	if _, err := e.reg.Create(ctx, &subscription.Subscription{ID: "sub-2", Domain: "LOOP", Destination: subscription.Destination{Store: "folder", Prefix: "p/"}}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for s, err := range e.reg.List(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, fmt.Sprintf("%s@%d", s.ID, s.Generation))
	}
	if got := strings.Join(ids, " "); got != "sub-1@3 sub-2@1" {
		t.Errorf("List = %s, want sub-1@3 sub-2@1", got)
	}
}

// TestTransitions walks every status change through the public API.
func TestTransitions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t)
	steps := []struct {
		name string
		do   func() error
		want subscription.Status
		err  error
	}{
		{"new: re-initialization refused", func() error { _, err := e.disp.Reinitialize(ctx, "sub-1", entA, 1, source); return err }, subscription.StatusNew, subscription.ErrTransition},
		{"new -> ready through initializing", func() error { _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); return err }, subscription.StatusReady, nil},
		{"ready: initializing again changes nothing", func() error { _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); return err }, subscription.StatusReady, nil},
		{"ready -> new on a destination change", func() error {
			_, err := e.reg.SetDestination(ctx, "sub-1", subscription.Destination{Store: "folder", Prefix: "v2/"})
			return err
		}, subscription.StatusNew, nil},
		{"new -> removed", func() error { _, err := e.reg.RemoveEntity(ctx, "sub-1", entA); return err }, subscription.StatusRemoved, nil},
		{"removed: initialization refused", func() error { _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); return err }, subscription.StatusRemoved, subscription.ErrTransition},
		{"removed: stays removed", func() error { _, err := e.reg.RemoveEntity(ctx, "sub-1", entA); return err }, subscription.StatusRemoved, nil},
	}
	for _, st := range steps {
		err := st.do()
		if !errors.Is(err, st.err) || (st.err == nil && err != nil) {
			t.Fatalf("%s: error %v, want %v", st.name, err, st.err)
		}
		if got := status(t, e, entA); got != st.want {
			t.Fatalf("%s: status %s, want %s", st.name, got, st.want)
		}
	}
	if _, err := e.disp.Initialize(ctx, "sub-1", "nope", source, nil); !errors.Is(err, subscription.ErrUnknownEntity) {
		t.Errorf("Initialize(unknown entity): %v", err)
	}
}

func TestConcurrentRegistryEdits(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	e := newEnv(t, store)
	e.create(t)
	var wg sync.WaitGroup
	for i := range 12 {
		reg, _ := subscription.NewRegistry(store, nil) // as another process would
		wg.Go(func() {
			if _, err := reg.AddEntity(ctx, "sub-1", fmt.Sprintf("ent-%02d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s, _ := e.reg.Get(ctx, "sub-1")
	if len(s.Entities) != 14 || s.Generation != 13 {
		t.Errorf("%d entities at generation %d, want 14 at 13: an update was lost", len(s.Entities), s.Generation)
	}
}

// generations lists the generation files of sub-1.
func generations(t *testing.T, store storage.Store) []string {
	t.Helper()
	var keys []string
	for key, err := range storage.Keys(context.Background(), store, "_subscriptions/subscriptions/sub-1/") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	return keys
}

// Changes delete the generations older than the KeepGenerations newest (in
// bulk, once twice as many exist); concurrent editors with a small window
// still lose nothing.
func TestRegistryCompaction(t *testing.T) {
	ctx := context.Background()
	t.Run("bounded", func(t *testing.T) {
		store := memstore.New(nil)
		reg, _ := subscription.NewRegistry(store, &subscription.RegistryOptions{KeepGenerations: 3})
		if _, err := reg.Create(ctx, &subscription.Subscription{ID: "sub-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"}}); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			if _, err := reg.AddEntity(ctx, "sub-1", fmt.Sprintf("ent-%02d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if keys := generations(t, store); len(keys) != 3 || !strings.HasSuffix(keys[2], "0000000000000000021.json") {
			t.Errorf("generation files %q, want the last 3 (19 to 21)", keys)
		}
		s, err := reg.Get(ctx, "sub-1")
		if err != nil || s.Generation != 21 || len(s.Entities) != 20 {
			t.Errorf("Get = %+v, %v; want 20 entities at generation 21", s, err)
		}
	})
	t.Run("keep all", func(t *testing.T) {
		store := memstore.New(nil)
		reg, _ := subscription.NewRegistry(store, &subscription.RegistryOptions{KeepGenerations: -1})
		reg.Create(ctx, &subscription.Subscription{ID: "sub-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"}})
		for i := range 20 {
			reg.AddEntity(ctx, "sub-1", fmt.Sprintf("ent-%02d", i))
		}
		if n := len(generations(t, store)); n != 21 {
			t.Errorf("%d generation files, want all 21", n)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		store := memstore.New(nil)
		first, _ := subscription.NewRegistry(store, &subscription.RegistryOptions{KeepGenerations: 2})
		first.Create(ctx, &subscription.Subscription{ID: "sub-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"}})
		var wg sync.WaitGroup
		for i := range 16 {
			reg, _ := subscription.NewRegistry(store, &subscription.RegistryOptions{KeepGenerations: 2})
			wg.Go(func() {
				if _, err := reg.AddEntity(ctx, "sub-1", fmt.Sprintf("ent-%02d", i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		s, _ := first.Get(ctx, "sub-1")
		if len(s.Entities) != 16 {
			t.Errorf("%d entities, want 16: an update was lost", len(s.Entities))
		}
	})
	t.Run("stale writer", func(t *testing.T) {
		// A process reads generation 1, stalls while another makes three
		// changes (deleting generations 1 and 2), then writes generation 2
		// again: it must notice and apply its change on generation 4.
		store := memstore.New(nil)
		slow, _ := subscription.NewRegistry(store, &subscription.RegistryOptions{KeepGenerations: 2})
		fast, _ := subscription.NewRegistry(store, &subscription.RegistryOptions{KeepGenerations: 2})
		slow.Create(ctx, &subscription.Subscription{ID: "sub-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"}})
		calls := 0
		s, err := slow.Update(ctx, "sub-1", func(s *subscription.Subscription) error {
			if calls++; calls == 1 {
				for i := range 3 {
					if _, err := fast.AddEntity(ctx, "sub-1", fmt.Sprintf("fast-%d", i)); err != nil {
						return err
					}
				}
				if keys := generations(t, store); len(keys) != 2 {
					return fmt.Errorf("generations %q, want 3 and 4 only", keys)
				}
			}
			s.Entities = append(s.Entities, subscription.Entity{ID: "slow", Status: subscription.StatusNew, Changed: time.Now()})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 2 || s.Generation != 5 || len(s.Entities) != 4 {
			t.Errorf("after %d calls, generation %d with %d entities; want 2 calls, generation 5, 4 entities", calls, s.Generation, len(s.Entities))
		}
		if got, _ := fast.Get(ctx, "sub-1"); got.Generation != 5 || len(got.Entities) != 4 {
			t.Errorf("the registry holds generation %d with %d entities, want 5 with 4", got.Generation, len(got.Entities))
		}
	})
}

// racingStore lets another process take every generation of sub-1 just
// before this one writes it.
type racingStore struct {
	storage.Store
	races int
}

func (s *racingStore) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	if strings.HasPrefix(key, "_subscriptions/subscriptions/sub-1/") {
		s.races++
		theirs := fmt.Sprintf(`{"id":"sub-1","domain":"LOOP","destination":{"store":"folder"},"generation":%d}`, s.races+1)
		if err := storage.WriteAll(ctx, s.Store, key, []byte(theirs), nil); err != nil {
			return err
		}
	}
	return s.Store.Put(ctx, key, r, opts)
}

// An edit that other processes keep beating stops, after 100 tries, with
// ErrTooManyConflict, having written nothing of its own.
func TestTooManyConflicts(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New(nil)
	reg, _ := subscription.NewRegistry(mem, &subscription.RegistryOptions{KeepGenerations: -1})
	if _, err := reg.Create(ctx, &subscription.Subscription{ID: "sub-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"}}); err != nil {
		t.Fatal(err)
	}
	rs := &racingStore{Store: mem}
	racing, _ := subscription.NewRegistry(rs, &subscription.RegistryOptions{KeepGenerations: -1})
	_, err := racing.AddEntity(ctx, "sub-1", "mine")
	if !errors.Is(err, subscription.ErrTooManyConflict) {
		t.Fatalf("AddEntity: %v, want ErrTooManyConflict", err)
	}
	if rs.races != 100 {
		t.Errorf("%d tries, want 100", rs.races)
	}
	s, err := reg.Get(ctx, "sub-1")
	if err != nil || s.Generation != 101 || len(s.Entities) != 0 {
		t.Errorf("Get = %+v, %v; want the other processes' generation 101, without the entity", s, err)
	}
}

// TestLiveEventsDuringInitialization interleaves live changes with an
// initialization: events of a new entity are held; those newer than the
// snapshot are delivered once it is ready, exactly once; older ones are in
// the snapshot; events dispatched while it turns ready are not lost.
func TestLiveEventsDuringInitialization(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t)
	t0 := e.clock.Now()

	// Before the initialization: held, then covered by the snapshot.
	d, err := e.disp.Dispatch(ctx, liveEvent(entA, "live-before", t0.Add(-time.Minute)))
	if err != nil || len(d.Held) != 1 || len(d.Delivered) != 0 {
		t.Fatalf("Dispatch to a new entity = %+v, %v; want held", d, err)
	}
	e.clock.Set(t0.Add(time.Hour)) // the snapshot instant

	var during atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // live changes all along the initialization
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ts := t0.Add(time.Hour + time.Duration(i+1)*time.Second)
			if _, err := e.disp.Dispatch(ctx, liveEvent(entA, fmt.Sprintf("live-%03d", i), ts)); err != nil {
				t.Error(err)
				return
			}
			during.Add(1)
		}
	})
	slow := func(ctx context.Context, entity string) (*sink.Initialization, error) {
		for during.Load() < 3 { // let some changes arrive while initializing
			time.Sleep(time.Millisecond)
		}
		return source(ctx, entity)
	}
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, slow, &sink.InitOptions{BatchSize: 4}); err != nil {
		t.Fatal(err)
	}
	for n := during.Load(); during.Load() < n+3; { // and some after it is ready
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()

	got := received(t, e.dest, entA)
	if got["live-before"] != 0 {
		t.Error("an event older than the snapshot was delivered: it is in the initialization")
	}
	for i := range int(during.Load()) {
		id := fmt.Sprintf("live-%03d", i)
		if got[id] != 1 {
			t.Errorf("%s delivered %d times, want exactly once", id, got[id])
		}
	}
	if status(t, e, entA) != subscription.StatusReady || status(t, e, entB) != subscription.StatusNew {
		t.Error("statuses after the initialization are wrong")
	}
	// Nothing stays held.
	for k := range storage.Keys(ctx, e.regStore, "_subscriptions/held/") {
		t.Errorf("still held: %s", k)
	}
}

// TestInitializeCrashBeforeReady fails the write that marks the entity
// ready: it stays initializing, and a second Initialize finishes with one
// initialization in the destination.
func TestInitializeCrashBeforeReady(t *testing.T) {
	ctx := context.Background()
	regStore := faultstore.New(memstore.New(nil), faultstore.Rule{Op: faultstore.OpPut, Key: "_subscriptions/subscriptions/sub-1/*3.json", Times: 1})
	e := newEnv(t, regStore)
	e.create(t) // generation 1; initializing is 2, ready is 3
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("Initialize with a failing ready mark: %v", err)
	}
	if got := status(t, e, entA); got != subscription.StatusInitializing {
		t.Fatalf("status after the crash: %s, want initializing", got)
	}
	res, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil)
	if err != nil || !res.AlreadyDone {
		t.Fatalf("restart: %+v, %v; want the completed initialization", res, err)
	}
	if got := status(t, e, entA); got != subscription.StatusReady {
		t.Errorf("status after the restart: %s", got)
	}
	reports := 0
	for k := range storage.Keys(ctx, e.dest, entA+"/initialisation-report-") {
		_ = k
		reports++
	}
	if reports != 1 {
		t.Errorf("%d initialization reports, want 1", reports)
	}
}

func TestDispatchFilters(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t, sink.ThirdPartyInserted)
	for _, ent := range []string{entA, entB} {
		if _, err := e.disp.Initialize(ctx, "sub-1", ent, source, nil); err != nil {
			t.Fatal(err)
		}
	}
	now := e.clock.Now().Add(time.Hour)
	if d, _ := e.disp.Dispatch(ctx, liveEvent(entA, "live-1", now)); len(d.Delivered) != 1 {
		t.Errorf("a wanted event of a ready entity: %+v", d)
	}
	acc := &sink.Event{Name: sink.AccountDeleted, Envelope: sink.Envelope{Timestamp: sink.Millis(now), ApplicationID: "a", EntityID: entA, ID: "acc"}}
	if d, _ := e.disp.Dispatch(ctx, acc); len(d.Delivered)+len(d.Held) != 0 {
		t.Errorf("an event the subscription does not want: %+v", d)
	}
	if d, _ := e.disp.Dispatch(ctx, liveEvent("ent-other", "live-2", now)); len(d.Delivered)+len(d.Held) != 0 {
		t.Errorf("an event of an entity not subscribed: %+v", d)
	}
	// Removing an entity stops delivery; its files stay.
	before := received(t, e.dest, entB)
	if _, err := e.reg.RemoveEntity(ctx, "sub-1", entB); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.disp.Dispatch(ctx, liveEvent(entB, "live-3", now)); len(d.Delivered)+len(d.Held) != 0 {
		t.Errorf("an event of a removed entity: %+v", d)
	}
	if after := received(t, e.dest, entB); len(after) != len(before) {
		t.Errorf("removal changed the files: %v -> %v", before, after)
	}
	files := 0
	for range storage.Keys(ctx, e.dest, entB+"/") {
		files++
	}
	if files != 5 { // its 4 third parties (the subscription's only event) and the report
		t.Errorf("the removed entity's files are gone: %d left, want 5", files)
	}
}

// DispatchBatch does what Dispatch does event by event, reading the
// registry once: ready entities get their events in batch order, a new one
// has them held, unwanted events and unknown entities get nothing.
func TestDispatchBatch(t *testing.T) {
	ctx := context.Background()
	regStore := faultstore.New(memstore.New(nil)) // no faults: it counts calls
	e := newEnv(t, regStore)
	e.create(t, sink.ThirdPartyInserted)
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().Add(time.Hour)
	acc := &sink.Event{Name: sink.AccountDeleted, Envelope: sink.Envelope{Timestamp: sink.Millis(now), ApplicationID: "a", EntityID: entA, ID: "acc"}}
	evs := []*sink.Event{
		liveEvent(entA, "live-1", now),
		liveEvent(entB, "live-2", now), // entB is new: held
		acc,                            // not wanted
		liveEvent("ent-other", "live-3", now),
		liveEvent(entA, "live-4", now.Add(time.Second)),
	}
	lists := regStore.Calls(faultstore.OpList)
	ds, err := e.disp.DispatchBatch(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if n := regStore.Calls(faultstore.OpList) - lists; n != 2 {
		t.Errorf("%d listings of the registry store for one batch, want 2 (the subscriptions, then sub-1 again after holding)", n)
	}
	want := []subscription.Delivery{
		{Delivered: []string{"sub-1"}}, {Held: []string{"sub-1"}}, {}, {}, {Delivered: []string{"sub-1"}},
	}
	if diff := cmp.Diff(want, ds, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	// entA's two events, in batch order (offsets increase).
	r, _ := sink.NewReader(e.dest, nil)
	var live []string
	for it, err := range r.Read(ctx, entA, nil).All() {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(it.Event.ID, "live-") {
			live = append(live, it.Event.ID)
		}
	}
	if !slices.Equal(live, []string{"live-1", "live-4"}) {
		t.Errorf("entA received %v, want live-1 then live-4", live)
	}
	// The held event reaches entB once it is initialized.
	if _, err := e.disp.Initialize(ctx, "sub-1", entB, source, nil); err != nil {
		t.Fatal(err)
	}
	if got := received(t, e.dest, entB); got["live-2"] != 1 {
		t.Errorf("entB received %v, want live-2 once", got)
	}
	// An invalid event fails the batch before anything is delivered.
	before := received(t, e.dest, entA)
	bad := []*sink.Event{liveEvent(entA, "live-5", now), {Name: sink.ThirdPartyInserted, Envelope: sink.Envelope{EntityID: entA}}}
	if ds, err := e.disp.DispatchBatch(ctx, bad); err == nil || ds != nil {
		t.Errorf("DispatchBatch with an invalid event = %v, %v; want an error", ds, err)
	}
	if _, err := e.disp.DispatchBatch(ctx, []*sink.Event{nil}); err == nil {
		t.Error("DispatchBatch with a nil event: no error")
	}
	if after := received(t, e.dest, entA); len(after) != len(before) {
		t.Errorf("a refused batch delivered: %v -> %v", before, after)
	}
}

func TestReinitialize(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t)
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	for _, days := range []int{0, 21, -1} {
		if _, err := e.disp.Reinitialize(ctx, "sub-1", entA, days, source); !errors.Is(err, subscription.ErrDays) {
			t.Errorf("Reinitialize(%d days): %v, want ErrDays", days, err)
		}
	}
	if _, err := e.disp.Reinitialize(ctx, "sub-1", "nope", 1, source); !errors.Is(err, subscription.ErrUnknownEntity) {
		t.Errorf("Reinitialize(unknown entity): %v", err)
	}
	// The demo's objects changed on 2024-01-30 15:17: two days before the clock.
	if res, err := e.disp.Reinitialize(ctx, "sub-1", entA, 1, source); err != nil || res.Events != 0 {
		t.Errorf("1 day: %+v, %v; want nothing re-sent", res, err)
	}
	res, err := e.disp.Reinitialize(ctx, "sub-1", entA, 2, source)
	if err != nil || res.Events != 29 {
		t.Errorf("2 days: %+v, %v; want the 29 objects changed then", res, err)
	}
}

func TestPrefixDestination(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	if _, err := e.reg.Create(ctx, &subscription.Subscription{ID: "sub-1", Domain: "LOOP",
		Destination: subscription.Destination{Store: "folder", Prefix: "tenant-1/"}, Entities: []subscription.Entity{{ID: entA}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	for k := range storage.Keys(ctx, e.dest, "") {
		if !strings.HasPrefix(k, "tenant-1/") {
			t.Errorf("%s written outside the prefix", k)
		}
	}
	if _, err := e.reg.SetDestination(ctx, "sub-1", subscription.Destination{Store: "nowhere"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); !errors.Is(err, subscription.ErrUnknownStore) {
		t.Errorf("unknown store: %v, want ErrUnknownStore", err)
	}
}

// FuzzSubscription decodes a registry's subscription file as the registry
// does, then validates it: neither panics; a subscription that passes
// validation encodes and decodes back to itself, and passes again.
func FuzzSubscription(f *testing.F) {
	f.Add([]byte(`{"id":"sub-1","domain":"LOOP","destination":{"store":"folder","prefix":"p/"},"events":["comptaTiersInserted"],` +
		`"entities":[{"id":"ent-a","status":"ready","changed":"2024-02-01T08:00:00Z"}],"generation":3}`))
	f.Add([]byte(`{"id":"../x","destination":{},"entities":[{"id":"a"},{"id":"a","status":"gone"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s subscription.Subscription
		if json.Unmarshal(data, &s) != nil {
			return
		}
		if s.Validate() != nil {
			return
		}
		out, err := json.Marshal(&s)
		if err != nil {
			t.Fatalf("Marshal of a valid subscription: %v", err)
		}
		var back subscription.Subscription
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("Unmarshal of %s: %v", out, err)
		}
		if err := back.Validate(); err != nil {
			t.Errorf("a valid subscription is no longer valid after a round trip: %v", err)
		}
		if diff := cmp.Diff(s, back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip changed the subscription (-before +after):\n%s", diff)
		}
	})
}

// Delivered files hold the bytes Event.Encode writes, whether the event is
// written at once or held until its entity is ready (characters that
// encoding/json escapes included).
func TestDeliveredBytes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New(nil))
	e.create(t)
	if _, err := e.disp.Initialize(ctx, "sub-1", entA, source, nil); err != nil {
		t.Fatal(err)
	}
	t0 := e.clock.Now()
	want := map[string]string{}
	for i, entity := range []string{entA, entB} {
		id := fmt.Sprintf("live-%d", i)
		en := sinktest.Entry(id, 2024, i)
		en.Movements[0].Description = "Fournisseur <Dupont & fils>"
		ev, err := sink.NewInserted(sink.Envelope{Timestamp: sink.Millis(t0.Add(time.Hour)), ApplicationID: "app", EntityID: entity, ID: id}, en)
		if err != nil {
			t.Fatal(err)
		}
		data, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		want[entity] = string(data)
		d, err := e.disp.Dispatch(ctx, ev)
		if err != nil || len(d.Delivered)+len(d.Held) != 1 {
			t.Fatalf("Dispatch = %+v, %v", d, err)
		}
	}
	e.clock.Set(t0.Add(time.Minute))
	if _, err := e.disp.Initialize(ctx, "sub-1", entB, source, nil); err != nil { // delivers the held event
		t.Fatal(err)
	}
	for entity, w := range want {
		found := false
		for k, err := range storage.Keys(ctx, e.dest, entity+"/") {
			if err != nil {
				t.Fatal(err)
			}
			data, err := storage.ReadAll(ctx, e.dest, k)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), `"id":"live-`) {
				found = true
				if string(data) != w {
					t.Errorf("%s holds %s\nwant %s", k, data, w)
				}
			}
		}
		if !found {
			t.Errorf("no live event delivered to %s", entity)
		}
	}
}
