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
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// TestIssue14SharedStateStore: with sink.WriterOptions.StateStore, two
// destinations share one state store: each keeps its own part, so that an
// entity initialized in one is not taken for initialized in the other, and
// the destination stores hold nothing but entity folders.
func TestIssue14SharedStateStore(t *testing.T) {
	ctx := context.Background()
	dests := map[string]*memstore.Store{"a": memstore.New(nil), "b/with space": memstore.New(nil)}
	state := memstore.New(nil)
	now := func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }
	reg, err := subscription.NewRegistry(memstore.New(nil), &subscription.RegistryOptions{
		Now: now,
		Stores: func(name string) (storage.Store, error) {
			if s, ok := dests[name]; ok {
				return s, nil
			}
			return nil, errors.New("no such store")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	disp := subscription.NewDispatcher(reg, &subscription.DispatcherOptions{Writer: &sink.WriterOptions{Now: now, StateStore: state}})
	for id, store := range map[string]string{"sub-a": "a", "sub-b": "b/with space"} {
		if _, err := reg.Create(ctx, &subscription.Subscription{ID: id, Domain: "LOOP",
			Destination: subscription.Destination{Store: store, Prefix: "sink/"}, Entities: []subscription.Entity{{ID: entA}}}); err != nil {
			t.Fatal(err)
		}
		res, err := disp.Initialize(ctx, id, entA, source, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.AlreadyDone || res.Created == 0 {
			t.Errorf("%s: %+v, want a full initialization", id, res)
		}
	}
	for name, dest := range dests {
		n := 0
		for k, err := range storage.Keys(ctx, dest, "") {
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(k, "sink/"+entA+"/") {
				t.Errorf("destination %q holds %s, outside the entity folder", name, k)
			}
			n++
		}
		if n == 0 {
			t.Errorf("destination %q is empty", name)
		}
	}
	parts := map[string]bool{}
	for k, err := range storage.Keys(ctx, state, "") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(k, "destinations/") || !strings.Contains(k, "/sink/_ledgersink/") {
			t.Errorf("state store holds %s, outside a destination's state directory", k)
		}
		parts[strings.SplitN(k, "/", 3)[1]] = true
	}
	if len(parts) != 2 {
		t.Errorf("state store parts %v, want one per destination", parts)
	}
}
