package sqlstore

import (
	"container/list"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"marsad/survey"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// Sign-in throttling: slow an attacker down without locking the owner out.
//
// Before, five wrong passwords locked an account for 15 minutes, even
// against the right password: anyone could keep the only coordinator out.
// And each unknown address cost a bcrypt and was never throttled, so a few
// clients could make every page slow. Now an attempt passes these checks,
// in order:
//
//  1. The client address (a key the web layer gives: the peer's IP, or the
//     one a trusted proxy reports; an IPv6 /64) has a token bucket of
//     addrBurst failures, refilled one per addrEvery. Once it runs dry the
//     refill slows down, doubling with each further failure up to
//     maxDoublings times (20 s, 40 s … 10.7 min), and recovers when the
//     bucket is full again. An address with no token left is refused (429
//     with Retry-After) without a password check. Only failures take
//     tokens: many people signing in correctly through one office address
//     are never slowed down; checks still under way count as failures to
//     come, so guesses sent at once cannot all slip in.
//  2. The account (the same key for known and unknown addresses, so that
//     throttling reveals nothing about which exist) has a bucket of
//     acctBurst failures, refilled one per acctEvery, doubling the same
//     way. While it is dry the account is under attack, and only a clean
//     address may try it — one without a failure in the last cleanAfter
//     or with a success since — or the owner's own: an address the
//     account signed in from before
//     (knownFor, in memory). An attack from other addresses therefore
//     cannot lock the owner out; addresses that have been guessing wait
//     until they are clean again (each gets one guess per cleanAfter).
//  3. A password check (bcrypt: about 0.25 s of one CPU at cost 12) needs
//     one of GOMAXPROCS-1 slots (at least one): a check holds its
//     goroutine's processor throughout, and with every processor in bcrypt
//     a page would wait for the scheduler to preempt one (10-20 ms, where
//     it takes 1), so one is always left to pages. Attempts from addresses
//     the account has not signed in from hold at most half of the
//     GOMAXPROCS (at least one): from a clean address they queue up to
//     cleanWait, from an address with failures they do not queue at all
//     (429, retry in a second). The owner, from an address they signed in
//     from before, may take any slot and waits for at most one check
//     under way per slot: a burst of guesses does not stand between them
//     and their sign-in. Those other checks are also paced, together, to
//     a quarter of the CPUs (GOMAXPROCS a second at cost 12, twice as
//     many per step below): a burst of guesses from many addresses then
//     costs pages little of their speed (bench --only signin measures
//     it). A clean address waits for its turn within cleanWait, a suspect
//     one takes it only if it is free.
//  4. An unknown address is compared against a dummy hash of the same cost
//     (Authenticate), so its answer takes as long as a wrong password.
//
// A refused attempt is answered after min(Retry-After, throttleHold): an
// attacker in a closed loop then sends one request a second per
// connection instead of thousands, which costs the server nothing.
//
// What this cannot do: tell the owner on a new address from an attacker's
// first guess. There, during a burst of guesses from many new addresses,
// the owner may wait up to cleanWait or be asked to retry in a second.
//
// State: addresses, accounts and owners' addresses live in memory, each
// in an LRU of at most maxTracked entries (about 250 bytes each: 4 MB with
// all three full, measured).
// Failures are also written to login_failures under the account's key (a
// hash of the normalised address, 32 hex characters whatever was sent; no
// client address is stored), kept failureMemory and at most
// maxStoredFailures rows: an account's bucket is rebuilt from them when it
// is not in memory (after a restart, or after an attacker pushed it out of
// the LRU with random addresses). A write that fails (a full disk) does not
// fail the sign-in.
const (
	addrBurst         = 5
	addrEvery         = 10 * time.Second
	acctBurst         = 5
	acctEvery         = 30 * time.Second
	maxDoublings      = 6
	cleanAfter        = 5 * time.Minute
	knownFor          = 30 * 24 * time.Hour
	slotWait          = 3 * time.Second
	cleanWait         = 5 * time.Second
	throttleHold      = time.Second
	maxTracked        = 5_000
	failureMemory     = 24 * time.Hour
	maxStoredFailures = 10_000
	// seedWindow is how far back stored failures rebuild an account's
	// bucket: the longest its refill can take.
	seedWindow = acctEvery << maxDoublings
	// maxSeed bounds the failures replayed into a rebuilt bucket (beyond
	// it the refill is at its slowest anyway).
	maxSeed = acctBurst + maxDoublings
	// maxReplay bounds the failures a shared guard replays at their
	// times: enough to keep a bucket dry through seedWindow.
	maxReplay = 64
)

// bucket is a token bucket of failures whose refill slows down while it is
// kept empty.
type bucket struct {
	lim       *rate.Limiter
	every     time.Duration
	burst     int
	doublings int
}

func newBucket(every time.Duration, burst int) *bucket {
	return &bucket{lim: rate.NewLimiter(rate.Every(every), burst), every: every, burst: burst}
}

// settle forgets the doublings once the bucket is full again.
func (b *bucket) settle(now time.Time) {
	if b.doublings > 0 && b.lim.TokensAt(now) >= float64(b.burst) {
		b.doublings = 0
		b.lim.SetLimitAt(now, rate.Every(b.every))
	}
}

// wait is how long until the bucket holds a token for one more failure
// besides those of the checks still running (0: it does now).
func (b *bucket) wait(now time.Time, running int) time.Duration {
	b.settle(now)
	need := float64(1 + running)
	t := b.lim.TokensAt(now)
	if t >= need {
		return 0
	}
	return max(time.Second, time.Duration((need-t)/float64(b.lim.Limit())*float64(time.Second)))
}

// fail takes a token for a failure. With none left the failure is taken
// on credit (the next token comes later) and the refill slows down.
func (b *bucket) fail(now time.Time) {
	b.settle(now)
	b.lim.ReserveN(now, 1) // never cancelled: a debt when the bucket is empty
	if b.lim.TokensAt(now) < 1 && b.doublings < maxDoublings {
		b.doublings++
		b.lim.SetLimitAt(now, rate.Every(b.every<<b.doublings))
	}
}

// addrState is what is known of one client address.
type addrState struct {
	b        *bucket
	lastFail time.Time
	// running counts its password checks under way: each may yet fail,
	// so guesses sent at once cannot all slip in under the limit.
	running int
}

// clean reports an address with no failure in the last cleanAfter.
func (a *addrState) clean(now time.Time) bool {
	return a.lastFail.IsZero() || now.Sub(a.lastFail) >= cleanAfter
}

// acctState is what is known of one account key.
type acctState struct {
	b *bucket
	// stored is set while login_failures may hold rows for the key.
	stored  bool
	running int // password checks under way
}

// Classes of attempt, for the password-check slots.
const (
	classOwner   = iota // from an address the account signed in from before
	classClean          // from an address without recent failures
	classSuspect        // from an address with recent failures
)

// ticket is an attempt let through to a password check.
type ticket struct {
	addr    *addrState
	acct    *acctState
	class   int
	pairKey string // account and address, for the owner's addresses
}

// lru is a map bounded to max entries that drops the least recently used.
type lru[V any] struct {
	max int
	ll  list.List
	m   map[string]*list.Element
}

type lruItem[V any] struct {
	key string
	v   V
}

func (c *lru[V]) get(key string) (V, bool) {
	if e, ok := c.m[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*lruItem[V]).v, true
	}
	var zero V
	return zero, false
}

