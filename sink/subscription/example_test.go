package subscription_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/subscription"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func Example() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }
	folder := memstore.New(nil)
	reg, _ := subscription.NewRegistry(memstore.New(nil), &subscription.RegistryOptions{
		Now:    now,
		Stores: func(name string) (storage.Store, error) { return folder, nil },
	})
	disp := subscription.NewDispatcher(reg, &subscription.DispatcherOptions{Writer: &sink.WriterOptions{Now: now}})

	sub, err := reg.Create(ctx, &subscription.Subscription{
		ID: "partner-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"},
		Entities: []subscription.Entity{{ID: sinktest.DemoEntityID}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(sub.Entities[0].Status)

	source := func(ctx context.Context, entity string) (*sink.Initialization, error) {
		return sinktest.Company(&sinktest.CompanyOptions{EntityID: entity}), nil
	}
	res, err := disp.Initialize(ctx, "partner-1", sinktest.DemoEntityID, source, nil)
	if err != nil {
		panic(err)
	}
	sub, _ = reg.Get(ctx, "partner-1")
	fmt.Println(sub.Entities[0].Status, res.Created, "files")

	changes, _ := sinktest.Changes(sinktest.DemoEntityID)
	d, _ := disp.Dispatch(ctx, changes[0])
	fmt.Println("delivered to", d.Delivered)
	// Output:
	// new
	// ready 33 files
	// delivered to [partner-1]
}

// DispatchBatch reads the registry once for a batch of live events: those
// of a ready entity are delivered, those of a new one held until it is
// initialized.
func ExampleDispatcher_DispatchBatch() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }
	folder := memstore.New(nil)
	reg, _ := subscription.NewRegistry(memstore.New(nil), &subscription.RegistryOptions{
		Now:    now,
		Stores: func(name string) (storage.Store, error) { return folder, nil },
	})
	disp := subscription.NewDispatcher(reg, &subscription.DispatcherOptions{Writer: &sink.WriterOptions{Now: now}})
	if _, err := reg.Create(ctx, &subscription.Subscription{
		ID: "partner-1", Domain: "LOOP", Destination: subscription.Destination{Store: "folder"},
		Entities: []subscription.Entity{{ID: "ent-ready"}, {ID: "ent-new"}},
	}); err != nil {
		panic(err)
	}
	source := func(ctx context.Context, entity string) (*sink.Initialization, error) {
		return sinktest.Company(&sinktest.CompanyOptions{EntityID: entity}), nil
	}
	if _, err := disp.Initialize(ctx, "partner-1", "ent-ready", source, nil); err != nil {
		panic(err)
	}
	live := func(entity string) *sink.Event {
		ev, err := sink.NewInserted(sink.Envelope{Timestamp: sink.Millis(now().Add(time.Hour)), ApplicationID: "app", EntityID: entity, ID: "tp-9"},
			&sink.ThirdParty{Code: "C9", Kind: sink.Customer, Name: "Client 9", Active: true})
		if err != nil {
			panic(err)
		}
		return ev
	}
	ds, err := disp.DispatchBatch(ctx, []*sink.Event{live("ent-ready"), live("ent-new")})
	if err != nil {
		panic(err)
	}
	for _, d := range ds {
		fmt.Println("delivered to", d.Delivered, "held for", d.Held)
	}
	// Output:
	// delivered to [partner-1] held for []
	// delivered to [] held for [partner-1]
}
