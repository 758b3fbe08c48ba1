// Command bench measures Marsad on this machine: binary size, cold start,
// idle resident memory and HTTP throughput. It runs the real binary on
// 127.0.0.1 only, with bounded counts and times, and stops by itself.
//
//	cd /work/main && go run ./bench [--binary PATH] [--runs 5] [--concurrency 32]
//	    [--duration 10] [--path /en/ ...] [--catalog 30000] [--survey=true]
//	    [--clients 200] [--rate 1500] [--only survey|catalog] [--json FILE] [--keep]
//	go run ./bench --scenarios [--size national|regional|national,regional]
//	    [--duration 5] [--concurrency 32] [--scenario NAME,...] [--fresh] [--cache-dir DIR]
//	    [--postgres postgres://USER:PASS@127.0.0.1/DB [--servers N]]
//
// --scenarios runs the sized scenario set (scenarios.go) instead: one JSON
// line per scenario on stdout, progress and a table on stderr.
//
// The targets printed next to the numbers are for reading, not asserted.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
)

// Fixed parameters of the measurements.
const (
	host           = "127.0.0.1" // the only address the tool ever talks to
	pollEvery      = 2 * time.Millisecond
	startTimeout   = 10 * time.Second
	warmUp         = 1 * time.Second
	idleWait       = 2 * time.Second
	primeRequests  = 20 // requests before the idle-memory reading
	requestTimeout = 10 * time.Second
	stopGrace      = 5 * time.Second
)

// releaseTags are the build tags of the release build (README, "Release
// build"): nomsgpack leaves out Gin's MessagePack codec, which Marsad does
// not use and which is a fifth of the binary.
const releaseTags = "nomsgpack"

// Targets, printed next to the numbers.
const (
	targetColdStartMs = 300
	targetBinaryMB    = 40
	targetIdleRSSMB   = 30
	targetHomeRPS     = 3000
)

type options struct {
	src         string
	binary      string
	runs        int
	concurrency int
	duration    time.Duration
	jsonPath    string
	keep        bool
	paths       []string
	catalog     int
	survey      bool
	clients     int
	rate        float64
	only        string
	scenarios   bool     // the sized scenario set instead of the phases above
	sizes       []string // national, regional
	picked      []string // --scenario: only these of the set
	fresh       bool     // regenerate the cached databases
	cpuProfile  string   // the load generator's own CPU profile
	cacheDir    string
	postgres    string // scenarios: an admin URL; the scenarios run on PostgreSQL (postgres.go)
	repeat      int    // scenarios: runs of the whole set, summarized by medians
	servers     int    // scenarios on PostgreSQL: server processes sharing the database
}

type pathList []string

