package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Body limits: ordinary requests and file uploads.
const (
	maxBody   = 1 << 20
	maxUpload = 10 << 20
	// uploadReadTime is how long an upload's body may take to arrive.
	uploadReadTime = 4 * time.Minute
)

// uploadRoutes take files and so get the larger body limit.
var uploadRoutes = map[string]bool{"/api/v1/rounds/:id/answers/import": true}

// csvBodyRoutes are API routes whose body is not JSON: CSV, or the
// multipart form of an evidence upload, whose handler checks its type
// after who may upload there (evidence_api.go, initiative_evidence_api.go).
var csvBodyRoutes = map[string]bool{"/api/v1/rounds/:id/answers/import": true, apiEvidenceRoute: true, apiInitiativeEvidenceRoute: true}

func init() {
	for _, l := range Languages {
		uploadRoutes["/"+l+"/admin/institutions/import"] = true
		uploadRoutes["/"+l+"/admin/services/import"] = true
		uploadRoutes["/"+l+"/admin/questionnaires"] = true
		uploadRoutes["/"+l+"/admin/rounds/:id/answers"] = true
		uploadRoutes["/"+l+"/rounds/:id/responses/:code/xlsx"] = true
	}
}

// Context keys.
const (
	keyRequestID = "marsad.request_id"
	keyLang      = "marsad.lang"
	keySession   = "marsad.session"
	keyAPI       = "marsad.api"
)

// Cookie names.
const (
	cookieSession = "marsad_session"
	cookieCSRF    = "marsad_csrf"
	cookieLang    = "marsad_lang"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requestID gives each request an ID for the log and for 500 pages.
func (s *Server) requestID(c *gin.Context) {
	id := randomHex(8)
	c.Set(keyRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// logRequests writes one structured line per request. It logs the route
// pattern, not the raw path or query, because links carry secrets
// (invitation and setup tokens).
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	path := c.FullPath()
	if path == "" {
		path = "(unmatched)"
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("id", c.GetString(keyRequestID)),
		slog.String("method", c.Request.Method),
		slog.String("route", path),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
	)
}

// recoverPanic turns a panic into a 500 page with a reference ID in the log.
func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.serverError(c, panicError{v})
		}
	}()
	c.Next()
}

type panicError struct{ v any }

func (p panicError) Error() string { return "panic: " + slog.AnyValue(p.v).String() }

// securityHeaders sets headers every response carries. No page has inline
// script or style, so the policy needs no 'unsafe-inline' and no nonces:
// script-src 'self' allows only our own files, which is stricter than a
// nonce (a nonce would also have to differ per response, and whole public
// pages are served from memory). Chart data travels in data- attributes,
// never in a script. The standalone export is a download, not a page of
// this site.
//
// Every answer is no-store unless its handler says otherwise (the static
// files, the favicon and the service worker do): pages, downloads and API
// answers may hold what only this user may read, and a shared computer or
// a proxy must not keep them. Over https, browsers are told to use https
// only (HSTS).
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	if s.https {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	c.Next()
}

// limitBody refuses bodies over the route's limit with 413, up front when
// the length is declared and while reading when it is not.
func (s *Server) limitBody(c *gin.Context) {
	limit := int64(maxBody)
	if uploadRoutes[c.FullPath()] {
		limit = uploadBodyLimit(c.FullPath()) // the route's file limit (upload.go)
		// A file may take longer to arrive than the server's 30 s for a
		// request (10 MB at 500 kbit/s takes 3 minutes).
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(uploadReadTime))
	}
	if c.Request.ContentLength > limit {
		s.failTooLarge(c, limit)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// withLang fixes the language of a /ar or /en group and remembers the choice.
func (s *Server) withLang(lang string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(keyLang, lang)
		if v, _ := c.Cookie(cookieLang); v != lang {
			s.setCookie(c, cookieLang, lang, 365*24*3600)
		}
		c.Next()
	}
}

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{ // #nosec G124 -- HttpOnly and SameSite=Lax always; Secure whenever the base URL is https (cfg.SecureCookies), since browsers drop Secure cookies on plain-http loopback
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// loadSession finds the signed-in user from the session cookie or, for the
// API, an Authorization: Bearer token.
func (s *Server) loadSession(c *gin.Context) {
	token, _ := c.Cookie(cookieSession)
	if h := c.GetHeader("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
		c.Set(keyAPI, true)
	}
	if token != "" {
		sess, err := s.store.SessionByToken(c.Request.Context(), token)
		switch {
		case err == nil && sess.Kind == survey.SessionToken && !strings.HasPrefix(c.Request.URL.Path, "/api/v1/"):
			// A personal access token is for programs calling the API;
			// on the pages it is no one.
		case err == nil:
			c.Set(keySession, &sess)
		case !errors.Is(err, survey.ErrNotFound):
			s.serverError(c, err)
			return
		}
	}
	c.Next()
}

func session(c *gin.Context) *survey.Session {
	v, _ := c.Get(keySession)
	sess, _ := v.(*survey.Session)
	return sess
}

func currentUser(c *gin.Context) *survey.User {
	if sess := session(c); sess != nil {
		return &sess.User
	}
	return nil
}

// csrfToken is the token forms must carry: the session's when signed in,
// else a random one held in a cookie (for sign-in, setup and invitations).
func (s *Server) csrfToken(c *gin.Context) string {
	if sess := session(c); sess != nil && sess.Kind == survey.SessionWeb {
		return sess.CSRFToken
	}
	if v, err := c.Cookie(cookieCSRF); err == nil && len(v) == 32 {
		return v
	}
	if v := c.GetString(cookieCSRF); v != "" {
		return v
	}
	v := randomHex(16)
	c.Set(cookieCSRF, v)
	s.setCookie(c, cookieCSRF, v, 0)
	return v
}

// checkForm parses the form of every state-changing HTML request and checks
// its CSRF token. Parsing here, once, gives one place for the body limit
// (413), invalid UTF-8 (400) and the token (403).
func (s *Server) checkForm(c *gin.Context) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Next()
		return
	}
	// An upload's body is not read before the route has checked who may
	// upload there: its handler reads the form and checks the token then
	// (uploadedFile, upload.go).
	if uploadRoutes[c.FullPath()] {
		c.Next()
		return
	}
	var err error
	if strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		err = c.Request.ParseMultipartForm(maxUpload)
	} else {
		err = c.Request.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.fail(c, http.StatusRequestEntityTooLarge, "err.too_large")
		return
	case err != nil:
		s.fail(c, http.StatusBadRequest, "err.bad_request")
		return
	}
	for _, vs := range c.Request.PostForm {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				s.fail(c, http.StatusBadRequest, "err.bad_encoding")
				return
			}
		}
	}
	if !tokenMatches(c.Request.PostFormValue("csrf_token"), s.csrfToken(c)) {
		s.fail(c, http.StatusForbidden, "err.csrf")
		return
	}
	c.Next()
}

