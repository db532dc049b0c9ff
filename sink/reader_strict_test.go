package sink_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
	"github.com/shopspring/decimal"
)

// readErrors reads entity and returns the events and the errors yielded.
func readErrors(t *testing.T, s storage.Store, ropts *sink.ReaderOptions, opts *sink.ReadOptions) ([]*sink.Item, []error, sink.Stats) {
	t.Helper()
	r, err := sink.NewReader(s, ropts)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Read(context.Background(), entity, opts)
	var items []*sink.Item
	var errs []error
	for it, err := range st.All() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, it)
	}
	return items, errs, st.Stats()
}

// An event file overwritten with junk is an error of the stream that names
// it, not only a counter: a replica built without looking would be one
// account short.
func TestIssue13JunkEventFileIsAnError(t *testing.T) {
	store := memstore.New(nil)
	if _, err := initialize(t, store, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	var victim string
	for key, err := range storage.Keys(context.Background(), store, entity+"/") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(key, string(sink.AccountInserted)) {
			victim = key
			break
		}
	}
	put(t, store, victim, "junk")
	items, errs, stats := readErrors(t, store, nil, nil)
	if len(errs) != 1 || !errors.Is(errs[0], sink.ErrPayload) || !strings.Contains(errs[0].Error(), victim) {
		t.Fatalf("errors %v; want one ErrPayload naming %s", errs, victim)
	}
	if len(items) != 32 || stats.Errors != 1 {
		t.Errorf("read %d events and %d errors; want the 32 others read after the error", len(items), stats.Errors)
	}
}

// endless is a store whose object "big" never ends.
type endless struct{ storage.Store }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func (e endless) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if strings.HasSuffix(key, "-7-2024-02-01T08:00:00.000Z.json") {
		return io.NopCloser(zeros{}), nil
	}
	return e.Store.Get(ctx, key)
}

// A file larger than MaxFileSize is an error matching ErrTooLarge, read no
// further than the limit: an endless file ends the read of that file.
func TestReaderMaxFileSize(t *testing.T) {
	store := memstore.New(nil)
	big := entity + "/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-7-2024-02-01T08:00:00.000Z.json"
	put(t, store, big, "placeholder")
	_, errs, _ := readErrors(t, endless{store}, &sink.ReaderOptions{MaxFileSize: 1 << 16}, nil)
	if len(errs) != 1 || !errors.Is(errs[0], storage.ErrTooLarge) {
		t.Fatalf("errors %v, want one ErrTooLarge", errs)
	}
	if _, err := sink.NewReader(store, &sink.ReaderOptions{MaxFileSize: -1}); err == nil {
		t.Error("a negative MaxFileSize was accepted")
	}
}

