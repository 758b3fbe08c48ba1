package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL runs the same store as SQLite (docs/architecture.md,
// "PostgreSQL"): the same SQL through pgConnector (pgdriver.go), its own
// migrations (migrations/postgres, one file per SQLite migration, same
// numbers, same tables and columns), and one rule that keeps SQLite's
// concurrency model across servers: every write transaction first takes
// one transaction-level advisory lock, so writes from all servers queue as
// they queue behind SQLite's single writer, and a check made inside a write
// transaction (a version, a count, a state) still holds when it commits.
// Readers never take it.

// Advisory lock keys ("marsad" in ASCII and a number).
const (
	writeLockKey   int64 = 0x6d61727361640001
	migrateLockKey int64 = 0x6d61727361640002
)

// IsPostgres reports whether db names a PostgreSQL database rather than a
// SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Redacted is db without its password, for logs and error messages.
func Redacted(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

func openPostgres(ctx context.Context, db string, opt Options) (*Store, error) {
	name := Redacted(db)
	cfg, err := pgx.ParseConfig(db)
	if err != nil {
		return nil, fmt.Errorf("survey: open %s: %w", name, err)
	}
	// Writes queue on one connection per server, as on SQLite, and across
	// servers on writeLockKey.
	w := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	s := &Store{w: w, path: name, pg: true, opt: opt}
	s.useCache(opt.Cache)
	s.signin.cost = opt.BcryptCost
	s.signin.shared = true
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("survey: open %s: %w", name, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = w.Close()
		return nil, err
	}
	// Readers are read-only, as SQLite's mode=ro pool: a write on the wrong
	// pool fails instead of skipping the write lock.
	rc := cfg.Copy()
	rc.RuntimeParams["default_transaction_read_only"] = "on"
	r := sql.OpenDB(pgConnector{stdlib.GetConnector(*rc)})
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s.r = r
	return s, nil
}

// lockWrites takes the write lock of a write transaction on PostgreSQL (on
// SQLite, BEGIN IMMEDIATE took it).
func (s *Store) lockWrites(ctx context.Context, tx interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) error {
	if !s.pg {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", writeLockKey); err != nil {
		return fmt.Errorf("survey: write lock: %w", err)
	}
	return nil
}

// beginWrite starts a write transaction on a connection of the writer pool
// by hand (the group commit of batch.go): BEGIN IMMEDIATE on SQLite, BEGIN
// and the write lock on PostgreSQL.
func (s *Store) beginWrite(ctx context.Context, conn *sql.Conn) error {
	if !s.pg {
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		return err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	return s.lockWrites(ctx, conn)
}

// beginBatch starts the transaction of a batch of saves (batch.go). On
// SQLite it is any write transaction. On PostgreSQL it takes the write
// lock shared, then, in one statement and in key order (so that two
// batches never wait for each other's), the lock of every response its
// saves write into: batches on several servers run at once when they write
// different responses, each save still sees its response change only under
// its own lock, and any other write transaction (submitting, closing a
// round), which takes the write lock exclusive, waits for them all and
// they for it.
func (s *Store) beginBatch(ctx context.Context, conn *sql.Conn, batch []*batchJob) error {
	if !s.pg {
		return s.beginWrite(ctx, conn)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	keys := make([]int64, 0, len(batch))
	for _, j := range batch {
		keys = append(keys, j.lock)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(k, 10))
	}
	b.WriteByte('}')
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?), (SELECT count(pg_advisory_xact_lock(k))
		FROM (SELECT k FROM unnest(CAST(? AS BIGINT[])) AS u(k) ORDER BY k) l)`, writeLockKey, b.String())
	if err != nil {
		return fmt.Errorf("survey: write lock: %w", err)
	}
	return nil
}

// responseLock is the advisory lock key of a round's response of an
// institution: the round in the high 32 bits, a hash of the code below.
// Two responses that share a key only wait for each other.
func responseLock(roundID int64, code string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(code))
	return roundID<<32 | int64(h.Sum32())
}

// snapshot begins a read-only transaction that sees one state of the
// database for all its statements: any SQLite transaction does; PostgreSQL
// needs REPEATABLE READ for it.
func (s *Store) snapshot(ctx context.Context) (*sql.Tx, error) {
	if s.pg {
		return s.r.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return s.r.BeginTx(ctx, nil)
}

// Postgres reports whether the store is on PostgreSQL.
func (s *Store) Postgres() bool { return s.pg }

// isUniqueViolation reports whether err is a UNIQUE constraint's refusal,
// in either engine.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return isSQLiteUnique(err)
}
