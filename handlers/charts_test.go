package handlers

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// chartMeta is what a page's charts tell charts.js about their exports:
// the "marsad" key of each data-option attribute, by chart ID.
func chartMeta(t *testing.T, body string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, m := range regexp.MustCompile(`id="([^"]+)"[^>]*data-option="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		var o map[string]any
		if err := json.Unmarshal([]byte(html.UnescapeString(m[2])), &o); err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		meta, _ := o["marsad"].(map[string]any)
		out[m[1]] = meta
	}
	if len(out) == 0 {
		t.Fatal("no charts on the page")
	}
	return out
}

// TestChartExportsNameRoundAndMarks: every chart's exports are named after
// the round and the chart and captioned with the round, the source, the
// demo mark and — until the round is published — "provisional", which
// the page, the data downloads and the offline file say too.
func TestChartExportsNameRoundAndMarks(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	published, open := roundIDByName(t, st, "2025"), roundIDByName(t, st, "2026")
	anon := newClient(t, ts)
	for id, m := range chartMeta(t, anon.get("/en/rounds/"+published+"/dashboard").Body) {
		file, _ := m["file"].(string)
		caption, _ := m["caption"].(string)
		if !strings.HasPrefix(file, "marsad-2025-") || !strings.HasSuffix(file, "-en") || strings.Contains(file, "chart_") {
			t.Errorf("%s: file name %q", id, file)
		}
		if !strings.Contains(caption, "Source: Marsad, survey round 2025") || !strings.Contains(caption, "Demo data") || strings.Contains(caption, "Provisional") {
			t.Errorf("%s: caption %q", id, caption)
		}
		if m["exported"] != "Exported on" {
			t.Errorf("%s: exported %v", id, m["exported"])
		}
	}
	if meta := chartMeta(t, anon.get("/ar/rounds/"+published+"/dashboard").Body)["chart_leaderboard_"+published]; meta["file"] != "marsad-2025-leaderboard-ar" {
		t.Errorf("Arabic leaderboard file %v", meta["file"])
	}
	if strings.Contains(anon.get("/en/rounds/"+published+"/dashboard").Body, "Provisional figures") {
		t.Error("a published round is called provisional")
	}

	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", "marsad-demo")
	page := admin.get("/en/rounds/" + open + "/dashboard")
	assertStatus(t, page, http.StatusOK)
	assertContains(t, page.Body, `<p class="warning-text" role="note">Provisional figures: round 2026 is not yet published`)
	for id, m := range chartMeta(t, page.Body) {
		if c, _ := m["caption"].(string); !strings.Contains(c, "Provisional figures") || !strings.Contains(c, "2026") {
			t.Errorf("%s: open round's caption %q", id, c)
		}
	}
	for _, p := range []string{"/heatmap", "/stages", "/compare?c=MOE"} {
		assertContains(t, admin.get("/en/rounds/"+open+p).Body, "Provisional figures: round 2026")
	}
	// The data downloads: a note above the table.
	rows := csvRows(t, admin.get("/en/rounds/"+open+"/dashboard.csv?chart=chart_levels_"+open).Body)
	if !strings.HasPrefix(rows[0][0], "Provisional figures") || rows[1][0] != "Level" {
		t.Errorf("provisional CSV starts %v", rows[:2])
	}
	x := admin.get("/ar/rounds/" + open + "/dashboard.xlsx?chart=chart_levels_" + open)
	f, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if xr, _ := f.GetRows("data"); len(xr) < 2 || !strings.HasPrefix(xr[0][0], "أرقام أولية") {
		t.Errorf("provisional workbook starts %v", xr)
	}
	if r := csvRows(t, anon.get("/en/rounds/"+published+"/dashboard.csv?chart=chart_levels_"+published).Body); r[0][0] != "Level" {
		t.Errorf("published CSV starts %v", r[0])
	}
	if cd := x.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="marsad-2026-levels-ar.xlsx"`) {
		t.Errorf("workbook name: %s", cd)
	}

	// The offline file: named after the round, dated, provisional said.
	sa := admin.get("/en/rounds/" + open + "/dashboard.html")
	assertStatus(t, sa, http.StatusOK)
	if cd := sa.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="marsad-2026-dashboard-en.html"`) {
		t.Errorf("offline file name: %s", cd)
	}
	assertContains(t, sa.Body, `class="provisional"`, "Provisional figures: round 2026")
	if !regexp.MustCompile(`<p class="exported">Exported on \d{4}-\d\d-\d\d`).MatchString(sa.Body) {
		t.Error("the offline file does not say when it was exported")
	}
	one := anon.get("/en/rounds/" + published + "/dashboard.html?chart=chart_stages_" + published)
	if cd := one.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="marsad-2025-stages-en.html"`) {
		t.Errorf("one chart's file name: %s", cd)
	}
	if strings.Contains(one.Body, `class="provisional"`) {
		t.Error("a published round's file says provisional")
	}
}

