package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCachedPagesGzip: public pages kept in the cache go out gzip-encoded
// to clients that accept it and expanded to others, the same page either
// way, first request and cached alike; signed-in pages are never encoded.
func TestCachedPagesGzip(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	id := roundIDByName(t, st, "2025")
	get := func(path, encoding string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, w.Code)
		}
		return w
	}
	for _, path := range []string{"/ar/catalog?abroad=1", "/en/rounds/" + id + "/dashboard", "/ar/rounds/" + id + "/scorecards/MOH", "/ar/"} {
		for round := range 2 { // the first request renders, the second is served from the cache
			zipped := get(path, "br, gzip;q=0.8")
			if zipped.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
				t.Fatalf("%s (%d): headers %v", path, round, zipped.Header())
			}
			body, err := gunzipBytes(zipped.Body.Bytes())
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			plain := get(path, "")
			if plain.Header().Get("Content-Encoding") != "" {
				t.Errorf("%s: encoded for a client that did not ask", path)
			}
			if string(body) != plain.Body.String() || !strings.Contains(plain.Body.String(), "</html>") {
				t.Errorf("%s (%d): the gzip and plain pages differ (%d and %d bytes)", path, round, len(body), plain.Body.Len())
			}
			if refused := get(path, "gzip;q=0, identity"); refused.Header().Get("Content-Encoding") != "" {
				t.Errorf("%s: gzip sent to a client that refused it", path)
			}
			if zipped.Body.Len()*3 > plain.Body.Len() {
				t.Errorf("%s: %d bytes compressed of %d", path, zipped.Body.Len(), plain.Body.Len())
			}
		}
	}
}
