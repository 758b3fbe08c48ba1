package sqlstore

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/demo"
)

// accountsStore has a coordinator, a viewer and a respondent of MOH, each
// with a live session.
func accountsStore(t *testing.T) (s *Store, clock *fakeClock, admin, viewer, moh survey.User, tokens map[int64]string) {
	t.Helper()
	s, clock = newTestStoreWithClock(t)
	mustCreateInstitution(t, s, validInstitution("MOH"))
	admin = mustCreateUser(t, s, survey.NewUser{Email: "admin@example.ps", Role: survey.RoleAdmin})
	viewer = mustCreateUser(t, s, survey.NewUser{Email: "viewer@example.ps", Role: survey.RoleViewer})
	moh = mustCreateUser(t, s, survey.NewUser{Email: "moh@example.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH"})
	tokens = map[int64]string{}
	for _, u := range []survey.User{admin, viewer, moh} {
		token, _, err := s.CreateSession(context.Background(), u.ID, survey.SessionWeb)
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.ID] = token
		// Loaded once, so that a cached copy exists that must not outlive
		// the deactivation.
		if _, err := s.SessionByToken(context.Background(), token); err != nil {
			t.Fatal(err)
		}
	}
	return s, clock, admin, viewer, moh, tokens
}

func lastAuditEvent(t *testing.T, s *Store, entity string) survey.AuditEvent {
	t.Helper()
	log := auditEvents(t, s, entity)
	if len(log) == 0 {
		t.Fatalf("no %s audit event", entity)
	}
	return log[len(log)-1]
}

func TestSetUserActive(t *testing.T) {
	s, _, admin, viewer, _, tokens := accountsStore(t)
	ctx := context.Background()
	coordinator := survey.ActorOf(admin)

	if _, err := s.SetUserActive(ctx, survey.ActorOf(viewer), admin.ID, false); !errors.Is(err, survey.ErrForbidden) {
		t.Errorf("a viewer deactivating: %v, want ErrForbidden", err)
	}
	u, err := s.SetUserActive(ctx, coordinator, viewer.ID, false)
	if err != nil || u.Active {
		t.Fatalf("deactivate: %+v, %v", u, err)
	}
	// The session ends at once (its cached copy too), and sign-in is refused.
	if _, err := s.SessionByToken(ctx, tokens[viewer.ID]); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("session of a deactivated account: %v, want ErrNotFound", err)
	}
	if n := countRows(t, s, "sessions WHERE user_id = "+strconv.Itoa(int(viewer.ID))); n != 0 {
		t.Errorf("%d sessions of the deactivated account left", n)
	}
	if _, err := s.Authenticate(ctx, viewer.Email, "correct horse battery"); !errors.Is(err, survey.ErrAccountDisabled) {
		t.Errorf("signing in deactivated: %v, want ErrAccountDisabled", err)
	}
	if e := lastAuditEvent(t, s, "user"); e.Action != "deactivate" || e.EntityKey != viewer.Email {
		t.Errorf("audit: %+v", e)
	}
	// The coordinator's own session is untouched.
	if _, err := s.SessionByToken(ctx, tokens[admin.ID]); err != nil {
		t.Errorf("coordinator's session: %v", err)
	}
	// Again: nothing changes, nothing is recorded.
	before := len(auditEvents(t, s, "user"))
	if _, err := s.SetUserActive(ctx, coordinator, viewer.ID, false); err != nil || len(auditEvents(t, s, "user")) != before {
		t.Errorf("deactivating twice: %v, %d events", err, len(auditEvents(t, s, "user"))-before)
	}

	if u, err = s.SetUserActive(ctx, coordinator, viewer.ID, true); err != nil || !u.Active {
		t.Fatalf("reactivate: %+v, %v", u, err)
	}
	if _, err := s.Authenticate(ctx, viewer.Email, "correct horse battery"); err != nil {
		t.Errorf("signing in after reactivation: %v", err)
	}
	if e := lastAuditEvent(t, s, "user"); e.Action != "activate" || e.EntityKey != viewer.Email {
		t.Errorf("audit: %+v", e)
	}

	if _, err := s.SetUserActive(ctx, coordinator, 9999, false); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("unknown account: %v, want ErrNotFound", err)
	}
}

