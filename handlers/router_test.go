package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"marsad/static"
	"marsad/survey"
	"marsad/survey/sqlstore"
)

func startServer(t *testing.T) (*httptest.Server, *sqlstore.Store) {
	t.Helper()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, st
}

func assertStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d\n%.2000s", r.Status, want, r.Body)
	}
}

func assertContains(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q\n%.3000s", w, body)
		}
	}
}

// assertTranslated fails on a missing translation key (shown as ⟦key⟧).
func assertTranslated(t *testing.T, body string) {
	t.Helper()
	if i := strings.Index(body, "⟦"); i >= 0 {
		t.Errorf("untranslated key: %s", body[i:min(len(body), i+80)])
	}
}

func TestRootRedirectsByCookieThenAcceptLanguage(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	cases := []struct {
		name, cookie, accept, want string
	}{
		{"default is Arabic", "", "", "/ar/"},
		{"browser prefers English", "", "en-GB,en;q=0.9", "/en/"},
		{"quality decides", "", "en;q=0.3, ar;q=0.8", "/ar/"},
		{"unsupported language falls back to Arabic", "", "fr-FR", "/ar/"},
		{"cookie beats the browser", "en", "ar", "/en/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Language", tc.accept)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: cookieLang, Value: tc.cookie})
			}
			r := newClient(t, ts).do(req)
			assertStatus(t, r, http.StatusFound)
			if got := r.Header.Get("Location"); got != tc.want {
				t.Errorf("Location %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	c := newClient(t, ts)
	for _, tc := range []struct{ path, lang, dir, text string }{
		{"/ar/", "ar", "rtl", "مرصد الخدمات الحكومية الإلكترونية"},
		{"/en/", "en", "ltr", "Government e-services observatory"},
		{"/ar/login", "ar", "rtl", "تسجيل الدخول إلى مرصد"},
		{"/en/login", "en", "ltr", "Sign in to Marsad"},
	} {
		r := c.get(tc.path)
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, `<html lang="`+tc.lang+`" dir="`+tc.dir+`">`, tc.text)
		assertTranslated(t, r.Body)
		// Demo mode is visible on every page.
		assertContains(t, r.Body, `class="demo-banner"`)
	}
	// The language switch keeps the page.
	r := c.get("/ar/login?next=%2Far%2F")
	assertContains(t, r.Body, `href="/en/login?next=%2Far%2F"`)
}

