package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
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

type batcher struct {
	mu     sync.Mutex
	jobs   chan *batchJob
	closed bool
	done   chan struct{}
	shared atomic.Int64 // transactions that held more than one save
}

type batchJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// withBatchedTx runs fn in a transaction that it may share with other
// saves; fn must use only tx (and ctx) and leave no state behind on error.
// It returns once that transaction is committed or fn's work undone.
func (s *Store) withBatchedTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
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
	j := &batchJob{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan error, 1)}
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
	for j := range b.jobs {
		batch := []*batchJob{j}
	more:
		for len(batch) < maxBatch {
			select {
			case j, ok := <-b.jobs:
				if !ok {
					break more
				}
				batch = append(batch, j)
			default:
				break more
			}
		}
		s.runBatch(batch)
	}
}

// runBatch runs the saves in one transaction and answers each.
func (s *Store) runBatch(batch []*batchJob) {
	if len(batch) == 1 { // alone: a plain transaction, no savepoint
		j := batch[0]
		j.done <- s.withTx(j.ctx, j.fn)
		return
	}
	fail := func(err error) {
		for _, j := range batch {
			j.done <- err
		}
	}
	s.batch.shared.Add(1)
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("survey: begin: %w", err))
		return
	}
	errs := make([]error, len(batch))
	for i, j := range batch {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT save"); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("survey: savepoint: %w", err))
			return
		}
		if errs[i] = j.fn(tx); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO save"); err != nil {
				_ = tx.Rollback()
				fail(fmt.Errorf("survey: rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE save"); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("survey: release savepoint: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("survey: commit: %w", err))
		return
	}
	for i, j := range batch {
		j.done <- errs[i]
	}
}
