// Package handlers is Marsad's web layer and the only code that knows Gin:
// the route table, middleware, sessions, CSRF, translations, templates,
// error pages and the JSON API. Handlers are thin: they bind input, call one
// domain function in survey, and render, redirect or answer JSON.
package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/static"
	"marsad/survey/cache"
	"marsad/survey/probe"
)

// Config is what the web layer needs to know from the command line.
type Config struct {
	Version string
	// BaseURL is the public address, used in links shown to copy
	// (invitations, first-run setup), e.g. https://marsad.example.ps.
	BaseURL string
	// SecureCookies marks cookies Secure; set when served over HTTPS.
	SecureCookies bool
	Logger        *slog.Logger
	// Location is the time zone every page shows times in (and names);
	// nil means UTC.
	Location *time.Location
	// TrustedProxyHeader names the header (X-Forwarded-For, X-Real-IP)
	// from which the reverse proxy in front of Marsad gives the client's
	// address, for sign-in throttling; "" (the default) uses the peer's
	// address. Set it only behind such a proxy: anyone can send the header.
	TrustedProxyHeader string
	// Cache is the process's one cache, shared with the store (give both
	// the same one); nil makes one of DefaultCacheBudget for the server.
	Cache *cache.Cache
	// Checks tune the observed service checks (survey/probe): the
	// allowlist of private addresses, timeouts, concurrency.
	Checks probe.Options
	// templates, when set, are parsed instead of the embedded templates
	// (tests plant a broken page in a copy of them).
	templates fs.FS
}

// DefaultCacheBudget is the budget of the cache a server makes for itself
// when Config.Cache is nil (tests).
const DefaultCacheBudget = 16 << 20

// Server holds the web layer's dependencies. Its methods are the handlers.
type Server struct {
	// responseByTemplate renders the questionnaire page's content with
	// its template instead of response_content.go: the reference the
	// tests compare that code with.
	responseByTemplate bool
	// workByTemplate renders the work page's content with work.html
	// instead of work_content.go, for the same reason.
	workByTemplate bool
	// layoutByTemplate writes every page's layout with layout.html
	// instead of layout.go, for the same reason.
	layoutByTemplate bool

	store   Store
	cfg     Config
	log     *slog.Logger
	locales map[string]*locale
	pages   *pageTemplates
	engine  *gin.Engine
	demo    bool
	// assets is a hash of the embedded static files, put in asset URLs so
	// that browsers fetch a changed stylesheet at once despite caching.
	assets string
	// catalogPages caches anonymous catalog pages by URL.
	catalogPages *pageCache[[]byte]
	// scorePages caches the main part of dashboards, rankings, scorecards…
	// per kind of user.
	scorePages *pageCache[scorePart]
	metrics    struct {
		mu      sync.Mutex
		version string
		ok      bool
		figures catalogFigures
	}
	// apiCache caches encoded API answers that many ask for alike (rankings);
	// encoding is held while one is made.
	apiCache *pageCache[[]byte]
	encoding sync.Mutex
	// https is set when the public address is https: pages then ask
	// browsers to keep to https (HSTS).
	https bool
	// swScript is the service worker (serviceworker.go).
	swScript []byte
	// formItems caches, by questionnaire id, the questionnaire page's list
	// of answerable items for its script (responseState); versions are
	// immutable, so an entry never goes stale.
	formItems *pageCache[fragment]
	// questions caches rendered questions of the questionnaire page by
	// everything they show (questionKey).
	questions *pageCache[fragment]
	// pieces are runs of the layout's text kept compressed, by a hash of
	// their text (layoutPiece).
	piecesMu  sync.RWMutex
	pieces    map[uint64]fragment
	pieceSeed maphash.Seed
	// serviceCardCache keeps the catalog's rendered results by language and
	// service (serviceCards).
	serviceCardCache *pageCache[template.HTML]
	// pickLists caches the compare page's institution options.
	pickLists *pageCache[template.HTML]
	// headLinks are the layout's style sheet, icon and script links, without
	// and with the chart scripts (headLinks).
	headLinks [2]template.HTML
	// nav keeps the site's navigation rendered (nav.go).
	nav navMemo
	// checks starts observed service checks, one run at a time (checks.go).
	checks *checkRuns
	// ready is set once an administrator exists; until then only the
	// first-run setup page and /healthz answer.
	ready atomic.Bool
	// tap, when set (the tests' OpenAPI check, openapi_test.go), wraps the
	// router for GET, POST, PUT and DELETE requests.
	tap func(http.Handler) http.Handler
}

// New builds the server: it loads translations, parses every page
// template (failing on a broken one, see pageTemplates) and builds the
// routes.
func New(ctx context.Context, store Store, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Cache == nil {
		cfg.Cache = cache.New(DefaultCacheBudget)
	}
	// Page caches are spaces of the one cache; pages are kept compressed
	// (gzpage.go), five to seven to a raw one.
	c := cfg.Cache
	s := &Server{store: store, cfg: cfg, log: cfg.Logger,
		catalogPages:     newPageCache(c, "catalog pages", byteLen),
		scorePages:       newPageCache(c, "score pages", func(p scorePart) int { return len(p.body) + len(p.page) }),
		apiCache:         newPageCache(c, "api answers", byteLen),
		pickLists:        newPageCache(c, "pick lists", func(h template.HTML) int { return len(h) }),
		formItems:        newPageCache(c, "form items", fragment.size),
		questions:        newPageCache(c, "questions", fragment.size),
		pieces:           map[uint64]fragment{},
		pieceSeed:        maphash.MakeSeed(),
		serviceCardCache: newPageCache(c, "service cards", func(h template.HTML) int { return len(h) })}
	// The templates are parsed while the rest is set up, and waited for
	// at the end.
	parsed := make(chan error, 1)
	go func() {
		var err error
		if cfg.templates != nil {
			s.pages, err = loadTemplates(cfg.templates)
		} else {
			s.pages, err = siteTemplates()
		}
		parsed <- err
	}()
	var err error
	if s.locales, err = loadLocales(); err != nil {
		return nil, err
	}
	if s.demo, err = store.IsDemo(ctx); err != nil {
		return nil, err
	}
	hasAdmin, err := store.HasAdmin(ctx)
	if err != nil {
		return nil, err
	}
	s.ready.Store(hasAdmin)
	if s.assets, err = hashFS(static.Files); err != nil {
		return nil, err
	}
	s.https = strings.HasPrefix(cfg.BaseURL, "https://")
	if s.checks, err = newCheckRuns(cfg); err != nil {
		return nil, err
	}
	if s.swScript, err = buildServiceWorker(s.assets); err != nil {
		return nil, err
	}
	s.headLinks = [2]template.HTML{headLinks(s.assets, false), headLinks(s.assets, true)}
	if err := <-parsed; err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	s.engine = s.routes()
	return s, nil
}

// ServeHTTP makes Server an http.Handler. HEAD is answered wherever GET
// is (monitors use it): the request is routed as a GET, and net/http sends
// the headers without the body. OPTIONS says which methods a path takes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodHead:
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		s.engine.ServeHTTP(headWriter{w}, get)
	case http.MethodOptions:
		s.options(w, r)
	default:
		if s.tap != nil {
			s.tap(s.engine).ServeHTTP(w, r)
			return
		}
		s.engine.ServeHTTP(w, r)
	}
}

// Routes lists every registered method and path, for tests that must cover them all.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// hashFS is a short hash of every file in fsys.
func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// SetupURL is the first-run link for a setup token.
func (s *Server) SetupURL(token string) string {
	return fmt.Sprintf("%s/ar/setup?token=%s", s.cfg.BaseURL, token)
}
