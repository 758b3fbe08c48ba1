package survey

import (
	"testing"

	"marsad/data"
)

// TestDefaultQuestionnaire checks the shipped questionnaire: valid, eight
// dimensions with the weights of docs/scoring.md, about 60 scored items, each scored
// item with improvement guidance in both languages.
func TestDefaultQuestionnaire(t *testing.T) {
	d, err := ParseDefinition(data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	weights := map[string]float64{"STR": 10, "SRV": 20, "USR": 10, "ENB": 15, "TRN": 10, "PAR": 10, "DIA": 12.5, "RES": 12.5}
	if len(d.Sections) != len(weights) {
		t.Fatalf("%d sections", len(d.Sections))
	}
	for _, s := range d.Sections {
		if weights[s.ID] != s.Weight || s.TitleEn == "" {
			t.Errorf("section %s weight %v", s.ID, s.Weight)
		}
	}
	scored, metrics := 0, 0
	for _, it := range d.Items {
		if it.LabelEn == "" {
			t.Errorf("%s: no English label", it.ID)
		}
		if !it.Scored() {
			continue
		}
		scored++
		if it.Type == TypeMetric {
			metrics++
		}
		if it.ImproveAr == "" || it.ImproveEn == "" {
			t.Errorf("%s: improvement guidance missing", it.ID)
		}
		for _, o := range it.Options {
			if o.LabelEn == "" {
				t.Errorf("%s option %s: no English label", it.ID, o.Value)
			}
		}
	}
	if scored < 55 || scored > 65 || metrics < 10 {
		t.Errorf("%d scored items, %d metrics", scored, metrics)
	}
}
