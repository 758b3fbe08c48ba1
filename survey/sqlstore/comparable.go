package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"marsad/survey"
)

// Comparable rounds (issue 16, part 2): the predecessor a questionnaire
// version records (migration 0013), and the changes measured across
// versions declared comparable, on their common items. The rules are in
// survey/comparable.go; this file reads what they need.

// QuestionnaireLineage is every declared predecessor, by version id.
func (s *Store) QuestionnaireLineage(ctx context.Context) (survey.Lineage, error) {
	return readLineage(ctx, s.r)
}

func readLineage(ctx context.Context, q rowsQueryer) (survey.Lineage, error) {
	rows, err := q.QueryContext(ctx, "SELECT questionnaire_id, predecessor_id FROM questionnaire_predecessors")
	if err != nil {
		return nil, fmt.Errorf("survey: questionnaire lineage: %w", err)
	}
	defer rows.Close()
	out := survey.Lineage{}
	for rows.Next() {
		var id, pred int64
		if err := rows.Scan(&id, &pred); err != nil {
			return nil, fmt.Errorf("survey: questionnaire lineage: %w", err)
		}
		out[id] = pred
	}
	return out, rows.Err()
}

// SetPredecessor records that questionnaire version id continues version
// pred (0: continues none), audited with the versions named. A version
// may not continue itself or one of its successors (a
// *survey.ValidationError on "predecessor"); an unknown version is
// survey.ErrNotFound.
func (s *Store) SetPredecessor(ctx context.Context, actorID, id, pred int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		name := func(qid int64) (string, string, error) {
			var hash, defID, version string
			err := tx.QueryRowContext(ctx, "SELECT hash, def_id, version FROM questionnaires WHERE id = ?", qid).Scan(&hash, &defID, &version)
			if errors.Is(err, sql.ErrNoRows) {
				return "", "", fmt.Errorf("survey: questionnaire %d: %w", qid, survey.ErrNotFound)
			}
			return hash, fmt.Sprintf("%s %s (#%d)", defID, version, qid), err
		}
		hash, _, err := name(id)
		if err != nil {
			return err
		}
		after := ""
		if pred != 0 {
			if _, after, err = name(pred); err != nil {
				return err
			}
		}
		lineage, err := readLineage(ctx, tx)
		if err != nil {
			return err
		}
		if err := lineage.CheckPredecessor(id, pred); err != nil {
			return err
		}
		before := ""
		if old, ok := lineage[id]; ok {
			if old == pred {
				return nil // nothing changes: no audit event, no cache dropped
			}
			if _, before, err = name(old); err != nil {
				return err
			}
		} else if pred == 0 {
			return nil
		}
		if pred == 0 {
			_, err = tx.ExecContext(ctx, "DELETE FROM questionnaire_predecessors WHERE questionnaire_id = ?", id)
		} else {
			var by sql.NullInt64
			if actorID != 0 {
				by = sql.NullInt64{Int64: actorID, Valid: true}
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO questionnaire_predecessors (questionnaire_id, predecessor_id, set_at, set_by) VALUES (?, ?, ?, ?)
				ON CONFLICT (questionnaire_id) DO UPDATE SET predecessor_id = excluded.predecessor_id, set_at = excluded.set_at, set_by = excluded.set_by`,
				id, pred, formatTime(s.now()), by)
		}
		if err != nil {
			return fmt.Errorf("survey: set predecessor: %w", err)
		}
		return s.audit(ctx, tx, actorID, "set-predecessor", "questionnaire", hash,
			map[string]string{"predecessor": before}, map[string]string{"predecessor": after})
	})
}

// CompareVersions says how figures on version later compare with figures
// on version earlier (survey.Compare), with the declared predecessors.
func (s *Store) CompareVersions(ctx context.Context, earlier, later survey.QuestionnaireVersion) (survey.Comparison, error) {
	lineage, err := s.QuestionnaireLineage(ctx)
	if err != nil {
		return survey.Comparison{}, err
	}
	return survey.Compare(earlier, later, lineage), nil
}

// roundComparer says how each round's figures compare with round r's,
// reading each questionnaire once; the first error is kept in *failed (the
// survey functions it is handed to cannot return one).
func (s *Store) roundComparer(ctx context.Context, r survey.Round, failed *error) (func(survey.Round) survey.Comparison, error) {
	lineage, err := s.QuestionnaireLineage(ctx)
	if err != nil {
		return nil, err
	}
	later, err := s.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	return func(x survey.Round) survey.Comparison {
		earlier, err := s.Questionnaire(ctx, x.QuestionnaireID)
		if err != nil {
			if *failed == nil {
				*failed = err
			}
			return survey.Comparison{Kind: survey.CompareNone}
		}
		return survey.Compare(earlier, later, lineage)
	}, nil
}

// CompareRounds chooses what the changes on a page of round r are
// measured against for a reader who may see the rounds seen accepts
// (survey.CompareWith): the latest earlier comparable round, or none and
// why.
func (s *Store) CompareRounds(ctx context.Context, r survey.Round, seen func(survey.Round) bool) (survey.RoundComparison, error) {
	rounds, err := s.ListRounds(ctx)
	if err != nil {
		return survey.RoundComparison{}, err
	}
	var failed error
	compare, err := s.roundComparer(ctx, r, &failed)
	if err != nil {
		return survey.RoundComparison{}, err
	}
	rc := survey.CompareWith(rounds, r, seen, compare)
	return rc, failed
}

// ComparableRounds keeps, of rounds, those comparable with round r (a
// trend's points) and lists the others with why (survey.ComparableRounds).
func (s *Store) ComparableRounds(ctx context.Context, r survey.Round, rounds []survey.Round) ([]survey.Round, []survey.PassedRound, error) {
	var failed error
	compare, err := s.roundComparer(ctx, r, &failed)
	if err != nil {
		return nil, nil, err
	}
	kept, left := survey.ComparableRounds(rounds, compare)
	return kept, left, failed
}

// commonItemChanges sets the changes of cur (round now's ranking) against
// round before when their versions are declared comparable: both rounds'
// responses rescored on the common items with the current scoring and the
// later version's weights and model, ranked, and compared among the
// institutions in both.
func (s *Store) commonItemChanges(ctx context.Context, kind string, cur []survey.InstitutionScore, now, before survey.Round,
	later *survey.Definition, diff survey.VersionDiff) ([]survey.InstitutionScore, error) {
	def := diff.CommonDefinition(later)
	a, err := s.rescoredRound(ctx, now, def, kind)
	if err != nil {
		return nil, err
	}
	b, err := s.rescoredRound(ctx, before, def, kind)
	if err != nil {
		return nil, err
	}
	changes := survey.MeasureChanges(survey.Rank(def.Model, a), survey.Rank(def.Model, b))
	for i := range cur {
		if c, ok := changes[cur[i].Code]; ok {
			d, dr := c.Index, c.Rank
			cur[i].DeltaIndex, cur[i].DeltaRank = &d, &dr
		}
	}
	return cur, nil
}

// rescoredRound scores again, with def, every ranked response of a round
// (submitted or accepted, of an institution it ranks: rankedInstitution): its answers and the
// catalog frozen with it, as scoreResponse does.
func (s *Store) rescoredRound(ctx context.Context, round survey.Round, def *survey.Definition, kind string) (map[string]survey.Result, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.id, i.code, r.catalog_snapshot FROM responses r JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND r.status IN ('submitted', 'accepted') AND `+rankedInstitution, round.ID)
	if err != nil {
		return nil, fmt.Errorf("survey: rescore on common items: %w", err)
	}
	type response struct {
		code     string
		services []survey.Service
		answers  survey.AnswerSet
	}
	byID := map[int64]*response{}
	for rows.Next() {
		var id int64
		var code string
		var raw sql.NullString
		if err := rows.Scan(&id, &code, &raw); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("survey: rescore on common items: %w", err)
		}
		r := &response{code: code, answers: survey.AnswerSet{}}
		if raw.Valid {
			if err := json.Unmarshal([]byte(raw.String), &r.services); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("survey: snapshot of response %d: %w", id, err)
			}
		}
		byID[id] = r
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Every answer of the round in one query: a round of 1,500 responses
	// read one response at a time was 1,500 queries.
	rows, err = s.r.QueryContext(ctx, `SELECT a.response_id, a.item_id, a.value, a.na, a.review_status
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE r.round_id = ? AND r.status IN ('submitted', 'accepted')`, round.ID)
	if err != nil {
		return nil, fmt.Errorf("survey: rescore on common items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a survey.Answer
		var value string
		if err := rows.Scan(&id, &a.ItemID, &value, &a.NA, &a.ReviewStatus); err != nil {
			return nil, fmt.Errorf("survey: rescore on common items: %w", err)
		}
		if r, ok := byID[id]; ok {
			a.Values = splitValue(value)
			r.answers[a.ItemID] = a
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]survey.Result, len(byID))
	opt := survey.ScoreOptions{VerifiedOnly: kind == survey.ScoreVerified, AsOf: round.OpenedAt}
	for _, r := range byID {
		o := opt
		var err error
		if o.ObservedTech, err = s.observedTechOption(ctx, s.r, def, round, r.services); err != nil {
			return nil, err
		}
		out[r.code] = survey.Score(def, r.answers, r.services, o)
	}
	return out, nil
}
