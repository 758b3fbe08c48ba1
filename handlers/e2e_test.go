package handlers

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"marsad/survey"
)

// findChromium returns a Chromium binary. In CI (CI=true) a missing browser
// fails the test: the end-to-end flow must run there, not be skipped.
func findChromium(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("MARSAD_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is required in CI: apt-get install -y chromium")
	}
	t.Skip("Chromium not installed; set MARSAD_CHROMIUM or install chromium to run browser tests")
	return ""
}

// newBrowser gives the test a tab of the shared headless Chromium, in a
// browser context of its own, with 90 seconds to do its work.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserWithin(t, 90*time.Second)
}

// newBrowserWithin is newBrowser for a test that runs longer.
//
// The browser tests share one Chromium process (starting one takes a second
// or two of this machine's CPU); each test gets a new browser context — its
// own cookies, storage and cache, like a private window — which is closed
// when the test ends, so no test sees another's session.
func newBrowserWithin(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	skipInShortMode(t)
	browser := sharedChromium(t)
	ctx, cancelCtx := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancelCtx() })
	return ctx
}

// chromium is the browser the tests share, started on first use and
// stopped by TestMain.
var chromium struct {
	mu   sync.Mutex
	ctx  context.Context // the browser's first tab; done once Chromium is gone
	stop func()
}

// sharedChromium returns the context of the shared Chromium, starting it
// (again, if it has gone) with the flags that work as root on this kind of
// machine.
func sharedChromium(t *testing.T) context.Context {
	t.Helper()
	chromium.mu.Lock()
	defer chromium.mu.Unlock()
	if chromium.ctx != nil && chromium.ctx.Err() == nil {
		return chromium.ctx
	}
	if chromium.stop != nil {
		chromium.stop()
	}
	exe := findChromium(t)
	dir, err := os.MkdirTemp("", "marsad-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "ar"),
		chromedp.Flag("accept-lang", "ar,en;q=0.5"),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	chromium.stop = func() { cancelCtx(); cancelAlloc(); _ = os.RemoveAll(dir) }
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		chromium.stop()
		chromium.ctx, chromium.stop = nil, nil
		t.Fatalf("starting Chromium: %v", err)
	}
	chromium.ctx = ctx
	return ctx
}

// stopChromium stops the shared browser, if one was started.
func stopChromium() {
	chromium.mu.Lock()
	defer chromium.mu.Unlock()
	if chromium.stop != nil {
		chromium.stop()
		chromium.ctx, chromium.stop = nil, nil
	}
}

// click clicks the first visible node matching sel once the page has loaded.
// Chromium renumbers its DOM nodes when the document being loaded is
// replaced, so a node found a moment before can be gone by the time of the
// click ("Could not find node with given id"); the click is then tried again,
// at most three times. A click that happened is never repeated: both failures
// it retries come before the mouse event.
func click[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var err error
		for range 3 {
			if _, err = chromedp.Poll[chromedp.Void](`document.readyState === "complete"`)(ctx, t); err == nil {
				if _, err = chromedp.Click(sel)(ctx, t); err == nil {
					return chromedp.Void{}, nil
				}
			}
			if ctx.Err() != nil || !retryable(err) {
				return chromedp.Void{}, err
			}
			time.Sleep(100 * time.Millisecond)
		}
		return chromedp.Void{}, err
	}
}

// retryable tells the errors of a page that changed under the click.
func retryable(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Could not find node") || strings.Contains(msg, "navigat") || strings.Contains(msg, "context was destroyed") || strings.Contains(msg, "No node with given id")
}

// screenshot saves a PNG of the page when MARSAD_SCREENSHOTS names a folder,
// for people to look at; tests never depend on it.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("MARSAD_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// TestBrowserAdminCreatesInstitutionInArabic drives a real Chromium through
// the flow a coordinator follows: the Arabic home page, sign-in, add an
// institution, find it in the list, switch to English.
func TestBrowserAdminCreatesInstitutionInArabic(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)

	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\nat %s\n%.1500s", step, err, loc, body)
		}
	}

	must("open home", chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))))
	dir, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dir + "|" + document.documentElement.lang`))
	must("read direction", err)
	if dir != "rtl|ar" {
		t.Fatalf("home page is %q, want rtl|ar", dir)
	}
	screenshot(t, ctx, "01-home-ar")
	// The Arabic web font is the one in use, not a system fallback.
	fontOK, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.fonts.status === 'loaded' && document.fonts.check('16px "Noto Sans Arabic"', 'مرصد')`, chromedp.WithPollingTimeout(10*time.Second)))
	must("font loaded", err)
	if !fontOK {
		t.Error("the embedded Arabic font is not in use")
	}

	must("go to sign-in", chromedp.Do(ctx, click(chromedp.CSS(`.hero a.button`)), chromedp.WaitVisible(chromedp.ID("f-email"))))
	must("sign in", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-email"), "admin@example.ps"),
		chromedp.SendKeys(chromedp.ID("f-password"), survey.DemoPassword),
		click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.site-header form[action$="/logout"]`)), // the coordinator lands on the open round's board
		chromedp.Navigate(ts.URL+"/ar/admin/institutions"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/ar/admin/institutions/new"]`)),
	))
	screenshot(t, ctx, "02-institutions-ar")

	must("open the add form", chromedp.Do(ctx,
		click(chromedp.CSS(`a[href="/ar/admin/institutions/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-code")),
	))
	// First a mistake: no Arabic name. The error summary names the field in Arabic.
	must("submit with a mistake", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-code"), "DGA"),
		chromedp.SendKeys(chromedp.ID("f-name_en"), "Digital Government Agency"),
		chromedp.SendKeys(chromedp.ID("f-sector"), "ict"),
		click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error-summary`)),
	))
	summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.error-summary`)))
	must("read error summary", err)
	if !strings.Contains(summary, "أدخل هذه المعلومة") {
		t.Errorf("error summary = %q", summary)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-name_en")))
	must("read kept value", err)
	if kept != "Digital Government Agency" {
		t.Errorf("typed English name not kept: %q", kept)
	}
	screenshot(t, ctx, "03-form-error-ar")

	must("correct and submit", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-name_ar"), "هيئة الحكومة الرقمية"),
		chromedp.SetValue(chromedp.ID("f-kind"), "agency"),
		chromedp.SetValue(chromedp.ID("f-region"), "gaza"),
		click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr#DGA`)),
	))
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr#DGA`)))
	must("read new row", err)
	for _, want := range []string{"DGA", "هيئة الحكومة الرقمية", "قطاع غزة", "فاعلة"} {
		if !strings.Contains(row, want) {
			t.Errorf("new row %q lacks %q", row, want)
		}
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.notice`)))
	must("read notice", err)
	if !strings.Contains(notice, "أضيفت المؤسسة") {
		t.Errorf("notice = %q", notice)
	}
	inst, err := st.Institution(context.Background(), "DGA")
	if err != nil || inst.Region != "gaza" || inst.Kind != "agency" {
		t.Errorf("stored institution %+v, %v", inst, err)
	}

	// The same page in English.
	must("switch to English", chromedp.Do(ctx,
		click(chromedp.CSS(`a.lang-switch`)),
		chromedp.WaitVisible(chromedp.CSS(`html[dir="ltr"] tr#DGA`)),
	))
	row, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr#DGA`)))
	must("read English row", err)
	if !strings.Contains(row, "Digital Government Agency") || !strings.Contains(row, "Gaza Strip") {
		t.Errorf("English row = %q", row)
	}
	screenshot(t, ctx, "04-institutions-en")
}

