package sqlstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"marsad/survey"
)

func TestCreateInvitationValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    survey.InvitationInput
		field string
		key   string
	}{
		{"bad email", survey.InvitationInput{Email: "not-an-address", Role: survey.RoleViewer}, "email", "err.email"},
		{"empty email", survey.InvitationInput{Role: survey.RoleViewer}, "email", "err.email"},
		{"unknown role", survey.InvitationInput{Email: "new@example.ps", Role: "owner"}, "role", "err.choose_one"},
		{"respondent without institution", survey.InvitationInput{Email: "new@example.ps", Role: survey.RoleRespondent}, "institution", "err.institution_required"},
		{"respondent unknown institution", survey.InvitationInput{Email: "new@example.ps", Role: survey.RoleRespondent, InstitutionCode: "NOPE"}, "institution", "err.institution_unknown"},
		{"respondent inactive institution", survey.InvitationInput{Email: "new@example.ps", Role: survey.RoleRespondent, InstitutionCode: "OLD"}, "institution", "err.institution_unknown"},
		{"existing user", survey.InvitationInput{Email: "taken@example.ps", Role: survey.RoleViewer}, "email", "err.email_taken"},
		{"existing user, other case", survey.InvitationInput{Email: " Taken@Example.PS", Role: survey.RoleAdmin}, "email", "err.email_taken"},
	}
	s, _ := newAccountsStore(t)
	mustCreateUser(t, s, survey.NewUser{Email: "taken@example.ps", Role: survey.RoleViewer})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inv, _, err := s.CreateInvitation(context.Background(), 0, tc.in)
			wantFieldErrors(t, err, map[string]string{tc.field: tc.key})
			if inv.ID != 0 {
				t.Errorf("got invitation %d with an error", inv.ID)
			}
		})
	}
	t.Cleanup(func() {
		if n := countRows(t, s, "invitations"); n != 0 {
			t.Errorf("invalid invitations stored: %d", n)
		}
	})
}

func TestInvitationAcceptOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newAccountsStore(t)
	admin := mustCreateUser(t, s, survey.NewUser{Email: "admin@example.ps", Role: survey.RoleAdmin})

	inv, token, err := s.CreateInvitation(ctx, admin.ID, survey.InvitationInput{Email: " IT@MOH.ps ", Role: survey.RoleRespondent, InstitutionCode: "moh"})
	if err != nil {
		t.Fatal(err)
	}
	if token == "" {
		t.Fatal("empty invitation token")
	}
	created := clock.Now()
	if inv.Email != "it@moh.ps" || inv.Role != survey.RoleRespondent || inv.InstitutionCode != "MOH" || inv.CreatedBy != admin.Email ||
		inv.State != survey.InvitationPending || !inv.CreatedAt.Equal(created) || !inv.ExpiresAt.Equal(created.Add(survey.InvitationTTL)) {
		t.Errorf("CreateInvitation = %+v", inv)
	}
	if got, err := s.InvitationByToken(ctx, token); err != nil || got != inv {
		t.Errorf("InvitationByToken = %+v, %v; want %+v", got, err, inv)
	}
	var stored int
	if err := s.r.QueryRow("SELECT count(*) FROM invitations WHERE token_hash = ? AND instr(token_hash, ?) = 0", hashToken(token), token).Scan(&stored); err != nil || stored != 1 {
		t.Errorf("invitation not stored under the token's hash (%d, %v)", stored, err)
	}
	if ev, _ := s.AuditLog(ctx, "invitation", 10); len(ev) != 1 || ev[0].Action != "create" || ev[0].ActorID != admin.ID {
		t.Errorf("invitation audit = %+v, want one create by the admin", ev)
	}

	// Bad input leaves the invitation usable.
	if _, err := s.AcceptInvitation(ctx, token, "  ", "correct horse battery"); err == nil {
		t.Fatal("AcceptInvitation without a name succeeded")
	} else {
		wantFieldErrors(t, err, map[string]string{"name": "err.required"})
	}
	_, err = s.AcceptInvitation(ctx, token, "Ali", "short")
	wantFieldErrors(t, err, map[string]string{"password": "err.password_short"})

	clock.Advance(time.Hour)
	u, err := s.AcceptInvitation(ctx, token, " علي ", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "it@moh.ps" || u.Name != "علي" || u.Role != survey.RoleRespondent || u.InstitutionCode != "MOH" || !u.Active {
		t.Errorf("accepted user = %+v, want an active MOH respondent it@moh.ps", u)
	}
	if _, err := s.Authenticate(ctx, "it@moh.ps", "correct horse battery"); err != nil {
		t.Errorf("sign in with the new account: %v", err)
	}
	got, err := s.InvitationByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != survey.InvitationUsed || !got.UsedAt.Equal(clock.Now()) {
		t.Errorf("after accept: state %q used %v, want used at %v", got.State, got.UsedAt, clock.Now())
	}

	if _, err := s.AcceptInvitation(ctx, token, "Someone Else", "another password"); !errors.Is(err, survey.ErrInvitationUsed) {
		t.Errorf("second accept: err = %v, want ErrInvitationUsed", err)
	}
	if n := countRows(t, s, "users"); n != 2 {
		t.Errorf("users = %d, want 2 (admin and the one accepted)", n)
	}
	if _, err := s.AcceptInvitation(ctx, "no-such-token", "Ali", "correct horse battery"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("unknown token: err = %v, want ErrNotFound", err)
	}
	if _, err := s.InvitationByToken(ctx, "no-such-token"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("InvitationByToken(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestInvitationAcceptConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	_, token, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: "v@example.ps", Role: survey.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.AcceptInvitation(ctx, token, "Viewer", "correct horse battery") })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, survey.ErrInvitationUsed):
			t.Errorf("err = %v, want nil or ErrInvitationUsed", err)
		}
	}
	if ok != 1 || countRows(t, s, "users") != 1 {
		t.Errorf("%d accepts succeeded and %d users exist, want exactly 1", ok, countRows(t, s, "users"))
	}
}

func TestInvitationExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newAccountsStore(t)
	_, token, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: "v@example.ps", Role: survey.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(survey.InvitationTTL - time.Second)
	if inv, _ := s.InvitationByToken(ctx, token); inv.State != survey.InvitationPending {
		t.Errorf("a second before 7 days: state %q, want pending", inv.State)
	}
	clock.Advance(time.Second)
	inv, err := s.InvitationByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if inv.State != survey.InvitationExpired {
		t.Errorf("after 7 days: state %q, want expired", inv.State)
	}
	if _, err := s.AcceptInvitation(ctx, token, "Viewer", "correct horse battery"); !errors.Is(err, survey.ErrInvitationGone) {
		t.Errorf("accept expired: err = %v, want ErrInvitationGone", err)
	}
	if n := countRows(t, s, "users"); n != 0 {
		t.Errorf("users = %d, want 0", n)
	}
	// Revoking an expired invitation changes nothing.
	if err := s.RevokeInvitation(ctx, 0, inv.ID); err != nil {
		t.Fatal(err)
	}
	if inv, _ := s.InvitationByToken(ctx, token); inv.State != survey.InvitationExpired || !inv.RevokedAt.IsZero() {
		t.Errorf("revoked after expiry: %+v", inv)
	}
}

func TestInvitationRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newAccountsStore(t)
	admin := mustCreateUser(t, s, survey.NewUser{Email: "admin@example.ps", Role: survey.RoleAdmin})
	inv, token, err := s.CreateInvitation(ctx, admin.ID, survey.InvitationInput{Email: "r@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := s.RevokeInvitation(ctx, admin.ID, inv.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.InvitationByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != survey.InvitationRevoked || !got.RevokedAt.Equal(clock.Now()) {
		t.Errorf("state %q revoked %v, want revoked at %v", got.State, got.RevokedAt, clock.Now())
	}
	if _, err := s.AcceptInvitation(ctx, token, "R", "correct horse battery"); !errors.Is(err, survey.ErrInvitationVoid) {
		t.Errorf("accept revoked: err = %v, want ErrInvitationVoid", err)
	}
	ev, err := s.AuditLog(ctx, "invitation", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Action != "revoke" || ev[0].EntityKey != "r@example.ps" || ev[0].ActorID != admin.ID {
		t.Errorf("invitation audit = %+v, want revoke newest of 2", ev)
	}
	if err := s.RevokeInvitation(ctx, admin.ID, 9999); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("revoke unknown: err = %v, want ErrNotFound", err)
	}

	// A used invitation cannot be revoked afterwards.
	inv2, token2, err := s.CreateInvitation(ctx, admin.ID, survey.InvitationInput{Email: "v@example.ps", Role: survey.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptInvitation(ctx, token2, "V", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeInvitation(ctx, admin.ID, inv2.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.InvitationByToken(ctx, token2); got.State != survey.InvitationUsed {
		t.Errorf("revoking a used invitation changed its state to %q", got.State)
	}
}

func TestInvitationRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       survey.InvitationInput
		wantInst string
	}{
		{"viewer drops an institution", survey.InvitationInput{Email: "v@example.ps", Role: survey.RoleViewer, InstitutionCode: "MOH"}, ""},
		{"admin", survey.InvitationInput{Email: "a@example.ps", Role: survey.RoleAdmin}, ""},
		{"respondent", survey.InvitationInput{Email: "r@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"}, "MOH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, _ := newAccountsStore(t)
			inv, token, err := s.CreateInvitation(ctx, 0, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if inv.Role != tc.in.Role || inv.InstitutionCode != tc.wantInst || inv.CreatedBy != "" {
				t.Errorf("invitation = %+v, want role %s institution %q, no creator", inv, tc.in.Role, tc.wantInst)
			}
			u, err := s.AcceptInvitation(ctx, token, "Name", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != tc.in.Role || u.InstitutionCode != tc.wantInst {
				t.Errorf("user = %+v, want role %s institution %q", u, tc.in.Role, tc.wantInst)
			}
		})
	}
}

func TestInvitationInstitutionDeactivatedBeforeAccept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	_, token, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: "r@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetInstitutionActive(ctx, 0, "MOH", false); err != nil {
		t.Fatal(err)
	}
	_, err = s.AcceptInvitation(ctx, token, "R", "correct horse battery")
	wantFieldErrors(t, err, map[string]string{"institution": "err.institution_unknown"})
	if inv, _ := s.InvitationByToken(ctx, token); inv.State != survey.InvitationPending {
		t.Errorf("state after a failed accept = %q, want pending", inv.State)
	}
}

func TestInvitationEmailTakenAtAccept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	_, token, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: "v@example.ps", Role: survey.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	mustCreateUser(t, s, survey.NewUser{Email: "V@example.ps", Role: survey.RoleViewer})
	_, err = s.AcceptInvitation(ctx, token, "V", "correct horse battery")
	wantFieldErrors(t, err, map[string]string{"email": "err.email_taken"})
}

func TestListInvitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	admin := mustCreateUser(t, s, survey.NewUser{Email: "admin@example.ps", Role: survey.RoleAdmin})
	for _, e := range []string{"one@example.ps", "two@example.ps", "three@example.ps"} {
		if _, _, err := s.CreateInvitation(ctx, admin.ID, survey.InvitationInput{Email: e, Role: survey.RoleViewer}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListInvitations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, inv := range list {
		got = append(got, inv.Email)
		if inv.CreatedBy != admin.Email || inv.State != survey.InvitationPending {
			t.Errorf("%s: created by %q state %q", inv.Email, inv.CreatedBy, inv.State)
		}
	}
	if strings.Join(got, " ") != "three@example.ps two@example.ps one@example.ps" {
		t.Errorf("ListInvitations = %v, want newest first", got)
	}
}

// TestInvitationLanguageCarriesOver: the language an invitation's mail was
// sent in is the new account's language for mail; Arabic by default.
func TestInvitationLanguageCarriesOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newAccountsStore(t)
	for _, c := range []struct{ email, lang, want string }{
		{"en@moh.ps", "en", "en"}, {"ar@moh.ps", "ar", "ar"}, {"none@moh.ps", "", "ar"}, {"odd@moh.ps", "fr", "ar"},
	} {
		_, token, err := s.CreateInvitation(ctx, 0, survey.InvitationInput{Email: c.email, Role: survey.RoleViewer, Lang: c.lang})
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.AcceptInvitation(ctx, token, "Someone", "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		prefs, err := s.MailPrefs(ctx, u.ID)
		if err != nil || prefs.Lang != c.want {
			t.Errorf("invited in %q: the account's mail language is %q (%v), want %q", c.lang, prefs.Lang, err, c.want)
		}
	}
}
