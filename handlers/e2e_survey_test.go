package handlers

import (
	"context"
	"encoding/json"
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

// TestBrowserQuestionnaireRoundTrip: the Ministry of Interior's officer
// fills part of the 2026 questionnaire in Arabic (autosaved), reloads and
// finds the answers, finishes and submits; the coordinator returns it with
// a comment on STR-1; the officer fixes it and resubmits; the coordinator
// accepts.
func TestBrowserQuestionnaireRoundTrip(t *testing.T) {
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := newBrowser(t)
	roundID := openRoundID(t, st)
	page := ts.URL + "/ar/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/MOI"
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\nat %s\n%.2000s", step, err, loc, body)
		}
	}
	signIn := func(email string) {
		t.Helper()
		must("sign in as "+email, chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/ar/login"),
			chromedp.WaitVisible(chromedp.ID("f-email")),
			chromedp.SendKeys(chromedp.ID("f-email"), email),
			chromedp.SendKeys(chromedp.ID("f-password"), survey.DemoPassword),
			click(chromedp.CSS(`main button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.site-header button[type="submit"]`)),
		))
	}
	signOut := func() {
		t.Helper()
		must("sign out", chromedp.Do(ctx, click(chromedp.CSS(`.site-header button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`.hero`))))
	}
	waitSaved := func(item string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector('#i-`+item+` .item-status')||{}).textContent === 'تم الحفظ'`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || !ok {
			must("autosave of "+item, err)
		}
	}

	signIn("moi@example.ps")
	must("open the questionnaire", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/rounds"),
		click(chromedp.CSS(`a[href$="/responses/MOI"]`)),
		chromedp.WaitVisible(chromedp.ID("o-STR-1-3")),
	))
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('i-STR-1-EV').hidden`))
	must("evidence hidden at first", err)
	if !hidden {
		t.Error("the evidence item shows before STR-1 reaches level 2")
	}
	must("answer the first items", chromedp.Do(ctx,
		click(chromedp.ID("o-STR-1-3")),
		chromedp.WaitVisible(chromedp.ID("v-STR-1-EV")), // shown live by show_if
		chromedp.SendKeys(chromedp.ID("v-STR-1-EV"), "https://moi.example.ps/plan-2026"),
		click(chromedp.ID("o-STR-2-1")),
		click(chromedp.ID("o-STR-3-2")),
	))
	waitSaved("STR-1-EV")
	waitSaved("STR-3")
	screenshot(t, ctx, "09-questionnaire-ar")

	must("reload", chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("o-STR-1-3"))))
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.getElementById('o-STR-1-3').checked, document.getElementById('o-STR-3-2').checked, document.getElementById('v-STR-1-EV').value].join('|')`))
	must("read answers after reload", err)
	if kept != "true|true|https://moi.example.ps/plan-2026" {
		t.Fatalf("after reload: %s", kept)
	}

	// Finish the rest quickly through the same autosave calls the page makes.
	q, _ := st.Questionnaire(context.Background(), func() int64 { r, _ := st.Round(context.Background(), roundID); return r.QuestionnaireID }())
	type save struct {
		ID     string   `json:"id"`
		Values []string `json:"values"`
	}
	var rest []save
	for _, it := range q.Def.Items {
		if !it.Required || it.Type == survey.TypeMetric || strings.HasPrefix(it.ID, "STR-1") || it.ID == "STR-2" || it.ID == "STR-3" {
			continue
		}
		v := "1"
		switch it.Type {
		case survey.TypeMulti:
			v = it.Options[0].Value
		case survey.TypePercent:
			v = "40"
		case survey.TypeYesNo:
			v = "yes"
		}
		rest = append(rest, save{it.ID, []string{v}})
	}
	b, _ := json.Marshal(rest)
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const root = document.querySelector('.response');
		for (const a of `+string(b)+`) {
			const r = await fetch(root.dataset.api + '/answers/' + a.id, {method: 'PUT', credentials: 'same-origin',
				headers: {'Content-Type': 'application/json', 'X-CSRF-Token': root.dataset.csrf},
				body: JSON.stringify({values: a.values, version: 0})});
			if (!r.ok) { return a.id + ' ' + r.status; }
		}
		return 'ok';
	})()`, chromedp.EvalAwaitPromise))
	must("finish the questionnaire", err)
	if res != "ok" {
		t.Fatalf("finishing: %s", res)
	}
	must("submit", chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`.submit-box button`)),
		click(chromedp.CSS(`.submit-box button`)),
		chromedp.WaitVisible(chromedp.CSS(`.tag-resp-submitted`)),
	))
	signOut()

	// The coordinator returns it with a comment on STR-1.
	signIn("admin@example.ps")
	must("return with a comment", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/admin/rounds/"+strconv.FormatInt(roundID, 10)+"/responses/MOI"),
		chromedp.WaitVisible(chromedp.ID("r-STR-1-issues")),
		click(chromedp.ID("r-STR-1-issues")),
		chromedp.SendKeys(chromedp.ID("rc-STR-1"), "الخطة المرفقة غير معتمدة رسمياً بعد؛ يرجى تعديل المستوى."),
		click(chromedp.CSS(`button[value="return"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.tag-resp-returned`)),
	))
	screenshot(t, ctx, "10-board-ar")
	signOut()

	// The officer sees the comment, fixes STR-1 and resubmits.
	signIn("moi@example.ps")
	must("fix and resubmit", chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`#i-STR-1 .review-issues`)),
		click(chromedp.ID("o-STR-1-2")),
	))
	note, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#i-STR-1 .review-issues`)))
	must("read the review comment", err)
	if !strings.Contains(note, "غير معتمدة رسمياً") {
		t.Errorf("review comment = %q", note)
	}
	waitSaved("STR-1")
	must("resubmit", chromedp.Do(ctx,
		click(chromedp.CSS(`.submit-box button`)),
		chromedp.WaitVisible(chromedp.CSS(`.tag-resp-submitted`)),
	))
	signOut()

	signIn("admin@example.ps")
	must("accept", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/admin/rounds/"+strconv.FormatInt(roundID, 10)+"/responses/MOI"),
		chromedp.WaitVisible(chromedp.CSS(`button[value="accept"]`)),
		click(chromedp.CSS(`button[value="accept"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.tag-resp-accepted`)),
	))
	resp, err := st.Response(context.Background(), roundID, "MOI")
	if err != nil || resp.Status != survey.ResponseAccepted {
		t.Fatalf("final response %+v, %v", resp, err)
	}
	answers, _ := st.Answers(context.Background(), resp.ID)
	if answers["STR-1"].Value() != "2" || answers["STR-1-EV"].Value() != "https://moi.example.ps/plan-2026" {
		t.Errorf("final answers: STR-1 %v, evidence %v", answers["STR-1"].Values, answers["STR-1-EV"].Values)
	}
	log, _ := st.AuditLog(context.Background(), "response", 500)
	actions := map[string]int{}
	for _, e := range log {
		actions[e.Action]++
	}
	if actions["submit"] != 2 || actions["return"] != 1 || actions["accept"] != 1 || actions["review"] != 1 {
		t.Errorf("audit actions %v", actions)
	}
}

