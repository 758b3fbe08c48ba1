package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"marsad/survey"
)

// scoreResponse computes and stores both indices of one submitted response,
// inside the caller's transaction.
func (s *Store) scoreResponse(ctx context.Context, tx *sql.Tx, round survey.Round, q survey.QuestionnaireVersion, responseID int64) error {
	answers, err := queryAnswers(ctx, tx, responseID)
	if err != nil {
		return err
	}
	var raw sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT catalog_snapshot FROM responses WHERE id = ?", responseID).Scan(&raw); err != nil {
		return err
	}
	var services []survey.Service
	if raw.Valid {
		if err := json.Unmarshal([]byte(raw.String), &services); err != nil {
			return fmt.Errorf("survey: snapshot of response %d: %w", responseID, err)
		}
	}
	return s.scoreResponseOf(ctx, tx, round, q, responseID, answers, services)
}

// scoreResponseOf is scoreResponse with the answers and the frozen
// services already in hand: a submission has just read the one and
// frozen the other, and reading both again was a tenth of its cost
// (issue 15).
func (s *Store) scoreResponseOf(ctx context.Context, tx *sql.Tx, round survey.Round, q survey.QuestionnaireVersion, responseID int64,
	answers survey.AnswerSet, services []survey.Service) error {
	if err := s.keepPreviousScores(ctx, tx, responseID); err != nil {
		return err
	}
	observed, err := s.observedTechOption(ctx, tx, q.Def, round, services)
	if err != nil {
		return err
	}
	for _, kind := range []string{survey.ScoreSelf, survey.ScoreVerified} {
		r := survey.Score(q.Def, answers, services, survey.ScoreOptions{VerifiedOnly: kind == survey.ScoreVerified, AsOf: round.OpenedAt, ObservedTech: observed})
		body, err := json.Marshal(r)
		if err != nil {
			return err
		}
		dims := encodeDimensions(r.Dimensions)
		_, err = tx.ExecContext(ctx, `INSERT INTO scores (response_id, kind, scoring_version, questionnaire_hash, index_value, level, dimensions, result, computed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (response_id, kind) DO UPDATE SET scoring_version = excluded.scoring_version,
				questionnaire_hash = excluded.questionnaire_hash, index_value = excluded.index_value, level = excluded.level,
				dimensions = excluded.dimensions, result = excluded.result, computed_at = excluded.computed_at`,
			responseID, kind, survey.ScoringVersion, q.Hash, r.Index, r.Level, dims, string(body), formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("survey: store score: %w", err)
		}
	}
	return nil
}

// Rescore recomputes the scores of every submitted or accepted response of
// a round with this server's scoring rules (survey.ScoringVersion),
// audited with the versions before and after. A published round is
// rescored only under a new scoring version: only its responses scored
// under another version are recomputed, and with none the rescore is
// refused (survey.RescoreRefused). Scores of another version are kept,
// readable (PreviousScores); the new ones are shown.
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
		ids, before, err := rescoreTargets(ctx, tx, round)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.scoreResponse(ctx, tx, round, q, id); err != nil {
				return err
			}
			n++
		}
		// New scores, new rank bands (bands.go).
		if err := s.analyseRanks(ctx, tx, round.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, "rescore", "round", round.Name, map[string]any{"scoring_versions": before},
			map[string]any{"responses": n, "scoring_version": survey.ScoringVersion, "status": round.Status})
	})
	return n, err
}

// PagesVersion changes whenever a score page could: the scores version, or
// an initiative, obstacle or action plan changed (conference_version), or a
// check run finished (checks_version: the scorecard's observed figures).
func (s *Store) PagesVersion(ctx context.Context) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT string_agg(value, '|' ORDER BY key) FROM settings
		WHERE key IN ('scores_version', 'catalog_version', 'conference_version', 'checks_version')`).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("survey: pages version: %w", err)
	}
	return v, nil
}

// ScoresVersion changes whenever rankings or score pages could: a score
// written, a response's status or a round changed, an institution or the
// catalog edited (both counters are kept by triggers, so writes from any
// process count).
func (s *Store) ScoresVersion(ctx context.Context) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT string_agg(value, '|' ORDER BY key) FROM settings WHERE key IN ('scores_version', 'catalog_version')`).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("survey: scores version: %w", err)
	}
	return v, nil
}

// interner hands out one shared copy of each string it was given.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

func (in *interner) intern(v string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if c, ok := in.m[v]; ok {
		return c
	}
	if in.m == nil || len(in.m) >= 100_000 {
		in.m = map[string]string{}
	}
	in.m[v] = v
	return v
}

// Scores ranks a round's scored responses on the self-reported or the
// verified index, without changes (see ScoresSince). A ranking is computed
// once per version of the round's scores and then served from memory (a
// copy of the slice).
func (s *Store) Scores(ctx context.Context, roundID int64, kind string) ([]survey.InstitutionScore, error) {
	return s.ScoresSince(ctx, roundID, kind, 0)
}

