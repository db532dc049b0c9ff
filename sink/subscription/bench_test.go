package subscription_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/subscription"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

// benchSubscriptions and benchEntities size the registry of the dispatch
// benchmarks: every subscription holds every entity, ready.
const (
	benchSubscriptions = 10
	benchEntities      = 10
	benchBatch         = 100
)

// benchDispatcher returns a dispatcher whose registry and destinations live
// in filestores under b's temporary directory.
func benchDispatcher(b *testing.B) *subscription.Dispatcher {
	b.Helper()
	ctx := context.Background()
	open := func() storage.Store {
		s, err := filestore.New(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	dests := map[string]storage.Store{}
	reg, err := subscription.NewRegistry(open(), &subscription.RegistryOptions{
		Stores: func(name string) (storage.Store, error) { return dests[name], nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	disp := subscription.NewDispatcher(reg, nil)
	empty := func(_ context.Context, entity string) (*sink.Initialization, error) {
		return &sink.Initialization{EntityID: entity, ApplicationID: "bench"}, nil
	}
	for i := range benchSubscriptions {
		name := fmt.Sprint("dest-", i)
		dests[name] = open()
		s := &subscription.Subscription{ID: fmt.Sprint("sub-", i), Domain: "LOOP", Destination: subscription.Destination{Store: name}}
		for e := range benchEntities {
			s.Entities = append(s.Entities, subscription.Entity{ID: fmt.Sprint("ent-", e)})
		}
		if _, err := reg.Create(ctx, s); err != nil {
			b.Fatal(err)
		}
		for e := range benchEntities {
			if _, err := disp.Initialize(ctx, s.ID, fmt.Sprint("ent-", e), empty, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	return disp
}

// benchEvents returns n live third-party events spread over the entities.
func benchEvents(n int) []*sink.Event {
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	evs := make([]*sink.Event, n)
	for i := range evs {
		evs[i] = liveEvent(fmt.Sprint("ent-", i%benchEntities), fmt.Sprint("live-", i), at.Add(time.Duration(i)*time.Millisecond))
	}
	return evs
}

// BenchmarkDispatch delivers batches of 100 live events to 10 subscriptions
// that all hold the events' entities ready (1,000 files per op), in
// filestores: one Dispatch per event, then one DispatchBatch. The ceiling
// marshals each event with encoding/json and writes it with os.WriteFile
// into each destination folder: no registry, no offsets, no create-only.
func BenchmarkDispatch(b *testing.B) {
	ctx := context.Background()
	evs := benchEvents(benchBatch)
	b.Run("one-by-one", func(b *testing.B) {
		disp := benchDispatcher(b)
		for b.Loop() {
			for _, ev := range evs {
				if _, err := disp.Dispatch(ctx, ev); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*benchBatch*benchSubscriptions)/b.Elapsed().Seconds(), "files/s")
	})
	b.Run("batch", func(b *testing.B) {
		disp := benchDispatcher(b)
		for b.Loop() {
			if _, err := disp.DispatchBatch(ctx, evs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch*benchSubscriptions)/b.Elapsed().Seconds(), "files/s")
	})
	b.Run("ceiling", func(b *testing.B) {
		root := b.TempDir()
		for s := range benchSubscriptions {
			for e := range benchEntities {
				if err := os.MkdirAll(filepath.Join(root, fmt.Sprint("dest-", s), fmt.Sprint("ent-", e)), 0o755); err != nil {
					b.Fatal(err)
				}
			}
		}
		n := 0
		for b.Loop() {
			for _, ev := range evs {
				data, err := json.Marshal(ev.Data)
				if err != nil {
					b.Fatal(err)
				}
				for s := range benchSubscriptions {
					n++
					name := filepath.Join(root, fmt.Sprint("dest-", s), ev.EntityID, fmt.Sprint(n, ".json"))
					if err := os.WriteFile(name, data, 0o644); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		b.ReportMetric(float64(b.N*benchBatch*benchSubscriptions)/b.Elapsed().Seconds(), "files/s")
	})
}
