package handlers

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"

	"marsad/data"
	"marsad/reports"
	"marsad/survey"
	"marsad/survey/cache"
	"marsad/survey/sqlstore"
	"marsad/survey/synth"
)

func TestDashboardPagesAndEscaping(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	r2025 := roundIDByName(t, st, "2025")
	// A hostile name: it must stay text everywhere.
	renameMOE(t, st, `وزارة </script><script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`)
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + r2025 + "/dashboard")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		assertContains(t, r.Body, `class="chart"`, "/static/echarts/echarts.min.js", "data-option=")
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, `<img src=x`) {
			t.Errorf("%s: a name broke out of its attribute", l)
		}
		r = c.get("/" + l + "/rounds/" + r2025 + "/rankings")
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, `<img src=x`) {
			t.Errorf("%s rankings: a name broke out", l)
		}
		// The compare pickers' options are made outside the template.
		r = c.get("/" + l + "/rounds/" + r2025 + "/compare?c=MOE")
		assertStatus(t, r, http.StatusOK)
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, `<img src=x`) {
			t.Errorf("%s compare: a name broke out", l)
		}
		if l == "en" {
			assertContains(t, r.Body, `<option value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt; (MOE)">`)
		}
	}
	assertStatus(t, c.get("/static/echarts/echarts.min.js"), http.StatusOK)
	// The open round's dashboard is not public.
	assertStatus(t, c.get("/ar/rounds/"+roundIDByName(t, st, "2026")+"/dashboard"), http.StatusSeeOther)
}

// TestBrowserDashboardDraws opens the dashboard in Arabic and English and
// checks every chart drew something (a canvas with coloured pixels).
func TestBrowserDashboardDraws(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	id := roundIDByName(t, st, "2025")
	for _, page := range []string{"ar/rounds/" + id + "/dashboard", "en/rounds/" + id + "/dashboard", "ar/rounds/" + id + "/scorecards/MOH", "en/rounds/" + id + "/scorecards/MOH", "ar/rounds/" + id + "/heatmap", "ar/rounds/" + id + "/stages?kind=municipality", "en/rounds/" + id + "/stages", "ar/rounds/" + id + "/compare?c=MOH&c=MOE&c=MOL"} {
		l := strings.NewReplacer("/", "-", "?", "-", "&", "-", "=", "").Replace(page)
		err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"+page), chromedp.WaitVisible(chromedp.CSS(".chart")))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
			const charts = document.querySelectorAll('.chart');
			if (!charts.length) return false;
			for (const el of charts) {
				const c = el.querySelector('canvas');
				if (!c || !c.width) return false;
				const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				let ink = 0;
				for (let i = 0; i < d.length; i += 16) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 2] < 200)) ink++;
				if (ink < 50) return false;
			}
			return true;
		})()`, chromedp.WithPollingTimeout(15*time.Second)))
		if err != nil || !ok {
			t.Fatalf("%s: charts did not draw: %v", l, err)
		}
		if strings.HasSuffix(page, "dashboard") {
			// The SVG export of the leaderboard, as the SVG button saves it.
			svg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.marsadSVG('chart_leaderboard_`+id+`')`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "<text") {
				t.Errorf("%s: SVG export: %v %.200q", page, err, svg)
			}
			if strings.HasPrefix(page, "ar/") && !strings.Contains(svg, "وزارة") {
				t.Errorf("the Arabic SVG has no Arabic names")
			}
		}
		screenshot(t, ctx, "11-"+l)
	}
}

func TestPresentationPage(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/present/" + id + "?auto=10")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		assertContains(t, r.Body, `class="presentation" data-auto="10"`, `class="slide slide-title"`, "data-option=",
			`id="chart_top10_`+id+`"`, `id="chart_movers_`+id+`"`, `id="chart_top3_`+id+`"`, `id="chart_stages_`+id+`"`)
		if n := strings.Count(r.Body, `<section class="slide`); n < 4 {
			t.Errorf("%s: %d slides, want the overview and at least three charts", l, n)
		}
	}
	// An odd auto value is ignored rather than trusted.
	assertContains(t, c.get("/en/present/"+id+"?auto=1").Body, `data-auto="0"`)
	// Unpublished rounds are not presented to the public.
	assertStatus(t, c.get("/ar/present/"+roundIDByName(t, st, "2026")), http.StatusSeeOther)
}

