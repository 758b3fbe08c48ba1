//go:build unix

package main

// Durability tests of the real binary (issue 7, acceptance points 3 and 4):
// every autosave the server acknowledged must survive a kill -9, and a
// backup taken under write load must hold every save acknowledged before it
// began. Both build marsad with plain `go build`, run it as a separate
// process on loopback and talk to it only through the JSON API and the
// SQLite file.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"marsad/data"
)

const (
	crashClients  = 100
	backupClients = 30
	crashRuns     = 3
	demoPassword  = "marsad-demo"
	demoAdmin     = "admin@example.ps"
)

// TestCrashKeepsAcknowledgedSaves runs 100 autosaving clients against the
// real server, kills it with SIGKILL in the middle of the load, restarts it
// on the same file and checks that every save that got a 2xx is there.
func TestCrashKeepsAcknowledgedSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	seed := crashSeed(t)
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	bin := buildMarsad(t)
	for run := range crashRuns {
		// Each run gets its own band of the 0.4–2 s range, so the three
		// kills land at clearly different moments.
		band := 1.6 / crashRuns
		load := time.Duration((0.4 + band*(float64(run)+rng.Float64())) * float64(time.Second))
		runSeed := rng.Int64()
		t.Run(fmt.Sprintf("run%d", run+1), func(t *testing.T) {
			crashRun(t, bin, load, runSeed)
		})
	}
}

func crashRun(t *testing.T, bin string, load time.Duration, seed int64) {
	start := time.Now()
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")

	srv := startMarsad(t, bin, dir, "first", db, true)
	c := apiLogin(t, srv.base)
	roundID, pairs := prepareLoad(t, c)
	started := time.Since(start)

	acks := newAckLog()
	var stats loadStats
	var stopped atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := runLoad(ctx, c, roundID, pairs, crashClients, seed, acks, &stopped, &stats)
	time.Sleep(load)
	// The crash: no graceful shutdown, requests in flight.
	stopped.Store(true)
	srv.kill()
	cancel()
	wait()
	loadDone := time.Since(start)

	snap, total := acks.snapshot()
	t.Logf("load %v with %d clients on %d (institution, item) pairs: %d saves acknowledged (%.0f/s), %d pairs touched; %d requests cut by the kill",
		load.Round(time.Millisecond), crashClients, len(pairs), total, float64(total)/load.Seconds(), len(snap), stats.cut.Load())
	stats.check(t)
	if total == 0 {
		t.Fatal("no save was acknowledged before the kill: the test proved nothing")
	}

	srv2 := startMarsad(t, bin, dir, "restart", db, false)
	c2 := apiLogin(t, srv2.base)
	missing := verifyAcks(t, c2, roundID, snap)
	srv2.stop()
	check := integrityCheck(t, db)
	t.Logf("acknowledged %d saves (%d pairs), acknowledged but missing after kill -9 and restart: %d; integrity_check: %s; timings: start+prepare %v, load+kill %v, total %v",
		total, len(snap), missing, check, started.Round(time.Millisecond), (loadDone - started).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if missing != 0 {
		t.Errorf("%d acknowledged saves missing after the crash", missing)
	}
	if check != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, want ok", check)
	}
}

