package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"marsad/survey"
)

// The institution is looked up in subqueries, not joined: on SQLite 3.54
// through database/sql a join of two or three tables cost 20–40 µs a
// query against 6–8 µs for the same lookups as subqueries (measured), and
// these queries run on every page and save of a response.
const responseSelect = `SELECT r.id, r.round_id, (SELECT code FROM institutions WHERE id = r.institution_id), r.status,
	coalesce(r.submitted_at, ''), coalesce(r.accepted_at, ''), r.updated_at FROM responses r `

// responseOf picks an institution's response to a round: round id, code.
const responseOf = "WHERE r.round_id = ? AND r.institution_id = (SELECT id FROM institutions WHERE code = ?)"

func scanResponse(row interface{ Scan(...any) error }) (survey.Response, error) {
	var r survey.Response
	var sub, acc, upd string
	err := row.Scan(&r.ID, &r.RoundID, &r.InstitutionCode, &r.Status, &sub, &acc, &upd)
	r.SubmittedAt, r.AcceptedAt, r.UpdatedAt = parseTime(sub), parseTime(acc), parseTime(upd)
	return r, err
}

// Response returns the institution's response to a round. A round's
// response is created as an empty draft the first time it is asked for
// while the round is open; otherwise a missing one is ErrNotFound.
func (s *Store) Response(ctx context.Context, roundID int64, code string) (survey.Response, error) {
	r, err := scanResponse(s.r.QueryRowContext(ctx, responseSelect+responseOf, roundID, code))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("survey: response: %w", err)
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return r, err
	}
	if round.Status != survey.RoundOpen {
		return r, fmt.Errorf("survey: response %d/%s: %w", roundID, code, survey.ErrNotFound)
	}
	err = s.withTxRowsKept(ctx, func(tx *sql.Tx) error {
		r, err = s.ensureResponse(ctx, tx, roundID, code)
		return err
	})
	return r, err
}

// ensureResponse finds or creates the draft response inside a transaction:
// one query when it exists, as it does for every save after the first.
func (s *Store) ensureResponse(ctx context.Context, tx dbExecer, roundID int64, code string) (survey.Response, error) {
	r, err := scanResponse(tx.QueryRowContext(ctx, responseSelect+responseOf, roundID, strings.ToUpper(code)))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	inst, err := getInstitution(ctx, tx, code)
	if err != nil {
		return survey.Response{}, err
	}
	now := formatTime(s.now())
	_, err = tx.ExecContext(ctx, `INSERT INTO responses (round_id, institution_id, status, created_at, updated_at)
		VALUES (?, ?, 'draft', ?, ?) ON CONFLICT (round_id, institution_id) DO NOTHING`, roundID, inst.ID, now, now)
	if err != nil {
		return survey.Response{}, fmt.Errorf("survey: create response: %w", err)
	}
	return scanResponse(tx.QueryRowContext(ctx, responseSelect+responseOf, roundID, inst.Code))
}

// Answers returns a response's answers.
func (s *Store) Answers(ctx context.Context, responseID int64) (survey.AnswerSet, error) {
	return queryAnswers(ctx, s.r, responseID)
}

type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and scans every row with scan; errors name what
// ("survey: <what>: …"). With no row it returns an empty, non-nil list.
func queryAll[T any](ctx context.Context, q rowsQueryer, what string, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("survey: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: %s: %w", what, err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("survey: %s: %w", what, err)
	}
	return out, nil
}

