package handlers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"marsad/survey"
)

// browserSignIn signs email in through the Arabic sign-in form of site.
func browserSignIn(ctx context.Context, site, email string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(site+"/ar/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), survey.DemoPassword),
		click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.site-header form[action$="/logout"]`)),
	)
}

// consoleErrors collects a tab's console errors and exceptions.
type consoleErrors struct {
	mu   sync.Mutex
	msgs []string
}

func watchConsole(ctx context.Context) *consoleErrors {
	ce := &consoleErrors{}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				ce.mu.Lock()
				ce.msgs = append(ce.msgs, fmt.Sprintf("%s: %s %s", m.Type, m.Text, m.URL))
				ce.mu.Unlock()
			}
		}
	}()
	return ce
}

func (ce *consoleErrors) take() []string {
	ce.mu.Lock()
	defer ce.mu.Unlock()
	out := ce.msgs
	ce.msgs = nil
	return out
}

// TestBrowserEvidenceUploadInArabic: the Ministry of Health's officer
// opens the evidence page of their response in Arabic, attaches a small
// PDF with a title through the page's file input and finds it listed; an
// HTML file (named .pdf or not) is refused with the Arabic message; the
// coordinator then finds the file beside the answer on the review page.
// No page logs a console error.
func TestBrowserEvidenceUploadInArabic(t *testing.T) {
	ts, st := startServer(t)
	ctx := newBrowser(t)
	console := watchConsole(ctx)
	round := openRoundID(t, st)
	r, err := st.Round(context.Background(), round)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(context.Background(), r.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	item := q.Def.Items[0].ID
	must := func(ctx context.Context, step string, err error) {
		t.Helper()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\nat %s\n%.2000s", step, err, loc, body)
		}
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "plan-2026.pdf")
	page := filepath.Join(dir, "page.html")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	const title = "خطة التحول الرقمي المعتمدة"
	evidence := ts.URL + "/ar/rounds/" + strconv.FormatInt(round, 10) + "/responses/MOH/evidence"

	must(ctx, "sign in", browserSignIn(ctx, ts.URL, "moh@example.ps"))
	must(ctx, "open the evidence page", chromedp.Do(ctx,
		chromedp.Navigate(evidence),
		chromedp.WaitVisible(chromedp.ID("f-file")),
	))
	must(ctx, "attach a PDF", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-item"), item),
		chromedp.SendKeys(chromedp.ID("f-title"), title),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{pdf}),
		click(chromedp.CSS(`#upload button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice[role="status"]`)),
	))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.documentElement.lang, document.documentElement.dir,
		document.querySelector('.notice[role="status"]').textContent.trim(),
		(document.querySelector('#item-`+item+` .evidence-file a[download]')||{}).textContent,
		(document.querySelector('#item-`+item+` .evidence-file')||{}).textContent].join('|')`))
	must(ctx, "read the list", err)
	parts := strings.Split(got, "|")
	if len(parts) != 5 || parts[0] != "ar" || parts[1] != "rtl" || parts[2] != "أُرفق الملف." || parts[3] != title || !strings.Contains(parts[4], "plan-2026.pdf") {
		t.Errorf("after attaching: %q; want the Arabic page, its notice and the file listed under %s", got, item)
	}
	screenshot(t, ctx, "40-evidence-attached-ar")

	must(ctx, "attach an HTML page", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-title"), "صفحة"),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{page}),
		click(chromedp.CSS(`#upload button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error-summary[role="alert"]`)),
	))
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.error-summary').textContent`))
	must(ctx, "read the refusal", err)
	if !strings.Contains(msg, "لم يُرفق الملف") || !strings.Contains(msg, "هذا النوع من الملفات غير مقبول") {
		t.Errorf("the refusal reads %q; want the Arabic message", msg)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.evidence-file').length`))
	must(ctx, "count the files", err)
	if n != 1 {
		t.Errorf("%d files listed after the refusal, want 1", n)
	}
	screenshot(t, ctx, "41-evidence-refused-ar")

	// The coordinator, in a browser of their own, reviews the response.
	admin := newBrowser(t)
	adminConsole := watchConsole(admin)
	must(admin, "sign in as the coordinator", browserSignIn(admin, ts.URL, "admin@example.ps"))
	must(admin, "open the review", chromedp.Do(admin,
		chromedp.Navigate(ts.URL+"/ar/admin/rounds/"+strconv.FormatInt(round, 10)+"/responses/MOH"),
		chromedp.WaitVisible(chromedp.CSS(`.evidence-file a[download]`)),
	))
	link, err := chromedp.Run(admin, chromedp.Evaluate[string](`[document.querySelector('.evidence-file a[download]').textContent,
		document.querySelector('.evidence-file a[download]').getAttribute('href')].join('|')`))
	must(admin, "read the review", err)
	if !strings.HasPrefix(link, title+"|/ar/rounds/"+strconv.FormatInt(round, 10)+"/responses/MOH/evidence/") {
		t.Errorf("the review shows %q; want the file's title and its download link", link)
	}
	screenshot(t, admin, "42-evidence-review-ar")
	time.Sleep(100 * time.Millisecond) // late console messages
	// The refusal is the page itself answered 415, which Chromium logs as
	// a failed load of the document: expected once, nothing else is.
	refused := "Failed to load resource: the server responded with a status of 415 (Unsupported Media Type) " + evidence
	var errs []string
	seen := false
	for _, m := range append(console.take(), adminConsole.take()...) {
		if !seen && strings.HasSuffix(m, refused) {
			seen = true
			continue
		}
		errs = append(errs, m)
	}
	if len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
