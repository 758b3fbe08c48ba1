package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the admin connection
)

// --postgres URL: the sized scenarios on PostgreSQL (issue 20). Once per
// size the cached SQLite database is copied with the binary's own `copy`
// command into a template database named after the cache key (kept between
// runs: the copy takes over a minute at regional size); each run makes a
// database of its own from it, signs everyone in there, and every scenario
// gets a fresh database made from that one, dropped after it.

// maxServers bounds --servers.
const maxServers = 8

// multiServerScenarios are the scenarios --servers above 1 runs: the clients
// of the others all read the same pages, and their peak RSS and CPU per
// request are one server's.
var multiServerScenarios = []string{"autosave", "respondent-path"}

// pgBench is the admin side of --postgres: the URL the tool was given
// (its role may create databases) and one connection pool on it.
type pgBench struct {
	admin    *sql.DB
	base     *url.URL // the admin URL; other databases are the same URL with another path
	adminDB  string
	prep     string   // this run's database, sessions included: the scenarios' template
	made     []string // databases this run made and has not dropped yet
	progress func(string, ...any)
}

// benchDBName is what the tool names its databases: it drops only those.
var benchDBName = regexp.MustCompile(`^bench_[a-z0-9_]+$`)

// openPGBench checks the admin URL (loopback only, like everything the tool
// talks to) and connects.
func openPGBench(ctx context.Context, admin string, progress func(string, ...any)) (*pgBench, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("--postgres %q: want a postgres:// URL", redactURL(admin))
	}
	if h := u.Hostname(); !isLoopbackHost(h) {
		return nil, fmt.Errorf("--postgres: host %q: the bench talks to loopback only", h)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("--postgres %s: %w", redactURL(admin), err)
	}
	return &pgBench{admin: db, base: u, adminDB: strings.TrimPrefix(u.Path, "/"), progress: progress}, nil
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// dbURL is the admin URL with another database.
func (p *pgBench) dbURL(name string) string {
	u := *p.base
	u.Path = "/" + name
	return u.String()
}

