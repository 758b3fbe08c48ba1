package mailer

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"marsad/survey"
)

// Store is what the worker needs of the outbox (survey/sqlstore implements it).
type Store interface {
	ClaimMail(ctx context.Context, n int, lease time.Duration) ([]survey.OutboxMessage, error)
	MarkMailSent(ctx context.Context, id int64, attempt int, r survey.RenderedMail) error
	MarkMailFailed(ctx context.Context, id int64, attempt int, r survey.RenderedMail, reason string, permanent bool) error
	ReleaseMail(ctx context.Context, id int64, attempt int) error
}

// Renderer writes a message in its recipient's language (the web layer
// has the templates and translations: handlers.Server.RenderMail).
type Renderer func(ctx context.Context, m survey.OutboxMessage) (survey.RenderedMail, error)

// Worker sends the outbox's messages. Its zero options are defaults.
type Worker struct {
	Store  Store
	Render Renderer
	Sender *Sender
	Log    *slog.Logger
	// Lease is how long a claim holds a message (survey.DefaultMailLease).
	Lease time.Duration
	// Concurrency is how many connections send at once (2).
	Concurrency int
	// Batch is how many messages one connection takes at a time (20).
	Batch int
	// Poll is how often an idle worker looks for due messages (1 s).
	Poll time.Duration

	sent, failed atomic.Int64
}

// Sent and Failed count this worker's deliveries and failed attempts.
func (w *Worker) Sent() int64   { return w.sent.Load() }
func (w *Worker) Failed() int64 { return w.failed.Load() }

// afterSend runs after the SMTP server accepted a message and before that
// is recorded. Only the crash test sets it (build tag marsadcrash,
// crashhook.go): the process then exits there, as if it had died.
var afterSend = func() {}

// Run sends until ctx ends, then finishes the message in hand, gives back
// the ones claimed but not begun, and returns.
func (w *Worker) Run(ctx context.Context) {
	if w.Lease <= 0 {
		w.Lease = survey.DefaultMailLease
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 2
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	var wg sync.WaitGroup
	for range w.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := w.round(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("mail: outbox", "err", err)
		}
		wait := w.Poll
		if n > 0 {
			wait = 0 // more may be due
		}
		t.Reset(wait)
	}
}

// record is a context for recording results: a message sent is recorded
// even while the server stops.
func record() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// round claims a batch and sends it over one connection.
func (w *Worker) round(ctx context.Context) (int, error) {
	batch, err := w.Store.ClaimMail(ctx, w.Batch, w.Lease)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	// A message is sent only well within its claim's lease: past that,
	// another worker may claim it again, and both would send it.
	fresh := time.Now().Add(w.Lease * 3 / 4)
	var conn *Conn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	for i, m := range batch {
		if ctx.Err() != nil || (i > 0 && time.Now().After(fresh)) {
			// Stopping, or the batch is slow: the messages not begun go
			// back to the queue now rather than wait for their lease.
			w.release(batch[i:])
			return i, nil
		}
		if err := w.one(ctx, &conn, m); err != nil {
			// The server cannot be reached: that is the attempt of every
			// message of the batch (not one dial each).
			for _, rest := range batch[i+1:] {
				w.fail(rest, survey.RenderedMail{}, err.Error(), false)
			}
			return len(batch), nil
		}
	}
	return len(batch), nil
}

// release gives claimed messages back to the queue.
func (w *Worker) release(ms []survey.OutboxMessage) {
	rctx, cancel := record()
	defer cancel()
	for _, m := range ms {
		if err := w.Store.ReleaseMail(rctx, m.ID, m.Attempts); err != nil {
			w.Log.Error("mail: release", "id", m.ID, "err", err)
		}
	}
}

// one renders, sends and records one claimed message. It returns an error
// only when the SMTP server cannot be reached (the message's failure is
// recorded already).
func (w *Worker) one(ctx context.Context, conn **Conn, m survey.OutboxMessage) error {
	r, err := w.Render(ctx, m)
	if err != nil {
		w.fail(m, survey.RenderedMail{}, "render: "+err.Error(), true)
		return nil
	}
	if *conn == nil {
		dctx, cancel := context.WithTimeout(ctx, w.Sender.set.Timeout)
		c, err := w.Sender.Dial(dctx)
		cancel()
		if err != nil {
			w.fail(m, r, err.Error(), false)
			return err
		}
		*conn = c
	}
	err = (*conn).Send(Outgoing{To: m.To, Lang: m.Lang, MessageID: m.MessageID, RenderedMail: r})
	if err != nil {
		// The connection may be broken: the next message dials again.
		_ = (*conn).Close()
		*conn = nil
		w.fail(m, r, err.Error(), Permanent(err))
		return nil
	}
	afterSend()
	w.sent.Add(1)
	rctx, cancel := record()
	defer cancel()
	if err := w.Store.MarkMailSent(rctx, m.ID, m.Attempts, r); err != nil {
		// Left 'sending': it goes again when its lease ends (the bounded
		// duplicate of docs/mail.md).
		w.Log.Error("mail: record sent", "id", m.ID, "err", err)
	}
	return nil
}

func (w *Worker) fail(m survey.OutboxMessage, r survey.RenderedMail, reason string, permanent bool) {
	w.failed.Add(1)
	w.Log.Warn("mail: not sent", "id", m.ID, "kind", m.Kind, "attempt", m.Attempts, "permanent", permanent, "err", reason)
	rctx, cancel := record()
	defer cancel()
	if err := w.Store.MarkMailFailed(rctx, m.ID, m.Attempts, r, reason, permanent); err != nil {
		w.Log.Error("mail: record failure", "id", m.ID, "err", err)
	}
}
