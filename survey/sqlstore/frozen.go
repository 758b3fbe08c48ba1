package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"marsad/survey"
)

// What a closed or published round is frozen with (survey/frozen.go,
// migration 0012): the institutions it was run with (round_institutions,
// recorded at close), the catalog snapshot of each response (frozen on
// submit, responses.catalog_snapshot) and its scores, the superseded ones
// kept in previous_scores.

// freezeRoundInstitutions records the institutions a round is run with —
// the active ones now — inside the transaction that closes it. A round
// closed again after a reopen records them again.
func freezeRoundInstitutions(ctx context.Context, tx *sql.Tx, roundID int64) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM round_institutions WHERE round_id = ?", roundID); err != nil {
		return fmt.Errorf("survey: freeze round: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO round_institutions (round_id, institution_id)
		SELECT ?, id FROM institutions WHERE active = 1`, roundID); err != nil {
		return fmt.Errorf("survey: freeze round: %w", err)
	}
	return nil
}

// RoundCatalog is what the services figures of a closed or published round
// are made of (survey.RoundCatalog): the institutions it was run with and
// the catalog snapshots of its scored responses, never today's catalog. It
// is computed once per version of the round's responses and institutions
// (as rankings are) and then served from memory. A draft or open round has
// nothing frozen: ErrInvalidTransition (the web layer shows it today's
// catalog instead).
func (s *Store) RoundCatalog(ctx context.Context, roundID int64) (survey.RoundCatalog, error) {
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.RoundCatalog{}, err
	}
	if !round.Frozen() {
		return survey.RoundCatalog{}, fmt.Errorf("survey: round %s is %s, nothing is frozen: %w", round.Name, round.Status, survey.ErrInvalidTransition)
	}
	version, err := s.rankingVersion(ctx, roundID, 0)
	if err != nil {
		return survey.RoundCatalog{}, err
	}
	// Closing again after a reopen records the institutions again.
	version += "|" + formatTime(round.ClosedAt)
	return s.frozen.Load(fmt.Sprint(roundID), version, func() (survey.RoundCatalog, error) {
		return s.readRoundCatalog(ctx, roundID)
	})
}

func (s *Store) readRoundCatalog(ctx context.Context, roundID int64) (survey.RoundCatalog, error) {
	out := survey.RoundCatalog{Frozen: true, Tallies: map[string]survey.MetricsTally{}}
	// #nosec G202 -- only fixed column names are concatenated; values are bound
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("i.", institutionColumns)+` FROM round_institutions ri
		JOIN institutions i ON i.id = ri.institution_id WHERE ri.round_id = ? ORDER BY i.code`, roundID)
	if err != nil {
		return out, fmt.Errorf("survey: round catalog: %w", err)
	}
	for rows.Next() {
		in, err := scanInstitution(rows)
		if err != nil {
			_ = rows.Close()
			return out, fmt.Errorf("survey: round catalog: %w", err)
		}
		out.Institutions = append(out.Institutions, in)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("survey: round catalog: %w", err)
	}
	// The snapshots of the responses that are scored: the services their
	// catalog metrics were computed from.
	rows, err = s.r.QueryContext(ctx, `SELECT i.code, r.catalog_snapshot FROM responses r JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND r.status IN ('submitted', 'accepted') AND r.catalog_snapshot IS NOT NULL`, roundID)
	if err != nil {
		return out, fmt.Errorf("survey: round catalog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, raw string
		if err := rows.Scan(&code, &raw); err != nil {
			return out, fmt.Errorf("survey: round catalog: %w", err)
		}
		var services []survey.Service
		if err := json.Unmarshal([]byte(raw), &services); err != nil {
			return out, fmt.Errorf("survey: round catalog: snapshot of %s: %w", code, err)
		}
		var t survey.MetricsTally
		for _, sv := range services {
			t.Add(sv)
		}
		out.Tallies[code] = t
	}
	return out, rows.Err()
}

// roundCatalogBytes is about what a round catalog holds: an institution
// row and a tally each.
func roundCatalogBytes(c survey.RoundCatalog) int64 {
	return 64 + 256*int64(len(c.Institutions)) + 160*int64(len(c.Tallies))
}

// keepPreviousScores moves aside, unchanged, a response's scores of
// another scoring version than the one about to be stored, so that a
// rescore under a new version leaves what was shown before readable
// (PreviousScores). Scores of the current version are simply replaced.
func (s *Store) keepPreviousScores(ctx context.Context, tx *sql.Tx, responseID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO previous_scores (response_id, kind, scoring_version, questionnaire_hash, index_value, level,
			dimensions, result, computed_at, superseded_at)
		SELECT response_id, kind, scoring_version, questionnaire_hash, index_value, level, dimensions, result, computed_at, ?
		FROM scores WHERE response_id = ? AND scoring_version <> ?
		ON CONFLICT (response_id, kind, scoring_version) DO NOTHING`, formatTime(s.now()), responseID, survey.ScoringVersion)
	if err != nil {
		return fmt.Errorf("survey: keep previous scores: %w", err)
	}
	return nil
}

