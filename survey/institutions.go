package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Kinds of institution.
var Kinds = []string{"ministry", "agency", "municipality", "other"}

// Regions an institution serves from. "national" covers the whole country.
var Regions = []string{"national", "west-bank", "gaza", "jerusalem", "abroad"}

// Institution is a public body that keeps services and answers the survey.
type Institution struct {
	ID        int64     `json:"-"`
	Code      string    `json:"code"`
	NameAr    string    `json:"name_ar"`
	NameEn    string    `json:"name_en"`
	Kind      string    `json:"kind"`
	Sector    string    `json:"sector"`
	Region    string    `json:"region"`
	Website   string    `json:"website"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Name is the institution's name in lang, falling back to Arabic.
func (i Institution) Name(lang string) string {
	if lang == "en" && i.NameEn != "" {
		return i.NameEn
	}
	return i.NameAr
}

// InstitutionInput is what a person or a file gives to create or change an institution.
type InstitutionInput struct {
	Code    string `json:"code" form:"code"`
	NameAr  string `json:"name_ar" form:"name_ar"`
	NameEn  string `json:"name_en" form:"name_en"`
	Kind    string `json:"kind" form:"kind"`
	Sector  string `json:"sector" form:"sector"`
	Region  string `json:"region" form:"region"`
	Website string `json:"website" form:"website"`
}

var (
	codePattern   = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,15}$`)
	sectorPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
)

// Normalize trims fields and puts codes and keys in their canonical case.
func (in InstitutionInput) Normalize() InstitutionInput {
	in.Code = strings.ToUpper(cleanText(NormalizeDigits(in.Code)))
	in.NameAr = cleanText(in.NameAr)
	in.NameEn = cleanText(in.NameEn)
	in.Kind = strings.ToLower(cleanText(in.Kind))
	in.Sector = strings.ToLower(cleanText(in.Sector))
	in.Region = strings.ToLower(cleanText(in.Region))
	in.Website = cleanText(in.Website)
	return in
}

// Validate checks a normalized input and returns a *ValidationError.
func (in InstitutionInput) Validate() error {
	fe := fieldErrors{}
	switch {
	case in.Code == "":
		fe.add("code", "err.required")
	case !codePattern.MatchString(in.Code):
		fe.add("code", "err.code_format")
	}
	checkText(fe, "name_ar", in.NameAr, true, 200)
	if _, bad := fe["name_ar"]; !bad && !hasArabicLetter(in.NameAr) {
		fe.add("name_ar", "err.need_arabic")
	}
	checkText(fe, "name_en", in.NameEn, false, 200)
	if !contains(Kinds, in.Kind) {
		fe.add("kind", "err.choose_one")
	}
	if !contains(Regions, in.Region) {
		fe.add("region", "err.choose_one")
	}
	if in.Sector == "" {
		fe.add("sector", "err.required")
	} else if !sectorPattern.MatchString(in.Sector) {
		fe.add("sector", "err.sector_format")
	}
	if in.Website != "" && !validWebURL(in.Website) {
		fe.add("website", "err.url")
	}
	return fe.err()
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

const institutionColumns = `id, code, name_ar, name_en, kind, sector, region, website, active, created_at, updated_at`

func scanInstitution(row interface{ Scan(...any) error }) (Institution, error) {
	var i Institution
	var created, updated string
	err := row.Scan(&i.ID, &i.Code, &i.NameAr, &i.NameEn, &i.Kind, &i.Sector, &i.Region, &i.Website, &i.Active, &created, &updated)
	i.CreatedAt, i.UpdatedAt = parseTime(created), parseTime(updated)
	return i, err
}

// InstitutionFilter narrows ListInstitutions.
type InstitutionFilter struct {
	Query           string // matches code or either name
	IncludeInactive bool
}

// ListInstitutions returns institutions ordered by code.
func (s *Store) ListInstitutions(ctx context.Context, f InstitutionFilter) ([]Institution, error) {
	q := "%" + likeEscape(strings.TrimSpace(f.Query)) + "%"
	rows, err := s.r.QueryContext(ctx, `SELECT `+institutionColumns+` FROM institutions
		WHERE (? OR active = 1) AND (code LIKE ? ESCAPE '\' OR name_ar LIKE ? ESCAPE '\' OR name_en LIKE ? ESCAPE '\')
		ORDER BY code`, f.IncludeInactive, q, q, q)
	if err != nil {
		return nil, fmt.Errorf("survey: list institutions: %w", err)
	}
	defer rows.Close()
	var out []Institution
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
func (s *Store) Institution(ctx context.Context, code string) (Institution, error) {
	return getInstitution(ctx, s.r, code)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getInstitution(ctx context.Context, q queryer, code string) (Institution, error) {
	i, err := scanInstitution(q.QueryRowContext(ctx, `SELECT `+institutionColumns+` FROM institutions WHERE code = ?`,
		strings.ToUpper(strings.TrimSpace(NormalizeDigits(code)))))
	if errors.Is(err, sql.ErrNoRows) {
		return i, fmt.Errorf("survey: institution %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return i, fmt.Errorf("survey: institution %q: %w", code, err)
	}
	return i, nil
}

// CreateInstitution validates in and stores a new active institution.
func (s *Store) CreateInstitution(ctx context.Context, actorID int64, in InstitutionInput) (Institution, error) {
	in = in.Normalize()
	if err := in.Validate(); err != nil {
		return Institution{}, err
	}
	var out Institution
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.insertInstitution(ctx, tx, actorID, in)
		return err
	})
	return out, err
}

func (s *Store) insertInstitution(ctx context.Context, tx *sql.Tx, actorID int64, in InstitutionInput) (Institution, error) {
	now := formatTime(s.now())
	_, err := tx.ExecContext(ctx, `INSERT INTO institutions (code, name_ar, name_en, kind, sector, region, website, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, in.Code, in.NameAr, in.NameEn, in.Kind, in.Sector, in.Region, in.Website, now, now)
	if isUniqueViolation(err) {
		return Institution{}, &ValidationError{Fields: map[string]string{"code": "err.code_taken"}}
	}
	if err != nil {
		return Institution{}, fmt.Errorf("survey: create institution %q: %w", in.Code, err)
	}
	out, err := getInstitution(ctx, tx, in.Code)
	if err != nil {
		return out, err
	}
	return out, s.audit(ctx, tx, actorID, "create", "institution", out.Code, nil, out)
}

// UpdateInstitution changes an institution's fields. The code is its stable
// identity and cannot change: in.Code is ignored.
func (s *Store) UpdateInstitution(ctx context.Context, actorID int64, code string, in InstitutionInput) (Institution, error) {
	in.Code = code
	in = in.Normalize()
	if err := in.Validate(); err != nil {
		return Institution{}, err
	}
	var out Institution
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.updateInstitution(ctx, tx, actorID, in)
		return err
	})
	return out, err
}

func (s *Store) updateInstitution(ctx context.Context, tx *sql.Tx, actorID int64, in InstitutionInput) (Institution, error) {
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
	defer s.sessions.forget("")
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

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}
