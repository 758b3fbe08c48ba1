package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// The sign-in attack scenario (--only signin, issue 13): does a real user
// get in, and do pages keep their speed, while clients guess passwords?
//
// A fresh server on a demo-seeded database (accounts hashed at the
// production bcrypt cost, 12), started with --trusted-proxy-header
// X-Forwarded-For so that each simulated client has its own address (the
// header carries documentation addresses; every packet goes to
// 127.0.0.1). Two phases of --duration each, after a second of warm-up:
//
//   - baseline: signinPageClients anonymous clients read pages
//     (/ar/, /ar/catalog, /en/), signinPageRate a second between them,
//     evenly spread (a busy day's traffic many times over, not a flood:
//     the p99 that people feel); the coordinator signs in every
//     signinOwnerEvery from their office address (API and form in turn);
//   - attack: the same, plus signinAttackers clients in a closed loop, each
//     from its own address, half guessing the coordinator's password
//     through the API and half trying new random addresses.
//
// Reported: the coordinator's sign-in times (target: every one ≤ 1 s),
// page p50/p99 before and during the attack (target: p99 within 1.5× the
// baseline, + 5 ms), the attackers' answers (401: a password was checked;
// 429: refused by the throttle) and the server's CPU.
const (
	signinAttackers   = 16
	signinPageClients = 8
	signinPageRate    = 200 // pages a second offered, over all page clients
	signinOwnerEvery  = 2 * time.Second
	signinOwnerMaxMs  = 1000
	signinOwnerEmail  = "admin@example.ps"
	signinOwnerPass   = "marsad-demo" // survey.DemoPassword
	signinOwnerAddr   = "203.0.113.7"
)

var signinPages = []string{"/ar/", "/ar/catalog", "/en/"}

// signinPhase is one phase's measurements.
type signinPhase struct {
	Phase        string         `json:"phase"`
	PageRequests int            `json:"page_requests"`
	PageRPS      float64        `json:"page_rps"`
	PageP50Ms    float64        `json:"page_p50_ms"`
	PageP99Ms    float64        `json:"page_p99_ms"`
	PageErrors   int            `json:"page_errors"`
	OwnerMs      []float64      `json:"owner_sign_in_ms"`
	OwnerP50Ms   float64        `json:"owner_p50_ms"`
	OwnerMaxMs   float64        `json:"owner_max_ms"`
	OwnerFailed  int            `json:"owner_failed"`
	Attempts     int            `json:"attacker_requests,omitempty"`
	AttackRPS    float64        `json:"attacker_rps,omitempty"`
	Statuses     map[string]int `json:"attacker_statuses,omitempty"`
	AttackP50Ms  float64        `json:"attacker_p50_ms,omitempty"`
	ServerCores  float64        `json:"server_cores"`
	LoadAvg      float64        `json:"load_avg_1m"`
	FirstError   string         `json:"first_error,omitempty"`
}

// signinJSON is the scenario's result, one JSON line on stdout.
type signinJSON struct {
	Scenario    string        `json:"scenario"`
	Attackers   int           `json:"attackers"`
	PageClients int           `json:"page_clients"`
	DurationS   float64       `json:"duration_s"`
	Phases      []signinPhase `json:"phases"`
	Target      string        `json:"target"`
	Met         bool          `json:"meets_target"`
}

