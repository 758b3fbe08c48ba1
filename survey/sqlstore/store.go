package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"marsad/survey"
	"marsad/survey/cache"
	"marsad/survey/search"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

//go:embed migrations
var migrationFiles embed.FS

// timeLayout is how every timestamp is stored: UTC with a fixed width, so
// that text comparison in SQL orders them in time.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads a stored timestamp. The fixed layout is read by hand:
// time.Parse was a tenth of reading a response's answers, one timestamp a
// row, on every questionnaire page (issue 15). Anything else, or a field
// out of range, goes to time.Parse, which decides.
func parseTime(s string) time.Time {
	if s == "" { // a time not set (coalesce(x, ''))
		return time.Time{}
	}
	if len(s) == len(timeLayout) && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		y, ok1 := digits(s[0:4])
		mo, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		h, ok4 := digits(s[11:13])
		mi, ok5 := digits(s[14:16])
		sec, ok6 := digits(s[17:19])
		ms, ok7 := digits(s[20:23])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h < 24 && mi < 60 && sec < 60 {
			return time.Date(y, time.Month(mo), d, h, mi, sec, ms*1e6, time.UTC)
		}
	}
	t, _ := time.Parse(timeLayout, s)
	return t
}

// digits reads a run of decimal digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Options tune a Store. The zero value is usable: Open fills in defaults.
type Options struct {
	// BcryptCost is the bcrypt work factor for new password hashes.
	BcryptCost int
	// SessionIdle ends a session unused for this long.
	SessionIdle time.Duration
	// SessionMax ends any session this long after sign-in.
	SessionMax time.Duration
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// Cache is the process's one cache (package survey/cache), shared with
	// the web layer under one byte budget; nil gives the store a cache of
	// its own of DefaultCacheBudget.
	Cache *cache.Cache
}

// DefaultCacheBudget is the budget of the cache a store makes for itself
// when Options.Cache is nil (tools and tests).
const DefaultCacheBudget = 16 << 20

// Store keeps Marsad's data in one SQLite file. Writes go through a pool of
// one connection, so writers queue in Go instead of spinning in SQLite's busy
// handler; reads use a separate read-only pool and never wait for writers.
type Store struct {
	w    *sql.DB
	r    *sql.DB
	path string // the SQLite file, or the PostgreSQL URL without its password
	pg   bool   // on PostgreSQL (postgres.go)
	opt  Options

	dummyOnce sync.Once
	dummy     []byte
	cat       catalogCache
	strings   interner // names shared by the cached rankings
	// What the store keeps in the shared cache: parsed questionnaire
	// versions, rankings, recent catalog searches and sessions read in the
	// last second (each a space of Options.Cache).
	defs  *cache.Space[survey.QuestionnaireVersion]
	ranks *cache.Space[*survey.Ranking]
	// indexes are rankings reduced to each institution's index (ReadIndexes).
	indexes *cache.Space[survey.RoundIndexes]
	// frozen are the services figures of closed rounds (RoundCatalog).
	frozen   *cache.Space[survey.RoundCatalog]
	searches *cache.Space[*search.Match]
	// rows are services read for result pages (resultRows).
	rows     *cache.Space[survey.Service]
	sessions *cache.Space[cachedSession]
	// wrote counts the write transactions committed (or tried) through
	// withTx and the migrations; rounds and institutions read since the
	// last one are kept (rowcache.go).
	wrote      atomic.Uint64
	roundRows  rowCache[survey.Round]
	institRows rowCache[survey.Institution]
	batch      batcher     // group commit of autosaves
	signin     signInGuard // sign-in throttling (signin.go)
	health     healthProbe // write probe of /healthz (health.go)
	mail       mailSwitch  // whether messages are queued (outbox.go)
}

// Open opens the database db names and applies pending migrations: a
// postgres:// (or postgresql://) URL is a PostgreSQL database (postgres.go);
// anything else is a SQLite file, created if needed, its path optionally
// after "sqlite:".
func Open(ctx context.Context, db string, opt Options) (*Store, error) {
	opt = opt.withDefaults()
	if IsPostgres(db) {
		return openPostgres(ctx, db, opt)
	}
	return openSQLite(ctx, strings.TrimPrefix(db, "sqlite:"), opt)
}

