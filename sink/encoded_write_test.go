package sink_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/faultstore"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// received is an account insertion as another producer may send it: its
// own member order and spacing, a member the SDK does not model, no final
// newline. The encoded entry points store it byte for byte.
var received = []byte(`{ "id":"acc-1", "numero":"401000", "timestamp":1706627839000, "nouveauChamp":{"a":[1,2]},` +
	` "entite_id":"` + sinktest.DemoEntityID + `", "libelle":"Fournisseurs", "application_id":"app", "type":4 }`)

func receivedEvent() sink.Encoded {
	return sink.Encoded{Name: sink.AccountInserted, Entity: sinktest.DemoEntityID, Data: received}
}

// The three encoded entry points store the bytes received, which read back
// as the event.
func TestWriteEncodedKeepsTheBytes(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		write func(w *sink.Writer) (*sink.WriteResult, error)
	}{
		{"WriteEncoded", func(w *sink.Writer) (*sink.WriteResult, error) {
			return w.WriteEncoded(ctx, []sink.Encoded{receivedEvent()})
		}},
		{"WriteEncodedAt", func(w *sink.Writer) (*sink.WriteResult, error) {
			name := sink.FileName{Event: sink.AccountInserted, Offset: 7, Time: at}
			return w.WriteEncodedAt(ctx, []sink.PlacedEncoded{{Name: name, Event: receivedEvent()}})
		}},
		{"WriteEncodedOnce", func(w *sink.Writer) (*sink.WriteResult, error) {
			return w.WriteEncodedOnce(ctx, "batch-1", []sink.Encoded{receivedEvent()})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := memstore.New(nil)
			w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock()})
			res, err := tc.write(w)
			if err != nil || !slices.Equal(fileStatuses(res), []sink.WriteStatus{sink.WriteCreated}) {
				t.Fatalf("%s = %v, %v", tc.name, fileStatuses(res), err)
			}
			data, err := storage.ReadAll(ctx, store, sink.Key(sinktest.DemoEntityID, res.Files[0].Name))
			if err != nil || string(data) != string(received) {
				t.Fatalf("stored %q, %v; want the bytes received", data, err)
			}
			ev, err := sink.DecodeEvent(sink.AccountInserted, data)
			if err != nil || ev.ID != "acc-1" || ev.Data.(*sink.Account).Label != "Fournisseurs" || string(ev.Extra["/nouveauChamp"]) != `{"a":[1,2]}` {
				t.Errorf("the file reads back as %+v, %v", ev, err)
			}
			// Again: the same file, nothing written.
			again, err := tc.write(w)
			if tc.name == "WriteEncoded" {
				return // a new offset: a new file, as for WriteBatch
			}
			if err != nil || !slices.Equal(fileStatuses(again), []sink.WriteStatus{sink.WriteExisting}) || again.Files[0].Name != res.Files[0].Name {
				t.Errorf("second call = %v, %v; want the existing file", fileStatuses(again), err)
			}
		})
	}
}

// WriteEncodedAt under a name that holds other bytes is a conflict, which
// leaves the file alone.
func TestWriteEncodedAtConflict(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, nil)
	name := sink.FileName{Event: sink.AccountInserted, Offset: 7, Time: time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)}
	ev := receivedEvent()
	if _, err := w.WriteEncodedAt(ctx, []sink.PlacedEncoded{{name, ev}}); err != nil {
		t.Fatal(err)
	}
	other := ev
	other.Data = append(slices.Clone(received), '\n')
	res, err := w.WriteEncodedAt(ctx, []sink.PlacedEncoded{{name, other}})
	var ce *sink.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, sink.ErrConflict) || res == nil || res.Files[0].Status != sink.WriteFailed {
		t.Fatalf("WriteEncodedAt of other bytes = %v, %v; want a *ConflictError", fileStatuses(res), err)
	}
	if data, _ := storage.ReadAll(ctx, store, sink.Key(ev.Entity, name)); string(data) != string(received) {
		t.Errorf("the file became %q", data)
	}
}

