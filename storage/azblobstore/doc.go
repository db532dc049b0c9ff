// Package azblobstore is a [storage.Store] kept in an Azure Blob Storage
// container, as block blobs, through the Azure SDK for Go
// (github.com/Azure/azure-sdk-for-go/sdk/storage/azblob).
//
// It lives in its own Go module,
// github.com/ledgersink/ledgersink/storage/azblobstore, so that programs that
// do not write to Azure do not depend on the Azure SDK.
//
// # Constructing a store
//
// New takes a *container.Client that the caller configures, so
// credentials, retries, HTTP client and endpoint are the SDK's usual ones.
// With Microsoft Entra ID (module github.com/Azure/azure-sdk-for-go/sdk/azidentity):
//
//	cred, err := azidentity.NewDefaultAzureCredential(nil)
//	if err != nil { ... }
//	client, err := container.NewClient("https://acme.blob.core.windows.net/ledger-sink", cred, nil)
//	if err != nil { ... }
//	store, err := azblobstore.New(client, &azblobstore.Options{Prefix: "sink/"})
//
// The identity needs the "Storage Blob Data Contributor" role (or read,
// write, delete and list data actions) on the container. An account key
// ([container.NewClientWithSharedKeyCredential]) or a container SAS URL
// ([container.NewClientWithNoCredential]) work as well; see the package
// example. The container must exist: New makes no request and creates
// nothing.
//
// # Keys and prefix
//
// Keys follow the rules of [storage.CheckKey] and are checked before any
// request. The blob name is [Options.Prefix] followed by the key, so
// "tenant-42/" + "e1/file.json" is stored as "tenant-42/e1/file.json"; List
// strips the prefix again. Blob names are limited to 1024 characters; the
// store bounds prefix plus key to 1024 bytes, so under a prefix keys may be
// at most 1024 − len(prefix) bytes, and longer ones fail with
// [storage.RuleLength]. Blobs whose names are not valid keys (written by
// other tools) are not listed.
//
// # What is atomic
//
// A block blob changes in one step on the service. Put reads up to
// [Options.BlockSize] bytes (4 MiB by default) from its reader: an object
// that fits is sent with one Put Blob request; a larger one is streamed as
// blocks (Put Block) and committed with one Put Block List. Either way a
// reader that fails midway, or a cancelled context, leaves the previous blob
// (or no blob) as it was, and readers never see a part of the new one.
// Staged blocks that are never committed are invisible and the service
// deletes them after a week.
//
// Create-only writes (storage.PutOptions.IfNotExist) are enforced by the
// service: the committing request carries If-None-Match: *, so of concurrent
// create-only Puts of one key exactly one succeeds and the others get
// [storage.ErrExist]. Delete is one Delete Blob request (snapshots
// included), and the service itself reports a missing blob, given as
// [storage.ErrNotExist].
//
// PutBatch (the optional [storage.Batcher] interface, used by
// [storage.PutBatch]) uploads several blobs at once; each blob is atomic,
// the batch is not.
//
// # Consistency and order
//
// Azure Blob Storage is strongly consistent: a Get or List after a
// successful Put or Delete sees its effect. List yields keys in byte order;
// the service's own order agrees with it except for names mixing characters
// U+E000–U+FFFF and characters above U+FFFF at the same position (see
// [Store.List]).
//
// # Errors
//
// Every method checks its key first (an error matching
// [storage.ErrInvalidKey]) and its context. Other failures are
// *storage.KeyError values naming the operation and key; their Err wraps
// [storage.ErrNotExist] or [storage.ErrExist] where they apply, ctx.Err()
// when the context is done, and the SDK's own error, so that errors.As finds
// *azcore.ResponseError and bloberror.HasCode works. A missing container is
// never ErrNotExist (ContainerNotFound is a configuration error).
//
// A Store is safe for concurrent use by multiple goroutines.
package azblobstore
