package sqlreplica_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/sink/sqlreplica"
	"github.com/shopspring/decimal"
)

// item builds an item of entity demo for ev, with a key of its own.
func item(ev *sink.Event, offset int64) *sink.Item {
	f := sink.FileName{Event: ev.Name, Offset: offset, Time: time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC)}
	return &sink.Item{Key: sink.Key(ev.EntityID, f), File: f, Event: ev}
}

// unbalanced returns an entry insertion whose debit and credit differ.
func unbalanced(id string) *sink.Event {
	e := sinktest.Entry(id, 2024, 7)
	e.Movements[0].Value = entry.NewCredit(decimal.RequireFromString("1.00"))
	return &sink.Event{Name: sink.EntryInserted, Envelope: sink.Envelope{Timestamp: sinktest.ChangedAt,
		ApplicationID: sinktest.DemoApplicationID, EntityID: sinktest.DemoEntityID, ID: id}, Data: e}
}

// testProblems: an event the replica cannot apply is reported with its key
// and reason, recorded as rejected, and the others go on; a second run
// does not apply or report it again; StopOnProblem ends the call with it
// and rolls its batch back.
func testProblems(t *testing.T, b backend) {
	ctx := context.Background()
	items := readAll(t, quickstartSink(t), sinktest.DemoEntityID)
	bad := item(unbalanced("ecr-bad"), 1000)
	all := slices.Insert(slices.Clone(items), 12, bad)

	r, db := b.open(t)
	res, err := r.Apply(ctx, seqOf(all), &sqlreplica.ApplyOptions{BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected != 1 || res.Applied+res.Unchanged != len(items) || len(res.Problems) != 1 {
		t.Fatalf("Apply: %+v, want one rejected and the %d others applied", res, len(items))
	}
	p := res.Problems[0]
	if p.Key != bad.Key || p.Event != sink.EntryInserted || p.ID != "ecr-bad" || !errors.Is(p.Err, entry.ErrUnbalanced) {
		t.Errorf("problem %v; want the key %s, the event, the id and a cause matching entry.ErrUnbalanced", p, bad.Key)
	}
	if got := queryString(t, db, "SELECT outcome FROM replica_files WHERE object_id = 'ecr-bad'"); got != "rejected" {
		t.Errorf("the bad file is recorded as %q, want rejected", got)
	}
	if got := queryString(t, db, "SELECT reason FROM replica_files WHERE object_id = 'ecr-bad'"); got != p.Err.Error() {
		t.Errorf("the bad file's reason is %q, want %q", got, p.Err.Error())
	}
	if n := queryInt(t, db, "SELECT count(*) FROM entries WHERE id = 'ecr-bad'"); n != 0 {
		t.Errorf("the rejected entry is in the entries table")
	}
	if n := queryInt(t, db, "SELECT rejected FROM replica_entities"); n != 1 {
		t.Errorf("replica_entities counts %d rejected, want 1", n)
	}
	again, err := r.Apply(ctx, seqOf(all), nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.New() != 0 || again.Done != len(all) || len(again.Problems) != 0 {
		t.Errorf("second Apply: %+v, want every file done before and no problem", again)
	}

	t.Run("unknown event", func(t *testing.T) {
		r, db := b.open(t)
		odd := item(&sink.Event{Name: "comptaInconnuInserted", Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a",
			EntityID: sinktest.DemoEntityID, ID: "x"}}, 77)
		res, err := r.Apply(ctx, seqOf([]*sink.Item{items[0], odd, items[1]}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rejected != 1 || res.Applied != 2 || len(res.Problems) != 1 || res.Problems[0].Key != odd.Key || !errors.Is(res.Problems[0], sink.ErrPayload) {
			t.Errorf("Apply: %+v, want the unknown event rejected and the two others applied", res)
		}
		if got := queryString(t, db, "SELECT outcome FROM replica_files WHERE object_id = 'x'"); got != "rejected" {
			t.Errorf("the unknown event is recorded as %q, want rejected", got)
		}
	})

	t.Run("StopOnProblem", func(t *testing.T) {
		r, db := b.open(t)
		res, err := r.Apply(ctx, seqOf(all), &sqlreplica.ApplyOptions{BatchSize: 10, StopOnProblem: true})
		var p *sqlreplica.Problem
		if !errors.As(err, &p) || p.Key != bad.Key || !errors.Is(err, entry.ErrUnbalanced) {
			t.Fatalf("Apply = %v, want the bad file's *Problem", err)
		}
		if res.New() != 10 {
			t.Errorf("Apply counted %d files, want the first batch's 10", res.New())
		}
		if n := queryInt(t, db, "SELECT count(*) FROM replica_files"); n != 10 {
			t.Errorf("%d files recorded; want the 10 of the batch before the problem's", n)
		}
	})

	t.Run("unreadable", func(t *testing.T) {
		store := quickstartSink(t)
		var junk string
		for obj, err := range store.List(ctx, sinktest.DemoEntityID+"/") {
			if err != nil {
				t.Fatal(err)
			}
			if junk == "" && strings.Contains(obj.Key, string(sink.AccountInserted)) {
				junk = obj.Key
			}
		}
		if err := store.Put(ctx, junk, strings.NewReader(`{"timestamp":`), nil); err != nil {
			t.Fatal(err)
		}
		rd, err := sink.NewReader(store, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, db := b.open(t)
		for run := range 2 {
			res, err := r.Sync(ctx, rd, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Unreadable != 1 || len(res.Problems) != 1 || res.Problems[0].Key != junk || !errors.Is(res.Problems[0], sink.ErrPayload) {
				t.Fatalf("run %d: %+v; want the junk file %s reported as unreadable", run, res, junk)
			}
			if n := queryInt(t, db, "SELECT count(*) FROM replica_files WHERE file_key = '"+junk+"'"); n != 0 {
				t.Errorf("run %d: the unreadable file is recorded: it would never be read again", run)
			}
			if run == 1 && res.New() != 0 {
				t.Errorf("second run applied %d files, want none", res.New())
			}
		}
		if n := queryInt(t, db, "SELECT count(*) FROM accounts"); n != 8 {
			t.Errorf("%d accounts, want the 8 readable ones", n)
		}
		res, err := r.Sync(ctx, rd, nil, &sqlreplica.ApplyOptions{StopOnProblem: true})
		var p *sqlreplica.Problem
		if !errors.As(err, &p) || p.Key != junk || res.Unreadable != 1 {
			t.Errorf("with StopOnProblem: %v, want the junk file's problem", err)
		}
	})

	t.Run("amounts", func(t *testing.T) {
		r, db := b.open(t)
		ev := unbalanced("ecr-mills")
		e := sinktest.Entry("ecr-mills", 2024, 7)
		e.Movements[1].Value = entry.NewDebit(e.Movements[1].Value.Debit.Add(decimal.RequireFromString("0.005")))
		e.Movements[2].Value = entry.NewDebit(e.Movements[2].Value.Debit.Sub(decimal.RequireFromString("0.005")))
		ev.Data = e
		res, err := r.Apply(ctx, seqOf([]*sink.Item{item(ev, 1)}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if b.dialect == sqlreplica.SQLite {
			// Hundredths cannot hold it: said, not rounded.
			if res.Rejected != 1 || !errors.Is(res.Problems[0], sqlreplica.ErrAmount) {
				t.Errorf("Apply: %+v, want the entry rejected with ErrAmount", res)
			}
			return
		}
		if res.Applied != 1 {
			t.Fatalf("Apply: %+v, want the entry applied", res)
		}
		got := queryString(t, db, "SELECT CAST(sum(debit) AS TEXT) FROM movements WHERE entry_id = 'ecr-mills' AND position = 1")
		if want := e.Movements[1].Value.Debit.String(); got != want {
			t.Errorf("debit %s, want %s exactly", got, want)
		}
	})
}

// testCancel: cancelling the context between batches ends Apply with the
// context's error; the batches committed stay, and a new run completes.
func testCancel(t *testing.T, b backend) {
	items := readAll(t, quickstartSink(t), sinktest.DemoEntityID)
	r, db := b.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := r.Apply(ctx, seqOf(items), &sqlreplica.ApplyOptions{BatchSize: 10, Progress: func(sqlreplica.Progress) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply = %v, want context.Canceled", err)
	}
	if res.New() != 10 || queryInt(t, db, "SELECT count(*) FROM replica_files") != 10 {
		t.Errorf("cancelled after the first batch: %+v counted, want 10 files applied and recorded", res.Counts)
	}
	res, err = r.Apply(context.Background(), seqOf(items), nil)
	if err != nil || res.Done != 10 || res.New() != len(items)-10 {
		t.Errorf("the run after: %+v, %v; want the 10 done skipped and the rest applied", res, err)
	}
}

// testConcurrent: two replicas on one database applying the same events
// at once apply each file once and end as one run does.
func testConcurrent(t *testing.T, b backend) {
	ctx := context.Background()
	items := readAll(t, quickstartSink(t), sinktest.DemoEntityID)
	ref, refDB := b.open(t)
	if _, err := ref.Apply(ctx, seqOf(items), nil); err != nil {
		t.Fatal(err)
	}
	want := dump(t, refDB, objectTables...)

	db, dsn := b.newDBAt(t)
	if _, err := sqlreplica.Open(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*sqlreplica.Result, 2)
	errs := make([]error, 2)
	for i := range 2 {
		other := b.openDSN(t, dsn) // as another process would
		order := slices.Clone(items)
		if i == 1 {
			slices.Reverse(order)
		}
		wg.Go(func() {
			r, err := sqlreplica.Open(ctx, other, nil)
			if err != nil {
				errs[i] = err
				return
			}
			results[i], errs[i] = r.Apply(ctx, seqOf(order), &sqlreplica.ApplyOptions{BatchSize: 4})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if n := results[0].New() + results[1].New(); n != len(items) || results[0].Done+results[1].Done != len(items) {
		t.Errorf("the two runs applied %d files and skipped %d, want each of the %d once", n, results[0].Done+results[1].Done, len(items))
	}
	if got := dump(t, db, objectTables...); got != want {
		t.Errorf("concurrent runs end in another database (+got -want):\n%s", diffLines(got, want))
	}
}

// testOrder: any delivery order of the same files, with re-deliveries and
// any batch size, gives the same object tables.
func testOrder(t *testing.T, b backend) {
	ctx := context.Background()
	items := readAll(t, quickstartSink(t), sinktest.DemoEntityID)
	r, db := b.open(t)
	if _, err := r.Apply(ctx, seqOf(items), nil); err != nil {
		t.Fatal(err)
	}
	want := dump(t, db, objectTables...)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 8 {
		order := slices.Clone(items)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for range 5 { // re-deliveries
			it := order[rng.IntN(len(order))]
			order = slices.Insert(order, rng.IntN(len(order)+1), it)
		}
		r, db := b.open(t)
		if _, err := r.Apply(ctx, seqOf(order), &sqlreplica.ApplyOptions{BatchSize: 1 + rng.IntN(20)}); err != nil {
			t.Fatal(err)
		}
		if got := dump(t, db, objectTables...); got != want {
			t.Fatalf("order %d gives other tables (+got -want):\n%s", i, diffLines(got, want))
		}
	}
}
