package survey

import (
	"context"
	"fmt"
	"strconv"
)

// syntheticImportBatch is how many institutions' answers go into one
// ImportAnswers transaction when a synthetic round is seeded.
const syntheticImportBatch = 50

// SyntheticAnswers are generated answers for the synthetic institution
// code in questionnaire def: every required item that is not computed,
// varied by k (an institution number plus a per-round shift) so that
// institutions and rounds score differently.
func SyntheticAnswers(def *Definition, code string, k int) []AnswerRow {
	var rows []AnswerRow
	for _, it := range def.Items {
		if !it.Required || it.Type == TypeMetric {
			continue
		}
		v := []string{"1"}
		switch it.Type {
		case TypeSingle, TypeMulti:
			v = []string{it.Options[k%len(it.Options)].Value}
		case TypePercent:
			v = []string{strconv.Itoa(k % 101)}
		case TypeYesNo:
			v = []string{"yes"}
		}
		rows = append(rows, AnswerRow{Institution: code, Input: AnswerInput{ItemID: it.ID, Values: v}})
	}
	return rows
}

// SeedScoredRound runs a whole synthetic round for the institutions
// I0001…I{institutions} made by SeedSynthetic, through the store's own
// code paths: the round is created on questionnaire q and opened, every
// institution's answers are imported (audited, as an import is) and
// submitted, which scores them; shift varies the answers from round to
// round. With publish the round ends closed, published and public.
func (s *Store) SeedScoredRound(ctx context.Context, q QuestionnaireVersion, name string, shift, institutions int, publish bool) (Round, error) {
	round, err := s.CreateRound(ctx, 0, RoundInput{Name: name, QuestionnaireID: q.ID})
	if err != nil {
		return round, fmt.Errorf("survey: synthetic round %s: %w", name, err)
	}
	if round, err = s.RoundAction(ctx, 0, round.ID, "open"); err != nil {
		return round, fmt.Errorf("survey: open synthetic round %s: %w", name, err)
	}
	admin := Actor{Role: RoleAdmin}
	for first := 1; first <= institutions; first += syntheticImportBatch {
		last := min(first+syntheticImportBatch-1, institutions)
		var rows []AnswerRow
		for i := first; i <= last; i++ {
			rows = append(rows, SyntheticAnswers(q.Def, fmt.Sprintf("I%04d", i), i+shift)...)
		}
		if _, err := s.ImportAnswers(ctx, admin, round.ID, rows); err != nil {
			return round, fmt.Errorf("survey: synthetic round %s, answers of I%04d…I%04d: %w", name, first, last, err)
		}
		for i := first; i <= last; i++ {
			if _, err := s.ResponseAction(ctx, admin, round.ID, fmt.Sprintf("I%04d", i), "submit"); err != nil {
				return round, fmt.Errorf("survey: synthetic round %s, submit I%04d: %w", name, i, err)
			}
		}
	}
	if !publish {
		return round, nil
	}
	for _, a := range []string{"close", "publish"} {
		if round, err = s.RoundAction(ctx, 0, round.ID, a); err != nil {
			return round, fmt.Errorf("survey: %s synthetic round %s: %w", a, name, err)
		}
	}
	if err := s.SetRoundPublic(ctx, 0, round.ID, true); err != nil {
		return round, fmt.Errorf("survey: make synthetic round %s public: %w", name, err)
	}
	return s.Round(ctx, round.ID)
}
