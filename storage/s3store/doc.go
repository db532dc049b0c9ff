// Package s3store is a [storage.Store] kept in an Amazon S3 bucket, or in
// any server that speaks the S3 protocol (MinIO, Ceph RGW, Cloudflare R2,
// ...), through the AWS SDK for Go v2.
//
// It lives in its own Go module, github.com/ledgersink/ledgersink/storage/s3store,
// so that programs that do not write to S3 do not depend on the AWS SDK.
//
// # Constructing a store
//
// New takes an *s3.Client that the caller configures, so credentials,
// region, retries, HTTP client and endpoint are all the SDK's usual ones.
// With the AWS configuration chain (environment, shared files, SSO, IAM role;
// module github.com/aws/aws-sdk-go-v2/config):
//
//	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-west-3"))
//	if err != nil { ... }
//	store, err := s3store.New(s3.NewFromConfig(cfg), "acme-ledger-sink", &s3store.Options{
//		Prefix: "sink/",
//	})
//
// For an S3-compatible server, set the endpoint on the client
// (s3.Options.BaseEndpoint) and, as most such servers need, path-style
// addressing: either s3.Options.UsePathStyle on the client or
// [Options.UsePathStyle] on the store. See the package example.
//
// The credentials need s3:PutObject, s3:GetObject, s3:ListBucket (for List
// and for Delete's existence check: without it S3 answers 403, not 404, for a
// missing key) and s3:DeleteObject on the bucket and prefix.
//
// # Keys and prefix
//
// Keys follow the rules of [storage.CheckKey] and are checked before any
// request. The object name in the bucket is [Options.Prefix] followed by the
// key, so "tenant-42/" + "e1/file.json" is stored as
// "tenant-42/e1/file.json"; List strips the prefix again. S3 limits names to
// 1024 bytes, so under a prefix keys may be at most 1024 − len(prefix)
// bytes; longer ones fail with [storage.RuleLength]. Objects in the bucket
// whose names are not valid keys (written by other tools) are not listed.
//
// # What is atomic
//
// Put sends one PutObject request, which S3 applies atomically: readers see
// the old object or the whole new one, never a part. To send one request Put
// first reads its reader to the end into memory (up to
// [Options.MaxObjectSize], 5 GiB by default): a reader that fails midway
// stores nothing, and memory use is the object's size. This suits the SDK's
// event files and reports; it is not meant for multi-gigabyte exports
// (S3's multipart uploads, with their own commit, are not used).
//
// Create-only writes (storage.PutOptions.IfNotExist) are enforced by S3
// itself with a conditional write (If-None-Match: *, supported by S3 since
// August 2024): of concurrent create-only Puts of one key exactly one
// succeeds, the others get [storage.ErrExist]. S3-compatible servers that
// ignore If-None-Match silently overwrite: check yours before relying on
// create-only writes.
//
// Delete is not atomic with respect to its existence check: S3's
// DeleteObject succeeds on missing keys, so Delete first asks HeadObject to
// report [storage.ErrNotExist]; a concurrent Delete or Put of the same key
// between the two requests goes unnoticed.
//
// PutBatch (the optional [storage.Batcher] interface, used by
// [storage.PutBatch]) sends several PutObject requests at once; each object
// is atomic, the batch is not.
//
// # Consistency
//
// Amazon S3 has been strongly consistent since December 2020: a List or Get
// after a successful Put or Delete sees its effect. Other servers may be
// only eventually consistent: there, a List right after a write may miss
// it.
//
// # Errors
//
// Every method checks its key first (an error matching
// [storage.ErrInvalidKey]) and its context. Other failures are
// *storage.KeyError values naming the operation and key; their Err wraps
// [storage.ErrNotExist] or [storage.ErrExist] where they apply, ctx.Err()
// when the context is done, and the SDK's own error, so that errors.As finds
// smithy.APIError, *types.NoSuchKey and the like. A missing bucket is not
// ErrNotExist, except for Delete, whose HeadObject cannot tell the two apart.
//
// A Store is safe for concurrent use by multiple goroutines.
package s3store
