package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// hostileCells start (or have a part after ";" that starts) with what a
// spreadsheet runs as a formula.
var hostileCells = []string{
	"=HYPERLINK(\"http://x\")", "+970-2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "'quoted",
	"citizens;=cmd|' /C calc'!A0", "a;+b;-c;@d", "وزارة;=1+1",
}

func TestTableExports(t *testing.T) {
	rows := [][]string{
		{"المرتبة", "المؤسسة", "المؤشر"},
		{"1", "وزارة الصحة", "69.4"},
		{"2", "=HYPERLINK(\"http://x\")", "-3.5"},
	}
	for _, h := range hostileCells {
		rows = append(rows, []string{"3", h, "1"})
	}
	var csvOut bytes.Buffer
	if err := WriteTableCSV(&csvOut, rows); err != nil {
		t.Fatal(err)
	}
	got := csvOut.String()
	if !strings.HasPrefix(got, "\xEF\xBB\xBF\"المرتبة\",\"المؤسسة\",\"المؤشر\"\n1,\"وزارة الصحة\",69.4\n") {
		t.Errorf("csv starts %q", got[:80])
	}
	if !strings.Contains(got, "\n2,\"'=HYPERLINK(\"\"http://x\"\")\",-3.5\n") {
		t.Errorf("formula not defused or a negative number mangled: %q", got)
	}
	// Every cell and every ";" part of it: quoted, and no formula start
	// without the apostrophe.
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(got, "\xEF\xBB\xBF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows) {
		t.Fatalf("%d records, want %d", len(recs), len(rows))
	}
	for _, rec := range recs[3:] {
		if !strings.Contains(got, `"`+strings.ReplaceAll(rec[1], `"`, `""`)+`"`) {
			t.Errorf("%q is not quoted", rec[1])
		}
		for _, part := range strings.Split(rec[1], ";") {
			if part != "" && strings.ContainsRune("=+-@\t\r", rune(part[0])) {
				t.Errorf("%q: part %q starts a formula", rec[1], part)
			}
		}
	}

	var x bytes.Buffer
	if err := WriteTableXLSX(&x, "ترتيب", rows, true); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	view, err := f.GetSheetView("ترتيب", 0)
	if err != nil || view.RightToLeft == nil || !*view.RightToLeft {
		t.Errorf("sheet is not right to left: %v", err)
	}
	for cell, want := range map[string]string{"B2": "وزارة الصحة", "C2": "69.4", "A1": "المرتبة", "B3": "=HYPERLINK(\"http://x\")"} {
		if v, _ := f.GetCellValue("ترتيب", cell); v != want {
			t.Errorf("%s = %q, want %q", cell, v, want)
		}
	}
	if typ, _ := f.GetCellType("ترتيب", "C2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("C2 is %v, want a number", typ)
	}
	// In the workbook every hostile text is what the page shows, typed as
	// text: no apostrophe, no formula.
	for i, h := range hostileCells {
		cell, _ := excelize.CoordinatesToCellName(2, i+4)
		v, _ := f.GetCellValue("ترتيب", cell)
		formula, _ := f.GetCellFormula("ترتيب", cell)
		typ, _ := f.GetCellType("ترتيب", cell)
		if v != h || formula != "" || typ == excelize.CellTypeFormula {
			t.Errorf("%s = %q (formula %q, type %v), want %q as text", cell, v, formula, typ, h)
		}
	}
}
