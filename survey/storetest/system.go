package storetest

import (
	"testing"

	"marsad/survey"
)

// testSystem: a fresh store answers the health checks and is not a demo.
func testSystem(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := s.Writable(ctx); err != nil {
		t.Errorf("Writable: %v", err)
	}
	// Twice: the probe may answer from its last result, which must be
	// the same.
	if err := s.Writable(ctx); err != nil {
		t.Errorf("Writable again: %v", err)
	}
	if demo, err := s.IsDemo(ctx); err != nil || demo {
		t.Errorf("IsDemo of a fresh store = %v, %v", demo, err)
	}
	// The version counters are readable before anything is written, and
	// reading them changes none of them.
	for name, get := range map[string]func() (string, error){
		"CatalogVersion": func() (string, error) { return s.CatalogVersion(ctx) },
		"ScoresVersion":  func() (string, error) { return s.ScoresVersion(ctx) },
		"PagesVersion":   func() (string, error) { return s.PagesVersion(ctx) },
	} {
		a, err := get()
		b, err2 := get()
		if err != nil || err2 != nil || a == "" || a != b {
			t.Errorf("%s = %q then %q (%v, %v); want one non-empty value", name, a, b, err, err2)
		}
	}
	if n, err := s.CountInstitutions(ctx); err != nil || n != 0 {
		t.Errorf("a fresh store has %d institutions (%v)", n, err)
	}
	if users, err := s.ListUsers(ctx); err != nil || len(users) != 0 {
		t.Errorf("a fresh store has accounts %+v (%v)", users, err)
	}
	if rounds, err := s.ListRounds(ctx); err != nil || len(rounds) != 0 {
		t.Errorf("a fresh store has rounds %+v (%v)", rounds, err)
	}
	if page, err := s.AuditLogPage(ctx, survey.AuditFilter{}, 1, 10); err != nil || page.Total != 0 || page.Pages != 1 || page.Page != 1 {
		t.Errorf("a fresh store's audit log %+v (%v); want empty, one page", page, err)
	}
}
