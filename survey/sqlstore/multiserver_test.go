package sqlstore

// Several servers on one PostgreSQL database (postgres.go): two stores on
// the same database stand for two `marsad serve` processes. What must hold
// across them lives in the database: migrations applied once, sessions,
// sign-in throttling, version checks.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/sqlstore/pgtest"

	"golang.org/x/time/rate"
)

// twoServers opens two stores on one new PostgreSQL database, with one
// clock, both answering throttled sign-ins at once.
func twoServers(t *testing.T) (a, b *Store, clock *fakeClock) {
	t.Helper()
	db := pgtest.NewDatabase(t, "")
	clock = newFakeClock()
	a = openTestStore(t, db, Options{Now: clock.Now})
	b = openTestStore(t, db, Options{Now: clock.Now})
	for _, s := range []*Store{a, b} {
		s.signin.init()
		s.signin.hold = 0
		s.signin.pace = rate.NewLimiter(rate.Inf, 0)
	}
	return a, b, clock
}

// TestMigrateTogether starts three servers at once on an empty database:
// the advisory lock lets one apply the migrations and the others find them.
func TestMigrateTogether(t *testing.T) {
	db := pgtest.NewDatabase(t, "")
	var wg sync.WaitGroup
	errs := make([]error, 3)
	stores := make([]*Store, 3)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), db, Options{}) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
		defer s.Close()
	}
	ms, err := loadMigrations("migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := stores[0].r.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations holds %d rows after three servers started together, want %d", n, len(ms))
	}
	for i, s := range stores {
		if v, err := s.SchemaVersion(context.Background()); err != nil || v != ms[len(ms)-1].version {
			t.Errorf("server %d: schema version %d %v, want %d", i, v, err, ms[len(ms)-1].version)
		}
	}
}

// TestSessionsAcrossServers: a session made on one server works on the
// other, and signing out or deactivating on one ends it on the other at
// once (no cached copy outlives the change).
func TestSessionsAcrossServers(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoServers(t)
	u := mustCreateUser(t, a, survey.NewUser{Email: "coordinator@example.ps", Role: survey.RoleAdmin, Password: "correct horse battery"})
	other := mustCreateUser(t, a, survey.NewUser{Email: "viewer@example.ps", Role: survey.RoleViewer, Password: "correct horse battery"})

	token, _, err := a.CreateSession(ctx, u.ID, "web")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Store{"a": a, "b": b} {
		if _, err := s.SessionByToken(ctx, token); err != nil {
			t.Fatalf("server %s: session made on a: %v", name, err)
		}
	}
	if err := b.DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("server a right after signing out on b: %v, want ErrNotFound", err)
	}

	token, _, err = a.CreateSession(ctx, other.ID, "web")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionByToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetUserActive(ctx, survey.Actor{ID: u.ID, Role: survey.RoleAdmin}, other.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("server a right after b deactivated the account: %v, want ErrNotFound", err)
	}
}

// TestSignInThrottleAcrossServers: an account's failures count on every
// server. After acctBurst failures on server a from several addresses, the
// account is under attack on server b too: an address that has just failed
// there is refused at once instead of getting the rest of its own burst.
func TestSignInThrottleAcrossServers(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoServers(t)
	mustCreateUser(t, a, survey.NewUser{Email: ownerEmail, Role: survey.RoleAdmin, Password: ownerPW})
	// Server b knows the account first: one failure there.
	if _, err := b.SignIn(ctx, attacker(100), ownerEmail, wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatalf("a clean address on b: %v, want its password checked", err)
	}
	for i := range acctBurst {
		if _, err := a.SignIn(ctx, attacker(i), ownerEmail, wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
			t.Fatalf("failure %d on a: %v, want ErrBadCredentials", i+1, err)
		}
	}
	// Alone, server b would still count one failure and let the address
	// use the rest of its burst.
	_, err := b.SignIn(ctx, attacker(100), ownerEmail, wrongPW)
	wantThrottled(t, err, "the same address again on b, the account dry on a")
	// And the right password from a clean address still gets in, on either.
	if _, err := b.SignIn(ctx, attacker(101), ownerEmail, ownerPW); err != nil {
		t.Errorf("the owner from a clean address on b: %v", err)
	}
}

// TestVersionChecksAcrossServers: a save based on a version another server
// replaced is refused, as on one server, and each server reads the other's
// write at once.
func TestVersionChecksAcrossServers(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoServers(t)
	admin := mustCreateUser(t, a, survey.NewUser{Email: "coordinator@example.ps", Role: survey.RoleAdmin, Password: "correct horse battery"})
	mustCreateInstitution(t, a, validInstitution("MOH"))
	actor := survey.Actor{ID: admin.ID, Role: survey.RoleAdmin}
	sv, err := a.CreateService(ctx, actor, frozenServiceInput("MOH", "S1"))
	if err != nil {
		t.Fatal(err)
	}
	in := frozenServiceInput("MOH", "S1")
	in.NameEn, in.Version = "Renamed on b", sv.Version
	if _, err := b.UpdateService(ctx, actor, sv.ID, in); err != nil {
		t.Fatalf("update on b: %v", err)
	}
	in.NameEn = "Renamed on a from the old version"
	if _, err := a.UpdateService(ctx, actor, sv.ID, in); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("update on a with the version b replaced: %v, want ErrConflict", err)
	}
	got, err := a.Service(ctx, sv.ID)
	if err != nil || got.NameEn != "Renamed on b" {
		t.Errorf("server a reads %q %v, want b's name", got.NameEn, err)
	}
}

// TestCheckRunOnceAcrossServers: while one server's check run holds its
// lease, another cannot start one; the lease ends when the run finishes, or
// after CheckRunLease if its server died without finishing it.
func TestCheckRunOnceAcrossServers(t *testing.T) {
	ctx := context.Background()
	a, b, clock := twoServers(t)
	id, err := a.StartCheckRun(ctx, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartCheckRun(ctx, 0, false); !errors.Is(err, survey.ErrCheckRunning) {
		t.Fatalf("b starting a run during a's: %v, want ErrCheckRunning", err)
	}
	if err := a.FinishCheckRun(ctx, id, 10, 9, false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartCheckRun(ctx, 0, false); err != nil {
		t.Fatalf("b starting a run after a's finished: %v", err)
	}
	// b dies with its run unfinished: the lease runs out.
	if _, err := a.StartCheckRun(ctx, 0, false); !errors.Is(err, survey.ErrCheckRunning) {
		t.Fatalf("a starting a run during b's: %v, want ErrCheckRunning", err)
	}
	clock.Advance(CheckRunLease + time.Second)
	if _, err := a.StartCheckRun(ctx, 0, false); err != nil {
		t.Errorf("a starting a run after the lease of b's unfinished run: %v", err)
	}
}
