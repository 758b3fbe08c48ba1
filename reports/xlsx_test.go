package reports

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"

	"marsad/reports/hostile"
	"marsad/survey"
)

func sampleServices(fn func(survey.Service) error) error {
	for _, s := range []survey.Service{
		{InstitutionCode: "MOI", Code: "BIRTH", NameAr: "=شهادة ميلاد", Category: "birth-family", Audience: []string{"citizens", "diaspora"},
			Channels: []string{"web"}, Stage: 3, OnlineURL: "https://moi.example.ps/b", Abroad: true, Status: "active"},
		{InstitutionCode: "MOH", Code: "INS", NameAr: "التأمين الصحي", NameEn: "@health", Category: "health", Audience: []string{"citizens"},
			Channels: []string{"counter"}, Stage: 0, FeeILS: 12.5, Status: "active"},
	} {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func TestServicesXLSXRoundTrip(t *testing.T) {
	for _, rtl := range []bool{true, false} {
		var buf bytes.Buffer
		if err := WriteServicesXLSX(&buf, rtl, sampleServices); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		view, err := f.GetSheetView("services", 0)
		if err != nil || view.RightToLeft == nil || *view.RightToLeft != rtl {
			t.Errorf("rtl=%v: sheet view %+v, %v", rtl, view, err)
		}
		f.Close()
		recs, err := ReadXLSXRecords(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		// Text cells are typed as text: they carry no apostrophe, and
		// nothing in them is a formula.
		if len(recs) != 3 || recs[1][2] != "=شهادة ميلاد" || recs[2][3] != "@health" || recs[1][7] != "citizens;diaspora" {
			t.Fatalf("workbook cells changed: %q", recs)
		}
		f, err = excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if formula, _ := f.GetCellFormula("services", "C2"); formula != "" {
			t.Errorf("C2 became a formula %q", formula)
		}
		f.Close()
		ins, err := survey.ParseServiceRecords(recs)
		if err != nil {
			t.Fatal(err)
		}
		if ins[0].NameAr != "=شهادة ميلاد" || ins[1].FeeILS != "12.5" || !ins[0].Abroad {
			t.Errorf("round trip changed values: %+v", ins)
		}
	}
}

func TestReadXLSXRefusesBadFiles(t *testing.T) {
	for name, body := range map[string][]byte{
		"not a zip": []byte("hello"),
		"empty":     nil,
	} {
		if _, err := ReadXLSXRecords(bytes.NewReader(body)); !errors.Is(err, ErrNotXLSX) {
			t.Errorf("%s: err = %v, want ErrNotXLSX", name, err)
		}
	}
	var ie *survey.ImportError
	if _, err := ReadXLSXRecords(bytes.NewReader(hostile.ZipBomb(100))); !errors.As(err, &ie) || ie.Key != survey.KeyUnpacksTooBig {
		t.Errorf("zip bomb: err = %v, want %s", err, survey.KeyUnpacksTooBig)
	}
}

// TestReadXLSXRefusesWideRows: a cell in column XFD would make every row
// 16,384 cells wide; the reader refuses it instead of filling memory.
func TestReadXLSXRefusesWideRows(t *testing.T) {
	f := excelize.NewFile()
	for row := 1; row <= 50; row++ {
		cell, _ := excelize.CoordinatesToCellName(16384, row)
		_ = f.SetCellValue("Sheet1", cell, "x")
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := ReadXLSXRecords(&buf)
	var ie *survey.ImportError
	if !errors.As(err, &ie) || ie.Key != "err.too_many_columns" {
		t.Fatalf("err = %v, want err.too_many_columns", err)
	}
}
