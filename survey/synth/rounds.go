package synth

import (
	"context"
	"fmt"
	"strconv"

	"marsad/survey"
)

// importBatch is how many institutions' answers go into one ImportAnswers
// transaction when a round is seeded.
const importBatch = 50

// Answers are generated answers for the institution code in questionnaire
// def: every required item that is not computed, varied by k (an
// institution number plus a per-round shift) so that institutions and
// rounds score differently.
func Answers(def *survey.Definition, code string, k int) []survey.AnswerRow {
	var rows []survey.AnswerRow
	for _, it := range def.Items {
		if !it.Required || it.Type == survey.TypeMetric {
			continue
		}
		v := []string{"1"}
		switch it.Type {
		case survey.TypeSingle, survey.TypeMulti:
			v = []string{it.Options[k%len(it.Options)].Value}
		case survey.TypePercent:
			v = []string{strconv.Itoa(k % 101)}
		case survey.TypeYesNo:
			v = []string{"yes"}
		}
		rows = append(rows, survey.AnswerRow{Institution: code, Input: survey.AnswerInput{ItemID: it.ID, Values: v}})
	}
	return rows
}

// RoundStore is what ScoredRound needs of a store: the methods a
// coordinator and an answers import use.
type RoundStore interface {
	CreateRound(ctx context.Context, actorID int64, in survey.RoundInput) (survey.Round, error)
	RoundAction(ctx context.Context, actorID, id int64, action string) (survey.Round, error)
	ImportAnswers(ctx context.Context, a survey.Actor, roundID int64, rows []survey.AnswerRow) (int, error)
	ResponseAction(ctx context.Context, a survey.Actor, roundID int64, code, action string) (survey.Response, error)
	SetRoundPublic(ctx context.Context, actorID, id int64, public bool) error
	Round(ctx context.Context, id int64) (survey.Round, error)
}

// ScoredRound runs a whole round for the institutions I0001…I{institutions}
// that Seed made, through the store's own code paths: the round is created
// on questionnaire q and opened, every institution's answers are imported
// (audited, as an import is) and submitted, which scores them; shift varies
// the answers from round to round. With publish the round ends closed,
// published and public.
func ScoredRound(ctx context.Context, st RoundStore, q survey.QuestionnaireVersion, name string, shift, institutions int, publish bool) (survey.Round, error) {
	round, err := st.CreateRound(ctx, 0, survey.RoundInput{Name: name, QuestionnaireID: q.ID})
	if err != nil {
		return round, fmt.Errorf("synth: round %s: %w", name, err)
	}
	if round, err = st.RoundAction(ctx, 0, round.ID, "open"); err != nil {
		return round, fmt.Errorf("synth: open round %s: %w", name, err)
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	for first := 1; first <= institutions; first += importBatch {
		last := min(first+importBatch-1, institutions)
		var rows []survey.AnswerRow
		for i := first; i <= last; i++ {
			rows = append(rows, Answers(q.Def, InstitutionCode(i), i+shift)...)
		}
		if _, err := st.ImportAnswers(ctx, admin, round.ID, rows); err != nil {
			return round, fmt.Errorf("synth: round %s, answers of %s…%s: %w", name, InstitutionCode(first), InstitutionCode(last), err)
		}
		for i := first; i <= last; i++ {
			if _, err := st.ResponseAction(ctx, admin, round.ID, InstitutionCode(i), "submit"); err != nil {
				return round, fmt.Errorf("synth: round %s, submit %s: %w", name, InstitutionCode(i), err)
			}
		}
	}
	if !publish {
		return round, nil
	}
	for _, a := range []string{"close", "publish"} {
		if round, err = st.RoundAction(ctx, 0, round.ID, a); err != nil {
			return round, fmt.Errorf("synth: %s round %s: %w", a, name, err)
		}
	}
	if err := st.SetRoundPublic(ctx, 0, round.ID, true); err != nil {
		return round, fmt.Errorf("synth: make round %s public: %w", name, err)
	}
	return st.Round(ctx, round.ID)
}