func TestAdminPagesTranslated(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	for _, l := range Languages {
		c := newClient(t, ts)
		c.signIn(l, "admin@example.ps", survey.DemoPassword)
		for _, p := range []string{"/", "/admin/institutions", "/admin/institutions?inactive=1&q=MO", "/admin/institutions/new",
			"/admin/institutions/MOH/edit", "/admin/institutions/import", "/admin/invitations", "/admin/users"} {
			r := c.get("/" + l + p)
			assertStatus(t, r, http.StatusOK)
			assertTranslated(t, r.Body)
		}
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	r := newClient(t, ts).get("/healthz")
	assertStatus(t, r, http.StatusOK)
	var body map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["version"] != "test" || body["database"] != "ok" {
		t.Errorf("healthz = %v", body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	r := newClient(t, ts).get("/ar/")
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
	} {
		if got := r.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", h, got, want)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %s", csp)
	}
}

func TestStaticAssetsEmbeddedAndNoCDN(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	c := newClient(t, ts)
	for _, p := range []string{"/static/css/marsad.css", "/static/js/app.js", "/static/fonts/noto-sans-arabic-arabic-400-normal.woff2"} {
		assertStatus(t, c.get(p), http.StatusOK)
	}
	assertStatus(t, c.get("/static/css/"), http.StatusNotFound)
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|@import\s+url\(\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//`)
	check := func(fsys fs.FS, root string) {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".woff2") {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			if m := external.Find(b); m != nil {
				t.Errorf("%s refers to another host: %s", p, m)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check(static.Files, ".")
	check(templateFiles, "templates")
}

func TestErrorPagesTranslated(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	c := newClient(t, ts)
	r := c.get("/ar/no-such-page")
	assertStatus(t, r, http.StatusNotFound)
	assertContains(t, r.Body, `dir="rtl"`, "الصفحة غير موجودة")
	r = c.get("/en/no-such-page")
	assertStatus(t, r, http.StatusNotFound)
	assertContains(t, r.Body, `dir="ltr"`, "Page not found")

	req, _ := http.NewRequest(http.MethodDelete, ts.URL+"/ar/login", nil)
	r = c.do(req)
	assertStatus(t, r, http.StatusMethodNotAllowed)
	assertContains(t, r.Body, "الطريقة غير مسموحة")

	r = c.get("/api/v1/nothing")
	assertStatus(t, r, http.StatusNotFound)
	assertAPIError(t, r, "not_found")
}

func TestServerErrorShowsOnlyReference(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	st.Close() // every query now fails
	r := newClient(t, ts).get("/ar/")
	assertStatus(t, r, http.StatusInternalServerError)
	ref := r.Header.Get("X-Request-ID")
	assertContains(t, r.Body, "عذراً، حدثت مشكلة في الخدمة", ref)
	if strings.Contains(strings.ToLower(r.Body), "sql") || strings.Contains(r.Body, "closed") {
		t.Errorf("500 page leaks internal error text:\n%s", r.Body)
	}
}

func TestRoleChecksOnAdminPages(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	anon := newClient(t, ts)
	r := anon.get("/ar/admin/institutions")
	assertStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/ar/login?next=") {
		t.Errorf("anonymous redirected to %q", loc)
	}
	for _, who := range []string{"moh@example.ps", "viewer@example.ps"} {
		c := newClient(t, ts)
		c.signIn("ar", who, survey.DemoPassword)
		for _, p := range []string{"/ar/admin/institutions", "/ar/admin/invitations", "/ar/admin/users", "/ar/admin/institutions/export.csv"} {
			r := c.get(p)
			assertStatus(t, r, http.StatusForbidden)
			assertContains(t, r.Body, "لا تملك صلاحية")
		}
		// A write is refused too, with a valid CSRF token.
		r := c.post("/ar/admin/institutions", url.Values{"code": {"NEWX"}, "name_ar": {"مؤسسة"}, "kind": {"other"}, "sector": {"x"}, "region": {"national"}}, "/ar/")
		assertStatus(t, r, http.StatusForbidden)
	}
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	assertStatus(t, admin.get("/ar/admin/institutions"), http.StatusOK)
}

func TestCSRFRequired(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	c := newClient(t, ts)
	r := c.post("/ar/login", url.Values{"email": {"admin@example.ps"}, "password": {survey.DemoPassword}}, "")
	assertStatus(t, r, http.StatusForbidden)
	assertContains(t, r.Body, "انتهت صلاحية هذا النموذج")

	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	form := url.Values{"code": {"CSRF"}, "name_ar": {"مؤسسة"}, "kind": {"other"}, "sector": {"x"}, "region": {"national"}}
	assertStatus(t, c.post("/ar/admin/institutions", form, ""), http.StatusForbidden)
	form.Set("csrf_token", "wrong")
	assertStatus(t, c.post("/ar/admin/institutions", form, ""), http.StatusForbidden)
	if _, err := st.Institution(context.Background(), "CSRF"); err == nil {
		t.Error("institution created without a valid CSRF token")
	}
}

func TestSessionRenewedAtSignInAndEndedAtSignOut(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	u, _ := url.Parse(ts.URL)
	c := newClient(t, ts)
	// A session id planted before sign-in (session fixation) is replaced.
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: cookieSession, Value: "planted-by-attacker"}})
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	first := sessionCookie(c, u)
	if first == "" || first == "planted-by-attacker" {
		t.Fatalf("session id not issued at sign-in: %q", first)
	}
	r := c.post("/ar/logout", url.Values{}, "/ar/")
	assertStatus(t, r, http.StatusSeeOther)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	if second := sessionCookie(c, u); second == first {
		t.Fatal("same session id after signing in again")
	}
	// The signed-out session no longer works, even if replayed.
	replay := newClient(t, ts)
	replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: cookieSession, Value: first}})
	assertStatus(t, replay.get("/ar/admin/institutions"), http.StatusSeeOther)
	// The cookie is HttpOnly and SameSite=Lax.
	c2 := newClient(t, ts)
	tok := c2.csrf("/ar/login")
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/ar/login", strings.NewReader(url.Values{"csrf_token": {tok}, "email": {"admin@example.ps"}, "password": {survey.DemoPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = c2.do(req)
	var setCookie string
	for _, sc := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, cookieSession+"=") {
			setCookie = sc
		}
	}
	assertContains(t, setCookie, "HttpOnly", "SameSite=Lax")
}

func sessionCookie(c *client, u *url.URL) string {
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == cookieSession {
			return ck.Value
		}
	}
	return ""
}

