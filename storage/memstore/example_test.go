package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func Example() {
	ctx := context.Background()
	at := time.Date(2024, 1, 30, 15, 17, 20, 0, time.UTC)
	s := memstore.New(&memstore.Options{Now: func() time.Time { return at }})

	_ = storage.WriteAll(ctx, s, "entity-1/b.json", []byte(`{"n":2}`), nil)
	_ = storage.WriteAll(ctx, s, "entity-1/a.json", []byte(`{"n":1}`), nil)
	err := storage.WriteAll(ctx, s, "entity-1/a.json", []byte(`{"n":9}`), &storage.PutOptions{IfNotExist: true})
	fmt.Println(err)

	for o, err := range s.List(ctx, "entity-1/") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(o.Key, o.Size, o.ModTime.Format(time.RFC3339))
	}
	data, _ := storage.ReadAll(ctx, s, "entity-1/a.json")
	fmt.Println(string(data))
	// Output:
	// put "entity-1/a.json": file already exists
	// entity-1/a.json 7 2024-01-30T15:17:20Z
	// entity-1/b.json 7 2024-01-30T15:17:20Z
	// {"n":1}
}
