package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"marsad/survey"
)

// Personal access tokens (survey/tokens.go): stored as a hash like sessions,
// but made and revoked by their owner, named, scoped and with a fixed expiry
// instead of an idle timeout.

// CreateAccessToken makes a token for the actor and returns the secret once.
// A person signed in with a token cannot make another (ErrTokenCannotMint is
// for the handler to say; the store sees only the actor).
func (s *Store) CreateAccessToken(ctx context.Context, a survey.Actor, in survey.AccessTokenInput) (string, survey.AccessToken, error) {
	in, err := survey.CheckAccessToken(in)
	if err != nil {
		return "", survey.AccessToken{}, err
	}
	secret, hash := newToken()
	token := survey.TokenPrefix + secret
	hash = hashToken(token)
	now := s.now()
	t := survey.AccessToken{Name: in.Name, Scope: in.Scope, Hint: survey.TokenHint(token),
		CreatedAt: now, ExpiresAt: now.AddDate(0, 0, in.Days)}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		var live int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_tokens
			WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?`, a.ID, formatTime(now)).Scan(&live)
		if err != nil {
			return err
		}
		if live >= survey.MaxTokensPerUser {
			return survey.ErrTooManyTokens
		}
		newID, err := insertID(ctx, tx, `INSERT INTO access_tokens (user_id, name, scope, token_hash, hint, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, a.ID, t.Name, t.Scope, hash, t.Hint, formatTime(now), formatTime(t.ExpiresAt))
		if err != nil {
			return err
		}
		t.ID = newID
		return s.audit(ctx, tx, a.ID, "create", "access_token", fmt.Sprint(t.ID), nil,
			map[string]any{"name": t.Name, "scope": t.Scope, "expires_at": formatTime(t.ExpiresAt)})
	})
	if err != nil {
		if errors.Is(err, survey.ErrTooManyTokens) {
			return "", survey.AccessToken{}, err
		}
		return "", survey.AccessToken{}, fmt.Errorf("survey: create access token: %w", err)
	}
	return token, t, nil
}

// AccessTokens lists a person's tokens, newest first, revoked and expired
// ones included (the last MaxTokensPerUser*5 of them: an account that made
// hundreds does not get a page of hundreds).
func (s *Store) AccessTokens(ctx context.Context, userID int64) ([]survey.AccessToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, scope, hint, created_at, expires_at, coalesce(last_used_at, ''), coalesce(revoked_at, '')
		FROM access_tokens WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, survey.MaxTokensPerUser*5)
	if err != nil {
		return nil, fmt.Errorf("survey: access tokens: %w", err)
	}
	defer rows.Close()
	out := []survey.AccessToken{}
	for rows.Next() {
		var t survey.AccessToken
		var created, expires, used, revoked string
		if err := rows.Scan(&t.ID, &t.Name, &t.Scope, &t.Hint, &created, &expires, &used, &revoked); err != nil {
			return nil, fmt.Errorf("survey: access tokens: %w", err)
		}
		t.CreatedAt, t.ExpiresAt = parseTime(created), parseTime(expires)
		if used != "" {
			t.LastUsed = parseTime(used)
		}
		if revoked != "" {
			t.RevokedAt = parseTime(revoked)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAccessToken ends one of the actor's own tokens at once. Someone
// else's token is ErrNotFound (its existence is not theirs to learn);
// revoking a revoked token changes nothing and is not an error.
func (s *Store) RevokeAccessToken(ctx context.Context, a survey.Actor, id int64) error {
	var hash string
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullString
		var name string
		err := tx.QueryRowContext(ctx, "SELECT token_hash, name, revoked_at FROM access_tokens WHERE id = ? AND user_id = ?", id, a.ID).
			Scan(&hash, &name, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return survey.ErrNotFound
		}
		if err != nil || revoked.Valid {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE access_tokens SET revoked_at = ? WHERE id = ?", formatTime(s.now()), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "revoke", "access_token", fmt.Sprint(id), map[string]any{"name": name}, nil)
	})
	if hash != "" {
		s.sessions.Forget(hash) // after the commit, as DeleteSession does
	}
	if err != nil && !errors.Is(err, survey.ErrNotFound) {
		return fmt.Errorf("survey: revoke access token: %w", err)
	}
	return err
}

// tokenSession is SessionByToken for a personal access token: live (not
// expired, not revoked) and of an active user. It goes through the same
// one-second cache as sessions; a revocation here forgets the entry.
func (s *Store) tokenSession(ctx context.Context, token string) (survey.Session, error) {
	hash := hashToken(token)
	now := s.now()
	e, gen, ok := s.cachedSession(hash, now)
	if !ok {
		var scope, expires, used string
		var revoked sql.NullString
		sess := &e.sess
		err := s.r.QueryRowContext(ctx, `SELECT id, scope, expires_at, coalesce(last_used_at, ''), revoked_at, user_id
			FROM access_tokens WHERE token_hash = ?`, hash).Scan(&sess.TokenID, &scope, &expires, &used, &revoked, &sess.User.ID)
		if err == nil {
			err = s.sessionUser(ctx, &sess.User)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return survey.Session{}, survey.ErrNotFound
		}
		if err != nil {
			return survey.Session{}, fmt.Errorf("survey: access token: %w", err)
		}
		if revoked.Valid {
			sess.User.Active = false // refused below, and cached as refused
		}
		sess.Kind, sess.ReadOnly = survey.SessionToken, scope != survey.ScopeWrite
		sess.ExpiresAt = parseTime(expires)
		if used != "" {
			e.lastSeen = parseTime(used)
		}
		e.loaded = now
		s.sessions.PutAt(gen, hash, "", e)
	}
	sess := e.sess
	if !now.Before(sess.ExpiresAt) || !sess.User.Active {
		return survey.Session{}, survey.ErrNotFound
	}
	if err := s.touch(ctx, "UPDATE access_tokens SET last_used_at = ? WHERE token_hash = ? AND revoked_at IS NULL", hash, gen, &e, now); err != nil {
		return survey.Session{}, err
	}
	return sess, nil
}

// isAccessToken tells a personal access token by its prefix. A session
// token is base64url and may start the same way (once in 64^5); it is then
// looked up as a session after the token lookup finds nothing.
func isAccessToken(token string) bool { return strings.HasPrefix(token, survey.TokenPrefix) }
