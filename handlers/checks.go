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

// CheckStore keeps observed checks (survey/sqlstore/checks*.go).
type CheckStore interface {
	CheckTargets(ctx context.Context) ([]survey.CheckTarget, error)
	RecordURLChecks(ctx context.Context, checks []survey.URLCheck) error
	ServiceObserved(ctx context.Context, serviceID int64) (survey.Observed, error)
	InstitutionServiceChecks(ctx context.Context, code string) (map[int64]*survey.URLCheck, error)
	StartCheckRun(ctx context.Context, actorID int64, byHand bool) (int64, error)
	FinishCheckRun(ctx context.Context, id int64, urls, reachable int, failed bool) error
	LastCheckRun(ctx context.Context) (survey.CheckRun, error)
	InstitutionDiscrepancies(ctx context.Context, code string) ([]survey.Discrepancy, error)
	ServiceDiscrepancy(ctx context.Context, sv survey.Service) (*survey.Discrepancy, error)
	RoundObserved(ctx context.Context, roundID int64, code string) (survey.RoundObserved, error)
	ServicesObservedSummary(ctx context.Context) (map[int64]survey.ObservedSummary, error)
}

// checkMinGap is the least time between two runs started by hand: a
// coordinator's double click or a script must not make Marsad hammer every
// government site.
const checkMinGap = 5 * time.Minute

// checkBatch is how many results are stored per transaction.
const checkBatch = 64

// checkRuns starts runs of the checker, one at a time. What the runs did
// is stored (check_runs, survey/sqlstore/checks_runs.go); only whether one
// is under way in this process is kept here.
type checkRuns struct {
	checker *probe.Checker
	// ctx is the server's life: a run started by a request outlives the
	// request, not the server.
	ctx context.Context

	mu      sync.Mutex
	running bool
	// done is closed when the run under way ends (tests and the bench
	// wait on it); nil when none runs.
	done chan struct{}
}

// checkRunStatus is what the admin page says about runs: the last stored
// run, and whether this server is running one now.
type checkRunStatus struct {
	survey.CheckRun
	// Never: no run was ever stored.
	Never   bool
	Running bool
	// Interrupted: the last run never finished and none runs now (its
	// server stopped).
	Interrupted bool
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

// checkStatus is the last run as stored, and whether one runs now.
func (s *Server) checkStatus(ctx context.Context) (checkRunStatus, error) {
	s.checks.mu.Lock()
	running := s.checks.running
	s.checks.mu.Unlock()
	last, err := s.store.LastCheckRun(ctx)
	switch {
	case errors.Is(err, survey.ErrNotFound):
		return checkRunStatus{Never: true, Running: running}, nil
	case err != nil:
		return checkRunStatus{}, err
	}
	return checkRunStatus{CheckRun: last, Running: running, Interrupted: !running && last.FinishedAt.IsZero()}, nil
}

// CheckRunDone returns a channel closed when the run under way ends;
// closed at once when none runs. (The bench waits on it.)
func (s *Server) CheckRunDone() <-chan struct{} {
	s.checks.mu.Lock()
	defer s.checks.mu.Unlock()
	if s.checks.done == nil {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return s.checks.done
}

var (
	errCheckRunning = errors.New("a check run is under way")
	errCheckTooSoon = errors.New("a check run started moments ago")
)

// startCheckRun begins a run in the background unless one is running or
// (when by hand, by actorID) the last one started less than checkMinGap
// ago — the last one as stored, so a restart does not reset the limit.
func (s *Server) startCheckRun(ctx context.Context, actorID int64, byHand bool) error {
	r := s.checks
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return errCheckRunning
	}
	if byHand {
		last, err := s.store.LastCheckRun(ctx)
		if err != nil && !errors.Is(err, survey.ErrNotFound) {
			return err
		}
		if err == nil && time.Since(last.StartedAt) < checkMinGap {
			return errCheckTooSoon
		}
	}
	id, err := s.store.StartCheckRun(ctx, actorID, byHand)
	if errors.Is(err, survey.ErrCheckRunning) { // on another server
		return errCheckRunning
	}
	if err != nil {
		return err
	}
	r.running, r.done = true, make(chan struct{})
	go s.runChecks(r.ctx, id, r.done)
	return nil
}

// runChecks visits every target and stores the results in batches, then
// what the run did.
func (s *Server) runChecks(ctx context.Context, id int64, done chan struct{}) {
	started := time.Now()
	var checked, online int
	failed := false
	defer func() {
		// Recorded with a context of its own: a run cut short by the
		// server stopping is still recorded, as failed.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.store.FinishCheckRun(fctx, id, checked, online, failed); err != nil {
			s.log.Error("service checks: record run", "err", err)
		}
		s.checks.mu.Lock()
		s.checks.running, s.checks.done = false, nil
		s.checks.mu.Unlock()
		close(done)
	}()
	targets, err := s.store.CheckTargets(ctx)
	if err != nil {
		s.log.Error("service checks: targets", "err", err)
		failed = true
		return
	}
	batch := make([]survey.URLCheck, 0, checkBatch)
	flush := func() error {
		err := s.store.RecordURLChecks(ctx, batch)
		batch = batch[:0]
		return err
	}
	err = s.checks.checker.Run(ctx, targets, func(c survey.URLCheck) error {
		checked++
		if c.Reachable {
			online++
		}
		batch = append(batch, c)
		if len(batch) == checkBatch {
			return flush()
		}
		return nil
	})
	err = errors.Join(err, flush())
	if err != nil {
		s.log.Error("service checks", "checked", checked, "err", err)
		failed = true
		return
	}
	s.log.Info("service checks done", "checked", checked, "online", online, "took", time.Since(started).Round(time.Millisecond))
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
			// With several servers, each has this schedule: the first to
			// come runs the checks, the others find its run and skip.
			if last, err := s.store.LastCheckRun(ctx); err == nil && time.Since(last.StartedAt) < every*9/10 {
				s.log.Info("service checks: scheduled run skipped", "reason", "a run started at "+last.StartedAt.UTC().Format(time.RFC3339))
				continue
			}
			if err := s.startCheckRun(ctx, 0, false); err != nil {
				s.log.Info("service checks: scheduled run skipped", "reason", err)
			}
		}
	}
}