func (p *pathList) String() string     { return strings.Join(*p, ",") }
func (p *pathList) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the tool at once
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var dur string
	var paths pathList
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.src, "src", ".", "module root of the app to build (the directory with go.mod)")
	fs.StringVar(&o.binary, "binary", "", "benchmark this binary instead of building one")
	fs.IntVar(&o.runs, "runs", 5, "cold starts per case (1-100)")
	fs.IntVar(&o.concurrency, "concurrency", 32, "concurrent clients for the throughput test (1-1024)")
	fs.StringVar(&dur, "duration", "10", "measured seconds per throughput test, after a 1 s warm-up (e.g. 10 or 2.5s; at most 300 s)")
	fs.Var(&paths, "path", "another path to load-test after /ar/ and /healthz (repeatable)")
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, databases, server logs)")
	fs.IntVar(&o.catalog, "catalog", 30000, "services in the generated catalog scenario (0 skips it)")
	fs.BoolVar(&o.survey, "survey", true, "run the survey scenario (autosave, whole responses, form page) on a generated database")
	fs.IntVar(&o.clients, "clients", defaultClients, "survey: autosaving respondents, one institution each (1-1000)")
	fs.Float64Var(&o.rate, "rate", defaultPacedRate, "survey: saves per second offered in autosave-paced, over all clients")
	fs.StringVar(&o.only, "only", "", "run only one scenario: survey, catalog, signin, uploads, checks or mail (the binary is still built and sized)")
	fs.BoolVar(&o.scenarios, "scenarios", false, "run the sized scenario set (see --size) instead of the phases above: one JSON line per scenario on stdout")
	var sizes, picked string
	fs.StringVar(&sizes, "size", "national", "scenarios: database size, national (150 institutions, 3,000 services, 5 rounds) or regional (1,500, 30,000, 10); a comma list runs each")
	fs.StringVar(&picked, "scenario", "", "scenarios: run only these (comma list of "+strings.Join(scenarioNames, ", ")+")")
	fs.BoolVar(&o.fresh, "fresh", false, "scenarios: regenerate the database even if a cached one fits")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file (the client shares the CPUs with the server)")
	fs.StringVar(&o.cacheDir, "cache-dir", filepath.Join(os.TempDir(), "marsad-bench-cache"), "scenarios: where generated databases are kept between runs")
	fs.StringVar(&o.postgres, "postgres", "", "scenarios: run them on PostgreSQL; an admin URL (loopback) whose role may create databases: a template copied from the cached SQLite database is kept, and each scenario gets a fresh database from it")
	fs.IntVar(&o.repeat, "repeat", 1, "scenarios: run the set this many times, each scenario on a fresh server, and end with each figure's median and range (this machine's figures move 10-30 % from run to run)")
	fs.IntVar(&o.servers, "servers", 1, "scenarios with --postgres: server processes on the same database, clients spread over them in turn (autosave and respondent-path only)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "duration" })
	if o.scenarios && !durationSet {
		dur = strconv.FormatFloat(defaultScenarioDuration.Seconds(), 'f', -1, 64)
	}
	for _, s := range strings.Split(sizes, ",") {
		s = strings.TrimSpace(s)
		if _, ok := sizeByName(s); !ok {
			return o, fmt.Errorf("--size %q: want national or regional", s)
		}
		if !slices.Contains(o.sizes, s) {
			o.sizes = append(o.sizes, s)
		}
	}
	for _, s := range strings.Split(picked, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(scenarioNames, s) {
			return o, fmt.Errorf("--scenario %q: want one of %s", s, strings.Join(scenarioNames, ", "))
		}
		o.picked = append(o.picked, s)
	}
	if o.scenarios && o.only != "" {
		return o, errors.New("--scenarios and --only do not go together")
	}
	if o.postgres != "" && !o.scenarios {
		return o, errors.New("--postgres goes with --scenarios")
	}
	if o.repeat < 1 || o.repeat > 20 {
		return o, errors.New("--repeat must be 1-20")
	}
	if o.servers < 1 || o.servers > maxServers {
		return o, fmt.Errorf("--servers must be 1-%d", maxServers)
	}
	if o.servers > 1 {
		if o.postgres == "" {
			return o, errors.New("--servers above 1 needs --postgres (servers share a PostgreSQL database, never a SQLite file)")
		}
		if len(o.picked) == 0 {
			return o, fmt.Errorf("--servers above 1 needs --scenario, one or more of %s", strings.Join(multiServerScenarios, ", "))
		}
		for _, s := range o.picked {
			if !slices.Contains(multiServerScenarios, s) {
				return o, fmt.Errorf("--servers above 1: scenario %q runs on one server only; want %s", s, strings.Join(multiServerScenarios, ", "))
			}
		}
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if secs, err := strconv.ParseFloat(dur, 64); err == nil {
		o.duration = time.Duration(secs * float64(time.Second))
	} else if o.duration, err = time.ParseDuration(dur); err != nil {
		return o, fmt.Errorf("--duration %q: want seconds (10) or a duration (10s)", dur)
	}
	switch {
	case o.runs < 1 || o.runs > 100:
		return o, errors.New("--runs must be 1-100")
	case o.concurrency < 1 || o.concurrency > 1024:
		return o, errors.New("--concurrency must be 1-1024")
	case o.duration < 100*time.Millisecond || o.duration > 300*time.Second:
		return o, errors.New("--duration must be between 0.1 and 300 seconds")
	case o.clients < 1 || o.clients > maxSurveyClients:
		return o, fmt.Errorf("--clients must be 1-%d", maxSurveyClients)
	case !(o.rate >= 1 && o.rate <= maxPacedRate):
		return o, fmt.Errorf("--rate must be 1-%d saves/s", maxPacedRate)
	case o.only != "" && o.only != "survey" && o.only != "catalog" && o.only != "signin" && o.only != "uploads" && o.only != "checks" && o.only != "mail":
		return o, errors.New(`--only must be "survey", "catalog", "signin", "uploads", "checks" or "mail"`)
	case o.only == "survey" && !o.survey:
		return o, errors.New("--only survey with --survey=false leaves nothing to run")
	case o.only == "catalog" && o.catalog == 0:
		return o, errors.New("--only catalog with --catalog 0 leaves nothing to run")
	}
	o.paths = []string{"/ar/", "/healthz"}
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			return o, fmt.Errorf("--path %q must start with /", p)
		}
		o.paths = append(o.paths, p)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	tmp, err := os.MkdirTemp("", "marsad-bench-")
	if err != nil {
		return err
	}
	defer func() {
		stopAll()
		if o.keep {
			fmt.Fprintln(stderr, "bench: kept", tmp)
			return
		}
		_ = os.RemoveAll(tmp)
	}()
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	res := &results{Env: environment(), Started: time.Now().UTC().Format(time.RFC3339)}
	res.Config = configJSON{Runs: o.runs, Concurrency: o.concurrency, DurationS: o.duration.Seconds(),
		WarmUpS: warmUp.Seconds(), Paths: o.paths, Only: o.only}
	if o.survey {
		res.Config.SurveyClients, res.Config.SurveyRate = o.clients, o.rate
	}
	res.Targets = targetsJSON{ColdStartMs: targetColdStartMs, BinaryMB: targetBinaryMB, IdleRSSMB: targetIdleRSSMB,
		HomeRPS: targetHomeRPS, HomeConcurrency: 32}

	// 1. Binary size.
	bin, err := binarySizes(ctx, o, tmp, res, progress)
	if err != nil {
		return err
	}

	if o.scenarios {
		var sized []*sizedJSON
		var runs [][]*sizedJSON
		for i := range max(o.repeat, 1) {
			if o.repeat > 1 {
				progress("run %d of %d", i+1, o.repeat)
			}
			sized, err = runSized(ctx, o, bin, tmp, stdout, stderr, progress)
			runs = append(runs, sized)
			if err != nil {
				break
			}
		}
		if o.repeat > 1 {
			printRepeated(stdout, runs)
		}
		if o.jsonPath != "" && len(sized) > 0 {
			b, jerr := json.MarshalIndent(map[string]any{"started": res.Started, "finished": time.Now().UTC().Format(time.RFC3339),
				"environment": res.Env, "binary": res.Binary, "concurrency": o.concurrency, "duration_s": o.duration.Seconds(),
				"warm_up_s": warmUp.Seconds(), "sizes": sized}, "", "  ")
			if jerr == nil {
				jerr = os.WriteFile(o.jsonPath, append(b, '\n'), 0o644) // #nosec G306 -- results and copies in the developer's temporary directory
			}
			if jerr != nil && err == nil {
				err = jerr
			}
		}
		return err
	}

	tr := &http.Transport{
		Proxy:               nil, // loopback only, never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * o.concurrency,
		MaxIdleConnsPerHost: 2 * o.concurrency,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	if o.only == "uploads" { // uploads.go: memory and pages under hostile uploads
		return uploadsPhase(ctx, o, bin, tmp, stdout, progress)
	}
	if o.only == "checks" { // checks.go: 30,000 service URLs checked
		return checksScenario(ctx, bin, tmp, stdout, progress)
	}
	if o.only == "mail" { // mail.go: 10,000 messages through the outbox to a local SMTP server
		return mailScenario(ctx, bin, tmp, stdout, progress)
	}
	if o.only == "signin" { // signin.go: sign-in under a password-guessing attack
		_, err := signinScenario(ctx, o, bin, tmp, stdout, stderr, progress)
		return err
	}
	if o.only == "" {
		if err := basicScenarios(ctx, o, bin, tmp, tr, res, progress); err != nil {
			return err
		}
	}

	if o.catalog > 0 && (o.only == "" || o.only == "catalog") {
		if res.Catalog, err = catalogScenario(ctx, o, bin, tmp, tr, progress); err != nil {
			return err
		}
	}

	if o.survey && (o.only == "" || o.only == "survey") {
		emit := func(sc scenarioJSON) {
			if b, err := json.Marshal(sc); err == nil {
				fmt.Fprintf(stdout, "%s\n", b)
			}
		}
		if res.Survey, err = surveyScenario(ctx, o, bin, tmp, progress, emit); err != nil {
			return fmt.Errorf("survey: %w", err)
		}
		if res.AppVersion == "" {
			res.AppVersion = res.Survey.appVersion
		}
	}

	res.Finished = time.Now().UTC().Format(time.RFC3339)
	printTable(stdout, res)
	printCatalog(stdout, res.Catalog)
	printSurvey(stdout, res.Survey)
	if o.jsonPath != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonPath, append(b, '\n'), 0o644); err != nil { // #nosec G306 -- results and copies in the developer's temporary directory
			return err
		}
		progress("wrote %s", o.jsonPath)
	}
	return nil
}