func queryAnswers(ctx context.Context, q rowsQueryer, responseID int64) (survey.AnswerSet, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.item_id, a.value, a.na, a.evidence, a.comment, a.version, a.updated_at,
		coalesce(u.email, ''), a.review_status, a.review_comment
		FROM answers a LEFT JOIN users u ON u.id = a.updated_by WHERE a.response_id = ?`, responseID)
	if err != nil {
		return nil, fmt.Errorf("survey: answers: %w", err)
	}
	defer rows.Close()
	out := survey.AnswerSet{}
	for rows.Next() {
		var a survey.Answer
		var value, updated string
		if err := rows.Scan(&a.ItemID, &value, &a.NA, &a.Evidence, &a.Comment, &a.Version, &updated, &a.UpdatedBy,
			&a.ReviewStatus, &a.ReviewComment); err != nil {
			return nil, fmt.Errorf("survey: answers: %w", err)
		}
		a.Values = splitValue(value)
		a.UpdatedAt = parseTime(updated)
		out[a.ItemID] = a
	}
	return out, rows.Err()
}

func splitValue(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, "\n")
}

// SaveAnswer stores one answer (autosave). The round must be open, the
// response a draft or returned, the actor allowed for the institution, and
// in.BaseVersion the version the person started from: otherwise
// *ConflictError carries the newer answer and nothing is written. Each save
// is audited with the old and new value.
func (s *Store) SaveAnswer(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.AnswerInput) (survey.Answer, error) {
	out, err := s.SaveAnswers(ctx, a, roundID, code, []survey.AnswerInput{in})
	if err != nil {
		var be *survey.BatchError
		if errors.As(err, &be) && len(be.Items) == 1 {
			return survey.Answer{}, be.Items[0].Err
		}
		return survey.Answer{}, err
	}
	return out[0], nil
}

// SaveAnswers stores several answers of one response in one transaction:
// all of them, or — if any is invalid or based on an old version — none,
// with a *BatchError naming each problem (the offline Excel upload).
func (s *Store) SaveAnswers(ctx context.Context, a survey.Actor, roundID int64, code string, ins []survey.AnswerInput) ([]survey.Answer, error) {
	if !a.CanEditInstitution(code) {
		return nil, survey.ErrForbidden
	}
	code = strings.ToUpper(code)
	first := ""
	if len(ins) > 0 {
		first = ins[0].ItemID
	}
	var out []survey.Answer
	reqCtx := ctx
	err := s.withBatchedTx(ctx, responseLock(roundID, code), func(ctx context.Context, tx dbExecer) error {
		out = out[:0]
		// A client gone before its turn saves nothing, as when this ran
		// under its own context (see withBatchedTx).
		if err := reqCtx.Err(); err != nil {
			return fmt.Errorf("survey: save answers: %w", err)
		}
		// The round, read once a batch (batchRound); then the response and
		// the first answer, each by one indexed lookup (see responseSelect
		// on joins). One statement with subqueries for the round, the
		// response and the answer was no faster inside the transaction
		// (10.7 µs against 9.6, measured).
		var (
			respID                    sql.NullInt64
			respStatus, value, ev, cm sql.NullString
			updated                   sql.NullString
			na                        sql.NullBool
			version                   sql.NullInt64
		)
		now := s.now()
		round, err := batchRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, "SELECT r.id, r.status FROM responses r "+responseOf, roundID, code).Scan(&respID, &respStatus)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("survey: save answers: %w", err)
		}
		if respID.Valid && first != "" {
			err = tx.QueryRowContext(ctx, "SELECT value, na, evidence, comment, version, updated_at FROM answers WHERE response_id = ? AND item_id = ?",
				respID.Int64, first).Scan(&value, &na, &ev, &cm, &version, &updated)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("survey: save answers: %w", err)
			}
		}
		if !round.Editable() {
			return survey.ErrInvalidTransition
		}
		// The institution's extension is looked up only once the round's
		// own deadline has passed, so a save before it costs nothing more.
		if err := s.checkDeadline(ctx, tx, a, round, code); err != nil {
			return err
		}
		q, err := s.Questionnaire(ctx, round.QuestionnaireID)
		if err != nil {
			return err
		}
		var bad []survey.ItemError
		for i, in := range ins {
			it, ok := q.Def.Item(in.ItemID)
			if !ok {
				bad = append(bad, survey.ItemError{ItemID: in.ItemID, Err: fmt.Errorf("survey: item %q: %w", in.ItemID, survey.ErrNotFound)})
				continue
			}
			if ins[i], err = survey.CheckAnswer(it, in); err != nil {
				bad = append(bad, survey.ItemError{ItemID: in.ItemID, Err: err})
			}
		}
		if len(bad) > 0 {
			return &survey.BatchError{Items: bad}
		}
		resp := survey.Response{ID: respID.Int64, RoundID: roundID, InstitutionCode: code, Status: respStatus.String}
		if !respID.Valid { // the institution's first answer in this round
			if resp, err = s.ensureResponse(ctx, tx, roundID, code); err != nil {
				return err
			}
		}
		if !resp.Editable() {
			return survey.ErrInvalidTransition
		}
		for i, in := range ins {
			var before survey.Answer
			var beforeValue, updatedAt string
			if i == 0 && respID.Valid {
				if version.Valid {
					beforeValue, before.NA, before.Evidence, before.Comment, before.Version, updatedAt =
						value.String, na.Bool, ev.String, cm.String, version.Int64, updated.String
				}
			} else {
				err := tx.QueryRowContext(ctx, `SELECT value, na, evidence, comment, version, updated_at FROM answers
					WHERE response_id = ? AND item_id = ?`, resp.ID, in.ItemID).
					Scan(&beforeValue, &before.NA, &before.Evidence, &before.Comment, &before.Version, &updatedAt)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			before.ItemID, before.Values, before.UpdatedAt = in.ItemID, splitValue(beforeValue), parseTime(updatedAt)
			if before.Version > 0 && in.BaseVersion <= before.Version && before.Holds(in) {
				// What is stored is already what was sent: a retry of a save
				// whose reply was lost (the same value at the next version),
				// or an unchanged save. Nothing to write and no conflict.
				out = append(out, before)
				continue
			}
			if in.BaseVersion != before.Version {
				bad = append(bad, survey.ItemError{ItemID: in.ItemID, Err: &survey.ConflictError{Current: before}})
				continue
			}
			if before.Version > 0 {
				// The row read above: an UPDATE of it does what the upsert
				// below would, without first trying the insert (5 µs
				// against 7, measured).
				_, err = tx.ExecContext(ctx, `UPDATE answers SET value = ?, na = ?, evidence = ?, comment = ?, version = version + 1,
					updated_at = ?, updated_by = ? WHERE response_id = ? AND item_id = ?`,
					strings.Join(in.Values, "\n"), in.NA, in.Evidence, in.Comment, formatTime(now), nullID(a.ID), resp.ID, in.ItemID)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO answers (response_id, item_id, value, na, evidence, comment, version, updated_at, updated_by)
				VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
				ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value, na = excluded.na,
					evidence = excluded.evidence, comment = excluded.comment, version = answers.version + 1,
					updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
					resp.ID, in.ItemID, strings.Join(in.Values, "\n"), in.NA, in.Evidence, in.Comment, formatTime(now), nullID(a.ID))
			}
			if err != nil {
				return fmt.Errorf("survey: save answer: %w", err)
			}
			after := survey.Answer{ItemID: in.ItemID, Values: in.Values, NA: in.NA, Evidence: in.Evidence, Comment: in.Comment,
				Version: before.Version + 1, UpdatedAt: now}
			out = append(out, after)
			key := round.Name + "/" + code + "/" + in.ItemID
			ab, aa := answerAuditJSON(before, after)
			if err := s.auditJSON(ctx, tx, a.ID, "answer", "response", key, ab, aa); err != nil {
				return err
			}
		}
		if len(bad) > 0 {
			return &survey.BatchError{Items: bad}
		}
		return nil
	})
	return out, err
}

// answerAuditJSON is the audit record of a saved answer: what audit would
// store for the maps {"values", "na", "evidence", "comment", "version"} of
// before and after (none for an answer never saved, version 0), written
// directly. Marshalling two maps and compacting them (survey.CompactChange)
// was a tenth of an autosave's CPU time (BenchmarkAutosave in
// handlers/scores_bench_test.go); TestAnswerAuditJSON holds the two ways
// to the same bytes.
func answerAuditJSON(before, after survey.Answer) (sql.NullString, sql.NullString) {
	var scratch [512]byte
	buf, at := appendAnswerValues(scratch[:0], after)
	if before.Version == 0 { // created: the whole record
		return sql.NullString{}, sql.NullString{String: answerObject(buf, at, [5]bool{true, true, true, true, true}), Valid: true}
	}
	// A change: only the fields whose values differ, on both sides.
	buf, bt := appendAnswerValues(buf, before)
	var differ [5]bool
	for f := range differ {
		differ[f] = !bytes.Equal(buf[bt[f]:bt[f+1]], buf[at[f]:at[f+1]])
	}
	return sql.NullString{String: answerObject(buf, bt, differ), Valid: true},
		sql.NullString{String: answerObject(buf, at, differ), Valid: true}
}

// answerFieldNames are the audit record's keys, quoted, with their colon,
// in the order json.Marshal writes a map's keys: sorted.
var answerFieldNames = [5]string{`"comment":`, `"evidence":`, `"na":`, `"values":`, `"version":`}

// appendAnswerValues appends the JSON values of a's fields, in the order
// of answerFieldNames; field f's is dst[at[f]:at[f+1]].
func appendAnswerValues(dst []byte, a survey.Answer) ([]byte, [6]int) {
	var at [6]int
	at[0] = len(dst)
	dst = survey.AppendJSONString(dst, a.Comment)
	at[1] = len(dst)
	dst = survey.AppendJSONString(dst, a.Evidence)
	at[2] = len(dst)
	dst = strconv.AppendBool(dst, a.NA)
	at[3] = len(dst)
	dst = survey.AppendJSONStrings(dst, a.Values)
	at[4] = len(dst)
	dst = strconv.AppendInt(dst, a.Version, 10)
	at[5] = len(dst)
	return dst, at
}

// answerObject is the object of the fields kept, as CompactChange joins
// them (and json.Marshal, when all are kept).
func answerObject(buf []byte, at [6]int, keep [5]bool) string {
	n := 2
	for f := range keep {
		if keep[f] {
			n += len(answerFieldNames[f]) + at[f+1] - at[f] + 1
		}
	}
	var out strings.Builder
	out.Grow(n)
	out.WriteByte('{')
	first := true
	for f, name := range answerFieldNames {
		if !keep[f] {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		out.WriteString(name)
		out.Write(buf[at[f]:at[f+1]])
	}
	out.WriteByte('}')
	return out.String()
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// ResponseAction moves a response through its states. "submit" (the
// institution) checks every required visible item and freezes the catalog
// snapshot in the same transaction; "return" and "accept" are the
// reviewer's. Anything else from the current status is ErrInvalidTransition.
//
// In a round that requires the head's sign-off, "submit" is refused
// (ErrSignoffRequired): the head's approval submits (ApproveSignoff).
func (s *Store) ResponseAction(ctx context.Context, a survey.Actor, roundID int64, code, action string) (survey.Response, error) {
	return s.responseAction(ctx, a, roundID, code, action, nil)
}

// responseAction is ResponseAction; signoff, when not nil, is the head's
// approval (teams.go): it submits in a round that requires sign-off, and
// runs inside the transaction, before the submission is written.
func (s *Store) responseAction(ctx context.Context, a survey.Actor, roundID int64, code, action string,
	signoff func(tx *sql.Tx, resp survey.Response) error) (survey.Response, error) {
	switch action {
	case "submit":
		if !a.CanEditInstitution(code) {
			return survey.Response{}, survey.ErrForbidden
		}
	case "return", "accept", "reopen":
		if !a.CanReview() {
			return survey.Response{}, survey.ErrForbidden
		}
	default:
		return survey.Response{}, survey.ErrInvalidTransition
	}
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return survey.Response{}, err
	}
	if action == "submit" && !round.Editable() {
		return survey.Response{}, survey.ErrInvalidTransition
	}
	if action == "submit" && round.RequiresSignoff && signoff == nil {
		return survey.Response{}, survey.ErrSignoffRequired
	}
	if round.Status == survey.RoundPublished {
		// Accepting, returning or reopening would change published figures.
		return survey.Response{}, survey.ErrRoundPublished
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return survey.Response{}, err
	}
	var out survey.Response
	err = s.withTxRowsKept(ctx, func(tx *sql.Tx) error {
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		to, err := survey.NextResponseStatus(resp.Status, action)
		if err != nil {
			return err
		}
		if action == "submit" {
			if err := s.checkDeadline(ctx, tx, a, round, code); err != nil {
				return err
			}
			if signoff != nil {
				if err := signoff(tx, resp); err != nil {
					return err
				}
			}
		}
		now := formatTime(s.now())
		switch action {
		case "submit":
			answers, err := queryAnswers(ctx, tx, resp.ID)
			if err != nil {
				return err
			}
			if missing := survey.MissingAnswers(q.Def, answers); len(missing) > 0 {
				return &survey.ErrIncomplete{Items: missing}
			}
			snapshot, services, err := catalogSnapshot(ctx, tx, code)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "UPDATE responses SET status = ?, catalog_snapshot = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
				to, snapshot, now, now, resp.ID)
			if err != nil {
				return err
			}
			// The score appears with the submission, in the same
			// transaction, from the answers and services just read.
			if err := s.scoreResponseOf(ctx, tx, round, q, resp.ID, answers, services); err != nil {
				return err
			}
		case "accept":
			if _, err := tx.ExecContext(ctx, "UPDATE responses SET status = ?, accepted_at = ?, updated_at = ? WHERE id = ?", to, now, now, resp.ID); err != nil {
				return err
			}
			// Approvals change the verified index.
			if err := s.scoreResponse(ctx, tx, round, q, resp.ID); err != nil {
				return err
			}
		default:
			if _, err := tx.ExecContext(ctx, "UPDATE responses SET status = ?, updated_at = ? WHERE id = ?", to, now, resp.ID); err != nil {
				return err
			}
		}
		out = resp
		out.Status = to
		if err := s.notifyResponse(ctx, tx, round, out, action); err != nil { // notify.go: returned, accepted
			return err
		}
		return s.audit(ctx, tx, a.ID, action, "response", round.Name+"/"+code, map[string]string{"status": resp.Status}, map[string]string{"status": to})
	})
	return out, err
}

// catalogSnapshot is the institution's services as JSON, frozen at
// submission, and the same services read back from that JSON: what the
// score of the submission is computed from, as a later rescore reads it.
func catalogSnapshot(ctx context.Context, tx *sql.Tx, code string) (string, []survey.Service, error) {
	rows, err := tx.QueryContext(ctx, serviceSelect+"WHERE i.code = ? ORDER BY s.code", code)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	list := []survey.Service{}
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return "", nil, err
		}
		list = append(list, sv)
	}
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", nil, err
	}
	var frozen []survey.Service
	err = json.Unmarshal(b, &frozen)
	return string(b), frozen, err
}

// CatalogSnapshot returns the services frozen with a submitted response.
func (s *Store) CatalogSnapshot(ctx context.Context, responseID int64) ([]survey.Service, error) {
	var raw sql.NullString
	if err := s.r.QueryRowContext(ctx, "SELECT catalog_snapshot FROM responses WHERE id = ?", responseID).Scan(&raw); err != nil {
		return nil, fmt.Errorf("survey: snapshot: %w", err)
	}
	var list []survey.Service
	if raw.Valid {
		if err := json.Unmarshal([]byte(raw.String), &list); err != nil {
			return nil, fmt.Errorf("survey: snapshot: %w", err)
		}
	}
	return list, nil
}

// ReviewAnswer records the reviewer's mark on one answer of a submitted
// response: approved, or issues with a required comment.
func (s *Store) ReviewAnswer(ctx context.Context, a survey.Actor, roundID int64, code, itemID, status, comment string) error {
	if !a.CanReview() {
		return survey.ErrForbidden
	}
	comment = survey.NormalizeNewlines(comment)
	fe := survey.FieldErrors{}
	if status != survey.ReviewApproved && status != survey.ReviewIssues && status != "" {
		fe.Add("review_status", "err.choose_one")
	}
	if status == survey.ReviewIssues && comment == "" {
		fe.Add("review_comment", "err.review_comment_required")
	}
	if survey.BadText(comment, true) || utf8.RuneCountInString(comment) > 2000 {
		fe.Add("review_comment", "err.too_long")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if round, err := getRound(ctx, tx, roundID); err != nil {
			return err
		} else if round.Status == survey.RoundPublished {
			return survey.ErrRoundPublished // the marks the verified index counts are frozen
		}
		resp, err := s.ensureResponse(ctx, tx, roundID, code)
		if err != nil {
			return err
		}
		if resp.Status != survey.ResponseSubmitted {
			return survey.ErrInvalidTransition
		}
		res, err := tx.ExecContext(ctx, `UPDATE answers SET review_status = ?, review_comment = ?, reviewed_by = ?, reviewed_at = ?
			WHERE response_id = ? AND item_id = ?`, status, comment, nullID(a.ID), formatTime(s.now()), resp.ID, itemID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("survey: answer %s: %w", itemID, survey.ErrNotFound)
		}
		return s.audit(ctx, tx, a.ID, "review", "response", fmt.Sprintf("%d/%s/%s", roundID, code, itemID), nil,
			map[string]string{"status": status, "comment": comment})
	})
}

// RoundBoard lists every active institution with its response status,
// progress and last activity in a round.
func (s *Store) RoundBoard(ctx context.Context, roundID int64) ([]survey.BoardRow, error) {
	round, err := s.Round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	q, err := s.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	insts, err := s.ListInstitutions(ctx, survey.InstitutionFilter{})
	if err != nil {
		return nil, err
	}
	type resp struct {
		id              int64
		status, updated string
	}
	byInst := map[int64]resp{}
	rows, err := s.r.QueryContext(ctx, "SELECT id, institution_id, status, updated_at FROM responses WHERE round_id = ?", roundID)
	if err != nil {
		return nil, fmt.Errorf("survey: board: %w", err)
	}
	for rows.Next() {
		var r resp
		var instID int64
		if err := rows.Scan(&r.id, &instID, &r.status, &r.updated); err != nil {
			_ = rows.Close()
			return nil, err
		}
		byInst[instID] = r
	}
	_ = rows.Close()
	out := make([]survey.BoardRow, 0, len(insts))
	for _, inst := range insts {
		row := survey.BoardRow{Institution: inst}
		answers := survey.AnswerSet{}
		if r, ok := byInst[inst.ID]; ok {
			row.Status, row.UpdatedAt = r.status, parseTime(r.updated)
			if answers, err = s.Answers(ctx, r.id); err != nil {
				return nil, err
			}
			for _, a := range answers { // saves do not touch the response row
				if a.UpdatedAt.After(row.UpdatedAt) {
					row.UpdatedAt = a.UpdatedAt
				}
			}
		}
		row.Answered, row.Total = survey.Progress(q.Def, answers)
		out = append(out, row)
	}
	return out, nil
}
