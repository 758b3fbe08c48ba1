package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"marsad/survey"
)

// apiBody sends a body of the given type with a bearer token, in English.
func apiBody(t *testing.T, ts *httptest.Server, method, path, token, ctype string, body []byte) response {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept-Language", "en")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return newClient(t, ts).do(req)
}

// csvRecords reads an exported CSV (with its BOM).
func csvRecords(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("not a CSV with rows (%v): %.300s", err, body)
	}
	return recs
}

func writeCSV(t *testing.T, recs [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func column(t *testing.T, head []string, name string) int {
	t.Helper()
	for i, h := range head {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, head)
	return -1
}

// TestAPIInstitutionsImport: the coordinator exports the institutions,
// adds one and imports the file (the list page then shows it); a file with
// a bad row stores nothing (422, the row's line and field); others are
// refused before their body is read; a file over the page's limit is 413.
func TestAPIInstitutionsImport(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	exp := apiCall(t, ts, http.MethodGet, "/api/v1/institutions/export.csv", admin, "")
	assertStatus(t, exp, http.StatusOK)
	if !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export type %q", exp.Header.Get("Content-Type"))
	}
	recs := csvRecords(t, exp.Body)
	code, nameEn := column(t, recs[0], "code"), column(t, recs[0], "name_en")
	added := append([]string{}, recs[1]...)
	added[code], added[nameEn], added[column(t, recs[0], "name_ar")] = "API-NEW", "Institution via the API", "مؤسسة عبر الواجهة"
	r := apiBody(t, ts, http.MethodPost, "/api/v1/institutions/import", admin, "text/csv", writeCSV(t, append(recs, added)))
	assertStatus(t, r, http.StatusOK)
	var got importCountsJSON
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || got.Created != 1 || got.Updated != 0 || got.Unchanged != len(recs)-1 {
		t.Fatalf("import: %+v (%v), want 1 created, %d unchanged", got, err, len(recs)-1)
	}
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)
	assertContains(t, web.get("/en/admin/institutions").Body, "Institution via the API")

	// One bad row among good ones: nothing stored.
	second := append([]string{}, added...)
	second[code], second[nameEn] = "API-TWO", "Second via the API"
	bad := append([]string{}, added...)
	bad[code] = "not a code!"
	r = apiBody(t, ts, http.MethodPost, "/api/v1/institutions/import", admin, "text/csv", writeCSV(t, [][]string{recs[0], second, bad}))
	e := assertAPIError(t, r, "import")
	if r.Status != http.StatusUnprocessableEntity || e.Fields["line 3 code"] == "" {
		t.Fatalf("bad row: %d %+v", r.Status, e)
	}
	assertStatus(t, apiCall(t, ts, http.MethodGet, "/api/v1/institutions/API-TWO", admin, ""), http.StatusNotFound)
	assertLacks(t, web.get("/en/admin/institutions").Body, "Second via the API")

	// Over the page's 4 MB: 413, whatever the header says.
	big := append([]byte(strings.Join(recs[0], ",")+"\n"), bytes.Repeat([]byte("x"), int(survey.InstitutionFileLimits.FileBytes)+1)...)
	r = apiBody(t, ts, http.MethodPost, "/api/v1/institutions/import", admin, "text/csv", big)
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("over the limit: %d %.300s", r.Status, r.Body)
	}

	// Not the coordinator: refused before the body is read (a bad file
	// would otherwise be 422).
	for _, who := range []string{"viewer@example.ps", "moh@example.ps"} {
		tok := apiToken(t, ts, who)
		assertAPIError(t, apiBody(t, ts, http.MethodPost, "/api/v1/institutions/import", tok, "text/csv", []byte("a,b\n1,2\n")), "forbidden")
		if r := apiCall(t, ts, http.MethodGet, "/api/v1/institutions/export.csv", tok, ""); r.Status != http.StatusForbidden {
			t.Errorf("%s export: %d", who, r.Status)
		}
	}
}

