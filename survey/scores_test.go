package survey

import (
	"testing"
)

// TestRankingAggregates: the figures a profile compares against, made once
// with the ranking, are those a scan of its rows gives.
func TestRankingAggregates(t *testing.T) {
	row := func(code, sector string, index float64, dims map[string]float64) InstitutionScore {
		return InstitutionScore{Code: code, Sector: sector, Index: index, Dimensions: dims}
	}
	// In rank order, as rankings are kept.
	r := NewRanking([]InstitutionScore{
		row("A", "health", 80, map[string]float64{"STR": 90, "SRV": 70}),
		row("B", "health", 80, map[string]float64{"STR": 60}),
		row("C", "finance", 70, map[string]float64{"STR": 50, "SRV": 41}),
		row("D", "health", 40, map[string]float64{"STR": 10, "SRV": 20}),
	})
	if got := r.Average("STR"); got != 52.5 {
		t.Errorf("STR average %v, want 52.5", got)
	}
	if got := r.Average("SRV"); got != 43.7 { // (70+41+20)/3, one decimal; B has no SRV
		t.Errorf("SRV average %v, want 43.7", got)
	}
	if got := r.Average("NONE"); got != 0 {
		t.Errorf("unscored dimension average %v", got)
	}
	for _, tc := range []struct{ sector, except, want string }{
		{"health", "D", "A"}, // first of equals
		{"health", "A", "B"}, // never itself
		{"health", "B", "A"},
		{"finance", "X", "C"},
		{"finance", "C", ""}, // alone in its sector
		{"education", "", ""},
	} {
		got := ""
		if b := r.SectorBest(tc.sector, tc.except); b != nil {
			got = b.Code
		}
		if got != tc.want {
			t.Errorf("SectorBest(%s, except %s) = %q, want %q", tc.sector, tc.except, got, tc.want)
		}
	}
	if x, ok := r.Find("C"); !ok || x.Index != 70 {
		t.Errorf("Find(C) = %+v, %v", x, ok)
	}
	if _, ok := r.Find("Z"); ok {
		t.Error("Find(Z) found an unranked institution")
	}
}
