package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"marsad/survey"
)

// TestWorkContentMatchesTemplate holds the work page written in Go
// (work_content.go) to its template (work.html): after each step that
// changes what the page shows, every respondent's page is rendered both
// ways, in both languages, and compared byte for byte. The steps go
// through the page's states: a response not started, a draft, a focal
// point's and a head's page, a section assigned, a round past its deadline,
// answers returned by the reviewer, sign-off asked, sent back with a
// comment, an institution with no service to look at and no published
// result, hostile names, and no open round at all.
func TestWorkContentMatchesTemplate(t *testing.T) {
	t.Parallel()
	fast, st := newTestServer(t)
	ref := byTemplate(newServerOn(t, st))
	ctx := context.Background()
	open := openRoundID(t, st)

	hostile := `"<b>&'+ّ`
	mustCreateInstitution := func(code string) {
		if _, err := st.CreateInstitution(ctx, 0, survey.InstitutionInput{Code: code, NameAr: "مؤسسة " + hostile, NameEn: "Agency " + hostile,
			Kind: "agency", Sector: "services", Region: "national"}); err != nil {
			t.Fatal(err)
		}
	}
	mustCreateInstitution("NEW")
	session := func(email, code string) string {
		var id int64
		if code != "" {
			u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: email, Name: "Same " + hostile, Role: survey.RoleRespondent, InstitutionCode: code, Password: "a-long-test-password"})
			if err != nil {
				t.Fatal(err)
			}
			id = u.ID
		} else {
			id = userID(t, st, email)
		}
		tok, _, err := st.CreateSession(ctx, id, survey.SessionWeb)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	people := map[string]string{
		"focal point": session("moh@example.ps", ""),
		"head":        session("moh-head@example.ps", ""),
		"not started": session("moi@example.ps", ""),
		"new":         session("new@new.ps", "NEW"),
	}
	marks := []string{"work-no-round", "due-soon", "deadline-passed", "tag-resp-none", "tag-resp-draft", "tag-resp-returned",
		"returned-list", "your-sections", "section-assignee", "tag-signoff-pending", "tag-signoff-sent_back", "review-comment",
		"review-services", `class="notice"`, `class="facts"`, "work-published-h", "/team", "/assignments", "&lt;b&gt;", "&#43;"}
	seen := map[string]bool{}
	compare := func(step string) {
		t.Helper()
		for who, tok := range people {
			for _, lang := range []string{"ar", "en"} {
				var pages [2]string
				for i, srv := range []*Server{fast, ref} {
					req := httptest.NewRequest(http.MethodGet, "/"+lang+"/work", nil)
					req.AddCookie(&http.Cookie{Name: cookieSession, Value: tok})
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						t.Fatalf("%s, %s /%s/work: status %d", step, who, lang, w.Code)
					}
					pages[i] = unmasked(w.Body.String())
				}
				if pages[0] != pages[1] {
					t.Errorf("%s, %s /%s/work: the page written in Go differs from the template's %s", step, who, lang, pageDiff(pages[0], pages[1]))
				}
				for _, m := range marks {
					if strings.Contains(pages[0], m) {
						seen[m] = true
					}
				}
			}
		}
	}

	compare("the demo")
	if _, err := st.UpdateInstitution(ctx, 0, "MOH", survey.InstitutionInput{Code: "MOH", NameAr: "وزارة " + hostile, NameEn: "Health " + hostile,
		Kind: "ministry", Sector: "health", Region: "national"}); err != nil {
		t.Fatal(err)
	}
	head := userID(t, st, "moh-head@example.ps")
	round, err := st.Round(ctx, open)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(ctx, round.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AssignSection(ctx, userID(t, st, "moh@example.ps"), open, "MOH", survey.AssignmentInput{SectionID: q.Def.Sections[1].ID, UserID: head}); err != nil {
		t.Fatal(err)
	}
	lateRound(t, st, `2026 "late" <x>+&`)
	compare("hostile names, a section assigned, a round past its deadline")

	returnMOH(t, st, open, "أرفق النسخة المعتمدة "+hostile)
	compare("answers returned")

	if _, err := st.SetRoundSignoff(ctx, 0, open, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RequestSignoff(ctx, survey.Actor{ID: userID(t, st, "moh@example.ps"), Role: survey.RoleRespondent, Institution: "MOH"}, open, "MOH"); err != nil {
		t.Fatal(err)
	}
	compare("sign-off asked")
	if err := st.SendBackSignoff(ctx, head, open, "MOH", "راجعوا محور الخدمات "+hostile); err != nil {
		t.Fatal(err)
	}
	compare("sign-off sent back")

	rounds, err := st.OpenRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rounds {
		if _, err := st.RoundAction(ctx, 0, r.ID, "close"); err != nil {
			t.Fatal(err)
		}
	}
	compare("no open round")

	for _, m := range marks {
		if !seen[m] {
			t.Errorf("no page showed %q: the state it stands for was not compared", m)
		}
	}
}
