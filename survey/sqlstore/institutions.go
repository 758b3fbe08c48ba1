package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"marsad/survey"

	"github.com/mattn/go-sqlite3"
)

const institutionColumns = `id, code, name_ar, name_en, kind, sector, region, website, active, created_at, updated_at`

func scanInstitution(row interface{ Scan(...any) error }) (survey.Institution, error) {
	var i survey.Institution
	var created, updated string
	err := row.Scan(&i.ID, &i.Code, &i.NameAr, &i.NameEn, &i.Kind, &i.Sector, &i.Region, &i.Website, &i.Active, &created, &updated)
	i.CreatedAt, i.UpdatedAt = parseTime(created), parseTime(updated)
	return i, err
}

// ListInstitutions returns institutions ordered by code.
func (s *Store) ListInstitutions(ctx context.Context, f survey.InstitutionFilter) ([]survey.Institution, error) {
	// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's
	// does not; lower() folds ASCII only in both (columns are COLLATE "C").
	q := "%" + likeEscape(asciiLower(strings.TrimSpace(f.Query))) + "%"
	rows, err := s.r.QueryContext(ctx, `SELECT `+institutionColumns+` FROM institutions
		WHERE (? = 1 OR active = 1) AND (lower(code) LIKE ? ESCAPE '\' OR lower(name_ar) LIKE ? ESCAPE '\' OR lower(name_en) LIKE ? ESCAPE '\')
		ORDER BY code`, f.IncludeInactive, q, q, q)
	if err != nil {
		return nil, fmt.Errorf("survey: list institutions: %w", err)
	}
	defer rows.Close()
	var out []survey.Institution
	for rows.Next() {
		i, err := scanInstitution(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: list institutions: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// CountInstitutions counts active institutions.
func (s *Store) CountInstitutions(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM institutions WHERE active = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("survey: count institutions: %w", err)
	}
	return n, nil
}

// Institution returns the institution with code, or ErrNotFound.
func (s *Store) Institution(ctx context.Context, code string) (survey.Institution, error) {
	return cachedRead(ctx, s, &s.institRows, code, func(ctx context.Context) (survey.Institution, error) {
		return getInstitution(ctx, s.r, code)
	})
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getInstitution(ctx context.Context, q queryer, code string) (survey.Institution, error) {
	i, err := scanInstitution(q.QueryRowContext(ctx, `SELECT `+institutionColumns+` FROM institutions WHERE code = ?`,
		strings.ToUpper(strings.TrimSpace(survey.NormalizeDigits(code)))))
	if errors.Is(err, sql.ErrNoRows) {
		return i, fmt.Errorf("survey: institution %q: %w", code, survey.ErrNotFound)
	}
	if err != nil {
		return i, fmt.Errorf("survey: institution %q: %w", code, err)
	}
	return i, nil
}

// CreateInstitution validates in and stores a new active institution.
func (s *Store) CreateInstitution(ctx context.Context, actorID int64, in survey.InstitutionInput) (survey.Institution, error) {
	in = in.Normalize()
	if err := in.Validate(); err != nil {
		return survey.Institution{}, err
	}
	var out survey.Institution
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.insertInstitution(ctx, tx, actorID, in)
		return err
	})
	return out, err
}

func (s *Store) insertInstitution(ctx context.Context, tx *sql.Tx, actorID int64, in survey.InstitutionInput) (survey.Institution, error) {
	now := formatTime(s.now())
	_, err := tx.ExecContext(ctx, `INSERT INTO institutions (code, name_ar, name_en, kind, sector, region, website, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, in.Code, in.NameAr, in.NameEn, in.Kind, in.Sector, in.Region, in.Website, now, now)
	if isUniqueViolation(err) {
		return survey.Institution{}, &survey.ValidationError{Fields: map[string]string{"code": "err.code_taken"}}
	}
	if err != nil {
		return survey.Institution{}, fmt.Errorf("survey: create institution %q: %w", in.Code, err)
	}
	out, err := getInstitution(ctx, tx, in.Code)
	if err != nil {
		return out, err
	}
	return out, s.audit(ctx, tx, actorID, "create", "institution", out.Code, nil, out)
}

// UpdateInstitution changes an institution's fields. The code is its stable
// identity and cannot change: in.Code is ignored.
func (s *Store) UpdateInstitution(ctx context.Context, actorID int64, code string, in survey.InstitutionInput) (survey.Institution, error) {
	in.Code = code
	in = in.Normalize()
	if err := in.Validate(); err != nil {
		return survey.Institution{}, err
	}
	var out survey.Institution
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.updateInstitution(ctx, tx, actorID, in)
		return err
	})
	return out, err
}

func (s *Store) updateInstitution(ctx context.Context, tx *sql.Tx, actorID int64, in survey.InstitutionInput) (survey.Institution, error) {
	before, err := getInstitution(ctx, tx, in.Code)
	if err != nil {
		return before, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE institutions SET name_ar = ?, name_en = ?, kind = ?, sector = ?, region = ?, website = ?, updated_at = ?
		WHERE code = ?`, in.NameAr, in.NameEn, in.Kind, in.Sector, in.Region, in.Website, formatTime(s.now()), in.Code)
	if err != nil {
		return before, fmt.Errorf("survey: update institution %q: %w", in.Code, err)
	}
	after, err := getInstitution(ctx, tx, in.Code)
	if err != nil {
		return after, err
	}
	return after, s.audit(ctx, tx, actorID, "update", "institution", in.Code, before, after)
}

// SetInstitutionActive activates or deactivates an institution. A
// deactivated institution keeps its history but leaves lists, rankings and
// the public catalog, and its respondents lose access: their sessions end
// now, and they cannot sign in again (accountUsable) until it is
// reactivated. Their accounts themselves stay as they were.
func (s *Store) SetInstitutionActive(ctx context.Context, actorID int64, code string, active bool) error {
	// The sessions end: forget every cached one after the commit.
	defer s.sessions.Clear()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getInstitution(ctx, tx, code)
		if err != nil {
			return err
		}
		if before.Active == active {
			return nil
		}
		now := formatTime(s.now())
		if _, err := tx.ExecContext(ctx, "UPDATE institutions SET active = ?, updated_at = ? WHERE id = ?",
			active, now, before.ID); err != nil {
			return fmt.Errorf("survey: set institution %q active: %w", code, err)
		}
		if !active {
			if err := endAccess(ctx, tx, "user_id IN (SELECT id FROM users WHERE institution_id = ?)", before.ID, now); err != nil {
				return err
			}
		}
		after, err := getInstitution(ctx, tx, code)
		if err != nil {
			return err
		}
		action := "deactivate"
		if active {
			action = "activate"
		}
		return s.audit(ctx, tx, actorID, action, "institution", before.Code, before, after)
	})
}

func isSQLiteUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}
