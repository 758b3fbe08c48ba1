package handlers

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/mailer"
	"marsad/survey/mailer/mailpittest"
	"marsad/survey/sqlstore"
)

// startMail turns mail on in st and runs an outbox worker that renders with
// srv and sends to a fresh Mailpit (a real SMTP server), until the test
// ends. Tests of any kind of message use it (docs/mail.md).
func startMail(t *testing.T, srv *Server, st *sqlstore.Store) *mailpittest.Server {
	t.Helper()
	mp := mailpittest.Start(t)
	st.EnableMail("example.ps")
	sender, err := mailer.NewSender(mailer.Settings{Host: "127.0.0.1", Port: mp.SMTPPort, TLS: mailer.TLSNone,
		From: "marsad@example.ps", FromName: "مرصد", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w := &mailer.Worker{Store: st, Render: srv.RenderMail, Sender: sender, Poll: 20 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return mp
}

// mailTo is the one message that arrived for addr.
func mailTo(t *testing.T, mp *mailpittest.Server, addr string) mailpittest.Message {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var found []mailpittest.Summary
		for _, m := range mp.Messages(t) {
			for _, to := range m.To {
				if to.Address == addr {
					found = append(found, m)
				}
			}
		}
		if len(found) > 1 {
			t.Fatalf("%d messages to %s, want 1", len(found), addr)
		}
		if len(found) == 1 {
			return mp.Message(t, found[0].ID)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message to %s", addr)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func outboxFor(t *testing.T, st *sqlstore.Store, addr string) survey.OutboxMessage {
	t.Helper()
	p, err := st.OutboxPage(context.Background(), survey.OutboxFilter{}, 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Messages {
		if m.To == addr {
			return m
		}
	}
	t.Fatalf("no outbox message to %s", addr)
	return survey.OutboxMessage{}
}

// TestInvitationAndResetByMail: with mail configured, an invitation and a
// password reset reach a real SMTP server in the recipient's language, with
// the link shown once to the coordinator, the institution's name, a
// right-to-left HTML part in Arabic, and the Message-ID of the outbox.
func TestInvitationAndResetByMail(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	mp := startMail(t, srv, st)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	admin := newClient(t, ts)
	admin.signIn("ar", "admin@example.ps", survey.DemoPassword)
	ctx := context.Background()
	moh, err := st.Institution(ctx, "MOH")
	if err != nil {
		t.Fatal(err)
	}

	// An invitation in English, for a respondent of MOH.
	r := admin.post("/ar/admin/invitations", url.Values{"email": {"new.person@example.ps"}, "role": {"respondent"},
		"institution": {"MOH"}, "invite_lang": {"en"}}, "/ar/admin/invitations")
	assertStatus(t, r, http.StatusOK)
	link := regexp.MustCompile(`value="(http://marsad.test/ar/invite/([^"]+))"`).FindStringSubmatch(r.Body)
	if link == nil {
		t.Fatalf("no invitation link on the page:\n%.2000s", r.Body)
	}
	assertContains(t, r.Body, "/ar/admin/outbox")
	m := mailTo(t, mp, "new.person@example.ps")
	if m.Subject != srv.locales["en"].T("mail.invitation.subject") {
		t.Errorf("subject %q, want the English one", m.Subject)
	}
	wantLink := "http://marsad.test/en/invite/" + link[2]
	if !strings.Contains(m.Text, wantLink) || !strings.Contains(html.UnescapeString(m.HTML), wantLink) {
		t.Errorf("the mail lacks the link %s:\n%s", wantLink, m.Text)
	}
	if !strings.Contains(m.HTML, `dir="ltr" lang="en"`) || !strings.Contains(m.Text, moh.NameEn) {
		t.Errorf("English mail: want ltr HTML and the institution's English name %q:\n%s", moh.NameEn, m.Text)
	}
	if want := outboxFor(t, st, "new.person@example.ps").MessageID; m.MessageID != want {
		t.Errorf("Message-ID %q, want the outbox's %q", m.MessageID, want)
	}
	// The link in the mail opens the invitation.
	anon := newClient(t, ts)
	assertStatus(t, anon.get("/en/invite/"+link[2]), http.StatusOK)

	// A password reset, in the user's language (Arabic, the default), from
	// an English page.
	var mohUser survey.User
	users, _ := st.ListUsers(ctx)
	for _, u := range users {
		if u.Email == "moh@example.ps" {
			mohUser = u
		}
	}
	r = admin.post("/en/admin/users/"+strconv.FormatInt(mohUser.ID, 10)+"/reset", url.Values{}, "/en/admin/users")
	assertStatus(t, r, http.StatusOK)
	token := regexp.MustCompile(`/en/reset/([^"]+)"`).FindStringSubmatch(r.Body)
	if token == nil {
		t.Fatalf("no reset link on the page:\n%.2000s", r.Body)
	}
	assertContains(t, r.Body, "/en/admin/outbox")
	m = mailTo(t, mp, "moh@example.ps")
	if m.Subject != srv.locales["ar"].T("mail.reset.subject") {
		t.Errorf("subject %q, want the Arabic one", m.Subject)
	}
	if !strings.Contains(m.HTML, `dir="rtl" lang="ar"`) || !strings.Contains(m.Text, "http://marsad.test/ar/reset/"+token[1]) {
		t.Errorf("Arabic reset mail: want rtl HTML and the link:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, srv.locales["ar"].T("mail.reset.why")) {
		t.Errorf("no footer saying why:\n%s", m.Text)
	}
	if strings.Contains(m.HTML, "<script") || strings.Contains(m.HTML, "src=") || strings.Contains(m.HTML, "<link") {
		t.Errorf("the HTML part loads something:\n%s", m.HTML)
	}
	// The outbox keeps what was sent, the link masked.
	sent := outboxFor(t, st, "moh@example.ps")
	full, err := st.OutboxMessage(ctx, sent.ID)
	if err != nil {
		t.Fatal(err)
	}
	for full.Status != survey.MailSent {
		time.Sleep(20 * time.Millisecond)
		full, _ = st.OutboxMessage(ctx, sent.ID)
	}
	if strings.Contains(full.Text, token[1]) || !strings.Contains(full.Text, "/ar/reset/********") {
		t.Errorf("stored copy shows the token or lacks the masked link:\n%s", full.Text)
	}
	page := admin.get("/en/admin/outbox/" + strconv.FormatInt(sent.ID, 10))
	assertStatus(t, page, http.StatusOK)
	if strings.Contains(page.Body, token[1]) {
		t.Error("the outbox page shows the reset token")
	}
	assertContains(t, page.Body, full.MessageID, html.EscapeString(srv.locales["en"].T("outbox.resend_secret")))
}

// TestOutboxPage: the coordinator sees queued and failed messages with
// the reason, filters by status, and resends a failed one (POST, CSRF);
// without mail configured the page says so.
func TestOutboxPage(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	admin := newClient(t, ts)
	admin.signIn("en", "admin@example.ps", survey.DemoPassword)
	ctx := context.Background()

	r := admin.get("/en/admin/outbox")
	assertStatus(t, r, http.StatusOK)
	notConfigured := html.EscapeString(srv.locales["en"].T("outbox.not_configured"))
	assertContains(t, r.Body, notConfigured, srv.locales["en"].T("outbox.none"))
	board := "/en/admin/rounds/" + strconv.FormatInt(openRoundID(t, st), 10)
	assertContains(t, admin.get(board).Body, notConfigured)
	inv := admin.get("/en/admin/invitations")
	if strings.Contains(inv.Body, `name="invite_lang"`) {
		t.Error("the invitation form asks for a mail language with mail off")
	}

	st.EnableMail("example.ps")
	for _, addr := range []string{"fails@example.ps", "waits@example.ps"} {
		if _, _, err := st.CreateInvitation(ctx, 0, survey.InvitationInput{Email: addr, Role: survey.RoleViewer}); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := st.ClaimMail(ctx, 1, time.Minute)
	if err != nil || len(claimed) != 1 || claimed[0].To != "fails@example.ps" {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := st.MarkMailFailed(ctx, claimed[0].ID, 1, survey.RenderedMail{}, "550 5.1.1 <fails@example.ps>: mailbox unavailable", true); err != nil {
		t.Fatal(err)
	}
	r = admin.get("/en/admin/outbox")
	assertContains(t, r.Body, "fails@example.ps", "waits@example.ps", "mailbox unavailable")
	if strings.Contains(r.Body, notConfigured) {
		t.Error("the page says mail is not configured with mail on")
	}
	if strings.Contains(admin.get(board).Body, notConfigured) {
		t.Error("the board says mail is not configured with mail on")
	}
	r = admin.get("/en/admin/outbox?status=failed")
	assertContains(t, r.Body, "fails@example.ps")
	if strings.Contains(r.Body, "waits@example.ps") {
		t.Error("the failed filter shows a queued message")
	}
	if !strings.Contains(admin.get("/en/admin/invitations").Body, `name="invite_lang"`) {
		t.Error("the invitation form does not ask for the mail's language with mail on")
	}

	msg := "/en/admin/outbox/" + strconv.FormatInt(claimed[0].ID, 10)
	assertContains(t, admin.get(msg).Body, "mailbox unavailable", "/resend")
	// No CSRF token: refused, nothing changes.
	assertStatus(t, admin.post(msg+"/resend", url.Values{}, ""), http.StatusForbidden)
	if m, _ := st.OutboxMessage(ctx, claimed[0].ID); m.Status != survey.MailFailed {
		t.Fatalf("status %s after a refused resend", m.Status)
	}
	r = admin.post(msg+"/resend", url.Values{}, msg)
	assertStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != msg+"?done=resent" {
		t.Errorf("redirect to %q", loc)
	}
	m, _ := st.OutboxMessage(ctx, claimed[0].ID)
	if m.Status != survey.MailQueued || m.Attempts != 0 || m.MessageID != claimed[0].MessageID {
		t.Errorf("after resend: %s, %d attempts, %s (was %s)", m.Status, m.Attempts, m.MessageID, claimed[0].MessageID)
	}
	assertContains(t, admin.get(msg+"?done=resent").Body, srv.locales["en"].T("outbox.resent"))
	// A queued message cannot be resent.
	r = admin.post(msg+"/resend", url.Values{}, msg)
	if loc := r.Header.Get("Location"); loc != msg+"?error=not_resendable" {
		t.Errorf("resending a queued message: redirect to %q", loc)
	}
	// Arabic page, and a respondent is refused.
	assertStatus(t, admin.get("/ar/admin/outbox"), http.StatusOK)
	moh := newClient(t, ts)
	moh.signIn("ar", "moh@example.ps", survey.DemoPassword)
	assertStatus(t, moh.get("/ar/admin/outbox"), http.StatusForbidden)
	assertStatus(t, moh.post(msg+"/resend", url.Values{}, "/ar/work"), http.StatusForbidden)
	assertStatus(t, admin.get("/en/admin/outbox/999999"), http.StatusNotFound)
}

// TestMailTemplates: every kind with templates renders in both languages,
// with no missing translation.
func TestMailTemplates(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	kinds, err := mailKinds()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := kinds[survey.MailInvitation]; !ok {
		t.Fatal("no invitation templates")
	}
	for kind := range kinds {
		for _, lang := range Languages {
			r, err := srv.RenderMail(context.Background(), survey.OutboxMessage{Kind: kind, Lang: lang, To: "x@example.ps",
				Link: "invite/" + survey.SecretMark, Secret: "TOKEN", InstitutionNameAr: "وزارة", InstitutionNameEn: "Ministry",
				InstitutionCode: "M", RoundName: "2026", Deadline: "2026-12-31",
				Params: map[string]string{"role": "viewer", "expires": "2026-12-14T08:00:00.000Z", "name": "اسم"}})
			if err != nil {
				t.Fatalf("%s %s: %v", kind, lang, err)
			}
			// Only the mail keys: other kinds' templates may want
			// parameters this test does not give.
			for _, part := range []string{r.Subject, r.Text, r.HTML} {
				if strings.Contains(part, "⟦mail.") {
					t.Errorf("%s %s: missing translation in %q", kind, lang, part)
				}
			}
			if !strings.Contains(r.Text, "/"+lang+"/invite/TOKEN") {
				t.Errorf("%s %s: no link in the text part", kind, lang)
			}
		}
	}
}