// basicScenarios measures cold start, idle memory and throughput of the
// plain pages on a demo-seeded database.
func basicScenarios(ctx context.Context, o options, bin, tmp string, tr *http.Transport, res *results, progress func(string, ...any)) error {
	// A prepared database: migrated and demo-seeded by the app itself.
	progress("preparing a migrated, demo-seeded database")
	prepared := filepath.Join(tmp, "prepared", "marsad.db")
	if err := prepareDB(ctx, bin, prepared, filepath.Join(tmp, "logs", "prepare.log")); err != nil {
		return fmt.Errorf("prepare database: %w", err)
	}

	// 2. Cold start.
	cases := []struct {
		name     string
		prepared bool
		demo     bool
	}{
		{"fresh database, no --demo", false, false},
		{"prepared database, no --demo", true, false},
		{"prepared database, --demo", true, true},
		{"fresh database, --demo", false, true},
	}
	for ci, c := range cases {
		progress("cold start: %s (%d runs)", c.name, o.runs)
		cs := coldStartJSON{Case: c.name, RunsMs: []float64{}}
		if c.demo {
			cs.Args = "--demo"
		}
		for i := 0; i < o.runs; i++ {
			dir := filepath.Join(tmp, "cold", fmt.Sprintf("case%d-run%d", ci, i))
			db := filepath.Join(dir, "marsad.db")
			if c.prepared {
				if err := copyDB(prepared, db); err != nil {
					return err
				}
			}
			extra := []string{}
			if c.demo {
				extra = append(extra, "--demo")
			}
			d, err := coldStart(ctx, bin, db, extra, filepath.Join(tmp, "logs", fmt.Sprintf("cold-case%d-run%d.log", ci, i)))
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				progress("  run %d: %v", i+1, err)
				cs.Failures++
				continue
			}
			cs.RunsMs = append(cs.RunsMs, ms(d))
		}
		cs.summarize()
		res.ColdStart = append(res.ColdStart, cs)
	}

	// 3 and 4. One server on a copy of the prepared database for memory and load.
	db := filepath.Join(tmp, "load", "marsad.db")
	if err := copyDB(prepared, db); err != nil {
		return err
	}
	srv, err := startServer(ctx, bin, db, []string{"--demo"}, filepath.Join(tmp, "logs", "load.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, startTimeout); err != nil {
		return err
	}
	if v, err := appVersion(ctx, srv.base); err == nil {
		res.AppVersion = v
	}
	progress("idle memory: %d requests, then %s idle", primeRequests, idleWait)
	if err := prime(ctx, srv.base, o.paths); err != nil {
		return err
	}
	if err := sleep(ctx, idleWait); err != nil {
		return err
	}
	if res.Memory.IdleRSSKB, res.Memory.IdleHWMKB, err = readRSS(srv.cmd.Process.Pid); err != nil {
		return err
	}

	for _, p := range o.paths {
		progress("load: GET %s, %d clients, %s after %s warm-up", p, o.concurrency, o.duration, warmUp)
		lr, err := loadTest(ctx, tr, srv.base, p, o.concurrency, warmUp, o.duration)
		if err != nil {
			return err
		}
		res.Throughput = append(res.Throughput, lr)
		if !srv.alive() {
			return errors.New("server exited during the load test; see its log (--keep)")
		}
	}
	tr.CloseIdleConnections()
	if err := sleep(ctx, idleWait); err != nil {
		return err
	}
	if res.Memory.AfterLoadRSSKB, res.Memory.AfterLoadHWMKB, err = readRSS(srv.cmd.Process.Pid); err != nil {
		return err
	}
	srv.stop()
	return nil
}

