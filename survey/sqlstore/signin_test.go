package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"marsad/survey"

	"golang.org/x/time/rate"
)

const (
	ownerEmail = "coordinator@example.ps"
	ownerPW    = "correct horse battery"
	wrongPW    = "wrong horse battery"
	ownerAddr  = "203.0.113.7"
)

// newSignInStore has one account and answers throttled attempts at once.
func newSignInStore(t *testing.T) (*Store, *fakeClock, survey.User) {
	t.Helper()
	s, clock := newTestStoreWithClock(t)
	u := mustCreateUser(t, s, survey.NewUser{Email: ownerEmail, Role: survey.RoleAdmin, Password: ownerPW})
	s.signin.init()
	s.signin.hold = 0
	s.signin.pace = rate.NewLimiter(rate.Inf, 0) // the fake clock does not move it (TestSignInPaced does)
	return s, clock, u
}

func attacker(i int) string { return fmt.Sprintf("198.51.100.%d", i) }

// wantThrottled checks err is a *ThrottledError and returns its wait.
func wantThrottled(t *testing.T, err error, what string) time.Duration {
	t.Helper()
	var te *survey.ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, survey.ErrThrottled) {
		t.Fatalf("%s: err = %v, want throttled", what, err)
	}
	if te.RetryAfter <= 0 {
		t.Fatalf("%s: RetryAfter = %v, want > 0", what, te.RetryAfter)
	}
	return te.RetryAfter
}

func TestSignInAddressSlowsDownWithGrowingDelays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, _ := newSignInStore(t)
	// Failures on many accounts from one address: it may make addrBurst
	// of them, then waits that double.
	for i := range addrBurst {
		if _, err := s.SignIn(ctx, attacker(1), fmt.Sprintf("guess%d@example.ps", i), wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
			t.Fatalf("failure %d: err = %v, want ErrBadCredentials", i+1, err)
		}
	}
	checks := s.PasswordChecks()
	var waits []time.Duration
	for i := range 4 {
		w := wantThrottled(t, func() error { _, err := s.SignIn(ctx, attacker(1), "x@example.ps", wrongPW); return err }(), "after the burst")
		// The right password from this address is held too: the address, not the account, is throttled.
		_, err := s.SignIn(ctx, attacker(1), ownerEmail, ownerPW)
		wantThrottled(t, err, "right password from a throttled address")
		waits = append(waits, w)
		clock.Advance(w)
		if _, err := s.SignIn(ctx, attacker(1), fmt.Sprintf("more%d@example.ps", i), wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
			t.Fatalf("after waiting %v: err = %v, want a password check", w, err)
		}
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < 2*waits[i-1]-time.Second {
			t.Errorf("waits %v: each should be about twice the one before", waits)
		}
	}
	if n := s.PasswordChecks() - checks; n != 4 {
		t.Errorf("%d password checks while throttled, want 4 (one after each wait)", n)
	}
	// Another address is not slowed down, and the owner gets in.
	if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); err != nil {
		t.Errorf("owner from another address: %v", err)
	}
	// Long enough without failures, the address starts afresh.
	clock.Advance(2 * time.Hour)
	for i := range addrBurst {
		if _, err := s.SignIn(ctx, attacker(1), "x@example.ps", wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
			t.Fatalf("rested, failure %d: err = %v", i+1, err)
		}
	}
}

// TestSignInOwnerGetsInDuringAttack is the lockout that was: guesses on the
// coordinator's account from other addresses must not keep them out.
func TestSignInOwnerGetsInDuringAttack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, u := newSignInStore(t)
	// Many addresses, one guess each: the account comes under attack.
	for i := range 3 * acctBurst {
		_, err := s.SignIn(ctx, attacker(i), ownerEmail, wrongPW)
		if i < acctBurst && !errors.Is(err, survey.ErrBadCredentials) {
			t.Fatalf("guess %d: err = %v", i+1, err)
		}
	}
	// An address that has guessed cannot guess again, even right.
	for i := range acctBurst {
		_, err := s.SignIn(ctx, attacker(i), ownerEmail, ownerPW)
		wantThrottled(t, err, "a guessing address on an account under attack")
	}
	// The owner, from an address with no failures, gets in at once.
	got, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW)
	if err != nil || got.ID != u.ID {
		t.Fatalf("owner during the attack: %+v, %v", got, err)
	}
	if n := countRows(t, s, "login_failures"); n != 0 {
		t.Errorf("login_failures after the owner's sign-in = %d, want 0", n)
	}
	// The attack goes on from the same addresses: the owner still gets in,
	// again and again.
	for round := range 3 {
		for i := range 2 * acctBurst {
			_, _ = s.SignIn(ctx, attacker(i), ownerEmail, wrongPW)
		}
		if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); err != nil {
			t.Fatalf("round %d: owner refused: %v", round+1, err)
		}
		clock.Advance(time.Minute)
	}
}

