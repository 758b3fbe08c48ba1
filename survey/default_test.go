package survey

import (
	"context"
	"errors"
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

// TestDemoRounds: the demo has 2024 and 2025 published and 2026 open; every
// generated answer passes the same checks as a typed one, and every
// submitted response is complete.
func TestDemoRounds(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := s.SeedDemo(ctx, demoData); err != nil {
		t.Fatal(err)
	}
	rounds, err := s.ListRounds(ctx)
	if err != nil || len(rounds) != 3 {
		t.Fatalf("rounds %+v, %v", rounds, err)
	}
	want := map[string]string{"2024": RoundPublished, "2025": RoundPublished, "2026": RoundOpen}
	for _, r := range rounds {
		if want[r.Name] != r.Status {
			t.Errorf("round %s is %s", r.Name, r.Status)
		}
		q, err := s.Questionnaire(ctx, r.QuestionnaireID)
		if err != nil {
			t.Fatal(err)
		}
		insts, _ := s.ListInstitutions(ctx, InstitutionFilter{})
		for _, inst := range insts {
			resp, err := s.Response(ctx, r.ID, inst.Code)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			answers, _ := s.Answers(ctx, resp.ID)
			for id, a := range answers {
				it, _ := q.Def.Item(id)
				if _, err := checkAnswer(it, AnswerInput{ItemID: id, Values: a.Values, NA: a.NA, Comment: a.Comment}); err != nil {
					t.Errorf("%s %s %s: demo answer %v: %v", r.Name, inst.Code, id, a.Values, err)
				}
			}
			if resp.Status != ResponseDraft {
				if missing := MissingAnswers(q.Def, answers); len(missing) > 0 {
					t.Errorf("%s %s (%s) misses %v", r.Name, inst.Code, resp.Status, missing)
				}
			}
			if r.Name == "2026" && inst.Code == "MOH" && (resp.Status != ResponseDraft || len(answers) == 0) {
				t.Errorf("MOH 2026: %s with %d answers, want a partial draft", resp.Status, len(answers))
			}
		}
	}
}
