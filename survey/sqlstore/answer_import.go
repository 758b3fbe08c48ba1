package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"marsad/survey"
)

// ImportAnswers writes answers into a round for any institutions, all or
// nothing: every row is checked (institution, question, value, a response
// still open for changes) and every bad row reported with its line. The
// coordinator's import replaces answers deliberately; each change is audited.
func (s *Store) ImportAnswers(ctx context.Context, a survey.Actor, roundID int64, rows []survey.AnswerRow) (int, error) {
	if a.Role != survey.RoleAdmin {
		return 0, survey.ErrForbidden
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return 0, err
	}
	if !round.Editable() {
		return 0, survey.ErrInvalidTransition
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return 0, err
	}
	var bad []survey.RowError
	checked := make([]survey.AnswerRow, len(rows))
	for i, row := range rows {
		it, ok := q.Def.Item(row.Input.ItemID)
		if !ok {
			bad = append(bad, survey.RowError{Line: row.Line, Fields: map[string]string{"question_id": "err.unknown_question"}})
			continue
		}
		in, err := survey.CheckAnswer(it, row.Input)
		var ve *survey.ValidationError
		if errors.As(err, &ve) {
			bad = append(bad, survey.RowError{Line: row.Line, Fields: ve.Fields})
			continue
		}
		row.Input = in
		checked[i] = row
	}
	if len(bad) > 0 {
		return 0, &survey.ImportError{Rows: bad}
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		var bad []survey.RowError
		responses := map[string]survey.Response{}
		for _, row := range checked {
			resp, ok := responses[row.Institution]
			if !ok {
				var err error
				resp, err = s.ensureResponse(ctx, tx, roundID, row.Institution)
				if errors.Is(err, survey.ErrNotFound) {
					bad = append(bad, survey.RowError{Line: row.Line, Fields: map[string]string{"institution_code": "err.institution_unknown"}})
					continue
				}
				if err != nil {
					return err
				}
				responses[row.Institution] = resp
			}
			if !resp.Editable() {
				bad = append(bad, survey.RowError{Line: row.Line, Fields: map[string]string{"institution_code": "err.response_not_editable"}})
				continue
			}
			in := row.Input
			_, err := tx.ExecContext(ctx, `INSERT INTO answers (response_id, item_id, value, na, evidence, comment, version, updated_at, updated_by)
				VALUES (?, ?, ?, ?, '', ?, 1, ?, ?)
				ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value, na = excluded.na, comment = excluded.comment,
					version = answers.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				resp.ID, in.ItemID, strings.Join(in.Values, "\n"), in.NA, in.Comment, formatTime(s.now()), nullID(a.ID))
			if err != nil {
				return fmt.Errorf("survey: import answer: %w", err)
			}
			key := fmt.Sprintf("%s/%s/%s", round.Name, row.Institution, in.ItemID)
			if err := s.audit(ctx, tx, a.ID, "import-answer", "response", key, nil, map[string]any{"values": in.Values, "na": in.NA}); err != nil {
				return err
			}
		}
		if len(bad) > 0 {
			return &survey.ImportError{Rows: bad}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(checked), nil
}

// PrefillFromPrevious pre-fills the institution's response to the round
// from its default source (PrefillFrom with no choice): the answers it sent
// in the latest closed or published round of the same or a comparable
// questionnaire. It returns how many answers were copied.
func (s *Store) PrefillFromPrevious(ctx context.Context, a survey.Actor, roundID int64, code string) (int, error) {
	_, n, err := s.PrefillFrom(ctx, a, roundID, code, 0)
	return n, err
}

// EachAuditEvent streams the whole audit log, oldest first, for export.
func (s *Store) EachAuditEvent(ctx context.Context, fn func(survey.AuditEvent) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT e.id, e.at, coalesce(e.actor_id, 0), coalesce(u.email, ''),
			e.action, e.entity, e.entity_key, coalesce(e.before_json, ''), coalesce(e.after_json, '')
		FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id ORDER BY e.id`)
	if err != nil {
		return fmt.Errorf("survey: audit export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e survey.AuditEvent
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityKey, &e.Before, &e.After); err != nil {
			return err
		}
		e.At = parseTime(at)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
