package survey

import (
	"testing"
)

// validInitiative returns a valid input that tests change one field of.
func validInitiative(code string) InitiativeInput {
	return InitiativeInput{
		InstitutionCode: code,
		TitleAr:         "بوابة المواعيد الإلكترونية",
		TitleEn:         "Online appointments portal",
		SummaryAr:       "حجز المواعيد عبر الإنترنت",
		Status:          "in_progress",
		StartMonth:      "2025-01",
		EndMonth:        "2026-06",
		BudgetBand:      "100k_500k",
		Partners:        []Partner{{Type: "donor", Name: "GIZ"}, {Type: "university", Name: "جامعة بيرزيت"}},
	}
}

// storyInput is a valid success story of a done initiative.
func storyInput(code string) InitiativeInput {
	in := validInitiative(code)
	in.Status = "done"
	in.Story = true
	in.StoryAr = "صار الحجز يستغرق دقيقتين بدل يوم كامل"
	in.FigureLabelAr = "مدة الحجز بالدقائق"
	in.FigureBefore = "٤٨٠"
	in.FigureAfter = "2"
	return in
}

func TestPlanOutcome(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	open, closed, published, draft := &Round{Status: RoundOpen}, &Round{Status: RoundClosed}, &Round{Status: RoundPublished}, &Round{Status: RoundDraft}
	for _, tc := range []struct {
		name     string
		progress string
		at, now  *float64
		target   *Round
		want     string
	}{
		{"done by progress", "done", nil, nil, open, OutcomeDone},
		{"done by progress, target over", "done", f(0.5), f(0.2), published, OutcomeDone},
		{"done because the score rose", "planned", f(0.5), f(0.75), nil, OutcomeDone},
		{"score rose from zero, target closed", "in_progress", f(0), f(0.5), closed, OutcomeDone},
		{"slipped: target closed, no rise", "planned", f(0.5), f(0.5), closed, OutcomeSlipped},
		{"slipped: target published, fell", "in_progress", f(0.5), f(0.25), published, OutcomeSlipped},
		{"slipped: target closed, no new score", "planned", f(0.5), nil, closed, OutcomeSlipped},
		{"slipped: no score when planned", "planned", nil, f(1), closed, OutcomeSlipped},
		{"in progress", "in_progress", f(0.5), nil, open, OutcomeInProgress},
		{"in progress, no target yet", "in_progress", nil, nil, nil, OutcomeInProgress},
		{"planned, no target yet", "planned", f(0.5), f(0.5), nil, OutcomePlanned},
		{"planned, target open", "planned", nil, nil, open, OutcomePlanned},
		{"planned, target draft", "planned", f(0.5), nil, draft, OutcomePlanned},
		{"float noise is not a rise", "planned", f(0.1 + 0.2), f(0.3), nil, OutcomePlanned},
	} {
		p := PlanAction{Progress: tc.progress, ScoreAtPlan: tc.at, NewScore: tc.now}
		if got := PlanOutcome(p, tc.target); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