// TestBrowserPresentationKeys walks the Arabic deck with the keyboard: in a
// right-to-left deck the left arrow moves forward, and each chart slide
// draws once shown.
func TestBrowserPresentationKeys(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	id := roundIDByName(t, st, "2025")
	err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/ar/present/"+id), chromedp.WaitVisible(chromedp.CSS(".slide-title")))
	if err != nil {
		t.Fatal(err)
	}
	slide := func() string {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.presentation').getAttribute('data-slide')`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := slide(); s != "0" {
		t.Fatalf("starts on slide %s", s)
	}
	for _, step := range []struct{ key, name, want string }{{kb.ArrowLeft, "ArrowLeft", "1"}, {kb.ArrowLeft, "ArrowLeft", "2"}, {kb.ArrowRight, "ArrowRight", "1"}, {kb.PageDown, "PageDown", "2"}} {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(step.key)); err != nil {
			t.Fatal(err)
		}
		if s := slide(); s != step.want {
			t.Fatalf("after %s: slide %s, want %s", step.name, s, step.want)
		}
	}
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const el = document.querySelector('.slide:not([hidden]) .chart canvas');
		return !!el && el.width > 300;
	})()`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !ok {
		t.Fatalf("the shown chart slide did not draw at full size: %v", err)
	}
	screenshot(t, ctx, "12-present-ar")
}

// TestStandaloneExport checks the offline HTML file: a download, whole in
// itself (no URL it would fetch), within 1.5 MB, names kept as text.
func TestStandaloneExport(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	renameMOE(t, st, `وزارة </script><script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`)
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + id + "/dashboard.html")
		assertStatus(t, r, http.StatusOK)
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".html") {
			t.Errorf("%s: Content-Disposition %q", l, cd)
		}
		if n := len(r.Body); n > 1500*1024 {
			t.Errorf("%s: standalone dashboard is %d bytes, over 1.5 MB", l, n)
		}
		assertTranslated(t, r.Body)
		assertContains(t, r.Body, `lang="`+l+`"`, "data-option=", "data:font/woff2;base64,", "echarts")
		// The markup before the inlined scripts (ECharts' own code mentions src=).
		markup, _, _ := strings.Cut(r.Body, "<script>")
		for _, fetch := range []string{`src="`, `href="/`, "<link", `url("../`} {
			if strings.Contains(markup, fetch) {
				t.Errorf("%s: the file has %q: it would need the network", l, fetch)
			}
		}
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, "<img src=x") {
			t.Errorf("%s: a name broke out of its attribute", l)
		}
		if n := strings.Count(r.Body, `class="chart"`); n < 4 {
			t.Errorf("%s: %d charts", l, n)
		}
	}
	one := c.get("/en/rounds/" + id + "/dashboard.html?chart=chart_stages_" + id)
	assertStatus(t, one, http.StatusOK)
	if n := strings.Count(one.Body, `class="chart"`); n != 1 {
		t.Errorf("one chart's file has %d charts", n)
	}
	assertStatus(t, c.get("/en/rounds/"+id+"/dashboard.html?chart=nope"), http.StatusNotFound)
	// Unpublished rounds stay private in exports too.
	assertStatus(t, c.get("/en/rounds/"+roundIDByName(t, st, "2026")+"/dashboard.html"), http.StatusSeeOther)
}

