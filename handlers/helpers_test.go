package handlers

import (
	"context"
	"fmt"
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
	"marsad/survey/sqlstore"
	"marsad/survey/sqlstore/pgtest"
)

// TestMain runs the package's tests, then stops the Chromium that the
// browser tests share (e2e_test.go).
func TestMain(m *testing.M) {
	if onPostgres && pgtest.URL() == "" {
		fmt.Fprintln(os.Stderr, "MARSAD_TEST_STORE=postgres needs "+pgtest.Env+" (README, Tests)")
		os.Exit(2)
	}
	code := m.Run()
	stopChromium()
	dropTemplates()
	os.Exit(code)
}

// onPostgres runs the package's tests on PostgreSQL rather than SQLite
// (MARSAD_TEST_STORE=postgres, with MARSAD_TEST_POSTGRES naming the server;
// .ci/run runs the router, authorisation and hostile-input tests so): every
// store a test gets from newTestStore, newDemoStore or storeFrom is then a
// database of its own on that server. Tests that open a SQLite file they
// made (openTestStore) stay on SQLite.
var onPostgres = os.Getenv("MARSAD_TEST_STORE") == "postgres"

// newTestStore opens a real, empty database of the test's own: a SQLite
// file in a temporary directory with the production DSN and migrations (or
// a PostgreSQL database, onPostgres). Bcrypt runs at its minimum cost to
// keep tests fast.
func newTestStore(t testing.TB) *sqlstore.Store {
	t.Helper()
	if onPostgres {
		return openTestStore(t, pgtest.NewDatabase(t, ""))
	}
	return openTestStore(t, filepath.Join(t.TempDir(), "marsad.db"))
}

func openTestStore(t testing.TB, path string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), path, sqlstore.Options{BcryptCost: bcrypt.MinCost})
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
	// On PostgreSQL the same two, as template databases that each test's
	// database is created from.
	fullDemoTemplate         = sync.OnceValues(func() (string, error) { return seededTemplate(demoData) })
	institutionsDemoTemplate = sync.OnceValues(func() (string, error) {
		return seededTemplate(survey.DemoData{Institutions: data.DemoInstitutions})
	})
	templatesMu sync.Mutex
	templates   []func() error // drops them, at the end of TestMain
)

// seededTemplate seeds dd into a new PostgreSQL database and returns its
// name, to be copied by CREATE DATABASE … TEMPLATE.
func seededTemplate(dd survey.DemoData) (string, error) {
	ctx := context.Background()
	u, drop, err := pgtest.CreateDatabase(ctx, pgtest.URL(), "")
	if err != nil {
		return "", err
	}
	templatesMu.Lock()
	templates = append(templates, drop)
	templatesMu.Unlock()
	st, err := sqlstore.Open(ctx, u, sqlstore.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		return "", err
	}
	err = demo.SeedData(ctx, st, dd)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return pgtest.Name(u), err
}

func dropTemplates() {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	for _, drop := range templates {
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
}

// seededFile seeds dd into a new database and returns the bytes of a
// consistent copy (VACUUM INTO, through Store.Backup).
func seededFile(dd survey.DemoData) ([]byte, error) {
	dir, err := os.MkdirTemp("", "marsad-seed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "seed.db"), sqlstore.Options{BcryptCost: bcrypt.MinCost})
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

// storeFrom opens a test's own copy of a seeded database: the file that
// seeded returns, or on PostgreSQL a copy of template's database.
func storeFrom(t testing.TB, seeded func() ([]byte, error), template func() (string, error)) *sqlstore.Store {
	t.Helper()
	if onPostgres {
		name, err := template()
		if err != nil {
			t.Fatalf("seeding the demo: %v", err)
		}
		return openTestStore(t, pgtest.NewDatabase(t, name))
	}
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
func newDemoStore(t testing.TB) *sqlstore.Store {
	t.Helper()
	return storeFrom(t, fullDemoFile, fullDemoTemplate)
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
func newTestServer(t testing.TB) (*Server, *sqlstore.Store) {
	t.Helper()
	st := newDemoStore(t)
	return newServerOn(t, st), st
}

// newEmptyCatalogServer has the demo institutions and accounts but no
// services, for tests that count services exactly.
func newEmptyCatalogServer(t *testing.T) (*httptest.Server, *sqlstore.Store) {
	t.Helper()
	st := storeFrom(t, institutionsDemoFile, institutionsDemoTemplate)
	ts := httptest.NewServer(newServerOn(t, st))
	t.Cleanup(ts.Close)
	return ts, st
}

func newServerOn(t testing.TB, st *sqlstore.Store) *Server {
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
