package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"marsad/survey"

	"golang.org/x/crypto/bcrypt"
)

// NewSetupToken replaces any earlier setup token with a new one while no
// administrator exists. The link that carries it creates the first admin.
func (s *Store) NewSetupToken(ctx context.Context) (string, error) {
	token, hash := newToken()
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return survey.ErrSetupDone
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)", hash, formatTime(s.now()))
		return err
	})
	if errors.Is(err, survey.ErrSetupDone) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("survey: setup token: %w", err)
	}
	return token, nil
}

// ValidSetupToken reports whether token is the current setup token.
func (s *Store) ValidSetupToken(ctx context.Context, token string) bool {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM setup_tokens WHERE token_hash = ?", hashToken(token)).Scan(&n)
	return err == nil && n > 0
}

// CompleteSetup creates the first administrator with the setup token, which
// then stops working.
func (s *Store) CompleteSetup(ctx context.Context, token string, n survey.NewUser) (survey.User, error) {
	n.Role = survey.RoleAdmin
	n.InstitutionCode = ""
	n = n.Normalize()
	if err := n.Validate().Err(); err != nil {
		return survey.User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.opt.BcryptCost)
	if err != nil {
		return survey.User{}, fmt.Errorf("survey: hash password: %w", err)
	}
	var u survey.User
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens WHERE token_hash = ?", hashToken(token))
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return survey.ErrNotFound
		}
		var admins int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").Scan(&admins); err != nil {
			return err
		}
		if admins > 0 {
			return survey.ErrSetupDone
		}
		u, err = s.insertUser(ctx, tx, 0, n, string(hash))
		return err
	})
	return u, err
}