func (p *pgBench) exists(ctx context.Context, name string) (bool, error) {
	var one int
	err := p.admin.QueryRowContext(ctx, "SELECT 1 FROM pg_database WHERE datname = $1", name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// exec runs a statement naming databases, retrying while a database is
// still in use (a server's or the store's connections close a moment after
// the process or the pool does).
func (p *pgBench) exec(ctx context.Context, stmt string) error {
	var err error
	for try := 0; try < 100; try++ {
		if _, err = p.admin.ExecContext(ctx, stmt); err == nil { // #nosec G701 -- CREATE/DROP DATABASE of names the bench makes (bench_ and hex)
			return nil
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "55006" { // object_in_use
			return err
		}
		if serr := sleep(ctx, 100*time.Millisecond); serr != nil {
			return serr
		}
	}
	return err
}

// create makes database name, a copy of tpl ("" for an empty one). The
// file copy is much faster than WAL_LOG for a database of a gigabyte.
func (p *pgBench) create(ctx context.Context, name, tpl string) error {
	if !benchDBName.MatchString(name) || (tpl != "" && !benchDBName.MatchString(tpl)) {
		return fmt.Errorf("database name %q or %q not the bench's own", name, tpl)
	}
	stmt := "CREATE DATABASE " + name
	if tpl != "" {
		stmt += " TEMPLATE " + tpl + " STRATEGY FILE_COPY"
	}
	if err := p.exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	p.made = append(p.made, name)
	return nil
}

// drop drops one of the bench's databases, whoever is still connected.
func (p *pgBench) drop(ctx context.Context, name string) error {
	if !benchDBName.MatchString(name) {
		return fmt.Errorf("database name %q not the bench's own", name)
	}
	p.made = slices.DeleteFunc(p.made, func(s string) bool { return s == name })
	if err := p.exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}

// close drops what this run made (not the kept template) and disconnects.
func (p *pgBench) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, name := range slices.Clone(p.made) {
		if err := p.drop(ctx, name); err != nil {
			p.progress("postgres: %v", err)
		}
	}
	_ = p.admin.Close()
}

// templateKey names the template by the cached SQLite database's key and
// the PostgreSQL side of the store's schema (both migration sets: the copy
// migrates its source too).
func templateKey(src, sqliteKey string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, sqliteKey)
	files, err := filepath.Glob(filepath.Join(src, "survey/sqlstore/migrations/*/*.sql"))
	if err != nil {
		return "", err
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f) // #nosec G304 -- the tree's own migrations
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// template returns the template database of spec: kept from an earlier run
// if its key matches, else copied from the SQLite working copy sqlite (never
// from the cache itself: the copy migrates its source) with `bin copy`,
// started once by the server, vacuumed and analyzed.
func (p *pgBench) template(ctx context.Context, o options, bin, sqlite, logs string, spec sizeSpec) (string, error) {
	skey, err := cacheKey(o.src, spec)
	if err != nil {
		return "", err
	}
	key, err := templateKey(o.src, skey)
	if err != nil {
		return "", err
	}
	name := "bench_tpl_" + spec.Name + "_" + key
	if ok, err := p.exists(ctx, name); err != nil {
		return "", err
	} else if ok && !o.fresh {
		p.progress("%s: postgres: template database %s kept from an earlier run", spec.Name, name)
		return name, nil
	}
	// Older templates of this size (another key) are of no more use.
	rows, err := p.admin.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", "bench_tpl_"+spec.Name+"_%")
	if err != nil {
		return "", err
	}
	var old []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			_ = rows.Close()
			return "", err
		}
		old = append(old, s)
	}
	if err := rows.Close(); err != nil {
		return "", err
	}
	for _, d := range old {
		p.progress("%s: postgres: dropping the outdated template %s", spec.Name, d)
		if err := p.drop(ctx, d); err != nil {
			return "", err
		}
	}
	building := name + "_building"
	if err := p.create(ctx, building, ""); err != nil {
		return "", err
	}
	p.progress("%s: postgres: copying the SQLite database into %s (marsad copy)", spec.Name, building)
	t0 := time.Now()
	logPath := filepath.Join(logs, spec.Name+"-pg-copy.log")
	if err := os.MkdirAll(logs, 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return "", err
	}
	logf, err := os.Create(logPath) // #nosec G304 -- the tool's own temporary files
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, "copy", "--from", sqlite, "--to", p.dbURL(building)) // #nosec G204 G702 -- runs the binary it just built, with its own arguments
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	err = cmd.Run()
	_ = logf.Close()
	if err != nil {
		return "", fmt.Errorf("marsad copy to %s: %w; log: %s (--keep)", building, err, logPath)
	}
	copied := time.Since(t0)
	if err := settleDB(ctx, bin, p.dbURL(building), nil, filepath.Join(logs, spec.Name+"-pg-settle.log")); err != nil {
		return "", fmt.Errorf("first start on %s: %w", building, err)
	}
	// The statistics and visibility map that autovacuum would have made a
	// while after the copy: the scenarios measure the steady state, not the
	// first minutes after a migration.
	t1 := time.Now()
	db, err := sql.Open("pgx", p.dbURL(building))
	if err != nil {
		return "", err
	}
	_, err = db.ExecContext(ctx, "VACUUM (ANALYZE)")
	_ = db.Close()
	if err != nil {
		return "", fmt.Errorf("vacuum %s: %w", building, err)
	}
	if err := p.exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	p.made = slices.DeleteFunc(p.made, func(s string) bool { return s == building })
	p.progress("%s: postgres: template %s made: copy %.1f s, first start and VACUUM ANALYZE %.1f s more",
		spec.Name, name, copied.Seconds(), time.Since(t1).Seconds()+(t1.Sub(t0)-copied).Seconds())
	return name, nil
}

// prepare makes this run's database from the template.
func (p *pgBench) prepare(ctx context.Context, tpl string) (string, error) {
	p.prep = "bench_prep_" + strconv.Itoa(os.Getpid())
	if err := p.drop(ctx, p.prep); err != nil {
		return "", err
	}
	if err := p.create(ctx, p.prep, tpl); err != nil {
		return "", err
	}
	return p.dbURL(p.prep), nil
}

// size is the database's size on disk, in MiB.
func (p *pgBench) size(ctx context.Context, name string) float64 {
	var n int64
	if err := p.admin.QueryRowContext(ctx, "SELECT pg_database_size($1)", name).Scan(&n); err != nil {
		return 0
	}
	return round1(mib(n))
}

// fresh makes a database for one scenario from this run's, and returns its
// URL and the function that drops it.
func (p *pgBench) fresh(ctx context.Context, scenario string) (string, string, func(), error) {
	name := "bench_run_" + strconv.Itoa(os.Getpid()) + "_" + strings.ReplaceAll(scenario, "-", "_")
	if err := p.drop(ctx, name); err != nil {
		return "", "", nil, err
	}
	t0 := time.Now()
	if err := p.create(ctx, name, p.prep); err != nil {
		return "", "", nil, err
	}
	p.progress("  postgres: database %s made from %s in %.1f s", name, p.prep, time.Since(t0).Seconds())
	return p.dbURL(name), name, func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := p.drop(dctx, name); err != nil {
			p.progress("postgres: %v", err)
		}
	}, nil
}

