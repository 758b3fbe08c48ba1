package main

import (
	"context"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// idleTrim hands memory back to the system once the server has had no
// request for idleAfter: the Go heap's free pages (debug.FreeOSMemory) and
// the database's page caches (release). A busy server never pays for it;
// an idle one (most hours of a survey round) holds its live data and little
// else, instead of the high-water mark of its last burst. The runtime would
// give the pages back by itself, but over minutes.
type idleTrim struct {
	next      http.Handler
	inFlight  atomic.Int64
	last      atomic.Int64 // unix nanoseconds of the last request's end
	trimmed   atomic.Bool
	idleAfter time.Duration
	release   func(context.Context)
}

func newIdleTrim(next http.Handler, idleAfter time.Duration, release func(context.Context)) *idleTrim {
	t := &idleTrim{next: next, idleAfter: idleAfter, release: release}
	t.last.Store(time.Now().UnixNano())
	return t
}

func (t *idleTrim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.inFlight.Add(1)
	t.trimmed.Store(false)
	defer func() {
		t.last.Store(time.Now().UnixNano())
		t.inFlight.Add(-1)
	}()
	t.next.ServeHTTP(w, r)
}

// run trims once per idle period, checking a few times a second, until ctx ends.
func (t *idleTrim) run(ctx context.Context) {
	tick := time.NewTicker(t.idleAfter / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if t.inFlight.Load() > 0 || t.trimmed.Load() || now.Sub(time.Unix(0, t.last.Load())) < t.idleAfter {
				continue
			}
			t.trimmed.Store(true)
			rctx, cancel := context.WithTimeout(ctx, time.Second)
			t.release(rctx)
			cancel()
			debug.FreeOSMemory()
		}
	}
}
