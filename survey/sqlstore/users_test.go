package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"marsad/survey"
)

// newAccountsStore has an active institution MOH and an inactive OLD.
func newAccountsStore(t *testing.T) (*Store, *fakeClock) {
	t.Helper()
	s, clock := newTestStoreWithClock(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))
	mustCreateInstitution(t, s, validInstitution("OLD"))
	if err := s.SetInstitutionActive(context.Background(), 0, "OLD", false); err != nil {
		t.Fatal(err)
	}
	return s, clock
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery"
	tests := []struct {
		name  string
		user  survey.NewUser
		field string
		key   string
	}{
		{"email empty", survey.NewUser{Email: "", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email without at", survey.NewUser{Email: "ali.example.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email with display name", survey.NewUser{Email: "Ali <ali@example.ps>", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email without dot in domain", survey.NewUser{Email: "ali@localhost", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email with newline", survey.NewUser{Email: "ali@example.ps\nbcc@x.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email too long", survey.NewUser{Email: strings.Repeat("a", 250) + "@x.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"password empty", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer}, "password", "err.password_short"},
		{"password 9 bytes", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: "123456789"}, "password", "err.password_short"},
		{"password 9 arabic letters", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: strings.Repeat("س", 9)}, "password", "err.password_short"},
		{"password 73 bytes", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: strings.Repeat("x", 73)}, "password", "err.password_long"},
		{"password 37 arabic letters is 74 bytes", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: strings.Repeat("س", 37)}, "password", "err.password_long"},
		{"password control char", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: "0123456789\x00"}, "password", "err.bad_characters"},
		{"password on the common list", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: "qwertyuiop"}, "password", "err.password_common"},
		{"password on the list, other case", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: "Password123"}, "password", "err.password_common"},
		{"password on the Arabic list", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: "abdullah123"}, "password", "err.password_common"},
		{"password a local word", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: "Palestine2025"}, "password", "err.password_common"},
		{"password one character", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: strings.Repeat("z", 12)}, "password", "err.password_common"},
		{"password three characters", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, Password: "abcabcabcabc"}, "password", "err.password_common"},
		{"password is the e-mail", survey.NewUser{Email: "ali.hassan@example.ps", Role: survey.RoleViewer, Password: "Ali.Hassan@example.ps"}, "password", "err.password_email"},
		{"password is the local part", survey.NewUser{Email: "ali.hassan@example.ps", Role: survey.RoleViewer, Password: "ali.hassan"}, "password", "err.password_email"},
		{"email with a bidi override", survey.NewUser{Email: "ali\u202e@example.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email with a zero-width space", survey.NewUser{Email: "ali\u200b@example.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email with a byte order mark", survey.NewUser{Email: "\ufeffali@example.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email with a right-to-left isolate", survey.NewUser{Email: "ali@exa\u2067mple.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"email with a no-break space", survey.NewUser{Email: "ali\u00a0x@example.ps", Role: survey.RoleViewer, Password: pw}, "email", "err.email"},
		{"name too long", survey.NewUser{Email: "a@example.ps", Name: strings.Repeat("ن", 121), Role: survey.RoleViewer, Password: pw}, "name", "err.too_long"},
		{"name control char", survey.NewUser{Email: "a@example.ps", Name: "Ali\x1b", Role: survey.RoleViewer, Password: pw}, "name", "err.bad_characters"},
		{"role unknown", survey.NewUser{Email: "a@example.ps", Role: "root", Password: pw}, "role", "err.choose_one"},
		{"role empty", survey.NewUser{Email: "a@example.ps", Password: pw}, "role", "err.choose_one"},
		{"respondent without institution", survey.NewUser{Email: "a@example.ps", Role: survey.RoleRespondent, Password: pw}, "institution", "err.institution_required"},
		{"respondent unknown institution", survey.NewUser{Email: "a@example.ps", Role: survey.RoleRespondent, InstitutionCode: "NOPE", Password: pw}, "institution", "err.institution_unknown"},
		{"respondent inactive institution", survey.NewUser{Email: "a@example.ps", Role: survey.RoleRespondent, InstitutionCode: "OLD", Password: pw}, "institution", "err.institution_unknown"},
		{"viewer with institution", survey.NewUser{Email: "a@example.ps", Role: survey.RoleViewer, InstitutionCode: "MOH", Password: pw}, "institution", "err.institution_only_respondent"},
		{"admin with institution", survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin, InstitutionCode: "MOH", Password: pw}, "institution", "err.institution_only_respondent"},
	}
	s, _ := newAccountsStore(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.CreateUser(context.Background(), 0, tc.user)
			wantFieldErrors(t, err, map[string]string{tc.field: tc.key})
		})
	}
	t.Cleanup(func() {
		if n := countRows(t, s, "users"); n != 0 {
			t.Errorf("invalid users stored: %d", n)
		}
	})
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		user survey.NewUser
		want survey.User
	}{
		{
			name: "admin",
			user: survey.NewUser{Email: "admin@example.ps", Name: " منسق المسح ", Role: survey.RoleAdmin, Password: "0123456789"},
			want: survey.User{Email: "admin@example.ps", Name: "منسق المسح", Role: survey.RoleAdmin},
		},
		{
			name: "viewer, email case-folded",
			user: survey.NewUser{Email: "  Minister.Office@Example.PS ", Role: survey.RoleViewer, Password: strings.Repeat("pqrs", survey.MaxPasswordLen/4)},
			want: survey.User{Email: "minister.office@example.ps", Role: survey.RoleViewer},
		},
		{
			name: "respondent, code in lower case",
			user: survey.NewUser{Email: "it@moh.ps", Name: "دائرة تكنولوجيا المعلومات", Role: survey.RoleRespondent, InstitutionCode: " moh ", Password: "مرصد المسح"},
			want: survey.User{Email: "it@moh.ps", Name: "دائرة تكنولوجيا المعلومات", Role: survey.RoleRespondent, InstitutionCode: "MOH"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, clock := newAccountsStore(t)
			got, err := s.CreateUser(ctx, 0, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.ID, want.Active, want.CreatedAt = got.ID, true, clock.Now()
			if got != want {
				t.Errorf("CreateUser = %+v, want %+v", got, want)
			}
			if stored, err := s.User(ctx, got.ID); err != nil || stored != want {
				t.Errorf("User(%d) = %+v, %v; want %+v", got.ID, stored, err, want)
			}
			var hash string
			if err := s.r.QueryRow("SELECT password_hash FROM users WHERE id = ?", got.ID).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(hash, "$2") || strings.Contains(hash, tc.user.Password) {
				t.Errorf("password_hash = %q, want a bcrypt hash", hash)
			}
			ev, err := s.AuditLog(ctx, "user", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ev) != 1 || ev[0].Action != "create" || ev[0].EntityKey != want.Email || !strings.Contains(ev[0].After, want.Email) {
				t.Fatalf("user audit = %+v, want one create event for %s", ev, want.Email)
			}
			if strings.Contains(ev[0].After, hash) || strings.Contains(ev[0].After, tc.user.Password) {
				t.Errorf("audit event leaks the password or its hash: %s", ev[0].After)
			}
			// Signing in works with any case of the address.
			if _, err := s.Authenticate(ctx, strings.ToUpper(want.Email), tc.user.Password); err != nil {
				t.Errorf("Authenticate: %v", err)
			}
		})
	}
}