// TestAPIServicesImport: the catalog's export read back with one name
// changed updates that service (its public page shows it); the workbook
// export is a workbook; a file with a bad row stores nothing; a body said
// to be a workbook that is not one is refused; others get 403.
func TestAPIServicesImport(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := apiToken(t, ts, "admin@example.ps")
	exp := apiCall(t, ts, http.MethodGet, "/api/v1/services/export.csv", admin, "")
	assertStatus(t, exp, http.StatusOK)
	recs := csvRecords(t, exp.Body)
	inst, code, nameEn, stage := column(t, recs[0], "institution"), column(t, recs[0], "code"), column(t, recs[0], "name_en"), column(t, recs[0], "stage")
	recs[1][nameEn] = "Renamed via the API"
	r := apiBody(t, ts, http.MethodPost, "/api/v1/services/import", admin, "text/csv", writeCSV(t, recs))
	assertStatus(t, r, http.StatusOK)
	var got importCountsJSON
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || got.Updated != 1 || got.Created != 0 {
		t.Fatalf("import: %+v (%v), want 1 updated", got, err)
	}
	list, err := st.InstitutionServices(context.Background(), recs[1][inst])
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, sv := range list {
		if sv.Code == recs[1][code] {
			id = sv.ID
		}
	}
	if id == 0 {
		t.Fatalf("no service %s/%s", recs[1][inst], recs[1][code])
	}
	assertContains(t, newClient(t, ts).get("/en/catalog/"+strconv.FormatInt(id, 10)).Body, "Renamed via the API")

	x := apiCall(t, ts, http.MethodGet, "/api/v1/services/export.xlsx", admin, "")
	assertStatus(t, x, http.StatusOK)
	if !strings.HasPrefix(x.Body, "PK\x03\x04") || x.Header.Get("Content-Type") != xlsxMediaType {
		t.Fatalf("xlsx export: %q %.8q", x.Header.Get("Content-Type"), x.Body)
	}

	// The workbook read back as it is: every row unchanged.
	r = apiBody(t, ts, http.MethodPost, "/api/v1/services/import", admin, xlsxMediaType, []byte(x.Body))
	assertStatus(t, r, http.StatusOK)
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || got.Unchanged != len(recs)-1 || got.Created+got.Updated != 0 {
		t.Fatalf("workbook import: %+v (%v), want %d unchanged", got, err, len(recs)-1)
	}

	// A bad stage in one row, a new name in another: nothing stored.
	recs[1][nameEn] = "Not stored"
	recs[2][stage] = "9"
	r = apiBody(t, ts, http.MethodPost, "/api/v1/services/import", admin, "text/csv", writeCSV(t, recs))
	if e := assertAPIError(t, r, "import"); r.Status != http.StatusUnprocessableEntity || e.Fields["line 3 stage"] == "" {
		t.Fatalf("bad row: %d %+v", r.Status, e)
	}
	assertLacks(t, newClient(t, ts).get("/en/catalog/"+strconv.FormatInt(id, 10)).Body, "Not stored")

	// Said to be a workbook, but CSV: the page's message for a bad workbook.
	r = apiBody(t, ts, http.MethodPost, "/api/v1/services/import", admin, xlsxMediaType, []byte("a,b\n"))
	if e := assertAPIError(t, r, "import"); r.Status != http.StatusUnprocessableEntity || e.Fields["file"] == "" {
		t.Fatalf("not a workbook: %d %+v", r.Status, e)
	}

	tok := apiToken(t, ts, "moh@example.ps")
	assertAPIError(t, apiBody(t, ts, http.MethodPost, "/api/v1/services/import", tok, "text/csv", writeCSV(t, recs)), "forbidden")
	for _, p := range []string{"/api/v1/services/export.csv", "/api/v1/services/export.xlsx"} {
		if r := apiCall(t, ts, http.MethodGet, p, tok, ""); r.Status != http.StatusForbidden {
			t.Errorf("respondent %s: %d", p, r.Status)
		}
	}
}

// TestAPIServiceChecks: the coordinator starts a run (202); once it ends,
// GET and the catalog page show it; another at once is 429 with
// Retry-After, the page's limit; others are refused.
func TestAPIServiceChecks(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	admin := apiToken(t, ts, "admin@example.ps")
	viewer := apiToken(t, ts, "viewer@example.ps")
	assertAPIError(t, apiCall(t, ts, http.MethodPost, "/api/v1/services/checks", viewer, ""), "forbidden")
	if r := apiCall(t, ts, http.MethodGet, "/api/v1/services/checks", viewer, ""); r.Status != http.StatusForbidden {
		t.Fatalf("viewer read: %d", r.Status)
	}

	r := apiCall(t, ts, http.MethodPost, "/api/v1/services/checks", admin, "")
	assertStatus(t, r, http.StatusAccepted)
	var started checkRunJSON
	if err := json.Unmarshal([]byte(r.Body), &started); err != nil || started.Last == nil || !started.Last.ByHand {
		t.Fatalf("started: %s (%v)", r.Body, err)
	}
	<-srv.CheckRunDone()

	r = apiCall(t, ts, http.MethodPost, "/api/v1/services/checks", admin, "")
	assertAPIError(t, r, "check_too_soon")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("again at once: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}

	r = apiCall(t, ts, http.MethodGet, "/api/v1/services/checks", admin, "")
	assertStatus(t, r, http.StatusOK)
	var done checkRunJSON
	if err := json.Unmarshal([]byte(r.Body), &done); err != nil || done.Last == nil || done.Running || done.Last.FinishedAt == nil ||
		done.Last.ID != started.Last.ID {
		t.Fatalf("after the run: %s (%v)", r.Body, err)
	}
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)
	assertContains(t, web.get("/en/admin/services").Body,
		fmt.Sprintf("Last check: %d addresses visited, %d online", done.Last.URLs, done.Last.Reachable))
}

