package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"marsad/data"
	"marsad/survey"
	"marsad/survey/sqlstore"
	"marsad/survey/synth"
)

// The survey scenario: a generated database with one open round per
// respondent institution, autosave under load, whole responses, and the
// questionnaire page.
const (
	surveyInstitutions  = 200 // generated institutions I0001…, one respondent each
	surveyServices      = 4000
	surveyPassword      = "bench-password"
	surveyAdminEmail    = "bench@example.ps"
	wholeWorkers        = 20        // concurrent respondents filling whole responses
	maxAcks             = 4_000_000 // acknowledged saves kept for the read-back, all clients together
	loginConcurrency    = 8
	readBackConcurrency = 8
	saveRoute           = "/api/v1/rounds/:id/responses/:code/answers/:item"
	formRoute           = "/ar/rounds/:id/responses/:code"
)

// Targets, printed next to the numbers.
const (
	targetPacedP99Ms = 50
	targetWholePerS  = 50
	targetFormP99Ms  = 20
	defaultPacedRate = 1500
	defaultClients   = 200
	maxSurveyClients = 1000
	maxPacedRate     = 100_000
)

// surveyJSON is the survey scenario's part of the results.
type surveyJSON struct {
	Institutions    int            `json:"institutions"`
	Services        int            `json:"services"`
	Clients         int            `json:"clients"`
	AnswerableItems int            `json:"answerable_items"`
	RequiredItems   int            `json:"required_items"`
	PrepareMs       float64        `json:"prepare_ms"`
	LoginMs         float64        `json:"api_logins_ms"`
	Logins          int            `json:"api_logins"`
	RSSAfterKB      int64          `json:"server_rss_after_kib"`
	HWMAfterKB      int64          `json:"server_peak_rss_after_kib"`
	Scenarios       []scenarioJSON `json:"scenarios"`

	appVersion string
}

