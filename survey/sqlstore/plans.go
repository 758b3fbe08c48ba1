package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"marsad/survey"
)

const planSelect = `SELECT p.id, i.code, i.name_ar, i.name_en, i.sector, i.region, i.kind, p.round_id, r.name, p.item_id, p.text_ar, p.text_en, p.owner,
	p.target_round, p.progress, p.progress_note, p.score_at_plan, p.version, p.created_at, p.updated_at
	FROM plan_actions p JOIN institutions i ON i.id = p.institution_id JOIN rounds r ON r.id = p.round_id `

func scanPlan(row interface{ Scan(...any) error }) (survey.PlanAction, error) {
	var p survey.PlanAction
	var score sql.NullFloat64
	var created, updated string
	err := row.Scan(&p.ID, &p.InstitutionCode, &p.InstitutionAr, &p.InstitutionEn, &p.Sector, &p.Region, &p.InstitutionKind, &p.RoundID, &p.RoundName, &p.ItemID,
		&p.TextAr, &p.TextEn, &p.Owner, &p.TargetRound, &p.Progress, &p.ProgressNote, &score, &p.Version, &created, &updated)
	if score.Valid {
		p.ScoreAtPlan = &score.Float64
	}
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	return p, err
}

func getPlan(ctx context.Context, q queryer, id int64) (survey.PlanAction, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, planSelect+"WHERE p.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, survey.ErrNotFound
	}
	return p, err
}

// PlanAction returns one action of a plan (without its outcome).
func (s *Store) PlanAction(ctx context.Context, id int64) (survey.PlanAction, error) {
	return getPlan(ctx, s.r, id)
}

// itemScore is an institution's score (0–1) on one item in a round, if the
// round scored it.
func (s *Store) itemScore(ctx context.Context, roundID int64, code, itemID string) (*float64, error) {
	scores, err := s.itemScores(ctx, roundID, []string{code})
	if err != nil {
		return nil, err
	}
	if v, ok := scores[code][itemID]; ok {
		return &v, nil
	}
	return nil, nil
}

// itemScores are the self-reported item scores (0–1) of the given
// institutions in a round, from their stored results: one query a round,
// not one an action.
func (s *Store) itemScores(ctx context.Context, roundID int64, codes []string) (map[string]map[string]float64, error) {
	out := map[string]map[string]float64{}
	if len(codes) == 0 {
		return out, nil
	}
	args := []any{roundID}
	marks := make([]string, len(codes))
	for i, c := range codes {
		marks[i], args = "?", append(args, c)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT i.code, s.result FROM scores s JOIN responses r ON r.id = s.response_id
		JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND s.kind = 'self' AND r.status IN ('submitted', 'accepted') AND `+rankedInstitution+`
		AND i.code IN (`+strings.Join(marks, ",")+`)`, args...) // #nosec G202 -- placeholders only
	if err != nil {
		return nil, fmt.Errorf("survey: item scores: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, body string
		if err := rows.Scan(&code, &body); err != nil {
			return nil, err
		}
		var res survey.Result
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			return nil, fmt.Errorf("survey: item scores of %s: %w", code, err)
		}
		items := map[string]float64{}
		for _, it := range res.Items {
			if it.Dropped == "" {
				items[it.ItemID] = it.Score
			}
		}
		out[code] = items
	}
	return out, rows.Err()
}

// CreatePlanAction adds an action to an institution's plan after a round.
// With an item, the item must be in the round's questionnaire, and its
// score then is kept to tell later whether it rose.
func (s *Store) CreatePlanAction(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.PlanInput) (survey.PlanAction, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if !a.CanEditInstitution(code) {
		return survey.PlanAction{}, survey.ErrForbidden
	}
	p, err := survey.CheckPlan(in)
	if err != nil {
		return p, err
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return p, err
	}
	if round.Status == survey.RoundDraft {
		return p, survey.ErrInvalidTransition
	}
	if p.ItemID != "" {
		q, err := s.Questionnaire(ctx, round.QuestionnaireID)
		if err != nil {
			return p, err
		}
		if _, ok := q.Def.Item(p.ItemID); !ok {
			return p, &survey.ValidationError{Fields: map[string]string{"item": "err.choose_from_list"}}
		}
		if p.ScoreAtPlan, err = s.itemScore(ctx, roundID, strings.ToUpper(code), p.ItemID); err != nil {
			return p, err
		}
	}
	var out survey.PlanAction
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		inst, err := getInstitution(ctx, tx, code)
		if err != nil {
			return err
		}
		now := formatTime(s.now())
		id, err := insertID(ctx, tx, `INSERT INTO plan_actions (institution_id, round_id, item_id, text_ar, text_en, owner,
			target_round, progress, progress_note, score_at_plan, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, inst.ID, roundID, p.ItemID, p.TextAr, p.TextEn, p.Owner,
			p.TargetRound, p.Progress, p.ProgressNote, p.ScoreAtPlan, now, now)
		if isUniqueViolation(err) {
			return &survey.ValidationError{Fields: map[string]string{"item": "err.plan_item_taken"}}
		}
		if err != nil {
			return fmt.Errorf("survey: create plan action: %w", err)
		}
		if out, err = getPlan(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "create", "plan_action", planKey(out), nil, out)
	})
	return out, err
}

func planKey(p survey.PlanAction) string {
	return p.RoundName + "/" + p.InstitutionCode + "/" + fmt.Sprint(p.ID)
}

