package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/storage/filestore"
)

func benchSource(n int) export.Docs {
	ds := make(export.Docs, n)
	for i := range ds {
		ds[i] = doc(fmt.Sprintf("d%06d", i), i%50, "1", "open")
	}
	return ds
}

// BenchmarkExport exports n pending documents to CSV in a file store: select,
// encode, file, manifest, state generation.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			src := benchSource(n)
			for b.Loop() {
				b.StopTimer()
				fs, err := filestore.New(b.TempDir(), nil)
				if err != nil {
					b.Fatal(err)
				}
				tr := newTracker(b, fs, src)
				b.StartTimer()
				if _, err := tr.Export(context.Background(), &export.Request{Encoder: export.CSV{}}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				fs.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// BenchmarkExportCeiling does the same work the plainest way: the CSV
// encoded, a manifest marshalled with encoding/json, both written with
// os.WriteFile; no selection, no state, no create-only writes.
func BenchmarkExportCeiling(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			src := benchSource(n)
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				b.StartTimer()
				var buf bytes.Buffer
				if err := (export.CSV{}).Encode(&buf, []*document.Doc(src)); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "export.csv"), buf.Bytes(), 0o644); err != nil {
					b.Fatal(err)
				}
				var items []export.Item
				for _, d := range src {
					items = append(items, export.Item{ID: d.ID, Type: d.Type, Version: d.Version, Hash: d.Hash, Status: d.Status, Created: d.Created, InvoiceDate: d.InvoiceDate})
				}
				data, err := json.Marshal(export.Manifest{Documents: items})
				if err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