func (c *lru[V]) put(key string, v V) {
	if c.m == nil {
		c.m = map[string]*list.Element{}
	}
	if e, ok := c.m[key]; ok {
		e.Value.(*lruItem[V]).v = v
		c.ll.MoveToFront(e)
		return
	}
	c.m[key] = c.ll.PushFront(&lruItem[V]{key: key, v: v})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*lruItem[V]).key)
	}
}

func (c *lru[V]) len() int { return c.ll.Len() }

// signInGuard is a store's sign-in throttle (see the comment at the top of
// this file). The zero value is ready: it is set up on first use.
type signInGuard struct {
	once     sync.Once
	mu       sync.Mutex
	addrs    lru[*addrState]
	accounts lru[*acctState]
	// owners holds the time of an account's last success from an
	// address (key: account key + " " + address).
	owners lru[time.Time]
	// slots holds one token per running password check; others one per
	// check not from an owner's address.
	slots, others chan struct{}
	// pace spaces the checks not from an owner's address.
	pace *rate.Limiter
	// cost is the bcrypt cost of the store's hashes, which sets pace.
	cost int
	// shared is set when several servers share the database (PostgreSQL):
	// an account's bucket is then rebuilt from the failures stored by all
	// of them at every attempt. Address buckets, pacing and slots stay per
	// server.
	shared bool
	// hold is how long a refused attempt is held at most before it is
	// answered (tests set 0).
	hold   time.Duration
	checks atomic.Int64 // password checks made (Store.PasswordChecks)
}

