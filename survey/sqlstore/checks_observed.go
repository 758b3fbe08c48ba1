package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"marsad/survey"
)

// Declared vs observed and the observed technology score (survey/discrepancy.go;
// docs/checks.md): what the checks say of an institution's services, now
// or over a round's window. A published round's figures are frozen in
// round_observed (migration 0019) the first time they are read.

// serviceRefs is the JSON array of service ids as url_checks.ref holds
// them, for `ref IN (SELECT value FROM json_each(?))` (jsonValues).
func serviceRefs(services []survey.Service) string {
	refs := make([]string, 0, len(services))
	for _, sv := range services {
		if sv.OnlineURL != "" {
			refs = append(refs, strconv.FormatInt(sv.ID, 10))
		}
	}
	b, _ := json.Marshal(refs)
	return string(b)
}

// jsonValues is a table of the text values of the JSON array bound to its
// "?", in a column named value: the two engines name the function differently.
func (s *Store) jsonValues() string {
	if s.pg {
		return "json_array_elements_text(CAST(? AS json))"
	}
	return "json_each(?)"
}

// latestChecksIn is the latest check of each of the services' URLs in
// [from, to], by service id (a service with no check there is absent).
func (s *Store) latestChecksIn(ctx context.Context, q rowsQueryer, services []survey.Service, from, to time.Time) (map[int64]survey.URLCheck, error) {
	// The latest time per URL first (the index on kind, ref, checked_at
	// gives it), then its row; two checks at the same instant: the later
	// row wins (ORDER BY id).
	rows, err := q.QueryContext(ctx, `SELECT `+prefixed("u.", checkColumns)+` FROM url_checks u
		JOIN (SELECT ref, max(checked_at) AS at FROM url_checks WHERE kind = 'service'
			AND ref IN (SELECT value FROM `+s.jsonValues()+`) AND checked_at >= ? AND checked_at <= ? GROUP BY ref) l
			ON u.kind = 'service' AND u.ref = l.ref AND u.checked_at = l.at
		ORDER BY u.id`,
		serviceRefs(services), formatTime(from), formatTime(to))
	if err != nil {
		return nil, fmt.Errorf("survey: checks in window: %w", err)
	}
	defer rows.Close()
	out := map[int64]survey.URLCheck{}
	for rows.Next() {
		c, err := scanCheck(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: checks in window: %w", err)
		}
		if id, err := strconv.ParseInt(c.Ref, 10, 64); err == nil {
			out[id] = c
		}
	}
	return out, rows.Err()
}

// checkStates is, for each of the services' URLs checked by asOf, its
// latest check by then and the start of the run of failures it ends.
func (s *Store) checkStates(ctx context.Context, q rowsQueryer, services []survey.Service, asOf time.Time) (map[int64]survey.CheckState, error) {
	latest, err := s.latestChecksIn(ctx, q, services, time.Time{}, asOf)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]survey.CheckState, len(latest))
	for id, c := range latest {
		out[id] = survey.CheckState{Last: c}
	}
	// The first failure after the last success (or ever), for the URLs
	// whose latest check failed.
	rows, err := q.QueryContext(ctx, `SELECT f.ref, min(f.checked_at) FROM url_checks f
		WHERE f.kind = 'service' AND f.ref IN (SELECT value FROM `+s.jsonValues()+`) AND f.reachable = 0 AND f.checked_at <= ?
		AND f.checked_at > coalesce((SELECT max(s.checked_at) FROM url_checks s WHERE s.kind = 'service' AND s.ref = f.ref
			AND s.reachable = 1 AND s.checked_at <= ?), '')
		GROUP BY f.ref`, serviceRefs(services), formatTime(asOf), formatTime(asOf))
	if err != nil {
		return nil, fmt.Errorf("survey: failing since: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref, at string
		if err := rows.Scan(&ref, &at); err != nil {
			return nil, fmt.Errorf("survey: failing since: %w", err)
		}
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			continue
		}
		if st, ok := out[id]; ok && !st.Last.Reachable {
			st.FailingSince = parseTime(at)
			out[id] = st
		}
	}
	return out, rows.Err()
}

// InstitutionDiscrepancies are an institution's services whose checks
// disagree with what it declares, now (the review page, the services list
// and the service page).
func (s *Store) InstitutionDiscrepancies(ctx context.Context, code string) ([]survey.Discrepancy, error) {
	services, err := s.InstitutionServices(ctx, code)
	if err != nil {
		return nil, err
	}
	now := s.now()
	states, err := s.checkStates(ctx, s.r, services, now)
	if err != nil {
		return nil, err
	}
	return survey.FindDiscrepancies(services, states, now), nil
}

