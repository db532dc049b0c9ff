// Command exporter demonstrates change capture and export tracking on a
// simulated polled source (a purchase ledger read through an API that lists
// documents with their id and version, like Moneybird's):
//
//	go run ./examples/exporter -dir DIR
//
// It runs a first sync (every document becomes a sink event), exports the
// pending documents to CSV, changes the source (an invoice paid, one
// corrected without a new version, one re-dated, one deleted, one added),
// syncs again, prints the mutations since the export,
// exports the pending documents only (JSON), makes an unlogged FEC of the
// exercise, deletes the first export and lists the pending documents again.
// The export files are named as "[unlogged-]purchase-export-[datetime-stamp]-[ext]",
// and the summary list is published after each sync, export and deletion,
// with the date of the latest sync, as DIR/exports/incoming-summary-list.json.
// DIR (which must be empty or absent) ends up holding the sink in DIR/sink
// (the entity's events and the stored snapshot; read it with
// examples/sinkread) and the exports in DIR/exports.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/internal/cli"
	"github.com/ledgersink/ledgersink/period"
	"github.com/ledgersink/ledgersink/sink"
	"github.com/ledgersink/ledgersink/sink/capture"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/filestore"
	"github.com/shopspring/decimal"
)

func main() {
	cli.Main("exporter", func(ctx context.Context, w io.Writer, args []string) error {
		return run(ctx, w, args, time.Now)
	})
}

// invoice is one purchase invoice of the simulated source.
type invoice struct {
	id, status string
	version    int
	n          int         // which demo entry it is
	invoice    period.Date // zero: the entry's date
	net        string      // "": the demo amount
	created    time.Time
}

// source is the simulated API: it lists the invoices with their versions.
type source struct{ invoices []*invoice }

func (s *source) find(id string) *invoice {
	for _, inv := range s.invoices {
		if inv.id == id {
			return inv
		}
	}
	return nil
}