// TestBrowserStandaloneOffline saves the Arabic export to disk and opens it
// through file:// with the network switched off: every chart must draw and
// nothing may have been fetched.
func TestBrowserStandaloneOffline(t *testing.T) {
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	body := newClient(t, ts).get("/ar/rounds/" + id + "/dashboard.html").Body
	file := filepath.Join(t.TempDir(), "dashboard.html")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ts.Close() // the server is gone, as on the conference laptop
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatal(err)
	}
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const charts = document.querySelectorAll('.chart');
		if (charts.length < 4) return false;
		for (const el of charts) {
			const c = el.querySelector('canvas');
			if (!c || !c.width) return false;
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let ink = 0;
			for (let i = 0; i < d.length; i += 16) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 2] < 200)) ink++;
			if (ink < 50) return false;
		}
		return document.fonts.check('16px "Noto Sans Arabic"', 'مرصد');
	})()`, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil || !ok {
		t.Fatalf("the offline file did not draw its charts: %v", err)
	}
	fetched, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType('resource').length`))
	if err != nil || fetched != 0 {
		t.Errorf("the offline file fetched %d resources (%v)", fetched, err)
	}
	screenshot(t, ctx, "13-standalone-ar")
}

// TestRankingsExports downloads the ranking table as CSV and XLSX, with the
// page's filters, and checks visibility and that names stay inert text.
func TestRankingsExports(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	renameMOE(t, st, `=HYPERLINK("http://evil") وزارة`, "@SUM(A1)")
	c := newClient(t, ts)
	r := c.get("/ar/rounds/" + id + "/rankings.csv")
	assertStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Body, "\xEF\xBB\xBF\"المرتبة\",") {
		t.Errorf("csv starts %q", r.Body[:40])
	}
	lines := strings.Split(strings.TrimSpace(r.Body), "\n")
	if len(lines) < 30 {
		t.Errorf("%d csv lines, want every scored institution", len(lines))
	}
	if strings.Contains(r.Body, `"=HYPERLINK`) || !strings.Contains(r.Body, `"'=HYPERLINK`) {
		t.Errorf("a name was left as a formula:\n%s", r.Body)
	}
	// Filters are those of the page: only municipalities.
	m := c.get("/en/rounds/" + id + "/rankings.csv?kind=municipality")
	ml := strings.Split(strings.TrimSpace(m.Body), "\n")
	if len(ml) < 2 || len(ml) >= len(lines) {
		t.Errorf("municipality filter gave %d lines of %d", len(ml), len(lines))
	}
	if en := c.get("/en/rounds/" + id + "/rankings.csv"); !strings.Contains(en.Body, `,"'@SUM(A1)",`) {
		t.Errorf("the English name was left as a formula:\n%s", en.Body)
	}
	for _, l := range ml[1:] {
		if !strings.Contains(l, `,"Municipality",`) {
			t.Errorf("filtered row %q is not a municipality", l)
		}
	}
	x := c.get("/ar/rounds/" + id + "/rankings.xlsx")
	assertStatus(t, x, http.StatusOK)
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if view, err := f.GetSheetView("rankings", 0); err != nil || view.RightToLeft == nil || !*view.RightToLeft {
		t.Errorf("the Arabic workbook is not right to left (%v)", err)
	}
	if rows, _ := f.GetRows("rankings"); len(rows) != len(lines) {
		t.Errorf("xlsx has %d rows, csv %d", len(rows), len(lines))
	}
	assertStatus(t, c.get("/en/rounds/"+roundIDByName(t, st, "2026")+"/rankings.xlsx"), http.StatusSeeOther)
}

func TestChartDataExports(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)
	r := c.get("/ar/rounds/" + id + "/dashboard.csv?chart=chart_leaderboard_" + id)
	assertStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Body, "\xEF\xBB\xBF\"المرتبة\",\"المؤسسة\",") || strings.Count(r.Body, "\n") != 16 {
		t.Errorf("leaderboard csv: %q…", r.Body[:min(len(r.Body), 200)])
	}
	if strings.Contains(r.Body, ",high\n") || strings.Contains(r.Body, ",medium\n") {
		t.Error("levels exported as keys, not labels")
	}
	x := c.get("/en/rounds/" + id + "/dashboard.xlsx?chart=chart_stages_" + id)
	assertStatus(t, x, http.StatusOK)
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("data")
	if len(rows) != 7 || rows[0][0] != "Online stage" {
		t.Errorf("stages workbook rows: %v", rows)
	}
	assertStatus(t, c.get("/en/rounds/"+id+"/dashboard.csv?chart=x"), http.StatusNotFound)
	assertStatus(t, c.get("/en/rounds/"+roundIDByName(t, st, "2026")+"/dashboard.csv?chart=chart_stages_1"), http.StatusSeeOther)
}

