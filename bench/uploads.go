package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"marsad/reports"
	"marsad/reports/hostile"
	"marsad/survey"
)

// The uploads phase (issue 13, "memory bounded for every upload"): a demo
// server while uploadAttackers clients post hostile workbooks in a closed
// loop — every cell showing one 4 MiB shared string, 100,000 rows × 50
// columns, a zip bomb unpacking to 200 MiB — to the services import, the
// offline answer sheet and the questionnaire upload, as the coordinator
// and a respondent who may upload there. Meanwhile uploadPageClients
// anonymous visitors load plain pages. It reports the server's peak
// resident memory (VmHWM: the process is started for this phase, so the
// peak covers it all), each page's p99 with and without the attack, and
// what the uploads got (every one must be refused with a 4xx).
//
//	go run ./bench --only uploads [--duration 10]
const (
	uploadAttackers   = 20
	uploadPageClients = 4
	targetUploadRSSMB = 150
)

// uploadPages are the plain pages timed during the attack.
var uploadPages = []string{"/ar/", "/ar/catalog"}

type uploadsJSON struct {
	Scenario      string     `json:"scenario"`
	Attackers     int        `json:"attackers"`
	DurationS     float64    `json:"duration_s"`
	PeakRSSMB     float64    `json:"peak_rss_mb"`
	IdlePeakMB    float64    `json:"peak_rss_before_attack_mb"`
	AfterRSSMB    float64    `json:"rss_after_attack_mb"`
	TargetRSSMB   int        `json:"target_peak_rss_mb"`
	MeetsTarget   bool       `json:"meets_target"`
	Uploads       int        `json:"uploads"`
	Refused4xx    int        `json:"refused_4xx"`
	Status5xx     int        `json:"status_5xx"`
	Accepted      int        `json:"accepted_2xx_3xx"`
	UploadErrors  int        `json:"upload_transport_errors"`
	UploadP50Ms   float64    `json:"upload_p50_ms"`
	UploadP99Ms   float64    `json:"upload_p99_ms"`
	StatusCounts  []string   `json:"statuses"`
	Baseline      []loadJSON `json:"pages_without_attack"`
	UnderAttack   []loadJSON `json:"pages_under_attack"`
	Load1         string     `json:"load_1min"`
	FirstError    string     `json:"first_error,omitempty"`
	ServerAliveAt bool       `json:"server_alive_after"`
}

// uploadTarget is one upload route with who posts to it and what.
type uploadTarget struct {
	name   string
	client *http.Client
	csrf   string
	path   string
	file   []byte
}

