package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/probe"
)

func init() {
	// No test server's check run looks a name up (checkResolver): the
	// demo's sites are not visited from tests.
	checkResolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("tests resolve no names")
	}}
}

// TestServiceChecksRun: the coordinator starts a run; it visits a service
// whose URL is a loopback server (allowlisted), and the public page and
// the API then show what it found. A second run at once is refused.
func TestServiceChecksRun(t *testing.T) {
	t.Parallel()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/svc" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html lang="ar" dir="rtl"><head><meta name="viewport" content="width=device-width"><title>خدمة</title></head><body><img src=x></body></html>`)
	}))
	defer site.Close()

	st := newDemoStore(t)
	ctx := context.Background()
	list, err := st.InstitutionServices(ctx, "MOH")
	if err != nil || len(list) == 0 {
		t.Fatalf("MOH services: %v", err)
	}
	// A new service (the demo's carry stored checks), like MOH's first.
	sv := list[0]
	in := survey.ServiceInput{InstitutionCode: "MOH", Code: "LOOPBACK-SVC", NameAr: sv.NameAr, NameEn: sv.NameEn,
		DescriptionAr: sv.DescriptionAr, DescriptionEn: sv.DescriptionEn, Category: sv.Category, Audience: sv.Audience,
		Channels: sv.Channels, Stage: "4", OnlineURL: site.URL + "/svc", EPayment: sv.EPayment, EID: sv.EID, Abroad: sv.Abroad,
		NoVisit: sv.NoVisit, MobileFriendly: sv.MobileFriendly, Languages: sv.Languages,
		FeeILS: strconv.FormatFloat(sv.FeeILS, 'f', -1, 64), ProcessingDays: strconv.Itoa(sv.ProcessingDays),
		YearlyVolume: strconv.FormatInt(sv.YearlyVolume, 10), OnlineShare: strconv.FormatFloat(sv.OnlineShare, 'f', -1, 64),
		DataExchange: sv.DataExchange, LastReviewed: sv.LastReviewed, Status: survey.ServiceActive}
	if sv, err = st.CreateService(ctx, survey.Actor{Role: survey.RoleAdmin}, in); err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, st, Config{Version: "test", BaseURL: "http://marsad.test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Checks: probe.Options{Allow: []string{"127.0.0.0/8"}, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	srv.RunChecks(runCtx, 0)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	page := "/en/catalog/" + strconv.FormatInt(sv.ID, 10)

	anon := newClient(t, ts)
	if r := anon.get(page); r.Status != http.StatusOK || strings.Contains(r.Body, `id="check"`) {
		t.Fatalf("before any check: status %d, shows a check: %v", r.Status, strings.Contains(r.Body, `id="check"`))
	}
	viewer := newClient(t, ts)
	viewer.signIn("en", "viewer@example.ps", survey.DemoPassword)
	if r := viewer.post("/en/admin/services/check", url.Values{}, "/en/catalog"); r.Status != http.StatusForbidden {
		t.Errorf("viewer starts a check: %d", r.Status)
	}
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	if r := admin.post("/en/admin/services/check", url.Values{"csrf_token": {"forged"}}, ""); r.Status != http.StatusForbidden {
		t.Errorf("a forged CSRF token: %d", r.Status)
	}
	r := admin.post("/en/admin/services/check", url.Values{}, "/en/admin/services")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/en/admin/services?done=check_started#checks" {
		t.Fatalf("start: %d %q", r.Status, r.Header.Get("Location"))
	}
	select {
	case <-srv.CheckRunDone():
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not finish in 30 s")
	}
	stat, err := srv.checkStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	targets, _ := st.CheckTargets(ctx)
	if stat.Failed || stat.Running || stat.URLs != len(targets) || stat.Reachable != 1 || len(targets) < checkBatch {
		t.Errorf("run: %+v over %d targets; want all checked, the one loopback service online", stat, len(targets))
	}
	// Rate limit: a run by hand moments after the last is refused.
	if r := admin.post("/en/admin/services/check", url.Values{}, "/en/admin/services"); !strings.Contains(r.Header.Get("Location"), "done=check_too_soon") {
		t.Errorf("second run at once: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := admin.get("/en/admin/services?done=check_too_soon"); !strings.Contains(r.Body, "less than five minutes ago") || !strings.Contains(r.Body, "addresses visited, 1 online") {
		t.Errorf("admin page does not say what the runs did:\n%s", r.Body)
	}

	r = anon.get(page)
	if !strings.Contains(r.Body, `id="check"`) || !strings.Contains(r.Body, "online, ") || !strings.Contains(r.Body, "connection not encrypted") ||
		!strings.Contains(r.Body, "Available in 100% of 1 checks") {
		t.Errorf("service page does not show the check:\n%s", r.Body)
	}
	if r := anon.get("/ar/catalog/" + strconv.FormatInt(sv.ID, 10)); !strings.Contains(r.Body, "متاحة، ") || !strings.Contains(r.Body, "آخر فحص") {
		t.Errorf("Arabic service page does not show the check")
	}
	// Another service, on a name the tests do not resolve: not reachable, and why.
	other, _ := st.InstitutionServices(ctx, "MOI")
	for _, o := range other {
		if o.OnlineURL == "" || o.Status != survey.ServiceActive {
			continue
		}
		if r := anon.get("/en/catalog/" + strconv.FormatInt(o.ID, 10)); !strings.Contains(r.Body, "not reachable (the name does not resolve)") {
			t.Errorf("unreachable service page:\n%s", r.Body)
		}
		break
	}

	// The respondent's list of services says what fails and why.
	moh := newClient(t, ts)
	moh.signIn("en", "moh@example.ps", survey.DemoPassword)
	r = moh.get("/en/institutions/MOH/services")
	row := r.Body[strings.Index(r.Body, fmt.Sprintf(`id="s%d"`, sv.ID)):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "online, ") || strings.Contains(r.Body, "⟦") {
		t.Errorf("MOH's services list does not show the check:\n%s", row)
	}
	if !strings.Contains(r.Body, `check-failed">not reachable (the name does not resolve)`) {
		t.Errorf("MOH's services list does not say which service fails and why")
	}

	a := admin.get("/api/v1/services/" + strconv.FormatInt(sv.ID, 10))
	var got struct {
		ID       int64 `json:"id"`
		Observed struct {
			Last *struct {
				Reachable bool   `json:"reachable"`
				Status    int    `json:"status"`
				Lang      string `json:"lang"`
				Dir       string `json:"dir"`
				NoAlt     int    `json:"images_without_alt"`
				NotFound  string `json:"not_found_probe"`
			} `json:"last_check"`
			Uptime survey.Uptime `json:"uptime_30d"`
		} `json:"observed"`
	}
	if err := json.Unmarshal([]byte(a.Body), &got); err != nil || got.ID != sv.ID || got.Observed.Last == nil {
		t.Fatalf("API: %v\n%s", err, a.Body)
	}
	if l := got.Observed.Last; !l.Reachable || l.Status != 200 || l.Lang != "ar" || l.Dir != "rtl" || l.NoAlt != 1 || l.NotFound != "404" {
		t.Errorf("API last check = %+v", *l)
	}
	if got.Observed.Uptime != (survey.Uptime{Checks: 1, Reachable: 1}) {
		t.Errorf("API uptime = %+v", got.Observed.Uptime)
	}
}
