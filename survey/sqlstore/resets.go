package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"marsad/survey"

	"golang.org/x/crypto/bcrypt"
)

// CreatePasswordReset makes a one-time link for a user to choose a new
// password, for an administrator to hand over. The user's sessions end at
// once and earlier links stop working. Admins only; audited. The token is
// returned once and only its hash is kept.
func (s *Store) CreatePasswordReset(ctx context.Context, a survey.Actor, userID int64) (string, error) {
	if a.Role != survey.RoleAdmin {
		return "", survey.ErrForbidden
	}
	token, hash := newToken()
	// The user's sessions end: forget every cached one after the commit.
	defer s.sessions.Clear()
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var email, name string
		if err := tx.QueryRowContext(ctx, "SELECT email, name FROM users WHERE id = ?", userID).Scan(&email, &name); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return survey.ErrNotFound
			}
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL",
			formatTime(now), userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, hash, userID, nullID(a.ID), formatTime(now), formatTime(now.Add(survey.ResetTTL))); err != nil {
			return fmt.Errorf("survey: create reset: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
			return err
		}
		// By mail too, when mail is configured, in the user's language.
		if _, err := s.enqueueMail(ctx, tx, survey.Mail{Kind: survey.MailReset, To: email, UserID: userID,
			Link: "reset/" + survey.SecretMark, Secret: token,
			Params: map[string]string{"name": name, "expires": formatTime(now.Add(survey.ResetTTL))}}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "password_reset", "user", email, nil, map[string]string{"expires": formatTime(now.Add(survey.ResetTTL))})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// ResetEmail is the e-mail of the account a valid reset link is for.
func (s *Store) ResetEmail(ctx context.Context, token string) (string, error) {
	var email, expires string
	err := s.r.QueryRowContext(ctx, `SELECT u.email, p.expires_at FROM password_resets p JOIN users u ON u.id = p.user_id
		WHERE p.token_hash = ? AND p.used_at IS NULL AND u.active = 1`, hashToken(token)).Scan(&email, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.now().Before(parseTime(expires))) {
		return "", survey.ErrResetInvalid
	}
	return email, err
}

// UsePasswordReset sets the new password through a valid link, once; the
// link is spent in the same transaction, and any session of the user ends.
func (s *Store) UsePasswordReset(ctx context.Context, token, password string) error {
	fe := survey.FieldErrors{}
	// The password may not be the account's address: read it first (an
	// invalid link is refused below, in the transaction, as before).
	email, _ := s.ResetEmail(ctx, token)
	survey.CheckPassword(fe, "password", password, email)
	if err := fe.Err(); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opt.BcryptCost)
	if err != nil {
		return fmt.Errorf("survey: hash password: %w", err)
	}
	// The user's sessions end: forget every cached one after the commit.
	defer s.sessions.Clear()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var id, userID int64
		var email, expires string
		err := tx.QueryRowContext(ctx, `SELECT p.id, p.user_id, u.email, p.expires_at FROM password_resets p
			JOIN users u ON u.id = p.user_id WHERE p.token_hash = ? AND p.used_at IS NULL AND u.active = 1`, hashToken(token)).
			Scan(&id, &userID, &email, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.now().Before(parseTime(expires))) {
			return survey.ErrResetInvalid
		}
		if err != nil {
			return err
		}
		now := formatTime(s.now())
		if _, err := tx.ExecContext(ctx, "UPDATE password_resets SET used_at = ? WHERE id = ?", now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", string(hash), userID); err != nil {
			return fmt.Errorf("survey: set password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, userID, "password_set", "user", email, nil, nil)
	})
}