func (opt Options) withDefaults() Options {
	if opt.BcryptCost == 0 {
		opt.BcryptCost = 12
	}
	if opt.SessionIdle == 0 {
		opt.SessionIdle = 2 * time.Hour
	}
	if opt.SessionMax == 0 {
		opt.SessionMax = 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return opt
}

func openSQLite(ctx context.Context, path string, opt Options) (*Store, error) {
	w, err := sql.Open("sqlite3", DSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("survey: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, path: path, opt: opt}
	s.useCache(opt.Cache)
	s.signin.cost = opt.BcryptCost
	// The writer must create the file and switch it to WAL before a
	// read-only connection can open it.
	if err := s.migrate(ctx); err != nil {
		_ = w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite3", DSN(path, true))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("survey: open %s read-only: %w", path, err)
	}
	// Four readers keep two cores busy while one waits on the disk; more
	// only add page caches.
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	s.r = r
	return s, nil
}

// useCache makes the store's spaces in c (or in a cache of its own).
func (s *Store) useCache(c *cache.Cache) {
	if c == nil {
		c = cache.New(DefaultCacheBudget)
	}
	// A parsed questionnaire holds about 2 KB an item (labels in two
	// languages, options, hints, conditions).
	s.defs = cache.NewSpace(c, "questionnaires", func(q survey.QuestionnaireVersion) int64 { return 4096 + 2048*int64(len(q.Def.Items)) })
	s.ranks = cache.NewSpace(c, "rankings", (*survey.Ranking).Bytes)
	s.indexes = cache.NewSpace(c, "round indexes", func(x survey.RoundIndexes) int64 { return 64 + 48*int64(len(x)) })
	s.frozen = cache.NewSpace(c, "round catalogs", roundCatalogBytes)
	s.searches = cache.NewSpace(c, "searches", func(m *search.Match) int64 { return int64(m.Bytes()) })
	s.rows = cache.NewSpace(c, "service rows", serviceBytes)
	s.sessions = cache.NewSpace(c, "sessions", func(cachedSession) int64 { return 256 })
}

// ReleaseMemory gives back what the database holds for speed when the
// server is idle: the idle reader connections close (each keeps up to 1 MB
// of pages, _cache_size) and the writer frees its page cache. The next
// request opens a reader again (well under a millisecond) and reads its
// pages from the operating system's cache.
func (s *Store) ReleaseMemory(ctx context.Context) {
	s.r.SetMaxIdleConns(0)
	s.r.SetMaxIdleConns(4)
	if !s.pg {
		_, _ = s.w.ExecContext(ctx, "PRAGMA shrink_memory")
	}
}

// ErrBackupPostgres is Backup's answer on PostgreSQL, whose own tool,
// pg_dump, takes a consistent copy of a live database.
var ErrBackupPostgres = errors.New("survey: on PostgreSQL, back up with pg_dump")

// Close closes both connection pools.
func (s *Store) Close() error {
	s.closeBatches()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("survey: ping: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the live database to dest with VACUUM
// INTO, which reads one snapshot while writers go on. dest must not exist.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.pg {
		return ErrBackupPostgres
	}
	if _, err := s.r.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("survey: backup to %s: %w", dest, err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.opt.Now() }

// withTx runs fn in one immediate transaction on the writer, committing if fn
// returns nil and rolling back otherwise, so nothing partial is ever stored.
// The rounds and institutions the store keeps are read again after it
// (rowcache.go).
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer s.wrote.Add(1) // after the commit
	return s.withTxRowsKept(ctx, fn)
}

// withTxRowsKept is withTx for a transaction that writes no round and no
// institution — a response's draft, submission or review (with its scores,
// audit and mail), a session — so the rows the store keeps stay kept.
// Submissions and sign-ins are the frequent writes of a round's busy days:
// were each to drop them, the institution a respondent's section pages read
// would seldom be found kept (issue 15).
func (s *Store) withTxRowsKept(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("survey: begin: %w", err)
	}
	if err := s.lockWrites(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("survey: commit: %w", err)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrationDir is where the store's dialect keeps its migrations: each
// PostgreSQL file makes the same change as the SQLite file of its number.
func (s *Store) migrationDir() string {
	if s.pg {
		return "migrations/postgres"
	}
	return "migrations/sqlite"
}

func loadMigrations(dir string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("survey: migration %q: name must start with a number and _", e.Name())
		}
		body, err := migrationFiles.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations not yet recorded in schema_migrations. On PostgreSQL it holds
// an advisory lock meanwhile, so that servers starting together apply each
// migration once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.migrationDir())
	if err != nil {
		return err
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("survey: migrate: %w", err)
	}
	defer conn.Close()
	if s.pg {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrateLockKey); err != nil {
			return fmt.Errorf("survey: migrate: lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrateLockKey)
		}()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("survey: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := s.applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("survey: migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, conn *sql.Conn, m migration) error {
	defer s.wrote.Add(1) // after the commit (rowcache.go)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, formatTime(s.now())); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion is the highest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.r.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("survey: schema version: %w", err)
	}
	return int(v.Int64), nil
}

// Setting reads a key from the settings table ("" when absent).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("survey: setting %q: %w", key, err)
	}
	return v, nil
}

func setSetting(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// insertID runs an INSERT and returns the id of the new row, with RETURNING
// id, which both engines support (SQLite's LastInsertId has no PostgreSQL
// counterpart).
func insertID(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string, args ...any) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}
