package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Plan progress as the institution reports it, and plan outcomes as the
// next round shows them.
var PlanProgress = []string{"planned", "in_progress", "done"}

const (
	OutcomePlanned    = "planned"
	OutcomeInProgress = "in_progress"
	OutcomeDone       = "done"
	OutcomeSlipped    = "slipped"
)

// PlanOutcomes are the outcomes in the order charts show them.
var PlanOutcomes = []string{OutcomeDone, OutcomeInProgress, OutcomePlanned, OutcomeSlipped}

// PlanAction is one commitment of an institution's action plan: an
// improvement action of its scorecard (or free text), an owner and the
// round by which it should be done.
type PlanAction struct {
	ID              int64     `json:"id"`
	InstitutionCode string    `json:"institution"`
	InstitutionAr   string    `json:"-"`
	InstitutionEn   string    `json:"-"`
	Sector          string    `json:"-"`
	Region          string    `json:"-"`
	InstitutionKind string    `json:"-"`
	RoundID         int64     `json:"round_id"`
	RoundName       string    `json:"round"`
	ItemID          string    `json:"item,omitempty"`
	TextAr          string    `json:"text_ar"`
	TextEn          string    `json:"text_en"`
	Owner           string    `json:"owner"`
	TargetRound     string    `json:"target_round"`
	Progress        string    `json:"progress"`
	ProgressNote    string    `json:"progress_note"`
	ScoreAtPlan     *float64  `json:"score_at_plan,omitempty"`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// Filled by PlanActions: the item's latest score since the plan, and
	// the outcome (done, in progress, planned or slipped).
	NewScore *float64 `json:"new_score,omitempty"`
	Outcome  string   `json:"outcome"`
}

// Text is the action's own text in lang, falling back to Arabic.
func (p PlanAction) Text(lang string) string { return pickLang(lang, p.TextAr, p.TextEn) }

// InstitutionName is the institution's name in lang.
func (p PlanAction) InstitutionName(lang string) string {
	return pickLang(lang, p.InstitutionAr, p.InstitutionEn)
}

// PlanInput is what the plan form or the API gives.
type PlanInput struct {
	ItemID       string `json:"item"`
	TextAr       string `json:"text_ar"`
	TextEn       string `json:"text_en"`
	Owner        string `json:"owner"`
	TargetRound  string `json:"target_round"`
	Progress     string `json:"progress"`
	ProgressNote string `json:"progress_note"`
	Version      int64  `json:"version"`
}

func checkPlan(in PlanInput) (PlanAction, error) {
	fe := fieldErrors{}
	p := PlanAction{ItemID: cleanText(in.ItemID), TextAr: normalizeNewlines(in.TextAr), TextEn: normalizeNewlines(in.TextEn),
		Owner: cleanText(in.Owner), TargetRound: cleanText(NormalizeDigits(in.TargetRound)),
		Progress: strings.ToLower(cleanText(in.Progress)), ProgressNote: normalizeNewlines(in.ProgressNote)}
	if p.ItemID == "" && p.TextAr == "" {
		fe.add("text_ar", "err.required")
	}
	checkText(fe, "item", p.ItemID, false, 80)
	for _, t := range []struct{ field, v string }{{"text_ar", p.TextAr}, {"text_en", p.TextEn}} {
		switch {
		case badText(t.v, true):
			fe.add(t.field, "err.bad_characters")
		case len([]rune(t.v)) > 1000:
			fe.add(t.field, "err.too_long")
		}
	}
	checkText(fe, "owner", p.Owner, true, 200)
	checkText(fe, "target_round", p.TargetRound, true, 40)
	if p.Progress == "" {
		p.Progress = "planned"
	}
	if !contains(PlanProgress, p.Progress) {
		fe.add("progress", "err.choose_one")
	}
	checkLongText(fe, "progress_note", p.ProgressNote)
	return p, fe.err()
}

const planSelect = `SELECT p.id, i.code, i.name_ar, i.name_en, i.sector, i.region, i.kind, p.round_id, r.name, p.item_id, p.text_ar, p.text_en, p.owner,
	p.target_round, p.progress, p.progress_note, p.score_at_plan, p.version, p.created_at, p.updated_at
	FROM plan_actions p JOIN institutions i ON i.id = p.institution_id JOIN rounds r ON r.id = p.round_id `

