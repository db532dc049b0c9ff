package storage_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// ExamplePutBatch writes a batch create-only, twice: the retry commits
// nothing new and names each key that already existed.
func ExamplePutBatch() {
	ctx := context.Background()
	s := memstore.New(nil)
	batch := []storage.BatchObject{
		{Key: "e/1.json", Data: []byte(`{"n":1}`)},
		{Key: "e/2.json", Data: []byte(`{"n":2}`)},
	}
	create := &storage.PutOptions{IfNotExist: true}
	fmt.Println(storage.PutBatch(ctx, s, batch, create))

	batch = append(batch, storage.BatchObject{Key: "e/3.json", Data: []byte(`{"n":3}`)})
	err := storage.PutBatch(ctx, s, batch, create)
	var be *storage.BatchError
	if errors.As(err, &be) {
		fmt.Println("not committed:", be.Keys(), errors.Is(err, storage.ErrExist))
	}
	ok, _ := storage.Exists(ctx, s, "e/3.json")
	fmt.Println("e/3.json committed:", ok)
	// Output:
	// <nil>
	// not committed: [e/1.json e/2.json] true
	// e/3.json committed: true
}
