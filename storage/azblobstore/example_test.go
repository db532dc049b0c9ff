package azblobstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/azblobstore"
)

// A store in an existing container, authenticated with the storage
// account's key. With Microsoft Entra ID, use container.NewClient and an
// azidentity credential instead (see the package documentation). This
// example needs an account, so it has no output to check; the package's
// tests run the same calls against Azurite.
func Example() {
	ctx := context.Background()
	account := os.Getenv("AZURE_STORAGE_ACCOUNT")
	cred, err := container.NewSharedKeyCredential(account, os.Getenv("AZURE_STORAGE_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	client, err := container.NewClientWithSharedKeyCredential(
		"https://"+account+".blob.core.windows.net/ledger-sink", cred, nil)
	if err != nil {
		log.Fatal(err)
	}
	store, err := azblobstore.New(client, &azblobstore.Options{Prefix: "acme/"})
	if err != nil {
		log.Fatal(err)
	}
	err = store.Put(ctx, "e42/report.json", strings.NewReader(`{"ok":true}`),
		&storage.PutOptions{IfNotExist: true, ContentType: "application/json"})
	if errors.Is(err, storage.ErrExist) {
		fmt.Println("already written")
	} else if err != nil {
		log.Fatal(err)
	}
	for o, err := range store.List(ctx, "e42/") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(o.Key, o.Size, o.ModTime)
	}
}
