package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"marsad/survey"
)

// ApproveUnreviewed approves every answer of a submitted response that the
// reviewer sees (a typed item that its conditions show) and has not marked
// yet, in one transaction. "Approve all not yet reviewed" is one decision,
// so the audit log holds one event for it, listing the items; answers
// already marked, approved or with issues, keep their mark. It returns the
// ids approved, in questionnaire order (none is not an error).
func (s *Store) ApproveUnreviewed(ctx context.Context, a survey.Actor, roundID int64, code string) ([]string, error) {
	if a.Role != survey.RoleAdmin {
		return nil, survey.ErrForbidden
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	if round.Status == survey.RoundPublished {
		return nil, survey.ErrRoundPublished // the marks the verified index counts are frozen
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	var ids []string
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		ids = nil // a retried transaction starts again
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		if resp.Status != survey.ResponseSubmitted {
			return survey.ErrInvalidTransition
		}
		answers, err := queryAnswers(ctx, tx, resp.ID)
		if err != nil {
			return err
		}
		now := formatTime(s.now())
		for _, it := range q.Def.Items {
			ans, ok := answers[it.ID]
			if !ok || it.Type == survey.TypeMetric || ans.ReviewStatus != "" || !answers.Visible(it) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE answers SET review_status = ?, reviewed_by = ?, reviewed_at = ?
				WHERE response_id = ? AND item_id = ? AND review_status = ''`, survey.ReviewApproved, nullID(a.ID), now, resp.ID, it.ID); err != nil {
				return fmt.Errorf("survey: approve %s: %w", it.ID, err)
			}
			ids = append(ids, it.ID)
		}
		if len(ids) == 0 {
			return nil
		}
		return s.audit(ctx, tx, a.ID, "approve-unreviewed", "response", round.Name+"/"+resp.InstitutionCode, nil,
			map[string]any{"review_status": survey.ReviewApproved, "items": ids})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
