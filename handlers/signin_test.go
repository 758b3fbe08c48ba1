package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// startProxiedServer is the demo server behind a (simulated) reverse proxy
// that reports each client's address in X-Forwarded-For.
func startProxiedServer(t *testing.T) (*httptest.Server, *sqlstore.Store) {
	t.Helper()
	st := newDemoStore(t)
	srv, err := New(context.Background(), st, Config{Version: "test", BaseURL: "http://marsad.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrustedProxyHeader: "X-Forwarded-For"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, st
}

// signInFrom signs in through the form (lang "ar", "en") or the API
// (lang "api") as if from addr.
func signInFrom(t *testing.T, ts *httptest.Server, addr, lang, email, password string) response {
	t.Helper()
	c := newClient(t, ts)
	var req *http.Request
	if lang == "api" {
		body, _ := json.Marshal(map[string]string{"email": email, "password": password})
		req, _ = http.NewRequest(http.MethodPost, ts.URL+"/api/v1/auth/login", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		form := url.Values{"email": {email}, "password": {password}, "csrf_token": {c.csrf("/" + lang + "/login")}}
		req, _ = http.NewRequest(http.MethodPost, ts.URL+"/"+lang+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", addr)
	return c.do(req)
}

// TestSignInOwnerGetsInDuringAttack: while other addresses guess the
// coordinator's password (and random addresses), the coordinator signs in
// every time; the guessers get 429 with Retry-After and a message in their
// language; an unknown address costs a password check like a known one.
func TestSignInOwnerGetsInDuringAttack(t *testing.T) {
	ts, st := startProxiedServer(t)
	const attackers, rounds = 8, 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	status := map[int]int{}
	var throttled []response
	for i := range attackers {
		wg.Go(func() {
			addr := fmt.Sprintf("198.51.100.%d", i+1)
			for j := range rounds {
				lang := []string{"api", "ar", "en"}[(i+j)%3]
				email := "admin@example.ps"
				if i%2 == 1 {
					email = fmt.Sprintf("guess%d-%d@example.ps", i, j) // accounts that do not exist
				}
				r := signInFrom(t, ts, addr, lang, email, "wrong-password-"+strconv.Itoa(j))
				mu.Lock()
				status[r.Status]++
				if r.Status == http.StatusTooManyRequests {
					throttled = append(throttled, r)
				}
				mu.Unlock()
			}
		})
	}
	// The coordinator, from the office, while the attack runs.
	for k := range 3 {
		r := signInFrom(t, ts, "203.0.113.7", "ar", "admin@example.ps", survey.DemoPassword)
		if r.Status != http.StatusSeeOther {
			t.Errorf("owner's sign-in %d during the attack: status %d, want 303\n%.500s", k+1, r.Status, r.Body)
		}
	}
	wg.Wait()
	if r := signInFrom(t, ts, "203.0.113.7", "api", "admin@example.ps", survey.DemoPassword); r.Status != http.StatusOK {
		t.Errorf("owner's API sign-in after the attack: status %d", r.Status)
	}
	if status[http.StatusTooManyRequests] == 0 || status[http.StatusUnauthorized] == 0 {
		t.Fatalf("attackers got %v, want both 401 and 429", status)
	}
	for _, r := range throttled {
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs < 1 {
			t.Errorf("429 with Retry-After %q", r.Header.Get("Retry-After"))
		}
		switch {
		case strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
			e := assertAPIError(t, r, "throttled")
			if !strings.Contains(e.Message, "انتظر") {
				t.Errorf("API message %q, want Arabic (the default) with the wait", e.Message)
			}
		case strings.Contains(r.Body, `<html lang="en"`):
			assertContains(t, r.Body, "Too many failed sign-in attempts. Wait ")
		default:
			assertContains(t, r.Body, "محاولات دخول فاشلة كثيرة. انتظر ")
		}
	}

	// A proxy appends the address it saw: what the client put before it
	// does not make it someone else.
	for j := range 8 {
		r := signInFrom(t, ts, fmt.Sprintf("10.%d.0.1, 198.51.100.99", j), "api", fmt.Sprintf("x%d@example.ps", j), "wrong-password")
		if j >= 5 && r.Status != http.StatusTooManyRequests {
			t.Errorf("attempt %d with a forged first hop: status %d, want 429", j+1, r.Status)
		}
	}

	// Unknown accounts cost a password check as known ones do.
	before := st.PasswordChecks()
	for j := range 3 {
		r := signInFrom(t, ts, "192.0.2.1", "api", fmt.Sprintf("nobody%d@example.ps", j), "wrong-password")
		assertStatus(t, r, http.StatusUnauthorized)
	}
	if n := st.PasswordChecks() - before; n != 3 {
		t.Errorf("3 unknown accounts cost %d password checks, want 3", n)
	}
}

// TestSignInWithoutTrustedHeader: by default the header is not believed —
// guesses that claim other addresses are one address.
func TestSignInWithoutTrustedHeader(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	got429 := false
	for j := range 7 {
		r := signInFrom(t, ts, fmt.Sprintf("198.51.100.%d", j+1), "api", fmt.Sprintf("x%d@example.ps", j), "wrong-password")
		got429 = got429 || r.Status == http.StatusTooManyRequests
	}
	if !got429 {
		t.Error("forged X-Forwarded-For evaded the throttle of a server not behind a proxy")
	}
}

// TestLoneSurrogateRefused: JSON with half a surrogate pair is refused, not
// stored as U+FFFD.
func TestLoneSurrogateRefused(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	for _, body := range []string{
		`{"email":"\ud800@example.ps","password":"x"}`,
		`{"email":"a@example.ps","password":"\udc00"}`,
		`{"email":"a@example.ps","password":"\uD83D x"}`,
		`{"email":"a@example.ps","password":"\ud83d\u0041"}`,
		`{"email":"a@example.ps","password":"\ud83d`,
	} {
		r := apiCall(t, ts, http.MethodPost, "/api/v1/auth/login", "", body)
		assertStatus(t, r, http.StatusBadRequest)
		assertAPIError(t, r, "bad_encoding")
	}
	// A whole pair, and an escaped backslash before "ud800", are fine.
	for _, body := range []string{
		`{"email":"a@example.ps","password":"\ud83d\ude00 smile"}`,
		`{"email":"a@example.ps","password":"\\ud800"}`,
	} {
		assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/auth/login", "", body), http.StatusUnauthorized)
	}
	// Every JSON body: an institution, a questionnaire definition.
	r := apiCall(t, ts, http.MethodPost, "/api/v1/institutions", admin,
		`{"code":"NEWX","name_ar":"مؤسسة \udbff","kind":"other","sector":"x","region":"national"}`)
	assertStatus(t, r, http.StatusBadRequest)
	r = apiCall(t, ts, http.MethodPost, "/api/v1/questionnaires", admin, `{"id":"x\udfff"}`)
	assertStatus(t, r, http.StatusBadRequest)
	assertAPIError(t, r, "bad_encoding")
}

func TestLoneSurrogateScanner(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`"\ud800"`: true, `"\udbff\udfff"`: false, `"\ud800\ud800"`: true, `"\udc00\ud800"`: true,
		`"\\ud800"`: false, `"\\\ud800"`: true, `"\u0041\u00e9"`: false, `"\ud800\u"`: true, `"\ud8`: false,
		`"x\ud83d\ude00y"`: false, `"\ud83d\ude00\udc00"`: true,
	} {
		if got := loneSurrogate([]byte(body)); got != want {
			t.Errorf("loneSurrogate(%s) = %v, want %v", body, got, want)
		}
	}
}

func TestClientAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, remote string
		headers        []string
		want           string
	}{
		{"", "192.0.2.1:5000", []string{"198.51.100.1"}, "192.0.2.1"},
		{"X-Forwarded-For", "192.0.2.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"X-Forwarded-For", "192.0.2.1:5000", []string{"10.0.0.1, 198.51.100.1"}, "198.51.100.1"},
		{"X-Forwarded-For", "192.0.2.1:5000", []string{"10.0.0.1", "198.51.100.2"}, "198.51.100.2"},
		{"X-Forwarded-For", "192.0.2.1:5000", []string{"not an address"}, "192.0.2.1"},
		{"X-Forwarded-For", "192.0.2.1:5000", nil, "192.0.2.1"},
		{"X-Real-IP", "192.0.2.1:5000", []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"},
		{"X-Real-IP", "[2001:db8::1]:5000", nil, "2001:db8::/64"},
		{"X-Real-IP", "192.0.2.1:5000", []string{"::ffff:198.51.100.3"}, "198.51.100.3"},
	}
	for _, tc := range tests {
		s := &Server{cfg: Config{TrustedProxyHeader: tc.header}}
		req := httptest.NewRequest(http.MethodPost, "/ar/login", nil)
		req.RemoteAddr = tc.remote
		for _, v := range tc.headers {
			req.Header.Add(tc.header, v)
			if tc.header == "" {
				req.Header.Add("X-Forwarded-For", v)
			}
		}
		c, _ := ginTestContext(req)
		if got := s.clientAddress(c); got != tc.want {
			t.Errorf("%s %q from %s: %q, want %q", tc.header, tc.headers, tc.remote, got, tc.want)
		}
	}
}

func ginTestContext(req *http.Request) (*gin.Context, *httptest.ResponseRecorder) {
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = req
	return c, w
}
