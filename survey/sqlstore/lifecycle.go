package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"marsad/survey"
)

// A round's life under the coordinator's control (survey/lifecycle.go,
// survey/deadline.go): extensions of the deadline, deletion of a round
// never published, archiving and restoring a published one.

// checkDeadline refuses an actor's change to the institution's response in
// round once its deadline (or extension) is over.
func (s *Store) checkDeadline(ctx context.Context, q queryer, a survey.Actor, round survey.Round, code string) error {
	now := s.now()
	if !survey.PastDeadline(a, round.DueFor(""), now) {
		return nil
	}
	until, err := extensionUntil(ctx, q, round.ID, code)
	if err != nil {
		return err
	}
	if survey.PastDeadline(a, round.DueFor(until), now) {
		return survey.ErrPastDeadline
	}
	return nil
}

// extensionUntil is the last day of the institution's extension in the
// round, "" when it has none.
func extensionUntil(ctx context.Context, q queryer, roundID int64, code string) (string, error) {
	var until string
	err := q.QueryRowContext(ctx, `SELECT until FROM round_extensions WHERE round_id = ?
		AND institution_id = (SELECT id FROM institutions WHERE code = ?)`, roundID, strings.ToUpper(code)).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("survey: extension: %w", err)
	}
	return until, nil
}

const extensionSelect = `SELECT e.round_id, i.code, e.until, e.reason, coalesce(u.email, ''), e.granted_at
	FROM round_extensions e JOIN institutions i ON i.id = e.institution_id LEFT JOIN users u ON u.id = e.granted_by `

func scanExtension(row interface{ Scan(...any) error }) (survey.Extension, error) {
	var e survey.Extension
	var at string
	err := row.Scan(&e.RoundID, &e.InstitutionCode, &e.Until, &e.Reason, &e.GrantedBy, &at)
	e.GrantedAt = parseTime(at)
	return e, err
}

