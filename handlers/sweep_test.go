package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"marsad/survey"
)

// The browser sweep: every HTML page of the route table, as each kind of
// user, in Arabic and English, at desktop (1366×900) and phone (390×844)
// width, in one real Chromium. A page fails on a script error, a console
// error or a failed request for its own files, a page wider than the
// phone's screen or a table or chart wider than its box, internal values
// shown as text, text of the other language (or an untranslated key), and
// accessibility violations that axe-core finds at WCAG 2.2 A and AA.
//
// The list of pages is the authorization matrix's (authz_test.go): its GET
// rows, with their real ids, for every role the row allows. The matrix
// fails on a route without a row, and the sweep fails on an HTML route that
// no row brought to a 200 page, so a new page cannot go unswept.

// sweepDownloads are the GET routes that answer a file, not a page.
func sweepDownload(route string) bool {
	for _, suffix := range []string{".csv", ".xlsx", ".html", "/xlsx"} {
		if strings.HasSuffix(route, suffix) {
			return true
		}
	}
	return route == "GET /ar/admin/questionnaires/:id" || // the definition as JSON
		route == "GET /ar/rounds/:id/responses/:code/evidence/:file" || // an evidence file, always a download
		route == "GET /ar/initiatives/:id/evidence/:file" || route == "GET /ar/stories/:id/evidence/:file"
}

// sweepRoles are the kinds of user the sweep looks as (B is A's twin).
var sweepRoles = []authzRole{asAnon, asA, asViewer, asAdmin}

// axeTags are the rule sets checked: WCAG 2.0, 2.1 and 2.2, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// axeDisabled are the axe rules turned off, each with the reason.
var axeDisabled = map[string]string{}

type sweepPage struct {
	route string // "GET /ar/…" as registered
	path  string // with real ids, in Arabic; the English twin is derived
	// status is what the page answers; 0 means 200. An error page is
	// swept like any other.
	status int
}

type sweepResult struct {
	mu      sync.Mutex
	covered map[string]map[string]bool // route → languages seen with a full page
	pages   int
	axed    map[string]bool // pages axe has checked, by language and path
}

// firstAxe reports whether axe has yet to check the page: its rules
// read the page's markup, which differs little between the roles, and it is
// the slowest of the checks, so each page is checked once a language.
func (r *sweepResult) firstAxe(langPath string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.axed == nil {
		r.axed = map[string]bool{}
	}
	first := !r.axed[langPath]
	r.axed[langPath] = true
	return first
}

func (r *sweepResult) cover(route, lang string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.covered[route] == nil {
		r.covered[route] = map[string]bool{}
	}
	r.covered[route][lang] = true
	r.pages++
}

