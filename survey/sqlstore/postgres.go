package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
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
