package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/survey"
)

// TestResponseContentMatchesTemplate holds response_content.go to
// response.html in the states TestQuestionCacheMatchesRendering does not
// reach: names with every character HTML escapes, the saved and pre-filled
// notices, the pre-fill offer, the list of missing answers after a refused
// submit, a round past its deadline, and the coordinator's page. Each page is served by a server
// that writes the content in Go and by one that runs the template, in both
// languages, and must be the same bytes.
func TestResponseContentMatchesTemplate(t *testing.T) {
	t.Parallel()
	fast, st := newTestServer(t)
	ref := byTemplate(newServerOn(t, st))
	ctx := context.Background()
	inst, err := st.Institution(ctx, "MOI")
	if err != nil {
		t.Fatal(err)
	}
	hostileAr, hostileEn := `وزارة "الداخلية" <b>&'+ّ`, `Interior "<i>" & 'x'+1`
	if _, err := st.UpdateInstitution(ctx, 0, "MOI", survey.InstitutionInput{Code: "MOI", NameAr: hostileAr, NameEn: hostileEn,
		Kind: inst.Kind, Sector: inst.Sector, Region: inst.Region, Website: inst.Website}); err != nil {
		t.Fatal(err)
	}
	open, err := st.Round(ctx, openRoundID(t, st))
	if err != nil {
		t.Fatal(err)
	}
	late := lateRound(t, st, `2026 "late" <x>+&`)
	// A second open round where MOI has answered nothing: the page offers
	// to copy its answers from a round that is over.
	fresh, err := st.CreateRound(ctx, 0, survey.RoundInput{Name: "2027 <fresh>", QuestionnaireID: open.QuestionnaireID,
		Deadline: time.Now().In(survey.DeadlineZone).AddDate(0, 1, 0).Format(survey.DateLayout)})
	if err != nil {
		t.Fatal(err)
	}
	if fresh, err = st.RoundAction(ctx, 0, fresh.ID, "open"); err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(ctx, open.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	session := func(email string, role survey.Role, code string) (string, string) {
		u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: email, Name: "Same", Role: role, InstitutionCode: code, Password: "a-long-test-password"})
		if err != nil {
			t.Fatal(err)
		}
		tok, sess, err := st.CreateSession(ctx, u.ID, survey.SessionWeb)
		if err != nil {
			t.Fatal(err)
		}
		return tok, sess.CSRFToken
	}
	moi, moiCSRF := session("same@moi.ps", survey.RoleRespondent, "MOI")
	admin, _ := session("same@mdi.ps", survey.RoleAdmin, "")
	serve := func(srv *Server, tok string, req *http.Request) (int, string) {
		req.AddCookie(&http.Cookie{Name: cookieSession, Value: tok})
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w.Code, unmasked(w.Body.String())
	}
	seen := map[string]bool{}
	compare := func(what, tok, method, path string, form url.Values, want int) {
		t.Helper()
		for _, lang := range []string{"ar", "en"} {
			var pages [2]string
			for i, srv := range []*Server{fast, ref} {
				var req *http.Request
				if method == http.MethodPost {
					req = httptest.NewRequest(method, "/"+lang+path, strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				} else {
					req = httptest.NewRequest(method, "/"+lang+path, nil)
				}
				code, body := serve(srv, tok, req)
				if code != want {
					t.Fatalf("%s /%s%s: status %d, want %d", what, lang, path, code, want)
				}
				pages[i] = body
			}
			if pages[0] != pages[1] {
				t.Errorf("%s /%s%s: the page written in Go differs from the template's %s", what, lang, path, pageDiff(pages[0], pages[1]))
			}
			for _, mark := range []string{"prefill-box", "error-summary", "deadline-passed", "submit-box", `role="status"`, "&lt;b&gt;", "&#43;"} {
				if strings.Contains(pages[0], mark) {
					seen[mark] = true
				}
			}
		}
	}
	base := func(r survey.Round) string { return "/rounds/" + strconv.FormatInt(r.ID, 10) + "/responses/MOI" }
	for _, sec := range q.Def.Sections {
		compare("open round", moi, http.MethodGet, base(open)+"?section="+url.QueryEscape(sec.ID), nil, http.StatusOK)
	}
	compare("saved notice", moi, http.MethodGet, base(open)+"?saved=1", nil, http.StatusOK)
	compare("pre-filled notice", moi, http.MethodGet, base(open)+"?prefilled=12&from="+strconv.FormatInt(late.ID, 10), nil, http.StatusOK)
	compare("pre-fill offered", moi, http.MethodGet, base(fresh), nil, http.StatusOK)
	compare("past the deadline", moi, http.MethodGet, base(late), nil, http.StatusOK)
	compare("coordinator", admin, http.MethodGet, base(open)+"?section="+url.QueryEscape(q.Def.Sections[len(q.Def.Sections)-1].ID), nil, http.StatusOK)
	// Submitting with answers missing: the page lists them.
	compare("missing answers", moi, http.MethodPost, base(fresh)+"/submit", url.Values{"csrf_token": {moiCSRF}, "section": {q.Def.Sections[0].ID}}, http.StatusUnprocessableEntity)
	for _, mark := range []string{"prefill-box", "error-summary", "deadline-passed", "submit-box", `role="status"`, "&lt;b&gt;", "&#43;"} {
		if !seen[mark] {
			t.Errorf("no page showed %q: the state it stands for was not compared", mark)
		}
	}
}

// pageDiff says where page a, written in Go, first differs from page b,
// the template's, with what follows in each.
func pageDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return fmt.Sprintf("at byte %d:\nGo:       %.200q\ntemplate: %.200q", i, a[max(0, i-40):], b[max(0, i-40):])
}