// TestPresentationSlides: each chart slide has its headline, the round,
// the source line and the demo mark; counts and severity are two slides.
func TestPresentationSlides(t *testing.T) {
	t.Parallel()
	ts, st := startServer(t)
	id := roundIDByName(t, st, "2025")
	c := newClient(t, ts)
	for _, l := range Languages {
		body := c.get("/" + l + "/present/" + id).Body
		slides := regexp.MustCompile(`(?s)<section class="slide slide-chart-slide".*?</section>`).FindAllString(body, -1)
		if len(slides) < 8 {
			t.Fatalf("%s: %d chart slides", l, len(slides))
		}
		round := map[string]string{"ar": "جولة 2025", "en": "Round 2025"}[l]
		source := map[string]string{"ar": "المصدر: مرصد، جولة التقييم 2025", "en": "Source: Marsad, survey round 2025"}[l]
		demo := map[string]string{"ar": "بيانات تجريبية", "en": "Demo data"}[l]
		for _, s := range slides {
			for _, want := range []string{`<h2 class="slide-headline"`, `<p class="slide-meta">` + round, `class="chart slide-chart"`, `<p class="slide-source">` + source, `<strong class="demo-mark">` + demo} {
				if !strings.Contains(s, want) {
					t.Errorf("%s: a slide lacks %q:\n%.300s", l, want, s)
				}
			}
		}
		assertContains(t, body, `id="chart_obstacles_kind_`+id+`"`, `id="chart_obstacles_severity_`+id+`"`)
	}
}

// chartLayoutJS finds what a reader would see as broken in the page's
// drawn charts: text outside its chart, texts on top of one another, a
// word broken across lines (no line of a category or dimension name may
// hold a word that none of the names has), a chart wider than its box
// (outside a box made to scroll), and a page wider than the window.
const chartLayoutJS = `(() => {
	const problems = [];
	const words = new Set();
	const bare = s => String(s).replace(/[\u2066-\u2069]/g, '');
	const collect = o => {
		[].concat(o.xAxis || [], o.yAxis || []).forEach(a => (a.data || []).forEach(d => bare(typeof d === 'object' ? d.value : d).split(/\s+/).forEach(w => words.add(w))));
		[].concat(o.radar || []).forEach(r => (r.indicator || []).forEach(i => bare(i.name).split(/\s+/).forEach(w => words.add(w))));
	};
	const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) { if (getComputedStyle(p).overflowX === 'auto') return true; } return false; };
	document.querySelectorAll('.chart[data-rendered]').forEach(el => {
		if (!el.getClientRects().length) return;
		const c = echarts.getInstanceByDom(el);
		const W = c.getWidth(), H = c.getHeight();
		if (!scrolls(el) && el.getBoundingClientRect().width > el.parentElement.getBoundingClientRect().width + 1) problems.push(el.id + ': wider than its box');
		collect(JSON.parse(el.getAttribute('data-option')));
		const texts = [];
		c.getZr().storage.getDisplayList(true).forEach(d => {
			if (d.type !== 'tspan' || d.invisible || !d.style || !String(d.style.text || '').trim()) return;
			const r = d.getBoundingRect().clone();
			if (d.transform) r.applyTransform(d.transform);
			texts.push({t: bare(d.style.text), r});
		});
		texts.forEach(x => {
			if (x.r.x < -0.5 || x.r.y < -0.5 || x.r.x + x.r.width > W + 0.5 || x.r.y + x.r.height > H + 0.5) problems.push(el.id + ': "' + x.t + '" is cut off');
		});
		for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
			const a = texts[i].r, b = texts[j].r;
			if (Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 1 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 2) problems.push(el.id + ': "' + texts[i].t + '" overlaps "' + texts[j].t + '"');
		}
		const o = c.getOption();
		[].concat(o.xAxis || [], o.yAxis || []).forEach(a => (a.data || []).forEach(d => bare(typeof d === 'object' ? d.value : d).split('\n').forEach(line => line.split(/\s+/).forEach(w => { if (w && !words.has(w)) problems.push(el.id + ': a word broken: "' + w + '"'); }))));
		[].concat(o.radar || []).forEach(r => (r.indicator || []).forEach(i => bare(i.name).split('\n').forEach(line => line.split(/\s+/).forEach(w => { if (w && !words.has(w)) problems.push(el.id + ': a word broken: "' + w + '"'); }))));
	});
	if (document.documentElement.scrollWidth > innerWidth + 1) problems.push('page ' + document.documentElement.scrollWidth + ' px wide');
	return problems;
})()`

