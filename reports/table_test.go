package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestTableExports(t *testing.T) {
	rows := [][]string{
		{"المرتبة", "المؤسسة", "المؤشر"},
		{"1", "وزارة الصحة", "69.4"},
		{"2", "=HYPERLINK(\"http://x\")", "-3.5"},
	}
	var csvOut bytes.Buffer
	if err := WriteTableCSV(&csvOut, rows); err != nil {
		t.Fatal(err)
	}
	got := csvOut.String()
	if !strings.HasPrefix(got, "\xEF\xBB\xBFالمرتبة,المؤسسة,المؤشر\n1,وزارة الصحة,69.4\n") {
		t.Errorf("csv starts %q", got[:60])
	}
	if strings.Contains(got, "\n2,=") || !strings.Contains(got, ",-3.5\n") {
		t.Errorf("formula not defused or a negative number mangled: %q", got)
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
	for cell, want := range map[string]string{"B2": "وزارة الصحة", "C2": "69.4", "A1": "المرتبة"} {
		if v, _ := f.GetCellValue("ترتيب", cell); v != want {
			t.Errorf("%s = %q, want %q", cell, v, want)
		}
	}
	if typ, _ := f.GetCellType("ترتيب", "C2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("C2 is %v, want a number", typ)
	}
	if v, _ := f.GetCellFormula("ترتيب", "B3"); v != "" {
		t.Errorf("B3 became a formula %q", v)
	}
}
