package handlers

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// frozenPaths are every page, export and API answer of a round that show
// its figures, in both languages: the dashboard (filtered too, and on the
// verified index), its slides and standalone file, the stages page, the
// rankings, heatmap, comparison and a scorecard, their CSV and XLSX
// exports, every dashboard chart's data, and the scores and scorecard
// API answers. chartIDs are the dashboard's charts (read from the page).
func frozenPaths(id, code string, chartIDs []string) []string {
	var out []string
	for _, l := range Languages {
		base := "/" + l + "/rounds/" + id
		out = append(out,
			base+"/dashboard", base+"/dashboard?index=verified", base+"/dashboard?sector=health", base+"/dashboard?region=gaza",
			"/"+l+"/present/"+id, base+"/dashboard.html", base+"/dashboard.html?sector=health",
			base+"/stages", base+"/stages?kind=ministry", base+"/stages.csv", base+"/stages.xlsx", base+"/stages.csv?region=gaza",
			base+"/rankings", base+"/rankings.csv", base+"/rankings.xlsx", base+"/rankings?index=verified",
			base+"/heatmap", base+"/compare?c="+code, base+"/scorecards/"+code)
		for _, ch := range chartIDs {
			out = append(out, base+"/dashboard.csv?chart="+ch, base+"/dashboard.xlsx?chart="+ch)
		}
	}
	return append(out, "/api/v1/rounds/"+id+"/scores", "/api/v1/rounds/"+id+"/scores?index=verified&sector=health",
		"/api/v1/rounds/"+id+"/institutions/"+code+"/scorecard")
}

// volatile is what differs between two renderings of one page that show
// the same figures: the CSRF token masked afresh on each page, and the
// date a standalone file says it was exported.
var volatile = []*regexp.Regexp{
	regexp.MustCompile(`name="csrf_token" value="[^"]*"`),
	regexp.MustCompile(`<p class="exported">[^<]*</p>`),
	regexp.MustCompile(`(?s)<footer>.*?</footer>`),
}

func normalizePage(body string) string {
	for _, re := range volatile {
		body = re.ReplaceAllString(body, "")
	}
	return body
}

var chartIDAttr = regexp.MustCompile(`data-png="([^"]+)"`)

// capture reads every path as c and keeps each answer, CSV and XLSX as
// they came (byte for byte), pages normalised.
func capture(t *testing.T, c *client, paths []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		r := c.get(p)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%.400s", p, r.Status, r.Body)
		}
		body := r.Body
		if strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			body = normalizePage(body)
		}
		out[p] = body
	}
	return out
}