// Two files of one object with the same timestamp and other content are
// both read, counted as a conflict rather than as a re-delivery, and the
// replica reports the conflict.
func TestIssue13ConflictingDuplicates(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, nil)
	mk := func(label string) *sink.Event {
		return &sink.Event{Name: sink.AccountInserted, Envelope: sink.Envelope{Timestamp: 5, ApplicationID: "a", EntityID: entity, ID: "acc"},
			Data: &sink.Account{Number: "401", Label: label}}
	}
	for _, ev := range []*sink.Event{mk("Fournisseurs"), mk("Fournisseurs"), mk("Clients")} {
		if _, err := w.Write(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	items, errs, stats := readErrors(t, store, nil, nil)
	if len(errs) != 0 || len(items) != 2 || stats.Duplicates != 1 || stats.Conflicts != 1 {
		t.Fatalf("items %d, errors %v, stats %+v; want 2 events, 1 duplicate, 1 conflict", len(items), errs, stats)
	}
	r := sink.NewReplica(entity)
	var outs []sink.Outcome
	for _, it := range items {
		out, err := r.Apply(it.Event)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if !slices.Equal(outs, []sink.Outcome{sink.Applied, sink.Conflict}) {
		t.Errorf("outcomes %v, want applied then conflict", outs)
	}
}

// Entities lists the directories that hold sink files: not the writer's
// state, nor a .git folder, nor any folder of other files.
func TestIssue13EntitiesAreSinkFolders(t *testing.T) {
	store := memstore.New(nil)
	if _, err := initialize(t, store, sinktest.Company(nil), nil); err != nil {
		t.Fatal(err)
	}
	put(t, store, ".git/HEAD", "ref: refs/heads/main")
	put(t, store, ".git/objects/ab/cdef", "x")
	put(t, store, "docs/readme.txt", "x")
	put(t, store, "other/sub/"+"queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1-2024-02-01T08:00:00.000Z.json", "{}")
	put(t, store, "second/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1-2024-02-01T08:00:00.000Z.json", "{}")
	r, _ := sink.NewReader(store, nil)
	var got []string
	for e, err := range r.Entities(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if want := []string{entity, "second"}; !slices.Equal(got, want) {
		t.Errorf("Entities() = %q, want %q", got, want)
	}
}

// With ValidateEntries, an unbalanced entry is an error naming its file,
// its JSON Pointer and its rule; the other events are read.
func TestIssue13ValidateEntries(t *testing.T) {
	store := memstore.New(nil)
	bad := sinktest.Entry("ecr-bad", 2024, 1)
	bad.Movements[0].Value.Credit = bad.Movements[0].Value.Credit.Add(decimal.NewFromInt(1))
	bad.Movements[0].Value.Amount = bad.Movements[0].Value.Credit.Sub(bad.Movements[0].Value.Debit)
	for _, e := range []*entry.Entry{sinktest.Entry("ecr-ok", 2024, 2), bad} {
		data, err := (&sink.Event{Name: sink.EntryInserted, Envelope: sink.Envelope{Timestamp: 1, ApplicationID: "a", EntityID: entity, ID: e.ProducerID}, Data: e}).Encode()
		if err != nil {
			t.Fatal(err)
		}
		name := sink.FileName{Namespace: sink.DefaultNamespace, Event: sink.EntryInserted, Offset: int64(len(e.ProducerID)), Time: time.UnixMilli(1).UTC()}
		put(t, store, sink.Key(entity, name), string(data))
	}
	items, errs, _ := readErrors(t, store, nil, &sink.ReadOptions{ValidateEntries: &entry.ValidateOptions{}})
	if len(items) != 1 || len(errs) != 1 || !errors.Is(errs[0], entry.ErrUnbalanced) {
		t.Fatalf("items %d, errors %v; want one event and one ErrUnbalanced", len(items), errs)
	}
	var ve *entry.ValidationError
	if !errors.As(errs[0], &ve) || !ve.Has(entry.RuleBalanced) {
		t.Errorf("error %v: want the entry's problems with their rules", errs[0])
	}
	items, errs, _ = readErrors(t, store, nil, nil)
	if len(items) != 2 || len(errs) != 0 {
		t.Errorf("without ValidateEntries: %d items, errors %v; want both entries", len(items), errs)
	}
}

// VisibleEntriesOnly keeps only the entries the accounting application
// shows (general and opening); an entry that becomes a draft leaves.
func TestIssue13VisibleEntriesOnly(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: func() time.Time { return time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC) }})
	mk := func(id string, ts int64, typ entry.EntryType) *sink.Event {
		e := sinktest.Entry(id, 2024, 1)
		e.Type = typ
		return &sink.Event{Name: sink.EntryInserted, Envelope: sink.Envelope{Timestamp: ts, ApplicationID: "a", EntityID: entity, ID: id}, Data: e}
	}
	evs := []*sink.Event{mk("general", 1, entry.EntryGeneral), mk("opening", 1, entry.EntryOpening), mk("draft", 1, entry.EntryDraft),
		mk("unset", 1, 0), mk("tobedraft", 1, entry.EntryGeneral),
		{Name: sink.EntryDeleted, Envelope: sink.Envelope{Timestamp: 2, ApplicationID: "a", EntityID: entity, ID: "tobedraft"}, Update: true},
		mk("tobedraft", 2, entry.EntryDraft)}
	if _, err := w.WriteBatch(ctx, evs); err != nil {
		t.Fatal(err)
	}
	r, _ := sink.NewReader(store, nil)
	st := r.Read(ctx, entity, &sink.ReadOptions{VisibleEntriesOnly: true})
	replica := sink.NewReplica(entity)
	for it, err := range st.All() {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := replica.Apply(it.Event); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for id := range sink.All[*entry.Entry](replica) {
		ids = append(ids, id)
	}
	if want := []string{"general", "opening", "unset"}; !slices.Equal(ids, want) || st.Stats().Filtered != 2 {
		t.Errorf("entries %q, %d filtered; want %q and 2", ids, st.Stats().Filtered, want)
	}
}
