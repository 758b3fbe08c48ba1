package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"marsad/survey"
)

// Group commit for autosaves. A hall of respondents saves answers many at
// a time; each save alone paid a BEGIN and a COMMIT (75 of its 200 µs of
// database time, measured), and the single writer made them queue anyway.
// Saves that arrive while a transaction is being written now wait for the
// next one and share it: each runs inside its own SAVEPOINT, so one that
// fails (a conflict, a bad value) is undone alone, and each is answered
// only after the COMMIT that holds it, so an acknowledged save is as
// durable as before (the crash test checks it).

// maxBatch bounds how many saves share one transaction.
const maxBatch = 64

// When saves arrive closer together than lingerWhen on average, a batch
// waits up to lingerFor for more before it begins, as PostgreSQL's
// commit_delay waits only while other transactions are active: BEGIN
// IMMEDIATE and COMMIT were half of a lone save's database time
// (BenchmarkAutosave). On the respondent's path (bench/, 20 respondents,
// about 2,800 saves a second) a 50 µs wait while saves came every 50 µs
// or faster left 1.85 saves a transaction; 300 µs while they come every
// millisecond or faster makes it 6.3 (one run each); a 1 ms wait made the
// respondents wait for each other in the one run tried.
// A respondent's save waits at most 300 µs more, and only while the
// server is busy with saves; at a save every few seconds, as people type,
// nothing waits (issue 15).
const (
	lingerFor  = 300 * time.Microsecond
	lingerWhen = time.Millisecond
)

// gapWeight is the weight of the newest gap between two saves in their
// running average (an exponentially weighted mean over about 8 saves).
const gapWeight = 0.125

type batcher struct {
	mu     sync.Mutex
	jobs   chan *batchJob
	closed bool
	done   chan struct{}
	shared atomic.Int64 // transactions that held more than one save
}

type batchJob struct {
	ctx  context.Context
	lock int64 // what the job writes, as an advisory lock key (PostgreSQL)
	fn   func(ctx context.Context, tx dbExecer) error
	done chan error
	at   time.Time // when it was handed over
}

// dbExecer is what a transaction's statements run on: a *sql.Tx, or the
// writer's *sql.Conn between the BEGIN and the COMMIT of a batch.
type dbExecer interface {
	dbQueryer
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// withBatchedTx runs fn in a transaction that it may share with other
// saves; fn must use only tx and the context it is given, and leave no
// state behind on error. It returns once that transaction is committed or
// fn's work undone.
//
// fn's context cannot be cancelled (it keeps ctx's values): database/sql
// and the driver start a goroutine for every statement run under a
// context that can be, and a *sql.Tx makes one itself for every query,
// which cost an autosave about a third of the batch goroutine's time
// (BenchmarkSaveAnswerConcurrent). So batches run on the writer's
// *sql.Conn with BEGIN and COMMIT of their own, and a caller that may go
// away checks ctx before it writes.
//
// lock names what fn writes (responseLock): on PostgreSQL a batch holds the
// write lock shared and the locks of its jobs exclusive, so that servers
// save into different responses at once (postgres.go).
func (s *Store) withBatchedTx(ctx context.Context, lock int64, fn func(ctx context.Context, tx dbExecer) error) error {
	b := &s.batch
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return fmt.Errorf("survey: store closed")
	}
	if b.jobs == nil {
		b.jobs, b.done = make(chan *batchJob, maxBatch*4), make(chan struct{})
		go s.runBatches()
	}
	j := &batchJob{ctx: context.WithoutCancel(ctx), lock: lock, fn: fn, done: make(chan error, 1), at: time.Now()}
	b.jobs <- j // under mu: Close cannot close the channel meanwhile
	b.mu.Unlock()
	// Waiting even if the client has gone: the save may be committed, and
	// the caller must not report it lost.
	return <-j.done
}

// closeBatches stops taking saves and waits for the ones taken.
func (s *Store) closeBatches() {
	b := &s.batch
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.jobs == nil {
		b.closed = true
		return
	}
	b.closed = true
	close(b.jobs)
	<-b.done
}