// signinScenario runs both phases on one server.
func signinScenario(ctx context.Context, o options, bin, tmp string, stdout, stderr io.Writer, progress func(string, ...any)) (*signinJSON, error) {
	progress("sign-in attack: preparing a demo-seeded database")
	db := filepath.Join(tmp, "signin", "marsad.db")
	if err := prepareDB(ctx, bin, db, filepath.Join(tmp, "logs", "signin-prepare.log")); err != nil {
		return nil, fmt.Errorf("prepare database: %w", err)
	}
	srv, err := startServer(ctx, bin, db, []string{"--demo", "--trusted-proxy-header", "X-Forwarded-For"},
		filepath.Join(tmp, "logs", "signin.log"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, startTimeout); err != nil {
		return nil, err
	}
	pid := strconv.Itoa(srv.cmd.Process.Pid)
	out := &signinJSON{Scenario: "signin-attack", Attackers: signinAttackers, PageClients: signinPageClients,
		DurationS: o.duration.Seconds(),
		Target:    fmt.Sprintf("every owner sign-in ≤ %d ms under attack; page p99 under attack ≤ 1.5× baseline + 5 ms", signinOwnerMaxMs)}

	newClient := func(conns int) *http.Client {
		return &http.Client{Timeout: requestTimeout, CheckRedirect: noRedirect, Transport: &http.Transport{
			Proxy:               nil, // loopback only
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
		}}
	}
	pages, owner, attack := newClient(signinPageClients), newClient(2), newClient(signinAttackers)
	defer pages.CloseIdleConnections()
	defer owner.CloseIdleConnections()
	defer attack.CloseIdleConnections()

	for _, phase := range []string{"baseline", "attack"} {
		progress("sign-in attack: %s, %d page clients%s, %s", phase, signinPageClients,
			map[bool]string{true: fmt.Sprintf(", %d attackers", signinAttackers)}[phase == "attack"], o.duration)
		p, err := signinRun(ctx, srv.base, pid, pages, owner, attack, phase == "attack", o.duration)
		if err != nil {
			return nil, err
		}
		p.Phase = phase
		out.Phases = append(out.Phases, p)
		if !srv.alive() {
			return nil, errors.New("server exited during the sign-in attack; see its log (--keep)")
		}
	}
	base, att := out.Phases[0], out.Phases[1]
	out.Met = att.OwnerFailed == 0 && len(att.OwnerMs) > 0 && att.OwnerMaxMs <= signinOwnerMaxMs &&
		att.PageP99Ms <= 1.5*base.PageP99Ms+5
	if b, err := json.Marshal(out); err == nil {
		fmt.Fprintf(stdout, "%s\n", b)
	}
	printSignin(stderr, out)
	return out, nil
}

// signinRun measures one phase.
func signinRun(ctx context.Context, base, pid string, pages, owner, attack *http.Client, attacking bool, dur time.Duration) (signinPhase, error) {
	var p signinPhase
	start := time.Now()
	from, until := start.Add(warmUp), start.Add(warmUp+dur)
	runCtx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var pageLat, attackLat []time.Duration
	firstErr := func(err error) {
		mu.Lock()
		if p.FirstError == "" && err != nil && runCtx.Err() == nil {
			p.FirstError = err.Error()
		}
		mu.Unlock()
	}
	inWindow := func(t time.Time) bool { return !t.Before(from) && !t.After(until) }

	every := time.Duration(float64(signinPageClients) / signinPageRate * float64(time.Second))
	for w := range signinPageClients {
		wg.Go(func() {
			next := start.Add(every * time.Duration(w) / signinPageClients)
			for i := w; runCtx.Err() == nil; i++ {
				// Paced: a page every `every` per client; one answered late
				// is followed at once, the missed ticks dropped.
				if sleep(runCtx, time.Until(next)) != nil {
					return
				}
				next = next.Add(every)
				if now := time.Now(); next.Before(now) {
					next = now
				}
				t0 := time.Now()
				status, err := signinDo(runCtx, pages, http.MethodGet, base+signinPages[i%len(signinPages)], "", "", nil)
				t1 := time.Now()
				if !inWindow(t0) || !inWindow(t1) {
					continue
				}
				mu.Lock()
				if err != nil || status != http.StatusOK {
					p.PageErrors++
				} else {
					pageLat = append(pageLat, t1.Sub(t0))
				}
				mu.Unlock()
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("GET %s: %d", signinPages[i%len(signinPages)], status)
				}
				firstErr(err)
			}
		})
	}
	// The coordinator starts at the window, every signinOwnerEvery.
	wg.Go(func() {
		if sleep(runCtx, time.Until(from)) != nil {
			return
		}
		for i := 0; runCtx.Err() == nil; i++ {
			next := time.Now().Add(signinOwnerEvery)
			d, err := ownerSignIn(runCtx, owner, base, i%2 == 1)
			if runCtx.Err() != nil {
				return
			}
			mu.Lock()
			if err != nil {
				p.OwnerFailed++
			} else {
				p.OwnerMs = append(p.OwnerMs, ms(d))
			}
			mu.Unlock()
			firstErr(err)
			if sleep(runCtx, time.Until(next)) != nil {
				return
			}
		}
	})
	statuses := map[string]int{}
	if attacking {
		for a := range signinAttackers {
			wg.Go(func() {
				if sleep(runCtx, time.Until(from)) != nil {
					return
				}
				addr := fmt.Sprintf("198.51.100.%d", a+1)
				for n := 0; runCtx.Err() == nil; n++ {
					email := signinOwnerEmail
					if a%2 == 1 {
						email = fmt.Sprintf("random-%d-%d@example.ps", a, n)
					}
					body, _ := json.Marshal(map[string]string{"email": email, "password": fmt.Sprintf("guess-%d-%d", a, n)})
					t0 := time.Now()
					status, err := signinDo(runCtx, attack, http.MethodPost, base+"/api/v1/auth/login", addr, "application/json", body)
					t1 := time.Now()
					if runCtx.Err() != nil {
						return
					}
					mu.Lock()
					if err != nil {
						statuses["error"]++
					} else {
						statuses[strconv.Itoa(status)]++
						attackLat = append(attackLat, t1.Sub(t0))
					}
					mu.Unlock()
					if err != nil {
						time.Sleep(10 * time.Millisecond)
					}
				}
			})
		}
	}
	_ = sleep(runCtx, time.Until(from))
	cpuFrom := cpuTime(pid)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return p, err
	}
	cpuUntil := cpuTime(pid)
	p.ServerCores = round1(float64(cpuUntil-cpuFrom)/float64(dur)*10) / 10
	p.LoadAvg = loadAvg()

	sortDurations(pageLat)
	p.PageRequests = len(pageLat)
	p.PageRPS = round1(float64(len(pageLat)) / dur.Seconds())
	if len(pageLat) > 0 {
		p.PageP50Ms, p.PageP99Ms = ms(percentile(pageLat, 50)), ms(percentile(pageLat, 99))
	}
	if len(p.OwnerMs) > 0 {
		s := append([]float64(nil), p.OwnerMs...)
		sort.Float64s(s)
		p.OwnerP50Ms, p.OwnerMaxMs = s[len(s)/2], s[len(s)-1]
	}
	if attacking {
		p.Statuses = statuses
		for _, n := range statuses {
			p.Attempts += n
		}
		p.AttackRPS = round1(float64(p.Attempts) / dur.Seconds())
		sortDurations(attackLat)
		if len(attackLat) > 0 {
			p.AttackP50Ms = ms(percentile(attackLat, 50))
		}
	}
	return p, nil
}