// scenarioJSON is one survey scenario. The first seven fields are the ones
// of the one-line summary; the rest give the detail.
type scenarioJSON struct {
	Scenario  string  `json:"scenario"`
	RPS       float64 `json:"requests_per_s"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	Errors    int     `json:"errors"`
	Conflicts int     `json:"conflicts"`
	Missing   int     `json:"missing"`

	Clients       int     `json:"clients"`
	DurationS     float64 `json:"duration_s"`
	Requests      int     `json:"requests"`
	P95Ms         float64 `json:"p95_ms"`
	MaxMs         float64 `json:"max_ms"`
	SavesPerS     float64 `json:"saves_per_s,omitempty"`
	OfferedPerS   float64 `json:"offered_saves_per_s,omitempty"`
	P99SchedMs    float64 `json:"p99_from_schedule_ms,omitempty"`
	DroppedTicks  int     `json:"dropped_ticks,omitempty"`
	ResponsesPerS float64 `json:"responses_per_s,omitempty"`
	Completed     int     `json:"responses_completed,omitempty"`
	RespP50Ms     float64 `json:"response_p50_ms,omitempty"`
	RespP99Ms     float64 `json:"response_p99_ms,omitempty"`
	RanOut        bool    `json:"ran_out_of_institutions,omitempty"`
	AvgBytes      float64 `json:"avg_body_bytes,omitempty"`
	Acked         int     `json:"acknowledged_saves_checked,omitempty"`
	Checked       int     `json:"answers_checked,omitempty"`
	NewerUnacked  int     `json:"stored_newer_than_acknowledged,omitempty"`
	NonMonotonic  int     `json:"non_increasing_versions,omitempty"`
	NotKept       int64   `json:"acknowledged_saves_not_kept,omitempty"`
	ServerReqs    int     `json:"server_log_requests"`
	ServerP50Ms   float64 `json:"server_p50_ms"`
	ServerP99Ms   float64 `json:"server_p99_ms"`
	ServerCores   float64 `json:"server_cpu_cores"`
	LoadgenCores  float64 `json:"loadgen_cpu_cores"`
	ServerCPUMs   float64 `json:"server_cpu_ms_per_request"`
	Latency       string  `json:"latency"`
	Target        string  `json:"target,omitempty"`
	FirstError    string  `json:"first_error,omitempty"`
}

// answerable is one item the simulated respondents answer, with the
// values they send (single choices cycle through their options).
type answerable struct {
	id       string
	vals     []string
	required bool
}

func answerableItems(def *survey.Definition) []answerable {
	var out []answerable
	for _, it := range def.Items {
		var vals []string
		switch it.Type {
		case survey.TypeSingle:
			for _, o := range it.Options {
				vals = append(vals, o.Value)
			}
		case survey.TypeMulti:
			if len(it.Options) > 0 {
				vals = []string{it.Options[0].Value}
			}
		case survey.TypePercent:
			vals = []string{"50"}
		case survey.TypeYesNo:
			vals = []string{"yes"}
		case survey.TypeURL:
			vals = []string{"https://example.ps/e"}
		case survey.TypeScale, survey.TypeNumber:
			lo := 0.0
			if it.Min != nil {
				lo = *it.Min
			}
			vals = []string{strconv.FormatFloat(lo, 'f', -1, 64)}
		}
		if len(vals) > 0 {
			out = append(out, answerable{id: it.ID, vals: vals, required: it.Required})
		}
	}
	return out
}

// ack is one acknowledged (2xx) save: item and value by index.
type ack struct {
	item, val int32
	version   int64
}

// respondent is one simulated person, bound to one institution, with the
// version of each item as the server last told it.
type respondent struct {
	code, email, token string
	session            string  // a web session's token (respondent-path)
	versions           []int64 // by item index, round of the autosave scenarios
	saves              []int   // acknowledged saves by item: picks the next value
	next               int     // next item in the cycle
	acks               []ack   // this run's acknowledged saves, in order
	server             int     // with several servers (--servers), the one this respondent talks to
}

type outcome int

const (
	outcomeOK outcome = iota
	outcomeConflict
	outcomeError // a non-2xx answer other than 409
)

// surveyRun holds what every survey request needs.
type surveyRun struct {
	client     *http.Client
	base       string
	items      []answerable
	adminToken string
	pid        int  // the server's process, for its CPU time
	gunzip     bool // the client does not expand gzip itself: callInto asks for it and expands it
	ackBudget  atomic.Int64
	peers      []*surveyRun // with several servers (--servers): one per server, this one first
}

// to is the surveyRun of a respondent's server: sr itself with one server.
func (sr *surveyRun) to(r *respondent) *surveyRun {
	if len(sr.peers) == 0 {
		return sr
	}
	return sr.peers[r.server%len(sr.peers)]
}

// pids are the processes of every server of the run.
func (sr *surveyRun) pids() []int {
	if len(sr.peers) == 0 {
		return []int{sr.pid}
	}
	out := make([]int, len(sr.peers))
	for i, p := range sr.peers {
		out[i] = p.pid
	}
	return out
}

// withClient is sr on another client, gunzip as given, its peers too.
func (sr *surveyRun) withClient(client *http.Client, gunzip bool) *surveyRun {
	out := &surveyRun{client: client, base: sr.base, items: sr.items, adminToken: sr.adminToken, pid: sr.pid, gunzip: gunzip}
	for i, p := range sr.peers {
		if i == 0 {
			out.peers = append(out.peers, out)
			continue
		}
		out.peers = append(out.peers, &surveyRun{client: client, base: p.base, items: p.items, adminToken: p.adminToken, pid: p.pid, gunzip: gunzip})
	}
	return out
}

// call sends one request and reads the whole answer.
func (sr *surveyRun) call(ctx context.Context, method, path, token, cookie, contentType string, body []byte) (int, []byte, *http.Response, error) {
	hdr := make(map[string]string, 3)
	if token != "" {
		hdr["Authorization"] = "Bearer " + token
	}
	if cookie != "" {
		hdr["Cookie"] = cookie
	}
	if contentType != "" {
		hdr["Content-Type"] = contentType
	}
	return sr.callHeaders(ctx, method, path, hdr, body)
}

// callHeaders sends one request with these headers and reads the whole answer.
func (sr *surveyRun) callHeaders(ctx context.Context, method, path string, hdr map[string]string, body []byte) (int, []byte, *http.Response, error) {
	return sr.callInto(ctx, method, path, hdr, body, nil)
}

// callInto is callHeaders reading the answer into buf, when not nil, used
// again from one request to the next: growing a new slice for each 40 KB
// page was a quarter of the load generator's CPU. The bytes it returns are
// valid until buf is used again.
func (sr *surveyRun) callInto(ctx context.Context, method, path string, hdr map[string]string, body []byte, buf *bytes.Buffer) (int, []byte, *http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, sr.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if sr.gunzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := sr.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	if buf == nil {
		buf = new(bytes.Buffer) // the caller keeps the bytes
	}
	buf.Reset()
	var in io.Reader = resp.Body
	if sr.gunzip && resp.Header.Get("Content-Encoding") == "gzip" {
		zr := gzReaders.Get().(*kgzip.Reader)
		defer gzReaders.Put(zr)
		if err := zr.Reset(resp.Body); err != nil {
			return 0, nil, nil, err
		}
		in = zr
	}
	_, err = buf.ReadFrom(io.LimitReader(in, 64<<20))
	return resp.StatusCode, buf.Bytes(), resp, err
}

// gzReaders expand gzip answers for callInto.
var gzReaders = sync.Pool{New: func() any { return new(kgzip.Reader) }}

type statusError struct {
	method, path string
	status       int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, e.body)
}

func newStatusError(method, path string, status int, body []byte) error {
	b := strings.TrimSpace(string(body))
	if len(b) > 200 {
		b = b[:200] + "…"
	}
	return &statusError{method: method, path: path, status: status, body: b}
}

type saveBody struct {
	Values  []string `json:"values"`
	Version int64    `json:"version"`
}

type answerOut struct {
	Values  []string `json:"values"`
	Version int64    `json:"version"`
}

type responseOut struct {
	Status  string               `json:"status"`
	Answers map[string]answerOut `json:"answers"`
}

func answerPath(roundID int64, code, item string) string {
	return "/api/v1/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/" + code + "/answers/" + url.PathEscape(item)
}

func responsePath(roundID int64, code string) string {
	return "/api/v1/rounds/" + strconv.FormatInt(roundID, 10) + "/responses/" + code
}

// putAnswer saves one value of item i with version base.
func (sr *surveyRun) putAnswer(ctx context.Context, token string, roundID int64, code string, i, val int, base int64) (outcome, answerOut, error) {
	body, _ := json.Marshal(saveBody{Values: []string{sr.items[i].vals[val]}, Version: base})
	path := answerPath(roundID, code, sr.items[i].id)
	status, b, _, err := sr.call(ctx, http.MethodPut, path, token, "", "application/json", body)
	if err != nil {
		return outcomeError, answerOut{}, err
	}
	switch {
	case status >= 200 && status < 300:
		var a answerOut
		if err := json.Unmarshal(b, &a); err != nil {
			return outcomeError, a, fmt.Errorf("PUT %s: %d with unreadable body: %w", path, status, err)
		}
		return outcomeOK, a, nil
	case status == http.StatusConflict:
		var c struct {
			Current *answerOut `json:"current"`
		}
		_ = json.Unmarshal(b, &c)
		if c.Current == nil { // a 409 that is not a version conflict (not editable)
			return outcomeError, answerOut{}, newStatusError(http.MethodPut, path, status, b)
		}
		return outcomeConflict, *c.Current, newStatusError(http.MethodPut, path, status, b)
	default:
		return outcomeError, answerOut{}, newStatusError(http.MethodPut, path, status, b)
	}
}

// autosave is one autosave of r's next item, with the version r last got.
func (sr *surveyRun) autosave(ctx context.Context, r *respondent, roundID int64) (outcome, error) {
	i := r.next
	r.next = (r.next + 1) % len(sr.items)
	val := r.saves[i] % len(sr.items[i].vals)
	oc, a, err := sr.to(r).putAnswer(ctx, r.token, roundID, r.code, i, val, r.versions[i])
	switch oc {
	case outcomeOK:
		r.versions[i] = a.Version
		r.saves[i]++
		if sr.ackBudget.Add(-1) >= 0 {
			r.acks = append(r.acks, ack{item: int32(i), val: int32(val), version: a.Version}) // #nosec G115 -- small non-negative counts (items, values, workers) well inside the range
		}
	case outcomeConflict:
		r.versions[i] = a.Version // take the newer version, as the page does
	}
	return oc, err
}

// ---------------------------------------------------------------- preparation

type surveyDB struct {
	round1, round2 int64
	def            *survey.Definition
}

// prepareSurveyDB builds the database in-process with the app's store:
// generated institutions and services, the default questionnaire, rounds
// 2026 and 2027 open on it, one admin and one respondent per institution.
func prepareSurveyDB(ctx context.Context, path string, institutions int) (surveyDB, error) {
	var out surveyDB
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return out, err
	}
	st, err := sqlstore.Open(ctx, path, sqlstore.Options{BcryptCost: 4})
	if err != nil {
		return out, err
	}
	defer st.Close()
	if err := synth.Seed(ctx, st, institutions, surveyServices, 1); err != nil {
		return out, err
	}
	q, err := st.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire)
	if err != nil {
		return out, err
	}
	out.def = q.Def
	for _, name := range []string{"2026", "2027"} {
		r, err := st.CreateRound(ctx, 0, survey.RoundInput{Name: name, QuestionnaireID: q.ID})
		if err != nil {
			return out, fmt.Errorf("round %s: %w", name, err)
		}
		if _, err := st.RoundAction(ctx, 0, r.ID, "open"); err != nil {
			return out, fmt.Errorf("open round %s: %w", name, err)
		}
		if out.round1 == 0 {
			out.round1 = r.ID
		} else {
			out.round2 = r.ID
		}
	}
	if _, err := st.CreateUser(ctx, 0, survey.NewUser{Email: surveyAdminEmail, Role: survey.RoleAdmin, Password: surveyPassword}); err != nil {
		return out, err
	}
	for i := 1; i <= institutions; i++ {
		_, err := st.CreateUser(ctx, 0, survey.NewUser{Email: respondentEmail(i), Name: fmt.Sprintf("Respondent %d", i),
			Role: survey.RoleRespondent, InstitutionCode: institutionCode(i), Password: surveyPassword})
		if err != nil {
			return out, fmt.Errorf("respondent %d: %w", i, err)
		}
	}
	return out, nil
}

func institutionCode(i int) string { return fmt.Sprintf("I%04d", i) }
func respondentEmail(i int) string { return fmt.Sprintf("r%04d@example.ps", i) }

// apiLogin signs in through POST /api/v1/auth/login and returns the token.
func (sr *surveyRun) apiLogin(ctx context.Context, email string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": surveyPassword})
	status, b, _, err := sr.call(ctx, http.MethodPost, "/api/v1/auth/login", "", "", "application/json", body)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", newStatusError(http.MethodPost, "/api/v1/auth/login", status, b)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("login %s: no token in %q", email, b)
	}
	return out.Token, nil
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// htmlLogin signs in the way a browser does (GET the form for the CSRF
// cookie and field, POST it) and returns the Cookie header of the session.
func (sr *surveyRun) htmlLogin(ctx context.Context, email string) (string, error) {
	status, b, resp, err := sr.call(ctx, http.MethodGet, "/ar/login", "", "", "", nil)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", newStatusError(http.MethodGet, "/ar/login", status, b)
	}
	m := csrfField.FindSubmatch(b)
	if m == nil {
		return "", errors.New("GET /ar/login: no csrf_token field in the form")
	}
	var jar []string
	for _, c := range resp.Cookies() {
		jar = append(jar, c.Name+"="+c.Value)
	}
	form := url.Values{"email": {email}, "password": {surveyPassword}, "csrf_token": {string(m[1])}}
	status, b, resp, err = sr.call(ctx, http.MethodPost, "/ar/login", "", strings.Join(jar, "; "),
		"application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return "", err
	}
	if status != http.StatusSeeOther {
		return "", newStatusError(http.MethodPost, "/ar/login", status, b)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "marsad_session" && c.Value != "" {
			return "marsad_session=" + c.Value + "; marsad_lang=ar", nil
		}
	}
	return "", errors.New("POST /ar/login: no marsad_session cookie")
}

// ---------------------------------------------------------------- load loops

// loopStats is one worker's measurements inside the window.
type loopStats struct {
	lat, sched                []time.Duration
	ok, conflicts, errors     int
	bytes                     int64
	dropped                   int
	firstErr, firstConflictEr error
}

func (st *loopStats) record(oc outcome, err error) {
	switch oc {
	case outcomeOK:
		st.ok++
	case outcomeConflict:
		st.conflicts++
		if st.firstConflictEr == nil {
			st.firstConflictEr = err
		}
	default:
		st.errors++
		if st.firstErr == nil {
			st.firstErr = err
		}
	}
}

// closedLoop runs workers that each send their next request as soon as the
// previous one is answered, for warm+dur. Requests still in flight at the
// end are let finish (bounded by the client timeout) but not counted, so
// that every save the server committed is acknowledged.
func closedLoop(ctx context.Context, workers int, warm, dur time.Duration, op func(ctx context.Context, w int) (outcome, int64, error)) []loopStats {
	start := time.Now()
	from, until := start.Add(warm), start.Add(warm+dur)
	stats := make([]loopStats, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			st := &stats[w]
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(until) {
					return
				}
				oc, n, err := op(ctx, w)
				t1 := time.Now()
				if t1.Before(from) || t1.After(until) {
					if oc == outcomeError && err != nil && isTransport(err) {
						time.Sleep(time.Millisecond)
					}
					continue
				}
				if oc == outcomeError && isTransport(err) {
					st.record(oc, err)
					time.Sleep(time.Millisecond) // no hot spin against a dead server
					continue
				}
				st.record(oc, err)
				st.bytes += n
				st.lat = append(st.lat, t1.Sub(t0))
			}
		}(w)
	}
	wg.Wait()
	return stats
}

// pacedLoop offers rate requests per second over all workers: each worker
// sends on its own fixed schedule (one tick every workers/rate seconds,
// the workers staggered evenly). A worker whose request is still in flight
// sends the next one as soon as it is answered; ticks missed beyond that
// are dropped (counted), not sent in a burst.
func pacedLoop(ctx context.Context, workers int, rate float64, warm, dur time.Duration, op func(ctx context.Context, w int) (outcome, int64, error)) []loopStats {
	interval := time.Duration(float64(workers) / rate * float64(time.Second))
	start := time.Now()
	from, until := start.Add(warm), start.Add(warm+dur)
	stats := make([]loopStats, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			st := &stats[w]
			next := start.Add(time.Duration(w) * interval / time.Duration(workers))
			for ctx.Err() == nil && next.Before(until) {
				if d := time.Until(next); d > 0 {
					if sleep(ctx, d) != nil {
						return
					}
				}
				t0 := time.Now()
				oc, n, err := op(ctx, w)
				t1 := time.Now()
				inWindow := !t1.Before(from) && !t1.After(until)
				if inWindow {
					st.record(oc, err)
					if !(oc == outcomeError && isTransport(err)) {
						st.bytes += n
						st.lat = append(st.lat, t1.Sub(t0))
						st.sched = append(st.sched, t1.Sub(next))
					}
				}
				next = next.Add(interval)
				for !next.Add(interval).After(t1) { // more than one tick behind: drop, do not burst
					next = next.Add(interval)
					if inWindow {
						st.dropped++
					}
				}
				if oc == outcomeError && isTransport(err) {
					time.Sleep(time.Millisecond)
				}
			}
		}(w)
	}
	wg.Wait()
	return stats
}

// isTransport reports whether err is a failure to talk to the server at
// all rather than an HTTP answer.
func isTransport(err error) bool {
	var se *statusError
	return err != nil && !errors.As(err, &se)
}

// summarize fills the common fields of a scenario from its workers.
func summarize(sc *scenarioJSON, stats []loopStats, dur time.Duration) {
	var all, sched []time.Duration
	var bytes int64
	ok := 0
	for _, st := range stats {
		all = append(all, st.lat...)
		sched = append(sched, st.sched...)
		sc.Errors += st.errors
		sc.Conflicts += st.conflicts
		sc.DroppedTicks += st.dropped
		ok += st.ok
		bytes += st.bytes
		if st.firstErr != nil && sc.FirstError == "" {
			sc.FirstError = st.firstErr.Error()
		}
	}
	if sc.FirstError == "" {
		for _, st := range stats {
			if st.firstConflictEr != nil {
				sc.FirstError = st.firstConflictEr.Error()
				break
			}
		}
	}
	sc.DurationS = dur.Seconds()
	sc.Requests = len(all)
	sc.RPS = round1(float64(len(all)) / dur.Seconds())
	sc.SavesPerS = round1(float64(ok) / dur.Seconds())
	if len(all) > 0 {
		sortDurations(all)
		sc.P50Ms, sc.P95Ms, sc.P99Ms = ms(percentile(all, 50)), ms(percentile(all, 95)), ms(percentile(all, 99))
		sc.MaxMs = ms(all[len(all)-1])
		sc.AvgBytes = round1(float64(bytes) / float64(len(all)))
	}
	if len(sched) > 0 {
		sortDurations(sched)
		sc.P99SchedMs = ms(percentile(sched, 99))
	}
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

// ---------------------------------------------------------------- read-back

// verify reads every respondent's stored answers (as the admin) and checks
// each acknowledged save of the run against them: per item, the stored
// version must be at least the highest acknowledged one, and at that
// version the stored value must be the value acknowledged with it.
func (sr *surveyRun) verify(ctx context.Context, roundID int64, resps []*respondent, sc *scenarioJSON) error {
	type result struct{ checked, acked, missing, newer, nonMono int }
	results := make([]result, len(resps))
	errs := make([]error, len(resps))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < readBackConcurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				r, res := resps[k], &results[k]
				res.acked = len(r.acks)
				high := map[int32]ack{}
				for _, a := range r.acks {
					if h, ok := high[a.item]; ok && a.version <= h.version {
						res.nonMono++
					}
					high[a.item] = a
				}
				if len(high) == 0 {
					continue
				}
				path := responsePath(roundID, r.code)
				status, b, _, err := sr.call(ctx, http.MethodGet, path, sr.adminToken, "", "", nil)
				if err == nil && status != http.StatusOK {
					err = newStatusError(http.MethodGet, path, status, b)
				}
				var got responseOut
				if err == nil {
					err = json.Unmarshal(b, &got)
				}
				if err != nil {
					errs[k] = err
					continue
				}
				for item, h := range high {
					res.checked++
					it := sr.items[item]
					stored, ok := got.Answers[it.id]
					switch {
					case !ok || stored.Version < h.version:
						res.missing++
					case stored.Version == h.version && strings.Join(stored.Values, "\n") != it.vals[h.val]:
						res.missing++
					case stored.Version > h.version:
						res.newer++
					}
				}
			}
		}()
	}
	for k := range resps {
		if ctx.Err() != nil {
			break
		}
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	if left := sr.ackBudget.Load(); left < 0 {
		sc.NotKept = -left // beyond maxAcks: acknowledged but not checked
	}
	for k, res := range results {
		if errs[k] != nil {
			return fmt.Errorf("read back %s: %w", resps[k].code, errs[k])
		}
		sc.Checked += res.checked
		sc.Acked += res.acked
		sc.Missing += res.missing
		sc.NewerUnacked += res.newer
		sc.NonMonotonic += res.nonMono
	}
	return ctx.Err()
}

// ---------------------------------------------------------------- server log

// serverLatency reads the server's request log (text format: time=…
// msg=request … route=… duration=…) and returns the durations the server
// measured for route ("" for every route), for requests that ended within
// [from, until].
func serverLatency(logPath, route string, from, until time.Time) (n int, p50, p99 float64) {
	return serverLatencyAll([]string{logPath}, route, from, until)
}

// serverLatencyAll is serverLatency over the logs of several servers.
func serverLatencyAll(logPaths []string, route string, from, until time.Time) (n int, p50, p99 float64) {
	var ds []time.Duration
	for _, p := range logPaths {
		ds = append(ds, logDurations(p, route, from, until)...)
	}
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sortDurations(ds)
	return len(ds), ms(percentile(ds, 50)), ms(percentile(ds, 99))
}

// logDurations are the durations of one server's log's requests of route
// ("" for every route) that ended within [from, until].
func logDurations(logPath, route string, from, until time.Time) []time.Duration {
	f, err := os.Open(logPath) // #nosec G304 -- reads the tool's own temporary files and /proc of its child
	if err != nil {
		return nil
	}
	defer f.Close()
	var ds []time.Duration
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, " msg=request ") || (route != "" && !strings.Contains(line, " route="+route+" ")) {
			continue
		}
		var at time.Time
		var d time.Duration
		var okAt, okD bool
		for _, field := range strings.Fields(line) {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "time":
				at, err = time.Parse(time.RFC3339Nano, v)
				okAt = err == nil
			case "duration":
				d, err = time.ParseDuration(v)
				okD = err == nil
			}
		}
		if okAt && okD && !at.Before(from.Truncate(time.Millisecond)) && !at.After(until) {
			ds = append(ds, d)
		}
	}
	return ds
}

// ---------------------------------------------------------------- CPU

// userHZ is the unit of utime and stime in /proc/PID/stat (USER_HZ, 100 on Linux).
const userHZ = 100

// cpuTime is the CPU time (user + system, all threads) a process has used,
// from /proc/PID/stat; 0 where there is no /proc.
func cpuTime(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat") // #nosec G304 -- reads the tool's own temporary files and /proc of its child
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / userHZ
}

// cpuMeter measures the CPU that the server and this tool use over a run.
type cpuMeter struct {
	pid          string
	at           time.Time
	server, self time.Duration
}

func startCPU(pid int) cpuMeter {
	p := strconv.Itoa(pid)
	return cpuMeter{pid: p, at: time.Now(), server: cpuTime(p), self: cpuTime("self")}
}

// stop fills the scenario's CPU fields: cores used on average by the
// server and by the load generator, and server CPU per request of route
// (counted in the server's log over the same interval).
func (m cpuMeter) stop(sc *scenarioJSON, logPath, route string) {
	wall := time.Since(m.at)
	server, self := cpuTime(m.pid)-m.server, cpuTime("self")-m.self
	if wall <= 0 || server < 0 {
		return
	}
	sc.ServerCores = math.Round(server.Seconds()/wall.Seconds()*100) / 100
	sc.LoadgenCores = math.Round(self.Seconds()/wall.Seconds()*100) / 100
	if n, _, _ := serverLatency(logPath, route, m.at, time.Now()); n > 0 {
		sc.ServerCPUMs = math.Round(ms(server)/float64(n)*100) / 100
	}
}

// ---------------------------------------------------------------- scenario

// surveyScenario prepares the database, starts a server on it (no --demo)
// and runs the four survey scenarios. emit gets each scenario as it ends.
func surveyScenario(ctx context.Context, o options, bin, tmp string, progress func(string, ...any), emit func(scenarioJSON)) (*surveyJSON, error) {
	institutions := max(surveyInstitutions, o.clients)
	out := &surveyJSON{Institutions: institutions, Services: surveyServices, Clients: o.clients, Scenarios: []scenarioJSON{}}

	progress("survey: generating %d institutions, %d services, rounds 2026 and 2027, %d respondents", institutions, surveyServices, institutions)
	t0 := time.Now()
	db := filepath.Join(tmp, "survey", "marsad.db")
	sdb, err := prepareSurveyDB(ctx, db, institutions)
	if err != nil {
		return nil, fmt.Errorf("prepare survey database: %w", err)
	}
	out.PrepareMs = ms(time.Since(t0))
	items := answerableItems(sdb.def)
	out.AnswerableItems = len(items)
	for _, it := range items {
		if it.required {
			out.RequiredItems++
		}
	}
	if len(items) == 0 {
		return nil, errors.New("the default questionnaire has no answerable items")
	}

	logPath := filepath.Join(tmp, "logs", "survey.log")
	srv, err := startServer(ctx, bin, db, nil, logPath)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, startTimeout); err != nil {
		return nil, err
	}
	if _, err := loopbackURL(srv.base, "/"); err != nil {
		return nil, err
	}
	out.appVersion, _ = appVersion(ctx, srv.base)
	conns := o.clients + wholeWorkers + o.concurrency + 16
	tr := &http.Transport{
		Proxy:               nil, // loopback only, never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	sr := &surveyRun{client: &http.Client{Transport: tr, Timeout: requestTimeout, CheckRedirect: noRedirect},
		base: srv.base, items: items}
	sr.ackBudget.Store(maxAcks)

	// Sign every respondent in once through the API, before measuring.
	progress("survey: %d API sign-ins", institutions+1)
	t0 = time.Now()
	if sr.adminToken, err = sr.apiLogin(ctx, surveyAdminEmail); err != nil {
		return nil, err
	}
	resps := make([]*respondent, institutions)
	for i := range resps {
		resps[i] = &respondent{code: institutionCode(i + 1), email: respondentEmail(i + 1),
			versions: make([]int64, len(items)), saves: make([]int, len(items))}
	}
	if err := forEach(ctx, len(resps), loginConcurrency, func(k int) error {
		tok, err := sr.apiLogin(ctx, resps[k].email)
		resps[k].token = tok
		return err
	}); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	out.LoginMs = ms(time.Since(t0))
	out.Logins = institutions + 1

	finish := func(sc scenarioJSON) {
		out.Scenarios = append(out.Scenarios, sc)
		emit(sc)
	}
	clients := resps[:o.clients]
	autosaveOp := func(roundID int64) func(ctx context.Context, w int) (outcome, int64, error) {
		return func(ctx context.Context, w int) (outcome, int64, error) {
			oc, err := sr.autosave(ctx, clients[w], roundID)
			return oc, 0, err
		}
	}
	resetAcks := func() {
		for _, r := range clients {
			r.acks = r.acks[:0]
		}
		sr.ackBudget.Store(maxAcks)
	}
	const clientLatency = "client-side: request written → answer read, on the same CPUs as the server"

	// autosave-max: closed loop, each client on its own institution.
	progress("survey: autosave-max, %d clients, %s after %s warm-up", o.clients, o.duration, warmUp)
	resetAcks()
	pid := srv.cmd.Process.Pid
	meter := startCPU(pid)
	start := meter.at
	stats := closedLoop(ctx, o.clients, warmUp, o.duration, autosaveOp(sdb.round1))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc := scenarioJSON{Scenario: "autosave-max", Clients: o.clients, Latency: clientLatency,
		Target: "missing 0, no 409 (each client owns its institution)"}
	summarize(&sc, stats, o.duration)
	meter.stop(&sc, logPath, saveRoute)
	sc.ServerReqs, sc.ServerP50Ms, sc.ServerP99Ms = serverLatency(logPath, saveRoute, start.Add(warmUp), start.Add(warmUp+o.duration))
	if err := sr.verify(ctx, sdb.round1, clients, &sc); err != nil {
		return nil, err
	}
	finish(sc)
	if !srv.alive() {
		return nil, errors.New("server exited during autosave-max; see its log (--keep)")
	}

	// autosave-paced: an offered rate spread evenly over the clients.
	progress("survey: autosave-paced, %.0f saves/s offered over %d clients, %s after %s warm-up", o.rate, o.clients, o.duration, warmUp)
	resetAcks()
	meter = startCPU(pid)
	start = meter.at
	stats = pacedLoop(ctx, o.clients, o.rate, warmUp, o.duration, autosaveOp(sdb.round1))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc = scenarioJSON{Scenario: "autosave-paced", Clients: o.clients, OfferedPerS: o.rate, Latency: clientLatency,
		Target: fmt.Sprintf("p99 ≤ %d ms, 0 errors, missing 0", targetPacedP99Ms)}
	summarize(&sc, stats, o.duration)
	meter.stop(&sc, logPath, saveRoute)
	sc.ServerReqs, sc.ServerP50Ms, sc.ServerP99Ms = serverLatency(logPath, saveRoute, start.Add(warmUp), start.Add(warmUp+o.duration))
	if err := sr.verify(ctx, sdb.round1, clients, &sc); err != nil {
		return nil, err
	}
	finish(sc)
	if !srv.alive() {
		return nil, errors.New("server exited during autosave-paced; see its log (--keep)")
	}

	// whole-response: fill and submit whole responses in round 2027.
	progress("survey: whole-response, %d respondents, round 2027, up to %s or %d institutions", wholeWorkers, o.duration, institutions)
	meter = startCPU(pid)
	sc, err = sr.wholeResponses(ctx, sdb.round2, resps, wholeWorkers, o.duration, func(sc *scenarioJSON) {
		sc.ServerReqs, sc.ServerP50Ms, sc.ServerP99Ms = serverLatency(logPath, "", meter.at, time.Now())
		meter.stop(sc, logPath, "")
	})
	if err != nil {
		return nil, err
	}
	finish(sc)
	if !srv.alive() {
		return nil, errors.New("server exited during whole-response; see its log (--keep)")
	}

	// form page: the questionnaire page over a cookie session.
	progress("survey: form page GET /ar/rounds/%d/responses/{INST}, %d signed-in clients, %s after %s warm-up", sdb.round1, o.concurrency, o.duration, warmUp)
	cookies := make([]string, o.concurrency)
	paths := make([]string, o.concurrency)
	if err := forEach(ctx, o.concurrency, loginConcurrency, func(k int) error {
		r := resps[k%len(resps)]
		paths[k] = "/ar/rounds/" + strconv.FormatInt(sdb.round1, 10) + "/responses/" + r.code
		c, err := sr.htmlLogin(ctx, r.email)
		cookies[k] = c
		return err
	}); err != nil {
		return nil, fmt.Errorf("HTML sign-in: %w", err)
	}
	meter = startCPU(pid)
	start = meter.at
	stats = closedLoop(ctx, o.concurrency, warmUp, o.duration, func(ctx context.Context, w int) (outcome, int64, error) {
		status, b, _, err := sr.call(ctx, http.MethodGet, paths[w], "", cookies[w], "", nil)
		if err != nil {
			return outcomeError, 0, err
		}
		if status != http.StatusOK {
			return outcomeError, int64(len(b)), newStatusError(http.MethodGet, paths[w], status, b)
		}
		return outcomeOK, int64(len(b)), nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc = scenarioJSON{Scenario: "form-page", Clients: o.concurrency, Latency: clientLatency + "; server_p50/p99 are the server's own timings from its request log",
		Target: fmt.Sprintf("p99 ≤ %d ms server time", targetFormP99Ms)}
	summarize(&sc, stats, o.duration)
	sc.SavesPerS = 0
	meter.stop(&sc, logPath, formRoute)
	sc.ServerReqs, sc.ServerP50Ms, sc.ServerP99Ms = serverLatency(logPath, formRoute, start.Add(warmUp), start.Add(warmUp+o.duration))
	finish(sc)

	if out.RSSAfterKB, out.HWMAfterKB, err = readRSS(srv.cmd.Process.Pid); err != nil {
		return nil, err
	}
	if !srv.alive() {
		return nil, errors.New("server exited during the form page test; see its log (--keep)")
	}
	return out, nil
}

// forEach runs fn(0…n-1) on conc workers and returns the first error.
func forEach(ctx context.Context, n, conc int, fn func(k int) error) error {
	jobs := make(chan int)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				errs[k] = fn(k)
			}
		}()
	}
	for k := 0; k < n && ctx.Err() == nil; k++ {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// responseLoad has workerCount respondents each take institutions from
// one queue and complete each with fill, until dur ends (the responses under
// way are finished) or no institution is left. A version conflict (409) is
// counted by fill in st.conflicts, not as an error. It fills the load's
// figures in a scenarioJSON and returns the completed responses.
func responseLoad(ctx context.Context, resps []*respondent, workerCount int, dur time.Duration,
	fill func(r *respondent, st *loopStats) (map[int]answerOut, error)) (scenarioJSON, []completedResponse, error) {
	var sc scenarioJSON
	queue := make(chan *respondent, len(resps))
	for _, r := range resps {
		queue <- r
	}
	close(queue)
	type worker struct {
		loopStats
		whole     []time.Duration
		completed []completedResponse
		ranOut    bool
	}
	workers := make([]worker, workerCount)
	start := time.Now()
	until := start.Add(dur)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(wk *worker) {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(until) {
				r, ok := <-queue
				if !ok {
					wk.ranOut = true
					return
				}
				t0 := time.Now()
				vals, err := fill(r, &wk.loopStats)
				var se *statusError
				if errors.As(err, &se) && se.status == http.StatusConflict {
					continue // counted in conflicts, not errors
				}
				if err != nil {
					wk.errors++
					if wk.firstErr == nil {
						wk.firstErr = err
					}
					continue
				}
				wk.whole = append(wk.whole, time.Since(t0))
				wk.completed = append(wk.completed, completedResponse{r, vals})
			}
		}(&workers[w])
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return sc, nil, err
	}
	var lat, whole []time.Duration
	var completed []completedResponse
	var bytes int64
	for _, wk := range workers {
		lat = append(lat, wk.lat...)
		whole = append(whole, wk.whole...)
		completed = append(completed, wk.completed...)
		bytes += wk.bytes
		sc.Errors += wk.errors
		sc.Conflicts += wk.conflicts
		sc.RanOut = sc.RanOut || wk.ranOut
		if wk.firstErr != nil && sc.FirstError == "" {
			sc.FirstError = wk.firstErr.Error()
		}
	}
	sc.Clients = workerCount
	sc.DurationS = math.Round(elapsed.Seconds()*1000) / 1000
	sc.Requests = len(lat)
	sc.RPS = round1(float64(len(lat)) / elapsed.Seconds())
	sc.Completed = len(completed)
	sc.ResponsesPerS = round1(float64(len(completed)) / elapsed.Seconds())
	if len(lat) > 0 {
		sortDurations(lat)
		sc.P50Ms, sc.P95Ms, sc.P99Ms, sc.MaxMs = ms(percentile(lat, 50)), ms(percentile(lat, 95)), ms(percentile(lat, 99)), ms(lat[len(lat)-1])
		sc.AvgBytes = round1(float64(bytes) / float64(len(lat)))
	}
	if len(whole) > 0 {
		sortDurations(whole)
		sc.RespP50Ms, sc.RespP99Ms = ms(percentile(whole, 50)), ms(percentile(whole, 99))
	}
	return sc, completed, nil
}

// wholeResponses has workerCount respondents each take institutions from
// one queue and, for each, read the response, save every required item
// one by one and submit (responseLoad). measured is called when the load
// ends, before the read-back.
func (sr *surveyRun) wholeResponses(ctx context.Context, roundID int64, resps []*respondent, workerCount int, dur time.Duration, measured func(*scenarioJSON)) (scenarioJSON, error) {
	sc, completed, err := responseLoad(ctx, resps, workerCount, dur, func(r *respondent, st *loopStats) (map[int]answerOut, error) {
		send := func(method, path string, body []byte) (int, []byte, error) {
			ct := ""
			if body != nil {
				ct = "application/json"
			}
			t0 := time.Now()
			status, b, _, err := sr.call(ctx, method, path, r.token, "", ct, body)
			if err == nil {
				st.lat = append(st.lat, time.Since(t0))
			}
			return status, b, err
		}
		return sr.fillOne(roundID, r, send, st)
	})
	sc.Scenario = "whole-response"
	sc.Latency = "client-side per request (GET, PUT each required item, POST submit); response_* is one whole response"
	sc.Target = fmt.Sprintf("≥ %d completed responses/s", targetWholePerS)
	if err != nil {
		return sc, err
	}
	measured(&sc)
	err = sr.readBack(ctx, roundID, completed, &sc)
	return sc, err
}

// readBack reads every completed response (as the admin) and counts, in
// sc.Missing, each one not submitted and each acknowledged answer not
// stored as acknowledged.
func (sr *surveyRun) readBack(ctx context.Context, roundID int64, completed []completedResponse, sc *scenarioJSON) error {
	var mu sync.Mutex
	return forEach(ctx, len(completed), readBackConcurrency, func(k int) error {
		c := completed[k]
		path := responsePath(roundID, c.r.code)
		status, b, _, err := sr.call(ctx, http.MethodGet, path, sr.adminToken, "", "", nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return newStatusError(http.MethodGet, path, status, b)
		}
		var got responseOut
		if err := json.Unmarshal(b, &got); err != nil {
			return err
		}
		missing, checked := 0, 0
		if got.Status != survey.ResponseSubmitted {
			missing++
		}
		for i, a := range c.vals {
			checked++
			stored, ok := got.Answers[sr.items[i].id]
			if !ok || stored.Version != a.Version || strings.Join(stored.Values, "\n") != strings.Join(a.Values, "\n") {
				missing++
			}
		}
		mu.Lock()
		sc.Missing += missing
		sc.Checked += checked
		sc.Acked += checked
		mu.Unlock()
		return nil
	})
}

// fillOne fills and submits one institution's response as its respondent.
// send carries r's bearer token and times each request.
func (sr *surveyRun) fillOne(roundID int64, r *respondent,
	send func(method, path string, body []byte) (int, []byte, error), st *loopStats) (map[int]answerOut, error) {
	path := responsePath(roundID, r.code)
	status, b, err := send(http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, newStatusError(http.MethodGet, path, status, b)
	}
	var cur responseOut
	if err := json.Unmarshal(b, &cur); err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	vals := map[int]answerOut{}
	for i, it := range sr.items {
		if !it.required {
			continue
		}
		body, _ := json.Marshal(saveBody{Values: []string{it.vals[len(it.vals)-1]}, Version: cur.Answers[it.id].Version})
		p := answerPath(roundID, r.code, it.id)
		status, b, err := send(http.MethodPut, p, body)
		if err != nil {
			return nil, err
		}
		if status == http.StatusConflict {
			st.conflicts++ // nobody else writes this institution: there should be none
		}
		if status != http.StatusOK {
			return nil, newStatusError(http.MethodPut, p, status, b)
		}
		var a answerOut
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("PUT %s: %w", p, err)
		}
		vals[i] = a
	}
	p := path + "/submit"
	status, b, err = send(http.MethodPost, p, nil)
	if err != nil {
		return nil, err
	}
	if status == http.StatusConflict {
		st.conflicts++
	}
	if status != http.StatusOK {
		return nil, newStatusError(http.MethodPost, p, status, b)
	}
	return vals, nil
}

// ---------------------------------------------------------------- output

func printSurvey(w io.Writer, s *surveyJSON) {
	if s == nil {
		return
	}
	fmt.Fprintf(w, "\nSURVEY: fresh server (no --demo) on a generated database: %d institutions, %d services, default questionnaire (%d answerable items, %d required), rounds 2026 and 2027 open\n",
		s.Institutions, s.Services, s.AnswerableItems, s.RequiredItems)
	fmt.Fprintf(w, "Prepared in %.0f ms; %d API sign-ins in %.0f ms. Latencies are client-side (same CPUs); srv p50/p99 are the server's own request-log timings;\n", s.PrepareMs, s.Logins, s.LoginMs)
	fmt.Fprintf(w, "srv CPU ms/req is server CPU time over the run (warm-up included) per logged request; cores: average CPUs used by the server + this load generator.\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tclients\toffered/s\treq/s\tsaves/s\tresp/s\tp50 ms\tp99 ms\tmax ms\tsrv p50\tsrv p99\tsrv CPU ms/req\tcores srv+gen\terrors\t409\tmissing\tchecked\ttarget\t")
	for _, c := range s.Scenarios {
		offered, saves, resp := "", "", ""
		if c.OfferedPerS > 0 {
			offered = fmt.Sprintf("%.0f", c.OfferedPerS)
		}
		if c.SavesPerS > 0 {
			saves = fmt.Sprintf("%.0f", c.SavesPerS)
		}
		if c.Scenario == "whole-response" {
			resp = fmt.Sprintf("%.1f", c.ResponsesPerS)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f+%.2f\t%d\t%d\t%d\t%d\t%s\t\n",
			c.Scenario, c.Clients, offered, c.RPS, saves, resp, c.P50Ms, c.P99Ms, c.MaxMs, c.ServerP50Ms, c.ServerP99Ms,
			c.ServerCPUMs, c.ServerCores, c.LoadgenCores, c.Errors, c.Conflicts, c.Missing, c.Checked, c.Target)
	}
	_ = tw.Flush()
	for _, c := range s.Scenarios {
		var notes []string
		if c.P99SchedMs > 0 {
			notes = append(notes, fmt.Sprintf("p99 from the scheduled send time %.2f ms, %d ticks dropped (request still in flight)", c.P99SchedMs, c.DroppedTicks))
		}
		if c.Scenario == "whole-response" {
			notes = append(notes, fmt.Sprintf("%d responses completed in %.2f s (one: p50 %.0f ms, p99 %.0f ms)", c.Completed, c.DurationS, c.RespP50Ms, c.RespP99Ms))
			if c.RanOut {
				notes = append(notes, "ran out of institutions before the duration ended")
			}
		}
		if c.NewerUnacked > 0 || c.NonMonotonic > 0 {
			notes = append(notes, fmt.Sprintf("%d answers stored newer than acknowledged, %d non-increasing versions", c.NewerUnacked, c.NonMonotonic))
		}
		if c.FirstError != "" {
			notes = append(notes, "first error: "+c.FirstError)
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "  %s: %s\n", c.Scenario, strings.Join(notes, "; "))
		}
	}
	fmt.Fprintf(w, "  server VmRSS after the survey scenarios: %.1f MiB (peak %.1f MiB)\n", float64(s.RSSAfterKB)/1024, float64(s.HWMAfterKB)/1024)
}
