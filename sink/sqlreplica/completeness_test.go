package sqlreplica_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
)

// testCompleteness: the daily report check runs against the files the
// replica applied: nothing missing after a full sync, and the lost file
// named when one never arrived.
func testCompleteness(t *testing.T, b backend) {
	ctx := context.Background()
	now := time.Date(2024, 2, 2, 8, 0, 0, 0, time.UTC)
	for _, lose := range []bool{false, true} {
		store := quickstartSink(t)
		var lost string
		if lose {
			for key, err := range store.List(ctx, sinktest.DemoEntityID+"/") {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(key.Key, string(sink.AccountUpdated)) {
					lost = key.Key
				}
			}
			if err := store.Delete(ctx, lost); err != nil {
				t.Fatal(err)
			}
		}
		rd, err := sink.NewReader(store, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := b.open(t)
		if _, err := r.Sync(ctx, rd, nil, nil); err != nil {
			t.Fatal(err)
		}
		pages, err := rd.DailyReports(ctx, sinktest.DemoEntityID)
		if err != nil || len(pages) == 0 {
			t.Fatalf("daily reports: %d pages, %v", len(pages), err)
		}
		check, err := sink.CheckDaily("", pages, r.Received(ctx, sinktest.DemoEntityID), now)
		if err != nil {
			t.Fatal(err)
		}
		if check.Expected == 0 {
			t.Fatalf("the daily report lists nothing")
		}
		switch {
		case !lose && len(check.Missing) != 0:
			t.Errorf("after a full sync, missing: %+v", check.Missing)
		case lose && (len(check.Missing) != 1 || check.Missing[0].Event != sink.AccountUpdated || check.Missing[0].ID != "acc-601000"):
			t.Errorf("with %s lost, missing: %+v; want the account's update", lost, check.Missing)
		}
	}
}

// testInitCompleteness: the initialization check runs against the files the
// replica applied: complete after a full sync, one account missing when
// one file of the initialization never arrived.
func testInitCompleteness(t *testing.T, b backend) {
	ctx := context.Background()
	for _, lose := range []bool{false, true} {
		store := quickstartSink(t)
		if lose {
			for o, err := range store.List(ctx, sinktest.DemoEntityID+"/") {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(o.Key, string(sink.AccountInserted)) {
					if err := store.Delete(ctx, o.Key); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
		}
		rd, err := sink.NewReader(store, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := b.open(t)
		if _, err := r.Sync(ctx, rd, nil, nil); err != nil {
			t.Fatal(err)
		}
		rep, err := rd.InitReport(ctx, sinktest.DemoEntityID)
		if err != nil {
			t.Fatal(err)
		}
		check, err := sink.CheckInit(rep, r.Items(ctx, sinktest.DemoEntityID))
		if err != nil {
			t.Fatal(err)
		}
		want := int64(0)
		if lose {
			want = 1
		}
		if check.Missing() != want || check.UnknownKind != 0 {
			t.Errorf("lose=%v: %d missing, %d of unknown kind; want %d and 0: %+v", lose, check.Missing(), check.UnknownKind, want, check.Rows)
		}
		direct, err := rd.CheckInitialization(ctx, sinktest.DemoEntityID)
		if err != nil {
			t.Fatal(err)
		}
		if direct.Missing() != check.Missing() {
			t.Errorf("lose=%v: the replica's check says %d missing, the folder's %d", lose, check.Missing(), direct.Missing())
		}
	}
}