// signinDo sends one request (from addr, when set) and reads the answer.
func signinDo(ctx context.Context, c *http.Client, method, u, addr, contentType string, body []byte) (int, error) {
	if _, err := loopbackURL(u, ""); err != nil {
		return 0, err
	}
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, err
	}
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

var signinCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// ownerSignIn is one sign-in of the coordinator from their address: the
// API, or the form (its page fetched first, not timed). It returns the
// time of the sign-in request alone.
func ownerSignIn(ctx context.Context, c *http.Client, base string, form bool) (time.Duration, error) {
	if !form {
		body, _ := json.Marshal(map[string]string{"email": signinOwnerEmail, "password": signinOwnerPass})
		t0 := time.Now()
		status, err := signinDo(ctx, c, http.MethodPost, base+"/api/v1/auth/login", signinOwnerAddr, "application/json", body)
		d := time.Since(t0)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("owner API sign-in: %d", status)
		}
		return d, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/ar/login", nil)
	req.Header.Set("X-Forwarded-For", signinOwnerAddr)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	m := signinCSRF.FindSubmatch(page)
	if m == nil {
		return 0, errors.New("owner: no csrf_token on /ar/login")
	}
	var cookies []string
	for _, ck := range resp.Cookies() {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	values := url.Values{"email": {signinOwnerEmail}, "password": {signinOwnerPass}, "csrf_token": {string(m[1])}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/ar/login", strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	req.Header.Set("X-Forwarded-For", signinOwnerAddr)
	t0 := time.Now()
	resp, err = c.Do(req)
	d := time.Since(t0)
	if err != nil {
		return d, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return d, fmt.Errorf("owner form sign-in: %d", resp.StatusCode)
	}
	return d, nil
}

func printSignin(w io.Writer, s *signinJSON) {
	fmt.Fprintf(w, "\nSIGN-IN UNDER ATTACK: %d page clients (%d pages/s), %d attackers (half on the coordinator, half on new addresses), %.0f s a phase; target: %s\n",
		s.PageClients, signinPageRate, s.Attackers, s.DurationS, s.Target)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tpage req/s\tpage p50 ms\tpage p99 ms\towner sign-ins\towner p50 ms\towner max ms\towner failed\tattacker req/s\tattacker answers\tserver cores\tload\t")
	for _, p := range s.Phases {
		var st []string
		for k, n := range p.Statuses {
			st = append(st, k+":"+strconv.Itoa(n))
		}
		sort.Strings(st)
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%.1f\t%d\t%.0f\t%.0f\t%d\t%.1f\t%s\t%.2f\t%.2f\t\n", p.Phase, p.PageRPS, p.PageP50Ms, p.PageP99Ms,
			len(p.OwnerMs), p.OwnerP50Ms, p.OwnerMaxMs, p.OwnerFailed, p.AttackRPS, strings.Join(st, " "), p.ServerCores, p.LoadAvg)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "meets target: %v\n", s.Met)
	for _, p := range s.Phases {
		if p.FirstError != "" {
			fmt.Fprintf(w, "  %s first error: %s\n", p.Phase, p.FirstError)
		}
	}
}
