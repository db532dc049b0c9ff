package faultstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// writeOnce is an idempotent writer: a create-only Put, and on ErrExist a
// comparison with what is stored, so that a retry after a lost
// acknowledgement succeeds and a real conflict is reported.
func writeOnce(ctx context.Context, s storage.Store, key string, data []byte) error {
	err := storage.WriteAll(ctx, s, key, data, &storage.PutOptions{IfNotExist: true})
	if !errors.Is(err, storage.ErrExist) {
		return err
	}
	stored, rerr := storage.ReadAll(ctx, s, key)
	if rerr != nil {
		return rerr
	}
	if !bytes.Equal(stored, data) {
		return fmt.Errorf("conflict: %s holds other bytes", key)
	}
	return nil // written by the attempt whose acknowledgement was lost
}

// Example proves that writeOnce survives a lost acknowledgement: the first
// Put of each event file reaches the store but reports a failure, and the
// retry neither duplicates nor fails.
func Example() {
	ctx := context.Background()
	mem := memstore.New(nil)
	s := faultstore.New(mem, faultstore.Rule{
		Op:    faultstore.OpPut,
		Key:   "entity-1/*.json",
		Mode:  faultstore.FailAfter, // the write commits, the caller sees an error
		Times: 1,
	})

	data := []byte(`{"id":"1"}`)
	err := writeOnce(ctx, s, "entity-1/event-1.json", data)
	fmt.Println("first attempt:", err)
	fmt.Println("retry:", writeOnce(ctx, s, "entity-1/event-1.json", data))
	fmt.Println("conflict:", writeOnce(ctx, s, "entity-1/event-1.json", []byte(`{"id":"2"}`)) != nil)

	n := 0
	for _, err := range mem.List(ctx, "") {
		if err == nil {
			n++
		}
	}
	fmt.Println("objects stored:", n, "faults injected:", s.Faults())
	// Output:
	// first attempt: put "entity-1/event-1.json": faultstore: injected fault
	// retry: <nil>
	// conflict: true
	// objects stored: 1 faults injected: 1
}

// ExampleRule_during checks that a store leaves nothing behind when the data
// stream breaks midway: the wrapped store receives a reader that fails after
// 4 bytes.
func ExampleRule_during() {
	ctx := context.Background()
	mem := memstore.New(nil)
	s := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Mode: faultstore.FailDuring, After: 4})

	err := storage.WriteAll(ctx, s, "report.json", []byte(`{"complete":true}`), nil)
	fmt.Println(errors.Is(err, faultstore.ErrInjected))
	ok, _ := storage.Exists(ctx, mem, "report.json")
	fmt.Println("partial object visible:", ok)
	// Output:
	// true
	// partial object visible: false
}
