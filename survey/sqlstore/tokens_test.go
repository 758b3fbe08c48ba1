package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

// TestAccessTokenLifetime follows a personal access token from its making
// to its end by expiry, revocation and its owner's deactivation, with the
// store's clock, and checks that only its hash is kept.
func TestAccessTokenLifetime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, u := newSessionStore(t, Options{})
	a := survey.ActorOf(u)

	token, tok, err := s.CreateAccessToken(ctx, a, survey.AccessTokenInput{Name: " report script ", Scope: survey.ScopeRead, Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, survey.TokenPrefix) || len(token) != len(survey.TokenPrefix)+43 || tok.Name != "report script" ||
		!tok.ExpiresAt.Equal(clock.Now().AddDate(0, 0, 30)) || !strings.HasPrefix(token, strings.TrimSuffix(tok.Hint, "…")) {
		t.Fatalf("token %q, %+v", token, tok)
	}
	var stored int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM access_tokens WHERE token_hash = ? OR hint = ? OR name = ?", token, token, token).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the secret is stored as such (%d rows, %v)", stored, err)
	}

	sess, err := s.SessionByToken(ctx, token)
	if err != nil || sess.User.ID != u.ID || sess.Kind != survey.SessionToken || !sess.ReadOnly || sess.TokenID != tok.ID {
		t.Fatalf("session of the token: %+v, %v", sess, err)
	}
	list, err := s.AccessTokens(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].LastUsed.IsZero() {
		t.Fatalf("list after use: %+v, %v (want last used set)", list, err)
	}

	// Expiry: the last second works, the next does not.
	clock.Advance(30*24*time.Hour - time.Second)
	if _, err := s.SessionByToken(ctx, token); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	clock.Advance(2 * time.Second)
	if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("after expiry: %v, want not found", err)
	}

	// Revocation takes effect at once, cache or not.
	w, wt, err := s.CreateAccessToken(ctx, a, survey.AccessTokenInput{Name: "sync", Scope: survey.ScopeWrite, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	if sess, err := s.SessionByToken(ctx, w); err != nil || sess.ReadOnly {
		t.Fatalf("write token: %+v, %v", sess, err)
	}
	other := mustCreateUser(t, s, survey.NewUser{Email: "other@example.ps", Role: survey.RoleViewer})
	if err := s.RevokeAccessToken(ctx, survey.ActorOf(other), wt.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("someone else revokes: %v, want not found", err)
	}
	if err := s.RevokeAccessToken(ctx, a, wt.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, w); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("after revocation: %v, want not found", err)
	}
	if err := s.RevokeAccessToken(ctx, a, wt.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	list, _ = s.AccessTokens(ctx, u.ID)
	if len(list) != 2 || list[0].State(clock.Now()) != "revoked" || list[1].State(clock.Now()) != "expired" {
		t.Fatalf("states: %+v", list)
	}

	// Deactivating the owner ends their tokens.
	d, _, err := s.CreateAccessToken(ctx, a, survey.AccessTokenInput{Name: "d", Scope: survey.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUserActive(ctx, survey.Actor{ID: 0, Role: survey.RoleAdmin}, u.ID, false); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * sessionCacheTTL)
	if _, err := s.SessionByToken(ctx, d); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("owner deactivated: %v, want not found", err)
	}

	// Both kinds of event are in the audit log.
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM audit_events WHERE entity = 'access_token' AND action IN ('create', 'revoke')").Scan(&n); err != nil || n != 4 {
		t.Fatalf("audit events: %d, %v (want 3 creations and 1 revocation)", n, err)
	}
}

// TestAccessTokenLimits: bad input is refused whole, and a person has at
// most MaxTokensPerUser live tokens.
func TestAccessTokenLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := newSessionStore(t, Options{})
	a := survey.ActorOf(u)
	for _, in := range []survey.AccessTokenInput{
		{Name: "", Scope: survey.ScopeRead},
		{Name: strings.Repeat("n", survey.MaxTokenNameLen+1), Scope: survey.ScopeRead},
		{Name: "x", Scope: "admin"},
		{Name: "x", Scope: survey.ScopeRead, Days: survey.MaxTokenLifeDays + 1},
		{Name: "x", Scope: survey.ScopeRead, Days: -1},
	} {
		var ve *survey.ValidationError
		if _, _, err := s.CreateAccessToken(ctx, a, in); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want a validation error", in, err)
		}
	}
	for i := range survey.MaxTokensPerUser {
		if _, _, err := s.CreateAccessToken(ctx, a, survey.AccessTokenInput{Name: "t", Scope: survey.ScopeRead}); err != nil {
			t.Fatalf("token %d: %v", i+1, err)
		}
	}
	if _, _, err := s.CreateAccessToken(ctx, a, survey.AccessTokenInput{Name: "one too many", Scope: survey.ScopeRead}); !errors.Is(err, survey.ErrTooManyTokens) {
		t.Fatalf("token %d: %v, want ErrTooManyTokens", survey.MaxTokensPerUser+1, err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM access_tokens").Scan(&n); err != nil || n != survey.MaxTokensPerUser {
		t.Fatalf("%d rows, %v", n, err)
	}
}
