package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEvent is one recorded change: who, when, what, before and after.
type AuditEvent struct {
	ID        int64
	At        time.Time
	ActorID   int64 // 0 for the system (command line, demo seed)
	ActorName string
	Action    string
	Entity    string
	EntityKey string
	Before    string // JSON, "" when created
	After     string // JSON, "" when removed
}

// audit records a change inside the transaction that makes it, so the log
// and the data can never disagree.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, actorID int64, action, entity, key string, before, after any) error {
	enc := func(v any) (sql.NullString, error) {
		if v == nil {
			return sql.NullString{}, nil
		}
		b, err := json.Marshal(v)
		return sql.NullString{String: string(b), Valid: true}, err
	}
	b, err := enc(before)
	if err != nil {
		return err
	}
	a, err := enc(after)
	if err != nil {
		return err
	}
	var actor sql.NullInt64
	if actorID != 0 {
		actor = sql.NullInt64{Int64: actorID, Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events (at, actor_id, action, entity, entity_key, before_json, after_json)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, formatTime(s.now()), actor, action, entity, key, b, a)
	if err != nil {
		return fmt.Errorf("survey: audit %s %s: %w", action, entity, err)
	}
	return nil
}

// AuditLog lists the newest events first, at most limit of them, optionally
// for one entity ("" for all).
func (s *Store) AuditLog(ctx context.Context, entity string, limit int) ([]AuditEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT e.id, e.at, coalesce(e.actor_id, 0), coalesce(u.email, ''),
			e.action, e.entity, e.entity_key, coalesce(e.before_json, ''), coalesce(e.after_json, '')
		FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE ? = '' OR e.entity = ?
		ORDER BY e.id DESC LIMIT ?`, entity, entity, limit)
	if err != nil {
		return nil, fmt.Errorf("survey: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityKey, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("survey: audit log: %w", err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
