package storetest

import (
	"errors"
	"slices"
	"testing"

	"marsad/survey"
)

// testAccounts: first-run setup, invitations, sign-in, sessions,
// deactivation and password resets; each part on a store of its own.
func testAccounts(t *testing.T, open func(t *testing.T) Store) {
	t.Run("first-run setup", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		if has, err := s.HasAdmin(ctx); err != nil || has {
			t.Fatalf("HasAdmin of a fresh store = %v, %v", has, err)
		}
		first := must(s.NewSetupToken(ctx))(t, "NewSetupToken")
		token := must(s.NewSetupToken(ctx))(t, "NewSetupToken again")
		if s.ValidSetupToken(ctx, first) || !s.ValidSetupToken(ctx, token) || s.ValidSetupToken(ctx, "") || s.ValidSetupToken(ctx, "nope") {
			t.Error("only the latest setup token may be valid")
		}
		n := survey.NewUser{Email: "First@Example.PS", Name: "المنسق الأول", Password: password, Role: survey.RoleViewer, InstitutionCode: "X"}
		_, err := s.CompleteSetup(ctx, first, n)
		wantIs(t, "setup with a replaced token", err, survey.ErrNotFound)
		weak := n
		weak.Password = "short"
		_, err = s.CompleteSetup(ctx, token, weak)
		wantField(t, "setup with a short password", err, "password", "")
		if has, _ := s.HasAdmin(ctx); has || !s.ValidSetupToken(ctx, token) {
			t.Fatalf("a refused setup spent the token or made an admin (admin %v)", has)
		}
		admin := must(s.CompleteSetup(ctx, token, n))(t, "CompleteSetup")
		// Setup makes the first coordinator, whatever the form said.
		if admin.ID == 0 || admin.Role != survey.RoleAdmin || admin.InstitutionCode != "" || admin.Email != "first@example.ps" || !admin.Active {
			t.Errorf("first account %+v", admin)
		}
		if has, _ := s.HasAdmin(ctx); !has || s.ValidSetupToken(ctx, token) {
			t.Errorf("after setup: admin %v, token still valid %v", has, s.ValidSetupToken(ctx, token))
		}
		_, err = s.CompleteSetup(ctx, token, survey.NewUser{Email: "second@example.ps", Password: password})
		wantIs(t, "setup twice", err, survey.ErrNotFound)
		_, err = s.NewSetupToken(ctx)
		wantIs(t, "setup token with an admin", err, survey.ErrSetupDone)
		if got, err := s.User(ctx, admin.ID); err != nil || got.Email != admin.Email || got.Role != survey.RoleAdmin {
			t.Errorf("User = %+v, %v", got, err)
		}
		_, err = s.User(ctx, unknownID)
		wantIs(t, "User(unknown)", err, survey.ErrNotFound)
		if u, err := s.SignIn(ctx, "192.0.2.1", "first@example.ps", password); err != nil || u.ID != admin.ID {
			t.Errorf("sign-in of the first coordinator: %+v, %v", u, err)
		}
	})

	t.Run("invitations", func(t *testing.T) {
		t.Parallel()
		f := setup(t, open)
		s, ctx := f.s, f.ctx
		f.institution("MOH", "health")
		for name, c := range map[string]struct {
			in         survey.InvitationInput
			field, key string
		}{
			"bad address":           {survey.InvitationInput{Email: "nurse@", Role: survey.RoleViewer}, "email", "err.email"},
			"unknown role":          {survey.InvitationInput{Email: "x@example.ps", Role: "king"}, "role", ""},
			"respondent of nothing": {survey.InvitationInput{Email: "x@example.ps", Role: survey.RoleRespondent}, "institution", "err.institution_required"},
			"unknown institution":   {survey.InvitationInput{Email: "x@example.ps", Role: survey.RoleRespondent, InstitutionCode: "NOPE"}, "institution", "err.institution_unknown"},
			"address of an account": {survey.InvitationInput{Email: "Coordinator@example.ps", Role: survey.RoleViewer}, "email", "err.email_taken"},
		} {
			_, _, err := s.CreateInvitation(ctx, f.admin.ID, c.in)
			wantField(t, name, err, c.field, c.key)
		}
		if list, _ := s.ListInvitations(ctx); len(list) != 0 {
			t.Errorf("refused invitations stored: %+v", list)
		}

		inv, token, err := s.CreateInvitation(ctx, f.admin.ID, survey.InvitationInput{Email: " Nurse@Example.PS ", Role: survey.RoleRespondent, InstitutionCode: "moh"})
		if err != nil {
			t.Fatal(err)
		}
		if token == "" || inv.ID == 0 || inv.Email != "nurse@example.ps" || inv.Role != survey.RoleRespondent || inv.InstitutionCode != "MOH" ||
			inv.State != survey.InvitationPending || inv.CreatedBy != "coordinator@example.ps" || inv.ExpiresAt.Sub(inv.CreatedAt) != survey.InvitationTTL {
			t.Errorf("invitation %+v", inv)
		}
		if got, err := s.InvitationByToken(ctx, token); err != nil || got.ID != inv.ID || got.State != survey.InvitationPending {
			t.Errorf("InvitationByToken = %+v, %v", got, err)
		}
		_, err = s.InvitationByToken(ctx, "nope")
		wantIs(t, "InvitationByToken(unknown)", err, survey.ErrNotFound)

		_, err = s.AcceptInvitation(ctx, token, "ممرضة", "short")
		wantField(t, "a short password", err, "password", "")
		_, err = s.AcceptInvitation(ctx, token, "ممرضة", "nurse@example.ps")
		wantField(t, "the address as password", err, "password", "")
		_, err = s.AcceptInvitation(ctx, token, "", password)
		wantField(t, "no name", err, "name", "")
		if got, _ := s.InvitationByToken(ctx, token); got.State != survey.InvitationPending {
			t.Fatalf("a refused acceptance left the invitation %s", got.State)
		}
		nurse := must(s.AcceptInvitation(ctx, token, "ممرضة", password))(t, "AcceptInvitation")
		if nurse.ID == 0 || nurse.Email != "nurse@example.ps" || nurse.Role != survey.RoleRespondent || nurse.InstitutionCode != "MOH" ||
			nurse.Name != "ممرضة" || !nurse.Active {
			t.Errorf("invited account %+v", nurse)
		}
		if got, _ := s.InvitationByToken(ctx, token); got.State != survey.InvitationUsed {
			t.Errorf("used invitation is %s", got.State)
		}
		_, err = s.AcceptInvitation(ctx, token, "أخرى", password)
		wantIs(t, "accepting twice", err, survey.ErrInvitationUsed)
		_, err = s.AcceptInvitation(ctx, "nope", "أخرى", password)
		wantIs(t, "accepting an unknown link", err, survey.ErrNotFound)

		viewerInv, viewerToken, err := s.CreateInvitation(ctx, f.admin.ID, survey.InvitationInput{Email: "minister@example.ps", Role: survey.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		ok(t, "RevokeInvitation", s.RevokeInvitation(ctx, f.admin.ID, viewerInv.ID))
		_, err = s.AcceptInvitation(ctx, viewerToken, "الوزير", password)
		wantIs(t, "accepting a revoked invitation", err, survey.ErrInvitationVoid)
		ok(t, "revoking a used invitation", s.RevokeInvitation(ctx, f.admin.ID, inv.ID))
		if got, _ := s.InvitationByToken(ctx, token); got.State != survey.InvitationUsed {
			t.Errorf("revoking a used invitation made it %s", got.State)
		}
		wantIs(t, "RevokeInvitation(unknown)", s.RevokeInvitation(ctx, f.admin.ID, unknownID), survey.ErrNotFound)
		list := must(s.ListInvitations(ctx))(t, "ListInvitations")
		if len(list) != 2 || list[0].ID != viewerInv.ID || list[0].State != survey.InvitationRevoked || list[1].State != survey.InvitationUsed {
			t.Errorf("ListInvitations = %+v; want the revoked one, then the used one", list)
		}
		users := must(s.ListUsers(ctx))(t, "ListUsers")
		if len(users) != 2 || users[0].ID != f.admin.ID || users[1].ID != nurse.ID {
			t.Errorf("ListUsers = %+v; want the coordinator first, then the respondent", users)
		}
		_, _, err = s.CreateInvitation(ctx, f.admin.ID, survey.InvitationInput{Email: "nurse@example.ps", Role: survey.RoleViewer})
		wantField(t, "inviting an account's address", err, "email", "err.email_taken")
	})

	t.Run("sign-in and deactivation", func(t *testing.T) {
		t.Parallel()
		f := setup(t, open)
		s, ctx := f.s, f.ctx
		f.institution("MOH", "health")
		moh := f.respondent("MOH")
		viewer := f.invite("viewer@example.ps", survey.RoleViewer, "")

		if u, err := s.SignIn(ctx, "192.0.2.1", "Coordinator@Example.ps ", password); err != nil || u.ID != f.admin.ID || u.Role != survey.RoleAdmin {
			t.Errorf("sign-in with the address as typed: %+v, %v", u, err)
		}
		_, err := s.SignIn(ctx, "192.0.2.2", "coordinator@example.ps", password+"x")
		wantIs(t, "wrong password", err, survey.ErrBadCredentials)
		_, err = s.SignIn(ctx, "192.0.2.3", "nobody@example.ps", password)
		wantIs(t, "unknown address", err, survey.ErrBadCredentials)

		_, err = s.SetUserActive(ctx, moh, viewer.ID, false)
		wantIs(t, "a respondent deactivating", err, survey.ErrForbidden)
		_, err = s.SetUserActive(ctx, f.coord, unknownID, false)
		wantIs(t, "deactivating an unknown account", err, survey.ErrNotFound)
		_, err = s.SetUserActive(ctx, f.coord, f.admin.ID, false)
		wantIs(t, "deactivating the last coordinator", err, survey.ErrLastAdmin)
		if has, _ := s.HasAdmin(ctx); !has {
			t.Fatal("the last coordinator was deactivated")
		}
		off := must(s.SetUserActive(ctx, f.coord, viewer.ID, false))(t, "SetUserActive")
		if off.Active || off.ID != viewer.ID {
			t.Errorf("deactivated %+v", off)
		}
		if same := must(s.SetUserActive(ctx, f.coord, viewer.ID, false))(t, "SetUserActive again"); same.Active {
			t.Errorf("deactivating twice: %+v", same)
		}
		_, err = s.SignIn(ctx, "192.0.2.4", "viewer@example.ps", password)
		wantIs(t, "a deactivated account", err, survey.ErrAccountDisabled)
		// A wrong password says nothing about the account's state.
		_, err = s.SignIn(ctx, "192.0.2.5", "viewer@example.ps", "wrong-passphrase-here")
		if !errors.Is(err, survey.ErrBadCredentials) || errors.Is(err, survey.ErrAccountDisabled) {
			t.Errorf("wrong password of a deactivated account: %v, want only ErrBadCredentials", err)
		}
		must(s.SetUserActive(ctx, f.coord, viewer.ID, true))(t, "reactivate")
		if u, err := s.SignIn(ctx, "192.0.2.4", "viewer@example.ps", password); err != nil || u.ID != viewer.ID {
			t.Errorf("sign-in after reactivation: %+v, %v", u, err)
		}

		// A respondent of a deactivated institution acts for nobody.
		ok(t, "deactivate MOH", s.SetInstitutionActive(ctx, f.admin.ID, "MOH", false))
		_, err = s.SignIn(ctx, "192.0.2.6", "moh@example.ps", password)
		wantIs(t, "respondent of a deactivated institution", err, survey.ErrAccountDisabled)
		if u, _ := s.User(ctx, moh.ID); !u.Active {
			t.Error("deactivating the institution deactivated the account itself")
		}
		ok(t, "reactivate MOH", s.SetInstitutionActive(ctx, f.admin.ID, "MOH", true))
		if _, err := s.SignIn(ctx, "192.0.2.6", "moh@example.ps", password); err != nil {
			t.Errorf("respondent after the institution's reactivation: %v", err)
		}

		// With a second coordinator the first may be deactivated.
		second := f.invite("deputy@example.ps", survey.RoleAdmin, "")
		must(s.SetUserActive(ctx, f.coord, f.admin.ID, false))(t, "deactivate the first coordinator")
		if has, _ := s.HasAdmin(ctx); !has {
			t.Error("HasAdmin false with the deputy active")
		}
		_, err = s.SetUserActive(ctx, survey.ActorOf(second), second.ID, false)
		wantIs(t, "the deputy, now the last, deactivating themself", err, survey.ErrLastAdmin)
	})

	t.Run("sessions", func(t *testing.T) {
		t.Parallel()
		f := setup(t, open)
		s, ctx := f.s, f.ctx
		f.institution("MOH", "health")
		moh := f.respondent("MOH")

		token, sess, err := s.CreateSession(ctx, moh.ID, survey.SessionWeb)
		if err != nil {
			t.Fatal(err)
		}
		if token == "" || sess.User.ID != moh.ID || sess.Kind != survey.SessionWeb || sess.CSRFToken == "" || sess.ExpiresAt.IsZero() {
			t.Errorf("new session %+v", sess)
		}
		got, err := s.SessionByToken(ctx, token)
		if err != nil || got.User.ID != moh.ID || got.User.Email != "moh@example.ps" || got.User.Role != survey.RoleRespondent ||
			got.User.InstitutionCode != "MOH" || !got.User.Active || got.Kind != survey.SessionWeb || got.CSRFToken != sess.CSRFToken {
			t.Errorf("SessionByToken = %+v, %v; want %+v", got, err, sess)
		}
		apiToken, api, err := s.CreateSession(ctx, moh.ID, survey.SessionAPI)
		if err != nil || apiToken == token || api.CSRFToken == sess.CSRFToken || api.Kind != survey.SessionAPI {
			t.Errorf("second session %+v (token reused %v), %v", api, apiToken == token, err)
		}
		for _, bad := range []string{"", "nope", token + "x"} {
			_, err := s.SessionByToken(ctx, bad)
			wantIs(t, "SessionByToken("+bad+")", err, survey.ErrNotFound)
		}

		ok(t, "DeleteSession", s.DeleteSession(ctx, token))
		_, err = s.SessionByToken(ctx, token)
		wantIs(t, "a session after sign-out", err, survey.ErrNotFound)
		if _, err := s.SessionByToken(ctx, apiToken); err != nil {
			t.Errorf("signing out of one session ended the other: %v", err)
		}
		ok(t, "DeleteSession of an unknown session", s.DeleteSession(ctx, "nope"))

		// Deactivation ends the sessions at once, for good.
		must(s.SetUserActive(ctx, f.coord, moh.ID, false))(t, "deactivate")
		_, err = s.SessionByToken(ctx, apiToken)
		wantIs(t, "session of a deactivated account", err, survey.ErrNotFound)
		must(s.SetUserActive(ctx, f.coord, moh.ID, true))(t, "reactivate")
		_, err = s.SessionByToken(ctx, apiToken)
		wantIs(t, "session of an account deactivated then reactivated", err, survey.ErrNotFound)

		// So does deactivating the institution, for its respondents only.
		token, _, _ = s.CreateSession(ctx, moh.ID, survey.SessionWeb)
		adminToken, _, _ := s.CreateSession(ctx, f.admin.ID, survey.SessionWeb)
		ok(t, "deactivate MOH", s.SetInstitutionActive(ctx, f.admin.ID, "MOH", false))
		_, err = s.SessionByToken(ctx, token)
		wantIs(t, "session of a respondent of a deactivated institution", err, survey.ErrNotFound)
		if _, err := s.SessionByToken(ctx, adminToken); err != nil {
			t.Errorf("deactivating an institution ended the coordinator's session: %v", err)
		}
		ok(t, "reactivate MOH", s.SetInstitutionActive(ctx, f.admin.ID, "MOH", true))
		_, err = s.SessionByToken(ctx, token)
		wantIs(t, "session ended with the institution, after its reactivation", err, survey.ErrNotFound)
	})

	t.Run("password reset", func(t *testing.T) {
		t.Parallel()
		f := setup(t, open)
		s, ctx := f.s, f.ctx
		f.institution("MOH", "health")
		moh := f.respondent("MOH")

		_, err := s.CreatePasswordReset(ctx, moh, moh.ID)
		wantIs(t, "a respondent making a reset link", err, survey.ErrForbidden)
		_, err = s.CreatePasswordReset(ctx, f.coord, unknownID)
		wantIs(t, "a reset link for nobody", err, survey.ErrNotFound)

		token, _, _ := s.CreateSession(ctx, moh.ID, survey.SessionWeb)
		first := must(s.CreatePasswordReset(ctx, f.coord, moh.ID))(t, "CreatePasswordReset")
		_, err = s.SessionByToken(ctx, token)
		wantIs(t, "session after a reset link was made", err, survey.ErrNotFound)
		if email, err := s.ResetEmail(ctx, first); err != nil || email != "moh@example.ps" {
			t.Errorf("ResetEmail = %q, %v", email, err)
		}
		_, err = s.ResetEmail(ctx, "nope")
		wantIs(t, "ResetEmail(unknown)", err, survey.ErrResetInvalid)
		link := must(s.CreatePasswordReset(ctx, f.coord, moh.ID))(t, "CreatePasswordReset again")
		_, err = s.ResetEmail(ctx, first)
		wantIs(t, "an earlier link after a new one", err, survey.ErrResetInvalid)

		wantField(t, "a short new password", s.UsePasswordReset(ctx, link, "short"), "password", "")
		wantField(t, "the address as new password", s.UsePasswordReset(ctx, link, "moh@example.ps"), "password", "")
		if _, err := s.ResetEmail(ctx, link); err != nil {
			t.Fatalf("a refused new password spent the link: %v", err)
		}
		token, _, _ = s.CreateSession(ctx, moh.ID, survey.SessionWeb)
		const newPassword = "another-contract-passphrase"
		ok(t, "UsePasswordReset", s.UsePasswordReset(ctx, link, newPassword))
		_, err = s.SessionByToken(ctx, token)
		wantIs(t, "session after the password changed", err, survey.ErrNotFound)
		_, err = s.SignIn(ctx, "192.0.2.10", "moh@example.ps", password)
		wantIs(t, "the old password", err, survey.ErrBadCredentials)
		if u, err := s.SignIn(ctx, "192.0.2.11", "moh@example.ps", newPassword); err != nil || u.ID != moh.ID {
			t.Errorf("the new password: %+v, %v", u, err)
		}
		wantIs(t, "a link used twice", s.UsePasswordReset(ctx, link, "yet-another-passphrase"), survey.ErrResetInvalid)

		// Deactivating the account spends its unused link.
		link = must(s.CreatePasswordReset(ctx, f.coord, moh.ID))(t, "CreatePasswordReset")
		must(s.SetUserActive(ctx, f.coord, moh.ID, false))(t, "deactivate")
		must(s.SetUserActive(ctx, f.coord, moh.ID, true))(t, "reactivate")
		_, err = s.ResetEmail(ctx, link)
		wantIs(t, "a link of an account deactivated since", err, survey.ErrResetInvalid)
		if actors := must(s.AuditActors(ctx))(t, "AuditActors"); !slices.Equal(actors, []string{"coordinator@example.ps", "moh@example.ps"}) {
			t.Errorf("AuditActors = %v", actors)
		}
	})
}
