package reports

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// Limits for reading uploaded workbooks: an XLSX is a zip, and a small file
// can unpack to gigabytes (a zip bomb). These caps refuse such files before
// they fill memory.
const (
	xlsxUnzipLimit    = 64 << 20
	xlsxUnzipXMLLimit = 32 << 20
)

// maxColumns bounds the width of an imported sheet.
const maxColumns = 64

// ErrNotXLSX is returned for an upload that is not a readable workbook.
var ErrNotXLSX = errors.New("reports: not a readable XLSX workbook")

// ReadXLSXRecords reads the first sheet of a workbook as rows of text, with
// the unzip limits above. Any failure (not a zip, a bomb, a broken sheet) is
// ErrNotXLSX, so the caller can answer with one clear message.
func ReadXLSXRecords(r io.Reader) ([][]string, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipXMLLimit})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrNotXLSX
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
		}
		// A cell far to the right (column XFD) makes a row of 16,384 cells:
		// refuse such rows at once instead of keeping thousands of them.
		for len(cols) > 0 && cols[len(cols)-1] == "" {
			cols = cols[:len(cols)-1]
		}
		if len(cols) > maxColumns {
			return nil, &survey.ImportError{Key: "err.too_many_columns"}
		}
		out = append(out, cols)
		if len(out) > survey.MaxServiceImportRows+1 {
			return nil, &survey.ImportError{Key: "err.csv_too_many_rows"}
		}
	}
	return out, rows.Error()
}

// WriteServicesXLSX writes the catalog as a workbook with the same columns
// as the CSV, streaming rows. With rtl the sheet reads right to left (for
// the Arabic interface). Cells are written as text, so nothing in them is
// ever run as a formula.
func WriteServicesXLSX(w io.Writer, rtl bool, each func(func(survey.Service) error) error) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "services"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if rtl {
		yes := true
		if err := f.SetSheetView(sheet, 0, &excelize.ViewOptions{RightToLeft: &yes}); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	header := make([]any, len(survey.ServiceColumns))
	for i, c := range survey.ServiceColumns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	row := 2
	err = each(func(s survey.Service) error {
		rec := survey.ServiceRecord(s)
		vals := make([]any, len(rec))
		for i, v := range rec {
			vals[i] = excelize.Cell{Value: survey.SafeCell(v)}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, vals)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
