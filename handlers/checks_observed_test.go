package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// demoService is the id of one of the demo's services.
func demoService(t *testing.T, st *sqlstore.Store, inst, code string) survey.Service {
	t.Helper()
	list, err := st.InstitutionServices(context.Background(), inst)
	if err != nil {
		t.Fatal(err)
	}
	for _, sv := range list {
		if sv.Code == code {
			return sv
		}
	}
	t.Fatalf("no service %s/%s", inst, code)
	return survey.Service{}
}

// demoRound is the id of the demo's round called name.
func demoRound(t *testing.T, st *sqlstore.Store, name string) int64 {
	t.Helper()
	rounds, err := st.ListRounds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rounds {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no round %s", name)
	return 0
}

// TestDiscrepancyFlags: the demo's MOH declares INS-ISSUE online though it
// has failed every check for days, and VACCINATION-CERT available from
// abroad though it has no HTTPS. The reviewer sees both in a block on the
// review page; the institution and the coordinator see the flag on the
// services list and the service page; the public and other institutions
// do not.
func TestDiscrepancyFlags(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	offline := demoService(t, st, "MOH", "INS-ISSUE")
	insecure := demoService(t, st, "MOH", "VACCINATION-CERT")
	fine := demoService(t, st, "MOH", "INS-RENEW")

	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	moh := newClient(t, ts)
	moh.signIn("en", "moh@example.ps", survey.DemoPassword)
	moi := newClient(t, ts)
	moi.signIn("en", "moi@example.ps", survey.DemoPassword)
	anon := newClient(t, ts)

	review := admin.get(fmt.Sprintf("/en/admin/rounds/%d/responses/MOH", demoRound(t, st, "2025")))
	assertStatus(t, review, http.StatusOK)
	block := review.Body[strings.Index(review.Body, `id="discrepancies"`):]
	block = block[:strings.Index(block, "</section>")]
	assertContains(t, block, `data-discrepancy="offline"`, "INS-ISSUE", "declared online (stage 3), but its address has failed every check for",
		`data-discrepancy="abroad_insecure"`, "VACCINATION-CERT", "Weigh them when reviewing")
	if strings.Contains(block, "INS-RENEW<") {
		t.Error("a service that answers is flagged")
	}
	if r := admin.get(fmt.Sprintf("/ar/admin/rounds/%d/responses/MOH", demoRound(t, st, "2025"))); !strings.Contains(r.Body, "المُعلَن يخالف المرصود") {
		t.Error("the Arabic review page has no flag")
	}

	for who, c := range map[string]*client{"MOH": moh, "coordinator": admin} {
		r := c.get("/en/institutions/MOH/services")
		row := func(id int64) string {
			i := strings.Index(r.Body, fmt.Sprintf(`id="s%d"`, id))
			if i < 0 {
				t.Fatalf("%s: no row of service %d", who, id)
			}
			return r.Body[i : i+strings.Index(r.Body[i:], "</tr>")]
		}
		if !strings.Contains(row(offline.ID), `data-discrepancy="offline"`) || !strings.Contains(row(insecure.ID), `data-discrepancy="abroad_insecure"`) ||
			strings.Contains(row(fine.ID), "data-discrepancy") {
			t.Errorf("%s's services list flags the wrong services", who)
		}
	}
	page := "/en/catalog/" + strconv.FormatInt(offline.ID, 10)
	for who, c := range map[string]*client{"MOH": moh, "coordinator": admin} {
		if r := c.get(page); !strings.Contains(r.Body, `id="discrepancy" data-discrepancy="offline"`) {
			t.Errorf("%s does not see the flag on the service page", who)
		}
	}
	for who, c := range map[string]*client{"the public": anon, "MOI": moi} {
		if r := c.get(page); r.Status != http.StatusOK || strings.Contains(r.Body, `id="discrepancy"`) {
			t.Errorf("%s sees the flag on the service page (status %d)", who, r.Status)
		}
	}
	var api struct {
		Discrepancy *survey.Discrepancy `json:"discrepancy"`
	}
	r := apiCall(t, ts, http.MethodGet, "/api/v1/services/"+strconv.FormatInt(offline.ID, 10), apiToken(t, ts, "moh@example.ps"), "")
	if err := json.Unmarshal([]byte(r.Body), &api); err != nil || api.Discrepancy == nil || api.Discrepancy.Reason != survey.DiscrepancyOffline ||
		api.Discrepancy.Days < survey.DiscrepancyDays {
		t.Errorf("API for MOH: %v %s", err, r.Body)
	}
}

// TestScorecardObserved: a published round's scorecard shows the observed
// technology score beside the index, what it is made of, and the
// discrepancies at the round's close; so does the API. They are frozen:
// checks recorded later in the round's window change neither.
func TestScorecardObserved(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	id := demoRound(t, st, "2025")
	anon := newClient(t, ts)
	page := fmt.Sprintf("/en/rounds/%d/scorecards/MOH", id)
	r := anon.get(page)
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, "data-observed-score", "Observed technology score", "Frozen when the round was published.",
		`data-discrepancy="offline"`, "PRACTICE-LICENSE-RENEW", `data-discrepancy="abroad_insecure"`)
	fact := r.Body[strings.Index(r.Body, "data-observed-score"):]
	fact = fact[strings.Index(fact, `fact-value">`)+len(`fact-value">`):]
	fact = fact[:strings.Index(fact, "<")]
	var api struct {
		Observed survey.RoundObserved `json:"observed"`
	}
	a := apiCall(t, ts, http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/institutions/MOH/scorecard", id), "", "")
	if err := json.Unmarshal([]byte(a.Body), &api); err != nil || api.Observed.Score == nil || !api.Observed.Frozen {
		t.Fatalf("API: %v %s", err, a.Body)
	}
	if want := strconv.FormatFloat(*api.Observed.Score*100, 'f', 1, 64); fact != want {
		t.Errorf("scorecard shows %q, API says %s", fact, want)
	}
	if ar := anon.get(fmt.Sprintf("/ar/rounds/%d/scorecards/MOH", id)); !strings.Contains(ar.Body, "درجة التقنية المرصودة") {
		t.Error("the Arabic scorecard has no observed score")
	}

	// Every MOH service fails just before the round closed.
	round, err := st.Round(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	services, _ := st.InstitutionServices(context.Background(), "MOH")
	var late []survey.URLCheck
	for _, sv := range services {
		if sv.OnlineURL != "" {
			late = append(late, survey.URLCheck{Kind: survey.TargetService, Ref: strconv.FormatInt(sv.ID, 10), URL: sv.OnlineURL,
				CheckedAt: round.ClosedAt.Add(-time.Minute), Error: survey.CheckErrDNS})
		}
	}
	// Recorded as a run, whose end makes cached pages again.
	run, err := st.StartCheckRun(context.Background(), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordURLChecks(context.Background(), late); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishCheckRun(context.Background(), run, len(late), 0, false); err != nil {
		t.Fatal(err)
	}
	if again := anon.get(page); !strings.Contains(again.Body, `fact-value">`+fact+`<`) {
		t.Errorf("the published observed score moved from %s", fact)
	}
}

// TestServicesExportObserved: the coordinator's catalog export has each
// service's last observed status after its declared columns, and the file
// imports again as it is.
func TestServicesExportObserved(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	r := admin.get("/en/admin/services/export.csv")
	assertStatus(t, r, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	if got := strings.Join(head[len(head)-4:], ","); got != "observed_reachable,observed_https,observed_checked_at,observed_uptime_30d" {
		t.Fatalf("last columns: %s", got)
	}
	byCode := map[string][]string{}
	for _, rec := range recs[1:] {
		byCode[rec[0]+"/"+rec[1]] = rec[len(rec)-4:]
	}
	if got := byCode["MOH/INS-ISSUE"]; got[0] != "no" || got[2] == "" || got[3] == "" {
		t.Errorf("INS-ISSUE, failing: %v", got)
	}
	if got := byCode["MOH/VACCINATION-CERT"]; got[0] != "yes" || got[1] != "no" {
		t.Errorf("VACCINATION-CERT, plain HTTP: %v", got)
	}
	if got := byCode["MOH/MEDICAL-REPORT"]; strings.Join(got, "") != "" {
		t.Errorf("MEDICAL-REPORT has no URL, never checked: %v", got)
	}
	if _, err := survey.ParseServicesCSV(strings.NewReader(r.Body)); err != nil {
		t.Errorf("the export does not import again: %v", err)
	}
	x := admin.get("/en/admin/services/export.xlsx")
	if x.Status != http.StatusOK || !bytes.Contains([]byte(x.Body), []byte("PK")) {
		t.Errorf("xlsx export: %d", x.Status)
	}
	_ = st
}

// TestCheckRunAfterRestart: a run started by hand is in the audit log, and
// what the last run did — and the limit on runs by hand — outlives the
// server that ran it. A run whose server stopped reads as interrupted.
func TestCheckRunAfterRestart(t *testing.T) {
	t.Parallel()
	st := newDemoStore(t)
	first := newServerOn(t, st)
	ts := httptest.NewServer(first)
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	if r := admin.get("/en/admin/services"); !strings.Contains(r.Body, `data-check-run="never"`) {
		t.Error("before any run, the page does not say so")
	}
	if r := admin.post("/en/admin/services/check", url.Values{}, "/en/admin/services"); !strings.Contains(r.Header.Get("Location"), "done=check_started") {
		t.Fatalf("start: %d %q", r.Status, r.Header.Get("Location"))
	}
	select {
	case <-first.CheckRunDone():
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not finish in 60 s")
	}
	ts.Close()
	events, err := st.AuditLog(context.Background(), "service", 5)
	if err != nil || len(events) == 0 || events[0].Action != "check_run" || events[0].ActorName != "admin@example.ps" {
		t.Errorf("audit: %+v, %v", events, err)
	}

	// Another server on the same database: a restart.
	ts = httptest.NewServer(newServerOn(t, st))
	defer ts.Close()
	admin = newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	r := admin.get("/en/admin/services")
	assertContains(t, r.Body, `data-check-run="finished"`, "addresses visited, 0 online")
	if r := admin.post("/en/admin/services/check", url.Values{}, "/en/admin/services"); !strings.Contains(r.Header.Get("Location"), "done=check_too_soon") {
		t.Errorf("a run by hand just after a restart: %q", r.Header.Get("Location"))
	}
	if _, err := st.StartCheckRun(context.Background(), 0, false); err != nil { // and its server stops
		t.Fatal(err)
	}
	if r := admin.get("/ar/admin/services"); !strings.Contains(r.Body, `data-check-run="interrupted"`) || !strings.Contains(r.Body, "لم يكتمل الفحص") {
		t.Error("a run whose server stopped does not read as interrupted")
	}
}
