package s3store_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/s3store"
)

// A store on an S3-compatible server (here a MinIO-style endpoint) with
// static credentials taken from the environment. On AWS itself, build the
// client from config.LoadDefaultConfig instead (see the package
// documentation). This example needs a server, so it has no output to check.
func Example() {
	ctx := context.Background()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("https://minio.example.internal:9000"),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{
				AccessKeyID:     os.Getenv("S3_ACCESS_KEY_ID"),
				SecretAccessKey: os.Getenv("S3_SECRET_ACCESS_KEY"),
			}, nil
		}),
	})
	store, err := s3store.New(client, "ledger-sink", &s3store.Options{
		Prefix:       "acme/",
		UsePathStyle: true, // most S3-compatible servers need it
	})
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
}

// The store against gofakes3, an in-memory S3-protocol server: create-only
// writes, a missing key, and a listing with the prefix stripped.
func Example_gofakes3() {
	backend := s3mem.New()
	if err := backend.CreateBucket("sink"); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	defer srv.Close()

	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		}),
	})
	store, err := s3store.New(client, "sink", &s3store.Options{Prefix: "acme/"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	create := &storage.PutOptions{IfNotExist: true}
	for _, key := range []string{"e42/b.json", "e42/a.json", "e42/a.json"} {
		err := store.Put(ctx, key, strings.NewReader(`{"n":1}`), create)
		fmt.Printf("put %s: exists=%v err=%v\n", key, errors.Is(err, storage.ErrExist), err != nil)
	}
	_, err = store.Get(ctx, "e42/missing.json")
	fmt.Println("get missing: not exist =", errors.Is(err, storage.ErrNotExist))
	for o, err := range store.List(ctx, "e42/") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(o.Key, o.Size)
	}
	// Output:
	// put e42/b.json: exists=false err=false
	// put e42/a.json: exists=false err=false
	// put e42/a.json: exists=true err=true
	// get missing: not exist = true
	// e42/a.json 7
	// e42/b.json 7
}