// waitCharts waits until every chart shown has been drawn.
const waitCharts = `document.readyState === "complete" && document.querySelectorAll(".chart[data-rendered]").length > 0 &&
	Array.prototype.every.call(document.querySelectorAll(".chart[data-option]"), c => c.hasAttribute("data-rendered") || !c.getClientRects().length)`

// TestBrowserChartLayout draws the chart pages at desktop and phone
// widths, in Arabic and English, and checks that no label is cut off
// (radars included), none overlaps another or the legend, no word is
// broken, and charts fit their boxes.
func TestBrowserChartLayout(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowserWithin(t, 3*time.Minute)
	id := roundIDByName(t, st, "2025")
	pages := []string{"/rounds/" + id + "/dashboard", "/rounds/" + id + "/scorecards/MOH", "/rounds/" + id + "/compare?c=MOH&c=MOI&c=MOE&c=MOF&c=MOL", "/rounds/" + id + "/heatmap"}
	for _, width := range []int64{1366, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900, map[bool]chromedp.EmulateViewportOption{true: chromedp.EmulateMobile, false: chromedp.EmulateLandscape}[width < 500])); err != nil {
			t.Fatal(err)
		}
		for _, l := range Languages {
			for _, p := range pages {
				url := ts.URL + "/" + l + p
				if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
					t.Fatal(err)
				}
				if _, err := chromedp.Run(ctx, chromedp.Poll[bool](waitCharts, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
					t.Fatalf("%s at %d px: charts not drawn: %v", url, width, err)
				}
				problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](chartLayoutJS))
				if err != nil {
					t.Fatalf("%s: %v", url, err)
				}
				for _, pr := range problems {
					t.Errorf("%s/%s at %d px: %s", l, p, width, pr)
				}
			}
		}
	}
	screenshot(t, ctx, "15-charts-390")
}