// snapshot lists every document, as a poll of the API would.
func (s *source) snapshot() iter.Seq2[*document.Doc, error] {
	return func(yield func(*document.Doc, error) bool) {
		for _, inv := range s.invoices {
			e := sinktest.Entry(inv.id, 2024, inv.n)
			if inv.net != "" { // a corrected amount, VAT 20 %
				net := decimal.RequireFromString(inv.net)
				vat := net.Mul(decimal.RequireFromString("0.20")).Round(2)
				e.Movements[0].Value = entry.NewCredit(net.Add(vat))
				e.Movements[1].Value = entry.NewDebit(net)
				e.Movements[2].Value = entry.NewDebit(vat)
			}
			if !inv.invoice.IsZero() {
				e.Date = inv.invoice
			}
			validated := e.Date.AddDays(3)
			e.AdditionalProducerProperties = &entry.EntryAdditionalProducerProps{AccountedAt: &validated, Source: entry.Source{Name: entry.SourceManual}}
			d := &document.Doc{
				Type: "purchase_invoice", ID: inv.id, Version: fmt.Sprint(inv.version), Data: e,
				Changed: inv.created.Add(time.Duration(inv.version) * time.Hour),
				Status:  inv.status, Created: inv.created, InvoiceDate: e.Date,
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

func run(ctx context.Context, w io.Writer, args []string, now func() time.Time) error {
	fs := cli.NewFlagSet("exporter", "-dir DIR",
		"Exporter demonstrates change capture and export tracking on a simulated polled source: syncs,\n"+
			"exports of the pending documents, the mutations since an export, an unlogged FEC. It writes\n"+
			"the sink to DIR/sink and the exports to DIR/exports.")
	dir := fs.String("dir", "", "work in the folder `DIR`, which must be empty or absent (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Required("dir"); err != nil {
		return err
	}
	if entries, err := os.ReadDir(*dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: remove it or pick another -dir", *dir)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	// The sink (events and the stored snapshot) in DIR/sink, the exports in
	// DIR/exports: a sink reader sees only entities in its folder.
	for _, sub := range []string{"sink", "exports"} {
		if err := os.MkdirAll(filepath.Join(*dir, sub), 0o755); err != nil {
			return err
		}
	}
	store, err := filestore.New(filepath.Join(*dir, "sink"), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	exportStore, err := filestore.New(*dir, nil)
	if err != nil {
		return err
	}
	defer exportStore.Close()
	writer, err := sink.NewWriter(store, &sink.WriterOptions{Now: now})
	if err != nil {
		return err
	}
	capt, err := capture.New(capture.Config{Store: store, Writer: writer, EntityID: sinktest.DemoEntityID, ApplicationID: sinktest.DemoApplicationID}, &capture.Options{Now: now})
	if err != nil {
		return err
	}
	tracker, err := export.New(exportStore, capt, &export.Options{
		Dir: "exports", Now: now,
		// "[unlogged-]purchase-export-[datetime-stamp]-[ext]", then the
		// format's extension.
		FileName:    `{{if not .Logged}}unlogged-{{end}}purchase-export-{{.At.Format "20060102 150405"}}{{with .Ext}}-{{.}}{{end}}{{.Extension}}`,
		SummaryList: summaryList,
	})
	if err != nil {
		return err
	}

	day := func(d int) time.Time { return time.Date(2024, 1, d, 9, 0, 0, 0, time.UTC) }
	src := &source{}
	for i := 1; i <= 5; i++ {
		src.invoices = append(src.invoices, &invoice{id: fmt.Sprintf("inv-%03d", i), status: "open", version: 1, n: i, created: day(i * 5)})
	}

	fmt.Fprintln(w, "== first sync")
	if err := sync(ctx, w, capt, tracker, now, src); err != nil {
		return err
	}
	if err := printPending(ctx, w, tracker); err != nil {
		return err
	}

	fmt.Fprintln(w, "== export of the pending documents (CSV)")
	first, err := tracker.Export(ctx, &export.Request{Encoder: export.CSV{}, Ext: "January"})
	if err != nil {
		return err
	}
	printManifest(w, first)
	if err := printPending(ctx, w, tracker); err != nil {
		return err
	}

	fmt.Fprintln(w, "== changes in the source")
	src.find("inv-001").status, src.find("inv-001").version = "paid", 2
	fmt.Fprintln(w, "inv-001 paid")
	src.find("inv-002").net = "125.00" // the same version: only the content tells
	fmt.Fprintln(w, "inv-002 corrected: 125.00 before VAT, without a new version")
	src.find("inv-003").invoice, src.find("inv-003").version = period.Date{Year: 2024, Month: 2, Day: 1}, 2
	fmt.Fprintln(w, "inv-003 re-dated 2024-02-01")
	src.invoices = append(src.invoices[:3], src.invoices[4:]...)
	fmt.Fprintln(w, "inv-004 deleted")
	src.invoices = append(src.invoices, &invoice{id: "inv-006", status: "open", version: 1, n: 6, created: day(30)})
	fmt.Fprintln(w, "inv-006 added")

	fmt.Fprintln(w, "== second sync")
	if err := sync(ctx, w, capt, tracker, now, src); err != nil {
		return err
	}
	if err := printPending(ctx, w, tracker); err != nil {
		return err
	}

	fmt.Fprintln(w, "== mutations since the last export")
	sums, err := tracker.Summaries(ctx)
	if err != nil {
		return err
	}
	for _, s := range sums {
		var ms []string
		for _, m := range s.Mutations {
			switch {
			case m.OldValue != "" || m.NewValue != "":
				ms = append(ms, fmt.Sprintf("%s %s -> %s", m.FieldName, m.OldValue, m.NewValue))
			default:
				ms = append(ms, m.FieldName)
			}
		}
		exported := "never exported"
		if s.FileName != "" {
			exported = "in " + s.FileName
		}
		if len(ms) == 0 {
			ms = append(ms, "no mutation")
		}
		fmt.Fprintf(w, "%s %-8s pending=%-5v %s; %s\n", s.ID, s.Status, s.Pending, exported, strings.Join(ms, ", "))
	}
	if err := printFiles(ctx, w, tracker); err != nil {
		return err
	}

	fmt.Fprintln(w, "== export of the pending documents only (JSON)")
	second, err := tracker.Export(ctx, &export.Request{Encoder: export.JSON{}, Ext: "corrections"})
	if err != nil {
		return err
	}
	printManifest(w, second)
	if err := printPending(ctx, w, tracker); err != nil {
		return err
	}

	fmt.Fprintln(w, "== unlogged FEC of the exercise 2024 (moves nothing)")
	fec, err := export.NewFEC(export.FECOptions{SIREN: "732829320", Start: period.Date{Year: 2024, Month: 1, Day: 1}, End: period.Date{Year: 2024, Month: 12, Day: 31}})
	if err != nil {
		return err
	}
	preview, err := tracker.Export(ctx, &export.Request{Encoder: fec, Unlogged: true})
	if err != nil {
		return err
	}
	printManifest(w, preview)
	if err := printFiles(ctx, w, tracker); err != nil {
		return err
	}

	fmt.Fprintln(w, "== deletion of the first export")
	if err := tracker.Delete(ctx, first.ID); err != nil {
		return err
	}
	fmt.Fprintln(w, "deleted", first.Name)
	if err := printPending(ctx, w, tracker); err != nil {
		return err
	}
	if err := printFiles(ctx, w, tracker); err != nil {
		return err
	}
	return printSummaryList(ctx, w, exportStore)
}

// summaryList is the key of the published summary list.
const summaryList = "exports/incoming-summary-list.json"

// sync syncs the capture with the source, then records the sync in the
// tracker, which publishes the summary list.
func sync(ctx context.Context, w io.Writer, c *capture.Capture, tr *export.Tracker, now func() time.Time, src *source) error {
	at := now()
	res, err := c.Sync(ctx, src.snapshot(), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "snapshot %d: %d inserted, %d updated, %d deleted, %d re-typed, %d unchanged; %d events written\n",
		res.Generation, res.Inserted, res.Updated, res.Deleted, res.Retyped, res.Unchanged, res.Events)
	return tr.Synced(ctx, at)
}

func printPending(ctx context.Context, w io.Writer, tr *export.Tracker) error {
	pending, err := tr.Pending(ctx, nil)
	if err != nil {
		return err
	}
	var ids []string
	for _, s := range pending {
		ids = append(ids, s.ID)
	}
	fmt.Fprintf(w, "pending: %d %v\n", len(ids), ids)
	jan, err := tr.PendingCount(ctx, &export.Selection{InvoiceTo: period.Date{Year: 2024, Month: 1, Day: 31}})
	if err != nil {
		return err
	}
	if jan.Documents > 0 {
		fmt.Fprintf(w, "  invoiced in January: %d (%d changed since exported), invoices %s..%s\n", jan.Documents, jan.Mutated, jan.InvoiceFrom, jan.InvoiceTo)
	}
	return nil
}

// printSummaryList reads the published summary list back, as a consumer
// of the export folder would.
func printSummaryList(ctx context.Context, w io.Writer, store storage.Store) error {
	data, err := storage.ReadAll(ctx, store, summaryList)
	if err != nil {
		return err
	}
	var list export.SummaryList
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	fmt.Fprintf(w, "== %s (synced %s)\n", summaryList, list.SyncDate.Format(time.RFC3339))
	for _, s := range list.List {
		fmt.Fprintf(w, "%s %-8s exported=%-5v fileName=%q allFiles=%q mutations=%d\n", s.ID, s.Status, s.FileName != "", s.FileName, s.AllFiles, len(s.Mutations))
	}
	return nil
}

func printManifest(w io.Writer, m *export.Manifest) {
	var ids []string
	for _, it := range m.Documents {
		ids = append(ids, it.ID+"@v"+it.Version)
	}
	fmt.Fprintf(w, "wrote %s (logged %v): %v\n", m.Name, m.Logged, ids)
	for _, c := range m.Companions {
		fmt.Fprintf(w, "  with %s\n", path.Base(c))
	}
}

func printFiles(ctx context.Context, w io.Writer, tr *export.Tracker) error {
	files, err := tr.Files(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "export files:")
	for _, f := range files {
		fmt.Fprintf(w, "  %-48s logged=%-5v documents=%d mutated=%d invoices %s..%s\n", f.Name, f.Logged, f.Documents, f.Mutated, f.InvoiceFrom, f.InvoiceTo)
	}
	return nil
}