// ---------------------------------------------------------------- results

type results struct {
	Started    string          `json:"started"`
	Finished   string          `json:"finished"`
	Env        envJSON         `json:"environment"`
	AppVersion string          `json:"app_version,omitempty"`
	Config     configJSON      `json:"config"`
	Targets    targetsJSON     `json:"targets"`
	Binary     binaryJSON      `json:"binary"`
	ColdStart  []coldStartJSON `json:"cold_start"`
	Memory     memoryJSON      `json:"memory"`
	Throughput []loadJSON      `json:"throughput"`
	Catalog    *catalogJSON    `json:"catalog,omitempty"`
	Survey     *surveyJSON     `json:"survey,omitempty"`
}

type envJSON struct {
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	Kernel     string `json:"kernel,omitempty"`
	Note       string `json:"note"`
}

type configJSON struct {
	Runs          int      `json:"runs"`
	Concurrency   int      `json:"concurrency"`
	DurationS     float64  `json:"duration_s"`
	WarmUpS       float64  `json:"warm_up_s"`
	Paths         []string `json:"paths"`
	Only          string   `json:"only,omitempty"`
	SurveyClients int      `json:"survey_clients,omitempty"`
	SurveyRate    float64  `json:"survey_offered_saves_per_s,omitempty"`
}

