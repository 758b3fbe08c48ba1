package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"marsad/survey"
)

// Check runs (migration 0019): what the admin catalog page says about the
// checker comes from here, so that it survives a restart.

// CheckRunLease is how long a run started on one of several servers
// (PostgreSQL) keeps the others from starting one: the row of a run is its
// lease, which ends when the run finishes, or after this long if its server
// died. One server alone keeps the state of its run in memory
// (handlers/checks.go) and shows a run cut short by a restart as
// interrupted.
const CheckRunLease = 2 * time.Hour

// StartCheckRun records a run's start; one started by hand (by actorID) is
// audited, a scheduled one is not (it is the server's own routine). On
// PostgreSQL it answers survey.ErrCheckRunning while another server's run
// holds its lease.
func (s *Store) StartCheckRun(ctx context.Context, actorID int64, byHand bool) (int64, error) {
	var id int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if s.pg {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM check_runs WHERE finished_at = '' AND started_at > ?`,
				formatTime(s.now().Add(-CheckRunLease))).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return survey.ErrCheckRunning
			}
		}
		var by any
		if actorID > 0 {
			by = actorID
		}
		var err error
		id, err = insertID(ctx, tx, `INSERT INTO check_runs (started_at, by_hand, started_by) VALUES (?, ?, ?)`,
			formatTime(s.now()), byHand, by)
		if err != nil {
			return err
		}
		if !byHand {
			return nil
		}
		return s.audit(ctx, tx, actorID, "check_run", "service", "checks", nil, map[string]any{"run": id})
	})
	if err != nil {
		return 0, fmt.Errorf("survey: start check run: %w", err)
	}
	return id, nil
}

// FinishCheckRun records what a run did, and moves checks_version so that
// cached pages showing observed figures are made again.
func (s *Store) FinishCheckRun(ctx context.Context, id int64, urls, reachable int, failed bool) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE check_runs SET finished_at = ?, urls = ?, reachable = ?, failed = ? WHERE id = ?`,
			formatTime(s.now()), urls, reachable, failed, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'checks_version'`)
		return err
	})
	if err != nil {
		return fmt.Errorf("survey: finish check run: %w", err)
	}
	return nil
}

// LastCheckRun is the latest run; survey.ErrNotFound when there was none.
func (s *Store) LastCheckRun(ctx context.Context) (survey.CheckRun, error) {
	var r survey.CheckRun
	var started, finished string
	err := s.r.QueryRowContext(ctx, `SELECT id, started_at, finished_at, by_hand, urls, reachable, failed FROM check_runs
		ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &started, &finished, &r.ByHand, &r.URLs, &r.Reachable, &r.Failed)
	if errors.Is(err, sql.ErrNoRows) {
		return r, survey.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("survey: last check run: %w", err)
	}
	r.StartedAt = parseTime(started)
	if finished != "" {
		r.FinishedAt = parseTime(finished)
	}
	return r, nil
}
