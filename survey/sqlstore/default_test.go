package sqlstore

import (
	"context"
	"errors"
	"testing"

	"marsad/survey"
	"marsad/survey/demo"
)

// TestDemoRounds: the demo has 2024 and 2025 published, 2026 open and a
// closed pilot on the GTMI model, 2025 GTMI; every generated answer passes
// the same checks as a typed one, and every submitted response is
// complete.
func TestDemoRounds(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Fatal(err)
	}
	rounds, err := s.ListRounds(ctx)
	if err != nil || len(rounds) != 4 {
		t.Fatalf("rounds %+v, %v", rounds, err)
	}
	want := map[string]string{"2024": survey.RoundPublished, "2025": survey.RoundPublished, "2026": survey.RoundOpen, "2025 GTMI": survey.RoundClosed}
	for _, r := range rounds {
		if want[r.Name] != r.Status {
			t.Errorf("round %s is %s", r.Name, r.Status)
		}
		q, err := s.Questionnaire(ctx, r.QuestionnaireID)
		if err != nil {
			t.Fatal(err)
		}
		insts, _ := s.ListInstitutions(ctx, survey.InstitutionFilter{})
		for _, inst := range insts {
			resp, err := s.Response(ctx, r.ID, inst.Code)
			if errors.Is(err, survey.ErrNotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			answers, _ := s.Answers(ctx, resp.ID)
			for id, a := range answers {
				it, _ := q.Def.Item(id)
				if _, err := survey.CheckAnswer(it, survey.AnswerInput{ItemID: id, Values: a.Values, NA: a.NA, Comment: a.Comment}); err != nil {
					t.Errorf("%s %s %s: demo answer %v: %v", r.Name, inst.Code, id, a.Values, err)
				}
			}
			if resp.Status != survey.ResponseDraft {
				if missing := survey.MissingAnswers(q.Def, answers); len(missing) > 0 {
					t.Errorf("%s %s (%s) misses %v", r.Name, inst.Code, resp.Status, missing)
				}
			}
			if r.Name == "2026" && inst.Code == "MOH" && (resp.Status != survey.ResponseDraft || len(answers) == 0) {
				t.Errorf("MOH 2026: %s with %d answers, want a partial draft", resp.Status, len(answers))
			}
		}
	}
}
