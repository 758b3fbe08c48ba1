package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"marsad/survey"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// A server whose database cannot take a write answers every page but
// breaks every save and sign-in: monitoring must see it (/healthz), and a
// server started on a read-only file must say so at once.
const (
	// healthEvery is how often at most the write probe runs: /healthz in
	// between answers the last result, so it cannot be used to load the
	// database.
	healthEvery = 5 * time.Second
	// healthTimeout bounds one probe: a writer held longer than this is
	// itself a problem to report.
	healthTimeout = 2 * time.Second
	// MinFreeBytes is the free space under which the database's file
	// system counts as full: below it a large save or a checkpoint can
	// fail, and the file never shrinks by itself.
	MinFreeBytes = 16 << 20
)

// writeReason classifies an error from SQLite or PostgreSQL: ReasonError
// when it is none of the causes known.
func writeReason(err error) string {
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &pe):
		return pgWriteReason(pe.Code)
	case errors.As(err, &ce):
		return survey.ReasonError // the server is down or refuses us: Ping says unavailable
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		if errors.Is(err, context.DeadlineExceeded) {
			return survey.ReasonBusy
		}
		return survey.ReasonError
	}
	switch {
	case se.Code == sqlite3.ErrFull || se.SystemErrno == syscall.ENOSPC || se.SystemErrno == syscall.EDQUOT:
		return survey.ReasonDiskFull
	case se.Code == sqlite3.ErrReadonly || se.Code == sqlite3.ErrPerm || se.Code == sqlite3.ErrCantOpen,
		se.SystemErrno == syscall.EROFS || se.SystemErrno == syscall.EPERM || se.SystemErrno == syscall.EACCES:
		return survey.ReasonReadOnly
	case se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked:
		return survey.ReasonBusy
	}
	return survey.ReasonError
}

// pgWriteReason classifies a PostgreSQL error by its SQLSTATE: a server
// that takes no writes (a standby, default_transaction_read_only) or a
// role that may not write is read-only, a full disk is full, a lock or a
// statement that waited too long is busy; anything else (a connection
// lost, the server shutting down) is an error.
func pgWriteReason(code string) string {
	switch code {
	case "25006", "42501": // read_only_sql_transaction, insufficient_privilege
		return survey.ReasonReadOnly
	case "53100": // disk_full
		return survey.ReasonDiskFull
	case "55P03", "40P01", "40001", "57014": // lock_not_available, deadlock_detected, serialization_failure, query_canceled
		return survey.ReasonBusy
	}
	return survey.ReasonError
}

// NotWritable returns a *WriteError with a clear message when err (from
// Open, say) comes from a database that cannot be written, and err
// otherwise.
func NotWritable(path string, err error) error {
	if err == nil {
		return nil
	}
	var we *survey.WriteError
	if errors.As(err, &we) {
		return err
	}
	var se sqlite3.Error
	var pe *pgconn.PgError
	if errors.As(err, &se) || errors.As(err, &pe) {
		if r := writeReason(err); r == survey.ReasonReadOnly || r == survey.ReasonDiskFull {
			return &survey.WriteError{Path: path, Reason: r, Err: err}
		}
	}
	return err
}

type healthProbe struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// Writable reports whether the database can take a write now: it commits
// a row and deletes it (probeWrite), and checks that the file system has
// MinFreeBytes free (SQLite only: PostgreSQL's files are the server's). It probes at most once every healthEvery and
// answers the last result in between. The error is a *WriteError.
func (s *Store) Writable(ctx context.Context) error {
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if !h.at.IsZero() && now.Sub(h.at) < healthEvery && !now.Before(h.at) {
		return h.err
	}
	h.err, h.at = s.probeWrite(ctx, true), now
	return h.err
}

// CheckWritable probes a write now, for start-up: a server on a database it
// cannot write refuses to start. Low free space is left to /healthz: a
// server that can still write should start and serve.
func (s *Store) CheckWritable(ctx context.Context) error {
	err := s.probeWrite(ctx, false)
	s.health.mu.Lock()
	s.health.err, s.health.at = err, time.Now()
	s.health.mu.Unlock()
	return err
}

// probeWrite commits a row to the settings table and deletes it again in a
// second transaction: each commit appends to the write-ahead log, so a
// file, folder or disk that turned read-only since the server started is
// found (a write rolled back touches no file), and the data is as before.
// checkSpace also checks the file system's free space: a full disk does
// not fail a commit that reuses the log's space, but it fails the next
// checkpoint or a large save.
func (s *Store) probeWrite(ctx context.Context, checkSpace bool) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	fail := func(err error) error { return &survey.WriteError{Path: s.path, Reason: writeReason(err), Err: err} }
	for _, stmt := range []string{
		`INSERT INTO settings (key, value) VALUES ('health.probe', 'x') ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		`DELETE FROM settings WHERE key = 'health.probe'`,
	} {
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, stmt)
			return err
		})
		if err != nil {
			return fail(err)
		}
	}
	if s.pg {
		return nil // no local file: the server's disk is its own (a full one fails the probe, 53100)
	}
	if free, ok := freeBytes(s.path); checkSpace && ok && free < MinFreeBytes {
		return &survey.WriteError{Path: s.path, Reason: survey.ReasonDiskFull,
			Err: fmt.Errorf("%d bytes free, under %d", free, MinFreeBytes)}
	}
	return nil
}