// TestBackupDuringWriteLoad takes `marsad backup` of the live database while
// 30 clients autosave, then serves the backup and checks that it is sound
// and holds every save acknowledged before the backup started.
func TestBackupDuringWriteLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	seed := crashSeed(t)
	start := time.Now()
	bin := buildMarsad(t)
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	dest := filepath.Join(dir, "backup.db")

	srv := startMarsad(t, bin, dir, "live", live, true)
	c := apiLogin(t, srv.base)
	roundID, pairs := prepareLoad(t, c)

	acks := newAckLog()
	var stats loadStats
	var stopped atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	wait := runLoad(ctx, c, roundID, pairs, backupClients, seed, acks, &stopped, &stats)
	defer func() { stopped.Store(true); cancel(); wait() }()

	time.Sleep(600 * time.Millisecond) // let the load build up
	snap, before := acks.snapshot()    // just before exec'ing the backup
	backupStart := time.Now()
	out, err := exec.Command(bin, "backup", "--db", live, dest).CombinedOutput()
	backupTook := time.Since(backupStart)
	if err != nil {
		t.Fatalf("marsad backup: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "backup written") {
		t.Errorf("marsad backup said %q", out)
	}
	_, during := acks.snapshot()
	time.Sleep(300 * time.Millisecond) // writes go on after the backup too
	stopped.Store(true)
	cancel()
	wait()
	_, after := acks.snapshot()
	stats.check(t)
	srv.stop()
	if before == 0 || during == before {
		t.Fatalf("acknowledged saves: %d before the backup, %d when it ended: the backup did not run under write load", before, during)
	}

	check := integrityCheck(t, dest)
	if check != "ok" {
		t.Errorf("PRAGMA integrity_check on the backup = %q, want ok", check)
	}
	srv2 := startMarsad(t, bin, dir, "backup", dest, false) // waits for /healthz 200
	c2 := apiLogin(t, srv2.base)
	missing := verifyAcks(t, c2, roundID, snap)
	srv2.stop()
	t.Logf("%d clients: %d saves acknowledged before the backup (%d pairs), %d while it ran (%v), %d in all; missing from the backup: %d; integrity_check: %s; total %v",
		backupClients, before, len(snap), during-before, backupTook.Round(time.Millisecond), after, missing, check, time.Since(start).Round(time.Millisecond))
	if missing != 0 {
		t.Errorf("%d saves acknowledged before the backup began are missing from it", missing)
	}
}

// crashSeed is MARSAD_CRASH_SEED when set (to repeat a run), else the clock.
func crashSeed(t *testing.T) int64 {
	seed := time.Now().UnixNano()
	if s := os.Getenv("MARSAD_CRASH_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("MARSAD_CRASH_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (MARSAD_CRASH_SEED=%d repeats the timings)", seed, seed)
	return seed
}

// built is the server binary, built once for all the tests of a run and
// removed by TestMain.
var built struct {
	once sync.Once
	dir  string
	bin  string
	took time.Duration
	err  error
}

// buildMarsad builds the server binary with plain go build (no -race) the
// first time a test asks for it, and returns its path.
func buildMarsad(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		start := time.Now()
		if built.dir, built.err = os.MkdirTemp("", "marsad-crash-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "marsad")
		cmd := exec.Command("go", "build", "-o", built.bin, ".")
		cmd.Env = marsadEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
		built.took = time.Since(start)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	t.Logf("server binary %s (go build took %v, once per run)", built.bin, built.took.Round(time.Millisecond))
	return built.bin
}

// TestMain removes the binary buildMarsad built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// marsadEnv is the environment without MARSAD_* settings, so that only the
// flags given decide how the server runs.
func marsadEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MARSAD_") {
			env = append(env, kv)
		}
	}
	return env
}

// marsadProc is a running server process.
type marsadProc struct {
	t       *testing.T
	cmd     *exec.Cmd
	base    string
	logPath string
	done    chan struct{}
	err     error // from Wait, once done is closed
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startMarsad starts `marsad serve` on a free loopback port and waits until
// /healthz answers 200. The process is killed when the test ends, if still
// running; on failure the end of its log is printed.
func startMarsad(t *testing.T, bin, dir, name, db string, demo bool) *marsadProc {
	t.Helper()
	addr := freeAddr(t)
	args := []string{"serve", "--db", db, "--addr", addr, "--log-level", "warn"}
	if demo {
		args = append(args, "--demo")
	}
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(bin, args...)
	cmd.Env = marsadEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start marsad: %v", err)
	}
	p := &marsadProc{t: t, cmd: cmd, base: "http://" + addr, logPath: logPath, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if p.running() {
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("marsad %s log (end):\n%s", name, p.logTail())
		}
	})

	start := time.Now()
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		if !p.running() {
			t.Fatalf("marsad %s exited before it was healthy: %v\n%s", name, p.err, p.logTail())
		}
		resp, err := hc.Get(p.base + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("marsad %s: /healthz not 200 after 30 s (last: %v)\n%s", name, err, p.logTail())
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Logf("marsad %s (pid %d, demo %v) healthy on %s in %v", name, cmd.Process.Pid, demo, addr, time.Since(start).Round(time.Millisecond))
	return p
}