type targetsJSON struct {
	ColdStartMs     float64 `json:"cold_start_ms_max"`
	BinaryMB        float64 `json:"binary_mib_max"`
	IdleRSSMB       float64 `json:"idle_rss_mib_max"`
	HomeRPS         float64 `json:"ar_home_rps_min"`
	HomeConcurrency int     `json:"ar_home_concurrency"`
}

type binaryJSON struct {
	Benchmarked   string `json:"benchmarked"`
	StrippedBytes int64  `json:"stripped_bytes,omitempty"` // go build -trimpath -tags nomsgpack -ldflags "-s -w"
	PlainBytes    int64  `json:"plain_bytes,omitempty"`    // go build -tags nomsgpack
	GivenBytes    int64  `json:"given_bytes,omitempty"`    // --binary
}

type coldStartJSON struct {
	Case     string    `json:"case"`
	Args     string    `json:"extra_args,omitempty"`
	RunsMs   []float64 `json:"runs_ms"`
	MinMs    float64   `json:"min_ms"`
	MedianMs float64   `json:"median_ms"`
	MaxMs    float64   `json:"max_ms"`
	Failures int       `json:"failures"`
}

func (c *coldStartJSON) summarize() {
	if len(c.RunsMs) == 0 {
		return
	}
	s := append([]float64(nil), c.RunsMs...)
	sort.Float64s(s)
	c.MinMs, c.MaxMs = s[0], s[len(s)-1]
	if n := len(s); n%2 == 1 {
		c.MedianMs = s[n/2]
	} else {
		c.MedianMs = (s[n/2-1] + s[n/2]) / 2
	}
}

type memoryJSON struct {
	IdleRSSKB      int64 `json:"idle_rss_kib"`
	IdleHWMKB      int64 `json:"idle_peak_rss_kib"`
	AfterLoadRSSKB int64 `json:"after_load_rss_kib"`
	AfterLoadHWMKB int64 `json:"after_load_peak_rss_kib"`
}

