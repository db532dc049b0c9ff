package sink_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

var checkTime = time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC)

func initialized(t *testing.T) *memstore.Store {
	t.Helper()
	store := memstore.New(nil)
	if _, err := initialize(t, store, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	return store
}

func TestCheckComplete(t *testing.T) {
	r, _ := sink.NewReader(initialized(t), nil)
	c, err := r.Check(context.Background(), entity, checkTime)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Complete() || c.Events != 33 || c.Init.Missing() != 0 || len(c.Init.Rows) != 14 {
		t.Errorf("check %+v, init %+v: want complete, 33 events, 14 rows", c, c.Init)
	}
	var tiers []sink.ThirdPartyKind
	for _, row := range c.Init.Rows {
		if row.Schema == sink.ThirdPartyInserted {
			tiers = append(tiers, *row.Kind)
		}
		if row.Found != row.Expected {
			t.Errorf("row %s: found %d, expected %d", row.Schema, row.Found, row.Expected)
		}
	}
	if len(tiers) != 4 || tiers[0] != sink.Customer || tiers[3] != sink.Other {
		t.Errorf("third-party rows of kinds %v, want customer, supplier, employee, other", tiers)
	}
}

// A lost file of the initialization: the initialization report still says
// 9 accounts, 8 arrive, and the check must say so.
func TestIssue13LostInitializationFile(t *testing.T) {
	ctx := context.Background()
	store := initialized(t)
	for key, err := range storage.Keys(ctx, store, entity+"/") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(key, string(sink.AccountInserted)) {
			if err := store.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	r, _ := sink.NewReader(store, nil)
	for _, check := range []func() (*sink.InitCheck, error){
		func() (*sink.InitCheck, error) { return r.CheckInitialization(ctx, entity) },
		func() (*sink.InitCheck, error) {
			c, err := r.Check(ctx, entity, checkTime)
			if err != nil {
				return nil, err
			}
			if c.Complete() {
				t.Error("Check says complete with a file of the initialization lost")
			}
			return c.Init, nil
		},
	} {
		ic, err := check()
		if err != nil {
			t.Fatal(err)
		}
		if ic.Missing() != 1 {
			t.Errorf("%d missing, want 1", ic.Missing())
		}
		for _, row := range ic.Rows {
			if row.Schema == sink.AccountInserted && (row.Expected != 9 || row.Found != 8) {
				t.Errorf("accounts: expected %d, found %d; want 9 and 8", row.Expected, row.Found)
			}
		}
	}
}

func TestCheckErrors(t *testing.T) {
	ctx := context.Background()
	store := initialized(t)
	put(t, store, entity+"/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-90-2024-02-01T08:00:00.000Z.json", "junk")
	r, _ := sink.NewReader(store, nil)
	c, err := r.Check(ctx, entity, checkTime)
	if err != nil {
		t.Fatal(err)
	}
	if c.Complete() || len(c.Unreadable) != 1 {
		t.Errorf("unreadable %v, complete %v: want the junk file listed and the check incomplete", c.Unreadable, c.Complete())
	}
	if _, err := r.Check(ctx, "mistyped", checkTime); !errors.Is(err, sink.ErrEntity) {
		t.Errorf("an entity without files: %v, want ErrEntity", err)
	}
	empty, _ := sink.NewReader(memstore.New(nil), nil)
	if _, err := empty.CheckInitialization(ctx, entity); !errors.Is(err, sink.ErrNoInitialization) {
		t.Errorf("no report: %v, want ErrNoInitialization", err)
	}
}