func (p *marsadProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *marsadProc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// kill is kill -9: no shutdown, no checkpoint, nothing flushed.
func (p *marsadProc) kill() {
	p.t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		p.t.Fatalf("kill -9: %v", err)
	}
	<-p.done
}

// stop asks for a graceful shutdown (SIGTERM), as an operator would.
func (p *marsadProc) stop() {
	p.t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			p.t.Errorf("marsad did not stop cleanly: %v\n%s", p.err, p.logTail())
		}
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		p.t.Fatal("marsad did not stop within 20 s of SIGTERM")
	}
}

// apiClient calls the JSON API with a bearer token.
type apiClient struct {
	base  string
	token string
	hc    *http.Client
}

func apiLogin(t *testing.T, base string) *apiClient {
	t.Helper()
	c := &apiClient{base: base, hc: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second},
	}}
	t.Cleanup(c.hc.CloseIdleConnections)
	var out struct {
		Token string `json:"token"`
	}
	status, body, err := c.call(context.Background(), http.MethodPost, "/api/v1/auth/login",
		map[string]string{"email": demoAdmin, "password": demoPassword}, &out)
	if err != nil || status != http.StatusOK || out.Token == "" {
		t.Fatalf("login: %d %v %s", status, err, body)
	}
	c.token = out.Token
	return c
}

// call sends a JSON request and decodes a 2xx JSON answer into out.
func (c *apiClient) call(ctx context.Context, method, path string, in, out any) (int, []byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, b, err
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, b, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, b, nil
}

func (c *apiClient) mustGet(t *testing.T, path string, out any) {
	t.Helper()
	status, body, err := c.call(context.Background(), http.MethodGet, path, nil, out)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s: %d %v %.300s", path, status, err, body)
	}
}

// savedAnswer is the part of an answer the tests compare.
type savedAnswer struct {
	Values  []string `json:"values"`
	Comment string   `json:"comment"`
	Version int64    `json:"version"`
}

type responseBody struct {
	Status  string                 `json:"status"`
	Answers map[string]savedAnswer `json:"answers"`
}

// loadPair is one (institution, item) that exactly one client saves.
type loadPair struct {
	inst, item string
	typ        string
	options    []string // single and multi
	version    int64    // the version last got back (owned by one client)
}

func (p *loadPair) key() string { return p.inst + "/" + p.item }

// randomValues is a valid answer for the item.
func (p *loadPair) randomValues(r *rand.Rand) []string {
	switch p.typ {
	case "single":
		return []string{p.options[r.IntN(len(p.options))]}
	case "percent":
		return []string{strconv.Itoa(r.IntN(101))}
	}
	// multi: "none" alone, or some of the other options, in list order.
	var some []string
	for _, o := range p.options {
		if o != "none" && r.IntN(2) == 0 {
			some = append(some, o)
		}
	}
	if len(some) == 0 {
		return []string{"none"}
	}
	return some
}