// A bad encoded event fails the call with a *WriteError naming it, and
// nothing is written.
func TestWriteEncodedRefuses(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	good := receivedEvent()
	for _, tc := range []struct {
		name string
		ev   sink.Encoded
		file sink.FileName // the name WriteEncodedAt is given; zero for the event's own
		want error
	}{
		{"not JSON", sink.Encoded{Name: sink.AccountInserted, Entity: good.Entity, Data: []byte(`{"id":`)}, sink.FileName{}, sink.ErrPayload},
		{"repeated key deep down", sink.Encoded{Name: sink.AccountInserted, Entity: good.Entity,
			Data: []byte(`{"timestamp":1,"application_id":"a","entite_id":"` + good.Entity + `","id":"x","n":{"a":1,"a":2}}`)}, sink.FileName{}, sink.ErrPayload},
		{"wrong type", sink.Encoded{Name: sink.AccountInserted, Entity: good.Entity,
			Data: []byte(`{"timestamp":1,"application_id":"a","entite_id":"` + good.Entity + `","id":"x","numero":401}`)}, sink.FileName{}, sink.ErrPayload},
		{"another entity", sink.Encoded{Name: good.Name, Entity: "another", Data: received}, sink.FileName{}, sink.ErrEntity},
		{"the state directory", sink.Encoded{Name: good.Name, Entity: sink.DefaultStateDir,
			Data: []byte(`{"timestamp":1,"application_id":"a","entite_id":"` + sink.DefaultStateDir + `","id":"x"}`)}, sink.FileName{}, sink.ErrEntity},
		{"the daily report", sink.Encoded{Name: sink.DailyReport, Entity: good.Entity, Data: received}, sink.FileName{}, sink.ErrPayload},
		{"a name of another event", good, sink.FileName{Event: sink.AccountDeleted, Offset: 1, Time: at}, sink.ErrFileName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := memstore.New(nil)
			w, _ := sink.NewWriter(store, nil)
			file := tc.file
			if file == (sink.FileName{}) {
				file = sink.FileName{Event: tc.ev.Name, Offset: 1, Time: at}
			}
			calls := map[string]func() (*sink.WriteResult, error){
				"WriteEncoded":     func() (*sink.WriteResult, error) { return w.WriteEncoded(ctx, []sink.Encoded{good, tc.ev}) },
				"WriteEncodedOnce": func() (*sink.WriteResult, error) { return w.WriteEncodedOnce(ctx, "b", []sink.Encoded{good, tc.ev}) },
				"WriteEncodedAt": func() (*sink.WriteResult, error) {
					return w.WriteEncodedAt(ctx, []sink.PlacedEncoded{{sink.FileName{Event: good.Name, Offset: 0, Time: at}, good}, {file, tc.ev}})
				},
			}
			for call, write := range calls {
				if tc.file != (sink.FileName{}) && call != "WriteEncodedAt" {
					continue
				}
				res, err := write()
				var we *sink.WriteError
				if !errors.As(err, &we) || !errors.Is(err, tc.want) || res != nil {
					t.Fatalf("%s = %v, %v; want a *WriteError matching %v", call, res, err, tc.want)
				}
				if we.Index != 1 || we.Event != tc.ev.Name || we.Entity != tc.ev.Entity {
					t.Errorf("%s: the error names %+v", call, *we)
				}
				for k, err := range storage.Keys(ctx, store, "") {
					t.Errorf("%s wrote %s, %v", call, k, err)
				}
			}
		})
	}
	// Two events under one key.
	w, _ := sink.NewWriter(memstore.New(nil), nil)
	name := sink.FileName{Event: good.Name, Offset: 1, Time: at}
	if _, err := w.WriteEncodedAt(ctx, []sink.PlacedEncoded{{name, good}, {name, good}}); !errors.Is(err, sink.ErrFileName) {
		t.Errorf("two events under one key: %v, want ErrFileName", err)
	}
}

// A batch recorded by WriteOnce is completed by WriteEncodedOnce with the
// events' encodings, under the names recorded, and the other way round; a
// batch of other events is a conflict.
func TestWriteEncodedOnceFollowsWriteOnce(t *testing.T) {
	ctx := context.Background()
	evs := []*sink.Event{entryEvent(t, 2024, 0), entryEvent(t, 2024, 1)}
	encs, err := encodeEvents(evs)
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: fixedClock()})
	first, err := w.WriteOnce(ctx, "changes-1", evs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.WriteEncodedOnce(ctx, "changes-1", encs)
	if err != nil || !slices.Equal(again.Names(), first.Names()) || again.Count(sink.WriteExisting) != 2 {
		t.Fatalf("WriteEncodedOnce after WriteOnce = %v, %v; want the same files, existing", fileStatuses(again), err)
	}
	second, err := w.WriteEncodedOnce(ctx, "changes-2", encs)
	if err != nil || second.Count(sink.WriteCreated) != 2 {
		t.Fatalf("WriteEncodedOnce = %v, %v", fileStatuses(second), err)
	}
	if back, err := w.WriteOnce(ctx, "changes-2", evs); err != nil || !slices.Equal(back.Names(), second.Names()) || back.Count(sink.WriteExisting) != 2 {
		t.Fatalf("WriteOnce after WriteEncodedOnce = %v, %v", fileStatuses(back), err)
	}
	if _, err := w.WriteEncodedOnce(ctx, "changes-1", []sink.Encoded{encs[1], encs[0]}); !errors.Is(err, sink.ErrConflict) {
		t.Errorf("other events under a recorded id: %v, want ErrConflict", err)
	}
}