// ---------------------------------------------------------------- PostgreSQL's counters

// pgCounters are the measured database's transactions and the whole
// PostgreSQL's WAL flushes (pg_stat_wal is per cluster: other work on it
// counts too).
type pgCounters struct {
	commits, rollbacks int64
	walSyncs, walBytes int64
}

// counters reads them; backends report theirs at transaction end at most
// once a second and when they exit, so read them after the servers stopped.
func (p *pgBench) counters(ctx context.Context, db string) pgCounters {
	var c pgCounters
	_ = p.admin.QueryRowContext(ctx, "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1", db).Scan(&c.commits, &c.rollbacks)
	_ = p.admin.QueryRowContext(ctx, "SELECT wal_sync, wal_bytes::bigint FROM pg_stat_wal").Scan(&c.walSyncs, &c.walBytes)
	return c
}

// ---------------------------------------------------------------- PostgreSQL's CPU

// pgProc is one postgres process at a snapshot.
type pgProc struct {
	cpu  time.Duration
	ours bool // a backend of the measured database, or a background process (WAL writer, checkpointer…)
}

// pgSnapshot is the CPU time of every postgres process at one moment.
type pgSnapshot struct {
	procs    map[int]pgProc
	children time.Duration // the postmaster's exited children's CPU (backends that ended)
}

// snapshot reads, for every backend pg_stat_activity lists, its CPU time
// from /proc, and marks those of database db and the background processes
// (no database) as the measured one's; other databases' backends (other
// work on the same PostgreSQL) are read too, for the total.
func (p *pgBench) snapshot(ctx context.Context, db string) pgSnapshot {
	s := pgSnapshot{procs: map[int]pgProc{}}
	rows, err := p.admin.QueryContext(ctx, "SELECT pid, COALESCE(datname, '') FROM pg_stat_activity")
	if err != nil {
		return s
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		var dat string
		if rows.Scan(&pid, &dat) != nil {
			continue
		}
		s.procs[pid] = pgProc{cpu: cpuTime(strconv.Itoa(pid)), ours: dat == db || dat == ""}
	}
	// The postmaster is not in pg_stat_activity: its own CPU and its
	// reaped children's, so that a backend that ended between the two
	// snapshots still counts in the total.
	if pm := postmasterPID(); pm > 0 {
		own, children := procTimes(pm)
		s.procs[pm] = pgProc{cpu: own}
		s.children = children
	}
	return s
}

// pgCPU is PostgreSQL's CPU between two snapshots: ours (the measured
// database's backends and the background processes) and all of it.
func pgCPU(a, b pgSnapshot) (ours, all time.Duration) {
	for pid, pb := range b.procs {
		d := pb.cpu
		if pa, ok := a.procs[pid]; ok {
			d -= pa.cpu
		}
		if d < 0 {
			continue // a pid used again
		}
		all += d
		if pb.ours {
			ours += d
		}
	}
	// Backends that ended in between: their CPU is in the children's, and
	// their share before the first snapshot is counted there once more.
	for pid, pa := range a.procs {
		if _, ok := b.procs[pid]; !ok {
			all -= pa.cpu
		}
	}
	if c := b.children - a.children; c > 0 {
		all += c
	}
	return ours, max(all, ours)
}

// postmasterPID finds the PostgreSQL server's main process: a process named
// postgres whose parent is not one.
func postmasterPID() int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || procName(pid) != "postgres" {
			continue
		}
		if ppid := procParent(pid); ppid > 0 && procName(ppid) != "postgres" {
			return pid
		}
	}
	return 0
}

func procName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm") // #nosec G304 -- /proc
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// procStat is the fields of /proc/PID/stat after the command name.
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat") // #nosec G304 -- /proc
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

func procParent(pid int) int {
	f := procStat(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// procTimes is a process's own CPU time and its reaped children's.
func procTimes(pid int) (own, children time.Duration) {
	f := procStat(pid)
	if len(f) < 15 {
		return 0, 0
	}
	v := func(i int) time.Duration {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(n) * time.Second / userHZ
	}
	return v(11) + v(12), v(13) + v(14)
}

func isPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// isLoopbackHost reports whether h is this machine.
func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
