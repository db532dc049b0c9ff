package capture_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// An intent recorded by an earlier version of the package lists no change
// parts: the sync that completes it joins the two whole snapshots instead,
// and writes the same events.
func TestResumeIntentWithoutChangeParts(t *testing.T) {
	ctx := context.Background()
	ref := memstore.New(nil)
	for _, snap := range [][]*document.Doc{first(), second()} {
		if _, err := newCapture(t, ref, nil).Sync(ctx, seq(snap...), nil); err != nil {
			t.Fatal(err)
		}
	}
	want := readEvents(t, ref)

	mem := memstore.New(nil)
	if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
		t.Fatal(err)
	}
	fs := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Match: func(_ faultstore.Op, key string) bool {
		return strings.HasPrefix(key, entity+"/")
	}})
	if _, err := newCapture(t, fs, nil).Sync(ctx, seq(second()...), nil); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("Sync: %v, want the injected error", err)
	}
	key := "_ledgersink/capture/" + entity + "/intents/00000000000000000002.json"
	data, err := storage.ReadAll(ctx, mem, key)
	if err != nil {
		t.Fatal(err)
	}
	var intent map[string]json.RawMessage
	if err := json.Unmarshal(data, &intent); err != nil {
		t.Fatal(err)
	}
	if _, ok := intent["changes"]; !ok {
		t.Fatalf("intent %s lists no change parts", data)
	}
	delete(intent, "changes")
	if data, err = json.Marshal(intent); err != nil {
		t.Fatal(err)
	}
	if err := storage.WriteAll(ctx, mem, key, data, nil); err != nil {
		t.Fatal(err)
	}

	res, err := newCapture(t, mem, nil).Sync(ctx, seq(second()...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed {
		t.Errorf("Sync = %+v, want the interrupted sync completed", res)
	}
	if diff := cmp.Diff(want, readEvents(t, mem)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	checkReplica(t, mem, newCapture(t, mem, nil))
}

// A key among the snapshot records that is not a record's is damage: the
// stored snapshot cannot be told, and is never taken for "no snapshot".
func TestStrayRecordKey(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"intents", "heads"} {
		t.Run(kind, func(t *testing.T) {
			mem := memstore.New(nil)
			if _, err := newCapture(t, mem, nil).Sync(ctx, seq(first()...), nil); err != nil {
				t.Fatal(err)
			}
			key := "_ledgersink/capture/" + entity + "/" + kind + "/2.json"
			if err := storage.WriteAll(ctx, mem, key, []byte("{}"), nil); err != nil {
				t.Fatal(err)
			}
			c := newCapture(t, mem, nil)
			if _, err := c.Sync(ctx, seq(second()...), nil); !errors.Is(err, capture.ErrDamaged) {
				t.Errorf("Sync: %v, want ErrDamaged", err)
			}
			if kind != "heads" {
				return
			}
			if _, err := c.Generation(ctx); !errors.Is(err, capture.ErrDamaged) {
				t.Errorf("Generation: %v, want ErrDamaged", err)
			}
			for _, err := range c.Headers(ctx) {
				if !errors.Is(err, capture.ErrDamaged) {
					t.Errorf("Headers: %v, want ErrDamaged", err)
				}
				break
			}
		})
	}
}
