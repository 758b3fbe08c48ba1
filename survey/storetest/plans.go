package storetest

import (
	"testing"

	"marsad/survey"
)

// testPlans: an institution's action plan after a round is written by the
// institution or the coordinator, saved under versions, frozen once its
// target round is over, and listed with an outcome that counts only the
// scores its reader may see.
func testPlans(t *testing.T, open func(t *testing.T) Store) {
	f := setup(t, open)
	s, ctx := f.s, f.ctx
	f.institution("MOH", "health")
	f.institution("MOI", "interior")
	moh, moi := f.respondent("MOH"), f.respondent("MOI")

	a := f.round("2025")
	f.answer(a, "MOH", in("STR-1", "1"), in("SRV-2", "30"))
	f.answer(a, "MOI", in("STR-1", "2"))
	f.submit(a, "MOH")
	f.submit(a, "MOI")
	a = f.roundAction(a, "close")
	itemScore := func(t *testing.T, r survey.Round, code, item string) float64 {
		t.Helper()
		for _, it := range must(s.ScoreResult(ctx, r.ID, code, survey.ScoreSelf))(t, "ScoreResult").Items {
			if it.ItemID == item {
				return it.Score
			}
		}
		t.Fatalf("no score of %s in %s's result", item, code)
		return 0
	}
	atPlan := itemScore(t, a, "MOH", "STR-1")

	var item, free, other survey.PlanAction
	t.Run("create", func(t *testing.T) {
		f := f.sub(t)
		draft := must(s.CreateRound(ctx, f.admin.ID, survey.RoundInput{Name: "2024", QuestionnaireID: a.QuestionnaireID}))(t, "CreateRound")
		valid := survey.PlanInput{ItemID: "STR-1", TextAr: "اعتماد الخطة الرقمية", Owner: "الإدارة العامة للتخطيط", TargetRound: "٢٠٢٦"}
		_, err := s.CreatePlanAction(ctx, moh, draft.ID, "MOH", valid)
		wantIs(t, "plan after a round not yet opened", err, survey.ErrInvalidTransition)
		_, err = s.CreatePlanAction(ctx, moi, a.ID, "MOH", valid)
		wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
		_, err = s.CreatePlanAction(ctx, moh, unknownID, "MOH", valid)
		wantIs(t, "unknown round", err, survey.ErrNotFound)
		bad := valid
		bad.ItemID = "NOPE"
		_, err = s.CreatePlanAction(ctx, moh, a.ID, "MOH", bad)
		wantField(t, "item not in the questionnaire", err, "item", "err.choose_from_list")
		bad = valid
		bad.Owner = ""
		_, err = s.CreatePlanAction(ctx, moh, a.ID, "MOH", bad)
		wantField(t, "no owner", err, "owner", "")
		if list, _ := s.PlanActions(ctx, survey.PlanFilter{}); len(list) != 0 {
			t.Errorf("refused creates stored %+v", list)
		}

		f.moves("PagesVersion after a plan action", s.PagesVersion, func() {
			item = must(s.CreatePlanAction(ctx, moh, a.ID, "MOH", valid))(t, "CreatePlanAction")
		})
		if item.ID == 0 || item.InstitutionCode != "MOH" || item.RoundID != a.ID || item.RoundName != "2025" || item.ItemID != "STR-1" ||
			item.TargetRound != "2026" || item.Progress != "planned" || item.Version != 1 || item.ScoreAtPlan == nil || !near(*item.ScoreAtPlan, atPlan) {
			t.Errorf("created %+v (score at plan %v), want STR-1's score %v kept", item, ptr(item.ScoreAtPlan), atPlan)
		}
		_, err = s.CreatePlanAction(ctx, moh, a.ID, "MOH", valid)
		wantField(t, "the same item twice", err, "item", "err.plan_item_taken")
		free = must(s.CreatePlanAction(ctx, moh, a.ID, "MOH", survey.PlanInput{TextAr: "تدريب الموظفين", Owner: "الموارد البشرية",
			TargetRound: "2026", Progress: "in_progress"}))(t, "CreatePlanAction free text")
		other = must(s.CreatePlanAction(ctx, f.coord, a.ID, "MOI", survey.PlanInput{TextAr: "ربط الأنظمة", Owner: "تقنية المعلومات",
			TargetRound: "2027"}))(t, "CreatePlanAction MOI")
		if got, err := s.PlanAction(ctx, free.ID); err != nil || got.TextAr != "تدريب الموظفين" || got.ItemID != "" || got.Progress != "in_progress" {
			t.Errorf("PlanAction(free) = %+v, %v", got, err)
		}
		_, err = s.PlanAction(ctx, unknownID)
		wantIs(t, "PlanAction(unknown)", err, survey.ErrNotFound)
	})

	t.Run("update with versions", func(t *testing.T) {
		in := survey.PlanInput{ItemID: "STR-2", TextAr: "اعتماد الخطة الرقمية ونشرها", Owner: "الإدارة العامة للتخطيط", TargetRound: "2026",
			Progress: "in_progress", ProgressNote: "المسودة جاهزة", Version: item.Version}
		got := must(s.UpdatePlanAction(ctx, moh, item.ID, in))(t, "UpdatePlanAction")
		if got.Version != 2 || got.ItemID != "STR-1" || got.Progress != "in_progress" || got.ProgressNote != "المسودة جاهزة" || got.TextAr != in.TextAr {
			t.Errorf("updated %+v; want version 2, still STR-1 (what an action answers does not change)", got)
		}
		stale := in
		stale.Owner = "غيرهم"
		_, err := s.UpdatePlanAction(ctx, f.coord, item.ID, stale) // from version 1
		wantIs(t, "update from an old version", err, survey.ErrConflict)
		in.Version = 2
		_, err = s.UpdatePlanAction(ctx, moi, item.ID, in)
		wantIs(t, "another institution's respondent", err, survey.ErrForbidden)
		bad := in
		bad.Progress = "maybe"
		_, err = s.UpdatePlanAction(ctx, moh, item.ID, bad)
		wantField(t, "unknown progress", err, "progress", "")
		_, err = s.UpdatePlanAction(ctx, moh, unknownID, in)
		wantIs(t, "update unknown", err, survey.ErrNotFound)
		if now, _ := s.PlanAction(ctx, item.ID); now.Version != 2 || now.Owner != "الإدارة العامة للتخطيط" || now.Progress != "in_progress" {
			t.Errorf("refused updates changed the action: %+v", now)
		}
		item = got
	})

	t.Run("lists and outcomes", func(t *testing.T) {
		for name, c := range map[string]struct {
			filter survey.PlanFilter
			want   []int64
		}{
			"institution":  {survey.PlanFilter{Institution: "MOH"}, []int64{item.ID, free.ID}},
			"round":        {survey.PlanFilter{RoundID: a.ID}, []int64{item.ID, free.ID, other.ID}},
			"target round": {survey.PlanFilter{TargetRound: "2027"}, []int64{other.ID}},
			"other round":  {survey.PlanFilter{RoundID: unknownID}, nil},
		} {
			list, err := s.PlanActions(ctx, c.filter)
			if err != nil || len(list) != len(c.want) {
				t.Errorf("%s: %d actions, %v; want %v", name, len(list), err, c.want)
				continue
			}
			for i, p := range list {
				if p.ID != c.want[i] {
					t.Errorf("%s: action %d is %d, want %v (by institution, then age)", name, i, p.ID, c.want)
				}
			}
		}
		list := must(s.PlanActions(ctx, survey.PlanFilter{Institution: "MOH"}))(t, "PlanActions")
		// The round is not published: nobody who may not see its scores
		// learns the score an action started from.
		if list[0].ScoreAtPlan != nil || list[0].Outcome != survey.OutcomeInProgress || list[1].Outcome != survey.OutcomeInProgress {
			t.Errorf("outcomes %+v; want in progress, with no score of the unpublished round", list)
		}
		all := func(survey.Round) bool { return true }
		list = must(s.PlanActions(ctx, survey.PlanFilter{Institution: "MOH", Seen: all}))(t, "PlanActions")
		if list[0].ScoreAtPlan == nil || !near(*list[0].ScoreAtPlan, atPlan) {
			t.Errorf("a reader who sees every round gets score at plan %v, want %v", ptr(list[0].ScoreAtPlan), atPlan)
		}
	})

	t.Run("the target round decides", func(t *testing.T) {
		f := f.sub(t)
		b := f.round("2026")
		f.answer(b, "MOH", in("STR-1", "2")) // the item's score rises
		f.submit(b, "MOH")
		f.roundAction(b, "close")
		// Over without the item's score seen to rise: slipped, and
		// frozen (its outcome is on record).
		list := must(s.PlanActions(ctx, survey.PlanFilter{Institution: "MOH"}))(t, "PlanActions")
		if list[0].Outcome != survey.OutcomeSlipped || list[1].Outcome != survey.OutcomeSlipped {
			t.Errorf("outcomes after the target round closed: %s, %s; want slipped", list[0].Outcome, list[1].Outcome)
		}
		up := survey.PlanInput{TextAr: free.TextAr, Owner: free.Owner, TargetRound: "2026", Progress: "done", Version: free.Version}
		_, err := s.UpdatePlanAction(ctx, moh, free.ID, up)
		wantIs(t, "update after the target round", err, survey.ErrInvalidTransition)
		wantIs(t, "delete after the target round", s.DeletePlanAction(ctx, moh, free.ID), survey.ErrInvalidTransition)
		if now, err := s.PlanAction(ctx, free.ID); err != nil || now.Progress != "in_progress" {
			t.Errorf("a frozen action changed: %+v, %v", now, err)
		}

		// Once both rounds are published and public, anyone sees the
		// item's score rise: the action is done.
		f.roundAction(a, "publish")
		f.roundAction(b, "publish")
		ok(t, "SetRoundPublic 2025", s.SetRoundPublic(ctx, f.admin.ID, a.ID, true))
		ok(t, "SetRoundPublic 2026", s.SetRoundPublic(ctx, f.admin.ID, b.ID, true))
		rose := itemScore(t, b, "MOH", "STR-1")
		list = must(s.PlanActions(ctx, survey.PlanFilter{Institution: "MOH"}))(t, "PlanActions")
		p := list[0]
		if p.ID != item.ID || p.Outcome != survey.OutcomeDone || p.ScoreAtPlan == nil || !near(*p.ScoreAtPlan, atPlan) ||
			p.NewScore == nil || !near(*p.NewScore, rose) {
			t.Errorf("item action %+v (at plan %v, new %v); want done, %v then %v", p, ptr(p.ScoreAtPlan), ptr(p.NewScore), atPlan, rose)
		}
		// A reader who may see neither round is not told by the outcome.
		none := func(survey.Round) bool { return false }
		list = must(s.PlanActions(ctx, survey.PlanFilter{Institution: "MOH", Seen: none}))(t, "PlanActions")
		if p := list[0]; p.ScoreAtPlan != nil || p.NewScore != nil || p.Outcome != survey.OutcomeSlipped {
			t.Errorf("for a reader who sees no round: %+v; want no scores, slipped", p)
		}
	})

	t.Run("delete", func(t *testing.T) {
		f := f.sub(t)
		wantIs(t, "delete by another institution", s.DeletePlanAction(ctx, moh, other.ID), survey.ErrForbidden)
		f.moves("PagesVersion after a delete", s.PagesVersion, func() {
			ok(t, "DeletePlanAction", s.DeletePlanAction(ctx, moi, other.ID))
		})
		_, err := s.PlanAction(ctx, other.ID)
		wantIs(t, "deleted action", err, survey.ErrNotFound)
		wantIs(t, "delete again", s.DeletePlanAction(ctx, moi, other.ID), survey.ErrNotFound)
		if list, _ := s.PlanActions(ctx, survey.PlanFilter{Institution: "MOI"}); len(list) != 0 {
			t.Errorf("MOI's plan after the delete: %+v", list)
		}
	})
}