func TestLastCoordinatorStays(t *testing.T) {
	s, _, admin, _, _, tokens := accountsStore(t)
	ctx := context.Background()
	if _, err := s.SetUserActive(ctx, survey.ActorOf(admin), admin.ID, false); !errors.Is(err, survey.ErrLastAdmin) {
		t.Fatalf("deactivating the only coordinator: %v, want ErrLastAdmin", err)
	}
	if _, err := s.SessionByToken(ctx, tokens[admin.ID]); err != nil {
		t.Errorf("a refused deactivation ended the session: %v", err)
	}
	// With a second coordinator, either may go, but not both.
	second := mustCreateUser(t, s, survey.NewUser{Email: "second@example.ps", Role: survey.RoleAdmin})
	if _, err := s.SetUserActive(ctx, survey.ActorOf(admin), second.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUserActive(ctx, survey.ActorOf(admin), admin.ID, false); !errors.Is(err, survey.ErrLastAdmin) {
		t.Errorf("deactivating the last active coordinator: %v, want ErrLastAdmin", err)
	}
	if ok, _ := s.HasAdmin(ctx); !ok {
		t.Error("no active coordinator left")
	}
}

func TestInstitutionDeactivationEndsAccess(t *testing.T) {
	s, clock, admin, viewer, moh, tokens := accountsStore(t)
	ctx := context.Background()
	reset, err := s.CreatePasswordReset(ctx, survey.ActorOf(admin), moh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetInstitutionActive(ctx, admin.ID, "MOH", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, tokens[moh.ID]); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("session of a respondent of a deactivated institution: %v, want ErrNotFound", err)
	}
	if _, err := s.SessionByToken(ctx, tokens[viewer.ID]); err != nil {
		t.Errorf("a viewer's session ended too: %v", err)
	}
	_, err = s.Authenticate(ctx, moh.Email, "correct horse battery")
	if !errors.Is(err, survey.ErrInstitutionInactive) || !errors.Is(err, survey.ErrAccountDisabled) {
		t.Errorf("signing in: %v, want ErrInstitutionInactive (an ErrAccountDisabled)", err)
	}
	if _, err := s.ResetEmail(ctx, reset); !errors.Is(err, survey.ErrResetInvalid) {
		t.Errorf("a reset link made before still works: %v", err)
	}
	if e := lastAuditEvent(t, s, "institution"); e.Action != "deactivate" || e.EntityKey != "MOH" {
		t.Errorf("audit: %+v", e)
	}
	// The account itself is untouched: reactivating the institution
	// restores it.
	if u, _ := s.User(ctx, moh.ID); !u.Active {
		t.Error("the account was deactivated with its institution")
	}
	if err := s.SetInstitutionActive(ctx, admin.ID, "MOH", true); err != nil {
		t.Fatal(err)
	}
	token := ""
	if u, err := s.Authenticate(ctx, moh.Email, "correct horse battery"); err != nil {
		t.Fatalf("signing in after reactivation: %v", err)
	} else if token, _, err = s.CreateSession(ctx, u.ID, survey.SessionWeb); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, token); err != nil {
		t.Fatal(err)
	}

	// Deactivated by another process (SQL, no sessions deleted): a session
	// is refused as soon as its cached copy expires.
	if _, err := s.w.ExecContext(ctx, "UPDATE institutions SET active = 0 WHERE code = 'MOH'"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(sessionCacheTTL + time.Millisecond)
	if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("session after the institution was deactivated elsewhere: %v, want ErrNotFound", err)
	}
}

// TestChangesFollowTheRoundComparedWith: a ranking's changes are those
// against the round asked for, or none, however the rankings were asked
// for before (one is never served for the other from the cache).
func TestChangesFollowTheRoundComparedWith(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := demo.SeedData(ctx, s, demoData); err != nil {
		t.Fatal(err)
	}
	rounds, _ := s.ListRounds(ctx)
	byName := map[string]survey.Round{}
	for _, r := range rounds {
		byName[r.Name] = r
	}
	r24, r25 := byName["2024"], byName["2025"]
	old, _ := s.Scores(ctx, r24.ID, survey.ScoreSelf)
	was := map[string]float64{}
	for _, x := range old {
		was[x.Code] = x.Index
	}
	for i := 0; i < 2; i++ { // the second time from the cache
		with, err := s.ScoresSince(ctx, r25.ID, survey.ScoreSelf, r24.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range with {
			if p, ok := was[x.Code]; ok {
				n++
				if x.DeltaIndex == nil || x.DeltaRank == nil || *x.DeltaIndex-(x.Index-p) > 1e-9 || (x.Index-p)-*x.DeltaIndex > 1e-9 {
					t.Fatalf("%s: Δ %v, want %v", x.Code, x.DeltaIndex, x.Index-p)
				}
			} else if x.DeltaIndex != nil {
				t.Errorf("%s was not in 2024 yet has Δ %v", x.Code, *x.DeltaIndex)
			}
		}
		if n == 0 {
			t.Fatal("no institution in both rounds")
		}
		without, err := s.Scores(ctx, r25.ID, survey.ScoreSelf)
		if err != nil {
			t.Fatal(err)
		}
		err = s.ReadRanking(ctx, r25.ID, survey.ScoreSelf, func(rk *survey.Ranking) error {
			without = append(without, rk.List...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range without {
			if x.DeltaIndex != nil || x.DeltaRank != nil {
				t.Fatalf("%s: a ranking read without a round to compare with has changes", x.Code)
			}
		}
	}
}