func TestScorecardProfileCharts(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id, old := roundIDByName(t, st, "2025"), roundIDByName(t, st, "2024")
	// An institution scored in both rounds.
	n, _ := strconv.ParseInt(old, 10, 64)
	earlier, err := st.Scores(context.Background(), n, survey.ScoreSelf)
	if err != nil || len(earlier) == 0 {
		t.Fatal(err)
	}
	code := earlier[0].Code
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + id + "/scorecards/" + code)
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		assertContains(t, r.Body, `id="chart_profile_`+id+`_`+code+`"`, `id="chart_trend_`+id+`_`+code+`"`, "/static/echarts/echarts.min.js", "&#34;radar&#34;")
	}
	// The 2024 scorecard has no earlier round: a radar, no trend line.
	r := c.get("/en/rounds/" + old + "/scorecards/" + code)
	assertStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, "chart_trend_") || !strings.Contains(r.Body, "chart_profile_") {
		t.Error("2024 scorecard: want a radar and no trend")
	}
}

// TestBrowserScorecardPrintsOnA4 prints the Arabic scorecard the way the
// browser's "save as PDF" does, with the stylesheet's page size.
func TestBrowserScorecardPrintsOnA4(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	id := roundIDByName(t, st, "2025")
	err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/ar/rounds/"+id+"/scorecards/MOH"), chromedp.WaitVisible(chromedp.CSS(".chart[data-rendered]")))
	if err != nil {
		t.Fatal(err)
	}
	css := true
	pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &css})
	if err != nil {
		t.Fatal(err)
	}
	body := string(pdf.Data)
	if !strings.HasPrefix(body, "%PDF") {
		t.Fatalf("not a PDF: %q", body[:min(len(body), 20)])
	}
	// A4 is 595 × 842 points (Chromium writes 594.96 × 841.92).
	if !regexp.MustCompile(`/MediaBox \[0 0 59[45][.0-9]* 84[12][.0-9]*\]`).MatchString(body) {
		t.Errorf("the printed page is not A4")
	}
	m := regexp.MustCompile(`/Count (\d+)`).FindStringSubmatch(body)
	if m == nil || m[1] == "0" || len(m[1]) > 1 || m[1] > "3" {
		t.Errorf("the scorecard printed on %v pages, want 1 to 3", m)
	}
	if dir := os.Getenv("MARSAD_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "14-scorecard-ar.pdf"), pdf.Data, 0o644)
	}
}

func TestHeatmapPage(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	renameMOE(t, st, `وزارة </script><script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`)
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + id + "/heatmap")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		// The dimensions by their short names, the full ones beside them
		// (not Latin codes as the only heading on an Arabic page).
		short := map[string]string{"ar": ">الاستراتيجية</dt>", "en": ">Strategy</dt>"}[l]
		assertContains(t, r.Body, `id="chart_heatmap_`+id+`"`, "data-height=", "&#34;heatmap&#34;", short, `class="chart-scroll"`)
		if strings.Contains(r.Body, ">STR</dt>") {
			t.Errorf("%s: a dimension code as its heading", l)
		}
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, "<img src=x") {
			t.Errorf("%s: a name broke out", l)
		}
	}
	// Filters narrow the rows, and are kept in the export links.
	all := c.get("/en/rounds/" + id + "/heatmap").Body
	mun := c.get("/en/rounds/" + id + "/heatmap?kind=municipality").Body
	rows := func(b string) int { return strings.Count(b, "<tr><td dir=\"auto\">") }
	if rows(mun) == 0 || rows(mun) >= rows(all) {
		t.Errorf("municipality filter: %d rows of %d", rows(mun), rows(all))
	}
	assertContains(t, mun, "rankings.csv?index=self&sector=&kind=municipality")
	assertStatus(t, c.get("/en/rounds/"+roundIDByName(t, st, "2026")+"/heatmap"), http.StatusSeeOther)
}

