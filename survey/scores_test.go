package survey

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDemoScoresGolden scores the default questionnaire on the demo data and
// compares every institution's index, level, rank and Δ with a golden file,
// so a change to the scoring rules shows up as a reviewed diff
// (go test ./survey -run Golden -update rewrites it).
func TestDemoScoresGolden(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := s.SeedDemo(ctx, demoData); err != nil {
		t.Fatal(err)
	}
	rounds, _ := s.ListRounds(ctx)
	type row struct {
		Code       string             `json:"code"`
		Index      float64            `json:"index"`
		Level      string             `json:"level"`
		Rank       int                `json:"rank"`
		Of         int                `json:"of"`
		Dimensions map[string]float64 `json:"dimensions"`
		DeltaIndex *float64           `json:"delta_index,omitempty"`
		DeltaRank  *int               `json:"delta_rank,omitempty"`
		Verified   float64            `json:"verified"`
	}
	got := map[string][]row{}
	for _, r := range rounds {
		// Changes as the coordinator sees them: against the latest earlier
		// closed or published round.
		var since int64
		if prev, ok := PreviousRound(rounds, r, func(Round) bool { return true }); ok {
			since = prev.ID
		}
		self, err := s.ScoresSince(ctx, r.ID, ScoreSelf, since)
		if err != nil {
			t.Fatal(err)
		}
		verified, _ := s.ScoresSince(ctx, r.ID, ScoreVerified, since)
		vi := map[string]float64{}
		for _, v := range verified {
			vi[v.Code] = v.Index
		}
		for _, sc := range self {
			if sc.Index < 0 || sc.Index > 100 || sc.ScoringVersion != ScoringVersion || len(sc.QuestionnaireHash) != 64 {
				t.Fatalf("%s %s: %+v", r.Name, sc.Code, sc)
			}
			got[r.Name] = append(got[r.Name], row{sc.Code, sc.Index, sc.Level, sc.Rank, sc.Of, sc.Dimensions, sc.DeltaIndex, sc.DeltaRank, vi[sc.Code]})
		}
	}
	if len(got["2024"]) == 0 || len(got["2025"]) == 0 {
		t.Fatalf("no scores: %v", got)
	}
	withDelta := 0
	for _, r := range got["2025"] {
		if r.DeltaRank != nil {
			withDelta++
		}
	}
	if withDelta == 0 || withDelta == len(got["2025"]) {
		t.Errorf("Δ for %d of %d institutions; some joined only in 2025", withDelta, len(got["2025"]))
	}
	b, _ := json.MarshalIndent(got, "", "  ")
	const golden = "testdata/demo_scores.golden.json"
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(b) {
		t.Errorf("scores differ from %s; if the change is intended, run go test ./survey -run Golden -update and review the diff", golden)
	}
}

// TestRankingAggregates: the figures a profile compares against, made once
// with the ranking, are those a scan of its rows gives.
func TestRankingAggregates(t *testing.T) {
	row := func(code, sector string, index float64, dims map[string]float64) InstitutionScore {
		return InstitutionScore{Code: code, Sector: sector, Index: index, Dimensions: dims}
	}
	// In rank order, as rankings are kept.
	r := newRanking([]InstitutionScore{
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