func TestCreateInstitutionForm(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	// Bad input: each field's error in Arabic, typed values kept, nothing stored.
	bad := url.Values{"code": {"٩x"}, "name_ar": {"Only Latin"}, "name_en": {"Typed English"}, "kind": {"castle"}, "sector": {"Health Care"}, "region": {"mars"}, "website": {"not a url"}}
	r := c.post("/ar/admin/institutions", bad, "/ar/admin/institutions/new")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "يوجد خطأ", `href="#f-code"`, "اكتب الاسم بأحرف عربية", "اختر أحد الخيارات", `value="Typed English"`, "أدخل عنواناً كاملاً")
	assertTranslated(t, r.Body)
	// Good input, with Arabic-Indic digits in the code.
	good := url.Values{"code": {"mdt٢"}, "name_ar": {"هيئة التجربة"}, "name_en": {"Test Authority"}, "kind": {"agency"}, "sector": {"ict"}, "region": {"gaza"}}
	r = c.post("/ar/admin/institutions", good, "/ar/admin/institutions/new")
	assertStatus(t, r, http.StatusSeeOther)
	r = c.get("/ar/admin/institutions?done=created")
	assertContains(t, r.Body, "أضيفت المؤسسة", "هيئة التجربة", "MDT2")
	// Same code again: a field error, not a crash.
	r = c.post("/ar/admin/institutions", good, "/ar/admin/institutions/new")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "توجد مؤسسة بهذا الرمز")
	// Edit and deactivate.
	good.Set("name_ar", "هيئة التجربة المعدلة")
	assertStatus(t, c.post("/ar/admin/institutions/MDT2", good, "/ar/admin/institutions/MDT2/edit"), http.StatusSeeOther)
	assertStatus(t, c.post("/ar/admin/institutions/MDT2/active", url.Values{"active": {"0"}}, "/ar/admin/institutions"), http.StatusSeeOther)
	inst, err := st.Institution(context.Background(), "MDT2")
	if err != nil || inst.NameAr != "هيئة التجربة المعدلة" || inst.Active {
		t.Errorf("after edit and deactivate: %+v, %v", inst, err)
	}
	if r := c.get("/ar/admin/institutions"); strings.Contains(r.Body, "MDT2") {
		t.Error("deactivated institution still listed by default")
	}
	assertContains(t, c.get("/ar/admin/institutions?inactive=1").Body, "MDT2")
	assertStatus(t, c.get("/ar/admin/institutions/NOPE/edit"), http.StatusNotFound)
}

// upload posts a file as multipart/form-data with the CSRF token of page.
func (c *client) upload(path, page, name string, content []byte) response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.csrf(page))
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestImportInstitutionsCSV(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	before, _ := st.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})

	bad := "\xEF\xBB\xBFcode,name_ar,name_en,kind,sector,region\n" +
		"NEW1,مؤسسة جديدة,New One,agency,ict,national\n" +
		"bad code,مؤسسة,,ministry,ict,national\n" +
		"NEW3,,,castle,ict,national\n"
	r := c.upload("/ar/admin/institutions/import", "/ar/admin/institutions/import", "i.csv", []byte(bad))
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "لم يُستورد أي شيء", "السطر 3", "السطر 4", "الرمز: استخدم", "النوع: اختر أحد الخيارات")
	after, _ := st.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})
	if len(after) != len(before) {
		t.Fatalf("a failed import stored %d institutions", len(after)-len(before))
	}
	r = c.upload("/en/admin/institutions/import", "/en/admin/institutions/import", "i.csv", []byte(bad))
	assertContains(t, r.Body, "Nothing was imported", "Line 3", "Code: Use")

	good := "\xEF\xBB\xBFcode,name_ar,name_en,kind,sector,region\n" +
		"NEW1,مؤسسة جديدة,New One,agency,ict,national\n" +
		"MOH,وزارة الصحة الفلسطينية,Ministry of Health,وزارة,health,national\n"
	r = c.upload("/ar/admin/institutions/import", "/ar/admin/institutions/import", "i.csv", []byte(good))
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "أضيفت 1 وحُدّثت 1")
	moh, _ := st.Institution(ctx, "MOH")
	if moh.NameAr != "وزارة الصحة الفلسطينية" {
		t.Errorf("MOH not updated: %q", moh.NameAr)
	}

	r = c.upload("/ar/admin/institutions/import", "/ar/admin/institutions/import", "w.csv", []byte("code,name_ar\n\xc7\xe1"))
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "UTF-8")

	// Export then re-import changes nothing.
	exp := c.get("/ar/admin/institutions/export.csv")
	assertStatus(t, exp, http.StatusOK)
	if !strings.HasPrefix(exp.Body, "\xEF\xBB\xBF") {
		t.Error("export lacks the UTF-8 BOM")
	}
	r = c.upload("/ar/admin/institutions/import", "/ar/admin/institutions/import", "e.csv", []byte(exp.Body))
	assertStatus(t, r, http.StatusOK)
	again := c.get("/ar/admin/institutions/export.csv")
	if again.Body != exp.Body {
		t.Error("export → import → export changed the data")
	}
}

