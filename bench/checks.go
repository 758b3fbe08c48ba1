package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The service checks scenario (--only checks, issue 17): can the checker
// visit a national catalog's worth of service URLs in reasonable time,
// without the server's memory growing or its pages slowing down?
//
// checksURLs services of a generated catalog get URLs on checksHosts
// loopback addresses (127.0.1.1, 127.0.1.2…, each its own host for the
// checker's per-host limit), all served by this tool on one port, every
// answer — page, robots.txt, the unknown-path probe — after checksDelay.
// The server is started with --check-allow 127.0.0.0/8 (the tests' way
// past the private-address block; nothing else is allowed). The
// coordinator starts a run by hand; pages are read at a light, steady rate
// before (baseline) and during the run. Reported: the wall time from the
// start to the run's end as the admin page says it, the server's peak
// resident memory (VmHWM) and the pages' p50/p99 before and during.
const (
	checksURLs        = 30000
	checksHosts       = 250
	checksDelay       = 50 * time.Millisecond
	checksPageRate    = 20 // pages a second, spread over checksPages
	checksBaseline    = 10 * time.Second
	checksMaxWall     = 30 * time.Minute // give up
	checksTargetWallS = 600
	checksTargetRSSMB = 150
	checksAdmin       = "bench@example.ps"
	checksPassword    = "bench-password"
)

var checksPages = []string{"/ar/", "/ar/catalog", "/en/catalog?q=" + url.QueryEscape("licence")}

// checksJSON is the scenario's result, one JSON line on stdout.
type checksJSON struct {
	Scenario      string  `json:"scenario"`
	URLs          int     `json:"urls"`
	Hosts         int     `json:"hosts"`
	DelayMs       float64 `json:"delay_ms"`
	WallS         float64 `json:"wall_s"`
	URLsPerS      float64 `json:"urls_per_s"`
	Visited       int     `json:"visited"`
	Online        int     `json:"online"`
	Requests      int64   `json:"loopback_requests"`
	RSSBeforeMB   float64 `json:"rss_before_mb"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	BaselineP50Ms float64 `json:"page_p50_before_ms"`
	BaselineP99Ms float64 `json:"page_p99_before_ms"`
	DuringP50Ms   float64 `json:"page_p50_during_ms"`
	DuringP99Ms   float64 `json:"page_p99_during_ms"`
	PageErrors    int     `json:"page_errors"`
	Target        string  `json:"target"`
	Met           bool    `json:"meets_target"`
}

// checksSites serves every loopback host: a small Arabic page at any
// path, robots.txt allowing all, 404 for the unknown-path probe.
type checksSites struct {
	servers  []*http.Server
	port     int
	mu       sync.Mutex
	requests int64
}

func startChecksSites() (*checksSites, error) {
	cs := &checksSites{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		cs.requests++
		cs.mu.Unlock()
		time.Sleep(checksDelay)
		switch {
		case r.URL.Path == "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nAllow: /\n")
		case strings.HasPrefix(r.URL.Path, "/marsad-check-"):
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta name="viewport" content="width=device-width"><title>خدمة</title></head><body><form><label for="id">رقم الهوية</label><input id="id"></form></body></html>`)
		}
	})
	// One port for every address: the first free one that all of them take.
	for attempt := 0; attempt < 20; attempt++ {
		first, err := net.Listen("tcp", checksHost(0)+":0")
		if err != nil {
			return nil, err
		}
		cs.port = first.Addr().(*net.TCPAddr).Port
		lns := []net.Listener{first}
		for k := 1; k < checksHosts && err == nil; k++ {
			var ln net.Listener
			if ln, err = net.Listen("tcp", fmt.Sprintf("%s:%d", checksHost(k), cs.port)); err == nil {
				lns = append(lns, ln)
			}
		}
		if err != nil {
			for _, ln := range lns {
				_ = ln.Close()
			}
			continue
		}
		for _, ln := range lns {
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			cs.servers = append(cs.servers, srv)
			go func() { _ = srv.Serve(ln) }()
		}
		return cs, nil
	}
	return nil, errors.New("checks: no port free on every loopback address")
}

// checksHost is the k-th loopback host: 127.0.1.1 … 127.0.1.250, 127.0.2.1 …
func checksHost(k int) string { return fmt.Sprintf("127.0.%d.%d", 1+k/250, 1+k%250) }

