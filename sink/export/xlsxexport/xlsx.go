package xlsxexport

import (
	"fmt"
	"io"

	"github.com/ledgersink/ledgersink/entry"
	"github.com/ledgersink/ledgersink/sink/document"
	"github.com/ledgersink/ledgersink/sink/export"
	"github.com/xuri/excelize/v2"
)

// Sheet is the name of the worksheet.
const Sheet = "Export"

// numeric lists the columns (0-based, in export.CSVColumns) written as
// numbers: line, debit, credit, amount.
var numeric = map[int]bool{10: true, 15: true, 16: true, 17: true}

// Encoder is an export.Encoder writing XLSX. Its zero value is ready to use.
type Encoder struct{}

// Format returns "xlsx".
func (Encoder) Format() string { return "xlsx" }

// Extension returns ".xlsx".
func (Encoder) Extension() string { return ".xlsx" }

// ContentType returns the XLSX media type.
func (Encoder) ContentType() string {
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// Encode writes the workbook. Errors: export.ErrNotEntry when a document is
// not an entry, excelize's and w's errors.
func (Encoder) Encode(w io.Writer, docs []*document.Doc) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", Sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	twoDecimals, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return err
	}
	for c, name := range export.CSVColumns {
		cell, _ := excelize.CoordinatesToCellName(c+1, 1)
		if err := f.SetCellStr(Sheet, cell, name); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(export.CSVColumns), 1)
	if err := f.SetCellStyle(Sheet, "A1", last, bold); err != nil {
		return err
	}
	row := 1
	for _, d := range docs {
		e, ok := d.Data.(*entry.Entry)
		if !ok || e == nil {
			return fmt.Errorf("%w: %s", export.ErrNotEntry, d.ID)
		}
		for _, values := range export.Rows(d, e) {
			row++
			for c, v := range values {
				cell, _ := excelize.CoordinatesToCellName(c+1, row)
				if numeric[c] {
					// A cell without a type is a number: the decimal's own
					// digits, no float in between.
					if err := f.SetCellDefault(Sheet, cell, v); err != nil {
						return err
					}
					if c != 10 {
						if err := f.SetCellStyle(Sheet, cell, cell, twoDecimals); err != nil {
							return err
						}
					}
					continue
				}
				if err := f.SetCellStr(Sheet, cell, v); err != nil {
					return err
				}
			}
		}
	}
	_, err = f.WriteTo(w)
	return err
}

var _ export.Encoder = Encoder{}
