package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"marsad/survey/mailer/mailpittest"
)

// The mail scenario (--only mail, issue 18): 10,000 reminder-like messages
// queued at once in the outbox and delivered by the server's worker to a
// local SMTP server (Mailpit, the tests' one: survey/mailer/mailpittest
// builds it). Reported: messages per second from the moment they were
// queued to the last one recorded as sent, what Mailpit received (every
// message exactly once), and the pages' p50/p99 before and while the
// worker runs, read at the checks scenario's steady rate.
const (
	mailMessages  = 10000
	mailBaseline  = 10 * time.Second
	mailMaxWall   = 20 * time.Minute
	mailTargetMPS = 50
)

// mailJSON is the scenario's result, one JSON line on stdout.
type mailJSON struct {
	Scenario      string  `json:"scenario"`
	Messages      int     `json:"messages"`
	Workers       int     `json:"workers"`
	WallS         float64 `json:"wall_s"`
	PerS          float64 `json:"messages_per_s"`
	Sent          int     `json:"sent"`
	Failed        int     `json:"failed"`
	Received      int     `json:"received_by_smtp"`
	Duplicates    int     `json:"duplicates"`
	BaselineP50Ms float64 `json:"page_p50_before_ms"`
	BaselineP99Ms float64 `json:"page_p99_before_ms"`
	DuringP50Ms   float64 `json:"page_p50_during_ms"`
	DuringP99Ms   float64 `json:"page_p99_during_ms"`
	PageErrors    int     `json:"page_errors"`
	Target        string  `json:"target"`
	Met           bool    `json:"meets_target"`
}

// mailpit is a running Mailpit.
type mailpit struct {
	cmd        *exec.Cmd
	smtp, http int
	done       chan struct{}
}

