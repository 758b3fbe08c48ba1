package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAccessTokens: a respondent makes tokens on the account page, in
// Arabic, and uses them on the API. A read-only token reads and writes
// nothing; a read-write token writes; neither opens a page or makes a
// token; a revoked one is refused at once; nobody revokes another's.
func TestAccessTokens(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	web := newClient(t, ts)
	web.signIn("ar", "moh@example.ps", "marsad-demo")

	page := web.get("/ar/account")
	assertStatus(t, page, http.StatusOK)
	assertContains(t, page.Body, "مفاتيح الوصول الشخصية", "ليست لديك مفاتيح.", `name="token_name"`)

	secretRe := regexp.MustCompile(`value="(mpat_[A-Za-z0-9_-]{43})"`)
	mint := func(name, scope string) string {
		t.Helper()
		r := web.post("/ar/account/tokens", url.Values{"token_name": {name}, "token_scope": {scope}, "token_days": {"٣٠"}}, "/ar/account")
		assertStatus(t, r, http.StatusOK)
		m := secretRe.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no token on the page:\n%.3000s", r.Body)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the page with the secret may be cached: %q", r.Header.Get("Cache-Control"))
		}
		return m[1]
	}
	read := mint("تقرير شهري", "read")
	write := mint("مزامنة", "write")

	// Shown once: the page lists the tokens by name and hint, not the secret.
	page = web.get("/ar/account")
	assertContains(t, page.Body, "تقرير شهري", "مزامنة", read[:9]+"…", "قراءة فقط", "قراءة وتعديل")
	if strings.Contains(page.Body, read) || strings.Contains(page.Body, write) {
		t.Fatal("the account page shows a secret again")
	}

	// Bad input: the page says why, in Arabic, and makes nothing.
	r := web.post("/ar/account/tokens", url.Values{"token_name": {""}, "token_scope": {"admin"}, "token_days": {"999"}}, "/ar/account")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "error-summary", "اختر مدة صلاحية المفتاح")
	if secretRe.MatchString(r.Body) {
		t.Fatal("a refused form made a token")
	}

	// A read-only token reads, and is refused every write.
	me := apiCall(t, ts, http.MethodGet, "/api/v1/me", read, "")
	assertStatus(t, me, http.StatusOK)
	assertContains(t, me.Body, `"moh@example.ps"`)
	var services struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/institutions/MOH/services", read, "").Body), &services); err != nil || len(services.Items) == 0 {
		t.Fatalf("services with a read token: %v", err)
	}
	svc := fmt.Sprintf("/api/v1/services/%d", services.Items[0].ID)
	patch := func(token string) response {
		req, _ := http.NewRequest(http.MethodPatch, ts.URL+svc, strings.NewReader(`{"fee_ils": 7}`))
		req.Header.Set("Content-Type", "application/merge-patch+json")
		req.Header.Set("Authorization", "Bearer "+token)
		return newClient(t, ts).do(req)
	}
	assertAPIError(t, patch(read), "token_read_only")

	// A read-write token writes (the version is required: 422 names it,
	// which is past the scope check).
	if r := patch(write); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusOK {
		t.Fatalf("write token: %d %s", r.Status, r.Body)
	}
	// …but cannot make a token.
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/me/tokens", write, `{"name":"child","scope":"write","days":366}`), "token_cannot_mint")

	// A token is no one on the pages.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/ar/work", nil)
	req.Header.Set("Authorization", "Bearer "+write)
	if r := newClient(t, ts).do(req); r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/ar/login") {
		t.Fatalf("a page with a token: %d %s", r.Status, r.Header.Get("Location"))
	}

	// The API lists them, paged; a signed-in session makes one there too.
	session := apiToken(t, ts, "moh@example.ps")
	var list struct {
		Items []struct {
			ID    int64  `json:"id"`
			Name  string `json:"name"`
			State string `json:"state"`
		} `json:"items"`
		Total int `json:"total"`
	}
	if err := json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/me/tokens?per_page=1", read, "").Body), &list); err != nil ||
		list.Total != 2 || len(list.Items) != 1 || list.Items[0].Name != "مزامنة" {
		t.Fatalf("list: %+v, %v", list, err)
	}
	made := apiCall(t, ts, http.MethodPost, "/api/v1/me/tokens", session, `{"name":"ci","scope":"read","days":7}`)
	assertStatus(t, made, http.StatusCreated)
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/me/tokens", session, `{"name":"","scope":"read"}`), "validation")

	// Someone else cannot revoke it; its owner can, and it stops at once.
	writeID := list.Items[0].ID
	other := apiToken(t, ts, "moi@example.ps")
	assertStatus(t, apiCall(t, ts, http.MethodDelete, fmt.Sprintf("/api/v1/me/tokens/%d", writeID), other, ""), http.StatusNotFound)
	r = web.post(fmt.Sprintf("/ar/account/tokens/%d/revoke", writeID), url.Values{}, "/ar/account")
	assertStatus(t, r, http.StatusSeeOther)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/me", write, ""), http.StatusUnauthorized)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/me", read, ""), http.StatusOK)
	assertContains(t, web.get("/ar/account?revoked=1").Body, "أُلغي المفتاح", "ملغى")

	// The coordinator sees both in the audit log.
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", "marsad-demo")
	audit := admin.get("/en/admin/audit?entity=access_token")
	assertStatus(t, audit, http.StatusOK)
	assertContains(t, audit.Body, "Access token", "Revoked")
}