// ScoresSince is Scores with Δ index and Δ rank against round since, for
// the institutions present in both (0: no changes). The caller chooses
// since for whoever will read the figures (CompareRounds): a change
// measured against a round the reader may not see gives that round's
// figures away (index minus change).
func (s *Store) ScoresSince(ctx context.Context, roundID int64, kind string, since int64) ([]survey.InstitutionScore, error) {
	r, err := s.sharedRanking(ctx, roundID, kind, since)
	if err != nil {
		return nil, err
	}
	return append([]survey.InstitutionScore(nil), r.List...), nil
}

// ReadScores hands fn the round's ranking (without changes) as held in
// memory, without the copy Scores makes: nobody may change it (a newer
// ranking replaces it whole, so reading it for the rest of a request is
// safe). Pages that only read (a profile's averages, a trend line over ten
// rounds) save a copy of 1,500 rows a round.
func (s *Store) ReadScores(ctx context.Context, roundID int64, kind string, fn func([]survey.InstitutionScore) error) error {
	r, err := s.sharedRanking(ctx, roundID, kind, 0)
	if err != nil {
		return err
	}
	return fn(r.List)
}

// ReadRanking hands fn the round's ranking with its averages, without
// changes, as held in memory; like ReadScores, fn only reads it.
func (s *Store) ReadRanking(ctx context.Context, roundID int64, kind string, fn func(*survey.Ranking) error) error {
	return s.ReadRankingSince(ctx, roundID, kind, 0, fn)
}

// ReadRankingSince is ReadRanking with changes against round since (0:
// none), chosen as for ScoresSince.
func (s *Store) ReadRankingSince(ctx context.Context, roundID int64, kind string, since int64, fn func(*survey.Ranking) error) error {
	r, err := s.sharedRanking(ctx, roundID, kind, since)
	if err != nil {
		return err
	}
	return fn(r)
}

// ReadIndexes hands fn every institution's index in each round in turn,
// all of one scores version: a trend of one institution over ten rounds
// (the scorecard) reads these, kept in the cache at some 75 KB a round of
// 1,500, and leaves the rankings (2 MB each) to the pages that show them.
func (s *Store) ReadIndexes(ctx context.Context, roundIDs []int64, kind string, fn func(roundID int64, idx survey.RoundIndexes) error) error {
	for _, id := range roundIDs {
		version, err := s.rankingVersion(ctx, id, 0)
		if err != nil {
			return err
		}
		idx, err := s.indexes.Load(fmt.Sprintf("%d/%s", id, kind), version, func() (survey.RoundIndexes, error) {
			r, err := s.unkeptRanking(ctx, version, id, kind)
			if err != nil {
				return nil, err
			}
			return r.Indexes(), nil
		})
		if err != nil {
			return err
		}
		if err := fn(id, idx); err != nil {
			return err
		}
	}
	return nil
}

// unkeptRanking is the round's ranking without changes: the cached one if
// there is one, else one computed and not kept (for figures derived from it
// and kept on their own).
func (s *Store) unkeptRanking(ctx context.Context, version string, roundID int64, kind string) (*survey.Ranking, error) {
	if r, ok := s.ranks.Get(fmt.Sprintf("%d/%s/0", roundID, kind), version); ok {
		return r, nil
	}
	list, err := s.computeScores(ctx, roundID, kind, 0)
	if err != nil {
		return nil, err
	}
	return survey.NewRanking(list), nil
}

// sharedRanking is the cached ranking itself.
func (s *Store) sharedRanking(ctx context.Context, roundID int64, kind string, since int64) (*survey.Ranking, error) {
	version, err := s.rankingVersion(ctx, roundID, since)
	if err != nil {
		return nil, err
	}
	return s.rankingAt(ctx, version, roundID, kind, since)
}

