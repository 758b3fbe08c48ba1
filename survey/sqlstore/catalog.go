package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"marsad/survey"

	"marsad/survey/search"
)

func joinSet(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return "," + strings.Join(vals, ",") + ","
}

func splitSet(s string) []string {
	out := []string{}
	for _, v := range strings.Split(strings.Trim(s, ","), ",") {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func searchText(s survey.Service) string {
	return search.Fold(strings.Join([]string{s.Code, s.NameAr, s.NameEn, s.DescriptionAr, s.DescriptionEn}, " "))
}

const serviceSelect = `SELECT s.id, i.code, i.name_ar, i.name_en, s.code, s.name_ar, s.name_en, s.description_ar, s.description_en,
	s.category, s.audience, s.channels, s.stage, s.online_url, s.e_payment, s.e_id, s.abroad, s.no_visit, s.mobile_friendly,
	s.languages, s.fee_ils, s.processing_days, s.yearly_volume, s.online_share, s.uses_data_exchange, s.last_reviewed,
	s.status, s.version, s.created_at, s.updated_at
	FROM services s JOIN institutions i ON i.id = s.institution_id `

func scanService(row interface{ Scan(...any) error }) (survey.Service, error) {
	var (
		s                       survey.Service
		aud, ch, langs, cr, upd string
	)
	err := row.Scan(&s.ID, &s.InstitutionCode, &s.InstitutionAr, &s.InstitutionEn, &s.Code, &s.NameAr, &s.NameEn,
		&s.DescriptionAr, &s.DescriptionEn, &s.Category, &aud, &ch, &s.Stage, &s.OnlineURL, &s.EPayment, &s.EID,
		&s.Abroad, &s.NoVisit, &s.MobileFriendly, &langs, &s.FeeILS, &s.ProcessingDays, &s.YearlyVolume, &s.OnlineShare,
		&s.DataExchange, &s.LastReviewed, &s.Status, &s.Version, &cr, &upd)
	s.Audience, s.Channels, s.Languages = splitSet(aud), splitSet(ch), splitSet(langs)
	s.CreatedAt, s.UpdatedAt = parseTime(cr), parseTime(upd)
	return s, err
}

func getService(ctx context.Context, q queryer, id int64) (survey.Service, error) {
	s, err := scanService(q.QueryRowContext(ctx, serviceSelect+"WHERE s.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("survey: service %d: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("survey: service %d: %w", id, err)
	}
	return s, nil
}

// Service returns the service with id, whatever its status.
func (s *Store) Service(ctx context.Context, id int64) (survey.Service, error) {
	return getService(ctx, s.r, id)
}

// PublicService returns an active service of an active institution, as the
// public catalog shows it; anything else is ErrNotFound.
func (s *Store) PublicService(ctx context.Context, id int64) (survey.Service, error) {
	sv, err := scanService(s.r.QueryRowContext(ctx, serviceSelect+"WHERE s.id = ? AND s.status = 'active' AND i.active = 1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return sv, fmt.Errorf("survey: public service %d: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return sv, fmt.Errorf("survey: public service %d: %w", id, err)
	}
	return sv, nil
}

// InstitutionServices lists one institution's services (every status), by code.
func (s *Store) InstitutionServices(ctx context.Context, code string) ([]survey.Service, error) {
	return s.queryServices(ctx, serviceSelect+"WHERE i.code = ? ORDER BY s.status = 'retired', s.code", code)
}

// serviceBytes estimates the memory a service holds: its texts and a
// struct of some 400 bytes.
func serviceBytes(sv survey.Service) int64 {
	n := 400 + len(sv.Code) + len(sv.InstitutionCode) + len(sv.InstitutionAr) + len(sv.InstitutionEn) +
		len(sv.NameAr) + len(sv.NameEn) + len(sv.DescriptionAr) + len(sv.DescriptionEn) + len(sv.OnlineURL)
	for _, set := range [][]string{sv.Audience, sv.Channels, sv.Languages} {
		for _, x := range set {
			n += 16 + len(x)
		}
	}
	return int64(n)
}

func (s *Store) queryServices(ctx context.Context, query string, args ...any) ([]survey.Service, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("survey: list services: %w", err)
	}
	defer rows.Close()
	out := []survey.Service{}
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("survey: list services: %w", err)
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

// EachService calls fn for every service in institution-then-code order,
// streaming rows so that exporting a large catalog keeps memory flat.
// publicOnly limits it to active services of active institutions.
func (s *Store) EachService(ctx context.Context, publicOnly bool, fn func(survey.Service) error) error {
	where := ""
	if publicOnly {
		where = "WHERE s.status = 'active' AND i.active = 1 "
	}
	rows, err := s.r.QueryContext(ctx, serviceSelect+where+"ORDER BY i.code, s.code")
	if err != nil {
		return fmt.Errorf("survey: each service: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return fmt.Errorf("survey: each service: %w", err)
		}
		if err := fn(sv); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CreateService validates in and adds it to an institution's catalog. A
// respondent may add only to their own institution.
func (s *Store) CreateService(ctx context.Context, a survey.Actor, in survey.ServiceInput) (survey.Service, error) {
	sv, err := survey.CheckService(in)
	if err != nil {
		return survey.Service{}, err
	}
	if !a.CanEditInstitution(sv.InstitutionCode) {
		return survey.Service{}, survey.ErrForbidden
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		sv, err = s.insertService(ctx, tx, a, sv)
		return err
	})
	return sv, err
}

func (s *Store) insertService(ctx context.Context, tx *sql.Tx, a survey.Actor, sv survey.Service) (survey.Service, error) {
	inst, err := getInstitution(ctx, tx, sv.InstitutionCode)
	if errors.Is(err, survey.ErrNotFound) {
		return sv, &survey.ValidationError{Fields: map[string]string{"institution": "err.institution_unknown"}}
	}
	if err != nil {
		return sv, err
	}
	now := formatTime(s.now())
	id, err := insertID(ctx, tx, `INSERT INTO services (institution_id, code, name_ar, name_en, description_ar, description_en,
		category, audience, channels, stage, online_url, e_payment, e_id, abroad, no_visit, mobile_friendly, languages, fee_ils,
		processing_days, yearly_volume, online_share, uses_data_exchange, last_reviewed, status, search_text, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (institution_id, code) DO NOTHING`,
		inst.ID, sv.Code, sv.NameAr, sv.NameEn, sv.DescriptionAr, sv.DescriptionEn, sv.Category, joinSet(sv.Audience),
		joinSet(sv.Channels), sv.Stage, sv.OnlineURL, sv.EPayment, sv.EID, sv.Abroad, sv.NoVisit, sv.MobileFriendly,
		joinSet(sv.Languages), sv.FeeILS, sv.ProcessingDays, sv.YearlyVolume, sv.OnlineShare, sv.DataExchange,
		sv.LastReviewed, sv.Status, searchText(sv), now, now)
	// A taken code inserts nothing rather than failing: the import goes on
	// to its next row in the same transaction, which a failed statement
	// would abort on PostgreSQL.
	if errors.Is(err, sql.ErrNoRows) || isUniqueViolation(err) {
		return sv, &survey.ValidationError{Fields: map[string]string{"code": "err.service_code_taken"}}
	}
	if err != nil {
		return sv, fmt.Errorf("survey: create service: %w", err)
	}
	out, err := getService(ctx, tx, id)
	if err != nil {
		return out, err
	}
	return out, s.audit(ctx, tx, a.ID, "create", "service", serviceKey(out), nil, out)
}

func serviceKey(sv survey.Service) string { return sv.InstitutionCode + "/" + sv.Code }

// UpdateService changes a service. in.Version must be the version the editor
// started from (0 skips the check, for imports that replace on purpose);
// an older one gives ErrConflict. The institution of a service cannot change.
func (s *Store) UpdateService(ctx context.Context, a survey.Actor, id int64, in survey.ServiceInput) (survey.Service, error) {
	var out survey.Service
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getService(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return survey.ErrForbidden
		}
		in.InstitutionCode = before.InstitutionCode
		sv, err := survey.CheckService(in)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != before.Version {
			return survey.ErrConflict
		}
		out, err = s.updateService(ctx, tx, a, before, sv)
		return err
	})
	return out, err
}

func (s *Store) updateService(ctx context.Context, tx *sql.Tx, a survey.Actor, before, sv survey.Service) (survey.Service, error) {
	_, err := tx.ExecContext(ctx, `UPDATE services SET code = ?, name_ar = ?, name_en = ?, description_ar = ?, description_en = ?,
		category = ?, audience = ?, channels = ?, stage = ?, online_url = ?, e_payment = ?, e_id = ?, abroad = ?, no_visit = ?,
		mobile_friendly = ?, languages = ?, fee_ils = ?, processing_days = ?, yearly_volume = ?, online_share = ?,
		uses_data_exchange = ?, last_reviewed = ?, status = ?, search_text = ?, version = version + 1, updated_at = ?
		WHERE id = ?`,
		sv.Code, sv.NameAr, sv.NameEn, sv.DescriptionAr, sv.DescriptionEn, sv.Category, joinSet(sv.Audience),
		joinSet(sv.Channels), sv.Stage, sv.OnlineURL, sv.EPayment, sv.EID, sv.Abroad, sv.NoVisit, sv.MobileFriendly,
		joinSet(sv.Languages), sv.FeeILS, sv.ProcessingDays, sv.YearlyVolume, sv.OnlineShare, sv.DataExchange,
		sv.LastReviewed, sv.Status, searchText(sv), formatTime(s.now()), before.ID)
	if isUniqueViolation(err) {
		return sv, &survey.ValidationError{Fields: map[string]string{"code": "err.service_code_taken"}}
	}
	if err != nil {
		return sv, fmt.Errorf("survey: update service %d: %w", before.ID, err)
	}
	after, err := getService(ctx, tx, before.ID)
	if err != nil {
		return after, err
	}
	return after, s.audit(ctx, tx, a.ID, "update", "service", serviceKey(after), before, after)
}

// RetireService marks a service retired: it leaves the public catalog and
// the metrics, and its history stays.
func (s *Store) RetireService(ctx context.Context, a survey.Actor, id int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		before, err := getService(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanEditInstitution(before.InstitutionCode) {
			return survey.ErrForbidden
		}
		if before.Status == survey.ServiceRetired {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE services SET status = 'retired', version = version + 1, updated_at = ? WHERE id = ?",
			formatTime(s.now()), id); err != nil {
			return fmt.Errorf("survey: retire service %d: %w", id, err)
		}
		after, err := getService(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "retire", "service", serviceKey(after), before, after)
	})
}