// TestSignInOwnerTypo: a mistyped password while the account is under
// attack costs the owner a wait, not a lockout.
func TestSignInOwnerTypo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, _ := newSignInStore(t)
	for i := range acctBurst {
		_, _ = s.SignIn(ctx, attacker(i), ownerEmail, wrongPW)
	}
	if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatalf("typo: err = %v", err)
	}
	w := wantThrottled(t, func() error { _, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); return err }(), "right after the typo")
	if w > cleanAfter {
		t.Errorf("wait %v, want at most %v", w, cleanAfter)
	}
	clock.Advance(w)
	if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); err != nil {
		t.Errorf("after %v: %v", w, err)
	}
	// Now ownerAddr is an address the account signed in from: under a new
	// attack, a typo there costs no wait.
	for i := range acctBurst {
		_, _ = s.SignIn(ctx, attacker(50+i), ownerEmail, wrongPW)
	}
	if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatalf("second typo: err = %v", err)
	}
	if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); err != nil {
		t.Errorf("from the owner's usual address after a typo: %v", err)
	}
	// But that address is nobody's owner for another account.
	other := mustCreateUser(t, s, survey.NewUser{Email: "other@example.ps", Role: survey.RoleViewer, Password: ownerPW})
	for i := range acctBurst {
		_, _ = s.SignIn(ctx, attacker(60+i), other.Email, wrongPW)
	}
	if _, err := s.SignIn(ctx, ownerAddr, other.Email, wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatalf("typo on the other account: err = %v", err)
	}
	_, err := s.SignIn(ctx, ownerAddr, other.Email, ownerPW)
	wantThrottled(t, err, "the owner's address on another account under attack, after a typo")
	// A success there (their own account) makes the address clean again.
	if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, ownerAddr, other.Email, ownerPW); err != nil {
		t.Errorf("after a success from the address: %v", err)
	}
}

// TestSignInUnknownAccountsLookTheSame: the same throttling and the same
// password work for an address with no account.
func TestSignInUnknownAccountsLookTheSame(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newSignInStore(t)
	// Each run from its own addresses: acctBurst+2 of them, then a second
	// try from one that has guessed.
	outcomes := func(email string, from int) []string {
		var out []string
		for i := range acctBurst + 2 {
			_, err := s.SignIn(ctx, attacker(from+i), email, wrongPW)
			out = append(out, fmt.Sprint(errors.Is(err, survey.ErrBadCredentials), errors.Is(err, survey.ErrThrottled)))
		}
		_, err := s.SignIn(ctx, attacker(from), email, wrongPW)
		return append(out, fmt.Sprint(errors.Is(err, survey.ErrBadCredentials), errors.Is(err, survey.ErrThrottled)))
	}
	before := s.PasswordChecks()
	known := outcomes(ownerEmail, 100)
	knownChecks := s.PasswordChecks() - before
	before = s.PasswordChecks()
	unknown := outcomes("nobody@example.ps", 150)
	unknownChecks := s.PasswordChecks() - before
	if fmt.Sprint(known) != fmt.Sprint(unknown) {
		t.Errorf("known account %v, unknown %v: want the same answers", known, unknown)
	}
	if knownChecks != unknownChecks || unknownChecks == 0 {
		t.Errorf("password checks: known %d, unknown %d; want equal, not 0", knownChecks, unknownChecks)
	}
}

// TestSignInParallelGuesses: guesses sent at once from one address must not
// all slip in under the limit while the slow password checks run.
func TestSignInParallelGuesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newSignInStore(t)
	const n = 30
	before := s.PasswordChecks()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := s.SignIn(ctx, attacker(1), fmt.Sprintf("p%d@example.ps", i%3), wrongPW)
			if !errors.Is(err, survey.ErrBadCredentials) && !errors.Is(err, survey.ErrThrottled) {
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	wg.Wait()
	if checks := s.PasswordChecks() - before; checks > addrBurst {
		t.Errorf("%d guesses were checked, want at most %d", checks, addrBurst)
	}
}

// TestSignInSlots: checks not from an owner's address take at most half
// the slots (at least one); suspect ones do not queue; an owner's check
// finds a slot while the others are full.
func TestSignInSlots(t *testing.T) {
	t.Parallel()
	g := &signInGuard{}
	g.init()
	ctx := context.Background()
	var releases []func()
	for {
		r, ok := g.acquire(ctx, classSuspect)
		if !ok {
			break
		}
		releases = append(releases, r)
	}
	if want := min(cap(g.others), cap(g.slots)); len(releases) != want {
		t.Errorf("suspect checks got %d slots, want %d", len(releases), want)
	}
	if cap(g.slots) > 1 {
		r, ok := g.acquire(ctx, classOwner)
		if !ok {
			t.Fatal("an owner's check found no slot")
		}
		r()
	}
	for _, r := range releases {
		r()
	}
	if len(g.slots) != 0 || len(g.others) != 0 {
		t.Errorf("slots not given back: %d, %d", len(g.slots), len(g.others))
	}
}