func scanPlan(row interface{ Scan(...any) error }) (PlanAction, error) {
	var p PlanAction
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

func getPlan(ctx context.Context, q queryer, id int64) (PlanAction, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, planSelect+"WHERE p.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// PlanAction returns one action of a plan (without its outcome).
func (s *Store) PlanAction(ctx context.Context, id int64) (PlanAction, error) {
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
		WHERE r.round_id = ? AND s.kind = 'self' AND r.status IN ('submitted', 'accepted') AND i.active = 1
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
		var res Result
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
func (s *Store) CreatePlanAction(ctx context.Context, a Actor, roundID int64, code string, in PlanInput) (PlanAction, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if !a.CanEditInstitution(code) {
		return PlanAction{}, ErrForbidden
	}
	p, err := checkPlan(in)
	if err != nil {
		return p, err
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return p, err
	}
	if round.Status == RoundDraft {
		return p, ErrInvalidTransition
	}
	if p.ItemID != "" {
		q, err := s.Questionnaire(ctx, round.QuestionnaireID)
		if err != nil {
			return p, err
		}
		if _, ok := q.Def.Item(p.ItemID); !ok {
			return p, &ValidationError{Fields: map[string]string{"item": "err.choose_from_list"}}
		}
		if p.ScoreAtPlan, err = s.itemScore(ctx, roundID, strings.ToUpper(code), p.ItemID); err != nil {
			return p, err
		}
	}
	var out PlanAction
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		inst, err := getInstitution(ctx, tx, code)
		if err != nil {
			return err
		}
		now := formatTime(s.now())
		res, err := tx.ExecContext(ctx, `INSERT INTO plan_actions (institution_id, round_id, item_id, text_ar, text_en, owner,
			target_round, progress, progress_note, score_at_plan, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, inst.ID, roundID, p.ItemID, p.TextAr, p.TextEn, p.Owner,
			p.TargetRound, p.Progress, p.ProgressNote, p.ScoreAtPlan, now, now)
		if isUniqueViolation(err) {
			return &ValidationError{Fields: map[string]string{"item": "err.plan_item_taken"}}
		}
		if err != nil {
			return fmt.Errorf("survey: create plan action: %w", err)
		}
		id, _ := res.LastInsertId()
		if out, err = getPlan(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "create", "plan_action", planKey(out), nil, out)
	})
	return out, err
}

func planKey(p PlanAction) string {
	return p.RoundName + "/" + p.InstitutionCode + "/" + fmt.Sprint(p.ID)
}

// UpdatePlanAction changes an action: owner, target, progress and note (and
// its text). in.Version must be the version the editor started from.
func (s *Store) UpdatePlanAction(ctx context.Context, a Actor, id int64, in PlanInput) (PlanAction, error) {
	var out PlanAction
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return ErrForbidden
		}
		if err := planFrozen(ctx, tx, before); err != nil {
			return err
		}
		in.ItemID = before.ItemID // what an action answers does not change
		p, err := checkPlan(in)
		if err != nil {
			return err
		}
		if in.Version != before.Version {
			return ErrConflict
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
func planFrozen(ctx context.Context, tx *sql.Tx, p PlanAction) error {
	var status string
	err := tx.QueryRowContext(ctx, "SELECT status FROM rounds WHERE name = ?", p.TargetRound).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if status == RoundClosed || status == RoundPublished {
		return ErrInvalidTransition
	}
	return nil
}

// DeletePlanAction removes an action from a plan (audited).
func (s *Store) DeletePlanAction(ctx context.Context, a Actor, id int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return ErrForbidden
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

// PlanFilter narrows the plans listed: a round's plans (the round they
// answer), one institution's, or those due by a round (by its name).
type PlanFilter struct {
	RoundID     int64
	Institution string
	TargetRound string
	// Seen says which rounds' scores the reader may see. An outcome is
	// derived from item scores ("done" when one rose), so it counts only
	// those of rounds seen — else it would tell a score the reader may not
	// see — and ScoreAtPlan is left out when its round is not seen. nil
	// means what anyone may see: published rounds marked public.
	Seen func(Round) bool
}

// PlanActions lists plan actions with their outcome, by institution then
// age.
func (s *Store) PlanActions(ctx context.Context, f PlanFilter) ([]PlanAction, error) {
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
	var out []PlanAction
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
	byName, byID := map[string]Round{}, map[int64]Round{}
	for _, r := range rounds {
		byName[r.Name], byID[r.ID] = r, r
	}
	seenBy := f.Seen
	if seenBy == nil {
		seenBy = func(r Round) bool { return r.Status == RoundPublished && r.Public }
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
			if r.Status == RoundPublished && r.ID >= p.RoundID && seenBy(r) {
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
		var targetPtr *Round
		if exists {
			targetPtr = &target
		}
		p.Outcome = PlanOutcome(*p, targetPtr)
	}
	return out, nil
}

// PlanOutcome says where an action stands: done when the institution says
// so or the item's score rose since the plan; slipped when the target round
// is over (closed or published) without that; in progress when the
// institution says so; planned otherwise. target is nil while the target
// round does not exist yet.
func PlanOutcome(p PlanAction, target *Round) string {
	rose := p.ScoreAtPlan != nil && p.NewScore != nil && *p.NewScore > *p.ScoreAtPlan+1e-9
	switch {
	case p.Progress == "done" || rose:
		return OutcomeDone
	case target != nil && (target.Status == RoundClosed || target.Status == RoundPublished):
		return OutcomeSlipped
	case p.Progress == "in_progress":
		return OutcomeInProgress
	}
	return OutcomePlanned
}