// TestBrowserRespondentAddsServiceVisitorFindsIt: the Ministry of Health's
// officer adds a service in Arabic and signs out; a visitor abroad finds it
// by typing without diacritics and ticking "available from abroad".
func TestBrowserRespondentAddsServiceVisitorFindsIt(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\nat %s\n%.1500s", step, err, loc, body)
		}
	}
	must("sign in as the MOH officer", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), "moh@example.ps"),
		chromedp.SendKeys(chromedp.ID("f-password"), survey.DemoPassword),
		click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/ar/services"]`)),
		click(chromedp.CSS(`a[href="/ar/services"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/ar/institutions/MOH/services/new"]`)),
		click(chromedp.CSS(`a[href="/ar/institutions/MOH/services/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-code")),
	))
	must("fill the service form", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-code"), "MED-REPORT"),
		chromedp.SendKeys(chromedp.ID("f-name_ar"), "إصدار تقريرٍ طبيٍّ مُعتمَد"),
		chromedp.SendKeys(chromedp.ID("f-description_ar"), "يطلب المريض أو ذووه تقريراً طبياً معتمداً إلكترونياً."),
		chromedp.SetValue(chromedp.ID("f-category"), "health"),
		click(chromedp.ID("f-audience-diaspora")),
		click(chromedp.ID("stage-3")),
		chromedp.SendKeys(chromedp.ID("f-online_url"), "https://moh.example.ps/medical-report"),
		click(chromedp.ID("f-channels-web")),
		click(chromedp.ID("f-available_abroad")),
		click(chromedp.ID("f-no_visit")),
		chromedp.SendKeys(chromedp.ID("f-fee_ils"), "٢٠"),
	))
	screenshot(t, ctx, "05-service-form-ar")
	must("save", chromedp.Do(ctx,
		click(chromedp.CSS(`.service-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	))
	screenshot(t, ctx, "06-services-ar")
	must("sign out", chromedp.Do(ctx,
		click(chromedp.CSS(`.site-header button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero`)),
	))
	list, _ := st.InstitutionServices(context.Background(), "MOH")
	var added *survey.Service
	for i := range list {
		if list[i].Code == "MED-REPORT" {
			added = &list[i]
		}
	}
	if added == nil || added.FeeILS != 20 || !added.Abroad || added.Stage != 3 {
		t.Fatalf("stored service %+v", added)
	}

	// A visitor: no diacritics, plain alef, haa for taa marbuta.
	must("search the catalog", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/catalog"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "تقرير طبي معتمد"),
		click(chromedp.ID("abroad")),
		click(chromedp.CSS(`.filters button[type="submit"]`)),
		// The unfiltered page already lists services: wait for the filtered one.
		chromedp.WaitVisible(chromedp.CSS(`.active-filters`)),
		chromedp.WaitVisible(chromedp.CSS(`.service-item`)),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	if !strings.Contains(loc, "abroad=1") || !strings.Contains(loc, "q=") {
		t.Errorf("the search is not in the URL: %s", loc)
	}
	items, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.results`)))
	must("read results", err)
	for _, want := range []string{"إصدار تقريرٍ طبيٍّ مُعتمَد", "وزارة الصحة", "متاحة من الخارج"} {
		if !strings.Contains(items, want) {
			t.Errorf("results lack %q:\n%s", want, items)
		}
	}
	screenshot(t, ctx, "07-catalog-ar")
	must("open the service", chromedp.Do(ctx,
		click(chromedp.CSS(`#s`+strconv.FormatInt(added.ID, 10)+` .service-title a`)),
		chromedp.WaitVisible(chromedp.CSS(`.stage-banner`)),
	))
	screenshot(t, ctx, "08-service-ar")
}
