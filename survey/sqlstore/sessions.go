package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"marsad/survey"
)

// touchEvery limits how often a session's last-seen time is written, so that
// reading pages does not turn every request into a write.
const touchEvery = time.Minute

// sessionCacheTTL is how long a session read from the database is trusted
// without reading it again. Every request reads its session: at a hall of
// autosaving respondents that query was a fifth of the server's work per
// save (measured). Changes made by this process (sign-out, a password
// reset) take effect at once: they drop the cached copies, and a read that
// raced with them is not kept (generations). Only a change made outside the
// server (SQL in another process) can take up to this long to be seen.
const sessionCacheTTL = time.Second

type cachedSession struct {
	sess     survey.Session
	lastSeen time.Time
	loaded   time.Time
}

// cachedSession returns the session cached under hash if it was loaded
// less than sessionCacheTTL before now; otherwise the generation to keep a
// fresh read at (see cache.Space.PutAt: a read that raced with a sign-out
// or a password reset is not kept).
func (s *Store) cachedSession(hash string, now time.Time) (cachedSession, uint64, bool) {
	gen := s.sessions.Generation()
	// With several servers (PostgreSQL), a sign-out, a deactivation or a
	// revoked token on one must end the session on all at once: each
	// request reads its session from the database (one indexed query).
	if s.pg {
		return cachedSession{}, gen, false
	}
	e, ok := s.sessions.Get(hash, "")
	if !ok || now.Sub(e.loaded) >= sessionCacheTTL || now.Before(e.loaded) {
		return cachedSession{}, gen, false
	}
	return e, gen, true
}

// CreateSession starts a session for a user and returns its secret token.
// Only the token's hash is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64, kind string) (token string, sess survey.Session, err error) {
	token, hash := newToken()
	csrf, _ := newToken()
	now := s.now()
	expires := now.Add(s.opt.SessionMax)
	err = s.withTxRowsKept(ctx, func(tx *sql.Tx) error {
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
		return "", survey.Session{}, fmt.Errorf("survey: create session: %w", err)
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return "", survey.Session{}, err
	}
	return token, survey.Session{User: u, Kind: kind, CSRFToken: csrf, ExpiresAt: expires}, nil
}

// SessionByToken returns the live session for token, or ErrNotFound when it
// is unknown, expired, idle too long, or its user is deactivated.
func (s *Store) SessionByToken(ctx context.Context, token string) (survey.Session, error) {
	if token == "" {
		return survey.Session{}, survey.ErrNotFound
	}
	if isAccessToken(token) {
		if sess, err := s.tokenSession(ctx, token); !errors.Is(err, survey.ErrNotFound) {
			return sess, err
		}
	}
	hash := hashToken(token)
	now := s.now()
	e, gen, ok := s.cachedSession(hash, now)
	if !ok {
		var lastSeen, expires string
		sess := &e.sess
		// Two lookups, not a join (see responseSelect): 14 µs against 40.
		err := s.r.QueryRowContext(ctx, `SELECT kind, csrf_token, last_seen_at, expires_at, user_id FROM sessions
			WHERE token_hash = ?`, hash).Scan(&sess.Kind, &sess.CSRFToken, &lastSeen, &expires, &sess.User.ID)
		if err == nil {
			err = s.sessionUser(ctx, &sess.User)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return survey.Session{}, survey.ErrNotFound
		}
		if err != nil {
			return survey.Session{}, fmt.Errorf("survey: session: %w", err)
		}
		sess.ExpiresAt = parseTime(expires)
		e.lastSeen, e.loaded = parseTime(lastSeen), now
		s.sessions.PutAt(gen, hash, "", e)
	}
	sess := e.sess
	if !now.Before(sess.ExpiresAt) || now.Sub(e.lastSeen) >= s.opt.SessionIdle || !sess.User.Active {
		return survey.Session{}, survey.ErrNotFound
	}
	if err := s.touch(ctx, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", hash, gen, &e, now); err != nil {
		return survey.Session{}, err
	}
	return sess, nil
}

// sessionUser reads the user u.ID of a session or token into u. A
// respondent of a deactivated institution counts as deactivated, so that
// the session ends (survey/accounts.go).
func (s *Store) sessionUser(ctx context.Context, u *survey.User) error {
	var created string
	err := s.r.QueryRowContext(ctx, `SELECT email, name, role, coalesce((SELECT code FROM institutions WHERE id = u.institution_id), ''),
		CASE WHEN active = 1 AND coalesce((SELECT active FROM institutions WHERE id = u.institution_id), 1) = 1 THEN 1 ELSE 0 END,
		created_at FROM users u WHERE id = ?`, u.ID).
		Scan(&u.Email, &u.Name, &u.Role, &u.InstitutionCode, &u.Active, &created)
	u.CreatedAt = parseTime(created)
	return err
}

// touch records the use of the session or token cached as e at most once
// every touchEvery, with update (taking the time and the hash).
func (s *Store) touch(ctx context.Context, update, hash string, gen uint64, e *cachedSession, now time.Time) error {
	if now.Sub(e.lastSeen) < touchEvery {
		return nil
	}
	err := s.withTxRowsKept(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, update, formatTime(now), hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("survey: touch session: %w", err)
	}
	e.lastSeen = now
	s.sessions.PutAt(gen, hash, "", *e)
	return nil
}

// DeleteSession ends a session (sign-out). Ending an unknown session is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	hash := hashToken(token)
	err := s.withTxRowsKept(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", hash)
		return err
	})
	// After the commit: a read from before it is not kept (see put).
	s.sessions.Forget(hash)
	return err
}
