package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestIdleTrim: memory is handed back once per idle period, never while a
// request is in flight, and again after the next burst.
func TestIdleTrim(t *testing.T) {
	t.Parallel()
	var released atomic.Int32
	block := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-block
		}
	})
	trim := newIdleTrim(h, 40*time.Millisecond, func(context.Context) { released.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go trim.run(ctx)

	done := make(chan struct{})
	go func() {
		trim.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/slow", nil))
		close(done)
	}()
	time.Sleep(200 * time.Millisecond)
	if n := released.Load(); n != 0 {
		t.Fatalf("released %d times while a request was in flight", n)
	}
	close(block)
	<-done
	waitFor(t, func() bool { return released.Load() == 1 })
	time.Sleep(200 * time.Millisecond)
	if n := released.Load(); n != 1 {
		t.Fatalf("released %d times in one idle period, want once", n)
	}
	trim.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	waitFor(t, func() bool { return released.Load() == 2 })
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("condition not reached in 5 s")
}