// TestScorePagesCacheFollowsChanges: anonymous score pages are cached, but
// a renamed institution or a round made private shows on the next request.
func TestScorePagesCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)
	for _, page := range []string{"/dashboard", "/rankings", "/heatmap"} {
		assertStatus(t, c.get("/en/rounds/"+id+page), http.StatusOK)
	}
	renameMOE(t, st, "وزارة التربية", "Renamed Ministry of Education")
	for _, page := range []string{"/dashboard", "/rankings", "/heatmap"} {
		assertContains(t, c.get("/en/rounds/"+id+page).Body, "Renamed Ministry of Education")
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	if err := st.SetRoundPublic(context.Background(), 0, n, false); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/dashboard", "/rankings", "/heatmap"} {
		assertStatus(t, c.get("/en/rounds/"+id+page), http.StatusSeeOther)
	}
}

// TestRankingsPages: a big round's rankings come a hundred rows a page,
// with the filters kept in the page links; the export has every row.
func TestRankingsPages(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	ctx := context.Background()
	if err := synth.Seed(ctx, st, 150, 300, 5); err != nil {
		t.Fatal(err)
	}
	q, err := st.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	r := seedScoredRound(t, st, q, "2030", 0, 150, true)
	if err := st.SetRoundPublic(ctx, 0, r.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, 0, survey.NewUser{Email: "a@example.ps", Role: survey.RoleAdmin, Password: "test-password-1"}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newServerOn(t, st))
	defer ts.Close()
	c := newClient(t, ts)
	base := "/en/rounds/" + strconv.FormatInt(r.ID, 10) + "/rankings"
	rows := func(b string) int { return strings.Count(b, "/scorecards/I") }
	p1 := c.get(base)
	assertStatus(t, p1, http.StatusOK)
	assertContains(t, p1.Body, "Page 1 of 2", `rel="next" href="?index=self&amp;kind=&amp;page=2`)
	if n := rows(p1.Body); n != 100 {
		t.Errorf("page 1 has %d rows", n)
	}
	if n := rows(c.get(base + "?page=2").Body); n != 50 {
		t.Errorf("page 2 has %d rows", n)
	}
	if b := c.get(base + "?page=99").Body; rows(b) != 50 || !strings.Contains(b, "Page 2 of 2") {
		t.Error("a page past the end is not the last page")
	}
	if n := strings.Count(strings.TrimSpace(c.get(base+".csv").Body), "\n"); n != 150 {
		t.Errorf("the export has %d rows, want all 150", n)
	}
}

func TestComparePage(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + id + "/compare")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		if strings.Contains(r.Body, "chart_compare_") {
			t.Errorf("%s: a radar with nothing chosen", l)
		}
	}
	// Six asked (one twice, one unknown): five distinct known ones are kept.
	r := c.get("/en/rounds/" + id + "/compare?c=MOH&c=MOE&c=MOH&c=NOPE&c=MOL&c=MOF&c=MOA&c=MOT")
	assertStatus(t, r, http.StatusOK)
	assertContains(t, r.Body, `id="chart_compare_`+id+`"`, "&#34;radar&#34;", `name="c" list="compare-institutions" value="Ministry of Health (MOH)"`)
	if n := strings.Count(r.Body, "/scorecards/"); n != 5 {
		t.Errorf("%d institutions compared, want 5", n)
	}
	if strings.Contains(r.Body, `value="Ministry of Transport and Communications (MOT)" dir`) {
		t.Error("a sixth institution was kept")
	}
	// The picker's list is in the page once, not once per picker.
	if n := strings.Count(r.Body, `<option value="Ministry of Health (MOH)">`); n != 1 {
		t.Errorf("the list of institutions is there %d times", n)
	}
	// What the picker sends back, "name (CODE)", chooses the same.
	picked := c.get("/ar/rounds/" + id + "/compare?c=" + url.QueryEscape("وزارة الصحة (MOH)") + "&c=" + url.QueryEscape(" MOE "))
	if n := strings.Count(picked.Body, "/scorecards/"); n != 2 {
		t.Errorf("%d institutions picked by name, want 2", n)
	}
	assertStatus(t, c.get("/en/rounds/"+roundIDByName(t, st, "2026")+"/compare?c=MOH"), http.StatusSeeOther)
}

