package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
	"marsad/survey/sqlstore/pgtest"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestVersion(t *testing.T) {
	out, err := runCmd(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "marsad ") {
		t.Fatalf("version: %q, %v", out, err)
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, err := runCmd(t, "", "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestMigrateUserAddAndBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sub", "m.db")
	out, err := runCmd(t, "", "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "schema version ") {
		t.Fatalf("migrate: %q, %v", out, err)
	}
	if _, err := runCmd(t, "", "user", "add", "--db", db, "--email", "a@b.ps", "--role", "admin", "--password", "x"); err == nil {
		t.Error("user add accepted a password flag instead of --password-stdin")
	}
	if _, err := runCmd(t, "short\n", "user", "add", "--db", db, "--email", "a@b.ps", "--role", "admin", "--password-stdin"); err == nil {
		t.Error("user add accepted a short password")
	}
	if _, err := runCmd(t, "long-enough-password\n", "user", "add", "--db", db, "--email", "r@b.ps", "--role", "respondent", "--institution", "MOH", "--password-stdin"); err == nil {
		t.Error("user add accepted a respondent of an unknown institution")
	}
	out, err = runCmd(t, "long-enough-password\n", "user", "add", "--db", db, "--email", "Coordinator@MTDE.ps", "--role", "admin", "--password-stdin")
	if err != nil || !strings.Contains(out, "created coordinator@mtde.ps (admin)") {
		t.Fatalf("user add: %q, %v", out, err)
	}

	dest := filepath.Join(dir, "backup.db")
	out, err = runCmd(t, "", "backup", dest, "--db", db)
	if err != nil {
		t.Fatalf("backup: %q, %v", out, err)
	}
	if _, err := runCmd(t, "", "backup", "--db", db, dest); err == nil {
		t.Error("backup overwrote an existing file")
	}
	st, err := sqlstore.Open(context.Background(), dest, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Authenticate(context.Background(), "coordinator@mtde.ps", "long-enough-password"); err != nil {
		t.Errorf("backup lacks the account: %v", err)
	}
	raw, _ := sql.Open("sqlite3", sqlstore.DSN(dest, true))
	defer raw.Close()
	var check string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
}

// TestServePrintsSetupLinkAndShutsDown starts the real server on an empty
// database: it must print the one-time setup link and stop cleanly when its
// context ends (as on SIGTERM).
func TestServePrintsSetupLinkAndShutsDown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, strings.NewReader(""), &out, &errOut)
	}()
	// Wait until the server says it listens, then stop it.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(errOut.String(), "marsad listening") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not start:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(out.String(), "/ar/setup?token=") {
		t.Errorf("no setup link printed:\n%s", out.String())
	}
	if strings.Contains(errOut.String(), "token=") {
		t.Error("the setup token went into the log")
	}
}

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestImportCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	inst := filepath.Join(dir, "i.csv")
	_ = os.WriteFile(inst, []byte("code,name_ar,name_en,kind,sector,region\nMOH,وزارة الصحة,Ministry of Health,ministry,health,national\n"), 0o644)
	out, err := runCmd(t, "", "import", "institutions", "--db", db, inst)
	if err != nil || !strings.Contains(out, "1 created") {
		t.Fatalf("import institutions: %q, %v", out, err)
	}
	st, err := sqlstore.Open(context.Background(), db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.StoreQuestionnaireJSON(context.Background(), 0, data.DefaultQuestionnaire)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := st.CreateRound(context.Background(), 0, survey.RoundInput{Name: "2026", QuestionnaireID: q.ID})
	_, _ = st.RoundAction(context.Background(), 0, r.ID, "open")
	st.Close()
	answers := filepath.Join(dir, "a.csv")
	_ = os.WriteFile(answers, []byte("institution_code,question_id,value\nMOH,STR-1,2\nMOH,NOPE,1\n"), 0o644)
	if out, err := runCmd(t, "", "import", "answers", "--db", db, "--round", strconv.FormatInt(r.ID, 10), answers); err == nil || !strings.Contains(out, "line 3") {
		t.Errorf("bad answers file: %q, %v", out, err)
	}
	_ = os.WriteFile(answers, []byte("institution_code,question_id,value\nMOH,STR-1,2\n"), 0o644)
	if out, err := runCmd(t, "", "import", "answers", "--db", db, "--round", strconv.FormatInt(r.ID, 10), answers); err != nil || !strings.Contains(out, "1 imported") {
		t.Errorf("answers: %q, %v", out, err)
	}
}

// TestShutdownCutsOffALateRequest: a request still running when the grace
// period ends is cut off, and serve still returns nil (exit status 0): the
// stop asked for happened.
func TestShutdownCutsOffALateRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	grace := shutdownGrace
	shutdownGrace = 300 * time.Millisecond
	defer func() { shutdownGrace = grace }()
	db := filepath.Join(t.TempDir(), "m.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", db}, strings.NewReader(""), &out, &errOut)
	}()
	listening := regexp.MustCompile(`"marsad listening" addr=(\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	var addr string
	for addr == "" {
		if m := listening.FindStringSubmatch(errOut.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A sign-in whose body never finishes arriving keeps its request open.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /ar/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=", addr)
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after cutting off a late request", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(errOut.String(), "cut off") {
		t.Errorf("the request was not still running at the end of the grace period, so this proves nothing:\n%s", errOut.String())
	}
}

// TestSlowClientsAreCutOff: a client that opens a connection and sends
// its request line but never the rest of its headers (a slow-loris) is
// disconnected by the server, so such clients cannot hold connections open.
func TestSlowClientsAreCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	db := filepath.Join(t.TempDir(), "m.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--max-conns", "8", "--db", db}, strings.NewReader(""), &out, &errOut)
	}()
	listening := regexp.MustCompile(`"marsad listening" addr=(\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	var addr string
	for addr == "" {
		if m := listening.FindStringSubmatch(errOut.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n", addr)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server kept a connection whose headers never ended for 30 s")
			}
			break // closed by the server, perhaps after a 408
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestBackupOnPostgres: on PostgreSQL, `marsad backup` copies nothing,
// says that pg_dump is the tool and prints the command, without the
// password; it fails, so that a script does not take it for a backup.
func TestBackupOnPostgres(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"backup", "--db", "postgres://marsad:s3cret@db.example:5432/marsad?sslmode=require", "/backups/marsad.dump"},
		strings.NewReader(""), &out, &errOut)
	if err == nil {
		t.Fatal("backup on PostgreSQL succeeded; want an error pointing to pg_dump")
	}
	want := "pg_dump --format=custom --file=/backups/marsad.dump 'postgres://marsad@db.example:5432/marsad?sslmode=require'\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "pg_dump") || strings.Contains(out.String()+errOut.String()+err.Error(), "s3cret") {
		t.Errorf("explanation %q, error %v: want pg_dump named and the password nowhere", errOut.String(), err)
	}
}

// TestMigrateOnPostgres: `marsad migrate` takes a PostgreSQL URL, applies
// the migrations and names the database without its password.
func TestMigrateOnPostgres(t *testing.T) {
	db := pgtest.NewDatabase(t, "")
	out, err := runCmd(t, "", "migrate", "--db", db)
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if !strings.Contains(out, "schema version") {
		t.Errorf("migrate said %q", out)
	}
	if u, _ := url.Parse(db); u != nil {
		if pw, ok := u.User.Password(); ok && strings.Contains(out, ":"+pw+"@") {
			t.Errorf("migrate printed the password: %q", out)
		}
	}
}
