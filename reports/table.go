package reports

import (
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// A table export is the same rows a page shows, first row the header.
// Numbers stay numbers. In CSV every text cell is quoted and defused
// (survey.CSVWriter), so no cell ever runs as a formula in a spreadsheet;
// in the workbook text cells are typed as text, which is safe as it is,
// so they show exactly the page's words with no apostrophe.

// WriteTableCSV writes rows as CSV with a UTF-8 byte-order mark, so Excel
// shows Arabic.
func WriteTableCSV(w io.Writer, rows [][]string) error {
	cw := survey.NewCSVWriter(w)
	for _, row := range rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteTableXLSX writes rows as a one-sheet workbook; with rtl the sheet
// reads right to left (the Arabic interface).
func WriteTableXLSX(w io.Writer, sheet string, rows [][]string, rtl bool) error {
	f := excelize.NewFile()
	defer f.Close()
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
	for r, row := range rows {
		vals := make([]any, len(row))
		for i, v := range row {
			if x, err := strconv.ParseFloat(v, 64); err == nil && r > 0 && survey.IsPlainNumber(v) {
				vals[i] = x
			} else {
				vals[i] = excelize.Cell{Value: v}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
