package survey

import (
	"context"
	"testing"
)

// TestDemoInitiatives: the demo shows the conference side too — three
// approved success stories and one waiting for approval, initiatives with
// every kind of partner, obstacles cited in the published rounds, and
// action plans in each of the four outcomes.
func TestDemoInitiatives(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := context.Background()
	if err := s.SeedDemo(ctx, demoData); err != nil {
		t.Fatal(err)
	}

	stories, err := s.PublicStories(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stories) != 3 {
		t.Errorf("public stories = %d, want 3", len(stories))
	}
	for _, st := range stories {
		if !st.Story || st.StoryStatus != StoryApproved || st.StoryAr == "" || st.StoryEn == "" ||
			st.FigureLabelAr == "" || st.FigureLabelEn == "" || st.FigureBefore == nil || st.FigureAfter == nil {
			t.Errorf("story %q: %+v", st.TitleEn, st)
		}
	}
	pending, err := s.ListInitiatives(ctx, InitiativeFilter{StoryStatus: StoryPending})
	if err != nil || len(pending) != 1 {
		t.Errorf("pending stories = %d, %v; want 1", len(pending), err)
	}

	list, err := s.ListInitiatives(ctx, InitiativeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 20 {
		t.Errorf("initiatives = %d, want at least 20", len(list))
	}
	partners, statuses, institutions, linked := map[string]bool{}, map[string]bool{}, map[string]bool{}, 0
	for _, in := range list {
		for _, p := range in.Partners {
			partners[p.Type] = true
		}
		statuses[in.Status] = true
		institutions[in.InstitutionCode] = true
		if len(in.ServiceIDs) > 0 {
			linked++
		}
		// What was stored reads back as valid input.
		back := InitiativeInput{InstitutionCode: in.InstitutionCode, TitleAr: in.TitleAr, TitleEn: in.TitleEn,
			SummaryAr: in.SummaryAr, SummaryEn: in.SummaryEn, Status: in.Status, StartMonth: in.StartMonth,
			EndMonth: in.EndMonth, BudgetBand: in.BudgetBand, OutcomeAr: in.OutcomeAr, OutcomeEn: in.OutcomeEn,
			Partners: in.Partners, ServiceIDs: in.ServiceIDs, Story: in.Story, StoryAr: in.StoryAr, StoryEn: in.StoryEn,
			FigureLabelAr: in.FigureLabelAr, FigureLabelEn: in.FigureLabelEn}
		if _, err := checkInitiative(back); err != nil {
			t.Errorf("initiative %q: %v", in.TitleEn, err)
		}
	}
	for _, pt := range PartnerTypes {
		if !partners[pt] {
			t.Errorf("no initiative with a %s partner", pt)
		}
	}
	for _, st := range InitiativeStatuses {
		if !statuses[st] {
			t.Errorf("no initiative %s", st)
		}
	}
	if len(institutions) < 12 || linked < len(list)/2 {
		t.Errorf("initiatives of %d institutions, %d linked to services", len(institutions), linked)
	}

	rounds, err := s.ListRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Round{}
	for _, r := range rounds {
		byName[r.Name] = r
	}
	cites, err := s.ObstacleCitations(ctx, byName["2025"].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds, regions, cited := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range cites {
		kinds[c.Obstacle.Kind] = true
		regions[c.Region] = true
		cited[c.InstitutionCode] = true
		if c.Severity < 1 || c.Severity > MaxSeverity {
			t.Errorf("%s cites %s with severity %d", c.InstitutionCode, c.Obstacle.Code, c.Severity)
		}
	}
	if !kinds[ObstacleInternal] || !kinds[ObstacleExternal] || len(regions) < 3 {
		t.Errorf("2025 obstacles: kinds %v, regions %v; want both kinds and at least 3 regions", kinds, regions)
	}
	scores, err := s.Scores(ctx, byName["2025"].ID, ScoreSelf)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scores {
		if !cited[sc.Code] {
			t.Errorf("2025: %s was scored but cites no obstacle", sc.Code)
		}
	}
	moh, err := s.Response(ctx, byName["2026"].ID, "MOH")
	if err != nil {
		t.Fatal(err)
	}
	if oa, err := s.ResponseObstacles(ctx, moh.ID); err != nil || len(oa.Severity) == 0 || oa.Version != 1 {
		t.Errorf("MOH 2026 draft obstacles %+v, %v; want some, at version 1", oa, err)
	}

	plans, err := s.PlanActions(ctx, PlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes, planners := map[string]int{}, map[string]bool{}
	for _, p := range plans {
		outcomes[p.Outcome]++
		planners[p.InstitutionCode] = true
		if p.ItemID == "" || p.ScoreAtPlan == nil || *p.ScoreAtPlan >= 1 || p.Owner == "" || p.TextAr == "" {
			t.Errorf("plan action %+v", p)
		}
	}
	for _, o := range PlanOutcomes {
		if outcomes[o] == 0 {
			t.Errorf("no plan action %s (outcomes %v)", o, outcomes)
		}
	}
	if len(planners) < 10 {
		t.Errorf("plans of %d institutions, want at least 10", len(planners))
	}
}
