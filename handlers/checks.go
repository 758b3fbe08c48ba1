package handlers

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
	"marsad/survey/probe"
)

// Observed service checks (issue 17, part 2): the coordinator starts a run
// from the catalog page, a schedule (--check-every) starts one regularly,
// and the public service page and the API show the latest result. The
// visiting is package survey/probe's; this file only starts runs, one at a
// time, and keeps what the admin page says about them.

// CheckStore keeps observed checks (survey/sqlite/checks.go).
type CheckStore interface {
	CheckTargets(ctx context.Context) ([]survey.CheckTarget, error)
	RecordURLChecks(ctx context.Context, checks []survey.URLCheck) error
	ServiceObserved(ctx context.Context, serviceID int64) (survey.Observed, error)
	InstitutionServiceChecks(ctx context.Context, code string) (map[int64]*survey.URLCheck, error)
}

// checkMinGap is the least time between two runs started by hand: a
// coordinator's double click or a script must not make Marsad hammer every
// government site.
const checkMinGap = 5 * time.Minute

// checkBatch is how many results are stored per transaction.
const checkBatch = 64

// checkRuns starts runs of the checker, one at a time.
type checkRuns struct {
	checker *probe.Checker
	// ctx is the server's life: a run started by a request outlives the
	// request, not the server.
	ctx context.Context

	mu      sync.Mutex
	running bool
	started time.Time
	last    checkRunStatus
}

// checkRunStatus is what the admin page says about runs.
type checkRunStatus struct {
	Running  bool
	Started  time.Time
	Finished time.Time
	Checked  int
	Online   int
	Failed   bool
}

// checkResolver, when set, replaces Config.Checks.Resolver: the package's
// tests set one that knows no names, so that no test server's check run
// (the authorization matrix starts one) looks up the demo's sites.
var checkResolver *net.Resolver

// newCheckRuns makes the runner from the server's configuration.
func newCheckRuns(cfg Config) (*checkRuns, error) {
	opt := cfg.Checks
	if opt.SiteURL == "" {
		opt.SiteURL = cfg.BaseURL
	}
	if checkResolver != nil {
		opt.Resolver = checkResolver
	}
	ch, err := probe.New(opt)
	if err != nil {
		return nil, err
	}
	return &checkRuns{checker: ch, ctx: context.Background()}, nil
}

// status is a copy of the runner's state.
func (r *checkRuns) status() checkRunStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.last
	st.Running = r.running
	if r.running {
		st.Started = r.started
	}
	return st
}

var (
	errCheckRunning = errors.New("a check run is under way")
	errCheckTooSoon = errors.New("a check run started moments ago")
)

// start begins a run in the background unless one is running or (when
// byHand) one started less than checkMinGap ago.
func (s *Server) startCheckRun(byHand bool) error {
	r := s.checks
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return errCheckRunning
	}
	now := time.Now()
	if byHand && !r.started.IsZero() && now.Sub(r.started) < checkMinGap {
		return errCheckTooSoon
	}
	r.running, r.started = true, now
	go s.runChecks(r.ctx, now)
	return nil
}

// runChecks visits every target and stores the results in batches.
func (s *Server) runChecks(ctx context.Context, started time.Time) {
	st := checkRunStatus{Started: started}
	defer func() {
		st.Finished = time.Now()
		s.checks.mu.Lock()
		s.checks.running, s.checks.last = false, st
		s.checks.mu.Unlock()
	}()
	targets, err := s.store.CheckTargets(ctx)
	if err != nil {
		s.log.Error("service checks: targets", "err", err)
		st.Failed = true
		return
	}
	batch := make([]survey.URLCheck, 0, checkBatch)
	flush := func() error {
		err := s.store.RecordURLChecks(ctx, batch)
		batch = batch[:0]
		return err
	}
	err = s.checks.checker.Run(ctx, targets, func(c survey.URLCheck) error {
		st.Checked++
		if c.Reachable {
			st.Online++
		}
		batch = append(batch, c)
		if len(batch) == checkBatch {
			return flush()
		}
		return nil
	})
	err = errors.Join(err, flush())
	if err != nil {
		s.log.Error("service checks", "checked", st.Checked, "err", err)
		st.Failed = true
		return
	}
	s.log.Info("service checks done", "checked", st.Checked, "online", st.Online, "took", time.Since(started).Round(time.Millisecond))
}

