package export_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// A Capture is a Source: its stored snapshot is what is exported, its
// hashes tell changes apart, and its Headers serve the queries.
func TestCaptureSource(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	w, _ := sink.NewWriter(store, &sink.WriterOptions{Now: now})
	c, err := capture.New(capture.Config{Store: store, Writer: w, EntityID: sinktest.DemoEntityID, ApplicationID: sinktest.DemoApplicationID}, &capture.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var _ export.HeaderSource = c
	var _ export.SelectSource = c
	sync := func(ds export.Docs) {
		t.Helper()
		if _, err := c.Sync(ctx, ds.Documents(ctx), nil); err != nil {
			t.Fatal(err)
		}
	}
	sync(docs())
	tr := newTracker(t, store, c)
	m, err := tr.Export(ctx, &export.Request{Encoder: export.JSON{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Documents) != 4 || m.Documents[0].Hash == "" {
		t.Fatalf("manifest %+v", m.Documents)
	}
	// Same version, new content: the capture's hash makes it pending.
	changed := docs()
	e := changed[1].Data.(*entry.Entry)
	for i := range e.Movements {
		e.Movements[i].Description = "corrigée"
	}
	changed[1].Changed = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	sync(changed)
	if got := pendingIDs(t, tr); !slices.Equal(got, []string{"d2"}) {
		t.Errorf("pending = %v, want [d2]", got)
	}
	ms, err := tr.Mutations(ctx, "d2")
	if err != nil || len(ms) != 1 || ms[0].FieldName != export.FieldOther {
		t.Errorf("Mutations(d2) = %v, %v; want other", ms, err)
	}
	if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}}); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, tr); len(got) != 0 {
		t.Errorf("pending = %v", got)
	}
}