func startMailpit(dir string) (*mailpit, error) {
	bin, err := mailpittest.Build()
	if err != nil {
		return nil, err
	}
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "mailpit.log")) // #nosec G304 -- the tool's own temporary directory
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--smtp", net.JoinHostPort(host, strconv.Itoa(smtpPort)), // #nosec G204 -- the binary mailpittest built, fixed flags
		"--listen", net.JoinHostPort(host, strconv.Itoa(httpPort)), "--database", filepath.Join(dir, "mailpit.db"),
		"--max", "0", "--smtp-disable-rdns", "--disable-version-check", "--quiet")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m := &mailpit{cmd: cmd, smtp: smtpPort, http: httpPort, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(m.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := m.total(context.Background()); err == nil {
			return m, nil
		}
		if time.Now().After(deadline) {
			m.stop()
			return nil, errors.New("mailpit did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (m *mailpit) stop() {
	_ = m.cmd.Process.Kill()
	<-m.done
}

func (m *mailpit) get(ctx context.Context, path string, v any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, strconv.Itoa(m.http))+path, nil)
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("mailpit %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (m *mailpit) total(ctx context.Context) (int, error) {
	var page struct{ Total int }
	err := m.get(ctx, "/api/v1/messages?limit=1", &page)
	return page.Total, err
}

// distinct counts the distinct Message-IDs received.
func (m *mailpit) distinct(ctx context.Context) (int, error) {
	seen := map[string]bool{}
	for start := 0; ; start += 1000 {
		var page struct {
			Messages []struct{ MessageID string }
		}
		if err := m.get(ctx, "/api/v1/messages?limit=1000&start="+strconv.Itoa(start), &page); err != nil {
			return 0, err
		}
		for _, x := range page.Messages {
			seen[x.MessageID] = true
		}
		if len(page.Messages) < 1000 {
			return len(seen), nil
		}
	}
}

// queueReminders writes n reminder-like messages into the outbox in one
// transaction, as the store would (a Message-ID each, due now).
func queueReminders(ctx context.Context, path string, n int) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var insts []int64
	rows, err := tx.QueryContext(ctx, "SELECT id FROM institutions ORDER BY id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return err
		}
		insts = append(insts, id)
	}
	_ = rows.Close()
	if len(insts) == 0 {
		return errors.New("no institutions")
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO outbox (kind, recipient, lang, institution_id, link, params, dedupe_key,
		message_id, status, next_attempt_at, created_at) VALUES ('reminder', ?, ?, ?, 'work', '{"state":"draft"}', ?, ?, 'queued', ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	b := make([]byte, 8)
	for i := range n {
		_, _ = rand.Read(b)
		lang := "ar"
		if i%5 == 0 {
			lang = "en"
		}
		if _, err := stmt.ExecContext(ctx, fmt.Sprintf("respondent%d@example.ps", i), lang, insts[i%len(insts)],
			fmt.Sprintf("bench:%d", i), fmt.Sprintf("bench.%d.%s@example.ps", i, hex.EncodeToString(b)), now, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// outboxState counts the outbox's messages by status, read-only.
func outboxState(ctx context.Context, path string) (sent, failed, pending int, err error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return 0, 0, 0, err
	}
	defer db.Close()
	err = db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),
		count(*) FILTER (WHERE status IN ('queued', 'sending')) FROM outbox`).Scan(&sent, &failed, &pending)
	return sent, failed, pending, err
}

// mailScenario runs the scenario and prints its result.
func mailScenario(ctx context.Context, bin, tmp string, stdout io.Writer, progress func(string, ...any)) error {
	dir := filepath.Join(tmp, "mail")
	if err := os.MkdirAll(dir, 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return err
	}
	progress("mail: building and starting Mailpit %s", mailpittest.Version)
	mp, err := startMailpit(dir)
	if err != nil {
		return err
	}
	defer mp.stop()
	db := filepath.Join(dir, "marsad.db")
	if err := prepareCatalogDB(ctx, db, 150, 500); err != nil {
		return fmt.Errorf("generate catalog: %w", err)
	}
	const workers = 2
	srv, err := startServer(ctx, bin, db, []string{"--smtp-host", host, "--smtp-port", strconv.Itoa(mp.smtp), "--smtp-tls", "none",
		"--mail-from", "marsad@example.ps", "--mail-workers", strconv.Itoa(workers), "--base-url", "https://marsad.example.ps"},
		filepath.Join(tmp, "logs", "mail.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, startTimeout); err != nil {
		return err
	}
	out := &mailJSON{Scenario: "mail", Messages: mailMessages, Workers: workers,
		Target: fmt.Sprintf("≥ %d messages/s; every message received once; page p99 during ≤ 1.5× before + 5 ms", mailTargetMPS)}
	if err := prime(ctx, srv.base, checksPages); err != nil {
		return err
	}
	progress("mail: pages before, %d a second for %s", checksPageRate, mailBaseline)
	stop := make(chan struct{})
	before := pacedPages(ctx, srv.base, stop)
	time.Sleep(mailBaseline)
	close(stop)
	b := <-before
	out.BaselineP50Ms, out.BaselineP99Ms, out.PageErrors = b.p50, b.p99, b.errors

	progress("mail: queueing %d messages", mailMessages)
	if err := queueReminders(ctx, db, mailMessages); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	start := time.Now()
	stop = make(chan struct{})
	during := pacedPages(ctx, srv.base, stop)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		<-tick.C
		sent, failed, pending, err := outboxState(ctx, db)
		if err != nil {
			close(stop)
			<-during
			return err
		}
		if pending == 0 {
			out.WallS = time.Since(start).Seconds()
			out.Sent, out.Failed = sent, failed
			break
		}
		if time.Since(lastReport) > 10*time.Second {
			progress("mail: %s, %d sent, %d failed, %d to go", time.Since(start).Round(time.Second), sent, failed, pending)
			lastReport = time.Now()
		}
		if time.Since(start) > mailMaxWall || !srv.alive() {
			close(stop)
			<-during
			return fmt.Errorf("not delivered in %s (server alive: %v)", mailMaxWall, srv.alive())
		}
	}
	close(stop)
	d := <-during
	out.DuringP50Ms, out.DuringP99Ms = d.p50, d.p99
	out.PageErrors += d.errors
	out.PerS = float64(out.Sent) / out.WallS
	if out.Received, err = mp.total(ctx); err != nil {
		return err
	}
	distinct, err := mp.distinct(ctx)
	if err != nil {
		return err
	}
	out.Duplicates = out.Received - distinct
	out.Met = out.PerS >= mailTargetMPS && out.Sent == mailMessages && out.Received == mailMessages && out.Duplicates == 0 &&
		out.DuringP99Ms <= 1.5*out.BaselineP99Ms+5
	if b, err := json.Marshal(out); err == nil {
		fmt.Fprintf(stdout, "%s\n", b)
	}
	fmt.Fprintf(stdout, "mail: %d messages queued at once, delivered by %d workers to Mailpit in %.1f s (%.0f messages/s); %d sent, %d failed, %d received, %d duplicates; page p50/p99 %.1f/%.1f ms before, %.1f/%.1f ms during; %d page errors; target met: %v\n",
		out.Messages, out.Workers, out.WallS, out.PerS, out.Sent, out.Failed, out.Received, out.Duplicates,
		out.BaselineP50Ms, out.BaselineP99Ms, out.DuringP50Ms, out.DuringP99Ms, out.PageErrors, out.Met)
	return nil
}
