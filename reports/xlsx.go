package reports

import (
	"errors"
	"io"

	"github.com/xuri/excelize/v2"

	"marsad/survey"
)

// ErrNotXLSX is returned for an upload that is not a readable workbook.
var ErrNotXLSX = errors.New("reports: not a readable XLSX workbook")

// ReadXLSXRecords reads the first sheet of a services workbook as rows of
// text, within survey.ServiceFileLimits.
func ReadXLSXRecords(r io.Reader) ([][]string, error) {
	return ReadXLSXTable(r, survey.ServiceFileLimits)
}

// ReadXLSXTable reads the first sheet of a workbook as rows of text within
// lim (xlsx_guard.go says how). A file over a limit is a *survey.ImportError
// naming it; any other failure (not a zip, a broken sheet) is ErrNotXLSX,
// so the caller can answer with one clear message.
func ReadXLSXTable(r io.Reader, lim survey.FileLimits) ([][]string, error) {
	f, err := openWorkbook(r, lim)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrNotXLSX
	}
	var total int64
	return sheetRows(f, sheets[0], lim, &total)
}

// WriteServicesXLSX writes the catalog as a workbook with the same columns
// as the CSV, streaming rows. With rtl the sheet reads right to left (for
// the Arabic interface). Cells are written as typed text, so nothing in
// them is ever run as a formula and they need no apostrophe: the workbook
// shows exactly what is stored.
func WriteServicesXLSX(w io.Writer, rtl bool, each func(func(survey.Service) error) error) error {
	return WriteServicesObservedXLSX(w, rtl, each, nil)
}

// WriteServicesObservedXLSX is WriteServicesXLSX with, when observed is
// not nil, the last observed status of each service after its declared
// columns (survey.ObservedColumns; empty cells for a service never
// checked). An import reads past them.
func WriteServicesObservedXLSX(w io.Writer, rtl bool, each func(func(survey.Service) error) error, observed map[int64]survey.ObservedSummary) error {
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
	columns := survey.ServiceColumns
	if observed != nil {
		columns = append(append([]string{}, columns...), survey.ObservedColumns...)
	}
	header := make([]any, len(columns))
	for i, c := range columns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	row := 2
	err = each(func(s survey.Service) error {
		rec := survey.ServiceRecord(s)
		if observed != nil {
			rec = append(rec, observed[s.ID].Record()...)
		}
		vals := make([]any, len(rec))
		for i, v := range rec {
			vals[i] = excelize.Cell{Value: v}
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
