package capture_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func Example() {
	ctx := context.Background()
	store := memstore.New(nil)
	clock := func() time.Time { return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) }
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: clock})
	c, err := capture.New(capture.Config{Store: store, Writer: w, EntityID: sinktest.DemoEntityID, ApplicationID: sinktest.DemoApplicationID},
		&capture.Options{Now: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	poll := func(label string, ids ...string) func(func(*document.Doc, error) bool) {
		return func(yield func(*document.Doc, error) bool) {
			for _, id := range ids {
				d := &document.Doc{Type: "account", ID: id, Version: label, Data: &sink.Account{Number: id, Label: label, Type: 1}}
				if !yield(d, nil) {
					return
				}
			}
		}
	}
	res, _ := c.Sync(ctx, poll("v1", "401000", "411000", "512000"), nil)
	fmt.Printf("sync %d: %d inserted\n", res.Generation, res.Inserted)
	res, _ = c.Sync(ctx, poll("v2", "401000", "411000", "512000"), nil)
	fmt.Printf("sync %d: %d updated, %d events\n", res.Generation, res.Updated, res.Events)

	// A poll that lost most documents is refused.
	_, err = c.Sync(ctx, poll("v2", "401000"), nil)
	fmt.Println(errors.Is(err, capture.ErrTooManyDeletes), err)

	r, _ := sink.NewReader(store, nil)
	for it, err := range r.Read(ctx, sinktest.DemoEntityID, nil).All() {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(it.Event.Name, it.Event.ID, it.Event.Changed)
	}
	// Output:
	// sync 1: 3 inserted
	// sync 2: 3 updated, 3 events
	// true capture: snapshot deletes 2 of 3 stored documents, more than 50% (pass SyncOptions.Force if that is right)
	// comptaCompteInserted 401000 []
	// comptaCompteInserted 411000 []
	// comptaCompteInserted 512000 []
	// comptaCompteUpdated 401000 [libelle]
	// comptaCompteUpdated 411000 [libelle]
	// comptaCompteUpdated 512000 [libelle]
}
