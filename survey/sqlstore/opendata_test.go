package sqlstore

import (
	"context"
	"errors"
	"testing"

	"marsad/survey"
)

func TestOpenDataSettings(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	o, err := s.OpenData(ctx)
	if err != nil || o != (survey.OpenDataSettings{}) {
		t.Fatalf("unset: %+v %v", o, err)
	}
	if err := s.SetOpenData(ctx, survey.Actor{Role: survey.RoleViewer}, survey.DemoOpenData); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("a viewer set the licence: %v", err)
	}
	admin := survey.Actor{Role: survey.RoleAdmin}
	forged := survey.OpenDataSettings{Licence: "cc-by-4.0", LicenceName: "CC BY 4.0", LicenceURL: "https://example.org/not-cc"}
	var ve *survey.ValidationError
	if err := s.SetOpenData(ctx, admin, forged); !errors.As(err, &ve) {
		t.Errorf("settings no form gives were stored: %v", err)
	}
	if err := s.SetOpenData(ctx, admin, survey.DemoOpenData); err != nil {
		t.Fatal(err)
	}
	if o, err := s.OpenData(ctx); err != nil || o != survey.DemoOpenData {
		t.Errorf("read back %+v %v", o, err)
	}
	page, err := s.AuditLogPage(ctx, survey.AuditFilter{}, 1, 10)
	if err != nil || len(page.Events) == 0 || page.Events[0].EntityKey != "open_data" || page.Events[0].Action != "update" {
		t.Errorf("not audited: %+v %v", page.Events, err)
	}
	// The catalog's date: none for an empty catalog.
	if at, err := s.CatalogModified(ctx); err != nil || !at.IsZero() {
		t.Errorf("empty catalog modified %v %v", at, err)
	}
}