// UpdatePlanAction changes an action: owner, target, progress and note (and
// its text). in.Version must be the version the editor started from.
func (s *Store) UpdatePlanAction(ctx context.Context, a survey.Actor, id int64, in survey.PlanInput) (survey.PlanAction, error) {
	var out survey.PlanAction
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return survey.ErrForbidden
		}
		if err := planFrozen(ctx, tx, before); err != nil {
			return err
		}
		in.ItemID = before.ItemID // what an action answers does not change
		p, err := survey.CheckPlan(in)
		if err != nil {
			return err
		}
		if in.Version != before.Version {
			return survey.ErrConflict
		}
		_, err = tx.ExecContext(ctx, `UPDATE plan_actions SET text_ar = ?, text_en = ?, owner = ?, target_round = ?, progress = ?,
			progress_note = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			p.TextAr, p.TextEn, p.Owner, p.TargetRound, p.Progress, p.ProgressNote, formatTime(s.now()), id)
		if err != nil {
			return fmt.Errorf("survey: update plan action %d: %w", id, err)
		}
		if out, err = getPlan(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "update", "plan_action", planKey(out), before, out)
	})
	return out, err
}

// planFrozen refuses to change an action whose target round is closed or
// published: its outcome is then on record, and charts already show it.
func planFrozen(ctx context.Context, tx *sql.Tx, p survey.PlanAction) error {
	var status string
	err := tx.QueryRowContext(ctx, "SELECT status FROM rounds WHERE name = ?", p.TargetRound).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if status == survey.RoundClosed || status == survey.RoundPublished {
		return survey.ErrInvalidTransition
	}
	return nil
}

// DeletePlanAction removes an action from a plan (audited).
func (s *Store) DeletePlanAction(ctx context.Context, a survey.Actor, id int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return survey.ErrForbidden
		}
		if err := planFrozen(ctx, tx, before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM plan_actions WHERE id = ?", id); err != nil {
			return fmt.Errorf("survey: delete plan action %d: %w", id, err)
		}
		return s.audit(ctx, tx, a.ID, "delete", "plan_action", planKey(before), before, nil)
	})
}

// PlanActions lists plan actions with their outcome, by institution then
// age.
func (s *Store) PlanActions(ctx context.Context, f survey.PlanFilter) ([]survey.PlanAction, error) {
	where := []string{"1 = 1"}
	var args []any
	if f.RoundID != 0 {
		where, args = append(where, "p.round_id = ?"), append(args, f.RoundID)
	}
	if f.Institution != "" {
		where, args = append(where, "i.code = ?"), append(args, strings.ToUpper(f.Institution))
	}
	if f.TargetRound != "" {
		where, args = append(where, "p.target_round = ?"), append(args, f.TargetRound)
	}
	rows, err := s.r.QueryContext(ctx, planSelect+"WHERE "+strings.Join(where, " AND ")+" ORDER BY i.code, p.id", args...)
	if err != nil {
		return nil, fmt.Errorf("survey: plan actions: %w", err)
	}
	var out []survey.PlanAction
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rounds, err := s.ListRounds(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(rounds, func(i, j int) bool { return rounds[i].ID > rounds[j].ID }) // newest first
	byName, byID := map[string]survey.Round{}, map[int64]survey.Round{}
	for _, r := range rounds {
		byName[r.Name], byID[r.ID] = r, r
	}
	seenBy := f.Seen
	if seenBy == nil {
		seenBy = func(r survey.Round) bool { return r.Status == survey.RoundPublished && r.Public }
	}
	// Item scores count from published rounds only, and from those the
	// reader may see: what a dashboard shows must not come from scores not
	// yet published, nor from a round its reader may not see.
	codes := map[int64][]string{}
	seen := map[string]bool{}
	for _, p := range out {
		if p.ItemID == "" || seen[p.InstitutionCode] {
			continue
		}
		seen[p.InstitutionCode] = true
		for _, r := range rounds {
			if r.Status == survey.RoundPublished && r.ID >= p.RoundID && seenBy(r) {
				codes[r.ID] = append(codes[r.ID], p.InstitutionCode)
			}
		}
	}
	scores := map[int64]map[string]map[string]float64{}
	for id, list := range codes {
		if scores[id], err = s.itemScores(ctx, id, list); err != nil {
			return nil, err
		}
	}
	score := func(roundID int64, code, item string) *float64 {
		if v, ok := scores[roundID][code][item]; ok {
			return &v
		}
		return nil
	}
	for i := range out {
		p := &out[i]
		target, exists := byName[p.TargetRound]
		if !seenBy(byID[p.RoundID]) {
			p.ScoreAtPlan = nil // a score of a round the reader may not see
		}
		if p.ItemID != "" {
			if p.ScoreAtPlan == nil { // planned before the round was scored, or not seen
				p.ScoreAtPlan = score(p.RoundID, p.InstitutionCode, p.ItemID)
			}
			// The item's latest published score since the plan, up to the
			// target round.
			for _, r := range rounds {
				if r.ID <= p.RoundID || (exists && r.ID > target.ID) {
					continue
				}
				if p.NewScore = score(r.ID, p.InstitutionCode, p.ItemID); p.NewScore != nil {
					break
				}
			}
		}
		var targetPtr *survey.Round
		if exists {
			targetPtr = &target
		}
		p.Outcome = survey.PlanOutcome(*p, targetPtr)
	}
	return out, nil
}
