package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"marsad/survey"
)

// TestLayoutMatchesTemplate holds layout.go to layout.html: every page the
// authorization matrix lets a role open (its GET rows, with real ids), for
// anonymous visitors, a respondent, a decision maker and the coordinator,
// in Arabic and English, plus a search with characters URLs and HTML
// escape and a missing page, is served by a server that writes the layout
// in Go and by one that runs the template, and must be the same bytes.
func TestLayoutMatchesTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("serves every page twice")
	}
	e := newAuthzEnv(t)
	fast := e.ts.Config.Handler.(*Server)
	ref, err := New(context.Background(), e.st, Config{Version: "test", BaseURL: "http://marsad.test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ref.layoutByTemplate = true
	sessions := map[authzRole]string{}
	users, err := e.st.ListUsers(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []authzRole{asA, asViewer, asAdmin} {
		for _, u := range users {
			if u.Email == authzEmails[role] {
				tok, _, err := e.st.CreateSession(e.ctx, u.ID, survey.SessionWeb)
				if err != nil {
					t.Fatal(err)
				}
				sessions[role] = tok
			}
		}
	}
	pages := matrixPages(e, []authzRole{asAnon, asA, asViewer, asAdmin})
	for _, p := range []string{"/ar/no-such-page", `/ar/catalog?q=%3Cb%3E+%22x%22&sector=a%26b`, "/ar/login?next=%2Far%2Fwork", "/ar/catalog?q=وزارة(x)'y'"} {
		pages[asAnon] = append(pages[asAnon], sweepPage{path: p})
	}
	compared := 0
	for role, list := range pages {
		for _, p := range list {
			for _, lang := range []string{"ar", "en"} {
				path := "/" + lang + strings.TrimPrefix(p.path, "/ar")
				var bodies [2]string
				var codes [2]int
				for i, srv := range []*Server{fast, ref} {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					if tok := sessions[role]; tok != "" {
						req.AddCookie(&http.Cookie{Name: cookieSession, Value: tok})
					}
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, req)
					codes[i], bodies[i] = w.Code, unmasked(w.Body.String())
				}
				if !strings.Contains(w0(bodies[0]), "<html") {
					continue // not a page: a redirect, a file, JSON
				}
				compared++
				if codes[0] != codes[1] || bodies[0] != bodies[1] {
					a, b := bodies[0], bodies[1]
					i := 0
					for i < len(a) && i < len(b) && a[i] == b[i] {
						i++
					}
					t.Errorf("%s %s: status %d / %d; the layout written in Go differs from the template's at byte %d:\nGo:       %.160q\ntemplate: %.160q",
						authzRoleNames[role], path, codes[0], codes[1], i, a[max(0, i-60):], b[max(0, i-60):])
				}
			}
		}
	}
	t.Logf("compared %d pages", compared)
	if compared < 100 {
		t.Errorf("compared %d pages, want the matrix's hundred and more", compared)
	}
}

// w0 is the start of a page, where its <html> tag is.
func w0(s string) string { return s[:min(len(s), 200)] }
