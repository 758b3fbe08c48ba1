package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Score kinds: the self-reported index counts every answer; the verified
// index only answers the reviewer approved.
const (
	ScoreSelf     = "self"
	ScoreVerified = "verified"
)

// scoreResponse computes and stores both indices of one submitted response,
// inside the caller's transaction.
func (s *Store) scoreResponse(ctx context.Context, tx *sql.Tx, round Round, q QuestionnaireVersion, responseID int64) error {
	answers, err := queryAnswers(ctx, tx, responseID)
	if err != nil {
		return err
	}
	var raw sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT catalog_snapshot FROM responses WHERE id = ?", responseID).Scan(&raw); err != nil {
		return err
	}
	var services []Service
	if raw.Valid {
		if err := json.Unmarshal([]byte(raw.String), &services); err != nil {
			return fmt.Errorf("survey: snapshot of response %d: %w", responseID, err)
		}
	}
	for _, kind := range []string{ScoreSelf, ScoreVerified} {
		r := Score(q.Def, answers, services, ScoreOptions{VerifiedOnly: kind == ScoreVerified, AsOf: round.OpenedAt})
		body, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO scores (response_id, kind, scoring_version, questionnaire_hash, index_value, level, result, computed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (response_id, kind) DO UPDATE SET scoring_version = excluded.scoring_version,
				questionnaire_hash = excluded.questionnaire_hash, index_value = excluded.index_value, level = excluded.level,
				result = excluded.result, computed_at = excluded.computed_at`,
			responseID, kind, ScoringVersion, q.Hash, r.Index, r.Level, string(body), formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("survey: store score: %w", err)
		}
	}
	return nil
}

// Rescore recomputes the scores of every submitted or accepted response of
// a round (after a scoring or catalog-snapshot change), audited.
func (s *Store) Rescore(ctx context.Context, actorID, roundID int64) (int, error) {
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return 0, err
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, "SELECT id FROM responses WHERE round_id = ? AND status IN ('submitted', 'accepted')", roundID)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if err := s.scoreResponse(ctx, tx, round, q, id); err != nil {
				return err
			}
			n++
		}
		return s.audit(ctx, tx, actorID, "rescore", "round", round.Name, nil, map[string]any{"responses": n, "scoring_version": ScoringVersion})
	})
	return n, err
}

// InstitutionScore is an institution's score in a round, ranked among the
// round's scored responses, with its change since the previous round.
type InstitutionScore struct {
	Institution       Institution        `json:"-"`
	Code              string             `json:"code"`
	NameAr            string             `json:"name_ar"`
	NameEn            string             `json:"name_en"`
	Sector            string             `json:"sector"`
	Kind              string             `json:"kind"`
	Region            string             `json:"region"`
	Status            string             `json:"status"`
	Index             float64            `json:"index"`
	Level             string             `json:"level"`
	Rank              int                `json:"rank"`
	Of                int                `json:"of"`
	Dimensions        map[string]float64 `json:"dimensions"`
	DeltaIndex        *float64           `json:"delta_index,omitempty"`
	DeltaRank         *int               `json:"delta_rank,omitempty"` // positive: moved up
	Result            Result             `json:"-"`
	ScoringVersion    string             `json:"scoring_version"`
	QuestionnaireHash string             `json:"questionnaire_hash"`
}

// Scores ranks a round's scored responses on the self-reported or the
// verified index, with Δ index and Δ rank against the previous round for
// institutions present in both.
func (s *Store) Scores(ctx context.Context, roundID int64, kind string) ([]InstitutionScore, error) {
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	cur, err := s.rankedRound(ctx, roundID, kind, q.Def.Model)
	if err != nil {
		return nil, err
	}
	var prevID int64
	err = s.r.QueryRowContext(ctx, "SELECT id FROM rounds WHERE id < ? AND status IN ('closed', 'published') ORDER BY id DESC LIMIT 1", roundID).Scan(&prevID)
	prev := map[string]InstitutionScore{}
	if err == nil {
		pq, err := s.Round(ctx, prevID)
		if err != nil {
			return nil, err
		}
		pdef, err := s.Questionnaire(ctx, pq.QuestionnaireID)
		if err != nil {
			return nil, err
		}
		list, err := s.rankedRound(ctx, prevID, kind, pdef.Def.Model)
		if err != nil {
			return nil, err
		}
		// Δ rank only among institutions present in both rounds: rank both
		// rounds again over that common set.
		common := map[string]bool{}
		for _, p := range list {
			common[p.Code] = true
		}
		both := map[string]bool{}
		for _, c := range cur {
			if common[c.Code] {
				both[c.Code] = true
			}
		}
		rankAmong := func(l []InstitutionScore) map[string]int {
			out := map[string]int{}
			pos, last, lastIdx := 0, -1.0, 0
			for _, x := range l {
				if !both[x.Code] {
					continue
				}
				pos++
				if x.Index != last {
					lastIdx, last = pos, x.Index
				}
				out[x.Code] = lastIdx
			}
			return out
		}
		curRank, prevRank := rankAmong(cur), rankAmong(list)
		for _, p := range list {
			if both[p.Code] {
				p.Rank = prevRank[p.Code]
				prev[p.Code] = p
			}
		}
		for i := range cur {
			if p, ok := prev[cur[i].Code]; ok {
				d := cur[i].Index - p.Index
				dr := p.Rank - curRank[cur[i].Code]
				cur[i].DeltaIndex, cur[i].DeltaRank = &d, &dr
			}
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return cur, nil
}

// rankedRound reads a round's stored scores and ranks them.
func (s *Store) rankedRound(ctx context.Context, roundID int64, kind string, m Model) ([]InstitutionScore, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("i.", institutionColumns)+`, r.status, s.result, s.scoring_version, s.questionnaire_hash
		FROM scores s JOIN responses r ON r.id = s.response_id JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND s.kind = ? AND r.status IN ('submitted', 'accepted') AND i.active = 1`, roundID, kind)
	if err != nil {
		return nil, fmt.Errorf("survey: scores: %w", err)
	}
	defer rows.Close()
	results := map[string]Result{}
	byCode := map[string]InstitutionScore{}
	for rows.Next() {
		var (
			sc   InstitutionScore
			body string
		)
		var created, updated string
		inst := &sc.Institution
		if err := rows.Scan(&inst.ID, &inst.Code, &inst.NameAr, &inst.NameEn, &inst.Kind, &inst.Sector, &inst.Region, &inst.Website,
			&inst.Active, &created, &updated, &sc.Status, &body, &sc.ScoringVersion, &sc.QuestionnaireHash); err != nil {
			return nil, fmt.Errorf("survey: scores: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &sc.Result); err != nil {
			return nil, fmt.Errorf("survey: scores: %w", err)
		}
		results[inst.Code] = sc.Result
		byCode[inst.Code] = sc
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ranked := Rank(m, results)
	out := make([]InstitutionScore, 0, len(ranked))
	for _, r := range ranked {
		sc := byCode[r.Institution]
		inst := sc.Institution
		sc.Code, sc.NameAr, sc.NameEn, sc.Sector, sc.Kind, sc.Region = inst.Code, inst.NameAr, inst.NameEn, inst.Sector, inst.Kind, inst.Region
		sc.Index, sc.Level, sc.Rank, sc.Of = r.Display, r.Level, r.Rank, len(ranked)
		sc.Dimensions = map[string]float64{}
		for _, d := range sc.Result.Dimensions {
			if !d.Dropped {
				sc.Dimensions[d.Section] = m.Display(d.Score)
			}
		}
		out = append(out, sc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	return out, nil
}

func prefixed(prefix, columns string) string {
	var out []string
	for _, c := range splitColumns(columns) {
		out = append(out, prefix+c)
	}
	return joinColumns(out)
}