func TestBrowserSweep(t *testing.T) {
	skipInShortMode(t)
	started := time.Now()
	e := newAuthzEnv(t)
	axeSource, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	checkSource, err := os.ReadFile("testdata/sweep.js")
	if err != nil {
		t.Fatal(err)
	}
	locs, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string]string{}
	for _, l := range Languages {
		b, _ := json.Marshal(map[string]any{"lang": l, "foreign": foreignPhrases(locs, l), "codes": internalCodes(e.q.Def), "sections": sectionCodes(e.q.Def)})
		opts[l] = string(b)
	}

	// The pages each role may open.
	byRole := matrixPages(e, sweepRoles)
	byRole[asAnon] = append(byRole[asAnon], sweepPage{route: "404", path: "/ar/no-such-page", status: 404})
	// MARSAD_SWEEP=regexp sweeps only the matching paths (to look at a few
	// pages while fixing them); the test then skips its coverage check.
	only := os.Getenv("MARSAD_SWEEP")
	if only != "" {
		re := regexp.MustCompile(only)
		for role, pages := range byRole {
			byRole[role] = slices.DeleteFunc(pages, func(p sweepPage) bool { return !re.MatchString(p.path) })
		}
	}

	browser := newBrowserWithin(t, 20*time.Minute)
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	res := &sweepResult{covered: map[string]map[string]bool{}}
	var wg sync.WaitGroup
	for _, role := range sweepRoles {
		wg.Go(func() {
			ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
			defer cancel()
			sw := &sweeper{t: t, ctx: ctx, base: e.ts.URL, role: authzRoleNames[role], axe: string(axeSource), check: string(checkSource), opts: opts, res: res}
			sw.watch()
			if role != asAnon {
				if err := sw.signIn(authzEmails[role]); err != nil {
					t.Errorf("%s: sign in: %v", sw.role, err)
					return
				}
			}
			for _, l := range Languages {
				for _, p := range byRole[role] {
					sw.visit(p, l)
				}
			}
		})
	}
	// First-run setup, on a server with no administrator yet.
	wg.Go(func() {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		defer cancel()
		base, token := newSetupServer(t)
		sw := &sweeper{t: t, ctx: ctx, base: base, role: "first run", axe: string(axeSource), check: string(checkSource), opts: opts, res: res}
		sw.watch()
		for _, l := range Languages {
			sw.visit(sweepPage{route: "GET /ar/setup", path: "/ar/setup?token=" + token}, l)
		}
	})
	wg.Wait()

	var missing []string
	for _, r := range newServerOn(t, newTestStore(t)).Routes() {
		route := r.Method + " " + r.Path
		if only != "" || r.Method != "GET" || !strings.HasPrefix(r.Path, "/ar/") || sweepDownload(route) {
			continue
		}
		if c := res.covered[route]; !c["ar"] || !c["en"] {
			missing = append(missing, route)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no page of %s was swept in both languages: give it a GET row in authzCases that some role may open", m)
	}
	t.Logf("swept %d pages (each at 1366 and 390 px, axe rules: %d) in %s", res.pages, axeRuleCount(t, browser, string(axeSource)), time.Since(started).Round(time.Second))
}

// skipInShortMode skips browser and crash tests under go test -short, the
// quick set; CI runs the full set.
func skipInShortMode(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
}

// newSetupServer is a server on an empty database, and its setup token.
func newSetupServer(t *testing.T) (string, string) {
	st := newTestStore(t)
	token, err := st.NewSetupToken(context.Background())
	if err != nil {
		t.Error(err)
	}
	ts := httptest.NewServer(newServerOn(t, st))
	t.Cleanup(ts.Close)
	return ts.URL, token
}

// sweeper visits pages in one tab as one user.
type sweeper struct {
	t          *testing.T
	ctx        context.Context
	base, role string
	axe, check string
	opts       map[string]string
	res        *sweepResult

	mu   sync.Mutex
	msgs []string // console errors and failed requests not yet claimed by a page
}

// watch collects the tab's console errors and its failed requests.
func (sw *sweeper) watch() {
	console := chromedp.Console(sw.ctx)
	responses := chromedp.Events(sw.ctx, network.ResponseReceived)
	failures := chromedp.Events(sw.ctx, network.LoadingFailed)
	note := func(s string) {
		sw.mu.Lock()
		sw.msgs = append(sw.msgs, s)
		sw.mu.Unlock()
	}
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				note(fmt.Sprintf("console %s: %s %s", m.Type, m.Text, m.URL))
			}
		}
	}()
	go func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			if ev.Type != network.ResourceTypeDocument && ev.Response != nil && ev.Response.Status >= 400 && strings.HasPrefix(ev.Response.URL, sw.base) {
				note(fmt.Sprintf("request for %s answered %d", ev.Response.URL, ev.Response.Status))
			}
		}
	}()
	go func() {
		for ev, err := range failures {
			if err != nil {
				return
			}
			if ev.Type != network.ResourceTypeDocument && !ev.Canceled {
				note(fmt.Sprintf("request failed (%s): %s", ev.Type, ev.ErrorText))
			}
		}
	}()
}

func (sw *sweeper) take() []string {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	out := sw.msgs
	sw.msgs = nil
	return out
}

func (sw *sweeper) signIn(email string) error { return browserSignIn(sw.ctx, sw.base, email) }

// visit opens one page in one language, checks it at both widths and
// reports what it finds.
func (sw *sweeper) visit(p sweepPage, lang string) {
	where := fmt.Sprintf("%s /%s%s", sw.role, lang, strings.TrimPrefix(p.path, "/ar"))
	problems, shown := sw.problems(p, lang)
	for _, pr := range problems {
		sw.t.Errorf("%s: %s", where, pr)
	}
	if shown {
		sw.res.cover(p.route, lang)
	}
	if testing.Verbose() {
		sw.t.Logf("%s: %d problems", where, len(problems))
	}
}

