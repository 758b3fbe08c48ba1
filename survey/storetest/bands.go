package storetest

import (
	"testing"

	"marsad/survey"
)

// testRankBands: closing a round analyses how sure its ranking is, and
// the ranking's rows carry their rank bands (docs/uncertainty.md): the
// domain's analysis of the scores ranked, with the seed of the round and
// scoring version, on both indices. A change of scores after the analysis
// hides the bands rather than show them beside other figures; closing
// again brings them back. The version counters move with the analysis.
func testRankBands(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	codes := []string{"MOH", "MOI", "MOE"}
	for _, c := range codes {
		f.institution(c, "health")
	}
	r := f.round("2025")
	f.answer(r, "MOH", in("STR-1", "2"), in("SRV-2", "60"))
	f.answer(r, "MOI", in("STR-1", "2"), in("SRV-2", "50"))
	f.answer(r, "MOE", in("STR-1", "0"), in("SRV-2", "0"))
	for _, c := range codes {
		f.submit(r, c)
	}
	scores := func(kind string) []survey.InstitutionScore {
		t.Helper()
		return must(s.ScoresSince(ctx, r.ID, kind, 0))(t, "ScoresSince")
	}
	if list := scores(survey.ScoreSelf); list[0].Band != nil {
		t.Errorf("open round: %s has a band before any analysis", list[0].Code)
	}
	if a := must(s.RankAnalysis(ctx, r.ID, survey.ScoreSelf))(t, "RankAnalysis"); a != nil {
		t.Errorf("open round: analysis %+v", a)
	}
	f.moves("scores version when a round is closed and analysed", s.ScoresVersion, func() { r = f.roundAction(r, "close") })
	for _, kind := range []string{survey.ScoreSelf, survey.ScoreVerified} {
		list := scores(kind)
		for _, x := range list {
			if x.Band == nil || x.Band.Low > x.Band.High || x.Band.High > x.Of {
				t.Fatalf("%s, %s: band %+v of %d", kind, x.Code, x.Band, x.Of)
			}
		}
		// MOE scored 0 everywhere: last under any weights. (Nothing is
		// approved yet: on the verified index all three tie.)
		if last := list[len(list)-1]; kind == survey.ScoreSelf && (last.Code != "MOE" || *last.Band != (survey.RankBand{Median: 3, Low: 3, High: 3})) {
			t.Errorf("%s: last %s band %+v", kind, last.Code, *last.Band)
		}
		a := must(s.RankAnalysis(ctx, r.ID, kind))(t, "RankAnalysis")
		if a == nil || a.Seed != survey.RankSeed(r.ID, survey.ScoringVersion) || a.Replicates != survey.DefaultReplicates || len(a.Dimensions) != 2 ||
			a.Dimensions[0].Section != "STR" || a.Spread != survey.DefaultWeightSpread {
			t.Errorf("%s: analysis %+v", kind, a)
		}
	}

	// Reopened, a response returned and submitted again with other
	// answers: the stored bands are of other scores.
	r = f.roundAction(r, "reopen")
	must(s.ResponseAction(ctx, f.coord, r.ID, "MOE", "return"))(t, "return")
	f.answer(r, "MOE", in("STR-2", "a", "b"))
	f.submit(r, "MOE")
	if list := scores(survey.ScoreSelf); list[0].Band != nil {
		t.Error("scores changed after the analysis, yet the ranking shows its bands")
	}
	if a := must(s.RankAnalysis(ctx, r.ID, survey.ScoreSelf))(t, "RankAnalysis"); a != nil {
		t.Errorf("scores changed after the analysis, yet it is served: %+v", a)
	}
	r = f.roundAction(r, "close")
	if list := scores(survey.ScoreSelf); list[0].Band == nil {
		t.Error("closed again: no bands")
	}
}
