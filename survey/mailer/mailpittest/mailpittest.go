// Package mailpittest starts a real SMTP server for tests: Mailpit
// (github.com/axllent/mailpit v1.33.1), built from the small module in
// ./tool (its own go.mod, so that Mailpit's dependencies never move the
// main module's) once per machine and kept in the user's cache directory.
// Tests read what arrived through Mailpit's HTTP API.
//
//	mp := mailpittest.Start(t)          // SMTP on mp.SMTPPort, no TLS, no auth
//	... configure the mailer with mp.Settings() ...
//	msgs := mp.WaitFor(t, 1, 10*time.Second)
//	full := mp.Message(t, msgs[0].ID)   // Text, HTML, headers
package mailpittest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Version is the Mailpit the tests use (./tool/go.mod).
const Version = "v1.33.1"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary is the path of the Mailpit binary, built on first use: from the
// Go build cache and module cache after the first time (CI needs only the
// Go module proxy).
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := Build()
	if err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	return bin
}

// Build is Binary for programs that are not tests (bench --only mail).
func Build() (string, error) {
	buildOnce.Do(func() { binPath, buildErr = build() })
	return binPath, buildErr
}

func build() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("no source path")
	}
	toolDir := filepath.Join(filepath.Dir(file), "tool")
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		cacheDir = os.TempDir()
	}
	dir := filepath.Join(cacheDir, "marsad-test")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mailpit-"+Version)
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	// Built under a temporary name and renamed: test binaries of several
	// packages may build it at once.
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, "github.com/axllent/mailpit") // #nosec G204 -- fixed arguments
	cmd.Dir = toolDir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build mailpit: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// Server is one running Mailpit.
type Server struct {
	SMTPPort int
	HTTPPort int
	cmd      *exec.Cmd
	done     chan struct{}
}

// FreePort is a TCP port free on 127.0.0.1 a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start starts Mailpit on free ports and stops it at the end of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartOn(t, FreePort(t), FreePort(t))
}

// StartOn starts Mailpit on the given ports (a test that starts it late,
// after the mailer was told where it would be).
func StartOn(t testing.TB, smtpPort, httpPort int) *Server {
	t.Helper()
	bin := Binary(t)
	s := &Server{SMTPPort: smtpPort, HTTPPort: httpPort, done: make(chan struct{})}
	s.cmd = exec.Command(bin, // #nosec G204 -- the binary built above, fixed flags
		"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--max", "0", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--smtp-disable-rdns",
		"--disable-version-check", "--quiet")
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.api("/readyz"))
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-s.done:
			t.Fatal("mailpit exited at start")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The SMTP port answers too.
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(smtpPort), time.Second)
		if err == nil {
			_ = c.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit's SMTP port did not open")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends Mailpit (its messages go with it).
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) api(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(s.HTTPPort) + path
}

// Address is a name and an address.
type Address struct {
	Name    string
	Address string
}

// Summary is a message as Mailpit lists it.
type Summary struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
}

// Message is one message in full.
type Message struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Text      string
	HTML      string
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.api(path))
	if err != nil {
		t.Fatalf("mailpit api %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit api %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit api %s: %v", path, err)
	}
}

// Messages are all the messages received, newest first.
func (s *Server) Messages(t testing.TB) []Summary {
	t.Helper()
	var out []Summary
	for start := 0; ; start += 1000 {
		var page struct {
			Total    int
			Messages []Summary
		}
		s.get(t, "/api/v1/messages?limit=1000&start="+strconv.Itoa(start), &page)
		out = append(out, page.Messages...)
		if len(page.Messages) < 1000 {
			return out
		}
	}
}

// Count is how many messages arrived.
func (s *Server) Count(t testing.TB) int {
	t.Helper()
	var page struct{ Total int }
	s.get(t, "/api/v1/messages?limit=1", &page)
	return page.Total
}

// Message is one message with its text and HTML parts.
func (s *Server) Message(t testing.TB, id string) Message {
	t.Helper()
	var m Message
	s.get(t, "/api/v1/message/"+id, &m)
	return m
}

// Headers are one message's headers.
func (s *Server) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	h := map[string][]string{}
	s.get(t, "/api/v1/message/"+id+"/headers", &h)
	return h
}

// WaitFor waits until at least n messages arrived and returns them all.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Summary {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if s.Count(t) >= n {
			return s.Messages(t)
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit: want %d messages, have %d after %s", n, s.Count(t), timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
