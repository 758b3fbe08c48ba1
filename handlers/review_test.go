package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"marsad/survey"
)

// Regression tests for defects found in review.

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/ar/admin/institutions":  "/ar/admin/institutions",
		"/en/catalog?q=x":         "/en/catalog?q=x",
		"/ar":                     "/ar",
		"//evil.example":          "/home",
		"/\t/evil.example":        "/home",
		"/\n/evil.example":        "/home",
		"/\\evil.example":         "/home",
		"https://evil.example/ar": "/home",
		"javascript:alert(1)":     "/home",
		"/static/../ar/":          "/home",
		"":                        "/home",
		"/arx":                    "/home",
	} {
		if got := safeNext(next, "/home"); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestCatalogHugePageAndJunkParameters(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	c := newClient(t, ts)
	assertStatus(t, c.get("/ar/catalog?q=zzzzqqqq&page=99999999999999999999"), http.StatusOK)
	// The API says so instead of guessing (paging.go).
	assertStatus(t, c.get("/api/v1/catalog?page=-5&q=zzzz"), http.StatusBadRequest)
	// A URL with junk is served but not cached, and the junk never reaches
	// the page others get for the clean URL.
	junk := strings.Repeat("J", 500)
	r := c.get("/ar/catalog?abroad=1&x=" + junk)
	assertStatus(t, r, http.StatusOK)
	if strings.Count(r.Body, junk) > 1 {
		t.Errorf("junk copied into the page's links %d times", strings.Count(r.Body, junk))
	}
	if clean := c.get("/ar/catalog?abroad=1"); strings.Contains(clean.Body, junk) {
		t.Error("the clean page carries another request's junk")
	}
}

func TestAPILogoutEndsCookieSession(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	c := newClient(t, ts)
	c.signIn("ar", "viewer@example.ps", survey.DemoPassword)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/auth/logout", nil)
	req.Header.Set("X-CSRF-Token", c.csrf("/ar/"))
	assertStatus(t, c.do(req), http.StatusNoContent)
	assertStatus(t, c.get("/api/v1/me"), http.StatusUnauthorized)
}

func TestServerUnlocksWhenAdminCreatedElsewhere(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	ts := httptest.NewServer(newServerOn(t, st))
	defer ts.Close()
	c := newClient(t, ts)
	assertStatus(t, c.get("/ar/login"), http.StatusSeeOther) // setup first
	// Another process (marsad user add) creates the first admin.
	if _, err := st.CreateUser(context.Background(), 0, survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin, Password: "long-password"}); err != nil {
		t.Fatal(err)
	}
	assertStatus(t, c.get("/ar/login"), http.StatusOK)
}

func TestCatalogCountsIgnoreTheirOwnFilter(t *testing.T) {
	t.Parallel()
	ts, st := newEmptyCatalogServer(t)
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOH", Code: "A", NameAr: "خدمة صحية", Stage: "3", OnlineURL: "https://moh.example.ps/a"})
	addService(t, st, survey.ServiceInput{InstitutionCode: "MOI", Code: "B", NameAr: "خدمة داخلية", Stage: "1"})
	r := newClient(t, ts).get("/en/catalog?institution=MOH&stage_min=3")
	// Stage counts ignore the stage filter but keep the institution filter:
	// stage 1+ counts MOH's one service, not MOI's.
	assertContains(t, r.Body, `<option value="1">1 – Informational (1)</option>`)
	// Institution counts ignore the institution filter: MOI stays on offer.
	r = newClient(t, ts).get("/en/catalog?institution=MOH")
	assertContains(t, r.Body, `<option value="MOI">Ministry of Interior (1)</option>`, `<option value="MOH" selected>Ministry of Health (1)</option>`)
}