// TestSignInPaced: checks not from an owner's address are paced together,
// GOMAXPROCS a second: past the burst a suspect address is refused at once,
// a clean one waits its turn, and the owner is never paced.
func TestSignInPaced(t *testing.T) {
	t.Parallel()
	g := &signInGuard{cost: 12}
	g.init()
	ctx := context.Background()
	n := runtime.GOMAXPROCS(0) // the burst
	for i := range n {
		r, ok := g.acquire(ctx, classSuspect)
		if !ok {
			t.Fatalf("check %d of the burst of %d refused", i+1, n)
		}
		r()
	}
	if _, ok := g.acquire(ctx, classSuspect); ok {
		t.Error("a suspect check past the burst was let through")
	}
	r, ok := g.acquire(ctx, classOwner)
	if !ok {
		t.Fatal("the owner's check was paced")
	}
	r()
	start := time.Now()
	r, ok = g.acquire(ctx, classClean)
	if !ok {
		t.Fatal("a clean check did not wait for its turn")
	}
	r()
	if waited := time.Since(start); waited < time.Second/time.Duration(n)/2 {
		t.Errorf("a clean check past the burst waited %v", waited)
	}
}

// TestSignInFailuresStoredBounded: a failure is stored under a 32-character
// key whatever the address sent, pruned by age and by count, and an
// account's bucket is rebuilt from them when it left memory.
func TestSignInFailuresStoredBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, _ := newSignInStore(t)
	huge := strings.Repeat("a", 500_000) + "@example.ps"
	if _, err := s.SignIn(ctx, attacker(1), huge, wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, attacker(2), "  Ali@Example.PS ", wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatal(err)
	}
	var maxKey, maxAt, n int
	if err := s.r.QueryRow("SELECT max(length(key)), max(length(at)), count(*) FROM login_failures").Scan(&maxKey, &maxAt, &n); err != nil {
		t.Fatal(err)
	}
	if maxKey != 32 || maxAt != 24 || n != 2 {
		t.Errorf("stored: key %d, at %d characters, %d rows; want 32, 24, 2", maxKey, maxAt, n)
	}
	var key string
	_ = s.r.QueryRow("SELECT key FROM login_failures ORDER BY rowid DESC LIMIT 1").Scan(&key)
	if key != accountKey("ali@example.ps") {
		t.Errorf("key %q is not the hash of the normalised address", key)
	}
	// By age.
	clock.Advance(failureMemory + time.Minute)
	if _, err := s.SignIn(ctx, attacker(3), "b@example.ps", wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatal(err)
	}
	if n := countRows(t, s, "login_failures"); n != 1 {
		t.Errorf("after %v: %d rows, want the newest only", failureMemory, n)
	}
	// By count.
	tx, err := s.w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxStoredFailures + 50 {
		if _, err := tx.Exec("INSERT INTO login_failures (key, at) VALUES (?, ?)", accountKey(fmt.Sprint(i)), formatTime(clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, attacker(4), "c@example.ps", wrongPW); !errors.Is(err, survey.ErrBadCredentials) {
		t.Fatal(err)
	}
	if n := countRows(t, s, "login_failures"); n != maxStoredFailures {
		t.Errorf("%d rows, want at most %d", n, maxStoredFailures)
	}

	// Rebuilt: the account leaves memory (a restart, or pushed out), and
	// is still under attack for an address that has guessed.
	s2, _, _ := newSignInStore(t)
	for i := range acctBurst {
		_, _ = s2.SignIn(ctx, attacker(i), ownerEmail, wrongPW)
	}
	s2.signin.mu.Lock()
	s2.signin.accounts = lru[*acctState]{max: maxTracked}
	s2.signin.mu.Unlock()
	_, err = s2.SignIn(ctx, attacker(0), ownerEmail, ownerPW)
	wantThrottled(t, err, "a guessing address after the account was rebuilt from the database")
	if _, err := s2.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); err != nil {
		t.Errorf("owner: %v", err)
	}
}

// TestSignInMemoryBounded: a flood of new addresses and accounts keeps at
// most maxTracked of each in memory.
func TestSignInMemoryBounded(t *testing.T) {
	t.Parallel()
	var c lru[int]
	c.max = 100
	for i := range 1000 {
		c.put(fmt.Sprint(i), i)
	}
	if c.len() != 100 || len(c.m) != 100 {
		t.Errorf("lru holds %d (%d in the map), want 100", c.len(), len(c.m))
	}
	if _, ok := c.get("999"); !ok {
		t.Error("the newest entry was dropped")
	}
	if _, ok := c.get("0"); ok {
		t.Error("the oldest entry was kept")
	}
}

func TestSignInDisabledAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := newSignInStore(t)
	if _, err := s.w.ExecContext(ctx, "UPDATE users SET active = 0 WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, ownerAddr, ownerEmail, ownerPW); !errors.Is(err, survey.ErrAccountDisabled) {
		t.Errorf("err = %v, want ErrAccountDisabled", err)
	}
}
