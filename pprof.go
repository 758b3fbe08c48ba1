//go:build pprof

package main

// A build for profiling only (go build -tags pprof): with PPROF_ADDR set
// to a loopback address, net/http/pprof answers there, apart from the
// application. Release builds leave this file out; bench/README.md says how
// the bench uses it.

import (
	"expvar"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // #nosec G108 -- only in builds tagged pprof, only on a loopback address
	"os"

	"marsad/survey/cache"
)

// debugCache shows the cache's spaces (entries, bytes, hits, misses,
// evictions) at /debug/vars beside the profiles.
func debugCache(c *cache.Cache) {
	expvar.Publish("cache", expvar.Func(func() any { return c.Stats() }))
}

func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		slog.Error("PPROF_ADDR must be a loopback address and port", "addr", addr)
		return
	}
	go func() {
		srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux} // #nosec G112 -- a developer's loopback profiling port
		slog.Info("pprof listening", "addr", addr, "err", srv.ListenAndServe())
	}()
}