// flakyNetwork passes requests to the app, except that while down it cuts
// the connection of every API call, as a dropped network would.
type flakyNetwork struct {
	next http.Handler
	down atomic.Bool
	all  atomic.Bool // while down, cut pages and files too, not only the API
}

func (f *flakyNetwork) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.down.Load() && (f.all.Load() || strings.HasPrefix(r.URL.Path, "/api/")) {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	f.next.ServeHTTP(w, r)
}

// TestBrowserAnswersSurviveLostConnection: with the connection down, an
// answer waits in the browser, survives a reload, and is saved when the
// connection returns.
func TestBrowserAnswersSurviveLostConnection(t *testing.T) {
	srv, st := newTestServer(t)
	net := &flakyNetwork{next: srv}
	ts := httptest.NewServer(net)
	defer ts.Close()
	ctx := newBrowser(t)
	roundID := openRoundID(t, st)
	page := ts.URL + "/ar/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/MOI"
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\n%.1500s", step, err, body)
		}
	}
	must("sign in", browserSignIn(ctx, ts.URL, "moi@example.ps"))
	must("open", chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.ID("o-STR-2-2")),
	))
	net.down.Store(true)
	must("answer while offline", chromedp.Do(ctx, click(chromedp.ID("o-STR-2-2"))))
	offline, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('.autosave-status').textContent.indexOf('لا يوجد اتصال') === 0`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !offline {
		must("offline notice", err)
	}
	must("reload while the API is down", chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("o-STR-2-2"))))
	restored, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('o-STR-2-2').checked`))
	must("read restored answer", err)
	if !restored {
		t.Fatal("the answer typed offline was lost on reload")
	}
	if resp, err := st.Response(context.Background(), roundID, "MOI"); err == nil {
		if a, _ := st.Answers(context.Background(), resp.ID); len(a) != 0 {
			t.Fatal("saved while the network was down?")
		}
	}
	net.down.Store(false)
	savedOK, err := chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector('#i-STR-2 .item-status')||{}).textContent === 'تم الحفظ'`,
		chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil || !savedOK {
		must("saved when the connection returned", err)
	}
	resp, _ := st.Response(context.Background(), roundID, "MOI")
	answers, _ := st.Answers(context.Background(), resp.ID)
	if answers["STR-2"].Value() != "2" {
		t.Errorf("after reconnecting: %+v", answers)
	}
}