// TestAPISettings: the evidence limits and the open data licence read and
// set as their pages do (the pages then show them, the audit log has
// them); what GET returned is accepted back; bad values are 422 with their
// fields and store nothing; others are refused.
func TestAPISettings(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	admin := apiToken(t, ts, "admin@example.ps")
	web := newClient(t, ts)
	web.signIn("en", "admin@example.ps", survey.DemoPassword)

	r := apiCall(t, ts, http.MethodGet, "/api/v1/settings/evidence", admin, "")
	assertStatus(t, r, http.StatusOK)
	assertStatus(t, apiCall(t, ts, http.MethodPut, "/api/v1/settings/evidence", admin, r.Body), http.StatusOK)
	r = apiCall(t, ts, http.MethodPut, "/api/v1/settings/evidence", admin, `{"file_mb":7,"round_mb":70}`)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `"file_mb":7`)
	if l, err := st.EvidenceLimits(ctx); err != nil || l.FileBytes != 7<<20 || l.RoundBytes != 70<<20 {
		t.Fatalf("stored %+v (%v)", l, err)
	}
	assertContains(t, web.get("/en/admin/evidence").Body, `value="70"`)
	r = apiCall(t, ts, http.MethodPut, "/api/v1/settings/evidence", admin, `{"file_mb":0,"round_mb":70}`)
	if e := assertAPIError(t, r, "validation"); r.Status != http.StatusUnprocessableEntity || e.Fields["file_mb"] == "" {
		t.Fatalf("file_mb 0: %d %+v", r.Status, e)
	}
	r = apiCall(t, ts, http.MethodPut, "/api/v1/settings/evidence", admin, `{"file_mb":9,"round_mb":8}`)
	if e := assertAPIError(t, r, "validation"); r.Status != http.StatusUnprocessableEntity || e.Fields["round_mb"] == "" {
		t.Fatalf("round under file: %d %+v", r.Status, e)
	}
	if l, _ := st.EvidenceLimits(ctx); l.FileBytes != 7<<20 {
		t.Fatalf("a refused PUT stored %+v", l)
	}

	r = apiCall(t, ts, http.MethodGet, "/api/v1/settings/open-data", admin, "")
	assertStatus(t, r, http.StatusOK)
	back := apiCall(t, ts, http.MethodPut, "/api/v1/settings/open-data", admin, r.Body)
	assertStatus(t, back, http.StatusOK)
	if back.Body != r.Body {
		t.Errorf("GET sent back: %s, was %s", back.Body, r.Body)
	}
	r = apiCall(t, ts, http.MethodPut, "/api/v1/settings/open-data", admin,
		`{"licence":"other","licence_name":"OGL-PS 1.0","licence_url":"https://data.example.ps/licence","publisher_ar":"الجهة","publisher_en":"The API body"}`)
	assertStatus(t, r, http.StatusOK)
	page := newClient(t, ts).get("/en/open-data").Body
	assertContains(t, page, "OGL-PS 1.0")
	assertContains(t, page, "https://data.example.ps/licence")
	r = apiCall(t, ts, http.MethodPut, "/api/v1/settings/open-data", admin,
		`{"licence":"other","licence_name":"Changed","licence_url":"javascript:alert(1)","publisher_ar":"","publisher_en":"`+strings.Repeat("x", 201)+`"}`)
	if e := assertAPIError(t, r, "validation"); r.Status != http.StatusUnprocessableEntity || e.Fields["licence_url"] == "" || e.Fields["publisher_en"] == "" {
		t.Fatalf("bad licence: %d %+v", r.Status, e)
	}
	if o, err := st.OpenData(ctx); err != nil || o.LicenceName != "OGL-PS 1.0" {
		t.Fatalf("a refused PUT stored %+v (%v)", o, err)
	}

	// Audited as the pages are: the log names both settings' changes.
	audit := apiCall(t, ts, http.MethodGet, "/api/v1/audit?per_page=100", admin, "")
	assertStatus(t, audit, http.StatusOK)
	for _, want := range []string{"OGL-PS 1.0", "70"} {
		assertContains(t, audit.Body, want)
	}

	viewer := apiToken(t, ts, "viewer@example.ps")
	for _, p := range []string{"/api/v1/settings/evidence", "/api/v1/settings/open-data"} {
		assertAPIError(t, apiCall(t, ts, http.MethodPut, p, viewer, `{}`), "forbidden")
		if r := apiCall(t, ts, http.MethodGet, p, viewer, ""); r.Status != http.StatusForbidden {
			t.Errorf("viewer %s: %d", p, r.Status)
		}
	}
}

// assertLacks fails when body holds unwanted.
func assertLacks(t *testing.T, body, unwanted string) {
	t.Helper()
	if strings.Contains(body, unwanted) {
		t.Errorf("body holds %q", unwanted)
	}
}