// rescoreTargets are the scored responses of a round that a rescore
// recomputes, and the scoring versions their scores had. In a published
// round only the responses whose scores have another version than this
// server's are rescored; when none has, the rescore is refused
// (survey.RescoreRefused): published figures change only under a new
// scoring version.
func rescoreTargets(ctx context.Context, tx *sql.Tx, round survey.Round) ([]int64, []string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.id, coalesce((SELECT string_agg(v, ',') FROM (SELECT DISTINCT s.scoring_version AS v FROM scores s WHERE s.response_id = r.id) d), '')
		FROM responses r WHERE r.round_id = ? AND r.status IN ('submitted', 'accepted') ORDER BY r.id`, round.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids []int64
	seen := map[string]bool{}
	for rows.Next() {
		var id int64
		var versions string
		if err := rows.Scan(&id, &versions); err != nil {
			return nil, nil, err
		}
		if round.Status == survey.RoundPublished && versions == survey.ScoringVersion {
			continue // already under this version: published, left as it is
		}
		ids = append(ids, id)
		for v := range strings.SplitSeq(versions, ",") {
			if v != "" {
				seen[v] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if round.Status == survey.RoundPublished && len(ids) == 0 {
		return nil, nil, &survey.RescoreRefused{Round: round.Name, Version: survey.ScoringVersion}
	}
	before := make([]string, 0, len(seen))
	for v := range seen {
		before = append(before, v)
	}
	slices.Sort(before)
	return ids, before, nil
}

// ScoringVersions are the scoring versions a round's scores can be read
// in: the one shown first (of its current scores; this server's when it
// has none), then those superseded by a rescore, newest first.
func (s *Store) ScoringVersions(ctx context.Context, roundID int64) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT v FROM (
			SELECT s.scoring_version AS v, 0 AS old, max(s.computed_at) AS at FROM scores s JOIN responses r ON r.id = s.response_id
				WHERE r.round_id = ? GROUP BY s.scoring_version
			UNION ALL
			SELECT p.scoring_version, 1, max(p.superseded_at) FROM previous_scores p JOIN responses r ON r.id = p.response_id
				WHERE r.round_id = ? GROUP BY p.scoring_version) versions
		ORDER BY old, at DESC, v DESC`, roundID, roundID)
	if err != nil {
		return nil, fmt.Errorf("survey: scoring versions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("survey: scoring versions: %w", err)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		out = []string{survey.ScoringVersion}
	}
	return out, nil
}

// PreviousScores ranks a round's scores as they were under a scoring
// version a rescore superseded (previous_scores), without changes: what
// was published before stays readable. A version the round was never
// scored under is ErrNotFound. They are read seldom and never change, so
// they are not cached.
func (s *Store) PreviousScores(ctx context.Context, roundID int64, kind, version string) ([]survey.InstitutionScore, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM previous_scores p JOIN responses r ON r.id = p.response_id
		WHERE r.round_id = ? AND p.scoring_version = ?`, roundID, version).Scan(&n); err != nil {
		return nil, fmt.Errorf("survey: previous scores: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("survey: scores of round %d under scoring version %q: %w", roundID, version, survey.ErrNotFound)
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	return s.rankedFrom(ctx, "previous_scores", version, roundID, kind, q.Def)
}
