package sqlstore

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"marsad/survey"
	"marsad/survey/demo"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDemoScoresGolden scores the default questionnaire on the demo data and
// compares every institution's index, level, rank and Δ with a golden file,
// so a change to the scoring rules shows up as a reviewed diff
// (go test ./survey -run Golden -update rewrites it).
func TestDemoScoresGolden(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
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
		// closed or published round on a comparable questionnaire (none
		// for the GTMI pilot).
		rc, err := s.CompareRounds(ctx, r, func(survey.Round) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		since := rc.SinceID()
		self, err := s.ScoresSince(ctx, r.ID, survey.ScoreSelf, since)
		if err != nil {
			t.Fatal(err)
		}
		verified, _ := s.ScoresSince(ctx, r.ID, survey.ScoreVerified, since)
		vi := map[string]float64{}
		for _, v := range verified {
			vi[v.Code] = v.Index
		}
		for _, sc := range self {
			if sc.Index < 0 || sc.Index > 100 || sc.ScoringVersion != survey.ScoringVersion || len(sc.QuestionnaireHash) != 64 {
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
