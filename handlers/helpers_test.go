package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"marsad/survey/demo"

	"golang.org/x/crypto/bcrypt"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlite"
)

// TestMain runs the package's tests, then stops the Chromium that the
// browser tests share (e2e_test.go).
func TestMain(m *testing.M) {
	code := m.Run()
	stopChromium()
	os.Exit(code)
}

// newTestStore opens a real SQLite file in a temporary directory with the
// production DSN and migrations. Bcrypt runs at its minimum cost to keep
// tests fast.
func newTestStore(t testing.TB) *sqlite.Store {
	t.Helper()
	return openTestStore(t, filepath.Join(t.TempDir(), "marsad.db"))
}

func openTestStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// demoData is the full demo: institutions, services, questionnaire, rounds.
var demoData = survey.DemoData{Institutions: data.DemoInstitutions, Services: data.DemoServices, Questionnaire: data.DefaultQuestionnaire}

// Seeding the demo takes about half a second (most tests want it); copying
// a seeded file takes a few milliseconds. So each kind of demo database is
// seeded once per test binary, through demo.SeedData as the server does, and
// every test opens a copy of its own: tests still share no state.
var (
	fullDemoFile = sync.OnceValues(func() ([]byte, error) { return seededFile(demoData) })
	// institutionsDemoFile has the demo institutions and accounts but no
	// services and no rounds.
	institutionsDemoFile = sync.OnceValues(func() ([]byte, error) {
		return seededFile(survey.DemoData{Institutions: data.DemoInstitutions})
	})
)

// seededFile seeds dd into a new database and returns the bytes of a
// consistent copy (VACUUM INTO, through Store.Backup).
func seededFile(dd survey.DemoData) ([]byte, error) {
	dir, err := os.MkdirTemp("", "marsad-seed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "seed.db"), sqlite.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := demo.SeedData(ctx, st, dd); err != nil {
		return nil, err
	}
	copyPath := filepath.Join(dir, "copy.db")
	if err := st.Backup(ctx, copyPath); err != nil {
		return nil, err
	}
	return os.ReadFile(copyPath)
}

// storeFrom opens a test's own copy of a seeded database.
func storeFrom(t testing.TB, seeded func() ([]byte, error)) *sqlite.Store {
	t.Helper()
	b, err := seeded()
	if err != nil {
		t.Fatalf("seeding the demo: %v", err)
	}
	path := filepath.Join(t.TempDir(), "marsad.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return openTestStore(t, path)
}

// newDemoStore is a store holding the full demo (demoData).
func newDemoStore(t testing.TB) *sqlite.Store {
	t.Helper()
	return storeFrom(t, fullDemoFile)
}

// bigUploads is held by each test that uploads big files. The server reads
// one upload at a time, process-wide (uploadSlots), and makes the next wait
// at most uploadWait: two such tests at once, slowed by -race, could pass
// it. Other tests, whose uploads are small, wait a moment at most.
var bigUploads sync.Mutex

// heavyUploads marks a test parallel with the others but not with another
// test of big uploads.
func heavyUploads(t *testing.T) {
	t.Parallel()
	bigUploads.Lock()
	t.Cleanup(bigUploads.Unlock)
}

// newTestServer is the real router over a demo-seeded store.
func newTestServer(t testing.TB) (*Server, *sqlite.Store) {
	t.Helper()
	st := newDemoStore(t)
	return newServerOn(t, st), st
}

// newEmptyCatalogServer has the demo institutions and accounts but no
// services, for tests that count services exactly.
func newEmptyCatalogServer(t *testing.T) (*httptest.Server, *sqlite.Store) {
	t.Helper()
	st := storeFrom(t, institutionsDemoFile)
	ts := httptest.NewServer(newServerOn(t, st))
	t.Cleanup(ts.Close)
	return ts, st
}

func newServerOn(t testing.TB, st *sqlite.Store) *Server {
	t.Helper()
	srv, err := New(context.Background(), st, Config{
		Version: "test", BaseURL: "http://marsad.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every API exchange of every test is checked against docs/openapi.yaml.
	srv.tap = openAPITap(t)
	return srv
}

// client is a browser-like HTTP client against a test server: it keeps
// cookies and does not follow redirects, so tests can assert on them.
type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func newClient(t testing.TB, ts *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: ts.URL, http: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// response is a finished request: status, headers and body as text.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// post submits a form. Unless the form already has one, it adds the CSRF
// token of the page at csrfFrom (fetched first), as a browser would.
func (c *client) post(path string, form url.Values, csrfFrom string) response {
	c.t.Helper()
	if csrfFrom != "" && form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.csrf(csrfFrom))
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf fetches a page and returns the CSRF token of its first form.
func (c *client) csrf(path string) string {
	c.t.Helper()
	r := c.get(path)
	m := csrfField.FindStringSubmatch(r.Body)
	if m == nil {
		c.t.Fatalf("no csrf token on %s (status %d)", path, r.Status)
	}
	return m[1]
}

// signIn signs in through the form and fails the test if it does not work.
func (c *client) signIn(lang, email, password string) {
	c.t.Helper()
	r := c.post("/"+lang+"/login", url.Values{"email": {email}, "password": {password}}, "/"+lang+"/login")
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d\n%s", email, r.Status, r.Body)
	}
}

func regexpMust(p string) *regexp.Regexp { return regexp.MustCompile(p) }
