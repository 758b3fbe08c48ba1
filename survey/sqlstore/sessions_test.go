package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"marsad/survey"

	"golang.org/x/crypto/bcrypt"
)

func newSessionStore(t *testing.T, opt Options) (*Store, *fakeClock, survey.User) {
	t.Helper()
	clock := newFakeClock()
	opt.BcryptCost, opt.Now = bcrypt.MinCost, clock.Now
	s := openTestStore(t, filepath.Join(t.TempDir(), "marsad.db"), opt)
	u := mustCreateUser(t, s, survey.NewUser{Email: "ali@example.ps", Role: survey.RoleViewer})
	return s, clock, u
}

func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		opt       Options
		idle, max time.Duration
	}{
		{"defaults", Options{}, 2 * time.Hour, 24 * time.Hour},
		{"custom", Options{SessionIdle: 30 * time.Minute, SessionMax: 8 * time.Hour}, 30 * time.Minute, 8 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			t.Run("create and find", func(t *testing.T) {
				t.Parallel()
				s, clock, u := newSessionStore(t, tc.opt)
				token, sess, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
				if err != nil {
					t.Fatal(err)
				}
				if token == "" || sess.CSRFToken == "" || sess.CSRFToken == token {
					t.Errorf("token %q, CSRF %q: want two different non-empty secrets", token, sess.CSRFToken)
				}
				if want := clock.Now().Add(tc.max); !sess.ExpiresAt.Equal(want) || sess.User != u || sess.Kind != survey.SessionWeb {
					t.Errorf("session = %+v, want user %d, web, expires %v", sess, u.ID, want)
				}
				got, err := s.SessionByToken(ctx, token)
				if err != nil {
					t.Fatal(err)
				}
				if got != sess {
					t.Errorf("SessionByToken = %+v, want %+v", got, sess)
				}
				token2, sess2, err := s.CreateSession(ctx, u.ID, survey.SessionAPI)
				if err != nil {
					t.Fatal(err)
				}
				if token2 == token || sess2.Kind != survey.SessionAPI {
					t.Errorf("second session: token reused or kind %q", sess2.Kind)
				}
			})

			t.Run("idle expiry", func(t *testing.T) {
				t.Parallel()
				s, clock, u := newSessionStore(t, tc.opt)
				token, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
				if err != nil {
					t.Fatal(err)
				}
				// Activity just inside the idle limit keeps it alive, twice over.
				for i := range 2 {
					clock.Advance(tc.idle - time.Second)
					if _, err := s.SessionByToken(ctx, token); err != nil {
						t.Fatalf("use %d after %v idle: %v", i+1, tc.idle-time.Second, err)
					}
				}
				clock.Advance(tc.idle)
				if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
					t.Errorf("after %v idle: err = %v, want ErrNotFound", tc.idle, err)
				}
			})

			t.Run("absolute expiry despite activity", func(t *testing.T) {
				t.Parallel()
				s, clock, u := newSessionStore(t, tc.opt)
				token, sess, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
				if err != nil {
					t.Fatal(err)
				}
				step := tc.idle / 2
				for clock.Now().Add(step).Before(sess.ExpiresAt) {
					clock.Advance(step)
					if _, err := s.SessionByToken(ctx, token); err != nil {
						t.Fatalf("active session at %v: %v", clock.Now().Sub(sess.ExpiresAt.Add(-tc.max)), err)
					}
				}
				clock.Advance(sess.ExpiresAt.Sub(clock.Now()))
				if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
					t.Errorf("at SessionMax (%v) with activity: err = %v, want ErrNotFound", tc.max, err)
				}
			})
		})
	}
}

func TestSessionTouch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, u := newSessionStore(t, Options{})
	token, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	created := clock.Now()
	lastSeen := func() time.Time {
		t.Helper()
		var v string
		if err := s.r.QueryRow("SELECT last_seen_at FROM sessions WHERE token_hash = ?", hashToken(token)).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return parseTime(v)
	}
	clock.Advance(30 * time.Second)
	if _, err := s.SessionByToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got := lastSeen(); !got.Equal(created) {
		t.Errorf("last_seen_at written within a minute: %v, want %v", got, created)
	}
	clock.Advance(31 * time.Second)
	if _, err := s.SessionByToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got := lastSeen(); !got.Equal(clock.Now()) {
		t.Errorf("last_seen_at after a minute = %v, want %v", got, clock.Now())
	}
}

func TestSessionNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name  string
		token func(t *testing.T, s *Store, u survey.User) string
	}{
		{"empty token", func(*testing.T, *Store, survey.User) string { return "" }},
		{"unknown token", func(*testing.T, *Store, survey.User) string { return "bm90LWEtcmVhbC10b2tlbg" }},
		{"hash instead of token", func(t *testing.T, s *Store, u survey.User) string {
			token, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
			if err != nil {
				t.Fatal(err)
			}
			return hashToken(token)
		}},
		{"deleted session", func(t *testing.T, s *Store, u survey.User) string {
			token, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SessionByToken(ctx, token); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteSession(ctx, token); err != nil {
				t.Fatal(err)
			}
			return token
		}},
		{"deactivated user", func(t *testing.T, s *Store, u survey.User) string {
			token, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.w.ExecContext(ctx, "UPDATE users SET active = 0 WHERE id = ?", u.ID); err != nil {
				t.Fatal(err)
			}
			return token
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _, u := newSessionStore(t, Options{})
			token := tc.token(t, s, u)
			if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestDeleteSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := newSessionStore(t, Options{})
	keep, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	end, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, end); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, end); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("deleted session: err = %v, want ErrNotFound", err)
	}
	if _, err := s.SessionByToken(ctx, keep); err != nil {
		t.Errorf("the other session of the user ended too: %v", err)
	}
	if err := s.DeleteSession(ctx, "never-issued"); err != nil {
		t.Errorf("deleting an unknown session: %v, want nil", err)
	}
	if _, _, err := s.CreateSession(ctx, u.ID, "cookie"); err == nil {
		t.Error("CreateSession with an unknown kind succeeded")
	}
}

func TestSessionsStoreOnlyTokenHashes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := newSessionStore(t, Options{})
	token, sess, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	wantHash := hex.EncodeToString(sum[:])

	var hash, csrf string
	if err := s.r.QueryRow("SELECT token_hash, csrf_token FROM sessions").Scan(&hash, &csrf); err != nil {
		t.Fatal(err)
	}
	if hash != wantHash {
		t.Errorf("token_hash = %q, want SHA-256 hex of the token %q", hash, wantHash)
	}
	if csrf != sess.CSRFToken {
		t.Errorf("csrf_token = %q, want %q", csrf, sess.CSRFToken)
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM sessions
		WHERE instr(token_hash || csrf_token || kind || created_at || last_seen_at || expires_at, ?) > 0`, token).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the raw token is in the sessions table")
	}
	// Nor anywhere in the files, including the write-ahead log.
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(s.Path() + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte(wantHash)) {
		t.Fatal("the token hash is not in the database files: the file check below proves nothing")
	}
	if bytes.Contains(all, []byte(token)) {
		t.Error("the raw session token is written in the database files")
	}
}

// TestSessionCache: a session is read from the database at most once a
// second, yet a sign-out or a password reset made by the server ends it at
// once, even while other requests are reading it; a change made outside
// the server is seen within sessionCacheTTL.
func TestSessionCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, u := newSessionStore(t, Options{})
	admin := mustCreateUser(t, s, survey.NewUser{Email: "admin@example.ps", Role: survey.RoleAdmin})

	// Sign-out while readers hammer the session: from the moment
	// DeleteSession returns, nobody is let in with it.
	for range 20 {
		token, _, err := s.CreateSession(ctx, u.ID, survey.SessionWeb)
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						_, _ = s.SessionByToken(ctx, token)
					}
				}
			})
		}
		if _, err := s.SessionByToken(ctx, token); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		for range 50 {
			if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
				t.Fatalf("a signed-out session still works: %v", err)
			}
		}
		close(stop)
		wg.Wait()
	}

	// A password reset by the coordinator ends the user's cached sessions.
	token, _, err := s.CreateSession(ctx, u.ID, survey.SessionAPI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePasswordReset(ctx, survey.Actor{ID: admin.ID, Role: survey.RoleAdmin}, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("a session survived a password reset: %v", err)
	}

	// Deactivated by hand in the database: seen once the cached copy is
	// older than sessionCacheTTL.
	token, _, err = s.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE users SET active = 0 WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(sessionCacheTTL)
	if _, err := s.SessionByToken(ctx, token); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("a deactivated user's session works %v after: %v", sessionCacheTTL, err)
	}
}
