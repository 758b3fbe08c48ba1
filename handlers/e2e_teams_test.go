package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"marsad/survey"
)

// TestBrowserTeamInArabic: the Ministry of Health's focal point, in
// Arabic, opens the team page from the work page, invites a colleague (the
// one-time link is shown; the colleague creates the account with it),
// assigns a section to the head and, in a round that requires sign-off,
// sends the response for sign-off; the head finds the section first on
// the work page, opens the summary and approves, which submits the
// response. No page logs a console error.
func TestBrowserTeamInArabic(t *testing.T) {
	ts, st := startServer(t)
	bg := context.Background()
	open := openRoundID(t, st)
	round, err := st.Round(bg, open)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Questionnaire(bg, round.QuestionnaireID)
	if err != nil {
		t.Fatal(err)
	}
	sec := q.Def.Sections[1]
	headID := strconv.FormatInt(userID(t, st, "moh-head@example.ps"), 10)
	admin, err := st.UserByEmail(bg, "admin@example.ps")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetRoundSignoff(bg, admin.ID, open, true); err != nil {
		t.Fatal(err)
	}
	answerRequired(t, st, open, "MOH")

	ctx := newBrowserWithin(t, 120*time.Second)
	console := watchConsole(ctx)
	must := func(ctx context.Context, step string, err error) {
		t.Helper()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %v\nat %s\n%.2000s", step, err, loc, body)
		}
	}
	text := func(ctx context.Context, js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		must(ctx, "read "+js, err)
		return s
	}

	must(ctx, "sign in as the focal point", browserSignIn(ctx, ts.URL, "moh@example.ps"))
	must(ctx, "open the team from the work page", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/work"),
		click(chromedp.CSS(`main a[href="/ar/team"]`)),
		chromedp.WaitVisible(chromedp.ID("f-email")),
	))
	if got := text(ctx, `document.documentElement.lang + "|" + document.documentElement.dir + "|" + document.querySelector("h1").textContent`); got != "ar|rtl|فريق المؤسسة" {
		t.Errorf("the team page: %q", got)
	}
	must(ctx, "invite a colleague", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-email"), "zamil@moh.example.ps"),
		click(chromedp.CSS(`form[action="/ar/team/invitations"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("invite-link")),
	))
	link := text(ctx, `document.getElementById("invite-link").value`)
	if !strings.Contains(link, "/ar/invite/") {
		t.Fatalf("the invitation link is %q", link)
	}
	screenshot(t, ctx, "50-team-invited-ar")

	newcomer := newBrowser(t)
	newConsole := watchConsole(newcomer)
	must(newcomer, "accept the invitation", chromedp.Do(newcomer,
		chromedp.Navigate(ts.URL+link[strings.Index(link, "/ar/invite/"):]),
		chromedp.WaitVisible(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), "زميل جديد"),
		chromedp.SendKeys(chromedp.ID("f-password"), "a-long-new-password"),
		chromedp.SendKeys(chromedp.ID("f-password_confirm"), "a-long-new-password"),
		click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.site-header form[action$="/logout"]`)),
	))
	if u, err := st.UserByEmail(bg, "zamil@moh.example.ps"); err != nil || u.InstitutionCode != "MOH" || u.Role != survey.RoleRespondent {
		t.Errorf("the invited colleague: %+v, %v", u, err)
	}

	must(ctx, "assign a section to the head", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/team"),
		click(chromedp.CSS(`a[href$="/responses/MOH/assignments"]`)),
		chromedp.WaitVisible(chromedp.ID("a-"+sec.ID)),
		chromedp.SetValue(chromedp.ID("a-"+sec.ID), headID),
		click(chromedp.CSS(`#s-`+sec.ID+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice[role="status"]`)),
	))
	if got := text(ctx, `document.getElementById("a-`+sec.ID+`").value`); got != headID {
		t.Errorf("the section is assigned to %q, want the head (%s)", got, headID)
	}
	screenshot(t, ctx, "51-team-assigned-ar")

	must(ctx, "send for sign-off", chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/ar/rounds/"+strconv.FormatInt(open, 10)+"/responses/MOH"),
		chromedp.WaitVisible(chromedp.ID("signoff")),
		click(chromedp.CSS(`#signoff button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#signoff .notice`)),
	))
	if got := text(ctx, `document.querySelector("#signoff .tag").textContent`); got != "بانتظار المصادقة" {
		t.Errorf("after sending: %q", got)
	}

	head := newBrowser(t)
	headConsole := watchConsole(head)
	must(head, "sign in as the head", browserSignIn(head, ts.URL, "moh-head@example.ps"))
	must(head, "open the work page", chromedp.Do(head,
		chromedp.Navigate(ts.URL+"/ar/work"),
		chromedp.WaitVisible(chromedp.CSS(`.your-sections a`)),
	))
	if got := text(head, `document.querySelector(".your-sections a").textContent`); got != sec.Title("ar") {
		t.Errorf("the head's sections: %q, want %q", got, sec.Title("ar"))
	}
	screenshot(t, head, "52-team-head-work-ar")
	must(head, "open the summary and approve", chromedp.Do(head,
		click(chromedp.CSS(`a[href$="/responses/MOH/signoff"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.signoff-preview`)),
		click(chromedp.CSS(`form[action$="/signoff/approve"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice[role="status"]`)),
	))
	if got := text(head, `document.querySelector(".notice").textContent`); got != "تمت المصادقة: أُرسلت الإجابات إلى منسق المسح." {
		t.Errorf("after approving: %q", got)
	}
	screenshot(t, head, "53-team-signed-off-ar")
	if resp, err := st.Response(bg, open, "MOH"); err != nil || resp.Status != survey.ResponseSubmitted {
		t.Errorf("after the head's approval the response is %+v, %v", resp, err)
	}
	time.Sleep(100 * time.Millisecond) // late console messages
	if errs := append(append(console.take(), newConsole.take()...), headConsole.take()...); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