// prepareLoad finds the open round, the institutions whose response can be
// edited and the items of the default questionnaire whose valid values the
// test can produce (single choice, multiple choice, percentage; no show_if).
func prepareLoad(t *testing.T, c *apiClient) (int64, []*loadPair) {
	t.Helper()
	var rounds struct {
		Rounds []struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"items"`
	}
	c.mustGet(t, "/api/v1/rounds?per_page=1000", &rounds)
	var roundID int64
	for _, r := range rounds.Rounds {
		if r.Status == "open" {
			roundID = r.ID
			break
		}
	}
	if roundID == 0 {
		t.Fatalf("no open round among %+v", rounds.Rounds)
	}

	var def struct {
		Items []struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			ShowIf  json.RawMessage `json:"show_if"`
			Options []struct {
				Value string `json:"value"`
			} `json:"options"`
		} `json:"items"`
	}
	if err := json.Unmarshal(data.DefaultQuestionnaire, &def); err != nil {
		t.Fatal(err)
	}
	type item struct {
		id, typ string
		options []string
	}
	var items []item
	for _, it := range def.Items {
		if len(it.ShowIf) > 0 && string(it.ShowIf) != "null" && string(it.ShowIf) != `""` {
			continue
		}
		switch it.Type {
		case "single", "multi", "percent":
			var opts []string
			for _, o := range it.Options {
				opts = append(opts, o.Value)
			}
			if it.Type != "percent" && len(opts) == 0 {
				continue
			}
			items = append(items, item{it.ID, it.Type, opts})
		}
	}

	var insts struct {
		Institutions []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	c.mustGet(t, "/api/v1/institutions?per_page=1000", &insts)
	var pairs []*loadPair
	editable := 0
	for _, in := range insts.Institutions {
		var resp responseBody
		c.mustGet(t, fmt.Sprintf("/api/v1/rounds/%d/responses/%s", roundID, in.Code), &resp)
		if resp.Status != "draft" && resp.Status != "returned" {
			continue // submitted or accepted: not editable
		}
		editable++
		for _, it := range items {
			pairs = append(pairs, &loadPair{inst: in.Code, item: it.id, typ: it.typ, options: it.options,
				version: resp.Answers[it.id].Version})
		}
	}
	t.Logf("round %d: %d institutions, %d editable, %d items usable, %d (institution, item) pairs",
		roundID, len(insts.Institutions), editable, len(items), len(pairs))
	if len(pairs) < crashClients {
		t.Fatalf("only %d (institution, item) pairs for %d clients: the demo data changed", len(pairs), crashClients)
	}
	return roundID, pairs
}

// ack is an acknowledged save: what the server answered with a 2xx.
type ack struct {
	values  []string
	comment string
	version int64
}

// ackLog keeps, for each pair, the acknowledged save with the highest version.
type ackLog struct {
	mu     sync.Mutex
	total  int
	latest map[string]ack
}

func newAckLog() *ackLog { return &ackLog{latest: map[string]ack{}} }

func (l *ackLog) add(key string, a ack) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total++
	if prev, ok := l.latest[key]; !ok || a.version >= prev.version {
		l.latest[key] = a
	}
}

func (l *ackLog) snapshot() (map[string]ack, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]ack, len(l.latest))
	for k, v := range l.latest {
		m[k] = v
	}
	return m, l.total
}

// loadStats counts what should not happen while the server is up, and the
// requests the kill cut.
type loadStats struct {
	conflicts, badStatus, transport, notNewer, cut atomic.Int64
	mu                                             sync.Mutex
	first                                          []string
}

func (s *loadStats) note(n *atomic.Int64, format string, args ...any) {
	n.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.first) < 5 {
		s.first = append(s.first, fmt.Sprintf(format, args...))
	}
}

func (s *loadStats) check(t *testing.T) {
	t.Helper()
	if n := s.conflicts.Load() + s.badStatus.Load() + s.transport.Load() + s.notNewer.Load(); n > 0 {
		t.Errorf("while the server was up: %d conflicts on pairs only one client saves, %d other non-2xx, %d transport errors, %d acks not newer than the last; first: %q",
			s.conflicts.Load(), s.badStatus.Load(), s.transport.Load(), s.notNewer.Load(), s.first)
	}
}

// runLoad starts clients that autosave their own pairs in a loop, each with
// the version it last got back, until ctx ends; wait waits for them. Errors
// after stopped is set are the ones the test caused (kill, cancel).
func runLoad(ctx context.Context, c *apiClient, roundID int64, pairs []*loadPair, clients int, seed int64,
	acks *ackLog, stopped *atomic.Bool, stats *loadStats) (wait func()) {
	var wg sync.WaitGroup
	for i := range clients {
		var own []*loadPair
		for j := i; j < len(pairs); j += clients {
			own = append(own, pairs[j])
		}
		if len(own) == 0 {
			continue
		}
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
			for seq := 0; ctx.Err() == nil; seq++ {
				p := own[r.IntN(len(own))]
				in := map[string]any{"values": p.randomValues(r), "na": false, "evidence": "",
					"comment": fmt.Sprintf("client %d save %d", i, seq), "version": p.version}
				path := fmt.Sprintf("/api/v1/rounds/%d/responses/%s/answers/%s", roundID, p.inst, p.item)
				var got savedAnswer
				status, body, err := c.call(ctx, http.MethodPut, path, in, &got)
				switch {
				case err == nil && status == http.StatusOK:
					if got.Version <= p.version {
						stats.note(&stats.notNewer, "%s: version %d after %d", p.key(), got.Version, p.version)
					}
					p.version = got.Version
					acks.add(p.key(), ack{values: got.Values, comment: got.Comment, version: got.Version})
				case stopped.Load() || errors.Is(err, context.Canceled):
					stats.cut.Add(1)
					return
				case err != nil:
					stats.note(&stats.transport, "%s: %v", p.key(), err)
					return // the outcome is unknown: this client's versions can no longer be trusted
				case status == http.StatusConflict:
					stats.note(&stats.conflicts, "%s: %.200s", p.key(), body)
					var cur struct {
						Current savedAnswer `json:"current"`
					}
					if json.Unmarshal(body, &cur) == nil {
						p.version = cur.Current.Version
					}
				default:
					stats.note(&stats.badStatus, "%s: %d %.200s", p.key(), status, body)
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
	return wg.Wait
}

// verifyAcks reads every response through the API and counts the
// acknowledged saves that are not there: a lower version, or the same
// version with other values.
func verifyAcks(t *testing.T, c *apiClient, roundID int64, want map[string]ack) (missing int) {
	t.Helper()
	byInst := map[string][]string{}
	for key := range want {
		inst, item, _ := strings.Cut(key, "/")
		byInst[inst] = append(byInst[inst], item)
	}
	newer := 0
	for inst, items := range byInst {
		var resp responseBody
		c.mustGet(t, fmt.Sprintf("/api/v1/rounds/%d/responses/%s", roundID, inst), &resp)
		for _, item := range items {
			a := want[inst+"/"+item]
			got, ok := resp.Answers[item]
			switch {
			case !ok || got.Version < a.version:
				missing++
				if missing <= 10 {
					t.Errorf("%s/%s: acknowledged version %d %q, stored: %v version %d", inst, item, a.version, a.values, ok, got.Version)
				}
			case got.Version == a.version && (!slices.Equal(got.Values, a.values) || got.Comment != a.comment):
				missing++
				if missing <= 10 {
					t.Errorf("%s/%s version %d: acknowledged %q %q, stored %q %q", inst, item, a.version, a.values, a.comment, got.Values, got.Comment)
				}
			case got.Version > a.version:
				newer++ // committed, but the kill came before the answer reached the client
			}
		}
	}
	t.Logf("checked %d pairs in %d institutions: %d missing, %d stored newer than acknowledged", len(want), len(byInst), missing, newer)
	return missing
}

// integrityCheck runs PRAGMA integrity_check on a database file no server
// has open.
func integrityCheck(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check %s: %v", path, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("integrity_check %s: %v", path, err)
	}
	if len(lines) > 5 {
		return fmt.Sprintf("%s; … (%d lines)", strings.Join(lines[:5], "; "), len(lines))
	}
	return strings.Join(lines, "; ")
}
