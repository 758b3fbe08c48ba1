package reports

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// A table export is the same rows a page shows, first row the header.
// Numbers stay numbers (in the workbook); text is defused so no cell ever
// runs as a formula.

// WriteTableCSV writes rows as CSV with a UTF-8 byte-order mark, so Excel
// shows Arabic.
func WriteTableCSV(w io.Writer, rows [][]string) error {
	if _, err := w.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				rec[i] = v
			} else {
				rec[i] = survey.SafeCell(v)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
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
			if x, err := strconv.ParseFloat(v, 64); err == nil && r > 0 {
				vals[i] = x
			} else {
				vals[i] = excelize.Cell{Value: survey.SafeCell(v)}
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
