package storeutil_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/internal/storeutil"
)

var errService = errors.New("service refused")

func TestErrors(t *testing.T) {
	if err := storeutil.KindErr("put", "k", storage.ErrExist, errService); !errors.Is(err, storage.ErrExist) || !errors.Is(err, errService) {
		t.Errorf("KindErr = %v, want both errors reachable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := storeutil.FailErr(ctx, "put", "k", errService); errors.Is(err, context.Canceled) || !errors.Is(err, errService) {
		t.Errorf("FailErr with a live ctx = %v", err)
	}
	cancel()
	if err := storeutil.FailErr(ctx, "put", "k", errService); !errors.Is(err, context.Canceled) || !errors.Is(err, errService) || err.Key != "k" {
		t.Errorf("FailErr with a cancelled ctx = %v, want both errors reachable", err)
	}
}

func TestCtxReader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := storeutil.CtxReader{Ctx: ctx, R: strings.NewReader("abcdef")}
	buf := make([]byte, 3)
	if n, err := r.Read(buf); n != 3 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Errorf("Read after cancel: %v, want context.Canceled", err)
	}
}

func TestPutBatch(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string]storage.PutOptions{}
	put := func(ctx context.Context, op, key string, data []byte, po storage.PutOptions) *storage.KeyError {
		if op != "putbatch" {
			t.Errorf("op %q, want putbatch", op)
		}
		if key == "fails" {
			return storeutil.KeyErr(op, key, errService)
		}
		mu.Lock()
		got[key] = po
		mu.Unlock()
		return nil
	}
	objs := []storage.BatchObject{{Key: "a"}, {Key: "fails"}, {Key: "b"}}
	err := storeutil.PutBatch(ctx, "", objs, &storage.PutOptions{IfNotExist: true}, 2, put)
	be, ok := errors.AsType[*storage.BatchError](err)
	if !ok || len(be.Errs) != 1 || be.Errs[0].Key != "fails" || !errors.Is(err, errService) {
		t.Fatalf("PutBatch = %v, want a BatchError naming only the failed key", err)
	}
	if len(got) != 2 || !got["a"].IfNotExist || !got["b"].IfNotExist {
		t.Errorf("written %v, want a and b with IfNotExist", got)
	}
	clear(got)
	bad := []storage.BatchObject{{Key: "a"}, {Key: "a"}, {Key: "../x"}}
	if err := storeutil.PutBatch(ctx, "", bad, nil, 2, put); !errors.Is(err, storage.ErrInvalidKey) || len(got) != 0 {
		t.Errorf("PutBatch(repeated and invalid keys) = %v, wrote %v; want ErrInvalidKey and nothing", err, got)
	}
	if err := storeutil.PutBatch(ctx, "", []storage.BatchObject{{Key: "c"}}, nil, 1, put); err != nil || got["c"].IfNotExist {
		t.Errorf("PutBatch(nil opts) = %v, options %+v", err, got["c"])
	}
}

func TestReadBody(t *testing.T) {
	ctx := context.Background()
	data, ke := storeutil.ReadBody(ctx, "put", "k", strings.NewReader("abcdef"), 4)
	if ke != nil || string(data) != "abcd" {
		t.Errorf("ReadBody(limit 4) = %q, %v", data, ke)
	}
	_, ke = storeutil.ReadBody(ctx, "put", "k", io.MultiReader(strings.NewReader("ab"), iotestErr{}), 10)
	if ke == nil || ke.Op != "put" || ke.Key != "k" || !errors.Is(ke, errService) {
		t.Errorf("ReadBody of a failing reader = %v, want a KeyError wrapping its error", ke)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, ke := storeutil.ReadBody(cctx, "put", "k", strings.NewReader("ab"), 10); ke == nil || !errors.Is(ke, context.Canceled) {
		t.Errorf("ReadBody with a cancelled ctx = %v", ke)
	}
	if got := storeutil.Opts(nil); got != (storage.PutOptions{}) {
		t.Errorf("Opts(nil) = %+v", got)
	}
}

// iotestErr is a reader failing with errService.
type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errService }
