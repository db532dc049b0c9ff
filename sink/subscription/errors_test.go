package subscription_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/subscription"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// faultEnv is an env whose registry store and destination inject faults.
type faultEnv struct {
	reg, dest *faultstore.Store
	regMem    *memstore.Store
	registry  *subscription.Registry
	disp      *subscription.Dispatcher
	clock     *clock
}

func newFaultEnv(t *testing.T) *faultEnv {
	t.Helper()
	e := &faultEnv{regMem: memstore.New(nil), clock: &clock{t: time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)}}
	e.reg = faultstore.New(e.regMem)
	e.dest = faultstore.New(memstore.New(nil))
	e.registry, e.disp = e.open(t, func(string) (storage.Store, error) { return e.dest, nil }, nil)
	if _, err := e.registry.Create(context.Background(), &subscription.Subscription{
		ID: "sub-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"},
		Entities: []subscription.Entity{{ID: entA}, {ID: entB}},
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// open returns a registry and a dispatcher over e's registry store, as
// another process would open them.
func (e *faultEnv) open(t *testing.T, stores func(string) (storage.Store, error), w *sink.WriterOptions) (*subscription.Registry, *subscription.Dispatcher) {
	t.Helper()
	reg, err := subscription.NewRegistry(e.reg, &subscription.RegistryOptions{Now: e.clock.Now, Stores: stores})
	if err != nil {
		t.Fatal(err)
	}
	if w == nil {
		w = &sink.WriterOptions{Now: e.clock.Now}
	}
	return reg, subscription.NewDispatcher(reg, &subscription.DispatcherOptions{Writer: w})
}

func keyWith(part string) func(faultstore.Op, string) bool {
	return func(_ faultstore.Op, key string) bool { return strings.Contains(key, part) }
}

// TestStoreErrorsAreNeverSwallowed makes the registry's store or the
// destination fail, or damages what the registry holds, under every path
// of the dispatcher and the registry: each must return the error. (Each
// case is a mutation that deletes an error return and that no other test
// killed.)
func TestStoreErrorsAreNeverSwallowed(t *testing.T) {
	down := errors.New("source down")
	failingSource := func(context.Context, string) (*sink.Initialization, error) { return nil, down }
	noStore := func(string) (storage.Store, error) { return nil, errors.New("no such store") }
	// ready initializes entA; held also holds a live event for entB.
	ready := func(t *testing.T, e *faultEnv) {
		t.Helper()
		if _, err := e.disp.Initialize(context.Background(), "sub-1", entA, source, nil); err != nil {
			t.Fatal(err)
		}
	}
	held := func(t *testing.T, e *faultEnv) {
		t.Helper()
		ready(t, e)
		if d, err := e.disp.Dispatch(context.Background(), liveEvent(entB, "live-1", e.clock.Now().Add(time.Hour))); err != nil || len(d.Held) != 1 {
			t.Fatalf("Dispatch = %+v, %v; want it held", d, err)
		}
	}
	dispatch := func(entity string) func(context.Context, *testing.T, *faultEnv) error {
		return func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, err := e.disp.Dispatch(ctx, liveEvent(entity, "live-2", e.clock.Now().Add(time.Hour)))
			return err
		}
	}
	initB := func(ctx context.Context, t *testing.T, e *faultEnv) error {
		_, err := e.disp.Initialize(ctx, "sub-1", entB, source, nil)
		return err
	}
	reinitA := func(src subscription.Source) func(context.Context, *testing.T, *faultEnv) error {
		return func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, err := e.disp.Reinitialize(ctx, "sub-1", entA, 1, src)
			return err
		}
	}
	tests := []struct {
		name    string
		prepare func(*testing.T, *faultEnv)
		reg     faultstore.Rule // added once prepared
		dest    faultstore.Rule
		damage  func(*testing.T, *faultEnv)
		run     func(context.Context, *testing.T, *faultEnv) error
		want    error // nil: faultstore.ErrInjected
	}{
		{name: "Dispatch: an invalid event", run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, err := e.disp.Dispatch(ctx, &sink.Event{Name: sink.AccountInserted})
			return err
		}, want: sink.ErrPayload},
		{name: "Dispatch: listing the subscriptions", prepare: ready,
			reg: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_subscriptions/subscriptions/")}, run: dispatch(entA)},
		{name: "Dispatch: writing to a ready entity", prepare: ready,
			dest: faultstore.Rule{Op: faultstore.OpPut, Match: keyWith(entA + "/")}, run: dispatch(entA)},
		{name: "Dispatch: holding an event", prepare: ready,
			reg: faultstore.Rule{Op: faultstore.OpPut, Match: keyWith("_subscriptions/held/")}, run: dispatch(entB)},
		{name: "Dispatch: reading the subscription again after holding", prepare: ready,
			reg: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_subscriptions/subscriptions/sub-1/")}, run: dispatch(entB)},
		{name: "Dispatch: the destination's store is unknown", prepare: ready, run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, disp := e.open(t, noStore, nil)
			_, err := disp.Dispatch(ctx, liveEvent(entA, "live-2", e.clock.Now().Add(time.Hour)))
			return err
		}, want: subscription.ErrUnknownStore},
		{name: "flush: listing the held events", prepare: held,
			reg: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_subscriptions/held/")}, run: initB},
		{name: "flush: reading a held event", prepare: held,
			reg: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith("_subscriptions/held/")}, run: initB},
		{name: "flush: a damaged held event", prepare: held, damage: damageHeld(`{`), run: initB, want: errAny},
		{name: "flush: a held payload that does not decode", prepare: held,
			damage: damageHeld(`{"name":"comptaTiersInserted","payload":{}}`), run: initB, want: sink.ErrPayload},
		{name: "flush: writing a held event", prepare: held,
			dest: faultstore.Rule{Op: faultstore.OpPut, Match: keyWith("_ledgersink/batches/held-")}, run: initB},
		{name: "flush: forgetting a held event", prepare: held,
			reg: faultstore.Rule{Op: faultstore.OpDelete, Match: keyWith("_subscriptions/held/")}, run: initB},
		{name: "Initialize: the source fails", run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, err := e.disp.Initialize(ctx, "sub-1", entA, failingSource, nil)
			return err
		}, want: down},
		{name: "Initialize: writing the initialization",
			dest: faultstore.Rule{Op: faultstore.OpPut, Match: keyWith(entB + "/")}, run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
				err := initB(ctx, t, e)
				if s, _ := e.registry.Get(ctx, "sub-1"); s != nil {
					if en, _ := s.Entity(entB); en.Status == subscription.StatusReady {
						t.Error("an entity whose initialization failed is ready")
					}
				}
				return err
			}},
		{name: "Initialize: the destination's writer cannot be made", run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, disp := e.open(t, func(string) (storage.Store, error) { return e.dest, nil }, &sink.WriterOptions{Namespace: "not a namespace"})
			_, err := disp.Initialize(ctx, "sub-1", entA, source, nil)
			return err
		}, want: errAny},
		{name: "Reinitialize: reading the subscription", prepare: ready,
			reg: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_subscriptions/subscriptions/sub-1/")}, run: reinitA(source)},
		{name: "Reinitialize: the source fails", prepare: ready, run: reinitA(failingSource), want: down},
		{name: "Reinitialize: the destination's store is unknown", prepare: ready, run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, disp := e.open(t, noStore, nil)
			_, err := disp.Reinitialize(ctx, "sub-1", entA, 1, source)
			return err
		}, want: subscription.ErrUnknownStore},
		{name: "Get: reading the newest generation",
			reg: faultstore.Rule{Op: faultstore.OpGet, Match: keyWith("_subscriptions/subscriptions/sub-1/")},
			run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
				_, err := e.registry.Get(ctx, "sub-1")
				return err
			}},
		{name: "Get: a damaged generation", damage: damageGenerations(`{`),
			run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
				_, err := e.registry.Get(ctx, "sub-1")
				return err
			},
			want: errAny},
		{name: "Create: listing the existing generations",
			reg: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_subscriptions/subscriptions/sub-2/")},
			run: createSub2},
		{name: "Create: writing the first generation",
			reg: faultstore.Rule{Op: faultstore.OpPut, Match: keyWith("_subscriptions/subscriptions/sub-2/")},
			run: createSub2},
		{name: "Update: an invalid change", run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
			_, err := e.registry.Update(ctx, "sub-1", func(s *subscription.Subscription) error { s.Domain = ""; return nil })
			return err
		}, want: subscription.ErrInvalid},
		{name: "Update: reading the current generation",
			reg: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_subscriptions/subscriptions/sub-1/")},
			run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
				_, err := e.registry.AddEntity(ctx, "sub-1", "ent-c")
				return err
			}},
		{name: "Update: listing the generations after writing",
			reg: faultstore.Rule{Op: faultstore.OpList, Match: keyWith("_subscriptions/subscriptions/sub-1/"), Skip: 1},
			run: func(ctx context.Context, t *testing.T, e *faultEnv) error {
				_, err := e.registry.AddEntity(ctx, "sub-1", "ent-c")
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFaultEnv(t)
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			if tt.damage != nil {
				tt.damage(t, e)
			}
			if tt.reg.Op != "" {
				e.reg.Add(tt.reg)
			}
			if tt.dest.Op != "" {
				e.dest.Add(tt.dest)
			}
			want := tt.want
			if want == nil {
				want = faultstore.ErrInjected
			}
			err := tt.run(context.Background(), t, e)
			if err == nil || (want != errAny && !errors.Is(err, want)) {
				t.Errorf("error %v, want %v", err, want)
			}
		})
	}
}

// errAny is a want of any error.
var errAny = errors.New("any error")

func createSub2(ctx context.Context, t *testing.T, e *faultEnv) error {
	_, err := e.registry.Create(ctx, &subscription.Subscription{ID: "sub-2", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"}})
	return err
}

// damageHeld replaces every held event with content.
func damageHeld(content string) func(*testing.T, *faultEnv) {
	return func(t *testing.T, e *faultEnv) { t.Helper(); replaceAll(t, e.regMem, "_subscriptions/held/", content) }
}

// damageGenerations replaces every generation of sub-1 with content.
func damageGenerations(content string) func(*testing.T, *faultEnv) {
	return func(t *testing.T, e *faultEnv) {
		t.Helper()
		replaceAll(t, e.regMem, "_subscriptions/subscriptions/sub-1/", content)
	}
}

func replaceAll(t *testing.T, s storage.Store, prefix, content string) {
	t.Helper()
	ctx := context.Background()
	var keys []string
	for k, err := range storage.Keys(ctx, s, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		t.Fatalf("nothing under %s", prefix)
	}
	for _, k := range keys {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if err := storage.WriteAll(ctx, s, k, []byte(content), nil); err != nil {
			t.Fatal(err)
		}
	}
}