// checkAPIWrite guards API writes. Bearer-token calls cannot be forged by
// another site; calls on the session cookie must send the session's CSRF
// token in X-CSRF-Token. Bodies must be JSON.
func (s *Server) checkAPIWrite(c *gin.Context) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Next()
		return
	}
	if sess := session(c); sess != nil && sess.ReadOnly {
		s.fail(c, http.StatusForbidden, "err.token_read_only")
		return
	}
	if sess := session(c); sess != nil && !c.GetBool(keyAPI) {
		if !tokenMatches(c.GetHeader("X-CSRF-Token"), sess.CSRFToken) {
			s.fail(c, http.StatusForbidden, "err.csrf")
			return
		}
	}
	if c.Request.ContentLength != 0 && c.ContentType() != "application/json" && !csvBodyRoutes[c.FullPath()] &&
		(c.Request.Method != http.MethodPatch || c.ContentType() != "application/merge-patch+json") {
		s.fail(c, http.StatusUnsupportedMediaType, "err.want_json")
		return
	}
	c.Next()
}

// requireSetup keeps everything closed until the first administrator exists.
func (s *Server) requireSetup(c *gin.Context) {
	if s.ready.Load() {
		c.Next()
		return
	}
	// The first admin may come from another process (marsad user add).
	if ok, err := s.store.HasAdmin(c.Request.Context()); err == nil && ok {
		s.ready.Store(true)
		c.Next()
		return
	}
	if isAPI(c) {
		s.fail(c, http.StatusServiceUnavailable, "err.setup_required")
		return
	}
	seeOther(c, pathSetup)
	c.Abort()
}

// requireUser sends anonymous visitors to sign in (401 for the API).
func (s *Server) requireUser(c *gin.Context) {
	if currentUser(c) != nil {
		c.Next()
		return
	}
	if isAPI(c) {
		s.fail(c, http.StatusUnauthorized, "err.sign_in_required")
		return
	}
	seeOther(c, pathLogin+"?next="+urlQueryEscape(c.Request.URL.RequestURI()))
	c.Abort()
}

// requireRole lets only users with one of roles through: anonymous visitors
// are sent to sign in, others get 403.
func (s *Server) requireRole(roles ...survey.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := currentUser(c)
		if u == nil {
			s.requireUser(c)
			return
		}
		for _, r := range roles {
			if u.Role == r {
				c.Next()
				return
			}
		}
		s.fail(c, http.StatusForbidden, "err.forbidden")
	}
}

// Every page compressed (writePage) holds the CSRF token beside text an
// attacker may choose (the language switch repeats the page's query), which
// is what a compression side channel (BREACH) needs to read a secret byte by
// byte from the sizes of answers. So a page never shows the token itself:
// it shows it masked with fresh random bytes (maskToken), different on
// every page, and the checks accept the masked form (tokenMatches), as
// Django and Rails do.

// maskToken returns token XORed with a random pad, the pad first, in
// URL-safe base64.
func maskToken(token string) string {
	b := make([]byte, 2*len(token))
	_, _ = rand.Read(b[:len(token)]) // crypto/rand.Read never fails on supported platforms
	for i := 0; i < len(token); i++ {
		b[len(token)+i] = token[i] ^ b[i]
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenMatches reports whether got is want, masked (maskToken) or as it
// is (API clients and older pages send it plain), in constant time.
func tokenMatches(got, want string) bool {
	if want == "" {
		return false
	}
	if raw, err := base64.RawURLEncoding.DecodeString(got); err == nil && len(raw) == 2*len(want) {
		plain := make([]byte, len(want))
		for i := range plain {
			plain[i] = raw[i] ^ raw[len(want)+i]
		}
		return subtle.ConstantTimeCompare(plain, []byte(want)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
