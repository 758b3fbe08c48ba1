package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"marsad/survey"
	"marsad/survey/mailer"
	"marsad/survey/mailer/mailpittest"
	"marsad/survey/sqlstore"
)

// Reminders and notifications against a real SMTP server (Mailpit): what
// the coordinator previews is what arrives, in each person's language,
// once a day at most, and never to someone who turned notifications off.

// testClock is a store clock a test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
func (c *testClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// demoStoreWithClock is a copy of the demo database whose clock the test
// moves (the reminders' rate limit and days before the deadline).
func demoStoreWithClock(t *testing.T, start time.Time) (*sqlstore.Store, *testClock) {
	t.Helper()
	b, err := fullDemoFile()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "marsad.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: start}
	st, err := sqlstore.Open(context.Background(), path, sqlstore.Options{BcryptCost: bcrypt.MinCost, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, clock
}

// reminderMail turns mail on for st and runs an outbox worker that sends
// to a fresh Mailpit until the test ends.
func reminderMail(t *testing.T, srv *Server, st *sqlstore.Store) *mailpittest.Server {
	t.Helper()
	mp := mailpittest.Start(t)
	sender, err := mailer.NewSender(mailer.Settings{Host: "127.0.0.1", Port: mp.SMTPPort, TLS: mailer.TLSNone,
		From: "marsad@example.ps", FromName: "Marsad", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st.EnableMail("example.ps")
	ctx, cancel := context.WithCancel(context.Background())
	w := &mailer.Worker{Store: st, Render: srv.RenderMail, Sender: sender, Poll: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return mp
}

// delivered waits until the outbox has nothing left to send, then returns
// what Mailpit received, by recipient.
func delivered(t *testing.T, st *sqlstore.Store, mp *mailpittest.Server) map[string][]mailpittest.Summary {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := st.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c[survey.MailQueued]+c[survey.MailSending] == 0 {
			if c[survey.MailFailed] > 0 {
				t.Fatalf("%d messages failed", c[survey.MailFailed])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained: %v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := map[string][]mailpittest.Summary{}
	for _, m := range mp.Messages(t) {
		for _, to := range m.To {
			out[to.Address] = append(out[to.Address], m)
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// setMailPrefs sets a demo user's mail preferences.
func setMailPrefs(t *testing.T, st *sqlstore.Store, email string, in survey.MailPrefsInput) {
	t.Helper()
	u, err := st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveMailPrefs(context.Background(), survey.ActorOf(u), in); err != nil {
		t.Fatal(err)
	}
}

// openDemoRound is the demo's open round (2026).
func openDemoRound(t *testing.T, st *sqlstore.Store) survey.Round {
	t.Helper()
	rounds, err := st.OpenRounds(context.Background())
	if err != nil || len(rounds) != 1 {
		t.Fatalf("open rounds: %v %v", rounds, err)
	}
	return rounds[0]
}

// respondentsInEveryState gives one respondent to an institution in each
// state of the open round that the demo leaves without one, and returns
// their addresses by state.
func respondentsInEveryState(t *testing.T, st *sqlstore.Store, round survey.Round) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := st.RoundBoard(ctx, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		st := r.BoardStatus()
		if _, ok := out[st]; ok || r.Institution.Code == "MOH" || r.Institution.Code == "MOI" {
			continue
		}
		out[st] = strings.ToLower(r.Institution.Code) + "@example.ps"
	}
	for _, r := range rows {
		if email := strings.ToLower(r.Institution.Code) + "@example.ps"; out[r.BoardStatus()] == email {
			if _, err := st.CreateUser(ctx, 0, survey.NewUser{Email: email, Role: survey.RoleRespondent,
				InstitutionCode: r.Institution.Code, Password: "correct horse battery"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, want := range survey.BoardStatuses {
		if out[want] == "" {
			t.Fatalf("the demo's open round has no institution %s", want)
		}
	}
	return out
}

// TestReminderRunReachesTheLate: the coordinator previews and confirms a
// reminder of the institutions not started and in draft; exactly their
// active respondents receive it (MOI's in English, as its respondent
// chose; not MOH's head, who turned notifications off), nobody of a
// returned, submitted or accepted response; the same run again that day
// sends nothing new; the board says when each was reminded.
func TestReminderRunReachesTheLate(t *testing.T) {
	st, clock := demoStoreWithClock(t, time.Now())
	srv := newServerOn(t, st)
	mp := reminderMail(t, srv, st)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	round := openDemoRound(t, st)
	byState := respondentsInEveryState(t, st, round)
	setMailPrefs(t, st, "moi@example.ps", survey.MailPrefsInput{Lang: "en"})
	setMailPrefs(t, st, "moh-head@example.ps", survey.MailPrefsInput{Lang: "ar", OptOut: true})

	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	page := "/ar/admin/rounds/" + strconv.FormatInt(round.ID, 10) + "/reminders"
	preview := c.get(page + "?preview=1&state=none&state=draft")
	if preview.Status != http.StatusOK {
		t.Fatalf("preview: %d", preview.Status)
	}
	for _, want := range []string{"وزارة الصحة", "وزارة الداخلية", "moh@example.ps", "moi@example.ps", byState["none"], byState["draft"],
		"الرسالة بالعربية", "الرسالة بالإنجليزية", "Reminder: Ministry of Interior", "تذكير: إجابات"} {
		if !strings.Contains(preview.Body, want) {
			t.Errorf("the preview does not show %q", want)
		}
	}
	for _, absent := range []string{byState["submitted"], byState["accepted"], byState["returned"]} {
		if strings.Contains(preview.Body, absent) {
			t.Errorf("the preview lists %s", absent)
		}
	}

	// Without the CSRF token: refused, nothing sent.
	form := url.Values{"state": {"none", "draft"}}
	if r := c.post(page, form, ""); r.Status != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", r.Status)
	}
	r := c.post(page, form, page)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
	got := delivered(t, st, mp)
	want := []string{byState["draft"], byState["none"], "moh@example.ps", "moi@example.ps"}
	sort.Strings(want)
	if !slices.Equal(keys(got), want) {
		t.Fatalf("reminded %v, want %v", keys(got), want)
	}
	for addr, msgs := range got {
		if len(msgs) != 1 {
			t.Errorf("%s got %d reminders", addr, len(msgs))
		}
	}
	if s := got["moi@example.ps"][0].Subject; !strings.HasPrefix(s, "Reminder: Ministry of Interior") {
		t.Errorf("MOI's subject %q, want English", s)
	}
	full := mp.Message(t, got["moh@example.ps"][0].ID)
	if !strings.Contains(full.Subject, "تذكير") || !strings.Contains(full.HTML, `dir="rtl"`) ||
		!strings.Contains(full.Text, "/ar/rounds/"+strconv.FormatInt(round.ID, 10)+"/responses/MOH") ||
		!strings.Contains(full.Text, "صفحة حسابك") {
		t.Errorf("MOH's reminder: %q\n%s", full.Subject, full.Text)
	}

	// The redirect says what was done; the board when.
	done := c.get(r.Header.Get("Location"))
	if !strings.Contains(done.Body, "أُرسل التذكير إلى 4 مؤسسات") {
		t.Errorf("no notice of the run:\n%s", done.Body)
	}
	board := c.get("/ar/admin/rounds/" + strconv.FormatInt(round.ID, 10))
	if n := strings.Count(board.Body, `class="small muted board-reminded"`); n != 4 {
		t.Errorf("the board shows %d institutions reminded, want 4", n)
	}

	// At once again: rate-limited. Later that day: nothing new.
	if r := c.post(page, url.Values{"state": {"none", "draft", "returned"}}, page); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("again at once: %d", r.Status)
	}
	clock.Advance(2 * time.Minute)
	if r := c.post(page, form, page); r.Status != http.StatusSeeOther {
		t.Fatalf("again: %d", r.Status)
	}
	if again := delivered(t, st, mp); len(again) != len(got) || mp.Count(t) != 4 {
		t.Errorf("the same run twice in a day sent more: %d messages", mp.Count(t))
	}
}

// TestReminderRoutes: only the coordinator previews, confirms and sets
// reminders; a respondent and a viewer are refused; bad settings are
// shown again with their message.
func TestReminderRoutes(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	round := openDemoRound(t, st)
	page := "/en/admin/rounds/" + strconv.FormatInt(round.ID, 10) + "/reminders"
	for _, who := range []string{"moh@example.ps", "viewer@example.ps"} {
		c := newClient(t, ts)
		c.signIn("en", who, survey.DemoPassword)
		if r := c.get(page); r.Status != http.StatusForbidden {
			t.Errorf("%s: preview %d", who, r.Status)
		}
		if r := c.post(page, url.Values{"state": {"none"}}, "/en/account"); r.Status != http.StatusForbidden {
			t.Errorf("%s: confirm %d", who, r.Status)
		}
	}
	c := newClient(t, ts)
	c.signIn("en", "admin@example.ps", survey.DemoPassword)
	// Mail is not configured here: the page says so, and offers no send.
	p := c.get(page)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "E-mail is not configured") || strings.Contains(p.Body, "Send the reminder to") {
		t.Errorf("preview without mail: %d", p.Status)
	}
	if r := c.post(page, url.Values{"state": {"none"}}, page); r.Status != http.StatusConflict {
		t.Errorf("confirm without mail: %d", r.Status)
	}
	if none := c.get(page + "?preview=1"); none.Status != http.StatusOK || !strings.Contains(none.Body, "Choose at least one") {
		t.Errorf("a preview of no state: %d", none.Status)
	}
	bad := c.post(page+"/settings", url.Values{"first_days": {"90"}, "second_days": {"2"}}, page)
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "from 1 to 60") || !strings.Contains(bad.Body, `value="90"`) {
		t.Errorf("bad settings: %d", bad.Status)
	}
	ok := c.post(page+"/settings", url.Values{"first_days": {"7"}, "second_days": {""}}, page)
	if ok.Status != http.StatusSeeOther {
		t.Fatalf("settings: %d", ok.Status)
	}
	if set, _ := st.ReminderSettings(context.Background(), round.ID); set.First != 7 || set.Second != 0 {
		t.Errorf("settings %+v", set)
	}
}

// TestAutomaticReminderJob: the hourly job at 7 days before the deadline
// reminds the late institutions once, however many times it runs that day
// (several servers); before the working day it waits.
func TestAutomaticReminderJob(t *testing.T) {
	st, clock := demoStoreWithClock(t, time.Now())
	srv := newServerOn(t, st)
	mp := reminderMail(t, srv, st)
	round := openDemoRound(t, st)
	deadline, err := time.ParseInLocation(survey.DateLayout, round.Deadline, survey.DeadlineZone)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := st.SaveReminderSettings(ctx, survey.Actor{Role: survey.RoleAdmin}, round.ID, survey.ReminderSettingsInput{First: "7"}); err != nil {
		t.Fatal(err)
	}
	early := deadline.AddDate(0, 0, -7).Add(6 * time.Hour) // 06:00 in Palestine, 04:00 UTC (the test server's zone)
	clock.Set(early)
	srv.ReminderTick(ctx, early)
	if n := len(delivered(t, st, mp)); n != 0 {
		t.Fatalf("before the working day: %d messages", n)
	}
	at := early.Add(5 * time.Hour)
	clock.Set(at)
	srv.ReminderTick(ctx, at)
	srv.ReminderTick(ctx, at.Add(time.Hour))
	got := delivered(t, st, mp)
	if want := []string{"moh-head@example.ps", "moh@example.ps", "moi@example.ps"}; !slices.Equal(keys(got), want) {
		t.Fatalf("automatic reminders to %v, want %v", keys(got), want)
	}
	if mp.Count(t) != 3 {
		t.Errorf("%d messages, want 3", mp.Count(t))
	}
	// The next day is not a reminder day.
	clock.Advance(24 * time.Hour)
	srv.ReminderTick(ctx, at.Add(24*time.Hour))
	if delivered(t, st, mp); mp.Count(t) != 3 {
		t.Errorf("the day after: %d messages", mp.Count(t))
	}
}

// TestNotificationsByMail: an extension and a returned response reach the
// institution's respondents each in their language, and not one who
// turned notifications off.
func TestNotificationsByMail(t *testing.T) {
	st, _ := demoStoreWithClock(t, time.Now())
	srv := newServerOn(t, st)
	mp := reminderMail(t, srv, st)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	round := openDemoRound(t, st)
	setMailPrefs(t, st, "moi@example.ps", survey.MailPrefsInput{Lang: "en"})
	setMailPrefs(t, st, "moh-head@example.ps", survey.MailPrefsInput{Lang: "en", OptOut: true})
	c := newClient(t, ts)
	c.signIn("ar", "admin@example.ps", survey.DemoPassword)
	id := strconv.FormatInt(round.ID, 10)
	for _, code := range []string{"MOH", "MOI"} {
		page := "/ar/admin/rounds/" + id + "/extensions/" + code
		if r := c.post(page, url.Values{"until": {"2099-01-31"}, "reason": {"طلب مكتوب"}}, page); r.Status != http.StatusSeeOther {
			t.Fatalf("extension %s: %d", code, r.Status)
		}
	}
	got := delivered(t, st, mp)
	if want := []string{"moh@example.ps", "moi@example.ps"}; !slices.Equal(keys(got), want) {
		t.Fatalf("extension notices to %v, want %v", keys(got), want)
	}
	moi := mp.Message(t, got["moi@example.ps"][0].ID)
	if !strings.HasPrefix(moi.Subject, "More time for Ministry of Interior") || !strings.Contains(moi.Text, "2099-01-31") ||
		!strings.Contains(moi.Text, "account page") || !strings.Contains(moi.HTML, `dir="ltr"`) {
		t.Errorf("MOI's notice: %q\n%s", moi.Subject, moi.Text)
	}
	moh := mp.Message(t, got["moh@example.ps"][0].ID)
	if !strings.Contains(moh.Subject, "تمديد") || !strings.Contains(moh.Text, "طلب مكتوب") {
		t.Errorf("MOH's notice: %q\n%s", moh.Subject, moh.Text)
	}

	// Two submitted responses, one returned from the review page (its
	// respondent reads English), one accepted (its respondent opted out).
	ctx := context.Background()
	rows, err := st.RoundBoard(ctx, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	var submitted []string
	for _, r := range rows {
		if r.Status == survey.ResponseSubmitted {
			submitted = append(submitted, r.Institution.Code)
		}
	}
	if len(submitted) < 2 {
		t.Fatalf("the demo has %d submitted responses", len(submitted))
	}
	for i, code := range submitted[:2] {
		email := strings.ToLower(code) + "@example.ps"
		if _, err := st.CreateUser(ctx, 0, survey.NewUser{Email: email, Role: survey.RoleRespondent, InstitutionCode: code,
			Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		setMailPrefs(t, st, email, survey.MailPrefsInput{Lang: "en", OptOut: i == 1})
		page := "/ar/admin/rounds/" + id + "/responses/" + code
		decision := []string{"return", "accept"}[i]
		if r := c.post(page, url.Values{"decision": {decision}}, page); r.Status != http.StatusSeeOther {
			t.Fatalf("%s %s: %d", decision, code, r.Status)
		}
	}
	got = delivered(t, st, mp)
	returned := strings.ToLower(submitted[0]) + "@example.ps"
	if len(got[returned]) != 1 || !strings.Contains(got[returned][0].Subject, "was returned for changes") {
		t.Errorf("the returned notice: %+v", got[returned])
	}
	if n := len(got[strings.ToLower(submitted[1])+"@example.ps"]); n != 0 {
		t.Errorf("%d messages to a respondent who turned notifications off", n)
	}
	if mp.Count(t) != 3 {
		t.Errorf("%d messages, want 3", mp.Count(t))
	}
}

// TestAccountPage: everyone signed in sets their mail language and turns
// optional notifications off; only a coordinator is offered the digest.
func TestAccountPage(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(t, ts)
	c.signIn("ar", "moh@example.ps", survey.DemoPassword)
	p := c.get("/ar/account")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `name="mail_optout"`) || strings.Contains(p.Body, `name="digest"`) {
		t.Fatalf("respondent's account page: %d", p.Status)
	}
	if !strings.Contains(p.Body, `href="/ar/account"`) {
		t.Error("the header does not link to the account page")
	}
	r := c.post("/ar/account", url.Values{"mail_lang": {"en"}, "mail_optout": {"1"}, "digest": {"1"}}, "/ar/account")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	u, _ := st.UserByEmail(context.Background(), "moh@example.ps")
	if got, _ := st.MailPrefs(context.Background(), u.ID); got != (survey.MailPrefs{Lang: "en", OptOut: true}) {
		t.Errorf("prefs %+v", got)
	}
	if bad := c.post("/ar/account", url.Values{"mail_lang": {"fr"}}, "/ar/account"); bad.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: %d", bad.Status)
	}
	a := newClient(t, ts)
	a.signIn("en", "admin@example.ps", survey.DemoPassword)
	if p := a.get("/en/account"); !strings.Contains(p.Body, `name="digest"`) {
		t.Error("the coordinator is not offered the digest")
	}
}

// TestNotifyMailTemplates: every kind of this part renders in both
// languages with no missing translation, the right direction, a link and a
// footer that says why and, being optional, where to turn it off.
func TestNotifyMailTemplates(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	params := map[survey.MailKind]map[string]string{
		survey.MailReminder:      {"state": "draft", "days_left": "3", "kind": "manual"},
		survey.MailReturned:      {"issues": "2"},
		survey.MailAccepted:      {},
		survey.MailExtension:     {"until": "2027-01-15", "reason": "طلب مكتوب"},
		survey.MailStoryApproved: {"title_ar": "بوابة الدفع", "title_en": "Payment portal"},
		survey.MailStoryReturned: {"title_ar": "بوابة الدفع", "title_en": "", "note": "أضف الأرقام"},
		survey.MailDigest: survey.DigestParams("2026-12-06", []survey.DigestEvent{
			{Action: "submit", RoundName: "2026", Institution: survey.Institution{NameAr: "وزارة الصحة", NameEn: "Ministry of Health"}}}, "en"),
	}
	for kind, p := range params {
		if !slices.Contains(survey.MailKinds, kind) {
			t.Errorf("%s is not registered", kind)
		}
		for _, lang := range Languages {
			m := survey.OutboxMessage{Kind: kind, Lang: lang, To: "x@example.ps", Link: "rounds/3/responses/MOH", Params: p,
				InstitutionNameAr: "وزارة الصحة", InstitutionNameEn: "Ministry of Health", RoundName: "2026", Deadline: "2026-12-31"}
			if kind == survey.MailDigest {
				m.InstitutionNameAr, m.InstitutionNameEn, m.RoundName, m.Deadline = "", "", "", ""
			}
			r, err := srv.RenderMail(context.Background(), m)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, lang, err)
			}
			all := r.Subject + r.Text + r.HTML
			dir := map[string]string{"ar": `dir="rtl"`, "en": `dir="ltr"`}[lang]
			off := map[string]string{"ar": "صفحة حسابك", "en": "account page"}[lang]
			if strings.Contains(all, "⟦") || r.Subject == "" || !strings.Contains(r.HTML, dir) ||
				!strings.Contains(r.Text, "/"+lang+"/rounds/3/responses/MOH") || !strings.Contains(r.Text, off) {
				t.Errorf("%s %s:\n%s\n%s", kind, lang, r.Subject, r.Text)
			}
			if strings.Contains(all, "{") {
				t.Errorf("%s %s: a placeholder left: %s", kind, lang, r.Subject)
			}
		}
	}
}
