// Package xlsxexport writes export files as XLSX workbooks, one row per
// movement, as a purchase export to a spreadsheet usually is, with
// github.com/xuri/excelize/v2. It is a nested module, so that the core SDK
// does not depend on a spreadsheet library.
//
//	m, err := tracker.Export(ctx, &export.Request{Encoder: xlsxexport.Encoder{}})
//
// The sheet "Export" holds a header row (export.CSVColumns) and the rows of
// export.Rows: the same columns and values as the CSV export, except that
// the line number and the amounts (debit, credit, amount) are numeric cells
// with two decimals displayed. Amounts are written from their decimal text,
// never through a float, so a cell holds exactly the entry's digits. Dates are
// text cells (YYYY-MM-DD), as in the source.
//
// Encoding is deterministic: the same documents give the same bytes (the
// workbook's properties carry excelize's fixed template dates).
//
// # Concurrency
//
// Encoder is a stateless value, safe for concurrent use.
package xlsxexport