func TestUploadLimit(t *testing.T) {
	heavyUploads(t)
	ts, _ := startServer(t)
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	big := bytes.Repeat([]byte("a"), maxUpload+1)
	r := c.upload("/ar/admin/institutions/import", "/ar/admin/institutions/import", "big.csv", big)
	assertStatus(t, r, http.StatusRequestEntityTooLarge)
	assertContains(t, r.Body, "الحجم كبير جداً")
	form := url.Values{"name_ar": {strings.Repeat("ا", maxBody)}}
	assertStatus(t, c.post("/ar/admin/institutions", form, "/ar/admin/institutions/new"), http.StatusRequestEntityTooLarge)
}

func TestInvitationFlow(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	r := admin.post("/ar/admin/invitations", url.Values{"email": {"It.Officer@MOH.ps"}, "role": {"respondent"}, "institution": {"MOH"}}, "/ar/admin/invitations")
	assertStatus(t, r, http.StatusOK)
	m := regexp.MustCompile(`value="http://marsad\.test(/ar/invite/[^"]+)"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no invitation link on the page:\n%s", r.Body)
	}
	link := m[1]

	// A respondent invitation needs an institution.
	r = admin.post("/ar/admin/invitations", url.Values{"email": {"x@moh.ps"}, "role": {"respondent"}}, "/ar/admin/invitations")
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "اختر المؤسسة التي يجيب عنها المستجيب")

	guest := newClient(t, ts)
	r = guest.get(link)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "it.officer@moh.ps", "إنشاء حسابك")
	r = guest.post(link, url.Values{"name": {"سارة"}, "password": {"short"}, "password_confirm": {"short"}}, link)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "10 أحرف")
	r = guest.post(link, url.Values{"name": {"سارة"}, "password": {"a-long-password"}, "password_confirm": {"a-long-password"}}, link)
	assertStatus(t, r, http.StatusSeeOther)
	r = guest.get("/ar/")
	// The home page leads the new respondent to the work page, by the
	// institution's name (not its code).
	assertContains(t, r.Body, "it.officer@moh.ps", `href="/ar/work"`, "وزارة الصحة")

	u, err := st.Authenticate(context.Background(), "it.officer@moh.ps", "a-long-password")
	if err != nil || u.Role != survey.RoleRespondent || u.InstitutionCode != "MOH" {
		t.Fatalf("invited account: %+v, %v", u, err)
	}
	// The link works once, and says so.
	other := newClient(t, ts)
	r = other.get(link)
	assertStatus(t, r, http.StatusGone)
	assertContains(t, r.Body, "لا يمكن استخدام رابط الدعوة هذا", "استُخدم هذا الرابط")
	r = other.post(link, url.Values{"name": {"x"}, "password": {"another-password"}, "password_confirm": {"another-password"}}, "/ar/login")
	assertStatus(t, r, http.StatusGone)
	assertStatus(t, other.get("/ar/invite/not-a-real-token"), http.StatusNotFound)
	// The new respondent is kept out of admin pages.
	assertStatus(t, guest.get("/ar/admin/institutions"), http.StatusForbidden)
}

func TestFirstRunSetup(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	srv := newServerOn(t, st)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newClient(t, ts)
	// Nothing works until an admin exists.
	r := c.get("/ar/")
	assertStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/ar/setup" {
		t.Errorf("redirected to %q", loc)
	}
	r = c.get("/ar/login")
	assertStatus(t, r, http.StatusSeeOther)
	r = apiCall(t, ts, http.MethodPost, "/api/v1/auth/login", "", `{"email":"a@b.ps","password":"x"}`)
	assertStatus(t, r, http.StatusServiceUnavailable)
	assertAPIError(t, r, "setup_required")
	assertStatus(t, c.get("/healthz"), http.StatusOK)

	r = c.get("/ar/setup?token=guess")
	assertStatus(t, r, http.StatusForbidden)
	assertContains(t, r.Body, "رابط الإعداد هذا غير صالح")

	token, err := st.NewSetupToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	page := "/ar/setup?token=" + token
	assertStatus(t, c.get(page), http.StatusOK)
	r = c.post("/ar/setup", url.Values{"token": {token}, "email": {"coordinator@mtde.ps"}, "password": {"a-long-password"}, "password_confirm": {"different-password"}}, page)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertContains(t, r.Body, "كلمتا المرور غير متطابقتين")
	r = c.post("/ar/setup", url.Values{"token": {token}, "email": {"coordinator@mtde.ps"}, "password": {"a-long-password"}, "password_confirm": {"a-long-password"}}, page)
	assertStatus(t, r, http.StatusSeeOther)
	assertStatus(t, c.get("/ar/admin/institutions"), http.StatusOK)
	// The link is spent.
	assertStatus(t, newClient(t, ts).get(page), http.StatusSeeOther)
	ok, _ := st.HasAdmin(context.Background())
	if !ok {
		t.Error("no admin after setup")
	}
}

func TestFormRejectsInvalidUTF8(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	tok := c.csrf("/ar/admin/institutions/new")
	body := "csrf_token=" + tok + "&code=BAD&name_ar=%C7%E1"
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/ar/admin/institutions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := c.do(req)
	assertStatus(t, r, http.StatusBadRequest)
	assertContains(t, r.Body, "UTF-8")
}

// apiCall sends a JSON request with an optional bearer token.
func apiCall(t *testing.T, ts *httptest.Server, method, path, token, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, ts.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return newClient(t, ts).do(req)
}

func apiToken(t *testing.T, ts *httptest.Server, email string) string {
	t.Helper()
	r := apiCall(t, ts, http.MethodPost, "/api/v1/auth/login", "", `{"email":"`+email+`","password":"`+survey.DemoPassword+`"}`)
	assertStatus(t, r, http.StatusOK)
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil || out.Token == "" {
		t.Fatalf("login response %s: %v", r.Body, err)
	}
	return out.Token
}

// assertAPIError checks the API's error object (docs/api.md, "Errors").
func assertAPIError(t *testing.T, r response, code string) apiErrorBody {
	t.Helper()
	var e apiError
	if err := json.Unmarshal([]byte(r.Body), &e); err != nil {
		t.Fatalf("not a JSON error: %s", r.Body)
	}
	if e.Error.Code != code || e.Error.Message == "" || strings.Contains(e.Error.Message, "⟦") {
		t.Errorf("error = %+v, want code %q with a message", e.Error, code)
	}
	return e.Error
}

func TestAPI(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	viewer := apiToken(t, ts, "viewer@example.ps")

	r := apiCall(t, ts, http.MethodGet, "/api/v1/me", admin, "")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"role":"admin"`, `"email":"admin@example.ps"`)

	r = apiCall(t, ts, http.MethodGet, "/api/v1/institutions", viewer, "")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"code":"MOH"`, `"name_ar":"وزارة الصحة"`)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/institutions/moh", viewer, ""), http.StatusOK)

	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/me", "", ""), "sign_in_required")
	assertAPIError(t, apiCall(t, ts, http.MethodGet, "/api/v1/me", "forged", ""), "sign_in_required")
	r = apiCall(t, ts, http.MethodPost, "/api/v1/auth/login", "", `{"email":"admin@example.ps","password":"nope-nope-nope"}`)
	assertStatus(t, r, http.StatusUnauthorized)
	assertAPIError(t, r, "bad_credentials")

	body := `{"code":"API1","name_ar":"مؤسسة عبر الواجهة","name_en":"Via API","kind":"agency","sector":"ict","region":"abroad"}`
	r = apiCall(t, ts, http.MethodPost, "/api/v1/institutions", viewer, body)
	assertStatus(t, r, http.StatusForbidden)
	assertAPIError(t, r, "forbidden")

	r = apiCall(t, ts, http.MethodPost, "/api/v1/institutions", admin, body)
	assertStatus(t, r, http.StatusCreated)
	assertContains(t, r.Body, `"code":"API1"`)
	r = apiCall(t, ts, http.MethodPost, "/api/v1/institutions", admin, body)
	assertStatus(t, r, http.StatusConflict)
	assertAPIError(t, r, "conflict")

	r = apiCall(t, ts, http.MethodPost, "/api/v1/institutions", admin, `{"code":"x","name_ar":"","kind":"castle","sector":"ict","region":"national"}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	e := assertAPIError(t, r, "validation")
	for _, f := range []string{"code", "name_ar", "kind"} {
		if e.Fields[f] == "" {
			t.Errorf("no message for field %s: %+v", f, e.Fields)
		}
	}

	r = apiCall(t, ts, http.MethodPut, "/api/v1/institutions/API1", admin, `{"name_ar":"مؤسسة معدلة","kind":"agency","sector":"ict","region":"gaza"}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"region":"gaza"`)
	r = apiCall(t, ts, http.MethodPut, "/api/v1/institutions/API1", admin, `{"code":"OTHER","name_ar":"مؤسسة","kind":"agency","sector":"ict","region":"gaza"}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/institutions/NOPE", admin, `{"name_ar":"مؤسسة","kind":"agency","sector":"ict","region":"gaza"}`), http.StatusNotFound)

	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/institutions/API1", viewer, ""), http.StatusForbidden)
	assertStatus(t, apiCall(t, ts, http.MethodDelete, "/api/v1/institutions/API1", admin, ""), http.StatusNoContent)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/institutions/API1", viewer, ""), http.StatusNotFound)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/institutions/API1", admin, ""), http.StatusOK)

	// Malformed, unknown fields, invalid UTF-8, oversized: 4xx, nothing stored.
	for name, tc := range map[string]struct {
		body   string
		status int
		code   string
	}{
		"malformed":     {`{"code":`, http.StatusBadRequest, "bad_json"},
		"unknown field": {`{"code":"ZZ1","nme_ar":"x"}`, http.StatusBadRequest, "bad_json"},
		"two objects":   {`{"code":"ZZ1"}{"code":"ZZ2"}`, http.StatusBadRequest, "bad_json"},
		"wrong type":    {`{"code":1}`, http.StatusBadRequest, "bad_json"},
		"invalid utf-8": {"{\"code\":\"ZZ1\",\"name_ar\":\"\xc7\xe1\",\"kind\":\"agency\",\"sector\":\"ict\",\"region\":\"gaza\"}", http.StatusBadRequest, "bad_encoding"},
		"oversized":     {`{"code":"ZZ1","name_ar":"` + strings.Repeat("ا", maxBody) + `"}`, http.StatusRequestEntityTooLarge, "too_large"},
	} {
		t.Run(name, func(t *testing.T) {
			r := apiCall(t, ts, http.MethodPost, "/api/v1/institutions", admin, tc.body)
			assertStatus(t, r, tc.status)
			assertAPIError(t, r, tc.code)
		})
	}
	if _, err := st.Institution(context.Background(), "ZZ1"); err == nil {
		t.Error("a rejected request stored an institution")
	}

	// Messages follow Accept-Language.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/me", nil)
	req.Header.Set("Accept-Language", "en")
	r = newClient(t, ts).do(req)
	if e := assertAPIError(t, r, "sign_in_required"); e.Message != "Sign in first." {
		t.Errorf("English message = %q", e.Message)
	}

	// Logout revokes the token.
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/auth/logout", viewer, ""), http.StatusNoContent)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/me", viewer, ""), http.StatusUnauthorized)
}

func TestAPIWithSessionCookieNeedsCSRFHeader(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	assertStatus(t, c.get("/api/v1/me"), http.StatusOK)
	body := `{"code":"CK1","name_ar":"مؤسسة","kind":"agency","sector":"ict","region":"gaza"}`
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/institutions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	r := c.do(req)
	assertStatus(t, r, http.StatusForbidden)
	assertAPIError(t, r, "csrf")
	req, _ = http.NewRequest(http.MethodPost, ts.URL+"/api/v1/institutions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf("/ar/"))
	assertStatus(t, c.do(req), http.StatusCreated)
}

// TestAPIPutTakesWhatGetReturned: a client may send back the record it
// read, changed where it means to; the fields only a read has (id,
// institution, times, review state, observed checks) are ignored, and an
// unknown field is still refused (issue 19).
func TestAPIPutTakesWhatGetReturned(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	read := func(path string) map[string]any {
		t.Helper()
		r := apiCall(t, ts, http.MethodGet, path, admin, "")
		assertStatus(t, r, http.StatusOK)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return m
	}
	firstID := func(path, list string) string {
		t.Helper()
		items, _ := read(path)[list].([]any)
		if len(items) == 0 {
			t.Fatalf("%s: no %s", path, list)
		}
		return fmt.Sprint(int64(items[0].(map[string]any)["id"].(float64)))
	}
	for _, c := range []struct{ path, field string }{
		{"/api/v1/institutions/MOH", "website"},
		{"/api/v1/services/" + firstID("/api/v1/institutions/MOH/services", "items"), "name_en"},
		{"/api/v1/initiatives/" + firstID("/api/v1/institutions/MOH/initiatives", "items"), "title_en"},
	} {
		t.Run(c.path, func(t *testing.T) {
			rec := read(c.path)
			want := "https://changed.example.ps/" + c.field
			rec[c.field] = want
			for _, ro := range []string{"id", "created_at", "updated_at"} {
				if _, ok := rec[ro]; ok {
					rec[ro] = "changed by the client"
				}
			}
			body, _ := json.Marshal(rec)
			r := apiCall(t, ts, http.MethodPut, c.path, admin, string(body))
			assertStatus(t, r, http.StatusOK)
			after := read(c.path)
			if after[c.field] != want {
				t.Errorf("%s = %v after the PUT, want %q", c.field, after[c.field], want)
			}
			if id, ok := after["id"].(float64); ok && fmt.Sprint(int64(id)) != c.path[strings.LastIndex(c.path, "/")+1:] {
				t.Errorf("the id moved: %v", after["id"])
			}
			// Sent back again unchanged (the version moved for services
			// and initiatives: send the new one), then with a field no read has.
			after["bogus"] = 1
			body, _ = json.Marshal(after)
			r = apiCall(t, ts, http.MethodPut, c.path, admin, string(body))
			assertStatus(t, r, http.StatusBadRequest)
			assertAPIError(t, r, "bad_json")
			delete(after, "bogus")
			body, _ = json.Marshal(after)
			assertStatus(t, apiCall(t, ts, http.MethodPut, c.path, admin, string(body)), http.StatusOK)
		})
	}
}

// TestAPIUnsetTimesAreNull: a time that has not happened is null in the
// API, not Go's zero time (issue 19): a draft round's opening, closing and
// publication, a draft response's submission and acceptance.
func TestAPIUnsetTimesAreNull(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	r := apiCall(t, ts, http.MethodPost, "/api/v1/rounds", admin, `{"name":"2031","questionnaire_id":1,"deadline":"2031-12-31"}`)
	assertStatus(t, r, http.StatusCreated)
	assertContains(t, r.Body, `"opened_at":null`, `"closed_at":null`, `"published_at":null`)
	rounds := apiCall(t, ts, http.MethodGet, "/api/v1/rounds", admin, "")
	if strings.Contains(rounds.Body, "0001-01-01") {
		t.Errorf("a zero time in the rounds: %s", rounds.Body)
	}
	var list struct {
		Rounds []struct {
			ID       int64   `json:"id"`
			Status   string  `json:"status"`
			OpenedAt *string `json:"opened_at"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(rounds.Body), &list); err != nil {
		t.Fatal(err)
	}
	var open int64
	for _, rd := range list.Rounds {
		if rd.Status == "open" {
			open = rd.ID
			if rd.OpenedAt == nil || !strings.HasPrefix(*rd.OpenedAt, "20") {
				t.Errorf("an open round's opened_at = %v", rd.OpenedAt)
			}
		}
	}
	if open == 0 {
		t.Fatal("no open round in the demo")
	}
	// A response to the open round carries the round, not yet closed.
	r = apiCall(t, ts, http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/responses/MOI", open), admin, "")
	assertStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, "0001-01-01") || !strings.Contains(r.Body, `"closed_at":null`) {
		t.Errorf("an open round's response: %.300s", r.Body)
	}
}

// TestAPIMergePatch: PATCH takes a JSON Merge Patch (RFC 7396) of an
// institution, a service or an initiative: the members it names change,
// null removes one, the rest stay; a versioned record's patch must name
// its version, and a stale one is 409 (issue 19).
func TestAPIMergePatch(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	patch := func(path, contentType, body string) response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPatch, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+admin)
		return newClient(t, ts).do(req)
	}
	read := func(path string) map[string]any {
		t.Helper()
		r := apiCall(t, ts, http.MethodGet, path, admin, "")
		assertStatus(t, r, http.StatusOK)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	const mp = "application/merge-patch+json"

	// An institution: one member changes, the others stay.
	before := read("/api/v1/institutions/MOH")
	r := patch("/api/v1/institutions/MOH", mp, `{"website":"https://patched.moh.example.ps"}`)
	assertStatus(t, r, http.StatusOK)
	after := read("/api/v1/institutions/MOH")
	if after["website"] != "https://patched.moh.example.ps" || after["name_ar"] != before["name_ar"] || after["region"] != before["region"] {
		t.Errorf("institution after the patch: %v (before %v)", after, before)
	}
	assertStatus(t, patch("/api/v1/institutions/MOH", "text/plain", `{"website":""}`), http.StatusUnsupportedMediaType)
	assertStatus(t, patch("/api/v1/institutions/NOPE", mp, `{"website":""}`), http.StatusNotFound)

	// A service: the version is required and checked; null removes.
	var list struct {
		Services []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/institutions/MOH/services", admin, "").Body), &list); err != nil || len(list.Services) == 0 {
		t.Fatalf("services: %v", err)
	}
	svc := fmt.Sprintf("/api/v1/services/%d", list.Services[0].ID)
	before = read(svc)
	version := int64(before["version"].(float64))
	r = patch(svc, mp, `{"name_en":"Patched"}`)
	assertStatus(t, r, http.StatusUnprocessableEntity)
	if e := assertAPIError(t, r, "validation"); e.Fields["version"] == "" {
		t.Errorf("a patch without a version: %+v", e)
	}
	r = patch(svc, mp, fmt.Sprintf(`{"name_en":"Patched","description_en":null,"version":%d}`, version))
	assertStatus(t, r, http.StatusOK)
	after = read(svc)
	if after["name_en"] != "Patched" || after["description_en"] != "" || after["name_ar"] != before["name_ar"] || after["stage"] != before["stage"] {
		t.Errorf("service after the patch: %v (before %v)", after, before)
	}
	assertStatus(t, patch(svc, mp, fmt.Sprintf(`{"name_en":"Stale","version":%d}`, version)), http.StatusConflict)
	for name, body := range map[string]string{
		"not an object": `["name_en"]`,
		"unknown field": fmt.Sprintf(`{"nmae_en":"x","version":%d}`, version+1),
		"wrong type":    fmt.Sprintf(`{"name_en":1,"version":%d}`, version+1),
		"malformed":     `{"name_en":`,
	} {
		r := patch(svc, mp, body)
		assertStatus(t, r, http.StatusBadRequest)
		if e := assertAPIError(t, r, "bad_json"); e.Code == "" {
			t.Errorf("%s: %+v", name, e)
		}
	}
	if read(svc)["name_en"] != "Patched" {
		t.Error("a refused patch changed the service")
	}

	// An initiative.
	var inits struct {
		Initiatives []struct {
			ID      int64 `json:"id"`
			Version int64 `json:"version"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(apiCall(t, ts, http.MethodGet, "/api/v1/institutions/MOH/initiatives", admin, "").Body), &inits); err != nil || len(inits.Initiatives) == 0 {
		t.Fatalf("initiatives: %v", err)
	}
	in := inits.Initiatives[0]
	r = patch(fmt.Sprintf("/api/v1/initiatives/%d", in.ID), mp, fmt.Sprintf(`{"title_en":"Patched initiative","version":%d}`, in.Version))
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"title_en":"Patched initiative"`)
}

// TestAPIRoundQuestionnaire: a respondent's client can learn the items it
// saves — ids, types, options — from the round (issue 19), and saving one
// of them by that id works; a draft round's questionnaire stays hidden.
func TestAPIRoundQuestionnaire(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	moh := apiToken(t, ts, "moh@example.ps")
	open := openRoundID(t, st)
	r := apiCall(t, ts, http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/questionnaire", open), moh, "")
	assertStatus(t, r, http.StatusOK)
	var q survey.Definition
	if err := json.Unmarshal([]byte(r.Body), &q); err != nil || len(q.Items) == 0 {
		t.Fatalf("questionnaire: %v, %d items", err, len(q.Items))
	}
	var single *survey.Item
	for i := range q.Items {
		if q.Items[i].Type == survey.TypeSingle && len(q.Items[i].Options) > 0 && q.Items[i].ShowIf == "" {
			single = &q.Items[i]
			break
		}
	}
	if single == nil {
		t.Fatal("no single-choice item without a condition")
	}
	resp := apiCall(t, ts, http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/responses/MOH", open), moh, "")
	var current struct {
		Answers map[string]survey.Answer `json:"answers"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &current); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"values":[%q],"version":%d}`, single.Options[0].Value, current.Answers[single.ID].Version)
	assertStatus(t, apiCall(t, ts, http.MethodPut, fmt.Sprintf("/api/v1/rounds/%d/responses/MOH/answers/%s", open, single.ID), moh, body), http.StatusOK)
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/rounds/999999/questionnaire", moh, ""), http.StatusNotFound)
	assertStatus(t, apiCall(t, ts, http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/questionnaire", open), "", ""), http.StatusUnauthorized)
}
