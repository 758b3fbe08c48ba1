package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"marsad/survey"
)

// EachMicrodata calls fn with every response of the round that its ranking
// counts (scored — submitted or accepted — and of an institution the round
// ranks, as rankedFrom), in the order of the institutions' codes, one at a
// time: a regional round's answers are never all in memory. Everything is
// read in one read transaction, so a rescore that commits meanwhile cannot
// mix two versions of the scores in one file. Only the answers' value and
// N/A flag are read — not who saved them, nor their comments or review.
func (s *Store) EachMicrodata(ctx context.Context, roundID int64, fn func(survey.MicrodataResponse) error) error {
	tx, err := s.snapshot(ctx) // one snapshot of the round
	if err != nil {
		return fmt.Errorf("survey: microdata: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	type scored struct {
		responseID int64
		resp       survey.MicrodataResponse
	}
	// The responses first (a few hundred bytes each), then each one's
	// answers: holding one query open while running others would need a
	// second connection per request.
	var list []scored
	// #nosec G202 -- the column list and condition are this package's constants; values are bound
	rows, err := tx.QueryContext(ctx, `SELECT r.id, `+prefixed("i.", institutionColumns)+`, r.status, s.scoring_version
		FROM scores s JOIN responses r ON r.id = s.response_id JOIN institutions i ON i.id = r.institution_id
		WHERE r.round_id = ? AND s.kind = 'self' AND r.status IN ('submitted', 'accepted') AND `+rankedInstitution+`
		ORDER BY i.code`, roundID)
	if err != nil {
		return fmt.Errorf("survey: microdata: %w", err)
	}
	for rows.Next() {
		var x scored
		var created, updated string
		in := &x.resp.Institution
		if err := rows.Scan(&x.responseID, &in.ID, &in.Code, &in.NameAr, &in.NameEn, &in.Kind, &in.Sector, &in.Region, &in.Website,
			&in.Active, &created, &updated, &x.resp.Status, &x.resp.ScoringVersion); err != nil {
			_ = rows.Close()
			return fmt.Errorf("survey: microdata: %w", err)
		}
		in.CreatedAt, in.UpdatedAt = parseTime(created), parseTime(updated)
		list = append(list, x)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("survey: microdata: %w", err)
	}
	for _, x := range list {
		if err := ctx.Err(); err != nil {
			return err // the client went away
		}
		if err := readMicrodata(ctx, tx, x.responseID, &x.resp); err != nil {
			return err
		}
		if err := fn(x.resp); err != nil {
			return err
		}
	}
	return nil
}

// readMicrodata fills one response's stored result, answers and evidence
// file counts.
func readMicrodata(ctx context.Context, tx *sql.Tx, responseID int64, resp *survey.MicrodataResponse) error {
	var body string
	if err := tx.QueryRowContext(ctx, `SELECT result FROM scores WHERE response_id = ? AND kind = 'self'`, responseID).Scan(&body); err != nil {
		return fmt.Errorf("survey: microdata of %s: %w", resp.Institution.Code, err)
	}
	if err := json.Unmarshal([]byte(body), &resp.Result); err != nil {
		return fmt.Errorf("survey: microdata of %s: %w", resp.Institution.Code, err)
	}
	resp.Answers = survey.AnswerSet{}
	rows, err := tx.QueryContext(ctx, `SELECT item_id, value, na FROM answers WHERE response_id = ?`, responseID)
	if err != nil {
		return fmt.Errorf("survey: microdata answers: %w", err)
	}
	for rows.Next() {
		var a survey.Answer
		var value string
		if err := rows.Scan(&a.ItemID, &value, &a.NA); err != nil {
			_ = rows.Close()
			return fmt.Errorf("survey: microdata answers: %w", err)
		}
		a.Values = splitValue(value)
		resp.Answers[a.ItemID] = a
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("survey: microdata answers: %w", err)
	}
	resp.EvidenceFiles = map[string]int{}
	rows, err = tx.QueryContext(ctx, `SELECT item_id, count(*) FROM answer_evidence WHERE response_id = ? GROUP BY item_id`, responseID)
	if err != nil {
		return fmt.Errorf("survey: microdata evidence: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var item string
		var n int
		if err := rows.Scan(&item, &n); err != nil {
			return fmt.Errorf("survey: microdata evidence: %w", err)
		}
		resp.EvidenceFiles[item] = n
	}
	return rows.Err()
}
