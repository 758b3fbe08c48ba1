package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"marsad/survey"
)

// How sure a round's ranking is (migration 0015, docs/uncertainty.md): the
// analysis is computed in the transaction that closes, publishes or
// rescores a round, from the scores as that transaction sees them, and
// stored; pages read it with the ranking and never compute it.

// analyseRanks computes and stores the rank analysis of both indices of a
// round, inside tx. An analysis of the very same scores (same
// fingerprint and scoring version) is kept as it is: publishing a round
// analysed at its close costs nothing, and its figures do not move.
func (s *Store) analyseRanks(ctx context.Context, tx *sql.Tx, roundID int64) error {
	round, err := getRound(ctx, tx, roundID)
	if err != nil {
		return err
	}
	// Read in tx: the demo analyses a questionnaire it has not committed yet.
	var body string
	if err := tx.QueryRowContext(ctx, "SELECT body FROM questionnaires WHERE id = ?", round.QuestionnaireID).Scan(&body); err != nil {
		return fmt.Errorf("survey: questionnaire %d: %w", round.QuestionnaireID, err)
	}
	def, err := survey.ParseDefinition([]byte(body))
	if err != nil {
		return fmt.Errorf("survey: stored questionnaire %d: %w", round.QuestionnaireID, err)
	}
	for _, kind := range []string{survey.ScoreSelf, survey.ScoreVerified} {
		if err := s.analyseRanksOf(ctx, tx, round, def, kind); err != nil {
			return fmt.Errorf("survey: rank analysis of round %d (%s): %w", roundID, kind, err)
		}
	}
	return nil
}

// analysedRound is what an analysis is made of: every ranked
// institution's scores under both treatments of N/A, its id, and the
// fingerprint and scoring version of the scores.
type analysedRound struct {
	units       []survey.BandUnit
	ids         map[string]int64
	fingerprint string
	version     string
}

// readAnalysed reads the round's scores as its ranking reads them (the
// same rows as rankedFrom on "scores": submitted or accepted responses of
// the institutions it ranks, rankedInstitution), with the items of results that hold an answer of
// "not applicable" (the other treatment of N/A needs them).
func readAnalysed(ctx context.Context, tx *sql.Tx, roundID int64, kind string, def *survey.Definition) (analysedRound, error) {
	rows, err := tx.QueryContext(ctx, `SELECT i.id, i.code, s.index_value, s.dimensions, s.scoring_version, s.result
		FROM scores s JOIN responses r ON r.id = s.response_id JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND s.kind = ? AND r.status IN ('submitted', 'accepted') AND `+rankedInstitution, roundID, kind)
	if err != nil {
		return analysedRound{}, err
	}
	defer rows.Close()
	out := analysedRound{ids: map[string]int64{}}
	results := map[string]survey.Result{}
	versions := map[string]bool{}
	for rows.Next() {
		var (
			id                  int64
			code, dims, v, body string
			r                   survey.Result
		)
		if err := rows.Scan(&id, &code, &r.Index, &dims, &v, &body); err != nil {
			return out, err
		}
		if r.Dimensions, err = decodeDimensions(dims, def); err != nil {
			return out, err
		}
		results[code], out.ids[code] = r, id
		versions[v] = true
		// Only results with an N/A answer need their items, and most
		// have none: decoding every item of 1,500 results is the slow part.
		if strings.Contains(body, `"dropped":"`+survey.DropNA+`"`) {
			var full struct {
				Items []survey.ItemScore `json:"items"`
			}
			if err := json.Unmarshal([]byte(body), &full); err != nil {
				return out, fmt.Errorf("result of %s: %w", code, err)
			}
			r.Items = full.Items
		}
		out.units = append(out.units, survey.NewBandUnit(def, code, r))
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.fingerprint = survey.ScoresFingerprint(results)
	out.version = survey.ScoringVersion
	if len(versions) == 1 {
		for v := range versions {
			out.version = v // the scores' own version, whatever this server's
		}
	}
	return out, nil
}

func (s *Store) analyseRanksOf(ctx context.Context, tx *sql.Tx, round survey.Round, def *survey.Definition, kind string) error {
	in, err := readAnalysed(ctx, tx, round.ID, kind, def)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM rank_analyses WHERE round_id = ? AND kind = ? AND scoring_version = ? AND fingerprint = ?`,
		round.ID, kind, in.version, in.fingerprint).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	spread := def.Model.WeightSpreadOf()
	a := survey.AnalyseRanks(def, in.units, survey.AnalysisOptions{Spread: spread, Seed: survey.RankSeed(round.ID, in.version)})
	if _, err := tx.ExecContext(ctx, `DELETE FROM rank_analyses WHERE round_id = ? AND kind = ? AND scoring_version = ?`, round.ID, kind, in.version); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO rank_analyses (round_id, kind, scoring_version, fingerprint, seed, replicates, weight_spread,
		mean_shift, aggregation_effect, na_effect, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		round.ID, kind, in.version, in.fingerprint, strconv.FormatUint(a.Seed, 16), a.Replicates, spread,
		a.MeanShift, a.Aggregation, a.NotApplicable, formatTime(s.now()))
	if err != nil {
		return err
	}
	band, err := tx.PrepareContext(ctx, `INSERT INTO rank_bands (round_id, kind, scoring_version, institution_id, rank, median, p5, p95)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer band.Close()
	for _, u := range in.units {
		b := a.Bands[u.Code]
		if _, err := band.ExecContext(ctx, round.ID, kind, in.version, in.ids[u.Code], a.Published[u.Code], b.Median, b.Low, b.High); err != nil {
			return err
		}
	}
	for i, d := range a.Dimensions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rank_sensitivity (round_id, kind, scoring_version, section, position, effect)
			VALUES (?, ?, ?, ?, ?, ?)`, round.ID, kind, in.version, d.Section, i, d.Effect); err != nil {
			return err
		}
	}
	return nil
}

// analyseStoredRounds analyses every closed or published round that has
// no analysis of its current scores: the demo's rounds, written directly.
func (s *Store) analyseStoredRounds(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT id FROM rounds WHERE status IN ('closed', 'published') ORDER BY id")
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.analyseRanks(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// AnalyseUnanalysedRounds analyses, each in its own transaction, the
// closed and published rounds that have no rank analysis at all: those
// closed before migration 0015. It returns how many it analysed; a start
// with nothing to do costs one query.
func (s *Store) AnalyseUnanalysedRounds(ctx context.Context) (int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM rounds WHERE status IN ('closed', 'published')
		AND id NOT IN (SELECT round_id FROM rank_analyses) ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("survey: rounds to analyse: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i, id := range ids {
		if err := s.withTx(ctx, func(tx *sql.Tx) error { return s.analyseRanks(ctx, tx, id) }); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// attachBands gives each row of a ranking its rank band, when the round
// has an analysis of exactly the scores ranked (results); otherwise the
// rows keep none. list is the whole ranking, so that each band can count
// the others it overlaps.
func (s *Store) attachBands(ctx context.Context, roundID int64, kind string, results map[string]survey.Result, list []survey.InstitutionScore) error {
	if len(list) == 0 {
		return nil
	}
	var version string
	err := s.r.QueryRowContext(ctx, `SELECT scoring_version FROM rank_analyses WHERE round_id = ? AND kind = ? AND fingerprint = ?
		ORDER BY computed_at DESC LIMIT 1`, roundID, kind, survey.ScoresFingerprint(results)).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("survey: rank analysis: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT i.code, b.median, b.p5, b.p95 FROM rank_bands b JOIN institutions i ON i.id = b.institution_id
		WHERE b.round_id = ? AND b.kind = ? AND b.scoring_version = ?`, roundID, kind, version)
	if err != nil {
		return fmt.Errorf("survey: rank bands: %w", err)
	}
	defer rows.Close()
	byCode := make(map[string]survey.RankBand, len(list))
	for rows.Next() {
		var code string
		var b survey.RankBand
		if err := rows.Scan(&code, &b.Median, &b.Low, &b.High); err != nil {
			return fmt.Errorf("survey: rank bands: %w", err)
		}
		byCode[code] = b
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("survey: rank bands: %w", err)
	}
	bands := make([]survey.RankBand, len(list))
	for i, x := range list {
		b, ok := byCode[x.Code]
		if !ok {
			return nil // not the institutions analysed: no band rather than some
		}
		bands[i] = b
	}
	survey.CountOverlaps(bands)
	for i := range list {
		list[i].Band = &bands[i]
	}
	return nil
}

