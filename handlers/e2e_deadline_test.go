package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"marsad/survey"
)

// TestBrowserDeadlineMessageInArabic: the Ministry of Interior's officer
// has the questionnaire open under an extension when the coordinator
// revokes it. The next autosave is refused; the page shows the server's
// Arabic message, makes the form read-only and does not try again. Opened
// again, the page says the deadline has passed.
func TestBrowserDeadlineMessageInArabic(t *testing.T) {
	srv, st := newTestServer(t)
	var puts atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/answers/") {
			puts.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	ctx := newBrowser(t)
	bg := context.Background()
	r := lateRound(t, st, "2026-late")
	admin := survey.Actor{Role: survey.RoleAdmin}
	until := time.Now().In(survey.DeadlineZone).AddDate(0, 0, 3).Format(survey.DateLayout)
	if _, err := st.GrantExtension(bg, admin, r.ID, "MOI", survey.ExtensionInput{Until: until}); err != nil {
		t.Fatal(err)
	}
	page := ts.URL + "/ar/rounds/" + strconv.FormatInt(r.ID, 10) + "/responses/MOI"
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\n%.2000s", step, err, body)
		}
	}
	must("sign in", browserSignIn(ctx, ts.URL, "moi@example.ps"))
	must("sign in", chromedp.Do(ctx))
	must("open the questionnaire under the extension", chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.ID("o-STR-1-3")),
	))
	due, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.response-due').textContent`))
	must("the deadline line", err)
	if !strings.Contains(due, "مُدِّد حتى "+until) || !strings.Contains(due, "بقيت 3 أيام") {
		t.Errorf("deadline line %q, want the extension to %s with 3 days left", due, until)
	}

	// The coordinator takes the extension back while the page is open.
	if err := st.RevokeExtension(bg, admin, r.ID, "MOI"); err != nil {
		t.Fatal(err)
	}
	must("answer after the revocation", chromedp.Do(ctx, click(chromedp.ID("o-STR-1-3"))))
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('.deadline-passed[role=alert]')`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !ok {
		must("the refusal shown", err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.querySelector('.deadline-passed').textContent,
		document.querySelector('#i-STR-1 .item-status').textContent, document.getElementById('o-STR-1-2').disabled].join('|')`))
	must("read the page", err)
	msg := "انقضى الموعد النهائي لهذه الجولة: لم يعد بالإمكان حفظ الإجابات أو إرسالها. اطلب تمديداً من منسق المسح."
	if shown != msg+"|"+msg+"|true" {
		t.Errorf("after the refusal the page shows %q; want the server's message, on the question too, and the form read-only", shown)
	}
	screenshot(t, ctx, "30-deadline-refused-ar")
	// The page's retry timer runs every 5 seconds: nothing more is sent.
	time.Sleep(6 * time.Second)
	if n := puts.Load(); n != 1 {
		t.Errorf("%d saves sent, want 1: the page tries again after the server said the deadline has passed", n)
	}

	must("open the questionnaire again", chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("o-STR-1-3"))))
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.documentElement.dir, document.querySelector('.deadline-passed').textContent,
		document.querySelector('.response-due').textContent, document.querySelector('.response').hasAttribute('data-editable'),
		document.getElementById('o-STR-1-3').disabled].join('|')`))
	must("read the page opened again", err)
	parts := strings.Split(state, "|")
	if len(parts) != 5 || parts[0] != "rtl" || !strings.Contains(parts[1], "انقضى الموعد النهائي: لم يعد بالإمكان حفظ الإجابات أو إرسالها") ||
		!strings.Contains(parts[2], "الموعد النهائي: "+r.Deadline) || !strings.Contains(parts[2], "انقضى الموعد") || parts[3] != "false" || parts[4] != "true" {
		t.Errorf("the page opened after the deadline: %q", state)
	}
	screenshot(t, ctx, "31-deadline-passed-ar")
	if resp, err := st.Response(bg, r.ID, "MOI"); err == nil {
		if a, _ := st.Answers(bg, resp.ID); len(a) != 0 {
			t.Errorf("an answer was stored after the deadline: %v", a)
		}
	}
}