// TestBrowserPresentationProjector measures presentation mode at 1366×768:
// in full screen every chart slide's text is 20 px or more and its
// headline 32 px or more, and each slide fits the screen; in a window the
// chart still ends above the fold.
func TestBrowserPresentationProjector(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowserWithin(t, 3*time.Minute)
	id := roundIDByName(t, st, "2025")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatal(err)
	}
	measure := `(() => {
		const s = document.querySelector('.slide:not([hidden])'), el = s.querySelector('.chart');
		if (!el) return null;
		const px = e => e ? parseFloat(getComputedStyle(e).fontSize) : 0;
		let min = 1e9;
		echarts.getInstanceByDom(el).getZr().storage.getDisplayList(true).forEach(d => {
			if (d.type !== 'tspan' || !String(d.style.text || '').trim()) return;
			const m = /(\d+(?:\.\d+)?)px/.exec(d.style.font || '');
			if (m) min = Math.min(min, parseFloat(m[1]));
		});
		return {id: el.id, headline: px(s.querySelector('.slide-headline')), meta: px(s.querySelector('.slide-meta')), source: px(s.querySelector('.slide-source')),
			chartText: min, bottom: s.querySelector('.slide-source').getBoundingClientRect().bottom, chartBottom: el.getBoundingClientRect().bottom,
			height: innerHeight, full: document.fullscreenElement === document.querySelector('.presentation')};
	})()`
	type slide struct {
		ID                                string
		Headline, Meta, Source, ChartText float64
		Bottom, ChartBottom, Height       float64
		Full                              bool
	}
	next := func() {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new KeyboardEvent('keydown', {key: 'PageDown'}))`), chromedp.Sleep(250*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range Languages {
		err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"+l+"/present/"+id), chromedp.WaitVisible(chromedp.CSS(".slide-title")))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.presentation .slide').length`))
		// In a window: the chart slides end above the fold.
		for range 3 {
			next()
		}
		if s, err := chromedp.Run(ctx, chromedp.Evaluate[*slide](measure)); err != nil || s == nil || s.ChartBottom > s.Height || s.Full {
			t.Errorf("%s, in a window: %+v %v", l, s, err)
		}
		if err := chromedp.Do(ctx, click(chromedp.CSS(`[data-present="fullscreen"]`)), chromedp.Sleep(600*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Home'}))`)); err != nil {
			t.Fatal(err)
		}
		charts := 0
		for range n {
			next()
			s, err := chromedp.Run(ctx, chromedp.Evaluate[*slide](measure))
			if err != nil {
				t.Fatal(err)
			}
			if s == nil {
				continue
			}
			charts++
			t.Logf("%s %s: headline %.0f px, round %.0f px, source %.0f px, chart text ≥ %.0f px", l, s.ID, s.Headline, s.Meta, s.Source, s.ChartText)
			if !s.Full || s.Headline < 32 || s.Meta < 20 || s.Source < 20 || s.ChartText < 20 || s.Bottom > s.Height+0.5 {
				t.Errorf("%s %s in full screen: %+v", l, s.ID, s)
			}
		}
		if charts < 8 {
			t.Errorf("%s: %d chart slides measured", l, charts)
		}
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](chartLayoutJS))
		if err != nil || len(problems) > 0 {
			t.Errorf("%s: the last slide: %v %v", l, problems, err)
		}
		screenshot(t, ctx, "16-present-full-"+l)
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.exitFullscreen()`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserChartImages exports a chart as the PNG and SVG buttons do:
// twice the pixels of a 960-pixel slide, the caption under the chart,
// file names from the round and the chart, a white SVG with its fonts.
func TestBrowserChartImages(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	id := roundIDByName(t, st, "2025")
	type file struct{ Name, Data string }
	dated := regexp.MustCompile(`\d{4}-\d\d-\d\d\x{2069}?</text>`) // the export date ends the caption
	for _, l := range Languages {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"+l+"/rounds/"+id+"/dashboard")); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](waitCharts, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatal(err)
		}
		img, err := chromedp.Run(ctx, chromedp.Evaluate[file](`marsadExport('chart_top3_`+id+`', 'png')`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if img.Name != "marsad-2025-top3-"+l+".png" {
			t.Errorf("PNG named %q", img.Name)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(img.Data, "data:image/png;base64,"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(raw))
		if err != nil || cfg.Width != 1920 || cfg.Height <= 1080 {
			t.Errorf("%s PNG %dx%d (%v), want 1920 wide with a caption under 1080", l, cfg.Width, cfg.Height, err)
		}
		svg, err := chromedp.Run(ctx, chromedp.Evaluate[file](`marsadExport('chart_stages_`+id+`', 'svg')`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		demo := map[string]string{"ar": "بيانات تجريبية", "en": "Demo data"}[l]
		for _, want := range []string{`fill="#ffffff"/>`, `@font-face{font-family:"Noto Sans Arabic"`, "data:font/woff2;base64,", "2025", demo} {
			if !strings.Contains(svg.Data, want) {
				t.Errorf("%s SVG lacks %q", l, want)
			}
		}
		if !dated.MatchString(svg.Data) {
			t.Errorf("%s SVG caption has no export date", l)
		}
		if svg.Name != "marsad-2025-stages-"+l+".svg" || !strings.HasPrefix(svg.Data, "<svg") {
			t.Errorf("%s SVG %q %.80q", l, svg.Name, svg.Data)
		}
	}
}