// RankAnalysis is the round's analysis on one index beyond the bands its
// ranking rows carry: the weights' and the other choices' effects, with
// the seed and settings it was drawn with. It is nil when the ranking
// shows no bands (no analysis of its current scores).
func (s *Store) RankAnalysis(ctx context.Context, roundID int64, kind string) (*survey.RankAnalysis, error) {
	var version string
	err := s.ReadRanking(ctx, roundID, kind, func(r *survey.Ranking) error {
		if len(r.List) > 0 && r.List[0].Band != nil {
			version = r.List[0].ScoringVersion
		}
		return nil
	})
	if err != nil || version == "" {
		return nil, err
	}
	a := &survey.RankAnalysis{}
	var seed string
	// The analysis of the ranking's scoring version; the latest one if the
	// round's scores are of several versions.
	err = s.r.QueryRowContext(ctx, `SELECT scoring_version, seed, replicates, weight_spread, mean_shift, aggregation_effect, na_effect FROM rank_analyses
		WHERE round_id = ? AND kind = ? ORDER BY scoring_version = ? DESC, computed_at DESC LIMIT 1`, roundID, kind, version).
		Scan(&version, &seed, &a.Replicates, &a.Spread, &a.MeanShift, &a.Aggregation, &a.NotApplicable)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("survey: rank analysis: %w", err)
	}
	if a.Seed, err = strconv.ParseUint(seed, 16, 64); err != nil {
		return nil, fmt.Errorf("survey: rank analysis seed %q: %w", seed, err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT section, effect FROM rank_sensitivity WHERE round_id = ? AND kind = ? AND scoring_version = ?
		ORDER BY position`, roundID, kind, version)
	if err != nil {
		return nil, fmt.Errorf("survey: rank sensitivity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d survey.DimensionEffect
		if err := rows.Scan(&d.Section, &d.Effect); err != nil {
			return nil, fmt.Errorf("survey: rank sensitivity: %w", err)
		}
		a.Dimensions = append(a.Dimensions, d)
	}
	return a, rows.Err()
}
