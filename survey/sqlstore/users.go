package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"marsad/survey"

	"golang.org/x/crypto/bcrypt"
)

// institutionIDForUser resolves a respondent's institution: it must exist and be active.
func institutionIDForUser(ctx context.Context, tx *sql.Tx, role survey.Role, code string) (sql.NullInt64, error) {
	if role != survey.RoleRespondent {
		return sql.NullInt64{}, nil
	}
	inst, err := getInstitution(ctx, tx, code)
	if errors.Is(err, survey.ErrNotFound) || (err == nil && !inst.Active) {
		return sql.NullInt64{}, &survey.ValidationError{Fields: map[string]string{"institution": "err.institution_unknown"}}
	}
	if err != nil {
		return sql.NullInt64{}, err
	}
	return sql.NullInt64{Int64: inst.ID, Valid: true}, nil
}

// CreateUser validates n and stores a new account with a bcrypt hash of its password.
func (s *Store) CreateUser(ctx context.Context, actorID int64, n survey.NewUser) (survey.User, error) {
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
		u, err = s.insertUser(ctx, tx, actorID, n, string(hash))
		return err
	})
	return u, err
}

func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, actorID int64, n survey.NewUser, hash string) (survey.User, error) {
	instID, err := institutionIDForUser(ctx, tx, n.Role, n.InstitutionCode)
	if err != nil {
		return survey.User{}, err
	}
	// Only a respondent is a focal point or a head (teams.go).
	resp := n.Role == survey.RoleRespondent
	id, err := insertID(ctx, tx, `INSERT INTO users (email, name, password_hash, role, institution_id, active, created_at, focal_point, signoff)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`, n.Email, n.Name, hash, n.Role, instID, formatTime(s.now()), resp && n.FocalPoint, resp && n.Signoff)
	if isUniqueViolation(err) {
		return survey.User{}, &survey.ValidationError{Fields: map[string]string{"email": "err.email_taken"}}
	}
	if err != nil {
		return survey.User{}, fmt.Errorf("survey: create user: %w", err)
	}
	if n.Role == survey.RoleAdmin {
		// An admin exists now: a first-run setup link must stop working.
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens"); err != nil {
			return survey.User{}, err
		}
	}
	u, err := getUser(ctx, tx, "u.id = ?", id)
	if err != nil {
		return u, err
	}
	return u, s.audit(ctx, tx, actorID, "create", "user", u.Email, nil, u)
}

const userSelect = `SELECT u.id, u.email, u.name, u.role, coalesce(i.code, ''), u.active, u.created_at, u.password_hash,
	u.focal_point, u.signoff FROM users u LEFT JOIN institutions i ON i.id = u.institution_id WHERE `

func scanUser(row interface{ Scan(...any) error }) (survey.User, string, error) {
	var u survey.User
	var created, hash string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.InstitutionCode, &u.Active, &created, &hash, &u.FocalPoint, &u.Signoff)
	u.CreatedAt = parseTime(created)
	return u, hash, err
}

func getUser(ctx context.Context, q queryer, where string, arg any) (survey.User, error) {
	u, _, err := scanUser(q.QueryRowContext(ctx, userSelect+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("survey: user: %w", survey.ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("survey: user: %w", err)
	}
	return u, nil
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id int64) (survey.User, error) {
	return getUser(ctx, s.r, "u.id = ?", id)
}

// ListUsers returns every account, admins first.
func (s *Store) ListUsers(ctx context.Context) ([]survey.User, error) {
	rows, err := s.r.QueryContext(ctx, userSelect+"TRUE ORDER BY u.role, u.email")
	if err != nil {
		return nil, fmt.Errorf("survey: list users: %w", err)
	}
	defer rows.Close()
	var out []survey.User
	for rows.Next() {
		u, _, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// HasAdmin reports whether an active administrator exists.
func (s *Store) HasAdmin(ctx context.Context) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("survey: has admin: %w", err)
	}
	return n > 0, nil
}

// dummyHash is compared against when the e-mail is unknown, so that a wrong
// address costs as much time as a wrong password (same cost) and reveals
// nothing. It is made on first use, not at start-up.
func (s *Store) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("marsad-no-such-user"), s.opt.BcryptCost)
	})
	return s.dummy
}

// comparePassword is the one place a password is checked against a hash,
// so that every check is counted (PasswordChecks).
func (s *Store) comparePassword(hash []byte, password string) bool {
	s.signin.checks.Add(1)
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

// PasswordChecks is how many password checks (bcrypt comparisons, for
// unknown addresses too) this store has made since it was opened.
func (s *Store) PasswordChecks() int64 { return s.signin.checks.Load() }

// Authenticate checks an e-mail and password, without throttling: sign-in
// from the web and the API goes through SignIn, which throttles and then
// calls this. It is the one place that decides whether an account may sign
// in. It returns ErrBadCredentials for an unknown address or a wrong
// password, after the same bcrypt work either way, and ErrAccountDisabled
// for a deactivated account whose password is right (a wrong password says
// nothing about the account's state).
func (s *Store) Authenticate(ctx context.Context, email, password string) (survey.User, error) {
	email = survey.NormalizeEmail(email)
	var u survey.User
	hash := ""
	err := sql.ErrNoRows
	if len(email) <= survey.MaxEmailLen { // no account has a longer one: no need to look
		u, hash, err = scanUser(s.r.QueryRowContext(ctx, userSelect+"u.email = ?", email))
	}
	if errors.Is(err, sql.ErrNoRows) {
		s.comparePassword(s.dummyHash(), password)
		return survey.User{}, survey.ErrBadCredentials
	}
	if err != nil {
		return survey.User{}, fmt.Errorf("survey: authenticate: %w", err)
	}
	if !s.comparePassword([]byte(hash), password) {
		return survey.User{}, survey.ErrBadCredentials
	}
	// leaks: a deactivated account, or a respondent of a deactivated
	// institution (ErrInstitutionInactive, an ErrAccountDisabled), may not
	// sign in (survey/accounts.go).
	if err := s.accountUsable(ctx, u); err != nil {
		return survey.User{}, err
	}
	return u, nil
}

// newToken returns a random URL-safe secret and the hash under which it is stored.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
