package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"marsad/survey"
)

// PrefillSources lists the institution's past responses that may pre-fill
// its response to the round, newest round first: those with answers, in
// rounds that are over (closed or published, not archived; see
// survey.PrefillCandidate). The one a pre-fill takes by default is marked
// (survey.DefaultPrefillSource). The coordinator and the institution's own
// respondents may ask.
func (s *Store) PrefillSources(ctx context.Context, a survey.Actor, roundID int64, code string) ([]survey.PrefillSource, error) {
	if !a.CanEditInstitution(code) {
		return nil, survey.ErrForbidden
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	return s.prefillSources(ctx, round, code)
}

func (s *Store) prefillSources(ctx context.Context, round survey.Round, code string) ([]survey.PrefillSource, error) {
	to, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	// Round by round, so that each lookup uses the (round_id,
	// institution_id) key: a filter on the institution alone scanned every
	// response of every round (1.5 ms of the first page of each response at
	// 15,000 responses, issue 15). The join condition sits in WHERE: PostgreSQL
	// refuses ON after CROSS JOIN, and SQLite keeps the rounds-first order.
	// The earlier rounds come with their rows: reading each round again
	// by its id was ten more statements on the first page of every
	// response (issue 15).
	rows, err := s.r.QueryContext(ctx, `SELECT ro.id, ro.name, ro.questionnaire_id, ro.status, ro.public, ro.deadline,
		coalesce(ro.opened_at, ''), coalesce(ro.closed_at, ''), coalesce(ro.published_at, ''), ro.archived_at IS NOT NULL, ro.test,
		ro.requires_signoff, r.status, (SELECT count(*) FROM answers a WHERE a.response_id = r.id)
		FROM rounds ro CROSS JOIN responses r
		WHERE r.round_id = ro.id AND r.institution_id = (SELECT id FROM institutions WHERE code = ?) AND ro.id != ?
		ORDER BY ro.id DESC`, strings.ToUpper(code), round.ID)
	if err != nil {
		return nil, fmt.Errorf("survey: prefill sources: %w", err)
	}
	var found []survey.PrefillSource
	for rows.Next() {
		var p survey.PrefillSource
		p.Round, err = scanRound(scanWith(rows, &p.Status, &p.Answers))
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("survey: prefill sources: %w", err)
		}
		if p.Answers > 0 {
			found = append(found, p)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	lineage, err := s.QuestionnaireLineage(ctx)
	if err != nil {
		return nil, err
	}
	out := []survey.PrefillSource{}
	for _, p := range found {
		if !survey.PrefillCandidate(p.Round, round.ID) {
			continue
		}
		from, err := s.Questionnaire(ctx, p.Round.QuestionnaireID)
		if err != nil {
			return nil, err
		}
		p.TitleAr, p.TitleEn, p.Same = from.TitleAr, from.TitleEn, survey.PrefillComparable(from, to, lineage)
		out = append(out, p)
	}
	if d, ok := survey.DefaultPrefillSource(out); ok {
		for i := range out {
			out[i].Standard = out[i].Round.ID == d.Round.ID
		}
	}
	return out, nil
}

// PrefillFrom copies the institution's answers from its response in round
// from (0: the default source, survey.DefaultPrefillSource) into the items
// it has not answered yet in this round: same item ids, answers still
// valid for this questionnaire. from must be one of PrefillSources — the
// institution's own response in a round that is over — or nothing is
// copied (ErrNotFound). It returns the source and how many answers were
// copied (none, and no source, when there is no default source).
func (s *Store) PrefillFrom(ctx context.Context, a survey.Actor, roundID int64, code string, from int64) (survey.PrefillSource, int, error) {
	if !a.CanEditInstitution(code) {
		return survey.PrefillSource{}, 0, survey.ErrForbidden
	}
	code = strings.ToUpper(code)
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.PrefillSource{}, 0, err
	}
	if !round.Editable() {
		return survey.PrefillSource{}, 0, survey.ErrInvalidTransition
	}
	if err := s.checkDeadline(ctx, s.r, a, round, code); err != nil {
		return survey.PrefillSource{}, 0, err
	}
	sources, err := s.prefillSources(ctx, round, code)
	if err != nil {
		return survey.PrefillSource{}, 0, err
	}
	src, ok := survey.DefaultPrefillSource(sources)
	if from != 0 {
		ok = false
		for _, p := range sources {
			if p.Round.ID == from {
				src, ok = p, true
			}
		}
		if !ok {
			return survey.PrefillSource{}, 0, fmt.Errorf("survey: prefill from round %d: %w", from, survey.ErrNotFound)
		}
	}
	if !ok {
		return survey.PrefillSource{}, 0, nil
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return survey.PrefillSource{}, 0, err
	}
	copied := 0
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		copied = 0
		if err := s.checkDeadline(ctx, tx, a, round, code); err != nil {
			return err
		}
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		if !resp.Editable() {
			return survey.ErrInvalidTransition
		}
		var prevID int64
		err = tx.QueryRowContext(ctx, "SELECT r.id FROM responses r "+responseOf, src.Round.ID, code).Scan(&prevID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("survey: prefill from round %d: %w", src.Round.ID, survey.ErrNotFound)
		}
		if err != nil {
			return err
		}
		prev, err := queryAnswers(ctx, tx, prevID)
		if err != nil {
			return err
		}
		cur, err := queryAnswers(ctx, tx, resp.ID)
		if err != nil {
			return err
		}
		for _, it := range q.Def.Items {
			old, ok := prev[it.ID]
			if _, done := cur[it.ID]; done || !ok || it.Type == survey.TypeMetric {
				continue
			}
			in, err := survey.CheckAnswer(it, survey.AnswerInput{ItemID: it.ID, Values: old.Values, NA: old.NA, Evidence: old.Evidence, Comment: old.Comment})
			if err != nil {
				continue // the question changed: leave it to the respondent
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO answers (response_id, item_id, value, na, evidence, comment, version, updated_at, updated_by)
				VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`, resp.ID, it.ID, strings.Join(in.Values, "\n"), in.NA, in.Evidence, in.Comment,
				formatTime(s.now()), nullID(a.ID))
			if err != nil {
				return err
			}
			copied++
		}
		return s.audit(ctx, tx, a.ID, "prefill", "response", round.Name+"/"+code, nil,
			map[string]any{"answers": copied, "from": src.Round.Name})
	})
	if err != nil {
		return survey.PrefillSource{}, 0, err
	}
	return src, copied, nil
}

// scanWith scans a row into the destinations its caller names, then into
// more: a row of a shared scanner (scanRound) with columns of its own.
func scanWith(row interface{ Scan(...any) error }, more ...any) interface{ Scan(...any) error } {
	return scanFunc(func(dest ...any) error { return row.Scan(append(dest, more...)...) })
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
