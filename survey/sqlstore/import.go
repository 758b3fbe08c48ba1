package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"marsad/survey"
)

// ImportInstitutions creates new codes and updates existing ones, all in one
// transaction: if anything fails, nothing is stored.
func (s *Store) ImportInstitutions(ctx context.Context, actorID int64, ins []survey.InstitutionInput) (survey.ImportResult, error) {
	var res survey.ImportResult
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res = survey.ImportResult{}
		for _, in := range ins {
			in = in.Normalize()
			if err := in.Validate(); err != nil {
				return err
			}
			cur, err := getInstitution(ctx, tx, in.Code)
			switch {
			case errors.Is(err, survey.ErrNotFound):
				if _, err := s.insertInstitution(ctx, tx, actorID, in); err != nil {
					return err
				}
				res.Created++
			case err != nil:
				return err
			case cur.NameAr == in.NameAr && cur.NameEn == in.NameEn && cur.Kind == in.Kind && cur.Sector == in.Sector &&
				cur.Region == in.Region && cur.Website == in.Website:
				res.Unchanged++
			default:
				if _, err := s.updateInstitution(ctx, tx, actorID, in); err != nil {
					return err
				}
				res.Updated++
			}
		}
		return nil
	})
	return res, err
}
