package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

func Example() {
	dir, err := os.MkdirTemp("", "filestore-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := filestore.New(dir, &filestore.Options{Sync: true})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	// A durable group commit of two event files, create-only.
	create := &storage.PutOptions{IfNotExist: true}
	err = storage.PutBatch(ctx, s, []storage.BatchObject{
		{Key: "entity-1/event-1.json", Data: []byte(`{"n":1}`)},
		{Key: "entity-1/event-2.json", Data: []byte(`{"n":2}`)},
	}, create)
	fmt.Println("batch:", err)

	// Writing one again is refused; the file on disk is untouched.
	err = storage.WriteAll(ctx, s, "entity-1/event-1.json", []byte(`{"n":9}`), create)
	fmt.Println("again:", errors.Is(err, storage.ErrExist))

	// Keys that would leave the root are refused before any I/O.
	err = storage.WriteAll(ctx, s, "../outside.json", nil, nil)
	fmt.Println("escape:", errors.Is(err, storage.ErrInvalidKey))

	for key, err := range storage.Keys(ctx, s, "entity-1/") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(key)
	}
	// Output:
	// batch: <nil>
	// again: true
	// escape: true
	// entity-1/event-1.json
	// entity-1/event-2.json
}
