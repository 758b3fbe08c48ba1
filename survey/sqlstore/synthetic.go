package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"iter"

	"marsad/survey"
)

// SeedCatalog writes a generated catalog for benchmarks and load tests
// (package marsad/survey/synth makes one) straight into the tables: one
// transaction, no audit, no checks and no read-back per row, so that 30,000
// services take seconds. It refuses a database that already has
// institutions, so generated data never mixes with real data. Services name
// their institution by code; they are written as services arrives, so a
// generator need not hold them all.
func (s *Store) SeedCatalog(ctx context.Context, institutions []survey.InstitutionInput, services iter.Seq[survey.Service]) error {
	now := formatTime(s.now())
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM institutions").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("survey: synthetic data goes only into an empty database")
		}
		for _, in := range institutions {
			_, err := tx.ExecContext(ctx, `INSERT INTO institutions (code, name_ar, name_en, kind, sector, region, website, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, in.Code, in.NameAr, in.NameEn, in.Kind, in.Sector, in.Region, in.Website, now, now)
			if err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO services (institution_id, code, name_ar, name_en, description_ar, description_en,
			category, audience, channels, stage, online_url, e_payment, e_id, abroad, no_visit, mobile_friendly, languages, fee_ils,
			processing_days, yearly_volume, online_share, uses_data_exchange, last_reviewed, status, search_text, created_at, updated_at)
			VALUES ((SELECT id FROM institutions WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for sv := range services {
			_, err := stmt.ExecContext(ctx, sv.InstitutionCode, sv.Code, sv.NameAr, sv.NameEn, sv.DescriptionAr, sv.DescriptionEn,
				sv.Category, joinSet(sv.Audience), joinSet(sv.Channels), sv.Stage, sv.OnlineURL, sv.EPayment, sv.EID, sv.Abroad,
				sv.NoVisit, sv.MobileFriendly, joinSet(sv.Languages), sv.FeeILS, sv.ProcessingDays, sv.YearlyVolume, sv.OnlineShare,
				sv.DataExchange, sv.LastReviewed, sv.Status, searchText(sv), now, now)
			if err != nil {
				return fmt.Errorf("survey: synthetic service %s/%s: %w", sv.InstitutionCode, sv.Code, err)
			}
		}
		return nil
	})
}
