package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
)

// refused says whether an answer turned a request away for want of a
// live session or the right to make it: sent to sign in (pages), 401 (the
// API), or 403 (a form whose session, and so its CSRF token, is gone).
func refused(r response) bool {
	switch r.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return true
	case http.StatusSeeOther:
		return strings.HasPrefix(r.Header.Get("Location"), "/ar/login")
	}
	return false
}

// TestInstitutionDeactivationEndsAccess deactivates MOH while its
// respondent is signed in (a page read just before, so the session is
// cached), through the coordinator's page: the session ends at once, the
// API token too; every write the authorization matrix lets MOH make is
// refused and changes nothing; signing in is refused with a message.
// Reactivating through the API restores access.
func TestInstitutionDeactivationEndsAccess(t *testing.T) {
	t.Parallel()
	e := newAuthzEnv(t)
	ctx := context.Background()
	moh := newClient(t, e.ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	token := apiToken(t, e.ts, "moh@example.ps")
	csrf := moh.csrf("/ar/")
	assertStatus(t, moh.get("/ar/work"), http.StatusOK)
	assertStatus(t, apiCall(t, e.ts, http.MethodGet, "/api/v1/me", token, ""), http.StatusOK)

	admin := newClient(t, e.ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r := admin.post("/ar/admin/institutions/MOH/active", url.Values{"active": {"0"}}, "/ar/admin/institutions")
	assertStatus(t, r, http.StatusSeeOther)

	if r := moh.get("/ar/work"); !refused(r) {
		t.Fatalf("the respondent's page after deactivation: %d %s", r.Status, r.Header.Get("Location"))
	}
	if r := apiCall(t, e.ts, http.MethodGet, "/api/v1/me", token, ""); r.Status != http.StatusUnauthorized {
		t.Fatalf("the respondent's API token after deactivation: %d", r.Status)
	}

	// Every write MOH may make, made with the session and token it had.
	before := e.checksum()
	audit := e.lastAudit()
	writes := 0
	for _, cs := range authzCases() {
		method, _, _ := strings.Cut(cs.route, " ")
		// Writes MOH may make and a stranger may not (sign-in, accepting
		// an invitation and the like are anyone's).
		if method == http.MethodGet || cs.want[asA] != vAllow || cs.want[asAnon] == vAllow {
			continue
		}
		writes++
		cs.want[asA] = vLogin
		res := e.call(moh, asA, cs, token, csrf)
		if res.status != http.StatusUnauthorized && res.status != http.StatusForbidden && !res.login {
			t.Errorf("%s as a respondent of a deactivated institution: %d, want refused", cs.name(), res.status)
		}
	}
	t.Logf("%d writes of MOH refused", writes)
	if writes < 20 {
		t.Fatalf("only %d write rows for MOH in the matrix", writes)
	}
	if e.checksum() != before || e.lastAudit() != audit {
		t.Error("writes by a respondent of a deactivated institution changed the database")
	}

	// Signing in is refused, with a message saying why.
	r = moh.post("/en/login", url.Values{"email": {"moh@example.ps"}, "password": {survey.DemoPassword}}, "/en/login")
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "deactivated") {
		t.Errorf("sign-in after deactivation: %d\n%.500s", r.Status, r.Body)
	}
	r = apiCall(t, e.ts, http.MethodPost, "/api/v1/auth/login", "", `{"email":"moh@example.ps","password":"`+survey.DemoPassword+`"}`)
	if r.Status != http.StatusForbidden {
		t.Errorf("API sign-in after deactivation: %d", r.Status)
	}
	assertAPIError(t, r, "account_disabled")

	// The API reactivates it; the respondent signs in and writes again.
	adminToken := apiToken(t, e.ts, "admin@example.ps")
	r = apiCall(t, e.ts, http.MethodPost, "/api/v1/institutions/MOH/activate", adminToken, "")
	assertStatus(t, r, http.StatusOK)
	var inst survey.Institution
	if err := json.Unmarshal([]byte(r.Body), &inst); err != nil || !inst.Active || inst.Code != "MOH" {
		t.Fatalf("activate answered %s (%v)", r.Body, err)
	}
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	r = moh.post("/ar/institutions/MOH/initiatives", url.Values{"title_ar": {"مبادرة بعد إعادة التفعيل"}, "status": {"planned"}, "budget_band": {"unknown"}},
		"/ar/institutions/MOH/initiatives/new")
	if r.Status != http.StatusSeeOther {
		t.Errorf("a write after reactivation: %d\n%.500s", r.Status, r.Body)
	}
	events, err := e.st.AuditLog(ctx, "institution", 5)
	e.must(err, "audit")
	var got []string
	for _, ev := range events {
		if ev.EntityKey == "MOH" {
			got = append(got, ev.Action)
		}
	}
	if len(got) < 2 || got[0] != "activate" || got[1] != "deactivate" {
		t.Errorf("MOH audit events, newest first: %v", got)
	}
}

// TestUserDeactivation: the coordinator deactivates and reactivates an
// account on the users page and through the API; deactivation ends the
// person's sessions at once and sign-in is refused; the last active
// coordinator cannot be deactivated; every change is audited.
func TestUserDeactivation(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	adminToken := apiToken(t, ts, "admin@example.ps")
	r := apiCall(t, ts, http.MethodGet, "/api/v1/users", adminToken, "")
	assertStatus(t, r, http.StatusOK)
	var users listJSON[survey.User]
	if err := json.Unmarshal([]byte(r.Body), &users); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, u := range users.Items {
		ids[u.Email] = u.ID
	}
	viewerID, adminID := strconv.FormatInt(ids["viewer@example.ps"], 10), strconv.FormatInt(ids["admin@example.ps"], 10)
	if ids["viewer@example.ps"] == 0 || ids["admin@example.ps"] == 0 {
		t.Fatalf("users: %s", r.Body)
	}

	viewer := newClient(t, ts)
	viewer.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	viewerToken := apiToken(t, ts, "viewer@example.ps")
	assertStatus(t, viewer.get("/ar/rounds"), http.StatusOK)

	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r = admin.post("/ar/admin/users/"+viewerID+"/active", url.Values{"active": {"0"}}, "/ar/admin/users")
	assertStatus(t, r, http.StatusSeeOther)
	page := admin.get(r.Header.Get("Location"))
	assertStatus(t, page, http.StatusOK)
	assertContains(t, page.Body, "عُطّل الحساب", `id="u`+viewerID+`" class="inactive"`)

	if r := viewer.get("/ar/rounds"); !refused(r) {
		t.Errorf("a deactivated account's page: %d", r.Status)
	}
	if r := apiCall(t, ts, http.MethodGet, "/api/v1/me", viewerToken, ""); r.Status != http.StatusUnauthorized {
		t.Errorf("a deactivated account's API token: %d", r.Status)
	}
	r = viewer.post("/ar/login", url.Values{"email": {"viewer@example.ps"}, "password": {survey.DemoPassword}}, "/ar/login")
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "منسق المسح") {
		t.Errorf("signing in deactivated: %d", r.Status)
	}

	r = apiCall(t, ts, http.MethodPost, "/api/v1/users/"+viewerID+"/activate", adminToken, "")
	assertStatus(t, r, http.StatusOK)
	var u survey.User
	if err := json.Unmarshal([]byte(r.Body), &u); err != nil || !u.Active || u.Email != "viewer@example.ps" {
		t.Fatalf("activate answered %s", r.Body)
	}
	viewer.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	r = apiCall(t, ts, http.MethodPost, "/api/v1/users/"+viewerID+"/deactivate", adminToken, "")
	assertStatus(t, r, http.StatusOK)
	if r := viewer.get("/ar/rounds"); !refused(r) {
		t.Errorf("after API deactivation, the account's page: %d", r.Status)
	}
	r = apiCall(t, ts, http.MethodPost, "/api/v1/auth/login", "", `{"email":"viewer@example.ps","password":"`+survey.DemoPassword+`"}`)
	assertAPIError(t, r, "account_disabled")

	// The demo has one coordinator: it stays.
	r = admin.post("/en/admin/users/"+adminID+"/active", url.Values{"active": {"0"}}, "/en/admin/users")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "last active coordinator") {
		t.Errorf("deactivating the last coordinator on the page: %d\n%.500s", r.Status, r.Body)
	}
	r = apiCall(t, ts, http.MethodPost, "/api/v1/users/"+adminID+"/deactivate", adminToken, "")
	if r.Status != http.StatusConflict {
		t.Errorf("deactivating the last coordinator through the API: %d", r.Status)
	}
	assertAPIError(t, r, "last_admin")
	assertStatus(t, admin.get("/ar/admin/users"), http.StatusOK)
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/users/999999/deactivate", adminToken, ""), http.StatusNotFound)

	events, err := st.AuditLog(ctx, "user", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		if ev.EntityKey == "viewer@example.ps" && ev.ActorID == ids["admin@example.ps"] {
			got = append(got, ev.Action)
		}
	}
	if strings.Join(got, " ") != "deactivate activate deactivate" {
		t.Errorf("the viewer's audit events, newest first: %v", got)
	}
}
