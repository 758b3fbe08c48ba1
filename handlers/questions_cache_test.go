package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
)

// TestQuestionCacheMatchesRendering: the questionnaire page served with
// questions from the cache of rendered questions is byte for byte the page
// a server with an empty cache renders, through every state a question
// shows: empty, answered, N/A with a comment, evidence, a validation error,
// submitted (read-only), returned with a reviewer's comment, and in both
// languages. A state missing from questionKey would serve the HTML of
// another state and fail here.
func TestQuestionCacheMatchesRendering(t *testing.T) {
	t.Parallel()
	st := newDemoStore(t)
	ctx := context.Background()
	warm := newServerOn(t, st)
	rounds, err := st.OpenRounds(ctx)
	if err != nil || len(rounds) == 0 {
		t.Fatalf("open rounds: %v %v", rounds, err)
	}
	round := rounds[0]
	q, err := st.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	admin := survey.ActorOf(survey.User{ID: 0, Role: survey.RoleAdmin})
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "cache@moh.ps", Name: "Cache", Role: survey.RoleRespondent, InstitutionCode: "MOH", Password: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	token, sess, err := st.CreateSession(ctx, u.ID, survey.SessionWeb)
	if err != nil {
		t.Fatal(err)
	}
	base := "/rounds/" + strconv.FormatInt(round.ID, 10) + "/responses/MOH"
	serve := func(srv *Server, req *http.Request) (int, string) {
		req.AddCookie(&http.Cookie{Name: cookieSession, Value: token})
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w.Code, unmasked(w.Body.String())
	}
	// compare renders every section in both languages on the warm server
	// and on a new one for each page, whose cache is empty.
	checked := 0
	compare := func(state string) {
		t.Helper()
		for _, lang := range []string{"ar", "en"} {
			for _, sec := range q.Def.Sections {
				path := "/" + lang + base + "?section=" + sec.ID
				wc, wb := serve(warm, httptest.NewRequest(http.MethodGet, path, nil))
				wc2, wb2 := serve(warm, httptest.NewRequest(http.MethodGet, path, nil)) // now from the cache
				cc, cb := serve(byTemplate(newServerOn(t, st)), httptest.NewRequest(http.MethodGet, path, nil))
				if wc != http.StatusOK || cc != http.StatusOK || wc2 != http.StatusOK {
					t.Fatalf("%s %s: status %d / %d / %d", state, path, wc, wc2, cc)
				}
				if wb != cb || wb2 != cb {
					t.Errorf("%s %s: the page with cached questions differs from one rendered afresh", state, path)
				}
				checked++
			}
		}
	}
	save := func(in survey.AnswerInput) {
		t.Helper()
		// The demo may have answered it: save over the current version.
		if resp, err := st.Response(ctx, round.ID, "MOH"); err == nil {
			answers, err := st.Answers(ctx, resp.ID)
			if err != nil {
				t.Fatal(err)
			}
			in.BaseVersion = answers[in.ItemID].Version
		}
		if _, err := st.SaveAnswer(ctx, admin, round.ID, "MOH", in); err != nil {
			t.Fatalf("save %s: %v", in.ItemID, err)
		}
	}
	compare("empty")

	// Institutions share the questions of one state. A catalog metric
	// links a respondent to their services (/services, the same link for
	// all) and anyone else to the institution's: seen by the coordinator,
	// MOI's pages, their questions from the cache MOH's filled, are the
	// pages rendered afresh, and the metric links to MOI's services.
	other, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "cache@moi.ps", Name: "Cache", Role: survey.RoleRespondent, InstitutionCode: "MOI", Password: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	coordinator, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "cache@mdi.ps", Name: "Cache", Role: survey.RoleAdmin, Password: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	metrics := 0
	for _, who := range []struct {
		user survey.User
		link string
	}{{other, "/ar/services"}, {coordinator, "/ar/institutions/MOI/services"}} {
		tok, _, err := st.CreateSession(ctx, who.user.ID, survey.SessionWeb)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range q.Def.Sections {
			get := func(srv *Server, code string) (int, string) {
				path := "/ar" + strings.Replace(base, "/MOH", "/"+code, 1) + "?section=" + sec.ID
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(&http.Cookie{Name: cookieSession, Value: tok})
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				return w.Code, unmasked(w.Body.String())
			}
			if who.user.Role == survey.RoleAdmin {
				get(warm, "MOH") // the cache filled for another institution
			}
			wc, wb := get(warm, "MOI")
			cc, cb := get(byTemplate(newServerOn(t, st)), "MOI")
			if wc != http.StatusOK || cc != http.StatusOK || wb != cb {
				t.Errorf("%s, MOI %s: status %d / %d; the page with questions cached for MOH differs from one rendered afresh", who.user.Role, sec.ID, wc, cc)
			}
			for _, note := range strings.Split(wb, `class="metric-note"`)[1:] {
				note, _, _ = strings.Cut(note, "</p>")
				if !strings.Contains(note, `href="`+who.link+`"`) {
					t.Errorf("%s, MOI %s: a catalog metric does not link to %s: %s", who.user.Role, sec.ID, who.link, note)
				}
				metrics++
			}
		}
	}
	if metrics == 0 {
		t.Error("no catalog metric on MOI's pages: the check above checked nothing")
	}

	var withNA, withEvidence, number survey.Item
	for _, it := range q.Def.Items {
		switch {
		case it.NAAllowed && withNA.ID == "" && it.Type != survey.TypeMetric:
			withNA = it
		case it.Evidence && withEvidence.ID == "" && it.Type == survey.TypeSingle:
			withEvidence = it
		case (it.Type == survey.TypeNumber || it.Type == survey.TypePercent) && number.ID == "":
			number = it
		}
	}
	if withNA.ID == "" || withEvidence.ID == "" || number.ID == "" {
		t.Fatalf("the default questionnaire lacks an item kind: N/A %q, evidence %q, number %q", withNA.ID, withEvidence.ID, number.ID)
	}
	save(survey.AnswerInput{ItemID: withEvidence.ID, Values: []string{withEvidence.Options[0].Value}, Evidence: "https://moh.example.ps/decree.pdf"})
	save(survey.AnswerInput{ItemID: withNA.ID, NA: true, Comment: "لا ينطبق على الوزارة"})
	compare("answered")

	numberVersion := func() int64 {
		resp, err := st.Response(ctx, round.ID, "MOH")
		if err != nil {
			return 0
		}
		answers, _ := st.Answers(ctx, resp.ID)
		return answers[number.ID].Version
	}
	// A value the form refuses: the page comes back with the error on the
	// question, from both servers alike.
	form := url.Values{"csrf_token": {sess.CSRFToken}, "section": {number.Section}, "go": {"stay"},
		"v." + number.ID: {"many"}, "ver." + number.ID: {strconv.FormatInt(numberVersion(), 10)}}
	post := func(srv *Server) (int, string) {
		req := httptest.NewRequest(http.MethodPost, "/ar"+base, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return serve(srv, req)
	}
	wc, wb := post(warm)
	cc, cb := post(byTemplate(newServerOn(t, st)))
	if wc != http.StatusUnprocessableEntity || cc != wc || wb != cb {
		t.Errorf("a refused value: warm %d, cold %d, same page %v", wc, cc, wb == cb)
	}
	if !strings.Contains(wb, "has-error") {
		t.Error("the refused value's page shows no error on the question")
	}

	// Everything required answered, submitted: the questions turn read-only.
	answerRequired(t, st, round.ID, "MOH")
	if _, err := st.ResponseAction(ctx, admin, round.ID, "MOH", "submit"); err != nil {
		t.Fatal(err)
	}
	compare("submitted")

	// Returned with the reviewer's comment on one answer.
	if err := st.ReviewAnswer(ctx, admin, round.ID, "MOH", withEvidence.ID, survey.ReviewIssues, "أرفقوا القرار الموقّع"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ResponseAction(ctx, admin, round.ID, "MOH", "return"); err != nil {
		t.Fatal(err)
	}
	compare("returned")
	// Submitted again and returned with the same mark in other words: only
	// the comment differs.
	for _, step := range []func() error{
		func() error { _, err := st.ResponseAction(ctx, admin, round.ID, "MOH", "submit"); return err },
		func() error {
			return st.ReviewAnswer(ctx, admin, round.ID, "MOH", withEvidence.ID, survey.ReviewIssues, "أرفقوا القرار بعد توقيعه")
		},
		func() error { _, err := st.ResponseAction(ctx, admin, round.ID, "MOH", "return"); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	compare("comment reworded")
	if checked == 0 {
		t.Fatal("no page compared")
	}
}

// TestServiceCardsMatchRendering: catalog pages whose results come from the
// cache of rendered service cards are the pages a server with an empty
// cache renders, in both languages, for several searches, and again after
// a service is renamed (a new catalog version).
func TestServiceCardsMatchRendering(t *testing.T) {
	t.Parallel()
	st := newDemoStore(t)
	ctx := context.Background()
	warm := newServerOn(t, st)
	get := func(srv *Server, path string) string {
		t.Helper()
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		return w.Body.String()
	}
	// Sorted by stage or by date, both languages list the same services:
	// a card of one language served in the other would show.
	paths := []string{"/catalog", "/catalog?q=" + url.QueryEscape("شهادة"), "/catalog?abroad=1&page=2",
		"/catalog?institution=MOH&sort=stage", "/catalog?sort=updated", "/catalog?q=certificate&sort=name"}
	compare := func(state string) {
		t.Helper()
		for _, lang := range []string{"/ar", "/en"} {
			for _, p := range paths {
				// Another order first, so that the warm server's cards were
				// made for other pages; the cold server is new for each page.
				get(warm, lang+paths[len(paths)-1])
				if w, c := get(warm, lang+p), get(newServerOn(t, st), lang+p); w != c {
					t.Errorf("%s %s%s: the page with cached cards differs from one rendered afresh", state, lang, p)
				}
			}
		}
	}
	compare("demo")
	res, err := st.SearchCatalog(ctx, survey.CatalogQuery{Institution: "MOH", PerPage: 1})
	if err != nil || len(res.Services) == 0 {
		t.Fatalf("a MOH service: %v %v", res, err)
	}
	sv := res.Services[0]
	in := serviceInputOf(sv)
	in.NameAr, in.NameEn, in.Abroad = sv.NameAr+" (محدّثة)", sv.NameEn+" (updated)", !sv.Abroad
	admin := survey.ActorOf(survey.User{Role: survey.RoleAdmin})
	if _, err := st.UpdateService(ctx, admin, sv.ID, in); err != nil {
		t.Fatal(err)
	}
	compare("after an edit")
	if page := get(warm, "/en/catalog?institution=MOH"); !strings.Contains(page, "(updated)") {
		t.Error("the renamed service does not show its new name")
	}
}

// maskedCSRF finds the CSRF token in a page, masked afresh on every page
// (maskToken).
var maskedCSRF = regexp.MustCompile(`(data-csrf="|name="csrf_token" value=")[A-Za-z0-9_-]+"`)

// unmasked is a page with its masked CSRF tokens replaced by one mark, for
// comparing two renderings of a page.
func unmasked(page string) string { return maskedCSRF.ReplaceAllString(page, `${1}CSRF"`) }

// byTemplate makes srv render the questionnaire page's and the work
// page's content with their templates, the references response_content.go
// and work_content.go are held to: the pages the tests compare then also
// compare the two ways of writing them.
func byTemplate(srv *Server) *Server {
	srv.responseByTemplate = true
	srv.workByTemplate = true
	return srv
}