// TestPublishedRoundNeverChanges publishes a round, then edits, adds and
// retires services of institutions scored in it (and in the round
// published before) through the API, and reads every page, export and API
// answer of both rounds again: nothing changed, byte for byte (pages with
// their CSRF tokens and export dates left out). The services figures of a
// published round are what it froze (roundFigures), not today's catalog,
// which did change.
func TestPublishedRoundNeverChanges(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	token := apiToken(t, ts, "admin@example.ps")
	r2025, r2026 := roundIDByName(t, st, "2025"), roundIDByName(t, st, "2026")

	// Publish the open round: it closes (freezing what it counts), then
	// publishes.
	for _, action := range []string{"close", "publish"} {
		r := admin.post("/ar/admin/rounds/"+r2026, url.Values{"action": {action}}, "/ar/admin/rounds/"+r2026)
		assertStatus(t, r, http.StatusSeeOther)
	}
	var scores struct {
		Scores []survey.InstitutionScore `json:"scores"`
	}
	r := admin.get("/api/v1/rounds/" + r2026 + "/scores")
	assertStatus(t, r, http.StatusOK)
	if err := json.Unmarshal([]byte(r.Body), &scores); err != nil || len(scores.Scores) < 3 {
		t.Fatalf("2026 scores: %v %.200s", err, r.Body)
	}
	scored := []string{scores.Scores[0].Code, scores.Scores[1].Code, scores.Scores[len(scores.Scores)-1].Code}

	var paths []string
	for _, id := range []string{r2025, r2026} {
		var ids []string
		for _, m := range chartIDAttr.FindAllStringSubmatch(admin.get("/ar/rounds/"+id+"/dashboard").Body, -1) {
			ids = append(ids, m[1])
		}
		sort.Strings(ids)
		if len(ids) < 5 {
			t.Fatalf("round %s: charts %v", id, ids)
		}
		paths = append(paths, frozenPaths(id, scored[0], ids)...)
	}
	before := capture(t, admin, paths)
	liveBefore := admin.get("/api/v1/catalog.csv").Body

	// The catalog changes: in each of three institutions scored in 2026
	// (all took part in 2025 too), a service moves to stage 5 and flips
	// its reach, a new service at stage 5 is added, another is retired.
	for n, code := range scored {
		var list struct {
			Services []survey.Service `json:"items"`
		}
		r := apiCall(t, ts, http.MethodGet, "/api/v1/institutions/"+code+"/services", token, "")
		assertStatus(t, r, http.StatusOK)
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil {
			t.Fatal(err)
		}
		var active []survey.Service
		for _, sv := range list.Services {
			if sv.Status == survey.ServiceActive {
				active = append(active, sv)
			}
		}
		if len(active) < 2 {
			t.Fatalf("%s has %d active services", code, len(active))
		}
		sv := active[0]
		body, _ := json.Marshal(map[string]any{"code": sv.Code, "name_ar": sv.NameAr, "name_en": sv.NameEn,
			"description_ar": sv.DescriptionAr, "category": sv.Category, "audience": sv.Audience, "channels": []string{"web"},
			"stage": 5, "online_url": "https://" + strings.ToLower(code) + ".example.ps/online", "e_payment": true, "e_id": true,
			"available_abroad": !sv.Abroad, "no_visit": !sv.NoVisit, "mobile_friendly": true, "languages": []string{"ar", "en"},
			"uses_data_exchange": true, "last_reviewed": "2026-05-01", "status": "active", "version": sv.Version})
		assertStatus(t, apiCall(t, ts, http.MethodPut, fmt.Sprintf("/api/v1/services/%d", sv.ID), token, string(body)), http.StatusOK)
		body, _ = json.Marshal(map[string]any{"code": fmt.Sprintf("FROZEN-%d", n), "name_ar": "خدمة أضيفت بعد النشر", "name_en": "Added after publication",
			"description_ar": "وصف", "category": "other", "audience": []string{"citizens", "diaspora"}, "channels": []string{"web"},
			"stage": 5, "online_url": "https://" + strings.ToLower(code) + ".example.ps/new", "e_payment": true, "e_id": true,
			"available_abroad": true, "no_visit": true, "languages": []string{"ar"}, "last_reviewed": "2026-05-01"})
		assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/institutions/"+code+"/services", token, string(body)), http.StatusCreated)
		assertStatus(t, apiCall(t, ts, http.MethodDelete, fmt.Sprintf("/api/v1/services/%d", active[1].ID), token, ""), http.StatusNoContent)
	}
	if admin.get("/api/v1/catalog.csv").Body == liveBefore {
		t.Fatal("the catalog did not change; the test proves nothing")
	}

	after := capture(t, admin, paths)
	changed := 0
	for _, p := range paths {
		if before[p] != after[p] {
			changed++
			t.Errorf("%s changed after the catalog was edited:\n%s", p, firstDifference(before[p], after[p]))
		}
	}
	if changed > 0 {
		t.Logf("%d of %d answers changed", changed, len(paths))
	}
}

// firstDifference shows where two texts part, with some context.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-120, 0)
	return fmt.Sprintf("before: …%.240s…\nafter:  …%.240s…", a[from:], b[from:])
}

