// Command marsad runs Marsad, the government e-services observatory: one
// binary with its web pages, JSON API and assets, on a SQLite file (the
// default) or a PostgreSQL database shared by several servers.
//
//	marsad [serve] [--addr 127.0.0.1:8080] [--db data/marsad.db|postgres://…] [--demo] [--timezone Asia/Hebron]
//	marsad migrate [--db FILE|URL]
//	marsad user add --email E --role admin|respondent|viewer [--institution CODE] [--name N] --password-stdin
//	marsad user deactivate|activate --email E
//	marsad backup [--db FILE] DEST
//	marsad copy --from FILE|URL --to FILE|URL
//	marsad import institutions|services FILE.csv|xlsx
//	marsad import answers --round ID FILE.csv
//	marsad rescore --round ID
//	marsad version
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	// The zone database inside the binary: times are shown in the
	// configured zone (--timezone) even on a server without zoneinfo files.
	_ "time/tzdata"

	"golang.org/x/net/netutil"

	"marsad/data"
	"marsad/handlers"
	"marsad/reports"
	"marsad/survey"
	"marsad/survey/cache"
	"marsad/survey/demo"
	"marsad/survey/probe"
	"marsad/survey/sqlstore"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the VCS stamp in the build info.
var version = ""

func appVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(version, bi)
}

// versionFrom is the version people see (`marsad version`, the footer):
// the one set by -ldflags when there is one, else the commit the binary was
// built from with its date, e.g. "d8191fe1a2b3 (2026-12-06)", marked
// "+modified" when the tree had uncommitted changes. The go tool stamps the
// commit only when building a whole module from its repository with VCS
// stamping on (go build -buildvcs=true; GOFLAGS=-buildvcs=false turns it
// off); without a stamp the module version ("v1.2.0" for go install
// marsad@v1.2.0) or "dev" is all there is.
func versionFrom(ldflags string, bi *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	if bi == nil {
		return "dev"
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += "+modified"
	}
	if t, err := time.Parse(time.RFC3339, at); err == nil {
		rev += " (" + t.UTC().Format("2006-01-02") + ")"
	}
	return rev
}

// config is the parsed command line and environment, passed as a value.
type config struct {
	addr          string
	db            string
	demo          bool
	baseURL       string
	secureCookies bool
	sessionIdle   time.Duration
	logFormat     string
	logLevel      string
	timezone      string
	maxConns      int
	cacheMB       int
	proxyHeader   string
	checkEvery    time.Duration
	checkAllow    string
}

// shutdownGrace is how long open requests may finish after a stop signal.
var shutdownGrace = 15 * time.Second

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// dbFlag and the other shared flags read their defaults from the environment.
func addDBFlag(fs *flag.FlagSet, cfg *config) {
	fs.StringVar(&cfg.db, "db", envOr("MARSAD_DB", filepath.Join("data", "marsad.db")), "database: a SQLite file (or sqlite:FILE), created if absent, or a postgres://user@host/db URL (env MARSAD_DB)")
	fs.StringVar(&cfg.logFormat, "log-format", envOr("MARSAD_LOG_FORMAT", "text"), "log format: text or json (env MARSAD_LOG_FORMAT)")
	fs.StringVar(&cfg.logLevel, "log-level", envOr("MARSAD_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env MARSAD_LOG_LEVEL)")
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.logLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		var status exitStatus // the command said what went wrong (copy_cli.go)
		if errors.As(err, &status) {
			os.Exit(int(status))
		}
		fmt.Fprintln(os.Stderr, "marsad:", err)
		os.Exit(1)
	}
}