// Extension is the institution's extension in the round; ErrNotFound when
// it has none.
func (s *Store) Extension(ctx context.Context, roundID int64, code string) (survey.Extension, error) {
	// Subqueries rather than extensionSelect's joins: every questionnaire
	// page of a round with a deadline asks, and nearly always finds none
	// (11 µs against 29, issue 15).
	code = strings.ToUpper(code)
	e, err := scanExtension(s.r.QueryRowContext(ctx, `SELECT e.round_id, ?, e.until, e.reason,
		coalesce((SELECT email FROM users WHERE id = e.granted_by), ''), e.granted_at
		FROM round_extensions e WHERE e.round_id = ? AND e.institution_id = (SELECT id FROM institutions WHERE code = ?)`, code, roundID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("survey: extension %d/%s: %w", roundID, code, survey.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("survey: extension: %w", err)
	}
	return e, nil
}

// RoundExtensions lists the extensions granted in a round, by institution code.
func (s *Store) RoundExtensions(ctx context.Context, roundID int64) ([]survey.Extension, error) {
	return queryAll(ctx, s.r, "extensions", scanExtension, extensionSelect+"WHERE e.round_id = ? ORDER BY i.code", roundID)
}

// GrantExtension gives the institution until a later day to answer the
// round (or moves the day of its extension), audited. Only the
// coordinator grants; a published round takes no extension.
func (s *Store) GrantExtension(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.ExtensionInput) (survey.Extension, error) {
	if a.Role != survey.RoleAdmin {
		return survey.Extension{}, survey.ErrForbidden
	}
	var out survey.Extension
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		round, err := getRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		if round.Status == survey.RoundPublished {
			return survey.ErrInvalidTransition
		}
		if in, err = survey.CheckExtension(round, in); err != nil {
			return err
		}
		inst, err := getInstitution(ctx, tx, code)
		if err != nil {
			return err
		}
		before, err := extensionUntil(ctx, tx, roundID, inst.Code)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO round_extensions (round_id, institution_id, until, reason, granted_by, granted_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, institution_id) DO UPDATE SET until = excluded.until,
			reason = excluded.reason, granted_by = excluded.granted_by, granted_at = excluded.granted_at`,
			roundID, inst.ID, in.Until, in.Reason, nullID(a.ID), formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("survey: grant extension: %w", err)
		}
		if out, err = scanExtension(tx.QueryRowContext(ctx, extensionSelect+"WHERE e.round_id = ? AND i.code = ?", roundID, inst.Code)); err != nil {
			return err
		}
		var was any
		if before != "" {
			was = map[string]string{"until": before}
		}
		if err := s.notifyExtension(ctx, tx, round, inst, in); err != nil { // notify.go
			return err
		}
		return s.audit(ctx, tx, a.ID, "extend", "round", round.Name+"/"+inst.Code, was,
			map[string]string{"deadline": round.Deadline, "until": in.Until, "reason": in.Reason})
	})
	return out, err
}

// RevokeExtension takes the institution's extension back: the round's
// deadline holds for it again. Audited; ErrNotFound when there is none.
func (s *Store) RevokeExtension(ctx context.Context, a survey.Actor, roundID int64, code string) error {
	if a.Role != survey.RoleAdmin {
		return survey.ErrForbidden
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		round, err := getRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		inst, err := getInstitution(ctx, tx, code)
		if err != nil {
			return err
		}
		before, err := extensionUntil(ctx, tx, roundID, inst.Code)
		if err != nil {
			return err
		}
		if before == "" {
			return fmt.Errorf("survey: extension %s/%s: %w", round.Name, inst.Code, survey.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM round_extensions WHERE round_id = ? AND institution_id = ?", roundID, inst.ID); err != nil {
			return fmt.Errorf("survey: revoke extension: %w", err)
		}
		return s.audit(ctx, tx, a.ID, "revoke-extension", "round", round.Name+"/"+inst.Code,
			map[string]string{"until": before}, map[string]string{"deadline": round.Deadline})
	})
}

// ArchivedRounds lists the archived rounds, newest first.
func (s *Store) ArchivedRounds(ctx context.Context) ([]survey.Round, error) {
	return s.listRounds(ctx, "WHERE archived_at IS NOT NULL ")
}

// ArchiveRound puts a published round away: it leaves every list,
// dashboard and trend (ListRounds, survey.Allowed) and stays whole, to be
// restored. Audited. Changing the round row moves scores_version (0005),
// so cached pages that listed it are made again.
func (s *Store) ArchiveRound(ctx context.Context, actorID, id int64) (survey.Round, error) {
	return s.setArchived(ctx, actorID, id, true)
}

// RestoreRound brings an archived round back. Audited.
func (s *Store) RestoreRound(ctx context.Context, actorID, id int64) (survey.Round, error) {
	return s.setArchived(ctx, actorID, id, false)
}

func (s *Store) setArchived(ctx context.Context, actorID, id int64, archive bool) (survey.Round, error) {
	var out survey.Round
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getRound(ctx, tx, id)
		if err != nil {
			return err
		}
		action, at := "restore", sql.NullString{}
		switch {
		case archive && !before.Archivable():
			return survey.ErrNotArchivable
		case archive:
			action, at = "archive", sql.NullString{String: formatTime(s.now()), Valid: true}
		case !before.Archived:
			return survey.ErrInvalidTransition
		}
		if _, err := tx.ExecContext(ctx, "UPDATE rounds SET archived_at = ?, updated_at = ? WHERE id = ?", at, formatTime(s.now()), id); err != nil {
			return fmt.Errorf("survey: %s round: %w", action, err)
		}
		if out, err = getRound(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, action, "round", out.Name, map[string]bool{"archived": before.Archived}, map[string]bool{"archived": out.Archived})
	})
	return out, err
}

// RoundContents counts what deleting the round would remove.
func (s *Store) RoundContents(ctx context.Context, id int64) (survey.RoundContents, error) {
	if _, err := getRound(ctx, s.r, id); err != nil {
		return survey.RoundContents{}, err
	}
	plan, err := s.deletionPlan(ctx, s.r)
	if err != nil {
		return survey.RoundContents{}, err
	}
	return countRoundContents(ctx, s.r, plan, id)
}

// DeleteRound deletes a round that was never published, with everything
// that refers to it — its responses, their answers and scores, obstacle
// ratings, action plans, extensions — in one transaction, audited with
// what was removed. expect is what the confirmation page named: if the
// round holds other responses or answers now, nothing is deleted
// (ErrRoundChanged). A published round is ErrNotDeletable.
func (s *Store) DeleteRound(ctx context.Context, actorID, id int64, expect survey.RoundContents) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		round, err := getRound(ctx, tx, id)
		if err != nil {
			return err
		}
		if !round.Deletable() {
			return survey.ErrNotDeletable
		}
		plan, err := s.deletionPlan(ctx, tx)
		if err != nil {
			return err
		}
		got, err := countRoundContents(ctx, tx, plan, id)
		if err != nil {
			return err
		}
		if !got.Same(expect) {
			return survey.ErrRoundChanged
		}
		for _, st := range plan {
			// #nosec G202 -- table and column names come from the schema (quoteIdent); the id is bound
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+quoteIdent(st.table)+" WHERE "+st.where, st.args(id)...); err != nil {
				return fmt.Errorf("survey: delete round %s: %s: %w", round.Name, st.table, err)
			}
		}
		return s.audit(ctx, tx, actorID, "delete", "round", round.Name, map[string]any{"round": round, "removed": got}, nil)
	})
}

// deleteStep deletes the rows of table that where (with one parameter per
// "?", all the round's id) selects.
type deleteStep struct {
	table, where string
}

func (st deleteStep) args(id int64) []any {
	out := make([]any, strings.Count(st.where, "?"))
	for i := range out {
		out[i] = id
	}
	return out
}

// deletionPlan is the order in which a round's rows are deleted: every
// table that refers to rounds, to those tables, and so on (the schema's
// foreign keys, schema.go), children before their parents, the round last.
// It is read from the schema rather than written here, so that a table a
// later migration adds that refers to a round or a response goes with it.
func (s *Store) deletionPlan(ctx context.Context, q rowsQueryer) ([]deleteStep, error) {
	keys, err := s.foreignKeysIn(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("survey: foreign keys: %w", err)
	}
	// A foreign key over several columns (rank_bands → rank_analyses on
	// round, kind and scoring version) is matched as a row value, or a
	// child row that shares only one of them (the same kind, in another
	// round) would go too.
	refs := map[string][]foreignKey{} // parent table → the foreign keys that refer to it
	for _, k := range keys {
		refs[strings.ToLower(k.parent)] = append(refs[strings.ToLower(k.parent)], k)
	}
	var plan []deleteStep
	var visit func(table, where string, depth int) error
	visit = func(table, where string, depth int) error {
		if depth > 8 {
			return fmt.Errorf("survey: delete round: tables refer to each other too deep (at %s)", table)
		}
		for _, e := range refs[strings.ToLower(table)] {
			if strings.EqualFold(e.child, table) {
				continue // a table referring to itself: its rows go in one statement
			}
			from, to := quoteIdents(e.from), quoteIdents(e.to)
			cols := strings.Join(from, ", ")
			if len(from) > 1 {
				cols = "(" + cols + ")"
			}
			child := cols + " IN (SELECT " + strings.Join(to, ", ") + " FROM " + quoteIdent(table) + " WHERE " + where + ")"
			if err := visit(e.child, child, depth+1); err != nil {
				return err
			}
		}
		plan = append(plan, deleteStep{table: table, where: where})
		return nil
	}
	return plan, visit("rounds", "id = ?", 0)
}

func quoteIdents(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quoteIdent(n)
	}
	return out
}

// countRoundContents counts, by plan, what deleting round id removes.
func countRoundContents(ctx context.Context, q queryer, plan []deleteStep, id int64) (survey.RoundContents, error) {
	var c survey.RoundContents
	err := q.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT institution_id), coalesce(sum(CASE WHEN status IN ('submitted', 'accepted') THEN 1 ELSE 0 END), 0),
		coalesce((SELECT count(*) FROM answers WHERE response_id IN (SELECT id FROM responses WHERE round_id = ?)), 0)
		FROM responses WHERE round_id = ?`, id, id).Scan(&c.Responses, &c.Institutions, &c.Submitted, &c.Answers)
	if err != nil {
		return c, fmt.Errorf("survey: round contents: %w", err)
	}
	// A table reached by two paths is counted once: its rows that either selects.
	wheres := map[string][]string{}
	var order []string
	for _, st := range plan {
		if _, ok := wheres[st.table]; !ok {
			order = append(order, st.table)
		}
		wheres[st.table] = append(wheres[st.table], "("+st.where+")")
	}
	c.Other = map[string]int{}
	for _, table := range order {
		switch table {
		case "rounds", "responses", "answers", "round_scores_versions": // counted above, or the caches' counter
			continue
		}
		where := strings.Join(wheres[table], " OR ")
		var n int
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(table)+" WHERE "+where, deleteStep{where: where}.args(id)...).Scan(&n); err != nil {
			return c, fmt.Errorf("survey: round contents: %s: %w", table, err)
		}
		if n > 0 {
			c.Other[table] = n
		}
	}
	return c, nil
}

// quoteIdent quotes a name from the schema for SQL.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