func (s *Store) runBatches() {
	b := &s.batch
	defer close(b.done)
	var last time.Time
	gap := float64(time.Second) // the running mean gap between saves, in ns
	arrived := func(j *batchJob) {
		if !last.IsZero() {
			gap += gapWeight * (float64(max(j.at.Sub(last), 0)) - gap)
		}
		last = j.at
	}
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for j := range b.jobs {
		arrived(j)
		batch := []*batchJob{j}
		open := true
	more:
		for len(batch) < maxBatch {
			select {
			case j, ok := <-b.jobs:
				if !ok {
					open = false
					break more
				}
				arrived(j)
				batch = append(batch, j)
			default:
				break more
			}
		}
		if open && len(batch) < maxBatch && gap < float64(lingerWhen) {
			linger.Reset(lingerFor)
		wait:
			for len(batch) < maxBatch {
				select {
				case j, ok := <-b.jobs:
					if !ok {
						break wait
					}
					arrived(j)
					batch = append(batch, j)
				case <-linger.C:
					break wait
				}
			}
			linger.Stop()
		}
		s.runBatch(batch)
	}
}

// runBatch runs the saves in one transaction and answers each.
func (s *Store) runBatch(batch []*batchJob) {
	fail := func(err error) {
		for _, j := range batch {
			j.done <- err
		}
	}
	ctx := context.Background()
	conn, err := s.w.Conn(ctx)
	if err != nil {
		fail(fmt.Errorf("survey: begin: %w", err))
		return
	}
	defer conn.Close()
	// Locked for writing, as withTx's transactions begin (_txlock in DSN).
	if err := s.beginBatch(ctx, conn, batch); err != nil {
		abort(ctx, conn)
		fail(fmt.Errorf("survey: begin: %w", err))
		return
	}
	tx := &batchTx{Conn: conn}
	if len(batch) == 1 { // alone: a plain transaction, no savepoint
		j := batch[0]
		if err := j.fn(j.ctx, tx); err != nil {
			abort(ctx, conn)
			j.done <- err
			return
		}
		if err := commit(ctx, conn); err != nil {
			j.done <- err
			return
		}
		j.done <- nil
		return
	}
	s.batch.shared.Add(1)
	errs := make([]error, len(batch))
	for i, j := range batch {
		if _, err := conn.ExecContext(ctx, "SAVEPOINT save"); err != nil {
			abort(ctx, conn)
			fail(fmt.Errorf("survey: savepoint: %w", err))
			return
		}
		if errs[i] = j.fn(j.ctx, tx); errs[i] != nil {
			if _, err := conn.ExecContext(ctx, "ROLLBACK TO save"); err != nil {
				abort(ctx, conn)
				fail(fmt.Errorf("survey: rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := conn.ExecContext(ctx, "RELEASE save"); err != nil {
			abort(ctx, conn)
			fail(fmt.Errorf("survey: release savepoint: %w", err))
			return
		}
	}
	if err := commit(ctx, conn); err != nil {
		fail(err)
		return
	}
	for i, j := range batch {
		j.done <- errs[i]
	}
}

// batchTx is the connection a batch's saves run on, with the rounds they
// save into, read once a batch (batchRound): no save changes a round, and
// a write that does (open, close, a new deadline) waits until the batch's
// transaction ends, behind SQLite's one writer or, on PostgreSQL, the
// advisory lock that a batch takes shared and every other write
// exclusively (beginBatch).
type batchTx struct {
	*sql.Conn
	rounds map[int64]survey.Round
}

// batchRound reads the round id inside tx, once a batch when tx is one.
func batchRound(ctx context.Context, tx dbExecer, id int64) (survey.Round, error) {
	b, ok := tx.(*batchTx)
	if !ok {
		return getRound(ctx, tx, id)
	}
	if r, ok := b.rounds[id]; ok {
		return r, nil
	}
	r, err := getRound(ctx, tx, id)
	if err != nil {
		return r, err
	}
	if b.rounds == nil {
		b.rounds = map[int64]survey.Round{}
	}
	b.rounds[id] = r
	return r, nil
}

// commit ends the batch's transaction; if COMMIT fails the transaction is
// rolled back, as database/sql's Tx.Commit leaves it (the driver's Commit
// does the same).
func commit(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		abort(ctx, conn)
		return fmt.Errorf("survey: commit: %w", err)
	}
	return nil
}

// abort rolls back whatever the batch's transaction holds. A connection
// still inside a transaction afterwards (its ROLLBACK failed) is closed
// rather than handed to the next writer with that transaction open.
func abort(ctx context.Context, conn *sql.Conn) {
	_, _ = conn.ExecContext(ctx, "ROLLBACK")
	_ = conn.Raw(func(dc any) error {
		if c, ok := dc.(interface{ AutoCommit() bool }); ok && !c.AutoCommit() {
			return driver.ErrBadConn
		}
		return nil
	})
}