// rankingVersion is the version of what a ranking of the round, with
// changes since another (0: none), is made of: the scores and response
// states of those two rounds (round_scores_versions, kept by triggers) and
// the institutions (catalog_version). A response submitted in one round
// leaves the cached rankings of the others as they are.
func (s *Store) rankingVersion(ctx context.Context, roundID, since int64) (string, error) {
	var v string
	// The round's status is part of it: closing or reopening a round changes
	// which institutions it ranks (rankedInstitution).
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT value FROM settings WHERE key = 'catalog_version')
		|| '|' || coalesce((SELECT version FROM round_scores_versions WHERE round_id = ?), 0)
		|| '|' || coalesce((SELECT version FROM round_scores_versions WHERE round_id = ?), 0)
		|| '|' || coalesce((SELECT status FROM rounds WHERE id = ?), '')`, roundID, since, roundID).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("survey: ranking version: %w", err)
	}
	return v, nil
}

// rankingAt is the ranking of the round, with changes since round since,
// at the scores version read. The round it is measured against is part of
// the key: readers who may see different earlier rounds get different
// changes, and one must never be served the other's.
func (s *Store) rankingAt(ctx context.Context, version string, roundID int64, kind string, since int64) (*survey.Ranking, error) {
	key := fmt.Sprintf("%d/%s/%d", roundID, kind, since)
	return s.ranks.Load(key, version, func() (*survey.Ranking, error) {
		list, err := s.computeScores(ctx, roundID, kind, since)
		if err != nil {
			return nil, err
		}
		return survey.NewRanking(list), nil
	})
}

// computeScores ranks a round and, with since (a round id, 0 for none),
// measures each institution's changes against that round.
func (s *Store) computeScores(ctx context.Context, roundID int64, kind string, since int64) ([]survey.InstitutionScore, error) {
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	cur, err := s.rankedRound(ctx, roundID, kind, q.Def)
	if err != nil {
		return nil, err
	}
	if since == 0 || since == roundID {
		return cur, nil
	}
	prev := map[string]survey.InstitutionScore{}
	pq, err := s.Round(ctx, since)
	if err != nil {
		return nil, err
	}
	pdef, err := s.Questionnaire(ctx, pq.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	// Change only between comparable questionnaires (survey/comparable.go):
	// none across unrelated ones, and across versions declared comparable
	// only on their common items.
	switch how, err := s.CompareVersions(ctx, pdef, q); {
	case err != nil:
		return nil, err
	case how.Kind == survey.CompareNone:
		return cur, nil
	case how.Kind == survey.CompareDeclared:
		return s.commonItemChanges(ctx, kind, cur, round, pq, q.Def, *how.Diff)
	}
	list, err := s.rankedRound(ctx, since, kind, pdef.Def)
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
	rankAmong := func(l []survey.InstitutionScore) map[string]int {
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
			d := math.Round((cur[i].Index-p.Index)*1e6) / 1e6 // no float noise (7.1, not 7.1000000000000085)
			dr := p.Rank - curRank[cur[i].Code]
			cur[i].DeltaIndex, cur[i].DeltaRank = &d, &dr
		}
	}
	return cur, nil
}

// rankedInstitution is the condition, in a query over responses r and
// institutions i, that says which institutions a round's ranking counts:
// once the round has closed, those it was run with (round_institutions,
// recorded at close), so that deactivating an institution later does not
// change a published ranking; before, the active ones. readAnalysed uses it
// too: rank bands must be computed on exactly the rows that are ranked.
const rankedInstitution = `CASE WHEN (SELECT status FROM rounds WHERE id = r.round_id) IN ('closed', 'published')
		THEN EXISTS (SELECT 1 FROM round_institutions ri WHERE ri.round_id = r.round_id AND ri.institution_id = i.id)
		ELSE i.active = 1 END`

// rankedRound reads a round's stored scores (index and dimensions only:
// decoding every item of 1,500 results was most of the time) and ranks them.
func (s *Store) rankedRound(ctx context.Context, roundID int64, kind string, def *survey.Definition) ([]survey.InstitutionScore, error) {
	return s.rankedFrom(ctx, "scores", "", roundID, kind, def)
}

// rankedFrom is rankedRound on the scores of table: "scores" (version "":
// any), or "previous_scores" with the superseded scoring version to read.
func (s *Store) rankedFrom(ctx context.Context, table, version string, roundID int64, kind string, def *survey.Definition) ([]survey.InstitutionScore, error) {
	m := def.Model
	if table != "scores" && table != "previous_scores" {
		return nil, fmt.Errorf("survey: scores from %q", table)
	}
	// #nosec G202 -- only fixed column and table names are concatenated; values are bound
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("i.", institutionColumns)+`, r.status, s.index_value, s.level, s.dimensions, s.scoring_version, s.questionnaire_hash
		FROM `+table+` s JOIN responses r ON r.id = s.response_id JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND s.kind = ? AND r.status IN ('submitted', 'accepted') AND `+rankedInstitution+`
		AND (? = '' OR s.scoring_version = ?)`, roundID, kind, version, version)
	if err != nil {
		return nil, fmt.Errorf("survey: scores: %w", err)
	}
	defer rows.Close()
	results := map[string]survey.Result{}
	byCode := map[string]survey.InstitutionScore{}
	for rows.Next() {
		var (
			sc   survey.InstitutionScore
			body string
			err  error
		)
		var created, updated string
		inst := &sc.Institution
		if err := rows.Scan(&inst.ID, &inst.Code, &inst.NameAr, &inst.NameEn, &inst.Kind, &inst.Sector, &inst.Region, &inst.Website,
			&inst.Active, &created, &updated, &sc.Status, &sc.Result.Index, &sc.Result.Level, &body, &sc.ScoringVersion, &sc.QuestionnaireHash); err != nil {
			return nil, fmt.Errorf("survey: scores: %w", err)
		}
		if sc.Result.Dimensions, err = decodeDimensions(body, def); err != nil {
			return nil, fmt.Errorf("survey: scores: %w", err)
		}
		// Ten rounds of rankings hold the same names ten times over
		// unless they share one copy.
		for _, p := range []*string{&inst.Code, &inst.NameAr, &inst.NameEn, &inst.Kind, &inst.Sector, &inst.Region, &inst.Website,
			&sc.Status, &sc.Result.Level, &sc.ScoringVersion, &sc.QuestionnaireHash} {
			*p = s.strings.intern(*p)
		}
		results[inst.Code] = sc.Result
		byCode[inst.Code] = sc
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ranked := survey.Rank(m, results)
	out := make([]survey.InstitutionScore, 0, len(ranked))
	for _, r := range ranked {
		sc := byCode[r.Institution]
		inst := sc.Institution
		sc.Code, sc.NameAr, sc.NameEn, sc.Sector, sc.Kind, sc.Region = inst.Code, inst.NameAr, inst.NameEn, inst.Sector, inst.Kind, inst.Region
		sc.Index, sc.Level, sc.Rank, sc.Of = r.Display, r.Level, r.Rank, len(ranked)
		sc.KeepOwn(m)
		sc.Dimensions = make(map[string]float64, len(def.Sections))
		sc.DimensionRanks = make(map[string]int, len(def.Sections))
		for _, d := range sc.Result.Dimensions {
			if !d.Dropped {
				sc.Dimensions[d.Section] = m.Display(d.Score)
			}
		}
		// The whole result is read per institution (ScoreResult) when a
		// page needs it; a ranking keeps only what it ranks on.
		sc.Result = survey.Result{}
		out = append(out, sc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	for _, sec := range def.Sections {
		rankOn(out, sec.ID)
	}
	// Each rank's band, from the analysis of these very scores (bands.go).
	if err := s.attachBands(ctx, roundID, kind, results, out); err != nil {
		return nil, err
	}
	return out, nil
}

// rankOn gives each institution its competition rank on one dimension.
func rankOn(list []survey.InstitutionScore, section string) {
	idx := make([]int, 0, len(list))
	for i := range list {
		if list[i].DimensionRanks == nil {
			list[i].DimensionRanks = map[string]int{}
		}
		if _, ok := list[i].Dimensions[section]; ok {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return list[idx[a]].Dimensions[section] > list[idx[b]].Dimensions[section] })
	for k, i := range idx {
		if k > 0 && list[i].Dimensions[section] == list[idx[k-1]].Dimensions[section] {
			list[i].DimensionRanks[section] = list[idx[k-1]].DimensionRanks[section]
		} else {
			list[i].DimensionRanks[section] = k + 1
		}
	}
}

func prefixed(prefix, columns string) string {
	var out []string
	for _, c := range splitColumns(columns) {
		out = append(out, prefix+c)
	}
	return joinColumns(out)
}

// ScoreResult is one institution's whole stored result (every item) in a round.
func (s *Store) ScoreResult(ctx context.Context, roundID int64, code, kind string) (survey.Result, error) {
	var body string
	err := s.r.QueryRowContext(ctx, `SELECT result FROM scores WHERE kind = ? AND response_id =
		(SELECT r.id FROM responses r `+responseOf+`)`, kind, roundID, code).Scan(&body)
	var r survey.Result
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("survey: score of %s: %w", code, survey.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("survey: score of %s: %w", code, err)
	}
	return r, json.Unmarshal([]byte(body), &r)
}

// encodeDimensions writes dimension scores compactly for the rankings
// ("STR=0.51;SRV=-" with - for a dropped dimension): decoding them as JSON
// for 1,500 institutions took most of a rankings request.
func encodeDimensions(dims []survey.DimensionScore) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		v := "-"
		if !d.Dropped {
			v = strconv.FormatFloat(d.Score, 'g', -1, 64)
		}
		parts[i] = d.Section + "=" + v
	}
	return strings.Join(parts, ";")
}

func decodeDimensions(s string, def *survey.Definition) ([]survey.DimensionScore, error) {
	weights := make(map[string]float64, len(def.Sections))
	for _, sec := range def.Sections {
		weights[sec.ID] = sec.Weight
	}
	var out []survey.DimensionScore
	for _, part := range strings.Split(s, ";") {
		id, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("bad dimension %q", part)
		}
		d := survey.DimensionScore{Section: id, Weight: weights[id], Dropped: v == "-"}
		if !d.Dropped {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, err
			}
			d.Score = f
		}
		out = append(out, d)
	}
	return out, nil
}
