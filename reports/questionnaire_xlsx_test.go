package reports

import (
	"bytes"
	"errors"
	"testing"

	"marsad/data"
	"marsad/survey"
)

// TestDefinitionXLSXRoundTrip: JSON → XLSX → definition gives the same
// content hash, so the two forms are interchangeable.
func TestDefinitionXLSXRoundTrip(t *testing.T) {
	d, err := survey.ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteDefinitionXLSX(&buf, d, true); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDefinitionXLSX(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := d.Hash()
	h2, _ := back.Hash()
	if h1 != h2 {
		a, _ := d.Canonical()
		b, _ := back.Canonical()
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("round trip differs near: %q vs %q", a[max(0, i-80):min(len(a), i+80)], b[max(0, i-80):min(len(b), i+80)])
			}
		}
		t.Fatalf("hash %s → %s", h1, h2)
	}
	if _, err := ReadDefinitionXLSX(bytes.NewReader([]byte("not a workbook"))); err == nil {
		t.Error("garbage accepted")
	}
	var de *survey.DefinitionError
	if _, err := ReadDefinitionXLSX(bytes.NewReader(emptyWorkbook(t))); !errors.As(err, &de) {
		t.Errorf("empty workbook: %v", err)
	}
}

func emptyWorkbook(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := WriteServicesXLSX(&buf, false, func(func(survey.Service) error) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
