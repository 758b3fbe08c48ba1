package handlers

import (
	"net/http"
	"slices"
	"strings"
)

// headWriter is the ResponseWriter of a HEAD request routed as a GET. The
// handler writes a GET's answer; only its headers leave: net/http drops the
// body of a HEAD answer, and headWriter drops it before that too, so that
// a writer other than net/http's (a test's recorder) sees no body either.
type headWriter struct{ http.ResponseWriter }

func (h headWriter) Write(p []byte) (int, error) { return len(p), nil }

func (h headWriter) WriteString(s string) (int, error) { return len(s), nil }

// options answers OPTIONS: 204 with the methods the path takes (HEAD
// wherever GET), or 404 for a path with none. "OPTIONS *" asks about the
// server: every method it uses. No cross-origin request is allowed, so no
// CORS header is sent.
func (s *Server) options(w http.ResponseWriter, r *http.Request) {
	methods := s.methodsFor(r.URL.Path)
	if r.URL.Path == "*" || r.RequestURI == "*" {
		methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	}
	if len(methods) == 0 {
		s.engine.ServeHTTP(w, r) // the site's own 404
		return
	}
	w.Header().Set("Allow", strings.Join(append(methods, http.MethodOptions), ", "))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// methodsFor lists the methods of the routes matching path, in a fixed
// order.
func (s *Server) methodsFor(path string) []string {
	var out []string
	for _, rt := range s.engine.Routes() {
		if !slices.Contains(out, rt.Method) && routeMatches(rt.Path, path) {
			out = append(out, rt.Method)
		}
	}
	if slices.Contains(out, http.MethodGet) {
		out = append(out, http.MethodHead)
	}
	order := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	return out
}

// routeMatches reports whether a gin pattern (/ar/rounds/:id, /static/*f)
// matches path.
func routeMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i, p := range ps {
		if strings.HasPrefix(p, "*") {
			return true
		}
		if i >= len(xs) || (!strings.HasPrefix(p, ":") && p != xs[i]) || (strings.HasPrefix(p, ":") && xs[i] == "") {
			return false
		}
	}
	return len(ps) == len(xs)
}