// StartCheckRun starts a run as the schedule does (the bench's checks
// scenario); errCheckRunning when one is under way.
func (s *Server) StartCheckRun(ctx context.Context) error { return s.startCheckRun(ctx, 0, false) }

// startChecks is the coordinator's "check now" (POST /admin/services/check).
func (s *Server) startChecks(c *gin.Context) {
	done := "check_started"
	switch err := s.startCheckRun(c.Request.Context(), currentUser(c).ID, true); {
	case errors.Is(err, errCheckRunning):
		done = "check_running"
	case errors.Is(err, errCheckTooSoon):
		done = "check_too_soon"
	case err != nil:
		s.serverError(c, err)
		return
	}
	seeOther(c, pathAdminServices+"?done="+done+"#checks")
}

// serviceWithObserved is a service with its latest check, for the public
// page and the API.
type serviceWithObserved struct {
	survey.Service
	Observed survey.Observed `json:"observed"`
	// Discrepancy is where its checks disagree with what is declared;
	// shown only to the institution's users and the coordinator (a flag
	// for them to act on, not a public verdict).
	Discrepancy *survey.Discrepancy `json:"discrepancy,omitempty"`
}

// observedService adds the service's checks, and for its institution and
// the coordinator its discrepancy; a failure to read them is logged and
// leaves them out, not the page.
func (s *Server) observedService(c *gin.Context, sv survey.Service) serviceWithObserved {
	ctx := c.Request.Context()
	o, err := s.store.ServiceObserved(ctx, sv.ID)
	if err != nil {
		s.log.Error("service checks: read", "service", sv.ID, "err", err)
	}
	out := serviceWithObserved{Service: sv, Observed: o}
	if u := currentUser(c); u != nil && survey.ActorOf(*u).CanEditInstitution(sv.InstitutionCode) {
		if out.Discrepancy, err = s.store.ServiceDiscrepancy(ctx, sv); err != nil {
			s.log.Error("service checks: discrepancy", "service", sv.ID, "err", err)
		}
	}
	return out
}

// institutionDiscrepancies are an institution's discrepancies now; a
// failure to read them is logged and leaves them out, not the page.
func (s *Server) institutionDiscrepancies(c *gin.Context, code string) []survey.Discrepancy {
	list, err := s.store.InstitutionDiscrepancies(c.Request.Context(), code)
	if err != nil {
		s.log.Error("service checks: discrepancies", "institution", code, "err", err)
	}
	return list
}

// DiscrepancyLine says what disagrees: "declared online (stage 4), but its
// address has not answered for 5 days".
func (v *view) DiscrepancyLine(d survey.Discrepancy) string {
	why := d.Error
	if why == "" {
		why = survey.CheckErrConnect
	}
	reason := v.T("checks.reason." + why)
	switch d.Reason {
	case survey.DiscrepancyOffline:
		return v.T("discrepancy.offline", d.Stage, d.Days)
	case survey.DiscrepancyAbroadUnreachable:
		return v.T("discrepancy.abroad_unreachable", reason)
	}
	return v.T("discrepancy.abroad_insecure")
}

// ObservedShare is a criterion's share of the observed score, as a percent.
func (v *view) ObservedShare(o survey.ObservedTech, criterion string) string {
	return v.Percent(o.Share(criterion))
}

// ObservedScore is the observed technology score on the questionnaire's
// scale (0–100 by default), one decimal.
func (v *view) ObservedScore(score float64, m survey.Model) string {
	scale := m.Scale
	if scale == 0 {
		scale = 100
	}
	return v.Decimal(score * scale)
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

// checkRunsView is what the admin catalog page says about check runs; a
// failure to read them is logged and leaves them out, not the page.
func (s *Server) checkRunsView(c *gin.Context) checkRunsPage {
	st, err := s.checkStatus(c.Request.Context())
	if err != nil {
		s.log.Error("service checks: last run", "err", err)
		st.Never = true
	}
	return checkRunsPage{Status: st, Done: checkDone(c)}
}

// checkRunsPage is the "service checks" part of the admin catalog page.
type checkRunsPage struct {
	Status checkRunStatus
	Done   string
}

// DiscrepancyDays is survey.DiscrepancyDays, for the pages that explain it.
func (v *view) DiscrepancyDays() int { return survey.DiscrepancyDays }

// ObservedCriteria are the criteria of the observed score, in order.
func (v *view) ObservedCriteria() []string { return survey.ObservedCriteria }

// Triple is three values for a partial that needs them (the
// discrepancies block: the view, the list and a note's message key).
func (v *view) Triple(a, b, c any) []any { return []any{a, b, c} }