// ServiceDiscrepancy is a service's discrepancy now; nil when it has none.
func (s *Store) ServiceDiscrepancy(ctx context.Context, sv survey.Service) (*survey.Discrepancy, error) {
	now := s.now()
	states, err := s.checkStates(ctx, s.r, []survey.Service{sv}, now)
	if err != nil {
		return nil, err
	}
	if list := survey.FindDiscrepancies([]survey.Service{sv}, states, now); len(list) > 0 {
		return &list[0], nil
	}
	return nil, nil
}

// observedWindow is the round's window of checks: from its opening to its
// close, or to now while it is open.
func (s *Store) observedWindow(r survey.Round) (time.Time, time.Time) {
	to := s.now()
	if r.Frozen() && !r.ClosedAt.IsZero() {
		to = r.ClosedAt
	}
	return r.OpenedAt, to
}

// roundServices are the services an institution's observed figures in a
// round are computed from: in a closed or published round the catalog
// snapshot its scored response froze (what it declared then), else — and
// when it has no scored response — its catalog now.
func (s *Store) roundServices(ctx context.Context, q queryer, r survey.Round, code string) ([]survey.Service, error) {
	if r.Frozen() {
		var raw sql.NullString
		err := q.QueryRowContext(ctx, `SELECT r.catalog_snapshot FROM responses r JOIN institutions i ON i.id = r.institution_id
			WHERE r.round_id = ? AND i.code = ? AND r.status IN ('submitted', 'accepted')`, r.ID, code).Scan(&raw)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("survey: round services: %w", err)
		}
		if raw.Valid {
			var services []survey.Service
			if err := json.Unmarshal([]byte(raw.String), &services); err != nil {
				return nil, fmt.Errorf("survey: round services: %w", err)
			}
			return services, nil
		}
	}
	return s.InstitutionServices(ctx, code)
}

// RoundObserved is an institution's observed technology score and
// discrepancies in a round (survey.RoundObserved). A published round's are
// frozen in round_observed the first time they are read, and read from
// there ever after: checks recorded later, or a catalog edited, never move
// them.
func (s *Store) RoundObserved(ctx context.Context, roundID int64, code string) (survey.RoundObserved, error) {
	r, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.RoundObserved{}, err
	}
	if r.Status == survey.RoundPublished {
		var body string
		err := s.r.QueryRowContext(ctx, `SELECT body FROM round_observed WHERE round_id = ? AND institution_code = ?`, roundID, code).Scan(&body)
		if err == nil {
			var o survey.RoundObserved
			if err := json.Unmarshal([]byte(body), &o); err != nil {
				return o, fmt.Errorf("survey: frozen observed figures: %w", err)
			}
			return o, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return survey.RoundObserved{}, fmt.Errorf("survey: frozen observed figures: %w", err)
		}
	}
	o, err := s.computeRoundObserved(ctx, s.r, r, code)
	if err != nil || r.Status != survey.RoundPublished {
		return o, err
	}
	o.Frozen = true
	body, err := json.Marshal(o)
	if err != nil {
		return o, err
	}
	// Two first readers at once: the first one's row stays.
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO round_observed (round_id, institution_code, body, frozen_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (round_id, institution_code) DO NOTHING`, roundID, code, string(body), formatTime(s.now()))
		return err
	})
	if err != nil {
		return o, fmt.Errorf("survey: freeze observed figures: %w", err)
	}
	return o, nil
}

func (s *Store) computeRoundObserved(ctx context.Context, q dbQueryer, r survey.Round, code string) (survey.RoundObserved, error) {
	services, err := s.roundServices(ctx, q, r, code)
	if err != nil {
		return survey.RoundObserved{}, err
	}
	from, to := s.observedWindow(r)
	checks, err := s.latestChecksIn(ctx, q, services, from, to)
	if err != nil {
		return survey.RoundObserved{}, err
	}
	states, err := s.checkStates(ctx, q, services, to)
	if err != nil {
		return survey.RoundObserved{}, err
	}
	return survey.NewRoundObserved(from, to, services, checks, states), nil
}

// observedTechOption is the observed technology score a response is
// scored with (survey.ScoreOptions.ObservedTech): only when its
// questionnaire has a metric item on it — other questionnaires are scored
// exactly as before — over the round's window as it stands at scoring,
// on the services of the response's catalog snapshot. Nil when nothing was
// checked.
func (s *Store) observedTechOption(ctx context.Context, q rowsQueryer, def *survey.Definition, r survey.Round, services []survey.Service) (*float64, error) {
	if !def.UsesMetric(survey.MetricObservedTech) {
		return nil, nil
	}
	from, to := s.observedWindow(r)
	checks, err := s.latestChecksIn(ctx, q, services, from, to)
	if err != nil {
		return nil, err
	}
	o := survey.ComputeObservedTech(services, checks)
	if !o.Scored() {
		return nil, nil
	}
	v := o.Score()
	return &v, nil
}