// renameMOE gives the demo's Ministry of Education new names: hostile
// ones, to check they stay text, or plain ones, to see a change show.
func renameMOE(t *testing.T, st *sqlstore.Store, ar, en string) {
	t.Helper()
	if _, err := st.UpdateInstitution(context.Background(), 0, "MOE", survey.InstitutionInput{
		NameAr: ar, NameEn: en, Kind: "ministry", Sector: "education", Region: "national"}); err != nil {
		t.Fatal(err)
	}
}

// TestScorePagesCachedPerUser: score pages are kept per kind of user, yet
// each user gets their own page around them (who is signed in, a working
// sign-out form), and a change to another round shows at once.
func TestScorePagesCachedPerUser(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	page := "/en/rounds/" + id + "/dashboard"
	for _, email := range []string{"viewer@example.ps", "admin@example.ps", "moh@example.ps", "moi@example.ps"} {
		c := newClient(t, ts)
		c.signIn("en", email, "marsad-demo")
		for range 2 { // rendered, then from the cache
			r := c.get(page)
			assertStatus(t, r, http.StatusOK)
			assertContains(t, r.Body, email, "Leaderboard")
			for _, other := range []string{"viewer@", "admin@", "moh@", "moi@"} {
				if !strings.HasPrefix(email, other) && strings.Contains(r.Body, other+"example.ps") {
					t.Errorf("%s sees %s's page", email, other)
				}
			}
		}
		// The sign-out form on the cached page carries this user's token.
		assertStatus(t, c.post("/en/logout", url.Values{}, page), http.StatusSeeOther)
		assertStatus(t, c.get("/en/rounds"), http.StatusSeeOther)
	}

	anon := newClient(t, ts)
	card := "/en/rounds/" + id + "/scorecards/MOE"
	n, _ := strconv.ParseInt(id, 10, 64)
	trend := reports.ChartID("trend", n, "MOE")
	assertContains(t, anon.get(card).Body, trend)
	prev, _ := strconv.ParseInt(roundIDByName(t, st, "2024"), 10, 64)
	if err := st.SetRoundPublic(context.Background(), 0, prev, false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(anon.get(card).Body, trend) {
		t.Error("the trend still shows a round that is no longer public")
	}
}

// TestStagesPage: each institution's services by stage, narrowed by the
// filters, adding up to the published catalog; names stay text.
func TestStagesPage(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	ctx := context.Background()
	id := roundIDByName(t, st, "2025")
	renameMOE(t, st, `وزارة </script><script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`)
	c := newClient(t, ts)
	for _, l := range Languages {
		r := c.get("/" + l + "/rounds/" + id + "/stages")
		assertStatus(t, r, http.StatusOK)
		assertTranslated(t, r.Body)
		assertContains(t, r.Body, `id="chart_stagemix_`+id+`"`, "&#34;stack&#34;:&#34;stages&#34;", "stages.csv?index=self")
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, "<img src=x") {
			t.Errorf("%s: a name broke out", l)
		}
	}

	var byStage [survey.MaxStage + 1]int
	services := 0
	if err := st.EachService(ctx, true, func(s survey.Service) error {
		if s.Status == survey.ServiceActive {
			byStage[s.Stage]++
			services++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rows := csvRows(t, c.get("/en/rounds/"+id+"/stages.csv").Body)
	if rows[0][0] != "Code" || rows[0][2] != "Services" {
		t.Errorf("head %v", rows[0])
	}
	var sum [survey.MaxStage + 1]int
	total := 0
	for _, row := range rows[1:] {
		n, _ := strconv.Atoi(row[2])
		total += n
		for st := range sum {
			k, _ := strconv.Atoi(row[3+st])
			sum[st] += k
		}
	}
	if total != services || sum != byStage {
		t.Errorf("the table adds up to %d services %v, the catalog has %d %v", total, sum, services, byStage)
	}

	insts, err := st.ListInstitutions(ctx, survey.InstitutionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	municipalities := 0
	for _, in := range insts {
		if in.Kind == "municipality" {
			municipalities++
		}
	}
	mun := csvRows(t, c.get("/en/rounds/"+id+"/stages.csv?kind=municipality").Body)
	if len(mun)-1 != municipalities || municipalities == 0 {
		t.Errorf("municipality filter: %d rows, %d municipalities", len(mun)-1, municipalities)
	}
	x := c.get("/en/rounds/" + id + "/stages.xlsx")
	assertStatus(t, x, http.StatusOK)
	if !strings.HasPrefix(x.Body, "PK") {
		t.Error("the workbook is not a zip")
	}
	assertStatus(t, c.get("/en/rounds/"+roundIDByName(t, st, "2026")+"/stages"), http.StatusSeeOther)
}

// TestDashboardFilters: the overview narrowed to a kind of institution
// counts, ranks and adds up only those, and its links keep the filter.
func TestDashboardFilters(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)
	all := c.get("/en/rounds/" + id + "/dashboard")
	mun := c.get("/en/rounds/" + id + "/dashboard?kind=municipality")
	assertStatus(t, mun, http.StatusOK)
	assertContains(t, all.Body, "> / 35</span>")
	assertContains(t, mun.Body, "> / 7</span>", `<option value="municipality" selected>`,
		"rankings?index=self&amp;kind=municipality", "dashboard.csv?index=self&amp;kind=municipality&amp;chart=")
	// Every leaderboard row of the narrowed dashboard is a municipality.
	lb := csvRows(t, c.get("/en/rounds/"+id+"/dashboard.csv?kind=municipality&chart=chart_leaderboard_"+id).Body)
	if len(lb) < 2 {
		t.Fatalf("leaderboard %v", lb)
	}
	for _, row := range lb[1:] {
		if !strings.Contains(row[1], "Municipality") {
			t.Errorf("not a municipality: %v", row)
		}
	}
	stages := csvRows(t, c.get("/en/rounds/"+id+"/dashboard.csv?kind=municipality&chart=chart_stages_"+id).Body)
	allStages := csvRows(t, c.get("/en/rounds/"+id+"/dashboard.csv?chart=chart_stages_"+id).Body)
	if sumColumn(stages, 1) == 0 || sumColumn(stages, 1) >= sumColumn(allStages, 1) {
		t.Errorf("municipalities' services %d of %d", sumColumn(stages, 1), sumColumn(allStages, 1))
	}
}

func sumColumn(rows [][]string, col int) int {
	n := 0
	for _, row := range rows[1:] {
		k, _ := strconv.Atoi(row[col])
		n += k
	}
	return n
}

// csvRows reads a CSV export (with its BOM).
func csvRows(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return rows
}

// TestPageCachesShareOneBudget: the server's page caches are spaces of the
// cache it is given (which the store shares in production), so what they
// hold together stays within that one budget whatever URLs are asked for,
// and a page asked for again is served from it.
func TestPageCachesShareOneBudget(t *testing.T) {
	t.Parallel()
	st := newDemoStore(t)
	c := cache.New(96 << 10)
	srv, err := New(context.Background(), st, Config{Version: "test", BaseURL: "http://marsad.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	space := func(name string) cache.SpaceStats {
		for _, sp := range c.Stats().Spaces {
			if sp.Name == name {
				return sp
			}
		}
		t.Fatalf("no cache space %q in %+v", name, c.Stats())
		return cache.SpaceStats{}
	}
	get := func(path string) {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
	}
	for i := range 60 {
		get("/ar/catalog?q=" + strconv.Itoa(i))
		if st := c.Stats(); st.Bytes > st.Budget {
			t.Fatalf("after %d pages the cache holds %d bytes, budget %d", i+1, st.Bytes, st.Budget)
		}
	}
	pages := space("catalog pages")
	if pages.Entries == 0 || pages.Evictions == 0 {
		t.Errorf("catalog pages: %+v; want entries kept and some dropped to stay in budget", pages)
	}
	get("/ar/catalog?q=59")
	if after := space("catalog pages"); after.Hits != pages.Hits+1 {
		t.Errorf("the last page asked again: hits %d → %d, want one more", pages.Hits, after.Hits)
	}
}
