package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// InvitationTTL is how long an invitation link can be used.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation states, derived from its times.
const (
	InvitationPending = "pending"
	InvitationUsed    = "used"
	InvitationExpired = "expired"
	InvitationRevoked = "revoked"
)

// Invitation lets one person create an account with a given role (and
// institution, for a respondent) through a one-time link.
type Invitation struct {
	ID              int64
	Email           string
	Role            Role
	InstitutionCode string
	CreatedBy       string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	UsedAt          time.Time
	RevokedAt       time.Time
	State           string
}

// InvitationInput is what an admin fills in to invite someone.
type InvitationInput struct {
	Email           string `form:"email" json:"email"`
	Role            Role   `form:"role" json:"role"`
	InstitutionCode string `form:"institution" json:"institution"`
}

func (s *Store) state(inv Invitation) string {
	switch {
	case !inv.UsedAt.IsZero():
		return InvitationUsed
	case !inv.RevokedAt.IsZero():
		return InvitationRevoked
	case !s.now().Before(inv.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

// CreateInvitation stores an invitation valid for InvitationTTL and returns
// it with its secret token, which is shown once and never stored.
func (s *Store) CreateInvitation(ctx context.Context, actorID int64, in InvitationInput) (Invitation, string, error) {
	in.Email = NormalizeEmail(in.Email)
	in.InstitutionCode = strings.ToUpper(cleanText(in.InstitutionCode))
	fe := fieldErrors{}
	if !validEmail(in.Email) {
		fe.add("email", "err.email")
	}
	if !ValidRole(in.Role) {
		fe.add("role", "err.choose_one")
	}
	if in.Role == RoleRespondent && in.InstitutionCode == "" {
		fe.add("institution", "err.institution_required")
	}
	if in.Role != RoleRespondent {
		in.InstitutionCode = ""
	}
	if err := fe.err(); err != nil {
		return Invitation{}, "", err
	}
	token, hash := newToken()
	var inv Invitation
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE email = ?", in.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &ValidationError{Fields: map[string]string{"email": "err.email_taken"}}
		}
		instID, err := institutionIDForUser(ctx, tx, in.Role, in.InstitutionCode)
		if err != nil {
			return err
		}
		now := s.now()
		var creator sql.NullInt64
		if actorID != 0 {
			creator = sql.NullInt64{Int64: actorID, Valid: true}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO invitations (token_hash, email, role, institution_id, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, in.Email, in.Role, instID, creator, formatTime(now), formatTime(now.Add(InvitationTTL)))
		if err != nil {
			return fmt.Errorf("survey: create invitation: %w", err)
		}
		id, _ := res.LastInsertId()
		if inv, err = s.getInvitation(ctx, tx, "v.id = ?", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, "create", "invitation", in.Email, nil, in)
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, token, nil
}

const invitationSelect = `SELECT v.id, v.email, v.role, coalesce(i.code, ''), coalesce(c.email, ''), v.created_at, v.expires_at,
	coalesce(v.used_at, ''), coalesce(v.revoked_at, '')
	FROM invitations v LEFT JOIN institutions i ON i.id = v.institution_id LEFT JOIN users c ON c.id = v.created_by WHERE `

func (s *Store) scanInvitation(row interface{ Scan(...any) error }) (Invitation, error) {
	var inv Invitation
	var created, expires, used, revoked string
	err := row.Scan(&inv.ID, &inv.Email, &inv.Role, &inv.InstitutionCode, &inv.CreatedBy, &created, &expires, &used, &revoked)
	inv.CreatedAt, inv.ExpiresAt = parseTime(created), parseTime(expires)
	if used != "" {
		inv.UsedAt = parseTime(used)
	}
	if revoked != "" {
		inv.RevokedAt = parseTime(revoked)
	}
	inv.State = s.state(inv)
	return inv, err
}

func (s *Store) getInvitation(ctx context.Context, q queryer, where string, arg any) (Invitation, error) {
	inv, err := s.scanInvitation(q.QueryRowContext(ctx, invitationSelect+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return inv, fmt.Errorf("survey: invitation: %w", ErrNotFound)
	}
	if err != nil {
		return inv, fmt.Errorf("survey: invitation: %w", err)
	}
	return inv, nil
}

// InvitationByToken finds the invitation a link carries, whatever its state.
func (s *Store) InvitationByToken(ctx context.Context, token string) (Invitation, error) {
	return s.getInvitation(ctx, s.r, "v.token_hash = ?", hashToken(token))
}

// ListInvitations returns invitations, newest first.
func (s *Store) ListInvitations(ctx context.Context) ([]Invitation, error) {
	rows, err := s.r.QueryContext(ctx, invitationSelect+"1 ORDER BY v.id DESC LIMIT 500")
	if err != nil {
		return nil, fmt.Errorf("survey: list invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		inv, err := s.scanInvitation(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: list invitations: %w", err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeInvitation makes a pending invitation unusable.
func (s *Store) RevokeInvitation(ctx context.Context, actorID, id int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		inv, err := s.getInvitation(ctx, tx, "v.id = ?", id)
		if err != nil {
			return err
		}
		if inv.State != InvitationPending {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invitations SET revoked_at = ? WHERE id = ?", formatTime(s.now()), id); err != nil {
			return fmt.Errorf("survey: revoke invitation: %w", err)
		}
		return s.audit(ctx, tx, actorID, "revoke", "invitation", inv.Email, nil, nil)
	})
}

// AcceptInvitation creates the invited account, once: the invitation is
// checked and marked used in the same transaction that creates the user.
func (s *Store) AcceptInvitation(ctx context.Context, token, name, password string) (User, error) {
	fe := fieldErrors{}
	name = cleanText(name)
	checkText(fe, "name", name, true, 120)
	// The password may not be the invited address: read it first (an
	// unknown link is refused below, in the transaction, as before).
	email := ""
	if inv, err := s.InvitationByToken(ctx, token); err == nil {
		email = inv.Email
	}
	checkPassword(fe, "password", password, email)
	if err := fe.err(); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opt.BcryptCost)
	if err != nil {
		return User{}, fmt.Errorf("survey: hash password: %w", err)
	}
	var u User
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		inv, err := s.getInvitation(ctx, tx, "v.token_hash = ?", hashToken(token))
		if err != nil {
			return err
		}
		switch inv.State {
		case InvitationUsed:
			return ErrInvitationUsed
		case InvitationExpired:
			return ErrInvitationGone
		case InvitationRevoked:
			return ErrInvitationVoid
		}
		n := NewUser{Email: inv.Email, Name: name, Role: inv.Role, InstitutionCode: inv.InstitutionCode}
		if u, err = s.insertUser(ctx, tx, 0, n, string(hash)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE invitations SET used_at = ?, used_by = ? WHERE id = ?", formatTime(s.now()), u.ID, inv.ID)
		return err
	})
	return u, err
}
