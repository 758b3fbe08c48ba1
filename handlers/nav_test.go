package handlers

import (
	"html/template"
	"strings"
	"testing"

	"marsad/survey"
)

// TestNavMemoMatchesTemplate: the navigation served from the memo is the
// nav_links template rendered afresh, for every role, both languages and
// pages under each link and none — in an order that fills the memo from
// pages of every kind first, so a key missing a path would serve another
// page's navigation and fail here.
func TestNavMemoMatchesTemplate(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	pages, err := siteTemplates()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := pages.get("home")
	if err != nil {
		t.Fatal(err)
	}
	users := []*survey.User{nil,
		{Role: survey.RoleAdmin, Email: "a@x.ps"}, {Role: survey.RoleRespondent, Email: "r@x.ps", InstitutionCode: "MOH"},
		{Role: survey.RoleViewer, Email: "v@x.ps"},
		{Role: survey.RoleRespondent, Email: "f@x.ps", InstitutionCode: "MOH", FocalPoint: true}}
	paths := []string{"/", "", "/work", "/team", "/team/activity", "/catalog", "/catalog/services/X", "/stories", "/services", "/rounds", "/rounds/3/responses/MOH",
		"/initiatives", "/admin", "/admin/institutions", "/admin/services", "/admin/invitations", "/admin/users",
		"/admin/questionnaires", "/admin/stories", "/admin/obstacles", "/admin/audit", "/admin/rounds/3", "/login", "/workshop"}
	var memo navMemo
	hits := 0
	for pass := 0; pass < 2; pass++ {
		for _, lang := range []string{"ar", "en"} {
			for _, u := range users {
				for _, p := range paths {
					v := &view{Lang: lang, Path: p, User: u, loc: srv.locales[lang]}
					got, err := memo.nav(tmpl, v)
					if err != nil {
						t.Fatal(err)
					}
					var want strings.Builder
					if err := tmpl.ExecuteTemplate(&want, "nav_links", v); err != nil {
						t.Fatal(err)
					}
					if got != template.HTML(want.String()) {
						t.Errorf("%s %v %q: the memo's navigation differs from the template's", lang, u, p)
					}
					if pass == 1 {
						hits++
					}
				}
			}
		}
	}
	if len(memo.html) == 0 || len(memo.html) >= hits {
		t.Errorf("%d renderings kept for %d pages: the memo keeps nothing or one per page", len(memo.html), hits)
	}
}
