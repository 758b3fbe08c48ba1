package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"marsad/survey"
)

// openDataKey is the settings row holding survey.OpenDataSettings as JSON:
// one row, so that the licence's name and URL always change together.
const openDataKey = "open_data"

// OpenData is the open data's licence and publisher; the zero settings (no
// licence set) when the coordinator has not set them.
func (s *Store) OpenData(ctx context.Context) (survey.OpenDataSettings, error) {
	var o survey.OpenDataSettings
	v, err := s.Setting(ctx, openDataKey)
	if err != nil || v == "" {
		return o, err
	}
	if err := json.Unmarshal([]byte(v), &o); err != nil {
		return survey.OpenDataSettings{}, fmt.Errorf("survey: open data settings: %w", err)
	}
	return o, nil
}

// SetOpenData changes the licence and the publisher (the coordinator's;
// audited with what they were before).
func (s *Store) SetOpenData(ctx context.Context, a survey.Actor, o survey.OpenDataSettings) error {
	if a.Role != survey.RoleAdmin {
		return survey.ErrForbidden
	}
	before, err := s.OpenData(ctx)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if err := setOpenData(ctx, tx, o); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.ID, "update", "settings", openDataKey, before, o)
	})
}

func setOpenData(ctx context.Context, tx *sql.Tx, o survey.OpenDataSettings) error {
	if !o.Valid() {
		return &survey.ValidationError{Fields: map[string]string{"licence": "err.licence"}}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return setSetting(ctx, tx, openDataKey, string(b))
}

// SetOpenData gives the demo its licence and publisher.
func (t *DemoTx) SetOpenData(o survey.OpenDataSettings) error { return setOpenData(t.ctx, t.tx, o) }

// CatalogModified is when the catalog last changed: the latest change of
// any service, retired ones included (retiring one changes the public
// catalog too); the zero time for an empty catalog.
func (s *Store) CatalogModified(ctx context.Context) (time.Time, error) {
	var at string
	if err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(updated_at), '') FROM services").Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("survey: catalog modified: %w", err)
	}
	return parseTime(at), nil
}