// CheckEncoded returns the envelope of a good event.
func TestCheckEncoded(t *testing.T) {
	w, _ := sink.NewWriter(memstore.New(nil), nil)
	env, err := w.CheckEncoded(receivedEvent())
	want := sink.Envelope{Timestamp: 1706627839000, ApplicationID: "app", EntityID: sinktest.DemoEntityID, ID: "acc-1"}
	if err != nil || env != want {
		t.Errorf("CheckEncoded = %+v, %v; want %+v", env, err, want)
	}
}

// A large batch is checked by several goroutines, and fails on its first
// bad event, as checked in order.
func TestWriteEncodedLargeBatchFirstError(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	evs := make([]sink.Encoded, 1000)
	placed := make([]sink.PlacedEncoded, len(evs))
	for i := range evs {
		data := []byte(fmt.Sprintf(`{"timestamp":%d,"application_id":"a","entite_id":"%s","id":"acc-%d","numero":"%d"}`, i, sinktest.DemoEntityID, i, i))
		if i == 300 || i == 800 {
			data = []byte(fmt.Sprintf(`{"timestamp":%d,"application_id":"a","entite_id":"%s","id":"acc-%d","numero":%d}`, i, sinktest.DemoEntityID, i, i))
		}
		evs[i] = sink.Encoded{Name: sink.AccountInserted, Entity: sinktest.DemoEntityID, Data: data}
		placed[i] = sink.PlacedEncoded{Name: sink.FileName{Event: sink.AccountInserted, Offset: int64(i), Time: at}, Event: evs[i]}
	}
	placed[200].Name.Offset = 100 // a key given twice, before the first bad payload
	w, _ := sink.NewWriter(memstore.New(nil), nil)
	for name, tc := range map[string]struct {
		write func() (*sink.WriteResult, error)
		index int
		want  error
	}{
		"WriteEncoded":     {func() (*sink.WriteResult, error) { return w.WriteEncoded(ctx, evs) }, 300, sink.ErrPayload},
		"WriteEncodedOnce": {func() (*sink.WriteResult, error) { return w.WriteEncodedOnce(ctx, "big", evs) }, 300, sink.ErrPayload},
		"WriteEncodedAt":   {func() (*sink.WriteResult, error) { return w.WriteEncodedAt(ctx, placed) }, 200, sink.ErrFileName},
	} {
		_, err := tc.write()
		we, ok := errors.AsType[*sink.WriteError](err)
		if !ok || we.Index != tc.index || !errors.Is(err, tc.want) {
			t.Errorf("%s = %v, want a *WriteError for event %d matching %v", name, err, tc.index, tc.want)
		}
	}
	evs[300], evs[800] = evs[0], evs[0] // now good (acc-0 three times: WriteEncoded numbers each)
	if res, err := w.WriteEncoded(ctx, evs); err != nil || res.Count(sink.WriteCreated) != len(evs) {
		t.Errorf("WriteEncoded of a good batch = %v", err)
	}
}

