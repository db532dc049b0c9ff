package storage_test

import (
	"errors"
	"fmt"

	"github.com/ledgersink/ledgersink/storage"
)

func ExampleCheckKey() {
	for _, key := range []string{
		"6f1c0e4a/comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json",
		"../../etc/passwd",
		`entity\file.json`,
		"entity//file.json",
		"entity/file.json\x00",
	} {
		err := storage.CheckKey("", key)
		var ke *storage.KeyError
		if errors.As(err, &ke) {
			fmt.Printf("%-10s %s\n", "rejected", ke.Rule)
			continue
		}
		fmt.Printf("%-10s %v\n", "valid", storage.ValidKey(key))
	}
	// Output:
	// valid      true
	// rejected   dot-element
	// rejected   backslash
	// rejected   empty-element
	// rejected   control
}
