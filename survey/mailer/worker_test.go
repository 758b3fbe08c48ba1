package mailer_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/mailer"
	"marsad/survey/mailer/mailpittest"
	"marsad/survey/sqlstore"
)

// clock is a test's time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t *testing.T, now func() time.Time) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), sqlstore.Options{BcryptCost: 4, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	st.EnableMail("example.ps")
	return st
}

// render is a stand-in for the web layer's templates: the worker's part is
// what is tested here (handlers test the templates).
func render(_ context.Context, m survey.OutboxMessage) (survey.RenderedMail, error) {
	return survey.RenderedMail{Subject: "رسالة " + string(m.Kind), Text: "نص " + m.To + " " + m.Secret, HTML: "<p>" + m.To + "</p>"}, nil
}

func settings(port int) mailer.Settings {
	return mailer.Settings{Host: "127.0.0.1", Port: port, TLS: mailer.TLSNone, From: "marsad@example.ps", FromName: "مرصد",
		Timeout: 5 * time.Second}
}

// runWorker runs a worker until the test ends.
func runWorker(t *testing.T, st *sqlstore.Store, port int) *mailer.Worker {
	t.Helper()
	sender, err := mailer.NewSender(settings(port))
	if err != nil {
		t.Fatal(err)
	}
	w := &mailer.Worker{Store: st, Render: render, Sender: sender, Poll: 20 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// reset queues a password reset message for a new account.
func reset(t *testing.T, st *sqlstore.Store, email string) {
	t.Helper()
	ctx := context.Background()
	admin := survey.Actor{Role: survey.RoleAdmin}
	u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: email, Name: "اسم", Role: survey.RoleViewer, Password: "a-long-password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePasswordReset(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, st *sqlstore.Store) []survey.OutboxMessage {
	t.Helper()
	p, err := st.OutboxPage(context.Background(), survey.OutboxFilter{}, 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	return p.Messages
}

func waitStatus(t *testing.T, st *sqlstore.Store, id int64, want string) survey.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		m, err := st.OutboxMessage(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status == want {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d: status %s (attempts %d, %q), want %s", id, m.Status, m.Attempts, m.LastError, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeliveredToRealSMTP: queued messages reach a real SMTP server once,
// with the Message-ID given at enqueue, and are recorded as sent with
// their secret cleared and masked in the stored copy.
func TestDeliveredToRealSMTP(t *testing.T) {
	mp := mailpittest.Start(t)
	st := openStore(t, nil)
	reset(t, st, "one@example.ps")
	reset(t, st, "two@example.ps")
	runWorker(t, st, mp.SMTPPort)
	got := mp.WaitFor(t, 2, 15*time.Second)
	msgs := outbox(t, st)
	if len(got) != 2 || len(msgs) != 2 {
		t.Fatalf("%d arrived, %d in the outbox, want 2", len(got), len(msgs))
	}
	ids := map[string]bool{}
	for _, g := range got {
		ids[g.MessageID] = true
	}
	for _, m := range msgs {
		m = waitStatus(t, st, m.ID, survey.MailSent)
		if !ids[m.MessageID] {
			t.Errorf("message %s (%s) did not arrive with its Message-ID; arrived %v", m.To, m.MessageID, ids)
		}
		full, err := st.OutboxMessage(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(full.Text, "********") || full.Attempts != 1 {
			t.Errorf("stored copy %q, attempts %d: want the secret masked, 1 attempt", full.Text, full.Attempts)
		}
	}
	// The secret reached the recipient and is gone from the database.
	full := mp.Message(t, got[0].ID)
	if strings.Contains(full.Text, "********") || !strings.Contains(full.Text, "نص") {
		t.Errorf("delivered text %q", full.Text)
	}
	if n := secretsLeft(t, st); n != 0 {
		t.Errorf("%d secrets left in the outbox after sending", n)
	}
	h := mp.Headers(t, got[0].ID)
	if h["Auto-Submitted"] == nil || h["Content-Language"] == nil {
		t.Errorf("headers %v: want Auto-Submitted and Content-Language", h)
	}
}

func secretsLeft(t *testing.T, st *sqlstore.Store) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+st.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM outbox WHERE secret IS NOT NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestQueuedWhileServerDown: a message queued while the SMTP server is
// down fails its attempt, waits its back-off, and is delivered once after
// the server starts.
func TestQueuedWhileServerDown(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	st := openStore(t, clk.now)
	smtpPort, httpPort := mailpittest.FreePort(t), mailpittest.FreePort(t)
	reset(t, st, "late@example.ps")
	id := outbox(t, st)[0].ID
	w := runWorker(t, st, smtpPort)
	// The first attempt fails: nothing listens.
	m := waitStatus(t, st, id, survey.MailQueued)
	for m.Attempts == 0 {
		time.Sleep(20 * time.Millisecond)
		m = waitStatus(t, st, id, survey.MailQueued)
	}
	if m.Attempts != 1 || m.LastError == "" || !m.NextAttemptAt.Equal(clk.now().Add(time.Minute)) {
		t.Fatalf("after a failed attempt: attempts %d, error %q, next %v", m.Attempts, m.LastError, m.NextAttemptAt)
	}
	// The server starts; nothing is tried before the back-off ends.
	mp := mailpittest.StartOn(t, smtpPort, httpPort)
	time.Sleep(200 * time.Millisecond)
	if n := mp.Count(t); n != 0 {
		t.Fatalf("%d messages sent before the back-off ended", n)
	}
	clk.add(time.Minute)
	waitStatus(t, st, id, survey.MailSent)
	time.Sleep(200 * time.Millisecond) // a second copy would have arrived by now
	if n := mp.Count(t); n != 1 {
		t.Fatalf("%d copies delivered, want 1", n)
	}
	if w.Sent() != 1 || w.Failed() != 1 {
		t.Errorf("worker counted %d sent, %d failed; want 1 and 1", w.Sent(), w.Failed())
	}
}

// TestBackoffThenFailed: a message whose every attempt fails follows the
// schedule and ends failed, with its reason; a resend queues it again.
func TestBackoffThenFailed(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	st := openStore(t, clk.now)
	reset(t, st, "never@example.ps")
	id := outbox(t, st)[0].ID
	ctx := context.Background()
	for i, wait := range survey.MailBackoff {
		claimed, err := st.ClaimMail(ctx, 10, time.Minute)
		if err != nil || len(claimed) != 1 || claimed[0].Attempts != i+1 {
			t.Fatalf("attempt %d: claimed %v, %v", i+1, claimed, err)
		}
		if claimed[0].Secret == "" {
			t.Fatal("a claimed reset has no secret to render")
		}
		if err := st.MarkMailFailed(ctx, id, i+1, survey.RenderedMail{}, "421 try later", false); err != nil {
			t.Fatal(err)
		}
		m, _ := st.OutboxMessage(ctx, id)
		if m.Status != survey.MailQueued || !m.NextAttemptAt.Equal(clk.now().Add(wait)) {
			t.Fatalf("after attempt %d: %s next %v, want queued after %v", i+1, m.Status, m.NextAttemptAt, wait)
		}
		if again, _ := st.ClaimMail(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed again before the back-off ended")
		}
		clk.add(wait)
	}
	claimed, _ := st.ClaimMail(ctx, 10, time.Minute)
	if len(claimed) != 1 {
		t.Fatal("last attempt not claimed")
	}
	// A stale claim's result changes nothing.
	if err := st.MarkMailSent(ctx, id, 1, survey.RenderedMail{Subject: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkMailFailed(ctx, id, survey.MaxMailAttempts(), survey.RenderedMail{}, "421 try later", false); err != nil {
		t.Fatal(err)
	}
	m, _ := st.OutboxMessage(ctx, id)
	if m.Status != survey.MailFailed || m.LastError != "421 try later" || m.Attempts != survey.MaxMailAttempts() {
		t.Fatalf("after the last attempt: %+v", m)
	}
	if err := st.ResendMail(ctx, survey.Actor{Role: survey.RoleViewer}, id); err == nil {
		t.Fatal("a viewer resent a message")
	}
	if err := st.ResendMail(ctx, survey.Actor{Role: survey.RoleAdmin}, id); err != nil {
		t.Fatal(err)
	}
	m, _ = st.OutboxMessage(ctx, id)
	if m.Status != survey.MailQueued || m.Attempts != 0 {
		t.Fatalf("after resend: %s, %d attempts", m.Status, m.Attempts)
	}
	claimed, _ = st.ClaimMail(ctx, 10, time.Minute)
	if len(claimed) != 1 || claimed[0].Secret == "" {
		t.Fatal("a resent reset lost its secret")
	}
}

// TestLeaseExpiry: a message left 'sending' (its process died) is claimed
// again only after its lease, with the same Message-ID.
func TestLeaseExpiry(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	st := openStore(t, clk.now)
	reset(t, st, "crash@example.ps")
	ctx := context.Background()
	first, _ := st.ClaimMail(ctx, 10, 5*time.Minute)
	if len(first) != 1 {
		t.Fatal("not claimed")
	}
	clk.add(4 * time.Minute)
	if again, _ := st.ClaimMail(ctx, 10, 5*time.Minute); len(again) != 0 {
		t.Fatal("claimed again within the lease")
	}
	clk.add(time.Minute)
	again, _ := st.ClaimMail(ctx, 10, 5*time.Minute)
	if len(again) != 1 || again[0].MessageID != first[0].MessageID || again[0].Attempts != 2 {
		t.Fatalf("after the lease: %+v", again)
	}
}

// TestMailOffQueuesNothing: without mail configured nothing is queued;
// with it, a dedupe key queues one message only, and an optional kind is
// not queued for a user who turned optional mail off (checked in the
// store's own tests through enqueueMail's callers).
func TestMailOffQueuesNothing(t *testing.T) {
	st := openStore(t, nil)
	st.EnableMail("")
	reset(t, st, "off@example.ps")
	if n := len(outbox(t, st)); n != 0 {
		t.Fatalf("%d messages queued with mail off", n)
	}
}