// WriteEncodedAt refuses a key given twice: names that format alike (the
// default namespace spelled or not, times within one millisecond) are one
// key; names a millisecond apart are two.
func TestWriteEncodedAtKeyTwice(t *testing.T) {
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	ev := receivedEvent()
	other := ev
	other.Data = []byte(strings.Replace(string(ev.Data), `"acc-1"`, `"acc-2"`, 1))
	for _, tc := range []struct {
		name   string
		second sink.FileName
		twice  bool
	}{
		{"same name", sink.FileName{Event: ev.Name, Offset: 7, Time: at}, true},
		{"namespace spelled", sink.FileName{Namespace: sink.DefaultNamespace, Event: ev.Name, Offset: 7, Time: at}, true},
		{"within the millisecond", sink.FileName{Event: ev.Name, Offset: 7, Time: at.Add(999 * time.Microsecond)}, true},
		{"in another zone", sink.FileName{Event: ev.Name, Offset: 7, Time: at.In(time.FixedZone("x", 3600))}, true},
		{"a millisecond later", sink.FileName{Event: ev.Name, Offset: 7, Time: at.Add(time.Millisecond)}, false},
		{"another offset", sink.FileName{Event: ev.Name, Offset: 8, Time: at}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := sink.NewWriter(memstore.New(nil), nil)
			_, err := w.WriteEncodedAt(context.Background(), []sink.PlacedEncoded{
				{Name: sink.FileName{Event: ev.Name, Offset: 7, Time: at}, Event: ev}, {Name: tc.second, Event: other}})
			we, ok := errors.AsType[*sink.WriteError](err)
			switch {
			case tc.twice && (!ok || we.Index != 1 || !errors.Is(err, sink.ErrFileName)):
				t.Errorf("WriteEncodedAt = %v, want a *WriteError for event 1 matching ErrFileName", err)
			case !tc.twice && err != nil:
				t.Errorf("WriteEncodedAt = %v, want both written", err)
			}
		})
	}
}

// putOrder is a store that records the keys of its puts, in order.
type putOrder struct {
	storage.Store
	mu   sync.Mutex
	keys []string
}

func (s *putOrder) Put(ctx context.Context, key string, r io.Reader, opts *storage.PutOptions) error {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.Store.Put(ctx, key, r, opts)
}

// With WriterOptions.Concurrency 1, a batch is put one file at a time, in
// the order of the batch; once ctx is done, the files left get its error.
func TestWriteEncodedAtOneAtATime(t *testing.T) {
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	placed := make([]sink.PlacedEncoded, 50)
	var want []string
	for i := range placed {
		placed[i] = sink.PlacedEncoded{Name: sink.FileName{Event: sink.AccountInserted, Offset: int64(100 - i), Time: at}, Event: receivedEvent()}
		want = append(want, sink.Key(sinktest.DemoEntityID, placed[i].Name))
	}
	store := &putOrder{Store: memstore.New(nil)}
	w, err := sink.NewWriter(store, &sink.WriterOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.WriteEncodedAt(context.Background(), placed)
	if err != nil || res.Count(sink.WriteCreated) != len(placed) {
		t.Fatalf("WriteEncodedAt = %v", err)
	}
	if !slices.Equal(store.keys, want) {
		t.Errorf("put in the order %v, want %v", store.keys, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range placed {
		placed[i].Name.Offset += 1000
	}
	res, err = w.WriteEncodedAt(ctx, placed)
	if !errors.Is(err, context.Canceled) || res == nil || res.Count(sink.WriteFailed) != len(placed) {
		t.Errorf("WriteEncodedAt with ctx done = %v, want every file failed with ctx's error", err)
	}
}

// With Concurrency 1, a put the store fails stops the call: the files
// after it are not tried, so none is written past it. Other bytes under a
// name (a conflict) do not stop it.
func TestSerialBatchStopsAtFirstFailedPut(t *testing.T) {
	at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	placed := make([]sink.PlacedEncoded, 6)
	for i := range placed {
		placed[i] = sink.PlacedEncoded{Name: sink.FileName{Event: sink.AccountInserted, Offset: int64(i), Time: at}, Event: receivedEvent()}
	}
	mem := memstore.New(nil)
	ctx := context.Background()
	if err := mem.Put(ctx, sink.Key(sinktest.DemoEntityID, placed[1].Name), strings.NewReader(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	store := faultstore.New(mem, faultstore.Rule{Op: faultstore.OpPut, Skip: 3, Times: 1})
	w, err := sink.NewWriter(store, &sink.WriterOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.WriteEncodedAt(ctx, placed)
	if !errors.Is(err, faultstore.ErrInjected) || !errors.Is(err, sink.ErrConflict) || res == nil {
		t.Fatalf("WriteEncodedAt = %v, want the conflict of file 1 and the injected failure of file 3", err)
	}
	var got []sink.WriteStatus
	for _, f := range res.Files {
		got = append(got, f.Status)
	}
	want := []sink.WriteStatus{sink.WriteCreated, sink.WriteFailed, sink.WriteCreated, sink.WriteFailed, sink.WriteFailed, sink.WriteFailed}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	for _, i := range []int{4, 5} {
		if ok, _ := storage.Exists(ctx, mem, sink.Key(sinktest.DemoEntityID, placed[i].Name)); ok {
			t.Errorf("file %d written past the failed put", i)
		}
	}
}