// run dispatches a command; it is main without the process, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, stdout, stderr)
	case "user":
		switch {
		case len(args) > 0 && args[0] == "add":
			return userAdd(ctx, args[1:], stdin, stdout, stderr)
		case len(args) > 0 && (args[0] == "deactivate" || args[0] == "activate"):
			return userSetActive(ctx, args[0] == "activate", args[1:], stdout, stderr) // users_cli.go
		}
		return errors.New("usage: marsad user add --email E --role R [--institution CODE] [--name N] --password-stdin | marsad user deactivate|activate --email E")
	case "backup":
		return backup(ctx, args, stdout, stderr)
	case "copy":
		return copyStatus(runCopy(ctx, args, stdout, stderr)) // copy_cli.go
	case "import":
		return importCmd(ctx, args, stdout, stderr)
	case "rescore":
		return rescore(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "marsad", appVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: marsad [serve|migrate|user add|backup FILE|copy --from DB --to DB|version] [flags]; marsad COMMAND -h for flags")
		return nil
	}
	return fmt.Errorf("unknown command %q (serve, migrate, user add, backup, copy, import, version)", cmd)
}

func openStore(ctx context.Context, path string, opt sqlstore.Options) (*sqlstore.Store, error) {
	if sqlstore.IsPostgres(path) {
		return sqlstore.Open(ctx, path, opt)
	}
	if dir := filepath.Dir(strings.TrimPrefix(path, "sqlite:")); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
	}
	return sqlstore.Open(ctx, path, opt)
}

