package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"marsad/survey"
)

// TestCSRFTokenMaskedOnEveryPage: pages are sent compressed, so a page
// never shows the session's CSRF token itself (a compression side channel
// could read it): each page shows it masked afresh, every masked form is
// accepted, the plain token too (API clients), and anything else refused.
func TestCSRFTokenMaskedOnEveryPage(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", "marsad-demo")
	first, second := c.csrf("/ar/admin/institutions"), c.csrf("/ar/admin/institutions")
	if first == second {
		t.Error("two pages show the same CSRF token: it is not masked afresh")
	}
	base, _ := url.Parse(ts.URL)
	var sessionToken string
	for _, k := range c.http.Jar.Cookies(base) {
		if k.Name == cookieSession {
			sessionToken = k.Value
		}
	}
	sess, err := st.SessionByToken(t.Context(), sessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if page := c.get("/ar/admin/institutions").Body; strings.Contains(page, sess.CSRFToken) {
		t.Error("a page shows the session's CSRF token unmasked")
	}
	post := func(token string) int {
		t.Helper()
		return c.post("/ar/logout", url.Values{"csrf_token": {token}}, "").Status
	}
	tampered := []byte(first) // one character of the middle changed: a whole six bits of pad or token
	if tampered[len(tampered)/2] == 'A' {
		tampered[len(tampered)/2] = 'B'
	} else {
		tampered[len(tampered)/2] = 'A'
	}
	for name, tok := range map[string]string{"another length": first[:len(first)-2], "tampered": string(tampered), "empty": ""} {
		if got := post(tok); got != http.StatusForbidden {
			t.Errorf("%s token: status %d, want 403", name, got)
		}
	}
	if got := post(sess.CSRFToken); got != http.StatusSeeOther {
		t.Errorf("the plain token: status %d, want 303", got)
	}
	c.signIn("ar", "admin@example.ps", "marsad-demo")
	if got := post(c.csrf("/ar/admin/institutions")); got != http.StatusSeeOther {
		t.Errorf("a masked token: status %d, want 303", got)
	}
}

// TestPersonalPagesCompressed: a page rendered for one person comes
// gzip-compressed to a client that asks for it, expands to the page an
// uncompressed request gets, and says it varies with Accept-Encoding.
func TestPersonalPagesCompressed(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ctx := t.Context()
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "gz@moh.ps", Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := st.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	get := func(gz bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/ar/work", nil)
		req.AddCookie(&http.Cookie{Name: cookieSession, Value: token})
		if gz {
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	plain, zipped := get(false), get(true)
	if plain.Code != http.StatusOK || zipped.Code != http.StatusOK {
		t.Fatalf("status %d / %d", plain.Code, zipped.Code)
	}
	if plain.Header().Get("Content-Encoding") != "" {
		t.Error("a client that does not take gzip got it")
	}
	if zipped.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("headers %v", zipped.Header())
	}
	r, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	expanded, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if unmasked(string(expanded)) != unmasked(plain.Body.String()) {
		t.Error("the compressed page expands to another page")
	}
	if zipped.Body.Len()*3 > plain.Body.Len() {
		t.Errorf("compressed %d bytes from %d", zipped.Body.Len(), plain.Body.Len())
	}
}
