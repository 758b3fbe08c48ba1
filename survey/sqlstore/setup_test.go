package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"marsad/survey"
	"marsad/survey/demo"

	"marsad/data"
)

func TestSetup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	if ok, err := s.HasAdmin(ctx); err != nil || ok {
		t.Fatalf("HasAdmin = %v, %v; want false", ok, err)
	}
	first, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if token == "" || token == first {
		t.Fatalf("second token %q: want a new non-empty token", token)
	}
	if s.ValidSetupToken(ctx, first) {
		t.Error("a replaced setup token is still valid")
	}
	if !s.ValidSetupToken(ctx, token) {
		t.Fatal("the current setup token is not valid")
	}
	if n := countRows(t, s, "setup_tokens"); n != 1 {
		t.Errorf("setup_tokens = %d, want 1", n)
	}

	// Bad input and wrong tokens create no one and keep the token.
	_, err = s.CompleteSetup(ctx, token, survey.NewUser{Email: "admin@example.ps", Password: "short"})
	wantFieldErrors(t, err, map[string]string{"password": "err.password_short"})
	for _, wrong := range []string{first, "", "guess"} {
		if _, err := s.CompleteSetup(ctx, wrong, survey.NewUser{Email: "admin@example.ps", Password: "correct horse battery"}); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("CompleteSetup(%q) err = %v, want ErrNotFound", wrong, err)
		}
	}
	if !s.ValidSetupToken(ctx, token) || countRows(t, s, "users") != 0 {
		t.Fatal("failed setups used the token or created a user")
	}

	// The role is always admin, whatever the caller says.
	u, err := s.CompleteSetup(ctx, token, survey.NewUser{
		Email: "Admin@Example.PS", Name: "منسق", Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "correct horse battery",
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "admin@example.ps" || u.Role != survey.RoleAdmin || u.InstitutionCode != "" || !u.Active {
		t.Errorf("CompleteSetup = %+v, want an active admin admin@example.ps", u)
	}
	if ok, _ := s.HasAdmin(ctx); !ok {
		t.Error("HasAdmin after setup = false")
	}
	if _, err := s.Authenticate(ctx, "admin@example.ps", "correct horse battery"); err != nil {
		t.Errorf("sign in as the new admin: %v", err)
	}
	if s.ValidSetupToken(ctx, token) {
		t.Error("the setup token still valid after use")
	}
	if _, err := s.CompleteSetup(ctx, token, survey.NewUser{Email: "second@example.ps", Password: "correct horse battery"}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("reusing the setup token: err = %v, want ErrNotFound", err)
	}
	if _, err := s.NewSetupToken(ctx); !errors.Is(err, survey.ErrSetupDone) {
		t.Errorf("NewSetupToken with an admin: err = %v, want ErrSetupDone", err)
	}
	if n := countRows(t, s, "users"); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
	if n := countRows(t, s, "setup_tokens"); n != 0 {
		t.Errorf("setup_tokens = %d, want 0", n)
	}
}

func TestSetupEmailTaken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	mustCreateUser(t, s, survey.NewUser{Email: "v@example.ps", Role: survey.RoleViewer})
	token, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.CompleteSetup(ctx, token, survey.NewUser{Email: "V@example.ps", Password: "correct horse battery"})
	wantFieldErrors(t, err, map[string]string{"email": "err.email_taken"})
	if !s.ValidSetupToken(ctx, token) {
		t.Error("a failed setup used up the token")
	}
}

func demoInstitutionCount(t *testing.T) int {
	t.Helper()
	ins, err := survey.ParseInstitutionsCSV(bytes.NewReader(data.DemoInstitutions))
	if err != nil {
		t.Fatalf("data.DemoInstitutions does not parse: %v", err)
	}
	return len(ins)
}

func TestSeedDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStoreWithClock(t)
	token, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if demo, err := s.IsDemo(ctx); err != nil || demo {
		t.Fatalf("IsDemo before seeding = %v, %v; want false", demo, err)
	}
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Fatal(err)
	}

	list, err := s.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	want := demoInstitutionCount(t)
	if len(list) != want || len(list) < 25 {
		t.Errorf("demo institutions = %d, want %d (at least 25)", len(list), want)
	}
	codes := map[string]survey.Institution{}
	municipalities := 0
	for _, i := range list {
		codes[i.Code] = i
		if !i.Active {
			t.Errorf("demo institution %s is inactive", i.Code)
		}
		if i.Kind == "municipality" {
			municipalities++
		}
	}
	for _, code := range []string{"MOH", "MOI", "GAZ"} {
		if _, ok := codes[code]; !ok {
			t.Errorf("demo institution %s is missing", code)
		}
	}
	if g := codes["GAZ"]; g.Kind != "municipality" || g.Region != "gaza" {
		t.Errorf("GAZ = %+v, want a municipality in gaza", g)
	}
	if municipalities < 5 {
		t.Errorf("demo municipalities = %d, want at least 5", municipalities)
	}

	accounts := []struct {
		email string
		role  survey.Role
		inst  string
	}{
		{"admin@example.ps", survey.RoleAdmin, ""},
		{"viewer@example.ps", survey.RoleViewer, ""},
		{"moh@example.ps", survey.RoleRespondent, "MOH"},
		{"moh-head@example.ps", survey.RoleRespondent, "MOH"}, // MOH's head, who signs off (docs/teams.md)
		{"moi@example.ps", survey.RoleRespondent, "MOI"},
	}
	if n := countRows(t, s, "users"); n != len(accounts) {
		t.Errorf("demo users = %d, want %d", n, len(accounts))
	}
	for _, a := range accounts {
		u, err := s.Authenticate(ctx, a.email, "marsad-demo")
		if err != nil {
			t.Errorf("sign in as %s with the demo password: %v", a.email, err)
			continue
		}
		if u.Role != a.role || u.InstitutionCode != a.inst {
			t.Errorf("%s: role %s institution %q, want %s %q", a.email, u.Role, u.InstitutionCode, a.role, a.inst)
		}
	}
	if demo, err := s.IsDemo(ctx); err != nil || !demo {
		t.Errorf("IsDemo after seeding = %v, %v; want true", demo, err)
	}
	if ok, _ := s.HasAdmin(ctx); !ok {
		t.Error("HasAdmin after seeding = false")
	}
	if s.ValidSetupToken(ctx, token) {
		t.Error("a setup token from before seeding still works")
	}

	// Seeding again changes nothing.
	counts := func() [3]int {
		return [3]int{countRows(t, s, "institutions"), countRows(t, s, "users"), countRows(t, s, "audit_events")}
	}
	before := counts()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Errorf("second SeedDemo: %v, want nil (no-op)", err)
	}
	if after := counts(); after != before {
		t.Errorf("second SeedDemo changed counts (institutions, users, audit) %v → %v", before, after)
	}
}

func TestSeedDemoRefusesData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fill func(t *testing.T, s *Store)
	}{
		{"an institution", func(t *testing.T, s *Store) { mustCreateInstitution(t, s, validInstitution("ABC")) }},
		{"a user", func(t *testing.T, s *Store) {
			mustCreateUser(t, s, survey.NewUser{Email: "v@example.ps", Role: survey.RoleViewer})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := newTestStore(t)
			tc.fill(t, s)
			inst, users := countRows(t, s, "institutions"), countRows(t, s, "users")
			if err := demo.SeedData(ctx, s, demoData); err == nil {
				t.Fatal("SeedDemo into a database with data succeeded")
			}
			if demo, _ := s.IsDemo(ctx); demo {
				t.Error("IsDemo = true after a refused seed")
			}
			if countRows(t, s, "institutions") != inst || countRows(t, s, "users") != users {
				t.Error("a refused seed stored data")
			}
		})
	}
}