// RunChecks runs the checker every interval until ctx ends (main starts it
// for --check-every; 0 means never). The first run is one interval after
// the start, so a restart does not visit every site again at once. ctx is
// also the life of runs started by hand.
func (s *Server) RunChecks(ctx context.Context, every time.Duration) {
	s.checks.mu.Lock()
	s.checks.ctx = ctx
	s.checks.mu.Unlock()
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.startCheckRun(false); err != nil {
				s.log.Info("service checks: scheduled run skipped", "reason", err)
			}
		}
	}
}

// startChecks is the coordinator's "check now" (POST /admin/services/check).
func (s *Server) startChecks(c *gin.Context) {
	done := "check_started"
	switch err := s.startCheckRun(true); {
	case errors.Is(err, errCheckRunning):
		done = "check_running"
	case errors.Is(err, errCheckTooSoon):
		done = "check_too_soon"
	}
	seeOther(c, pathAdminServices+"?done="+done+"#checks")
}

// serviceWithObserved is a service with its latest check, for the public
// page and the API.
type serviceWithObserved struct {
	survey.Service
	Observed survey.Observed `json:"observed"`
}

// observedService adds the service's checks; a failure to read them is
// logged and leaves them out, not the page.
func (s *Server) observedService(c *gin.Context, sv survey.Service) serviceWithObserved {
	o, err := s.store.ServiceObserved(c.Request.Context(), sv.ID)
	if err != nil {
		s.log.Error("service checks: read", "service", sv.ID, "err", err)
	}
	return serviceWithObserved{Service: sv, Observed: o}
}

// checkDone is the notice after starting a run by hand, as a message key.
func checkDone(c *gin.Context) string {
	switch d := c.Query("done"); d {
	case "check_started", "check_running", "check_too_soon":
		return "checks." + d
	}
	return ""
}

// CheckLine is a check's result in a few words: "online, 0.8 s, secure
// connection", or "not reachable (no answer in time)".
func (v *view) CheckLine(c survey.URLCheck) string {
	sep := v.T("list.separator")
	if !c.Reachable {
		why := c.Error
		if why == "" {
			why = survey.CheckErrConnect
		}
		reason := v.T("checks.reason." + why)
		if why == survey.CheckErrStatus {
			reason = v.T("checks.reason.status", c.Status)
		}
		return v.T("checks.offline") + " (" + reason + ")"
	}
	// Tenths of a second, as people say it ("0.8 s"); hundredths below
	// a tenth, so that a fast site does not read "0.0 s".
	secs := v.Decimal(c.Seconds())
	if c.TotalMs < 100 {
		secs = strconv.FormatFloat(c.Seconds(), 'f', 2, 64)
	}
	parts := []string{v.T("checks.online"), v.T("checks.seconds", secs)}
	switch {
	case c.Secure():
		parts = append(parts, v.T("checks.secure"))
	case !c.HTTPS:
		parts = append(parts, v.T("checks.no_https"))
	case c.CertError != "":
		parts = append(parts, v.T("checks.cert."+c.CertError))
	default:
		parts = append(parts, v.T("checks.old_tls"))
	}
	return strings.Join(parts, sep)
}

// UptimeLine is the share of checks that answered over the last 30 days.
func (v *view) UptimeLine(u survey.Uptime) string {
	return v.T("checks.uptime", v.Percent(u.Percent()/100), u.Checks)
}

// checkRunsView is what the admin catalog page says about check runs.
func (s *Server) checkRunsView(c *gin.Context) checkRunsPage {
	return checkRunsPage{Status: s.checks.status(), Done: checkDone(c)}
}

// checkRunsPage is the "service checks" part of the admin catalog page.
type checkRunsPage struct {
	Status checkRunStatus
	Done   string
}