func (g *signInGuard) init() {
	g.once.Do(func() {
		n := runtime.GOMAXPROCS(0)
		g.slots = make(chan struct{}, max(1, n-1))
		g.others = make(chan struct{}, max(1, n/2))
		// A check at bcrypt cost c takes about 0.25 s × 2^(c-12) of one
		// CPU: a quarter of n CPUs makes n × 2^(12-c) of them a second.
		per := float64(n) * math.Exp2(float64(12-max(g.cost, bcrypt.MinCost)))
		g.pace = rate.NewLimiter(rate.Limit(per), max(n, int(per)))
		g.addrs.max, g.accounts.max, g.owners.max = maxTracked, maxTracked, maxTracked
		g.hold = throttleHold
	})
}

// admit decides whether an attempt from client on the account key may be
// checked now; when it may, the ticket must be given back to done. stored
// reads the times of the account's failures in the database, oldest first,
// for an account not in memory, or for every attempt when the guard is
// shared; it is called without the lock held.
func (g *signInGuard) admit(now time.Time, client, key string, stored func() []time.Time) (t ticket, wait time.Duration) {
	g.init()
	if client == "" {
		client = "-"
	}
	g.mu.Lock()
	a, ok := g.addrs.get(client)
	if !ok {
		a = &addrState{b: newBucket(addrEvery, addrBurst)}
		g.addrs.put(client, a)
	}
	if w := a.b.wait(now, a.running); w > 0 {
		g.mu.Unlock()
		return t, w
	}
	acct, ok := g.accounts.get(key)
	g.mu.Unlock()
	if !ok || g.shared {
		times := stored()
		g.mu.Lock()
		if acct, ok = g.accounts.get(key); !ok || g.shared {
			b := newBucket(acctEvery, acctBurst)
			if g.shared {
				// The failures of every server, at their times: the
				// bucket each server rebuilds is the one a single
				// server would hold.
				for _, at := range times {
					b.fail(at)
				}
			} else {
				for range min(len(times), maxSeed) {
					b.fail(now)
				}
			}
			if !ok {
				acct = &acctState{}
				g.accounts.put(key, acct)
			}
			acct.b, acct.stored = b, len(times) > 0
		}
		g.mu.Unlock()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if w := a.b.wait(now, a.running); w > 0 { // other attempts came in meanwhile
		return t, w
	}
	t = ticket{addr: a, acct: acct, class: classSuspect, pairKey: key + " " + client}
	if at, ok := g.owners.get(t.pairKey); ok && now.Sub(at) < knownFor {
		t.class = classOwner
	} else if a.clean(now) {
		t.class = classClean
	}
	if acct.b.wait(now, acct.running) > 0 && t.class == classSuspect {
		// Under attack: this address must first be clean again.
		return ticket{}, max(time.Second, cleanAfter-now.Sub(a.lastFail))
	}
	a.running++
	acct.running++
	return t, 0
}

// acquire takes a password-check slot for an attempt of class: the
// owner's waits for any slot up to slotWait; the others share at most half
// the slots, a clean one waiting for its share up to cleanWait, a suspect
// one not at all.
func (g *signInGuard) acquire(ctx context.Context, class int) (release func(), ok bool) {
	g.init()
	wait := func(ch chan struct{}, d time.Duration) bool {
		select {
		case ch <- struct{}{}:
			return true
		default:
		}
		if d <= 0 {
			return false
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case ch <- struct{}{}:
			return true
		case <-t.C:
		case <-ctx.Done():
		}
		return false
	}
	if class != classOwner {
		d := cleanWait
		if class == classSuspect {
			d = 0
		}
		r := g.pace.Reserve()
		if delay := r.Delay(); delay > d {
			r.Cancel()
			return nil, false
		} else if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				r.Cancel()
				return nil, false
			}
			d -= delay
		}
		if !wait(g.others, d) {
			return nil, false
		}
	}
	if !wait(g.slots, slotWait) {
		if class != classOwner {
			<-g.others
		}
		return nil, false
	}
	return func() {
		<-g.slots
		if class != classOwner {
			<-g.others
		}
	}, true
}

// Outcomes of a password check, for done.
const (
	checkNone   = iota // not checked (no slot)
	checkFailed        // a wrong password or an unknown address
	checkPassed        // the right password
)

