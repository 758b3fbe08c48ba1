package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"marsad/survey"

	"golang.org/x/crypto/bcrypt"
)

func (s *Store) state(inv survey.Invitation) string {
	switch {
	case !inv.UsedAt.IsZero():
		return survey.InvitationUsed
	case !inv.RevokedAt.IsZero():
		return survey.InvitationRevoked
	case !s.now().Before(inv.ExpiresAt):
		return survey.InvitationExpired
	}
	return survey.InvitationPending
}

// CreateInvitation stores an invitation valid for InvitationTTL and returns
// it with its secret token, which is shown once and never stored.
func (s *Store) CreateInvitation(ctx context.Context, actorID int64, in survey.InvitationInput) (survey.Invitation, string, error) {
	in.Email = survey.NormalizeEmail(in.Email)
	in.InstitutionCode = strings.ToUpper(survey.CleanText(in.InstitutionCode))
	in.Lang = survey.MailLang(in.Lang)
	fe := survey.FieldErrors{}
	if !survey.ValidEmail(in.Email) {
		fe.Add("email", "err.email")
	}
	if !survey.ValidRole(in.Role) {
		fe.Add("role", "err.choose_one")
	}
	if in.Role == survey.RoleRespondent && in.InstitutionCode == "" {
		fe.Add("institution", "err.institution_required")
	}
	if in.Role != survey.RoleRespondent {
		in.InstitutionCode = ""
	}
	if err := fe.Err(); err != nil {
		return survey.Invitation{}, "", err
	}
	token, hash := newToken()
	var inv survey.Invitation
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE email = ?", in.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &survey.ValidationError{Fields: map[string]string{"email": "err.email_taken"}}
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
		id, err := insertID(ctx, tx, `INSERT INTO invitations (token_hash, email, role, institution_id, created_by, created_at, expires_at, lang)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, in.Email, in.Role, instID, creator, formatTime(now), formatTime(now.Add(survey.InvitationTTL)), in.Lang)
		if err != nil {
			return fmt.Errorf("survey: create invitation: %w", err)
		}
		if inv, err = s.getInvitation(ctx, tx, "v.id = ?", id); err != nil {
			return err
		}
		// By mail too, when mail is configured: queued with the invitation.
		if _, err := s.enqueueMail(ctx, tx, survey.Mail{Kind: survey.MailInvitation, To: in.Email, Lang: in.Lang,
			InstitutionID: instID.Int64, Link: "invite/" + survey.SecretMark, Secret: token,
			Params: map[string]string{"role": string(in.Role), "expires": formatTime(inv.ExpiresAt)}}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actorID, "create", "invitation", in.Email, nil, in)
	})
	if err != nil {
		return survey.Invitation{}, "", err
	}
	return inv, token, nil
}

const invitationSelect = `SELECT v.id, v.email, v.role, coalesce(i.code, ''), coalesce(c.email, ''), v.created_at, v.expires_at,
	coalesce(v.used_at, ''), coalesce(v.revoked_at, '')
	FROM invitations v LEFT JOIN institutions i ON i.id = v.institution_id LEFT JOIN users c ON c.id = v.created_by WHERE `

func (s *Store) scanInvitation(row interface{ Scan(...any) error }) (survey.Invitation, error) {
	var inv survey.Invitation
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

func (s *Store) getInvitation(ctx context.Context, q queryer, where string, arg any) (survey.Invitation, error) {
	inv, err := s.scanInvitation(q.QueryRowContext(ctx, invitationSelect+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return inv, fmt.Errorf("survey: invitation: %w", survey.ErrNotFound)
	}
	if err != nil {
		return inv, fmt.Errorf("survey: invitation: %w", err)
	}
	return inv, nil
}

// InvitationByToken finds the invitation a link carries, whatever its state.
func (s *Store) InvitationByToken(ctx context.Context, token string) (survey.Invitation, error) {
	return s.getInvitation(ctx, s.r, "v.token_hash = ?", hashToken(token))
}

// ListInvitations returns invitations, newest first.
func (s *Store) ListInvitations(ctx context.Context) ([]survey.Invitation, error) {
	rows, err := s.r.QueryContext(ctx, invitationSelect+"TRUE ORDER BY v.id DESC LIMIT 500")
	if err != nil {
		return nil, fmt.Errorf("survey: list invitations: %w", err)
	}
	defer rows.Close()
	var out []survey.Invitation
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
		if inv.State != survey.InvitationPending {
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
func (s *Store) AcceptInvitation(ctx context.Context, token, name, password string) (survey.User, error) {
	fe := survey.FieldErrors{}
	name = survey.CleanText(name)
	survey.CheckText(fe, "name", name, true, 120)
	// The password may not be the invited address: read it first (an
	// unknown link is refused below, in the transaction, as before).
	email := ""
	if inv, err := s.InvitationByToken(ctx, token); err == nil {
		email = inv.Email
	}
	survey.CheckPassword(fe, "password", password, email)
	if err := fe.Err(); err != nil {
		return survey.User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opt.BcryptCost)
	if err != nil {
		return survey.User{}, fmt.Errorf("survey: hash password: %w", err)
	}
	var u survey.User
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		inv, err := s.getInvitation(ctx, tx, "v.token_hash = ?", hashToken(token))
		if err != nil {
			return err
		}
		switch inv.State {
		case survey.InvitationUsed:
			return survey.ErrInvitationUsed
		case survey.InvitationExpired:
			return survey.ErrInvitationGone
		case survey.InvitationRevoked:
			return survey.ErrInvitationVoid
		}
		n := survey.NewUser{Email: inv.Email, Name: name, Role: inv.Role, InstitutionCode: inv.InstitutionCode}
		if u, err = s.insertUser(ctx, tx, 0, n, string(hash)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE invitations SET used_at = ?, used_by = ? WHERE id = ?", formatTime(s.now()), u.ID, inv.ID)
		if err != nil {
			return err
		}
		// The invitation's language is the account's for mail (0023).
		_, err = tx.ExecContext(ctx, "UPDATE users SET lang = (SELECT lang FROM invitations WHERE id = ?) WHERE id = ?", inv.ID, u.ID)
		return err
	})
	return u, err
}
