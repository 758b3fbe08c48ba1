//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"marsad/survey"
	"marsad/survey/mailer/mailpittest"
	"marsad/survey/sqlstore"
)

// TestMailCrashBetweenSendAndRecord (issue 18): the real binary, built
// with the crash hook (-tags marsadcrash), exits right after the SMTP
// server accepted a message and before 'sent' was recorded; restarted, it
// sends that message once more when its lease ends, and every other once.
// Counted in a real SMTP server (Mailpit): exactly two copies of that
// message, both with the same Message-ID; one of every other.
func TestMailCrashBetweenSendAndRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	mp := mailpittest.Start(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	const n = 5
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db, sqlstore.Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	st.EnableMail("example.ps")
	for i := range n {
		u, err := st.CreateUser(ctx, 0, survey.NewUser{Email: fmt.Sprintf("crash%d@example.ps", i), Name: "اسم",
			Role: survey.RoleViewer, Password: "a-long-password"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreatePasswordReset(ctx, survey.Actor{Role: survey.RoleAdmin}, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	bin := filepath.Join(dir, "marsad-crash")
	build := exec.Command("go", "build", "-tags", "nomsgpack,marsadcrash", "-o", bin, ".")
	build.Env = marsadEnv()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	serve := func(name string, crash bool) *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--db", db, "--addr", freeAddr(t), "--log-level", "warn",
			"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(mp.SMTPPort), "--smtp-tls", "none",
			"--mail-from", "marsad@example.ps", "--mail-workers", "1", "--mail-lease", "2s")
		cmd.Env = marsadEnv()
		if crash {
			cmd.Env = append(cmd.Env, "MARSAD_TEST_EXIT_AFTER_SEND=1")
		}
		logf, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}

	t.Logf("built with the crash hook in %v", time.Since(start).Round(time.Millisecond))
	// First run: it dies right after the first message was accepted.
	first := serve("first", true)
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Fatalf("first run ended with %v, want exit status 3 from the crash hook", err)
		}
	case <-time.After(60 * time.Second):
		_ = first.Process.Kill()
		t.Fatal("the first run did not crash after sending")
	}
	if c := mp.Count(t); c != 1 {
		t.Fatalf("%d messages delivered before the crash, want 1", c)
	}
	crashedID := mp.Messages(t)[0].MessageID

	// Second run: everything goes, the crashed message again after its
	// lease (2 s).
	second := serve("second", false)
	stopped := make(chan error, 1)
	go func() { stopped <- second.Wait() }()
	defer func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		select {
		case <-stopped:
		case <-time.After(20 * time.Second):
			_ = second.Process.Kill()
		}
	}()
	mp.WaitFor(t, n+1, 60*time.Second)
	time.Sleep(3 * time.Second) // a further copy (a third, or another's second) would arrive by now
	msgs := mp.Messages(t)
	copies := map[string]int{}
	for _, m := range msgs {
		copies[m.MessageID]++
	}
	if len(msgs) != n+1 || len(copies) != n {
		t.Fatalf("%d deliveries of %d messages, want %d of %d: %v", len(msgs), len(copies), n+1, n, copies)
	}
	for id, c := range copies {
		want := 1
		if id == crashedID {
			want = 2
		}
		if c != want {
			t.Errorf("message %s delivered %d times, want %d", id, c, want)
		}
	}

	// Everything is recorded as sent.
	_ = second.Process.Signal(syscall.SIGTERM)
	<-stopped
	st, err = sqlstore.Open(ctx, db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	counts, err := st.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[survey.MailSent] != n {
		t.Errorf("outbox %v, want %d sent", counts, n)
	}
	// The crashed message was tried twice; the others, claimed in the
	// same batch before the crash, once or twice (a claim counts).
	p, _ := st.OutboxPage(ctx, survey.OutboxFilter{}, 1, 10)
	for _, m := range p.Messages {
		if (m.MessageID == crashedID && m.Attempts != 2) || m.Attempts < 1 || m.Attempts > 2 {
			t.Errorf("%s: %d attempts recorded", m.To, m.Attempts)
		}
	}
}
