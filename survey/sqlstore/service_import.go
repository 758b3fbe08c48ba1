package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"reflect"

	"marsad/survey"
)

// ImportServices adds or replaces services by (institution, code) in one
// transaction: any failure stores nothing. A respondent may import only
// their own institution's rows; rows for others are reported, not skipped.
// Rows identical to what is stored are left alone (no new version, no audit).
func (s *Store) ImportServices(ctx context.Context, a survey.Actor, ins []survey.ServiceInput) (survey.ServiceImportResult, error) {
	var res survey.ServiceImportResult
	var bad []survey.RowError
	checked := make([]survey.Service, len(ins))
	for i, in := range ins {
		sv, err := survey.CheckService(in)
		if err != nil {
			return res, err
		}
		if !a.CanEditInstitution(sv.InstitutionCode) {
			bad = append(bad, survey.RowError{Line: lineOf(in, i), Fields: map[string]string{"institution": "err.not_your_institution"}})
		}
		checked[i] = sv
	}
	if len(bad) > 0 {
		return res, &survey.ImportError{Rows: bad}
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res = survey.ServiceImportResult{}
		var bad []survey.RowError
		for i, sv := range checked {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT s.id FROM services s JOIN institutions i ON i.id = s.institution_id
				WHERE i.code = ? AND s.code = ?`, sv.InstitutionCode, sv.Code).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := s.insertService(ctx, tx, a, sv); err != nil {
					var ve *survey.ValidationError
					if errors.As(err, &ve) {
						bad = append(bad, survey.RowError{Line: lineOf(ins[i], i), Fields: ve.Fields})
						continue
					}
					return err
				}
				res.Created++
			case err != nil:
				return err
			default:
				before, err := getService(ctx, tx, id)
				if err != nil {
					return err
				}
				if sameContent(before, sv) {
					res.Unchanged++
					continue
				}
				if _, err := s.updateService(ctx, tx, a, before, sv); err != nil {
					return err
				}
				res.Updated++
			}
		}
		if len(bad) > 0 {
			return &survey.ImportError{Rows: bad}
		}
		return nil
	})
	return res, err
}

// sameContent compares the fields a person edits, ignoring identity,
// version and times.
func sameContent(a, b survey.Service) bool {
	norm := func(s survey.Service) survey.Service {
		s.ID, s.Version, s.InstitutionAr, s.InstitutionEn = 0, 0, "", ""
		s.CreatedAt, s.UpdatedAt = b.CreatedAt, b.UpdatedAt
		return s
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// lineOf is an input's line in its file, or its position after the header.
func lineOf(in survey.ServiceInput, i int) int {
	if in.Line > 0 {
		return in.Line
	}
	return i + 2
}