func TestCreateUserEmailTaken(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, first, second string }{
		{"same address", "ali@example.ps", "ali@example.ps"},
		{"different case", "Ali@Example.PS", "ali@example.ps"},
		{"spaces and capitals", "ali@example.ps", "  ALI@EXAMPLE.PS "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newAccountsStore(t)
			mustCreateUser(t, s, survey.NewUser{Email: tc.first, Role: survey.RoleViewer})
			_, err := s.CreateUser(context.Background(), 0, survey.NewUser{Email: tc.second, Role: survey.RoleAdmin, Password: "0123456789"})
			wantFieldErrors(t, err, map[string]string{"email": "err.email_taken"})
			if n := countRows(t, s, "users"); n != 1 {
				t.Errorf("users = %d, want 1", n)
			}
		})
	}
}

func TestListUsersAndHasAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	if ok, err := s.HasAdmin(ctx); err != nil || ok {
		t.Fatalf("HasAdmin on an empty store = %v, %v; want false", ok, err)
	}
	mustCreateUser(t, s, survey.NewUser{Email: "v@example.ps", Role: survey.RoleViewer})
	mustCreateUser(t, s, survey.NewUser{Email: "r@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	if ok, _ := s.HasAdmin(ctx); ok {
		t.Error("HasAdmin with no admin = true")
	}
	a := mustCreateUser(t, s, survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin})
	if ok, _ := s.HasAdmin(ctx); !ok {
		t.Error("HasAdmin after creating an admin = false")
	}
	list, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range list {
		got = append(got, u.Email)
	}
	if strings.Join(got, " ") != "a@example.ps r@example.ps v@example.ps" {
		t.Errorf("ListUsers = %v, want admin, respondent, viewer", got)
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE users SET active = 0 WHERE id = ?", a.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.HasAdmin(ctx); ok {
		t.Error("HasAdmin with only a deactivated admin = true")
	}
	if _, err := s.User(ctx, 9999); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("User(9999) err = %v, want ErrNotFound", err)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	const (
		email = "ali@example.ps"
		pw    = "correct horse battery"
		wrong = "wrong horse battery"
	)
	setup := func(t *testing.T) (*Store, survey.User) {
		t.Helper()
		s, _ := newAccountsStore(t)
		u := mustCreateUser(t, s, survey.NewUser{Email: email, Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: pw})
		return s, u
	}
	ctx := context.Background()

	t.Run("success", func(t *testing.T) {
		t.Parallel()
		s, u := setup(t)
		got, err := s.Authenticate(ctx, " Ali@Example.PS ", pw)
		if err != nil || got != u {
			t.Errorf("Authenticate = %+v, %v; want %+v", got, err, u)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		s, _ := setup(t)
		if _, err := s.Authenticate(ctx, email, wrong); !errors.Is(err, survey.ErrBadCredentials) {
			t.Errorf("err = %v, want ErrBadCredentials", err)
		}
		if _, err := s.Authenticate(ctx, email, pw+" "); !errors.Is(err, survey.ErrBadCredentials) {
			t.Errorf("password with a trailing space: err = %v, want ErrBadCredentials", err)
		}
	})
	t.Run("unknown email costs a password check too", func(t *testing.T) {
		t.Parallel()
		s, _ := setup(t)
		for _, addr := range []string{"nobody@example.ps", strings.Repeat("x", 10_000) + "@example.ps"} {
			before := s.PasswordChecks()
			if _, err := s.Authenticate(ctx, addr, pw); !errors.Is(err, survey.ErrBadCredentials) {
				t.Errorf("err = %v, want ErrBadCredentials", err)
			}
			if n := s.PasswordChecks() - before; n != 1 {
				t.Errorf("%.20s…: %d password checks, want 1 (as for a known address)", addr, n)
			}
		}
		before := s.PasswordChecks()
		_, _ = s.Authenticate(ctx, email, wrong)
		if n := s.PasswordChecks() - before; n != 1 {
			t.Errorf("known address: %d password checks, want 1", n)
		}
	})
	t.Run("deactivated account", func(t *testing.T) {
		t.Parallel()
		s, u := setup(t)
		if _, err := s.w.ExecContext(ctx, "UPDATE users SET active = 0 WHERE id = ?", u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, email, pw); !errors.Is(err, survey.ErrAccountDisabled) {
			t.Errorf("right password: err = %v, want ErrAccountDisabled", err)
		}
		if _, err := s.Authenticate(ctx, email, wrong); !errors.Is(err, survey.ErrBadCredentials) {
			t.Errorf("wrong password: err = %v, want ErrBadCredentials (not revealing the state)", err)
		}
	})
}