type loadJSON struct {
	Path        string  `json:"path"`
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s"`
	Requests    int     `json:"requests"`
	RPS         float64 `json:"requests_per_s"`
	Errors      int     `json:"errors"`
	Non200      int     `json:"non_200"`
	P50Ms       float64 `json:"p50_ms"`
	P95Ms       float64 `json:"p95_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	AvgBytes    float64 `json:"avg_body_bytes"`
	FirstError  string  `json:"first_error,omitempty"`
}

func environment() envJSON {
	e := envJSON{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Note: "load generator and server run on the same machine and share its CPUs"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				e.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.Kernel = strings.TrimSpace(string(b))
	}
	return e
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// ---------------------------------------------------------------- binary

func binarySizes(ctx context.Context, o options, tmp string, res *results, progress func(string, ...any)) (string, error) {
	if o.binary != "" {
		abs, err := filepath.Abs(o.binary)
		if err != nil {
			return "", err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return "", err
		}
		res.Binary = binaryJSON{Benchmarked: abs, GivenBytes: fi.Size()}
		return abs, nil
	}
	mod, err := os.ReadFile(filepath.Join(o.src, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("no go.mod in %s (run from the app's module root, or pass --src or --binary): %w", o.src, err)
	}
	if !bytes.Contains(mod, []byte("module marsad")) {
		return "", fmt.Errorf("%s/go.mod is not module marsad", o.src)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	stripped := filepath.Join(tmp, "bin", "marsad-stripped")
	plain := filepath.Join(tmp, "bin", "marsad-plain")
	builds := []struct {
		out  string
		args []string
	}{
		{stripped, []string{"build", "-trimpath", "-tags", releaseTags, "-ldflags", "-s -w", "-o", stripped, "."}},
		{plain, []string{"build", "-tags", releaseTags, "-o", plain, "."}},
	}
	for _, b := range builds {
		progress("go %q", b.args)
		cmd := exec.CommandContext(ctx, goTool, b.args...) // #nosec G204 -- runs the binary it just built (or the go tool), with its own arguments
		cmd.Dir = o.src
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("go build: %w", err)
		}
	}
	for _, p := range []string{stripped, plain} {
		fi, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		if p == stripped {
			res.Binary.StrippedBytes = fi.Size()
		} else {
			res.Binary.PlainBytes = fi.Size()
		}
	}
	res.Binary.Benchmarked = `stripped build (go build -trimpath -tags ` + releaseTags + ` -ldflags "-s -w")`
	return stripped, nil
}

// ---------------------------------------------------------------- servers

// server is one running marsad process.
type server struct {
	cmd     *exec.Cmd
	base    string
	log     *os.File
	started time.Time
	done    chan struct{}
	once    sync.Once
}

var (
	liveMu sync.Mutex
	live   = map[*server]bool{}
)

// stopAll stops every server still running (on error and on Ctrl-C too).
func stopAll() {
	liveMu.Lock()
	all := make([]*server, 0, len(live))
	for s := range live {
		all = append(all, s)
	}
	liveMu.Unlock()
	for _, s := range all {
		s.stop()
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is this environment without MARSAD_* settings, so that only the
// flags below configure the server.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MARSAD_") {
			env = append(env, kv)
		}
	}
	return env
}

// startServer starts marsad serve on a free loopback port, its output going
// to logPath (a file, not a pipe, so logging costs what it costs in production).
func startServer(ctx context.Context, bin, db string, extra []string, logPath string) (*server, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return nil, err
	}
	logf, err := os.Create(logPath) // #nosec G304 -- reads the tool's own temporary files and /proc of its child
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	args := append([]string{"serve", "--addr", addr, "--db", db}, extra...)
	cmd := exec.Command(bin, args...) // #nosec G204 G702 -- runs the binary it just built (or the go tool), with its own arguments
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = procAttr()
	s := &server{cmd: cmd, base: "http://" + addr, log: logf, done: make(chan struct{})}
	s.started = time.Now() // cold start counts from here: the fork and exec
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, err
	}
	liveMu.Lock()
	live[s] = true
	liveMu.Unlock()
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop asks the server to shut down (SIGTERM) and kills it if it has not
// exited within stopGrace.
func (s *server) stop() {
	s.once.Do(func() {
		if s.alive() {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(stopGrace):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
		_ = s.log.Close()
		liveMu.Lock()
		delete(live, s)
		liveMu.Unlock()
	})
}

// waitReady waits until the server answers 200 on /healthz.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	return waitHealthy(ctx, s, s.started, timeout)
}

// waitHealthy polls /healthz every pollEvery until it answers 200, and
// returns the time since t0; it gives up after timeout or if s exits.
func waitHealthy(ctx context.Context, s *server, t0 time.Time, timeout time.Duration) (time.Duration, error) {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Second}
	deadline := t0.Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/healthz", nil) // #nosec G704 -- the bench tool talks to the server it started on loopback
		resp, err := client.Do(req)                                                       // #nosec G704 -- the bench tool talks to the server it started on loopback
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), nil
			}
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no 200 on /healthz within %s", timeout)
		}
		select {
		case <-s.done:
			return 0, fmt.Errorf("server exited before answering /healthz (%v); log: %s", s.cmd.ProcessState, s.log.Name())
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// coldStart times one start: process start to the first 200 on /healthz.
func coldStart(ctx context.Context, bin, db string, extra []string, logPath string) (time.Duration, error) {
	if !isPostgresURL(db) {
		if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
			return 0, err
		}
	}
	s, err := startServer(ctx, bin, db, extra, logPath)
	if err != nil {
		return 0, err
	}
	defer s.stop()
	return waitHealthy(ctx, s, s.started, startTimeout)
}

// prepareDB lets the app migrate and seed a database, then stops it cleanly
// so the file is checkpointed and complete.
func prepareDB(ctx context.Context, bin, db, logPath string) error {
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return err
	}
	s, err := startServer(ctx, bin, db, []string{"--demo"}, logPath)
	if err != nil {
		return err
	}
	_, err = s.waitReady(ctx, startTimeout)
	s.stop()
	if err != nil {
		return err
	}
	if st := s.cmd.ProcessState; st == nil || !st.Success() {
		return fmt.Errorf("server did not exit cleanly (%v); log: %s", st, logPath)
	}
	return nil
}

// copyDB copies a database file with its WAL and shared-memory files, if any.
func copyDB(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		err := copySynced(src+suffix, dst+suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			_ = os.Remove(dst + suffix) // a stale one from an earlier run is not this database's
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copySynced copies the file src to dst and waits until the copy is on
// the disk. A 600 MB database copied without waiting leaves its pages
// dirty in the kernel, which writes them back half a minute later
// (vm.dirty_expire_centisecs), with the two cores the measured server
// shares, in the middle of a later scenario.
func copySynced(src, dst string) error {
	in, err := os.Open(src) // #nosec G304 G703 -- the tool's own cached database
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644) // #nosec G302 G304 -- a copy in the developer's temporary directory
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// readRSS reads VmRSS and VmHWM (peak) of pid, in KiB.
func readRSS(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read resident memory: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// ---------------------------------------------------------------- HTTP

// loopbackURL joins base and path and refuses anything not on 127.0.0.1.
func loopbackURL(base, path string) (string, error) {
	u, err := url.Parse(base + path)
	if err != nil {
		return "", err
	}
	if u.Hostname() != host {
		return "", fmt.Errorf("refusing %q: not on %s", u, host)
	}
	return u.String(), nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func appVersion(ctx context.Context, base string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: requestTimeout}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var h struct {
		Version string `json:"version"`
	}
	err = json.NewDecoder(resp.Body).Decode(&h)
	return h.Version, err
}

// prime sends a few requests over the paths, as a visitor would, and
// checks that each answers.
func prime(ctx context.Context, base string, paths []string) error {
	tr := &http.Transport{Proxy: nil}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: requestTimeout, CheckRedirect: noRedirect}
	for i := 0; i < primeRequests; i++ {
		u, err := loopbackURL(base, paths[i%len(paths)])
		if err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return nil
}

type workerStats struct {
	lat      []time.Duration
	errors   int
	non200   int
	bytes    int64
	firstErr error
}

// loadTest runs conc clients in a closed loop on GET path for warm+dur and
// counts the responses that complete within the dur window after warm-up.
func loadTest(ctx context.Context, tr *http.Transport, base, path string, conc int, warm, dur time.Duration) (loadJSON, error) {
	target, err := loopbackURL(base, path)
	if err != nil {
		return loadJSON{}, err
	}
	client := &http.Client{Transport: tr, Timeout: requestTimeout, CheckRedirect: noRedirect}
	start := time.Now()
	from, until := start.Add(warm), start.Add(warm+dur)
	runCtx, cancel := context.WithDeadline(ctx, until)
	defer cancel()

	stats := make([]workerStats, conc)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(st *workerStats) {
			defer wg.Done()
			st.lat = make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(until) || runCtx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(runCtx, http.MethodGet, target, nil) // #nosec G704 -- the bench tool talks to the server it started on loopback
				resp, err := client.Do(req)                                               // #nosec G704 -- as above
				var n int64
				if err == nil {
					n, err = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				t1 := time.Now()
				if t1.Before(from) || t1.After(until) {
					continue // warm-up, or cut off at the end
				}
				if err != nil {
					if runCtx.Err() != nil {
						return
					}
					st.errors++
					if st.firstErr == nil {
						st.firstErr = err
					}
					time.Sleep(time.Millisecond) // no hot spin against a dead server
					continue
				}
				if resp.StatusCode != http.StatusOK {
					st.non200++
				}
				st.bytes += n
				st.lat = append(st.lat, t1.Sub(t0))
			}
		}(&stats[w])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return loadJSON{}, err
	}

	r := loadJSON{Path: path, Concurrency: conc, DurationS: dur.Seconds()}
	var all []time.Duration
	var totalBytes int64
	for _, st := range stats {
		all = append(all, st.lat...)
		r.Errors += st.errors
		r.Non200 += st.non200
		totalBytes += st.bytes
		if st.firstErr != nil && r.FirstError == "" {
			r.FirstError = st.firstErr.Error()
		}
	}
	r.Requests = len(all)
	r.RPS = float64(r.Requests) / dur.Seconds()
	if len(all) > 0 {
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		r.P50Ms = ms(percentile(all, 50))
		r.P95Ms = ms(percentile(all, 95))
		r.P99Ms = ms(percentile(all, 99))
		r.MaxMs = ms(all[len(all)-1])
		r.AvgBytes = float64(totalBytes) / float64(len(all))
	}
	return r, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(p/100*float64(len(sorted)) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

// ---------------------------------------------------------------- output

func printTable(out io.Writer, r *results) {
	e := r.Env
	fmt.Fprintf(out, "\nMarsad benchmark  %s\n", r.Started)
	fmt.Fprintf(out, "%s %s/%s, %d CPUs (%s), GOMAXPROCS=%d, kernel %s; app %s\n",
		e.GoVersion, e.OS, e.Arch, e.NumCPU, e.CPUModel, e.GOMAXPROCS, e.Kernel, r.AppVersion)
	fmt.Fprintf(out, "Load generator and server share the same %d CPUs. Targets are shown, not asserted. MiB = 2^20 bytes.\n\n", e.NumCPU)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BINARY SIZE\tMiB\tbytes\ttarget\t")
	if r.Binary.GivenBytes > 0 {
		fmt.Fprintf(tw, "  %s\t%.1f\t%d\t≤ %d MB\t\n", r.Binary.Benchmarked, mib(r.Binary.GivenBytes), r.Binary.GivenBytes, targetBinaryMB)
	} else {
		fmt.Fprintf(tw, "  go build -trimpath -tags %s -ldflags \"-s -w\"\t%.1f\t%d\t≤ %d MB\t\n", releaseTags, mib(r.Binary.StrippedBytes), r.Binary.StrippedBytes, targetBinaryMB)
		fmt.Fprintf(tw, "  go build -tags %s\t%.1f\t%d\t≤ %d MB\t\n", releaseTags, mib(r.Binary.PlainBytes), r.Binary.PlainBytes, targetBinaryMB)
	}
	_ = tw.Flush()
	if len(r.ColdStart) == 0 { // --only: no cold start, memory or plain-page throughput
		return
	}

	fmt.Fprintf(out, "\nCOLD START: process start → first 200 on /healthz (poll every %s), %d runs, benchmarked binary: %s\n",
		pollEvery, r.Config.Runs, benchmarked(r))
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tmin ms\tmedian ms\tmax ms\tfailed\ttarget\t")
	for _, c := range r.ColdStart {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%d\t≤ %d ms\t\n", c.Case, c.MinMs, c.MedianMs, c.MaxMs, c.Failures, targetColdStartMs)
	}
	_ = tw.Flush()

	fmt.Fprintf(out, "\nRESIDENT MEMORY (VmRSS of the server on the prepared database)\n")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "when\tMiB\tpeak MiB\ttarget\t")
	fmt.Fprintf(tw, "idle: after start + %d requests + %s\t%.1f\t%.1f\t≤ %d MB\t\n", primeRequests, idleWait,
		float64(r.Memory.IdleRSSKB)/1024, float64(r.Memory.IdleHWMKB)/1024, targetIdleRSSMB)
	fmt.Fprintf(tw, "idle: after the load tests + %s\t%.1f\t%.1f\t\t\n", idleWait,
		float64(r.Memory.AfterLoadRSSKB)/1024, float64(r.Memory.AfterLoadHWMKB)/1024)
	_ = tw.Flush()

	fmt.Fprintf(out, "\nTHROUGHPUT: GET, %d keep-alive clients, %.1f s measured after %.0f s warm-up, anonymous (no cookies)\n",
		r.Config.Concurrency, r.Config.DurationS, r.Config.WarmUpS)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "path\treq/s\trequests\terrors\tnon-200\tp50 ms\tp95 ms\tp99 ms\tmax ms\tbody B\ttarget\t")
	for _, l := range r.Throughput {
		target := ""
		if l.Path == "/ar/" {
			target = fmt.Sprintf("≥ %d req/s at 32 clients", targetHomeRPS)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%s\t\n",
			l.Path, l.RPS, l.Requests, l.Errors, l.Non200, l.P50Ms, l.P95Ms, l.P99Ms, l.MaxMs, l.AvgBytes, target)
	}
	_ = tw.Flush()
	for _, l := range r.Throughput {
		if l.FirstError != "" {
			fmt.Fprintf(out, "  %s first error: %s\n", l.Path, l.FirstError)
		}
	}
	fmt.Fprintln(out)
}

func benchmarked(r *results) string {
	if r.Binary.GivenBytes > 0 {
		return r.Binary.Benchmarked
	}
	return "stripped build"
}
