package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"marsad/survey"
)

// audit records a change inside the transaction that makes it, so the log
// and the data can never disagree. A record created keeps every field in
// after, a record removed every field in before; a change keeps only the
// fields that differ, before and after (see compactChange), so a save of
// one field does not copy the whole record into the log twice.
func (s *Store) audit(ctx context.Context, tx dbExecer, actorID int64, action, entity, key string, before, after any) error {
	b, a, err := auditValues(before, after)
	if err != nil {
		return err
	}
	return s.auditJSON(ctx, tx, actorID, action, entity, key, b, a)
}

// auditValues are the before_json and after_json audit stores for before
// and after (nil for none).
func auditValues(before, after any) (sql.NullString, sql.NullString, error) {
	enc := func(v any) (sql.NullString, error) {
		if v == nil {
			return sql.NullString{}, nil
		}
		b, err := json.Marshal(v)
		return sql.NullString{String: string(b), Valid: true}, err
	}
	b, err := enc(before)
	if err != nil {
		return b, b, err
	}
	a, err := enc(after)
	if err != nil {
		return b, a, err
	}
	if b.Valid && a.Valid {
		b.String, a.String = survey.CompactChange(b.String, a.String)
	}
	return b, a, nil
}

// auditJSON records a change whose before and after are already the JSON
// audit would make of them (NULL for none): the autosave writes its own
// (answerAuditJSON).
func (s *Store) auditJSON(ctx context.Context, tx dbExecer, actorID int64, action, entity, key string, before, after sql.NullString) error {
	var actor sql.NullInt64
	if actorID != 0 {
		actor = sql.NullInt64{Int64: actorID, Valid: true}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, actor_id, action, entity, entity_key, before_json, after_json)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, formatTime(s.now()), actor, action, entity, key, before, after)
	if err != nil {
		return fmt.Errorf("survey: audit %s %s: %w", action, entity, err)
	}
	return nil
}

// AuditLog lists the newest events first, at most limit of them, optionally
// for one entity ("" for all).
func (s *Store) AuditLog(ctx context.Context, entity string, limit int) ([]survey.AuditEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT e.id, e.at, coalesce(e.actor_id, 0), coalesce(u.email, ''),
			e.action, e.entity, e.entity_key, coalesce(e.before_json, ''), coalesce(e.after_json, '')
		FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE ? = '' OR e.entity = ?
		ORDER BY e.id DESC LIMIT ?`, entity, entity, limit)
	if err != nil {
		return nil, fmt.Errorf("survey: audit log: %w", err)
	}
	defer rows.Close()
	var out []survey.AuditEvent
	for rows.Next() {
		var e survey.AuditEvent
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityKey, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("survey: audit log: %w", err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// auditWhere is the filter as SQL conditions on audit_events e joined with
// users u, for PostgreSQL when pg.
func auditWhere(f survey.AuditFilter, pg bool) (string, []any) {
	var conds []string
	var args []any
	switch {
	case f.Actor == survey.AuditSystem:
		conds = append(conds, "e.actor_id IS NULL")
	case f.Actor != "":
		conds = append(conds, "u.email = ?")
		args = append(args, f.Actor)
	}
	if f.Entity != "" {
		conds = append(conds, "e.entity = ?")
		args = append(args, f.Entity)
	}
	if f.Institution != "" {
		// Keys name the institution as one of their "/" parts (MOH,
		// MOH/SVC-1, 2026/MOH, 2026/MOH/STR-1); users and invitations
		// carry it in their record.
		// PostgreSQL has neither instr nor json_extract: strpos and ->>.
		part, field := `instr('/' || e.entity_key || '/', '/' || ? || '/')`, `json_extract(coalesce(e.after_json, e.before_json), '$.institution')`
		if pg {
			part, field = `strpos('/' || e.entity_key || '/', '/' || ? || '/')`, `(coalesce(e.after_json, e.before_json)::json ->> 'institution')`
		}
		conds = append(conds, `((e.entity IN ('institution', 'service', 'initiative', 'response', 'plan_action', 'evidence')
			AND `+part+` > 0)
			OR (e.entity IN ('user', 'invitation') AND `+field+` = ?))`)
		args = append(args, f.Institution, f.Institution)
	}
	if !f.From.IsZero() {
		conds = append(conds, "e.at >= ?")
		args = append(args, formatTime(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "e.at < ?")
		args = append(args, formatTime(f.To))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const auditSelect = `SELECT e.id, e.at, coalesce(e.actor_id, 0), coalesce(u.email, ''),
		e.action, e.entity, e.entity_key, coalesce(e.before_json, ''), coalesce(e.after_json, '')
	FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id`

// AuditLogPage returns page (1-based; clamped to the pages there are) of
// the events matching f, perPage to a page, newest first.
func (s *Store) AuditLogPage(ctx context.Context, f survey.AuditFilter, page, perPage int) (survey.AuditPage, error) {
	where, args := auditWhere(f, s.pg)
	var out survey.AuditPage
	from := ` FROM audit_events e`
	if f.Actor != "" && f.Actor != survey.AuditSystem {
		from += ` LEFT JOIN users u ON u.id = e.actor_id`
	}
	if err := s.r.QueryRowContext(ctx, `SELECT count(*)`+from+where, args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("survey: audit log: %w", err)
	}
	if perPage < 1 {
		perPage = 50
	}
	out.Pages = max(1, (out.Total+perPage-1)/perPage)
	out.Page = min(max(page, 1), out.Pages)
	rows, err := s.r.QueryContext(ctx, auditSelect+where+" ORDER BY e.id DESC LIMIT ? OFFSET ?",
		append(args, perPage, (out.Page-1)*perPage)...)
	if err != nil {
		return out, fmt.Errorf("survey: audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return out, fmt.Errorf("survey: audit log: %w", err)
		}
		out.Events = append(out.Events, e)
	}
	return out, rows.Err()
}

// EachAuditEventMatching calls fn with every event matching f, oldest
// first, without holding them all in memory (for the CSV export).
func (s *Store) EachAuditEventMatching(ctx context.Context, f survey.AuditFilter, fn func(survey.AuditEvent) error) error {
	where, args := auditWhere(f, s.pg)
	rows, err := s.r.QueryContext(ctx, auditSelect+where+" ORDER BY e.id", args...)
	if err != nil {
		return fmt.Errorf("survey: audit export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanAuditEvent(rows *sql.Rows) (survey.AuditEvent, error) {
	var e survey.AuditEvent
	var at string
	err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityKey, &e.Before, &e.After)
	e.At = parseTime(at)
	return e, err
}

// AuditActors are the e-mail addresses of every user, sorted, for the
// log's filter (users are few; those who changed something are not worth
// a scan of the whole log to find).
func (s *Store) AuditActors(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT email FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("survey: audit actors: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
