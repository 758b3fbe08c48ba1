package reports

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"

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
		if len(recs) != 3 || recs[1][2] != "'=شهادة ميلاد" || recs[2][3] != "'@health" {
			t.Fatalf("formula-looking cells not neutralised: %q", recs)
		}
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
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	zero := make([]byte, 1<<20)
	for range 100 {
		_, _ = w.Write(zero)
	}
	zw.Close()
	for name, body := range map[string][]byte{
		"not a zip": []byte("hello"),
		"empty":     nil,
		"zip bomb":  bomb.Bytes(),
	} {
		if _, err := ReadXLSXRecords(bytes.NewReader(body)); !errors.Is(err, ErrNotXLSX) {
			t.Errorf("%s: err = %v, want ErrNotXLSX", name, err)
		}
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