func (cs *checksSites) close() {
	for _, s := range cs.servers {
		_ = s.Close()
	}
}

// prepareChecksDB generates the catalog and points every service's URL at
// the loopback hosts (institution websites are emptied: the tool talks to
// 127.0.0.0/8 only).
func prepareChecksDB(ctx context.Context, path string, port int) (int, error) {
	if err := prepareCatalogDB(ctx, path, 150, checksURLs); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `UPDATE institutions SET website = ''`); err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, `UPDATE services SET status = 'active', online_url = 'http://127.0.' || (1 + (id % ?) / 250) || '.' ||
		(1 + (id % ?) % 250) || ':' || ? || '/s/' || id`, checksHosts, checksHosts, port); err != nil {
		return 0, err
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM services s JOIN institutions i ON i.id = s.institution_id
		WHERE s.status = 'active' AND i.active = 1 AND s.online_url <> ''`).Scan(&n)
	return n, err
}

// checksScenario runs the scenario and prints its result.
func checksScenario(ctx context.Context, bin, tmp string, stdout io.Writer, progress func(string, ...any)) error {
	sites, err := startChecksSites()
	if err != nil {
		return err
	}
	defer sites.close()
	progress("checks: %d loopback hosts on port %d, answering after %s", checksHosts, sites.port, checksDelay)
	db := filepath.Join(tmp, "checks", "marsad.db")
	progress("checks: generating %d services with loopback URLs", checksURLs)
	urls, err := prepareChecksDB(ctx, db, sites.port)
	if err != nil {
		return fmt.Errorf("generate catalog: %w", err)
	}
	srv, err := startServer(ctx, bin, db, []string{"--check-allow", "127.0.0.0/8"}, filepath.Join(tmp, "logs", "checks.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, startTimeout); err != nil {
		return err
	}
	pid := srv.cmd.Process.Pid
	out := &checksJSON{Scenario: "service-checks", URLs: urls, Hosts: checksHosts, DelayMs: ms(checksDelay),
		Target: fmt.Sprintf("wall ≤ %d s; peak RSS ≤ %d MB; page p99 during ≤ 1.5× before + 5 ms", checksTargetWallS, checksTargetRSSMB)}
	if err := prime(ctx, srv.base, checksPages); err != nil {
		return err
	}
	admin, err := checksSignIn(ctx, srv.base)
	if err != nil {
		return err
	}

	progress("checks: pages before the run, %d a second for %s", checksPageRate, checksBaseline)
	stop := make(chan struct{})
	before := pacedPages(ctx, srv.base, stop)
	time.Sleep(checksBaseline)
	close(stop)
	b := <-before
	out.BaselineP50Ms, out.BaselineP99Ms = b.p50, b.p99
	out.PageErrors += b.errors
	rss, _, err := readRSS(pid)
	if err != nil {
		return err
	}
	out.RSSBeforeMB = float64(rss) / 1024

	csrf, err := uploadCSRF(ctx, admin, srv.base, "/ar/admin/services")
	if err != nil {
		return err
	}
	progress("checks: starting the run")
	start := time.Now()
	form := url.Values{"csrf_token": {csrf}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.base+"/ar/admin/services/check", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := admin.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "check_started") {
		return fmt.Errorf("start the run: %d %q", resp.StatusCode, loc)
	}
	stop = make(chan struct{})
	during := pacedPages(ctx, srv.base, stop)
	var peak int64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		<-tick.C
		if _, hwm, err := readRSS(pid); err == nil && hwm > peak {
			peak = hwm
		}
		done, visited, online, err := checksRunState(ctx, db)
		if err != nil {
			close(stop)
			<-during
			return err
		}
		if done {
			out.WallS = time.Since(start).Seconds()
			out.Visited, out.Online = visited, online
			break
		}
		if time.Since(lastReport) > 30*time.Second {
			sites.mu.Lock()
			n := sites.requests
			sites.mu.Unlock()
			progress("checks: %s, %d requests to the sites, peak RSS %.0f MB", time.Since(start).Round(time.Second), n, float64(peak)/1024)
			lastReport = time.Now()
		}
		if time.Since(start) > checksMaxWall || !srv.alive() {
			close(stop)
			<-during
			return fmt.Errorf("the run did not finish in %s (server alive: %v)", checksMaxWall, srv.alive())
		}
	}
	close(stop)
	d := <-during
	out.DuringP50Ms, out.DuringP99Ms = d.p50, d.p99
	out.PageErrors += d.errors
	if _, hwm, err := readRSS(pid); err == nil && hwm > peak {
		peak = hwm
	}
	out.PeakRSSMB = float64(peak) / 1024
	out.URLsPerS = float64(out.Visited) / out.WallS
	sites.mu.Lock()
	out.Requests = sites.requests
	sites.mu.Unlock()
	out.Met = out.WallS <= checksTargetWallS && out.PeakRSSMB <= checksTargetRSSMB && out.DuringP99Ms <= 1.5*out.BaselineP99Ms+5 &&
		out.Visited >= urls
	if b, err := json.Marshal(out); err == nil {
		fmt.Fprintf(stdout, "%s\n", b)
	}
	fmt.Fprintf(stdout, "service checks: %d URLs (%d visited, %d online) on %d hosts answering after %s: %.0f s (%.0f URLs/s); peak RSS %.1f MB (before %.1f); page p50/p99 %.1f/%.1f ms before, %.1f/%.1f ms during; %d page errors; target met: %v\n",
		out.URLs, out.Visited, out.Online, out.Hosts, checksDelay, out.WallS, out.URLsPerS, out.PeakRSSMB, out.RSSBeforeMB,
		out.BaselineP50Ms, out.BaselineP99Ms, out.DuringP50Ms, out.DuringP99Ms, out.PageErrors, out.Met)
	return nil
}

// checksSignIn signs the bench's coordinator in through the form.
func checksSignIn(ctx context.Context, base string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{Proxy: nil}, Timeout: requestTimeout, CheckRedirect: noRedirect}
	csrf, err := uploadCSRF(ctx, c, base, "/ar/login")
	if err != nil {
		return nil, err
	}
	form := url.Values{"email": {checksAdmin}, "password": {checksPassword}, "csrf_token": {csrf}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/ar/login", bytes.NewReader([]byte(form.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: status %d", checksAdmin, resp.StatusCode)
	}
	return c, nil
}

// checksRunState reads the last run from the database, read-only: whether
// it finished and what it did. (Not from the coordinator's catalog page,
// which sums up the whole catalog: asking it every second would load the
// server more than the pages measured.)
func checksRunState(ctx context.Context, path string) (done bool, visited, online int, err error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return false, 0, 0, err
	}
	defer db.Close()
	var finished string
	err = db.QueryRowContext(ctx, `SELECT finished_at, urls, reachable FROM check_runs ORDER BY id DESC LIMIT 1`).Scan(&finished, &visited, &online)
	if err != nil {
		return false, 0, 0, fmt.Errorf("last check run: %w", err)
	}
	return finished != "", visited, online, nil
}

// pageStats are the latencies of the paced page reads.
type pageStats struct {
	p50, p99 float64
	errors   int
}

// pacedPages reads checksPages in turn, checksPageRate a second, each read
// in its own goroutine (an open loop: a slow page does not slow the rate),
// until stop; the result comes on the channel.
func pacedPages(ctx context.Context, base string, stop chan struct{}) <-chan pageStats {
	out := make(chan pageStats, 1)
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}, Timeout: requestTimeout, CheckRedirect: noRedirect}
	go func() {
		var mu sync.Mutex
		var lat []time.Duration
		errs := 0
		var wg sync.WaitGroup
		tick := time.NewTicker(time.Second / checksPageRate)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-stop:
				wg.Wait()
				st := pageStats{errors: errs}
				if len(lat) > 0 {
					sortDurations(lat)
					st.p50, st.p99 = ms(percentile(lat, 50)), ms(percentile(lat, 99))
				}
				out <- st
				client.CloseIdleConnections()
				return
			case <-tick.C:
			}
			path := checksPages[n%len(checksPages)]
			wg.Go(func() {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				if err != nil || resp.StatusCode != http.StatusOK {
					errs++
					return
				}
				lat = append(lat, d)
			})
		}
	}()
	return out
}