func uploadsPhase(ctx context.Context, o options, bin, tmp string, stdout io.Writer, progress func(string, ...any)) error {
	progress("uploads: preparing a demo database")
	prepared := filepath.Join(tmp, "uploads", "prepared.db")
	if err := prepareDB(ctx, bin, prepared, filepath.Join(tmp, "logs", "uploads-prepare.log")); err != nil {
		return fmt.Errorf("prepare database: %w", err)
	}
	db := filepath.Join(tmp, "uploads", "marsad.db")
	if err := copyDB(prepared, db); err != nil {
		return err
	}
	progress("uploads: building the hostile workbooks")
	bombs := map[string][]byte{
		"shared-string bomb (services)": hostile.SharedStringBomb(survey.ServiceColumns, 4<<20, 1000, 50),
		"100,000 rows × 50 columns":     hostile.Tall(survey.ServiceColumns, 100000, 50),
		"zip bomb, 200 MiB":             hostile.ZipBomb(200),
		"shared-string bomb (answers)":  hostile.SharedStringBomb(reports.ResponseColumns, 4<<20, 1000, 50),
	}
	for name, b := range bombs {
		progress("  %s: %d KiB", name, len(b)>>10)
	}

	srv, err := startServer(ctx, bin, db, []string{"--demo"}, filepath.Join(tmp, "logs", "uploads.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, startTimeout); err != nil {
		return err
	}
	if err := prime(ctx, srv.base, uploadPages); err != nil {
		return err
	}
	admin, err := uploadSignIn(ctx, srv.base, "admin@example.ps")
	if err != nil {
		return err
	}
	moh, err := uploadSignIn(ctx, srv.base, "moh@example.ps")
	if err != nil {
		return err
	}
	open, err := uploadOpenRound(ctx, admin, srv.base)
	if err != nil {
		return err
	}
	responsePage := "/ar/rounds/" + strconv.FormatInt(open, 10) + "/responses/MOH"
	adminCSRF, err := uploadCSRF(ctx, admin, srv.base, "/ar/admin/services")
	if err != nil {
		return err
	}
	mohCSRF, err := uploadCSRF(ctx, moh, srv.base, responsePage)
	if err != nil {
		return err
	}
	targets := []uploadTarget{
		{"services import: shared-string bomb", admin, adminCSRF, "/ar/admin/services/import", bombs["shared-string bomb (services)"]},
		{"services import: 100,000 × 50", admin, adminCSRF, "/ar/admin/services/import", bombs["100,000 rows × 50 columns"]},
		{"services import: zip bomb", admin, adminCSRF, "/ar/admin/services/import", bombs["zip bomb, 200 MiB"]},
		{"offline answer sheet: shared-string bomb", moh, mohCSRF, responsePage + "/xlsx", bombs["shared-string bomb (answers)"]},
		{"questionnaire upload: zip bomb", admin, adminCSRF, "/ar/admin/questionnaires", bombs["zip bomb, 200 MiB"]},
	}

	res := uploadsJSON{Scenario: "uploads", Attackers: uploadAttackers, DurationS: o.duration.Seconds(), TargetRSSMB: targetUploadRSSMB}
	_, idleHWM, err := readRSS(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	res.IdlePeakMB = float64(idleHWM) / 1024

	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2 * uploadPageClients}
	defer tr.CloseIdleConnections()
	for _, p := range uploadPages {
		progress("uploads: GET %s without the attack, %d clients, %s", p, uploadPageClients, o.duration)
		lr, err := loadTest(ctx, tr, srv.base, p, uploadPageClients, warmUp, o.duration)
		if err != nil {
			return err
		}
		res.Baseline = append(res.Baseline, lr)
	}

	progress("uploads: %d clients posting hostile workbooks while the pages are timed again", uploadAttackers)
	attackCtx, stopAttack := context.WithCancel(ctx)
	var (
		mu       sync.Mutex
		lat      []time.Duration
		statuses = map[int]int{}
		wg       sync.WaitGroup
	)
	for w := range uploadAttackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; attackCtx.Err() == nil; i += uploadAttackers {
				tg := targets[i%len(targets)]
				t0 := time.Now()
				status, err := postUpload(attackCtx, tg, srv.base)
				d := time.Since(t0)
				mu.Lock()
				switch {
				case attackCtx.Err() != nil:
				case err != nil:
					res.UploadErrors++
					if res.FirstError == "" {
						res.FirstError = tg.name + ": " + err.Error()
					}
				default:
					statuses[status]++
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	err = func() error {
		for _, p := range uploadPages {
			lr, err := loadTest(ctx, tr, srv.base, p, uploadPageClients, warmUp, o.duration)
			if err != nil {
				return err
			}
			res.UnderAttack = append(res.UnderAttack, lr)
		}
		return nil
	}()
	stopAttack()
	wg.Wait()
	if err != nil {
		return err
	}
	res.ServerAliveAt = srv.alive()
	if !res.ServerAliveAt {
		return errors.New("the server died during the upload attack; see its log (--keep)")
	}
	rss, hwm, err := readRSS(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	res.PeakRSSMB, res.AfterRSSMB = float64(hwm)/1024, float64(rss)/1024
	res.MeetsTarget = res.PeakRSSMB <= targetUploadRSSMB
	codes := make([]int, 0, len(statuses))
	for s, n := range statuses {
		codes = append(codes, s)
		res.Uploads += n
		switch {
		case s >= 400 && s < 500:
			res.Refused4xx += n
		case s >= 500:
			res.Status5xx += n
		default:
			res.Accepted += n
		}
	}
	sort.Ints(codes)
	for _, s := range codes {
		res.StatusCounts = append(res.StatusCounts, fmt.Sprintf("%d×%d", statuses[s], s))
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		res.UploadP50Ms, res.UploadP99Ms = ms(percentile(lat, 50)), ms(percentile(lat, 99))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil && len(b) > 0 {
		res.Load1 = string(bytes.Fields(b)[0])
	}
	if b, err := json.Marshal(res); err == nil {
		fmt.Fprintf(stdout, "%s\n", b)
	}
	printUploads(stdout, res)
	return nil
}

// uploadSignIn signs in through the HTML form and returns a client that
// keeps the session's cookies and does not follow redirects.
func uploadSignIn(ctx context.Context, base, email string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{Proxy: nil}, Timeout: 2 * time.Minute, CheckRedirect: noRedirect}
	csrf, err := uploadCSRF(ctx, c, base, "/ar/login")
	if err != nil {
		return nil, err
	}
	form := url.Values{"email": {email}, "password": {survey.DemoPassword}, "csrf_token": {csrf}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/ar/login", bytes.NewReader([]byte(form.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: status %d", email, resp.StatusCode)
	}
	return c, nil
}

// uploadCSRF reads the CSRF token of a page's first form.
func uploadCSRF(ctx context.Context, c *http.Client, base, path string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfField.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("GET %s: status %d, no csrf_token", path, resp.StatusCode)
	}
	return string(m[1]), nil
}

// uploadOpenRound is the id of the demo's open round, from the API.
func uploadOpenRound(ctx context.Context, c *http.Client, base string) (int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/rounds?per_page=1000", nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Rounds []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"items"` // the API's list envelope: one page, the largest
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, err
	}
	for _, r := range out.Rounds {
		if r.Status == "open" {
			return r.ID, nil
		}
	}
	return 0, errors.New("no open round in the demo")
}

// postUpload posts one file as the upload form does and returns the status.
func postUpload(ctx context.Context, tg uploadTarget, base string) (int, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", tg.csrf)
	fw, _ := mw.CreateFormFile("file", "upload.xlsx")
	_, _ = fw.Write(tg.file)
	_ = mw.Close()
	u, err := loopbackURL(base, tg.path)
	if err != nil {
		return 0, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, &buf) // #nosec G704 -- loopbackURL: only the server the bench started
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := tg.client.Do(req) // #nosec G704 -- as above
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func printUploads(out io.Writer, r uploadsJSON) {
	fmt.Fprintf(out, "\nUPLOADS UNDER ATTACK: %d clients posting hostile workbooks, %d anonymous page clients, %.1f s per page (load %s)\n",
		r.Attackers, uploadPageClients, r.DurationS, r.Load1)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server peak RSS MiB\tbefore attack MiB\tafter MiB\ttarget\tmet\t")
	fmt.Fprintf(tw, "%.1f\t%.1f\t%.1f\t≤ %d MB\t%v\t\n", r.PeakRSSMB, r.IdlePeakMB, r.AfterRSSMB, r.TargetRSSMB, r.MeetsTarget)
	_ = tw.Flush()
	fmt.Fprintf(out, "uploads: %d (%v), 4xx %d, 5xx %d, accepted %d, transport errors %d, p50 %.0f ms, p99 %.0f ms\n",
		r.Uploads, r.StatusCounts, r.Refused4xx, r.Status5xx, r.Accepted, r.UploadErrors, r.UploadP50Ms, r.UploadP99Ms)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "page\twithout: req/s\tp99 ms\terrors\tunder attack: req/s\tp99 ms\terrors\tnon-200\t")
	for i, b := range r.Baseline {
		if i < len(r.UnderAttack) {
			a := r.UnderAttack[i]
			fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%d\t%.0f\t%.1f\t%d\t%d\t\n", b.Path, b.RPS, b.P99Ms, b.Errors, a.RPS, a.P99Ms, a.Errors, a.Non200)
		}
	}
	_ = tw.Flush()
	if r.FirstError != "" {
		fmt.Fprintf(out, "first error: %s\n", r.FirstError)
	}
}
