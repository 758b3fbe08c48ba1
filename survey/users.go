package survey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do.
type Role string

// The three roles of DESIGN.md §1.
const (
	RoleAdmin      Role = "admin"      // survey coordinator
	RoleRespondent Role = "respondent" // ministry IT staff, bound to one institution
	RoleViewer     Role = "viewer"     // decision makers and presenters
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleRespondent, RoleViewer}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool { return r == RoleAdmin || r == RoleRespondent || r == RoleViewer }

// Password length bounds; bcrypt reads at most 72 bytes.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 72
)

// Sign-in throttling: after MaxLoginFailures failures within LoginWindow, an
// account (a known or unknown e-mail) refuses further tries until the
// oldest failure leaves the window.
const (
	MaxLoginFailures = 5
	LoginWindow      = 15 * time.Minute
)

// User is a person who signs in.
type User struct {
	ID              int64     `json:"id"`
	Email           string    `json:"email"`
	Name            string    `json:"name"`
	Role            Role      `json:"role"`
	InstitutionCode string    `json:"institution,omitempty"`
	Active          bool      `json:"active"`
	CreatedAt       time.Time `json:"created_at"`
}

// NewUser is what it takes to create an account.
type NewUser struct {
	Email           string
	Name            string
	Role            Role
	InstitutionCode string // respondents only
	Password        string
}

// NormalizeEmail lower-cases and trims an address, so that one mailbox is one account.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validEmail(s string) bool {
	if s == "" || len(s) > 254 || badText(s, false) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

func checkPassword(fe fieldErrors, field, pw string) {
	switch {
	case len([]rune(pw)) < MinPasswordLen:
		fe.add(field, "err.password_short")
	case len(pw) > MaxPasswordLen:
		fe.add(field, "err.password_long")
	case badText(pw, false):
		fe.add(field, "err.bad_characters")
	}
}

func (n NewUser) normalize() NewUser {
	n.Email = NormalizeEmail(n.Email)
	n.Name = cleanText(n.Name)
	n.InstitutionCode = strings.ToUpper(cleanText(n.InstitutionCode))
	return n
}

func (n NewUser) validate() fieldErrors {
	fe := fieldErrors{}
	if !validEmail(n.Email) {
		fe.add("email", "err.email")
	}
	checkText(fe, "name", n.Name, false, 120)
	checkPassword(fe, "password", n.Password)
	if !ValidRole(n.Role) {
		fe.add("role", "err.choose_one")
	}
	if n.Role == RoleRespondent && n.InstitutionCode == "" {
		fe.add("institution", "err.institution_required")
	}
	if n.Role != RoleRespondent && n.InstitutionCode != "" {
		fe.add("institution", "err.institution_only_respondent")
	}
	return fe
}

// institutionIDForUser resolves a respondent's institution: it must exist and be active.
func institutionIDForUser(ctx context.Context, tx *sql.Tx, role Role, code string) (sql.NullInt64, error) {
	if role != RoleRespondent {
		return sql.NullInt64{}, nil
	}
	inst, err := getInstitution(ctx, tx, code)
	if errors.Is(err, ErrNotFound) || (err == nil && !inst.Active) {
		return sql.NullInt64{}, &ValidationError{Fields: map[string]string{"institution": "err.institution_unknown"}}
	}
	if err != nil {
		return sql.NullInt64{}, err
	}
	return sql.NullInt64{Int64: inst.ID, Valid: true}, nil
}

// CreateUser validates n and stores a new account with a bcrypt hash of its password.
func (s *Store) CreateUser(ctx context.Context, actorID int64, n NewUser) (User, error) {
	n = n.normalize()
	if err := n.validate().err(); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.opt.BcryptCost)
	if err != nil {
		return User{}, fmt.Errorf("survey: hash password: %w", err)
	}
	var u User
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		u, err = s.insertUser(ctx, tx, actorID, n, string(hash))
		return err
	})
	return u, err
}

func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, actorID int64, n NewUser, hash string) (User, error) {
	instID, err := institutionIDForUser(ctx, tx, n.Role, n.InstitutionCode)
	if err != nil {
		return User{}, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, role, institution_id, active, created_at)
		VALUES (?, ?, ?, ?, ?, 1, ?)`, n.Email, n.Name, hash, n.Role, instID, formatTime(s.now()))
	if isUniqueViolation(err) {
		return User{}, &ValidationError{Fields: map[string]string{"email": "err.email_taken"}}
	}
	if err != nil {
		return User{}, fmt.Errorf("survey: create user: %w", err)
	}
	id, _ := res.LastInsertId()
	if n.Role == RoleAdmin {
		// An admin exists now: a first-run setup link must stop working.
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens"); err != nil {
			return User{}, err
		}
	}
	u, err := getUser(ctx, tx, "u.id = ?", id)
	if err != nil {
		return u, err
	}
	return u, s.audit(ctx, tx, actorID, "create", "user", u.Email, nil, u)
}

const userSelect = `SELECT u.id, u.email, u.name, u.role, coalesce(i.code, ''), u.active, u.created_at, u.password_hash
	FROM users u LEFT JOIN institutions i ON i.id = u.institution_id WHERE `

func scanUser(row interface{ Scan(...any) error }) (User, string, error) {
	var u User
	var created, hash string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.InstitutionCode, &u.Active, &created, &hash)
	u.CreatedAt = parseTime(created)
	return u, hash, err
}

func getUser(ctx context.Context, q queryer, where string, arg any) (User, error) {
	u, _, err := scanUser(q.QueryRowContext(ctx, userSelect+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("survey: user: %w", ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("survey: user: %w", err)
	}
	return u, nil
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	return getUser(ctx, s.r, "u.id = ?", id)
}

// ListUsers returns every account, admins first.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, userSelect+"1 ORDER BY u.role, u.email")
	if err != nil {
		return nil, fmt.Errorf("survey: list users: %w", err)
	}
	defer rows.Close()
	var out []User
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

// Authenticate checks an e-mail and password. It returns ErrThrottled once
// the address has MaxLoginFailures failures within LoginWindow (even if the
// password is now right), ErrBadCredentials for a wrong address or password,
// and ErrAccountDisabled for a deactivated account. Success clears the failures.
func (s *Store) Authenticate(ctx context.Context, email, password string) (User, error) {
	email = NormalizeEmail(email)
	now := s.now()
	// Count and record the attempt in one immediate transaction before the
	// slow password check, so that parallel guesses cannot all slip in under
	// the limit. A success removes the record again.
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var failures int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM login_failures WHERE email = ? AND at > ?",
			email, formatTime(now.Add(-LoginWindow))).Scan(&failures); err != nil {
			return err
		}
		if failures >= MaxLoginFailures {
			return ErrThrottled
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO login_failures (email, at) VALUES (?, ?)", email, formatTime(now)); err != nil {
			return err
		}
		// Forget failures that can no longer count, so the table stays small.
		_, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE at <= ?", formatTime(now.Add(-LoginWindow)))
		return err
	})
	if errors.Is(err, ErrThrottled) {
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("survey: authenticate: %w", err)
	}
	u, hash, err := scanUser(s.r.QueryRowContext(ctx, userSelect+"u.email = ?", email))
	if errors.Is(err, sql.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("survey: authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return User{}, ErrBadCredentials
	}
	if !u.Active {
		return User{}, ErrAccountDisabled
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE email = ?", email)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("survey: authenticate: %w", err)
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
