package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"marsad/survey"
)

// accountUsable says whether an account may sign in: it is active and, for
// a respondent, its institution too. Authenticate asks it once the
// password is right (so that it tells nothing to a guesser).
func (s *Store) accountUsable(ctx context.Context, u survey.User) error {
	if !u.Active {
		return survey.ErrAccountDisabled
	}
	if u.Role != survey.RoleRespondent {
		return nil
	}
	var active bool
	err := s.r.QueryRowContext(ctx, "SELECT active FROM institutions WHERE code = ?", u.InstitutionCode).Scan(&active)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return survey.ErrInstitutionInactive // a respondent without an institution acts for nobody
	case err != nil:
		return fmt.Errorf("survey: institution of %s: %w", u.Email, err)
	case !active:
		return survey.ErrInstitutionInactive
	}
	return nil
}

// UserByEmail returns the account with the address (normalised).
func (s *Store) UserByEmail(ctx context.Context, email string) (survey.User, error) {
	return getUser(ctx, s.r, "u.email = ?", survey.NormalizeEmail(email))
}

// SetUserActive deactivates or reactivates an account (coordinators only;
// audited). Deactivating ends the person's sessions and spends any unused
// password-reset link; it refuses the last active coordinator
// (ErrLastAdmin). Setting the state it already has changes nothing.
func (s *Store) SetUserActive(ctx context.Context, a survey.Actor, id int64, active bool) (survey.User, error) {
	if a.Role != survey.RoleAdmin {
		return survey.User{}, survey.ErrForbidden
	}
	return s.setUserActive(ctx, a.ID, id, active, nil)
}

// setUserActive is SetUserActive once the actor may: check, when not nil,
// refuses inside the transaction on the account as it is (a focal point's
// colleague, teams.go).
func (s *Store) setUserActive(ctx context.Context, actorID, id int64, active bool, check func(before survey.User) error) (survey.User, error) {
	// The sessions end: forget every cached one after the commit.
	defer s.sessions.Clear()
	var out survey.User
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getUser(ctx, tx, "u.id = ?", id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(before); err != nil {
				return err
			}
		}
		if out = before; before.Active == active {
			return nil
		}
		if !active && before.Role == survey.RoleAdmin {
			var others int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?", id).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return survey.ErrLastAdmin
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET active = ? WHERE id = ?", active, id); err != nil {
			return fmt.Errorf("survey: set user %d active: %w", id, err)
		}
		action := "activate"
		if !active {
			action = "deactivate"
			if err := endAccess(ctx, tx, "user_id = ?", id, formatTime(s.now())); err != nil {
				return err
			}
		}
		if out, err = getUser(ctx, tx, "u.id = ?", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, action, "user", out.Email, before, out)
	})
	return out, err
}

// endAccess ends the sessions of the users matching where (a condition on
// the users table's user_id column, with arg) and spends their unused
// password-reset links, inside the caller's transaction.
func endAccess(ctx context.Context, tx *sql.Tx, where string, arg any, now string) error {
	// #nosec G202 -- where is one of this package's fixed conditions; values are bound
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE "+where, arg); err != nil {
		return fmt.Errorf("survey: end sessions: %w", err)
	}
	// #nosec G202 -- as above
	if _, err := tx.ExecContext(ctx, "UPDATE password_resets SET used_at = ? WHERE used_at IS NULL AND "+where, now, arg); err != nil {
		return fmt.Errorf("survey: spend reset links: %w", err)
	}
	return nil
}
