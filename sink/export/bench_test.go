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

// BenchmarkLoad measures what every query and change pays to read the
// state of a tracker holding n exports in a file store: the newest
// generation, checked against one listing of the manifests ("checked"),
// and, when the state was deleted, rebuilt from the n manifests at each load
// ("rebuilt", until the next change writes it again). The ceiling reads the
// newest generation with os.ReadFile and decodes it, without listing.
func BenchmarkLoad(b *testing.B) {
	const n = 200
	ctx := context.Background()
	dir := b.TempDir()
	fs, err := filestore.New(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer fs.Close()
	src := benchSource(n)
	tr := newTracker(b, fs, src)
	for _, d := range src {
		if _, err := tr.Export(ctx, &export.Request{Encoder: export.CSV{}, Selection: export.Selection{IDs: []string{d.ID}}}); err != nil {
			b.Fatal(err)
		}
	}
	gens, err := filepath.Glob(filepath.Join(dir, "_ledgersink", "export", "state", "*.json"))
	if err != nil || len(gens) == 0 {
		b.Fatal(gens, err)
	}
	newest := gens[len(gens)-1]
	b.Run(fmt.Sprintf("exports=%d/checked", n), func(b *testing.B) {
		for b.Loop() {
			if g, err := tr.Generation(ctx); err != nil || g != n {
				b.Fatal(g, err)
			}
		}
	})
	b.Run(fmt.Sprintf("exports=%d/ceiling", n), func(b *testing.B) {
		for b.Loop() {
			data, err := os.ReadFile(newest)
			if err != nil {
				b.Fatal(err)
			}
			var st struct {
				Generation int64
				Exports    []struct{ Manifest export.Manifest }
			}
			if err := json.Unmarshal(data, &st); err != nil || len(st.Exports) != n {
				b.Fatal(len(st.Exports), err)
			}
		}
	})
	for _, g := range gens {
		if err := os.Remove(g); err != nil {
			b.Fatal(err)
		}
	}
	b.Run(fmt.Sprintf("exports=%d/rebuilt", n), func(b *testing.B) {
		for b.Loop() {
			if g, err := tr.Generation(ctx); err != nil || g != n {
				b.Fatal(g, err)
			}
		}
	})
}