// TestRescoredRoundKeepsItsScoresReadable: after a published round is
// rescored under a new scoring version, its pages show the new scores and
// say so, and the scores shown before stay readable through the API
// (?scoring_version=), as they were; a version never used is 404.
func TestRescoredRoundKeepsItsScoresReadable(t *testing.T) {
	t.Parallel()
	b, err := fullDemoFile()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "marsad.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, path)
	ts := httptest.NewServer(newServerOn(t, st))
	t.Cleanup(ts.Close)
	id := roundIDByName(t, st, "2025")
	api := "/api/v1/rounds/" + id + "/scores"

	type answer struct {
		ScoringVersion  string                    `json:"scoring_version"`
		ScoringVersions []string                  `json:"scoring_versions"`
		ComparedWith    *survey.Round             `json:"compared_with"`
		Scores          []survey.InstitutionScore `json:"scores"`
	}
	read := func(path string) answer {
		t.Helper()
		r := apiCall(t, ts, http.MethodGet, path, "", "")
		assertStatus(t, r, http.StatusOK)
		var a answer
		if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := read(api); a.ScoringVersion != survey.ScoringVersion || len(a.ScoringVersions) != 1 {
		t.Fatalf("before: version %q of %v", a.ScoringVersion, a.ScoringVersions)
	}

	// The round as an earlier release scored and published it: version 0.
	db, err := sql.Open("sqlite3", sqlstore.DSN(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE scores SET scoring_version = '0', index_value = round(index_value * 0.8, 6)
		WHERE response_id IN (SELECT id FROM responses WHERE round_id = ?)`, id); err != nil {
		t.Fatal(err)
	}
	old := read(api)
	if n, err := st.Rescore(t.Context(), 0, mustInt(t, id)); err != nil || n != 35 {
		t.Fatalf("rescore: %d, %v", n, err)
	}
	cur := read(api)
	if cur.ScoringVersion != survey.ScoringVersion || !equalStrings(cur.ScoringVersions, []string{survey.ScoringVersion, "0"}) ||
		cur.Scores[0].Index == old.Scores[0].Index {
		t.Errorf("after the rescore: version %q of %v, top index %v (was %v)", cur.ScoringVersion, cur.ScoringVersions,
			cur.Scores[0].Index, old.Scores[0].Index)
	}
	prev := read(api + "?scoring_version=0")
	if prev.ScoringVersion != "0" || prev.ComparedWith != nil || len(prev.Scores) != len(old.Scores) {
		t.Fatalf("version 0: %q, compared with %v, %d scores", prev.ScoringVersion, prev.ComparedWith, len(prev.Scores))
	}
	for i := range old.Scores {
		o, p := old.Scores[i], prev.Scores[i]
		if o.Code != p.Code || o.Index != p.Index || o.Rank != p.Rank || p.ScoringVersion != "0" {
			t.Errorf("version 0, row %d: %s %v #%d, was %s %v #%d", i, p.Code, p.Index, p.Rank, o.Code, o.Index, o.Rank)
		}
	}
	assertStatus(t, apiCall(t, ts, http.MethodGet, api+"?scoring_version=9", "", ""), http.StatusNotFound)

	// The rankings page says the scores were recomputed and links to the
	// earlier ones, in both languages.
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + id + "/rankings")
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, `scoring_version=0"`)
		assertTranslated(t, r.Body)
	}
}

func equalStrings(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// TestPublishedRoundRefusesReview: the review page of a published round
// offers no decision, and a decision posted anyway is refused with a
// message saying why, changing nothing.
func TestPublishedRoundRefusesReview(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	id := roundIDByName(t, st, "2025")
	page := "/en/admin/rounds/" + id + "/responses/MOE"
	r := admin.get(page)
	assertStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, `name="decision"`) {
		t.Error("the review page of a published round offers decisions")
	}
	sum, err := st.Checksum(t.Context(), "sessions", "login_failures")
	if err != nil {
		t.Fatal(err)
	}
	r = admin.post(page, url.Values{"decision": {"return"}}, page)
	assertStatus(t, r, http.StatusConflict)
	assertContains(t, r.Body, "published")
	r = apiCall(t, ts, http.MethodPost, "/api/v1/rounds/"+id+"/responses/MOE/reopen", apiToken(t, ts, "admin@example.ps"), "")
	assertAPIError(t, r, "round_published")
	if after, _ := st.Checksum(t.Context(), "sessions", "login_failures"); after != sum {
		t.Error("refused review decisions changed the database")
	}
}

// TestOpenRoundShowsLiveCatalog: the open round has frozen nothing yet, so
// its services figures are today's catalog — they follow an edit at once —
// and its dashboard, stages page and services chart exports say they are
// live; a published round's say they are frozen.
func TestOpenRoundShowsLiveCatalog(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	open, published := roundIDByName(t, st, "2026"), roundIDByName(t, st, "2025")
	live := "Live: services figures are today"
	for _, p := range []string{"/en/rounds/" + open + "/dashboard", "/en/rounds/" + open + "/stages"} {
		r := admin.get(p)
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, live)
	}
	for _, p := range []string{"/en/rounds/" + published + "/dashboard", "/en/rounds/" + published + "/stages"} {
		r := admin.get(p)
		assertStatus(t, r, http.StatusOK)
		assertContains(t, r.Body, "frozen with its response")
		if strings.Contains(r.Body, live) {
			t.Errorf("%s says its figures are live", p)
		}
	}
	export := "/en/rounds/" + open + "/dashboard.csv?chart=chart_stages_" + open
	before := admin.get(export).Body
	assertContains(t, before, live)
	body := `{"code":"LIVE-1","name_ar":"خدمة جديدة","name_en":"New service","description_ar":"وصف","category":"other",` +
		`"audience":["citizens"],"channels":["web"],"stage":5,"online_url":"https://moe.example.ps/live","e_payment":true,"e_id":true,` +
		`"languages":["ar"],"last_reviewed":"2026-05-01"}`
	assertStatus(t, apiCall(t, ts, http.MethodPost, "/api/v1/institutions/MOE/services", apiToken(t, ts, "admin@example.ps"), body), http.StatusCreated)
	if admin.get(export).Body == before {
		t.Error("the open round's services figures did not follow the catalog")
	}
}
