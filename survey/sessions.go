package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session kinds: a browser session (cookie) or an API bearer token.
const (
	SessionWeb = "web"
	SessionAPI = "api"
)

// Session is a signed-in user's server-side session.
type Session struct {
	User      User
	Kind      string
	CSRFToken string
	ExpiresAt time.Time
}

// touchEvery limits how often a session's last-seen time is written, so that
// reading pages does not turn every request into a write.
const touchEvery = time.Minute

// CreateSession starts a session for a user and returns its secret token.
// Only the token's hash is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64, kind string) (token string, sess Session, err error) {
	token, hash := newToken()
	csrf, _ := newToken()
	now := s.now()
	expires := now.Add(s.opt.SessionMax)
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, userID, kind, csrf, formatTime(now), formatTime(now), formatTime(expires))
		if err != nil {
			return err
		}
		// Sweep expired sessions now and then: here, at sign-in, is enough.
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
			formatTime(now), formatTime(now.Add(-s.opt.SessionIdle)))
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("survey: create session: %w", err)
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return "", Session{}, err
	}
	return token, Session{User: u, Kind: kind, CSRFToken: csrf, ExpiresAt: expires}, nil
}

// SessionByToken returns the live session for token, or ErrNotFound when it
// is unknown, expired, idle too long, or its user is deactivated.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNotFound
	}
	hash := hashToken(token)
	var (
		sess              Session
		lastSeen, expires string
		userCreated       string
	)
	// One query for the session and its user: every request runs it.
	err := s.r.QueryRowContext(ctx, `SELECT s.kind, s.csrf_token, s.last_seen_at, s.expires_at,
			u.id, u.email, u.name, u.role, coalesce(i.code, ''), u.active, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN institutions i ON i.id = u.institution_id
		WHERE s.token_hash = ?`, hash).
		Scan(&sess.Kind, &sess.CSRFToken, &lastSeen, &expires, &sess.User.ID, &sess.User.Email, &sess.User.Name,
			&sess.User.Role, &sess.User.InstitutionCode, &sess.User.Active, &userCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("survey: session: %w", err)
	}
	sess.User.CreatedAt = parseTime(userCreated)
	now := s.now()
	sess.ExpiresAt = parseTime(expires)
	seen := parseTime(lastSeen)
	if !now.Before(sess.ExpiresAt) || now.Sub(seen) >= s.opt.SessionIdle || !sess.User.Active {
		return Session{}, ErrNotFound
	}
	if now.Sub(seen) >= touchEvery {
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", formatTime(now), hash)
			return err
		})
		if err != nil {
			return Session{}, fmt.Errorf("survey: touch session: %w", err)
		}
	}
	return sess, nil
}

// DeleteSession ends a session (sign-out). Ending an unknown session is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", hashToken(token))
		return err
	})
}