// problems opens one page in one language and lists what is wrong with
// it at desktop and at phone width. shown is false when the page answered
// something else than the page expected (refused, sent elsewhere): then
// there is nothing of its own to check.
func (sw *sweeper) problems(p sweepPage, lang string) (problems []string, shown bool) {
	path := "/" + lang + strings.TrimPrefix(p.path, "/ar")
	sw.take()
	ctx, cancel := context.WithTimeout(sw.ctx, 60*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(sw.base+path))
	if err != nil {
		return []string{err.Error()}, false
	}
	want := p.status
	if want == 0 {
		want = 200
	}
	if int(resp.Status) != want || !strings.HasPrefix(resp.MimeType, "text/html") {
		return nil, false
	}
	var err2 error
	for range 3 {
		_, err2 = chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete" &&
		Array.prototype.every.call(document.querySelectorAll(".chart[data-option]"), function (c) { return c.hasAttribute("data-rendered") || !c.getClientRects().length; })`,
			chromedp.WithPollingTimeout(15*time.Second)))
		// The document's script context may not exist yet when the response
		// is in (a busy machine): that is the browser's timing, not the
		// page's, so ask again.
		if err2 == nil || !strings.Contains(err2.Error(), "Cannot find context") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err2 != nil {
		problems = append(problems, "the page and its charts did not finish: "+err2.Error())
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](sw.check)); err != nil {
		return append(problems, "sweep.js: "+err.Error()), true
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`sweepCheck(`+sw.opts[lang]+`)`))
	if err != nil {
		problems = append(problems, "checks: "+err.Error())
	}
	problems = append(problems, found...)
	if sw.res.firstAxe(path) {
		problems = append(problems, sw.axeViolations(ctx)...)
	}

	// The phone: the same page, narrowed; the charts redraw on resize.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait), chromedp.Sleep(300*time.Millisecond)); err != nil {
		problems = append(problems, "phone width: "+err.Error())
	}
	narrow, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`sweepCheck({layout: true})`))
	if err != nil {
		problems = append(problems, "phone checks: "+err.Error())
	}
	for _, n := range narrow {
		problems = append(problems, "at 390 px: "+n)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		problems = append(problems, "desktop width: "+err.Error())
	}
	time.Sleep(50 * time.Millisecond) // late console messages of this page
	for _, m := range sw.take() {
		if p.status != 0 && strings.HasSuffix(m, " "+sw.base+path) {
			continue // the browser's note that the page itself is an error page, as it should be
		}
		problems = append(problems, m)
	}
	return problems, true
}

// axeViolations runs axe-core on the page at the WCAG 2.2 A and AA rules.
func (sw *sweeper) axeViolations(ctx context.Context) []string {
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](sw.axe)); err != nil {
		return []string{"axe: " + err.Error()}
	}
	tags, _ := json.Marshal(axeTags)
	rules := map[string]map[string]bool{}
	for r := range axeDisabled {
		rules[r] = map[string]bool{"enabled": false}
	}
	rulesJSON, _ := json.Marshal(rules)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, rules: `+string(rulesJSON)+`, resultTypes: ["violations"]}).then(function (r) {
		return r.violations.map(function (v) {
			return "axe " + v.id + " (" + v.impact + "): " + v.help + " — " + v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); }).join(" | ");
		});
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		return []string{"axe: " + err.Error()}
	}
	return out
}

// axeRuleCount is how many axe rules the sweep checks.
func axeRuleCount(t *testing.T, ctx context.Context, source string) int {
	tags, _ := json.Marshal(axeTags)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](source+`;axe.getRules(`+string(tags)+`).length`))
	if err != nil {
		t.Logf("counting axe rules: %v", err)
	}
	return n - len(axeDisabled)
}

// foreignPhrases are the other language's messages that a page in lang
// must not show: those of two words or more that differ from lang's own.
func foreignPhrases(locs map[string]*locale, lang string) []string {
	other := "en"
	if lang == "en" {
		other = "ar"
	}
	own := map[string]bool{}
	for _, m := range locs[lang].messages {
		own[m] = true
	}
	var out []string
	for _, m := range locs[other].messages {
		if own[m] || strings.Contains(m, "%") || len(strings.Fields(m)) < 2 || len(m) < 8 {
			continue
		}
		out = append(out, m)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// internalCodes are stored values that a page must always name in words
// (west-bank, in_progress, local-tech, pilot…); sweep.js looks for all of
// them on Arabic pages and, on English ones, for those no English word
// looks like.
func internalCodes(def *survey.Definition) []string {
	var all []string
	for _, list := range [][]string{survey.Categories, survey.Audiences, survey.Channels, survey.ServiceStatuses, survey.InitiativeStatuses,
		survey.BudgetBands, survey.PartnerTypes, survey.Kinds, survey.Regions, survey.PlanProgress, survey.PlanOutcomes} {
		all = append(all, list...)
	}
	for _, it := range def.Items {
		for _, o := range it.Options {
			all = append(all, o.Value)
		}
	}
	var out []string
	for _, c := range all {
		if strings.IndexFunc(c, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0 && len(c) > 2 {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func sectionCodes(def *survey.Definition) []string {
	var out []string
	for _, s := range def.Sections {
		out = append(out, s.ID)
	}
	return out
}

// TestSweepFindsProblems shows that the sweep's checks see what they look
// for: a page made with one defect of each kind must fail each check.
func TestSweepFindsProblems(t *testing.T) {
	skipInShortMode(t)
	axeSource, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	checkSource, err := os.ReadFile("testdata/sweep.js")
	if err != nil {
		t.Fatal(err)
	}
	bad := `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>x</title></head>
<body><main><h1>صفحة</h1><p>الدرجة</p><p>0.45</p><p>الدعم: pilot</p>
<table><tr><th>STR</th><td style="white-space:nowrap">` + strings.Repeat("خلية عريضة ", 60) + `</td></tr></table>
<p>الشريك: local-tech</p><p>القيم: a;b;c</p><p>⟦nav.missing⟧</p><p>Sign in to continue</p>
<img src="/x.png"><script>throw new Error("boom")</script></main></body></html>`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ar/bad" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(bad))
	}))
	defer ts.Close()
	browser := newBrowser(t)
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	opts, _ := json.Marshal(map[string]any{"lang": "ar", "foreign": []string{"Sign in to continue"}, "codes": []string{"local-tech", "pilot"}, "sections": []string{"STR"}})
	sw := &sweeper{t: t, ctx: ctx, base: ts.URL, role: "test", axe: string(axeSource), check: string(checkSource), opts: map[string]string{"ar": string(opts)},
		res: &sweepResult{covered: map[string]map[string]bool{}}}
	sw.watch()
	problems, _ := sw.problems(sweepPage{route: "GET /ar/bad", path: "/ar/bad"}, "ar")
	all := strings.Join(problems, "\n")
	for _, want := range []string{"wider than", "px wide in a 390 px", "internal value \u201clocal-tech", "internal value \u201cpilot", "bare fraction 0.45", "raw list", "untranslated key", "other language", "English words", "dimension code", "axe image-alt", "boom", "/x.png answered 404", "no favicon"} {
		if !strings.Contains(all, want) {
			t.Errorf("the sweep did not report %q; it reported:\n%s", want, all)
		}
	}
}

// matrixPages are the pages the authorization matrix lets each of roles
// open: its GET rows in Arabic that are pages (not downloads), of the
// first phase, with their real ids, each path once per role.
func matrixPages(e *authzEnv, roles []authzRole) map[authzRole][]sweepPage {
	byRole := map[authzRole][]sweepPage{}
	seen := map[string]bool{}
	for _, cs := range authzCases() {
		method, _, _ := strings.Cut(cs.route, " ")
		if method != "GET" || !strings.HasPrefix(cs.route, "GET /ar/") || sweepDownload(cs.route) || cs.phase != 0 {
			continue
		}
		path := cs.path
		if path == "" {
			path = strings.TrimPrefix(cs.route, "GET ")
		}
		path = e.expand(path)
		for _, role := range roles {
			key := fmt.Sprint(role, path)
			if cs.want[role] != vAllow || seen[key] {
				continue
			}
			seen[key] = true
			byRole[role] = append(byRole[role], sweepPage{route: cs.route, path: path})
		}
	}
	return byRole
}
