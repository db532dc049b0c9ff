package xlsxexport_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/ledgersink/ledgersink/sink/export/xlsxexport"
	"github.com/ledgersink/ledgersink/sink/sinktest"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fixture() []*document.Doc {
	small := sinktest.Entry("ecr-2", 2024, 2)
	// Digits kept: 0.125 is not rounded, 0 is not blank (mb-export bug B14).
	small.Movements[1].Value = entry.NewDebit(decimal.RequireFromString("120.125"))
	small.Movements[2].Value = entry.NewDebit(decimal.RequireFromString("23.875"))
	return []*document.Doc{
		{ID: "doc-1", Type: "purchase_invoice", Version: "1", Status: "open", Data: sinktest.Entry("ecr-1", 2024, 1)},
		{ID: "doc-2", Type: "receipt", Version: "2", Status: "paid", Data: small},
	}
}

func encode(t *testing.T, docs []*document.Doc) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := (xlsxexport.Encoder{}).Encode(&b, docs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cells reads back the sheet's raw cell values.
func cells(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(xlsxexport.Sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestGolden(t *testing.T) {
	data := encode(t, fixture())
	rows := cells(t, data)
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	path := filepath.Join("testdata", "cells.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("cells mismatch (-want +got):\n%s", diff)
	}
	if !bytes.Equal(data, encode(t, fixture())) {
		t.Error("encoding is not deterministic")
	}
}

// The workbook holds the same values as the CSV export, cell for cell
// (empty trailing cells aside), and its amounts are numbers.
func TestSameAsCSV(t *testing.T) {
	docs := fixture()
	var b bytes.Buffer
	if err := (export.CSV{}).Encode(&b, docs); err != nil {
		t.Fatal(err)
	}
	want, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	data := encode(t, docs)
	got := cells(t, data)
	for i := range want {
		want[i] = trimRight(want[i])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("xlsx vs csv (-csv +xlsx):\n%s", diff)
	}
	f, _ := excelize.OpenReader(bytes.NewReader(data))
	defer f.Close()
	for _, cell := range []string{"K2", "P2", "Q2", "R2"} {
		typ, err := f.GetCellType(xlsxexport.Sheet, cell)
		if err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
			t.Errorf("%s has type %v, want a number", cell, typ)
		}
	}
	if v, _ := f.GetCellValue(xlsxexport.Sheet, "Q2"); v != "132.00" {
		t.Errorf("Q2 displays %q, want 132.00", v)
	}
}

func trimRight(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

func TestNotEntry(t *testing.T) {
	err := (xlsxexport.Encoder{}).Encode(&bytes.Buffer{}, []*document.Doc{{ID: "x", Data: "text"}})
	if !errors.Is(err, export.ErrNotEntry) {
		t.Errorf("Encode: %v, want ErrNotEntry", err)
	}
}
