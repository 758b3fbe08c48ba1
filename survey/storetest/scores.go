package storetest

import (
	"errors"
	"math"
	"slices"
	"testing"

	"marsad/survey"
)

// testScores: a submission is scored, in the same step, by the domain's
// scoring of its answers and of the catalog frozen with it; rankings,
// changes against an earlier round and the version counters that guard
// their caches follow every submission, acceptance, round change and
// institution change.
func testScores(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	f.institution("MOI", "interior")
	f.institution("MOE", "health")
	s1 := f.service(serviceInput("MOH", "S-1", "دفع رسوم", 3))
	f.service(serviceInput("MOH", "S-2", "معلومات", 1))
	f.service(serviceInput("MOI", "S-3", "جواز سفر", 4))
	q := f.questionnaire()

	strong := []survey.AnswerInput{in("STR-1", "2"), in("STR-1-EV", "https://x.example.ps/plan"), in("STR-2", "a", "b"),
		in("SRV-2", "60"), in("SRV-3", "100"), in("SRV-4", "yes")}
	weak := []survey.AnswerInput{in("STR-1", "1"), in("SRV-2", "30")}
	weakest := []survey.AnswerInput{in("STR-1", "0"), in("SRV-2", "0")}

	// expected is the domain's score of an institution's answers in a
	// round and of the catalog it had when it submitted.
	expected := func(t *testing.T, r survey.Round, code, kind string, catalog []survey.Service) survey.Result {
		t.Helper()
		answers := f.sub(t).answers(r, code)
		return survey.Score(q.Def, answers, catalog, survey.ScoreOptions{VerifiedOnly: kind == survey.ScoreVerified, AsOf: r.OpenedAt})
	}
	sameResult := func(t *testing.T, what string, got, want survey.Result) {
		t.Helper()
		if !near(got.Index, want.Index) || got.Level != want.Level || len(got.Items) != len(want.Items) ||
			len(got.Dimensions) != len(want.Dimensions) {
			t.Errorf("%s: stored %+v, want %+v", what, got, want)
			return
		}
		for i, it := range got.Items {
			if w := want.Items[i]; it.ItemID != w.ItemID || !near(it.Score, w.Score) || it.Dropped != w.Dropped {
				t.Errorf("%s: item %+v, want %+v", what, it, w)
			}
		}
	}

	var a survey.Round // 2025: MOH first, MOI second
	catalogs := map[string][]survey.Service{}
	t.Run("submission scores", func(t *testing.T) {
		f := f.sub(t)
		a = f.round("2025")
		f.answer(a, "MOH", strong...)
		f.answer(a, "MOI", weak...)
		f.answer(a, "MOE", weakest...) // a draft: never ranked
		ok(t, "ReadScores before any submission", s.ReadScores(ctx, a.ID, survey.ScoreSelf, func(list []survey.InstitutionScore) error {
			if len(list) != 0 {
				t.Errorf("ranking of drafts: %+v", list)
			}
			return nil
		}))
		_, err := s.ScoreResult(ctx, a.ID, "MOH", survey.ScoreSelf)
		wantIs(t, "ScoreResult of a draft", err, survey.ErrNotFound)

		for _, code := range []string{"MOH", "MOI"} {
			catalogs[code] = must(s.InstitutionServices(ctx, code))(t, "InstitutionServices")
			f.moves("ScoresVersion after a submission", s.ScoresVersion, func() { f.submit(a, code) })
		}
		for _, code := range []string{"MOH", "MOI"} {
			for _, kind := range []string{survey.ScoreSelf, survey.ScoreVerified} {
				got := must(s.ScoreResult(ctx, a.ID, code, kind))(t, "ScoreResult")
				sameResult(t, code+" "+kind, got, expected(t, a, code, kind, catalogs[code]))
			}
		}
		self := must(s.ScoreResult(ctx, a.ID, "MOH", survey.ScoreSelf))(t, "ScoreResult")
		verified := must(s.ScoreResult(ctx, a.ID, "MOH", survey.ScoreVerified))(t, "ScoreResult")
		if !(verified.Index < self.Index) {
			t.Errorf("verified index %v before any review, want below the self-reported %v", verified.Index, self.Index)
		}
		_, err = s.ScoreResult(ctx, a.ID, "MOE", survey.ScoreSelf)
		wantIs(t, "ScoreResult of MOE's draft", err, survey.ErrNotFound)
		_, err = s.ScoreResult(ctx, unknownID, "MOH", survey.ScoreSelf)
		wantIs(t, "ScoreResult in an unknown round", err, survey.ErrNotFound)
	})

	t.Run("ranking", func(t *testing.T) {
		f := f.sub(t)
		results := map[string]survey.Result{}
		for _, code := range []string{"MOH", "MOI"} {
			results[code] = must(s.ScoreResult(ctx, a.ID, code, survey.ScoreSelf))(t, "ScoreResult")
		}
		ranked := survey.Rank(q.Def.Model, results)
		var list []survey.InstitutionScore
		ok(t, "ReadScores", s.ReadScores(ctx, a.ID, survey.ScoreSelf, func(l []survey.InstitutionScore) error {
			list = slices.Clone(l)
			return nil
		}))
		if len(list) != len(ranked) {
			t.Fatalf("ranking of %d institutions, want %d", len(list), len(ranked))
		}
		for i, x := range list {
			w, res := ranked[i], results[ranked[i].Institution]
			if x.Code != w.Institution || x.Rank != w.Rank || x.Of != 2 || !near(x.Index, w.Display) || x.Level != w.Level ||
				x.Status != survey.ResponseSubmitted || x.ScoringVersion != survey.ScoringVersion || x.QuestionnaireHash != q.Hash ||
				x.NameAr != "وزارة "+x.Code || x.Sector == "" {
				t.Errorf("row %d: %+v, want %+v", i, x, w)
			}
			for _, d := range res.Dimensions {
				if v, ok := x.Dimensions[d.Section]; d.Dropped == ok || ok && !near(v, q.Def.Model.Display(d.Score)) {
					t.Errorf("%s dimension %s = %v (listed %v), want %v", x.Code, d.Section, v, ok, q.Def.Model.Display(d.Score))
				}
			}
		}
		if list[0].Code != "MOH" || list[0].DimensionRanks["STR"] != 1 {
			t.Errorf("first %+v, want MOH ranked 1 on STR", list[0])
		}
		ok(t, "ReadRanking", s.ReadRanking(ctx, a.ID, survey.ScoreSelf, func(rk *survey.Ranking) error {
			if x, found := rk.Find("MOI"); !found || x.Rank != 2 {
				t.Errorf("Find(MOI) = %+v, %v", x, found)
			}
			if _, found := rk.Find("MOE"); found {
				t.Error("MOE's draft is in the ranking")
			}
			mean := (list[0].Dimensions["STR"] + list[1].Dimensions["STR"]) / 2
			if got := rk.Average("STR"); !near(got, math.Round(mean*10)/10) {
				t.Errorf("Average(STR) = %v, want %v", got, math.Round(mean*10)/10)
			}
			if best := rk.SectorBest("interior", ""); best == nil || best.Code != "MOI" {
				t.Errorf("SectorBest(interior) = %+v, want MOI", best)
			}
			return nil
		}))
		// The trend of averages reads only each institution's index.
		var sum float64
		var count int
		ok(t, "ReadIndexes", s.ReadIndexes(ctx, []int64{a.ID}, survey.ScoreSelf, func(_ int64, idx survey.RoundIndexes) error {
			for _, p := range idx {
				sum += p.Index
				count++
			}
			return nil
		}))
		if count != 2 || !near(sum, list[0].Index+list[1].Index) {
			t.Errorf("ReadIndexes: %d indexes summing to %v, want 2 summing to %v", count, sum, list[0].Index+list[1].Index)
		}
		err := s.ReadIndexes(ctx, []int64{unknownID}, survey.ScoreSelf, func(int64, survey.RoundIndexes) error { return nil })
		wantIs(t, "ReadIndexes of an unknown round", err, survey.ErrNotFound)
		stop := errors.New("stop")
		if err := s.ReadScores(ctx, a.ID, survey.ScoreSelf, func([]survey.InstitutionScore) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("ReadScores lost fn's error: %v", err)
		}
		err = s.ReadRanking(ctx, unknownID, survey.ScoreSelf, func(*survey.Ranking) error { return nil })
		wantIs(t, "ReadRanking of an unknown round", err, survey.ErrNotFound)
		f.stays("ScoresVersion after reads", s.ScoresVersion, func() {
			_, _ = s.ScoresSince(ctx, a.ID, survey.ScoreSelf, 0)
		})
	})

	t.Run("review and acceptance", func(t *testing.T) {
		f := f.sub(t)
		// The catalog is frozen with the submission: a later change of
		// the catalog does not change the score, even when it is
		// computed again at acceptance.
		ok(t, "RetireService", s.RetireService(ctx, f.coord, s1.ID))
		self := must(s.ScoreResult(ctx, a.ID, "MOH", survey.ScoreSelf))(t, "ScoreResult")
		must(s.ApproveUnreviewed(ctx, f.coord, a.ID, "MOH"))(t, "ApproveUnreviewed")
		f.moves("ScoresVersion after an acceptance", s.ScoresVersion, func() {
			must(s.ResponseAction(ctx, f.coord, a.ID, "MOH", "accept"))(t, "accept")
		})
		sameResult(t, "MOH self after acceptance", must(s.ScoreResult(ctx, a.ID, "MOH", survey.ScoreSelf))(t, "ScoreResult"), self)
		// Every answer approved: the verified index is the self-reported one.
		verified := must(s.ScoreResult(ctx, a.ID, "MOH", survey.ScoreVerified))(t, "ScoreResult")
		sameResult(t, "MOH verified after approving all", verified, expected(t, a, "MOH", survey.ScoreVerified, catalogs["MOH"]))
		if !near(verified.Index, self.Index) {
			t.Errorf("verified %v after approving every answer, want the self-reported %v", verified.Index, self.Index)
		}
		ok(t, "ReadScores verified", s.ReadScores(ctx, a.ID, survey.ScoreVerified, func(l []survey.InstitutionScore) error {
			if len(l) != 2 || l[0].Code != "MOH" || l[0].Status != survey.ResponseAccepted || !near(l[0].Index, q.Def.Model.Display(self.Index)) {
				t.Errorf("verified ranking %+v, want MOH first, accepted, at %v", l, q.Def.Model.Display(self.Index))
			}
			return nil
		}))
	})

	t.Run("publication", func(t *testing.T) {
		f := f.sub(t)
		f.roundAction(a, "close")
		f.moves("ScoresVersion after publishing", s.ScoresVersion, func() { a = f.roundAction(a, "publish") })
		f.moves("PagesVersion after a round is made public", s.PagesVersion, func() {
			ok(t, "SetRoundPublic", s.SetRoundPublic(ctx, f.admin.ID, a.ID, true))
		})
		ok(t, "ReadRanking", s.ReadRanking(ctx, a.ID, survey.ScoreSelf, func(rk *survey.Ranking) error {
			if len(rk.List) != 2 || rk.List[0].Code != "MOH" || rk.List[1].Code != "MOI" {
				t.Errorf("published ranking %+v", rk.List)
			}
			return nil
		}))
		w := must(s.RespondentWork(ctx, "MOH", a.PublishedAt))(t, "RespondentWork")
		if w.Published == nil || w.Published.Round.ID != a.ID || w.Published.Score.Code != "MOH" || w.Published.Score.Rank != 1 ||
			w.Published.Def == nil {
			t.Errorf("MOH's published result %+v", w.Published)
		}
		if w := must(s.RespondentWork(ctx, "MOE", a.PublishedAt))(t, "RespondentWork"); w.Published != nil {
			t.Errorf("MOE, unranked, has a published result %+v", w.Published)
		}
	})

	t.Run("changes since a round", func(t *testing.T) {
		f := f.sub(t)
		b := f.round("2026") // MOI first, MOH second
		f.answer(b, "MOH", weakest...)
		f.answer(b, "MOI", strong...)
		f.submit(b, "MOH")
		f.submit(b, "MOI")
		index := func(r survey.Round, code string) float64 {
			var v float64
			ok(t, "ReadRanking", s.ReadRanking(ctx, r.ID, survey.ScoreSelf, func(rk *survey.Ranking) error {
				x, _ := rk.Find(code)
				v = x.Index
				return nil
			}))
			return v
		}
		since := must(s.ScoresSince(ctx, b.ID, survey.ScoreSelf, a.ID))(t, "ScoresSince")
		want := map[string]int{"MOI": 1, "MOH": -1} // moved up one, down one
		if len(since) != 2 {
			t.Fatalf("ScoresSince = %+v", since)
		}
		for _, x := range since {
			d := index(b, x.Code) - index(a, x.Code)
			if x.DeltaRank == nil || *x.DeltaRank != want[x.Code] || x.DeltaIndex == nil || math.Abs(*x.DeltaIndex-d) > 1e-6 {
				t.Errorf("%s: Δ rank %v, Δ index %v; want %d and %v", x.Code, ptr(x.DeltaRank), ptr(x.DeltaIndex), want[x.Code], d)
			}
		}
		ok(t, "ReadRankingSince", s.ReadRankingSince(ctx, b.ID, survey.ScoreSelf, a.ID, func(rk *survey.Ranking) error {
			if x, _ := rk.Find("MOI"); x.DeltaRank == nil || *x.DeltaRank != 1 {
				t.Errorf("ReadRankingSince MOI %+v", x)
			}
			return nil
		}))
		// Without a round to compare with, no changes: the reader may
		// not be allowed to see any earlier round.
		ok(t, "ReadRanking", s.ReadRanking(ctx, b.ID, survey.ScoreSelf, func(rk *survey.Ranking) error {
			for _, x := range rk.List {
				if x.DeltaIndex != nil || x.DeltaRank != nil {
					t.Errorf("ReadRanking without a round to compare with has changes: %+v", x)
				}
			}
			return nil
		}))
		var seen []int64
		ok(t, "ReadIndexes", s.ReadIndexes(ctx, []int64{a.ID, b.ID}, survey.ScoreSelf, func(id int64, idx survey.RoundIndexes) error {
			seen = append(seen, id)
			return s.ReadRanking(ctx, id, survey.ScoreSelf, func(rk *survey.Ranking) error {
				if len(idx) != len(rk.List) || len(idx) == 0 {
					t.Errorf("ReadIndexes round %d: %d institutions, the ranking has %d", id, len(idx), len(rk.List))
				}
				for _, x := range rk.List {
					if p := idx[x.Code]; p.Index != x.Index || p.Own != x.OwnOnly().Index {
						t.Errorf("ReadIndexes round %d %s: %+v, ranking says %v (own %v)", id, x.Code, p, x.Index, x.OwnOnly().Index)
					}
				}
				return nil
			})
		}))
		if !slices.Equal(seen, []int64{a.ID, b.ID}) {
			t.Errorf("ReadIndexes called fn for %v, want %v in order", seen, []int64{a.ID, b.ID})
		}

		// A deactivated institution leaves the rankings at once.
		f.moves("ScoresVersion after deactivating an institution", s.ScoresVersion, func() {
			ok(t, "deactivate MOI", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", false))
		})
		ok(t, "ReadScores", s.ReadScores(ctx, b.ID, survey.ScoreSelf, func(l []survey.InstitutionScore) error {
			if len(l) != 1 || l[0].Code != "MOH" || l[0].Rank != 1 || l[0].Of != 1 {
				t.Errorf("ranking without MOI: %+v", l)
			}
			return nil
		}))
		ok(t, "ReadIndexes without MOI", s.ReadIndexes(ctx, []int64{b.ID}, survey.ScoreSelf, func(_ int64, idx survey.RoundIndexes) error {
			if p, has := idx["MOH"]; len(idx) != 1 || !has || !near(p.Index, index(b, "MOH")) {
				t.Errorf("ReadIndexes without MOI = %+v; want MOH's index alone", idx)
			}
			return nil
		}))
		ok(t, "reactivate MOI", s.SetInstitutionActive(ctx, f.admin.ID, "MOI", true))
		if l, _ := s.ScoresSince(ctx, b.ID, survey.ScoreSelf, 0); len(l) != 2 {
			t.Errorf("ranking after reactivating MOI: %+v", l)
		}
	})
}

// ptr is what a pointer points to, for messages ("nil" for nil).
func ptr[T any](p *T) any {
	if p == nil {
		return "nil"
	}
	return *p
}