// done gives a ticket back with the check's outcome. A failure counts
// against the address and the account; a success forgets the account's
// failures (the owner is in) and reports whether the database may hold
// some to delete. The address keeps its spent tokens either way: a
// success on one account does not pay for guesses on others.
func (g *signInGuard) done(now time.Time, t ticket, outcome int) (clearStored bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	t.addr.running--
	t.acct.running--
	switch outcome {
	case checkFailed:
		t.addr.b.fail(now)
		t.addr.lastFail = now
		t.acct.b.fail(now)
		t.acct.stored = true
	case checkPassed:
		clearStored = t.acct.stored
		t.acct.b, t.acct.stored = newBucket(acctEvery, acctBurst), false
		g.owners.put(t.pairKey, now)
		// Someone at this address knows a password: it is clean again (a
		// hall of people behind one address, one of whom mistyped). Its
		// tokens stay spent, so this buys a guesser nothing.
		t.addr.lastFail = time.Time{}
	}
	return clearStored
}

// refuse answers a throttled attempt after holding it up to g.hold.
func (g *signInGuard) refuse(ctx context.Context, wait time.Duration) error {
	if hold := min(wait, g.hold); hold > 0 {
		t := time.NewTimer(hold)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return &survey.ThrottledError{RetryAfter: wait}
}

// accountKey is the fixed-size key an address's failures are kept under:
// the first 128 bits of SHA-256 of the normalised address, in hex.
func accountKey(email string) string {
	sum := sha256.Sum256([]byte(survey.NormalizeEmail(email)))
	return hex.EncodeToString(sum[:16])
}

// SignIn is the throttled sign-in of the web pages and the API: client
// identifies where the attempt comes from (an IP address or network, as
// the web layer sees it). It answers a *ThrottledError (errors.Is
// ErrThrottled) when the attempt may not be checked now, and otherwise what
// Authenticate answers.
func (s *Store) SignIn(ctx context.Context, client, email, password string) (survey.User, error) {
	g := &s.signin
	key := accountKey(email)
	t, wait := g.admit(s.now(), client, key, func() []time.Time { return s.storedFailures(ctx, key) })
	if wait > 0 {
		return survey.User{}, g.refuse(ctx, wait)
	}
	release, ok := g.acquire(ctx, t.class)
	if !ok {
		g.done(s.now(), t, checkNone)
		return survey.User{}, g.refuse(ctx, time.Second)
	}
	u, err := s.Authenticate(ctx, email, password)
	release()
	switch {
	case errors.Is(err, survey.ErrBadCredentials):
		g.done(s.now(), t, checkFailed)
		// Kept to rebuild the account's bucket later; the throttle in
		// memory works without it, so an error (a full disk) is not one
		// for the person signing in.
		_ = s.recordFailure(ctx, key)
	case err == nil, errors.Is(err, survey.ErrAccountDisabled):
		if g.done(s.now(), t, checkPassed) {
			_ = s.clearFailures(ctx, key)
		}
	default:
		g.done(s.now(), t, checkNone)
	}
	return u, err
}

// storedFailures reads the times of an account's last failures within
// seedWindow, oldest first: at most maxReplay, beyond which the bucket's
// refill is at its slowest anyway.
func (s *Store) storedFailures(ctx context.Context, key string) []time.Time {
	rows, err := s.r.QueryContext(ctx, "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?",
		key, formatTime(s.now().Add(-seedWindow)), maxReplay)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at string
		if rows.Scan(&at) != nil {
			return nil
		}
		out = append(out, parseTime(at))
	}
	slices.Reverse(out)
	return out
}

// recordFailure stores one failure and prunes the table by age and count,
// so that it holds at most maxStoredFailures rows of 56 bytes.
func (s *Store) recordFailure(ctx context.Context, key string) error {
	now := s.now()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO login_failures (key, at) VALUES (?, ?)", key, formatTime(now)); err != nil {
			return fmt.Errorf("survey: record sign-in failure: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE at <= ?", formatTime(now.Add(-failureMemory))); err != nil {
			return err
		}
		// The table has no key: rows are told apart by SQLite's rowid (in
		// insertion order) and PostgreSQL's ctid (failures of the same
		// millisecond are in no order there, and any of them may go).
		prune := "DELETE FROM login_failures WHERE rowid <= (SELECT max(rowid) FROM login_failures) - ?"
		if s.pg {
			prune = "DELETE FROM login_failures WHERE ctid IN (SELECT ctid FROM login_failures ORDER BY at DESC OFFSET ?)"
		}
		_, err := tx.ExecContext(ctx, prune, maxStoredFailures)
		return err
	})
}

// clearFailures forgets an account's stored failures after a success.
func (s *Store) clearFailures(ctx context.Context, key string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE key = ?", key)
		return err
	})
}