// storeQuestionnaires stores the default questionnaire and the example
// models, unless they are stored already.
func storeQuestionnaires(ctx context.Context, store *sqlstore.Store) error {
	if _, err := store.StoreQuestionnaireJSON(ctx, 0, data.DefaultQuestionnaire); err != nil {
		return err
	}
	for _, name := range data.ModelNames {
		body, _ := data.Model(name)
		if _, err := store.StoreQuestionnaireJSON(ctx, 0, body); err != nil {
			return fmt.Errorf("model %s: %w", name, err)
		}
	}
	return nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", envOr("MARSAD_ADDR", "127.0.0.1:8080"), "listen address (env MARSAD_ADDR)")
	fs.BoolVar(&cfg.demo, "demo", envBool("MARSAD_DEMO"), "seed demo data into an empty database (env MARSAD_DEMO)")
	fs.StringVar(&cfg.baseURL, "base-url", envOr("MARSAD_BASE_URL", ""), "public URL for links in invitations; default http://ADDR (env MARSAD_BASE_URL)")
	fs.BoolVar(&cfg.secureCookies, "secure-cookies", envBool("MARSAD_SECURE_COOKIES"), "mark cookies Secure; on by default when base-url is https (env MARSAD_SECURE_COOKIES)")
	fs.DurationVar(&cfg.sessionIdle, "session-idle", envDuration("MARSAD_SESSION_IDLE", 2*time.Hour), "sign out after this long without activity (env MARSAD_SESSION_IDLE)")
	fs.StringVar(&cfg.timezone, "timezone", os.Getenv("MARSAD_TIMEZONE"), "IANA time zone that pages show times in, e.g. Asia/Hebron; default UTC, Asia/Hebron with --demo (env MARSAD_TIMEZONE)")
	fs.IntVar(&cfg.cacheMB, "cache-mb", envInt("MARSAD_CACHE_MB", 16), "memory for the one cache of rankings, searches and rendered pages, in MB (env MARSAD_CACHE_MB)")
	fs.IntVar(&cfg.maxConns, "max-conns", envInt("MARSAD_MAX_CONNS", 1000), "most client connections open at once; more wait to be accepted (env MARSAD_MAX_CONNS)")
	fs.StringVar(&cfg.proxyHeader, "trusted-proxy-header", os.Getenv("MARSAD_TRUSTED_PROXY_HEADER"), "header in which the reverse proxy in front gives the client's address, X-Forwarded-For or X-Real-IP, for sign-in throttling; empty uses the peer's address: set it only behind such a proxy (env MARSAD_TRUSTED_PROXY_HEADER)")
	fs.DurationVar(&cfg.checkEvery, "check-every", envDuration("MARSAD_CHECK_EVERY", 0), "visit every online service URL and institution website this often, e.g. 24h; 0 = only when the coordinator asks (env MARSAD_CHECK_EVERY)")
	fs.StringVar(&cfg.checkAllow, "check-allow", os.Getenv("MARSAD_CHECK_ALLOW"), "comma-separated CIDRs or host names the service checker may visit although private or loopback; empty = none (env MARSAD_CHECK_ALLOW)")
	addDBFlag(fs, &cfg)
	var mc mailConfig
	addMailFlags(fs, &mc) // mail_cli.go
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := mc.settings(); err != nil {
		return err
	}
	if cfg.maxConns < 1 {
		return fmt.Errorf("--max-conns must be at least 1")
	}
	zone, err := timeZone(cfg.timezone, cfg.demo)
	if err != nil {
		return err
	}
	if cfg.baseURL == "" {
		cfg.baseURL = "http://" + cfg.addr
	}
	cfg.baseURL = strings.TrimRight(cfg.baseURL, "/")
	if strings.HasPrefix(cfg.baseURL, "https://") {
		cfg.secureCookies = true
	}
	logOut := stderr
	if f, ok := stderr.(*os.File); ok { // the process's own stderr, not a test's buffer
		bl := newBufferedLog(f)
		defer bl.Close()
		logOut = bl
	}
	log := newLogger(cfg, logOut)
	if bl, ok := logOut.(*bufferedLog); ok {
		log = slog.New(flushOnWarn{log.Handler(), bl})
	}
	// A soft limit on the Go heap, unless the operator set GOMEMLIMIT: the
	// collector works harder near it instead of letting the heap double
	// under load. The live heap is bounded now (the one cache's --cache-mb,
	// the search index, the templates of the pages in use: about 35 MB at
	// regional size under load), so 64 MiB leaves the collector room; the
	// server's peak stays under 100 MB where 96 MiB let it reach 119
	// (go run ./bench --scenarios --size regional, issue 14). Set below the
	// live heap, it would make the collector run without pause.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// One cache, one budget, for the store and the web layer (package
	// survey/cache).
	shared := cache.New(int64(max(cfg.cacheMB, 1)) << 20)
	debugCache(shared)
	store, err := openStore(ctx, cfg.db, sqlstore.Options{SessionIdle: cfg.sessionIdle, Cache: shared})
	if err != nil {
		return sqlstore.NotWritable(sqlstore.Redacted(cfg.db), err)
	}
	// A server that cannot write would answer pages and fail every save
	// and sign-in: refuse to start instead, saying why.
	if err := store.CheckWritable(ctx); err != nil {
		_ = store.Close()
		return err
	}
	defer store.Close()
	if cfg.demo {
		// Real institution names and codes, fictional services, figures
		// and answers (data/demo).
		if err := demo.Seed(ctx, store); err != nil {
			return err
		}
		log.Info("demo data ready", "accounts", "admin@example.ps, viewer@example.ps, moh@example.ps (focal point), moh-head@example.ps (signs off), moi@example.ps", "password", "see README")
	}
	// Rounds closed before rank bands existed get their analysis, once
	// (docs/uncertainty.md); a failure leaves them without bands, not the
	// server without pages.
	if n, err := store.AnalyseUnanalysedRounds(ctx); err != nil {
		log.Error("rank analysis of earlier rounds", "err", err)
	} else if n > 0 {
		log.Info("rank analysis of earlier rounds", "rounds", n)
	}
	// The default questionnaire and the example models are always
	// available for new rounds (stored once: a version is known by its
	// hash). Checking them (parse, validate, hash) runs beside building the
	// server, on the other core: both are done before it listens.
	stored := make(chan error, 1)
	go func() { stored <- storeQuestionnaires(ctx, store) }()
	srv, err := handlers.New(ctx, store, handlers.Config{
		Version: appVersion(), BaseURL: cfg.baseURL, SecureCookies: cfg.secureCookies, Logger: log, Location: zone,
		TrustedProxyHeader: cfg.proxyHeader, Cache: shared,
		Checks: probe.Options{Allow: strings.Split(cfg.checkAllow, ",")},
	})
	if err := errors.Join(err, <-stored); err != nil {
		return err
	}
	// E-mail: the outbox worker, when SMTP is configured (mail_cli.go); it
	// stops with ctx and is waited for before the store closes.
	waitMail, err := startMail(ctx, mc, cfg.baseURL, store, srv, log)
	if err != nil {
		return err
	}
	defer waitMail()
	hasAdmin, err := store.HasAdmin(ctx)
	if err != nil {
		return err
	}
	if !hasAdmin {
		token, err := store.NewSetupToken(ctx)
		if err != nil {
			return err
		}
		// Printed, not logged: the link is a secret for whoever started the server.
		fmt.Fprintf(stdout, "\nNo administrator yet. Open this one-time link to create the first one:\n\n    %s\n\n", srv.SetupURL(token))
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// A cap on open connections: past it, new clients wait in the kernel's
	// queue instead of each costing memory and a goroutine. Slow clients are
	// ended by the read deadlines: the headers within 5 s, the whole request
	// within 30 s (uploads get longer: handlers' limitBody).
	ln = netutil.LimitListener(ln, cfg.maxConns)
	// What only the start needed leaves memory now, and after each burst
	// of requests what only the burst needed (idle.go, memtrim_linux.go).
	pageOutBinary()
	trim := newIdleTrim(srv, time.Second, func(ctx context.Context) {
		store.ReleaseMemory(ctx)
		pageOutBinary()
	})
	go trim.run(ctx)
	go srv.RunChecks(ctx, cfg.checkEvery)
	// Automatic reminders and the coordinators' digests, hourly (handlers/reminders.go);
	// nothing is queued while mail is not configured.
	go srv.RunReminders(ctx, time.Hour)
	httpSrv := &http.Server{
		Handler:           trim,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("marsad listening", "addr", ln.Addr().String(), "url", cfg.baseURL+"/", "db", sqlstore.Redacted(cfg.db), "version", appVersion(), "demo", cfg.demo, "timezone", zone.String())
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing open requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		// A request still running after the grace period is cut off: the
		// shutdown asked for is done, and that is not a failure of the
		// server (an exit status other than 0 would make a supervisor
		// think it crashed).
		log.Warn("requests still running after the grace period were cut off", "grace", shutdownGrace, "err", err)
		_ = httpSrv.Close()
	}
	return nil
}

// timeZone is the zone that pages show times in: the one named, else
// Asia/Hebron for the demo (its institutions are Palestinian), else UTC.
func timeZone(name string, demo bool) (*time.Location, error) {
	if name == "" && demo {
		name = "Asia/Hebron"
	}
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("--timezone %q: not a known IANA time zone (such as Asia/Hebron or UTC)", name)
	}
	return loc, nil
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addDBFlag(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg.db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: schema version %d\n", sqlstore.Redacted(cfg.db), v)
	return nil
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var (
		cfg           config
		n             survey.NewUser
		role          string
		passwordStdin bool
	)
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&n.Email, "email", "", "e-mail address (sign-in name)")
	fs.StringVar(&n.Name, "name", "", "display name")
	fs.StringVar(&role, "role", "", "admin, respondent or viewer")
	fs.StringVar(&n.InstitutionCode, "institution", "", "institution code (respondents only)")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	addDBFlag(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !passwordStdin {
		return errors.New("user add: --password-stdin is required (a password on the command line would be visible to other users)")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user add: read password: %w", err)
	}
	n.Password = strings.TrimRight(line, "\r\n")
	n.Role = survey.Role(role)
	store, err := openStore(ctx, cfg.db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.CreateUser(ctx, 0, n)
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("user add: %s", strings.TrimPrefix(ve.Error(), "survey: "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s) id %d\n", u.Email, u.Role, u.ID)
	return nil
}

func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addDBFlag(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return errors.New("usage: marsad backup [--db FILE] DEST")
	}
	dest := fs.Arg(0)
	// Accept flags after DEST too: marsad backup DEST --db FILE.
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: marsad backup [--db FILE] DEST")
	}
	if sqlstore.IsPostgres(cfg.db) {
		// PostgreSQL's own tool copies a live database consistently; its
		// operators already run it (README, Operations).
		fmt.Fprintf(stderr, "marsad backup copies a SQLite file. On PostgreSQL, back up with pg_dump, for example:\n")
		fmt.Fprintf(stdout, "pg_dump --format=custom --file=%s %s\n", shellQuote(dest), shellQuote(sqlstore.Redacted(cfg.db)))
		return errors.New("backup: not done: use pg_dump (the command above)")
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", dest)
	}
	if _, err := os.Stat(strings.TrimPrefix(cfg.db, "sqlite:")); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	store, err := openStore(ctx, cfg.db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", dest)
	return nil
}

// importCmd imports institutions, services or a round's answers from a
// file, all or nothing, printing every bad row with its line.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: marsad import institutions|services FILE | marsad import answers --round ID FILE")
	}
	what := args[0]
	var cfg config
	var roundID int64
	fs := flag.NewFlagSet("import "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Int64Var(&roundID, "round", 0, "round id (answers only)")
	addDBFlag(fs, &cfg)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import: give exactly one file")
	}
	f, err := os.Open(fs.Arg(0)) // #nosec G703 -- the operator names the file to import on the command line
	if err != nil {
		return err
	}
	defer f.Close()
	store, err := openStore(ctx, cfg.db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	admin := survey.Actor{Role: survey.RoleAdmin}
	var msg string
	switch what {
	case "institutions":
		var ins []survey.InstitutionInput
		if ins, err = survey.ParseInstitutionsCSV(f); err == nil {
			var res survey.ImportResult
			res, err = store.ImportInstitutions(ctx, 0, ins)
			msg = fmt.Sprintf("institutions: %d created, %d updated, %d unchanged", res.Created, res.Updated, res.Unchanged)
		}
	case "services":
		var ins []survey.ServiceInput
		if strings.EqualFold(filepath.Ext(fs.Arg(0)), ".xlsx") {
			var recs [][]string
			if recs, err = reports.ReadXLSXRecords(f); err == nil {
				ins, err = survey.ParseServiceRecords(recs)
			}
		} else {
			ins, err = survey.ParseServicesCSV(f)
		}
		if err == nil {
			var res survey.ServiceImportResult
			res, err = store.ImportServices(ctx, admin, ins)
			msg = fmt.Sprintf("services: %d created, %d updated, %d unchanged", res.Created, res.Updated, res.Unchanged)
		}
	case "answers":
		var rows []survey.AnswerRow
		if rows, err = survey.ParseAnswersCSV(f); err == nil {
			var n int
			n, err = store.ImportAnswers(ctx, admin, roundID, rows)
			msg = fmt.Sprintf("answers: %d imported into round %d", n, roundID)
		}
	default:
		return fmt.Errorf("import: unknown kind %q (institutions, services, answers)", what)
	}
	var ie *survey.ImportError
	if errors.As(err, &ie) {
		if ie.Key != "" {
			if len(ie.Args) > 0 { // a limit of survey/upload_limits.go, and its figure
				return fmt.Errorf("import: %s %v", ie.Key, ie.Args)
			}
			return fmt.Errorf("import: %s", ie.Key)
		}
		for _, r := range ie.Rows {
			fmt.Fprintf(stderr, "line %d: %v\n", r.Line, r.Fields)
		}
		return fmt.Errorf("import: %d bad rows; nothing imported", len(ie.Rows))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, msg)
	return nil
}

// rescore recomputes a round's scores with the current scoring rules. A
// published round is rescored only under a new scoring version (its
// earlier scores stay readable); with the version its scores already have
// it is refused with the reason (survey.RescoreRefused), and nothing changes.
func rescore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	var roundID int64
	fs := flag.NewFlagSet("rescore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Int64Var(&roundID, "round", 0, "round id")
	addDBFlag(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg.db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := store.Rescore(ctx, 0, roundID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "round %d: %d responses scored (scoring version %s)\n", roundID, n, survey.ScoringVersion)
	return nil
}

// shellQuote quotes s for a POSIX shell, for a command printed to be run.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
