package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"marsad/survey"
)

// TestHeadAnswersWhereGetDoes: every GET of the authorization matrix, as
// the coordinator, answers HEAD with the same status and type and no body.
func TestHeadAnswersWhereGetDoes(t *testing.T) {
	t.Parallel()
	e := newAuthzEnv(t)
	c := newClient(t, e.ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	n := 0
	for _, cs := range authzCases() {
		if !strings.HasPrefix(cs.route, "GET ") || cs.phase != 0 {
			continue
		}
		path := cs.path
		if path == "" {
			path = strings.TrimPrefix(cs.route, "GET ")
		}
		path = e.expand(path)
		get := c.get(path)
		req, _ := http.NewRequest(http.MethodHead, c.base+path, nil)
		head := c.do(req)
		if head.Status != get.Status || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") || head.Body != "" {
			t.Errorf("HEAD %s: %d %q with %d bytes; GET: %d %q", path, head.Status, head.Header.Get("Content-Type"), len(head.Body), get.Status, get.Header.Get("Content-Type"))
		}
		n++
	}
	if n < 50 {
		t.Errorf("only %d GET rows", n)
	}
}

func TestOptionsListsTheMethods(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for path, want := range map[string]string{
		"/ar/catalog":                "GET, HEAD, OPTIONS",
		"/ar/login":                  "GET, HEAD, POST, OPTIONS",
		"/api/v1/services/12":        "GET, HEAD, PUT, PATCH, DELETE, OPTIONS",
		"/static/css/marsad.css":     "GET, HEAD, OPTIONS",
		"/api/v1/rounds/3/open":      "POST, OPTIONS",
		"/ar/rounds/3/responses/MOH": "GET, HEAD, POST, OPTIONS",
	} {
		req, _ := http.NewRequest(http.MethodOptions, ts.URL+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Allow") != want {
			t.Errorf("OPTIONS %s: %d, Allow %q; want 204, %q", path, res.StatusCode, res.Header.Get("Allow"), want)
		}
	}
	req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/ar/no-such-page", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("OPTIONS of an unknown path: %d", res.StatusCode)
	}
}

// TestNothingPrivateIsCached: pages, downloads and API answers say
// no-store; only the static files may be kept. Over https, HSTS.
func TestNothingPrivateIsCached(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	for _, path := range []string{"/ar/", "/ar/admin/rounds/3", "/ar/rounds/2/rankings.csv", "/ar/admin/audit.csv", "/ar/rounds/2/dashboard.html",
		"/api/v1/me", "/api/v1/rounds/2/scores", "/ar/no-such-page", "/healthz"} {
		r := c.get(path)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q", path, r.Status, cc)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", path)
		}
	}
	if cc := c.get("/static/css/marsad.css").Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
		t.Errorf("the stylesheet: Cache-Control %q", cc)
	}

	st := newTestStore(t)
	secure, err := New(context.Background(), st, Config{Version: "test", BaseURL: "https://marsad.example.ps", SecureCookies: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	secure.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if h := rec.Header().Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Errorf("over https: Strict-Transport-Security %q", h)
	}
}

// TestRefusedBeforeValidated: a caller who may not write somewhere learns
// nothing about what would be valid there. Every write of the
// authorization matrix that a role is refused is sent again with an empty
// form, malformed JSON and an empty JSON object: still 403 (or sign in),
// never a 400 or 422 that would describe the input.
func TestRefusedBeforeValidated(t *testing.T) {
	t.Parallel()
	variants := map[string]func(authzCase) authzCase{
		"empty form or object": func(cs authzCase) authzCase {
			cs.form = func(*authzEnv) url.Values { return url.Values{} }
			cs.body = func(*authzEnv) string { return "{}" }
			cs.ctype = ""
			return cs
		},
		"malformed": func(cs authzCase) authzCase {
			cs.form = func(*authzEnv) url.Values { return url.Values{"x": {strings.Repeat("\u202e", 300)}} }
			cs.body = func(*authzEnv) string { return `{"values": [1` }
			cs.ctype = ""
			return cs
		},
	}
	for name, change := range variants {
		for _, role := range []authzRole{asA, asViewer} {
			var cases []authzCase
			for _, cs := range authzCases() {
				if method, _, _ := strings.Cut(cs.route, " "); method != http.MethodGet && cs.want[role] == vDeny && cs.phase < 2 {
					cases = append(cases, change(cs))
				}
			}
			t.Run(name+"/"+authzRoleNames[role], func(t *testing.T) {
				if len(cases) < 20 {
					t.Fatalf("only %d refused writes", len(cases))
				}
				for i, res := range runAuthz(t, role, cases) {
					if !res.pass {
						t.Errorf("%s: %s", cases[i].name(), res.why)
					}
				}
			})
		}
	}
}
