package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
)

// TestAdminPasswordReset: only an administrator makes a reset link; the
// person is signed out at once; the link sets a new password once; the old
// password stops working; neither the link nor the password is logged.
func TestAdminPasswordReset(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	srv, st := newTestServer(t)
	srv.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := httptest.NewServer(srv)
	defer ts.Close()
	users, err := st.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var moh survey.User
	for _, u := range users {
		if u.Email == "moh@example.ps" {
			moh = u
		}
	}
	reset := "/ar/admin/users/" + strconv.FormatInt(moh.ID, 10) + "/reset"

	officer := newClient(t, ts)
	officer.signIn("ar", "moh@example.ps", survey.DemoPassword)
	assertStatus(t, officer.post(reset, url.Values{}, "/ar/rounds"), http.StatusForbidden)
	viewer := newClient(t, ts)
	viewer.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	assertStatus(t, viewer.post(reset, url.Values{}, "/ar/rounds"), http.StatusForbidden)

	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r := admin.post(reset, url.Values{}, "/ar/admin/users")
	assertStatus(t, r, http.StatusOK)
	m := regexp.MustCompile(`value="(https?://[^"]+/ar/reset/([^"]+))"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no reset link on the page:\n%.2000s", r.Body)
	}
	token := m[2]
	// The officer's session ended with the reset.
	assertStatus(t, officer.get("/ar/rounds"), http.StatusSeeOther)

	anon := newClient(t, ts)
	path := "/ar/reset/" + token
	assertContains(t, anon.get(path).Body, "moh@example.ps")
	assertStatus(t, anon.post(path, url.Values{"password": {"short"}, "password_confirm": {"short"}}, path), http.StatusUnprocessableEntity)
	assertStatus(t, anon.post(path, url.Values{"password": {"new-password-123"}, "password_confirm": {"other-password-1"}}, path), http.StatusUnprocessableEntity)
	assertStatus(t, anon.post(path, url.Values{"password": {"new-password-123"}, "password_confirm": {"new-password-123"}}, path), http.StatusSeeOther)
	// Once only.
	assertStatus(t, anon.get(path), http.StatusGone)
	assertStatus(t, anon.post(path, url.Values{"password": {"again-password-1"}, "password_confirm": {"again-password-1"}}, "/ar/login"), http.StatusGone)

	// The old password fails, the new one works.
	old := newClient(t, ts)
	r = old.post("/ar/login", url.Values{"email": {"moh@example.ps"}, "password": {survey.DemoPassword}}, "/ar/login")
	if r.Status == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	newClient(t, ts).signIn("ar", "moh@example.ps", "new-password-123")

	for _, secret := range []string{token, "new-password-123", survey.DemoPassword} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
	if !strings.Contains(logs.String(), "/reset/:token") {
		t.Error("requests were not logged by route (the test checks nothing)")
	}
}
