package sqlstore

import (
	"context"
	"reflect"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/demo"
)

func readRanking(t *testing.T, s *Store, roundID int64, kind string) []survey.InstitutionScore {
	t.Helper()
	list, err := s.Scores(context.Background(), roundID, kind)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestRankBandsDemo: the demo's closed and published rounds carry an
// analysis of their scores, drawn from the seed of the round and scoring
// version, on both indices; the open round has none.
func TestRankBandsDemo(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Fatal(err)
	}
	rounds, err := s.ListRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	overlapping := 0
	for _, r := range rounds {
		for _, kind := range []string{survey.ScoreSelf, survey.ScoreVerified} {
			list := readRanking(t, s, r.ID, kind)
			a, err := s.RankAnalysis(ctx, r.ID, kind)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != survey.RoundPublished && r.Status != survey.RoundClosed {
				if a != nil || (len(list) > 0 && list[0].Band != nil) {
					t.Errorf("%s (%s, %s): an analysis of a round still open", r.Name, r.Status, kind)
				}
				continue
			}
			q, err := s.Questionnaire(ctx, r.QuestionnaireID)
			if err != nil {
				t.Fatal(err)
			}
			if a == nil || a.Seed != survey.RankSeed(r.ID, survey.ScoringVersion) || a.Replicates != survey.DefaultReplicates ||
				a.Spread != q.Def.Model.WeightSpreadOf() || len(a.Dimensions) != len(q.Def.Sections) {
				t.Fatalf("%s (%s): analysis %+v", r.Name, kind, a)
			}
			for i, x := range list {
				b := x.Band
				if b == nil {
					t.Fatalf("%s (%s): %s has no band", r.Name, kind, x.Code)
				}
				if b.Low < 1 || b.Low > b.Median || b.Median > b.High || b.High > x.Of {
					t.Errorf("%s (%s): %s band %+v of %d", r.Name, kind, x.Code, *b, x.Of)
				}
				if i > 0 && b.Overlap(*list[i-1].Band) {
					overlapping++
				}
			}
		}
	}
	if overlapping == 0 {
		t.Error("no institution's band overlaps its neighbour's in the demo: the pages would show nothing to tell apart")
	}

	// A database whose rounds were closed before 0015 has no analysis:
	// the server makes the missing ones once when it starts.
	closed := 0
	for _, r := range rounds {
		if r.Status == survey.RoundClosed || r.Status == survey.RoundPublished {
			closed++
		}
	}
	before := readRanking(t, s, rounds[len(rounds)-1].ID, survey.ScoreSelf)
	if _, err := s.w.Exec("DELETE FROM rank_analyses"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AnalyseUnanalysedRounds(ctx); err != nil || n != closed {
		t.Fatalf("analysed %d rounds (%v), want the %d closed or published", n, err, closed)
	}
	if n, err := s.AnalyseUnanalysedRounds(ctx); err != nil || n != 0 {
		t.Errorf("a second start analysed %d rounds again (%v)", n, err)
	}
	after := readRanking(t, s, rounds[len(rounds)-1].ID, survey.ScoreSelf)
	for i := range after {
		if after[i].Band == nil || *after[i].Band != *before[i].Band {
			t.Fatalf("%s: band %+v after the analysis was made again, %+v before", after[i].Code, after[i].Band, before[i].Band)
		}
	}
}

// TestRankBandsFollowScores: closing a round analyses it, and its ranking
// shows the bands at once (the analysis reaches the cached ranking); a
// change of scores after that hides them until the round is analysed
// again; a rescore makes it again, the same from the same seed; publishing
// the scores analysed keeps their analysis.
func TestRankBandsFollowScores(t *testing.T) {
	s, clock := newTestStoreWithClock(t)
	ctx := context.Background()
	codes := []string{"MOH", "MOI", "MOE", "MOF"}
	for _, c := range codes {
		mustCreateInstitution(t, s, validInstitution(c))
	}
	r := openRound(t, s)
	submit := func(code string, answers ...survey.AnswerInput) {
		t.Helper()
		who := survey.Actor{Role: survey.RoleRespondent, Institution: code}
		for _, in := range answers {
			if _, err := s.SaveAnswer(ctx, who, r.ID, code, in); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ResponseAction(ctx, who, r.ID, code, "submit"); err != nil {
			t.Fatal(err)
		}
	}
	answer := func(item string, values ...string) survey.AnswerInput {
		return survey.AnswerInput{ItemID: item, Values: values}
	}
	submit("MOH", answer("STR-1", "2"), answer("SRV-2", "60"))
	submit("MOI", answer("STR-1", "2"), answer("SRV-2", "55"))
	submit("MOE", answer("STR-1", "1"), answer("SRV-2", "20"))
	submit("MOF", answer("STR-1", "0"), answer("SRV-2", "0"))
	if list := readRanking(t, s, r.ID, survey.ScoreSelf); len(list) != 4 || list[0].Band != nil {
		t.Fatalf("open round: %+v", list)
	}
	act := func(action string) {
		t.Helper()
		var err error
		if r, err = s.RoundAction(ctx, 0, r.ID, action); err != nil {
			t.Fatal(err)
		}
	}
	act("close")
	closed := readRanking(t, s, r.ID, survey.ScoreSelf)
	for _, x := range closed {
		if x.Band == nil {
			t.Fatalf("closed round: %s has no band (a ranking cached before the analysis was served?)", x.Code)
		}
	}
	// MOF answered nothing worth a point: last under any weights.
	if last := closed[3]; last.Code != "MOF" || *last.Band != (survey.RankBand{Median: 4, Low: 4, High: 4}) {
		t.Errorf("MOF %+v band %+v, want 4 throughout", last, *last.Band)
	}
	if a, _ := s.RankAnalysis(ctx, r.ID, survey.ScoreVerified); a == nil {
		t.Error("no analysis of the verified index")
	}

	// Reopened and changed: the stored bands are of other scores.
	act("reopen")
	if _, err := s.ResponseAction(ctx, survey.Actor{Role: survey.RoleAdmin}, r.ID, "MOE", "return"); err != nil {
		t.Fatal(err)
	}
	submit("MOE", answer("STR-2", "a", "b"))
	if list := readRanking(t, s, r.ID, survey.ScoreSelf); list[0].Band != nil {
		t.Errorf("scores changed after the analysis, yet the ranking shows its bands: %+v", list[0])
	}
	if a, _ := s.RankAnalysis(ctx, r.ID, survey.ScoreSelf); a != nil {
		t.Errorf("scores changed after the analysis, yet it is served: %+v", a)
	}
	act("close")
	again := readRanking(t, s, r.ID, survey.ScoreSelf)
	if again[0].Band == nil {
		t.Fatal("closed again: no bands")
	}
	before, _ := s.RankAnalysis(ctx, r.ID, survey.ScoreSelf)

	// A rescore analyses the rescored round; the same seed draws the same bands.
	if _, err := s.w.Exec("DELETE FROM rank_analyses WHERE round_id = ?", r.ID); err != nil {
		t.Fatal(err)
	}
	if list := readRanking(t, s, r.ID, survey.ScoreSelf); list[0].Band != nil {
		t.Error("the analysis is gone, yet the ranking still shows bands: the caches missed it")
	}
	if _, err := s.Rescore(ctx, 0, r.ID); err != nil {
		t.Fatal(err)
	}
	rescored := readRanking(t, s, r.ID, survey.ScoreSelf)
	for i := range rescored {
		if rescored[i].Band == nil || *rescored[i].Band != *again[i].Band {
			t.Fatalf("%s: band %+v after the rescore, %+v before", rescored[i].Code, rescored[i].Band, *again[i].Band)
		}
	}
	if a, _ := s.RankAnalysis(ctx, r.ID, survey.ScoreSelf); !reflect.DeepEqual(a, before) {
		t.Errorf("analysis %+v after the rescore, before %+v", a, before)
	}

	// Publishing the scores analysed keeps their analysis as it was.
	var first string
	if err := s.r.QueryRow("SELECT computed_at FROM rank_analyses WHERE round_id = ? AND kind = 'self'", r.ID).Scan(&first); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	act("publish")
	var n int
	var after string
	if err := s.r.QueryRow("SELECT count(*), max(computed_at) FROM rank_analyses WHERE round_id = ? AND kind = 'self'", r.ID).Scan(&n, &after); err != nil {
		t.Fatal(err)
	}
	if n != 1 || after != first {
		t.Errorf("publishing the scores analysed at close made the analysis again (%d rows, %s then %s)", n, first, after)
	}
}
