package handlers

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/static"
	"marsad/survey"
)

// health answers load balancers and operators: version and database
// status. A database that answers reads but cannot take a write (a
// read-only file, a full disk, a writer stuck) is not healthy: every save
// and sign-in would fail. The write probe runs at most every few seconds
// (SystemStore.Writable), so this cannot be used to load the database.
func (s *Server) health(c *gin.Context) {
	status, db := http.StatusOK, "ok"
	out := gin.H{"version": s.cfg.Version}
	var we *survey.WriteError
	if err := s.store.Ping(c.Request.Context()); err != nil {
		s.log.Error("health: database", "err", err)
		status, db = http.StatusServiceUnavailable, "unavailable"
	} else if err := s.store.Writable(c.Request.Context()); errors.As(err, &we) {
		s.log.Error("health: database not writable", "err", err)
		status, db = http.StatusServiceUnavailable, "not-writable"
		out["reason"] = we.Reason
	}
	out["status"], out["database"] = http.StatusText(status), db
	c.JSON(status, out)
}

var staticFiles = http.FileServer(http.FS(static.Files))

// serveStatic serves the embedded CSS, JavaScript and fonts.
func (s *Server) serveStatic(c *gin.Context) {
	p := c.Param("filepath")
	if strings.HasSuffix(p, "/") {
		s.notFound(c) // no directory listings
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Request.URL.Path = p
	staticFiles.ServeHTTP(c.Writer, c.Request)
}

// chooseLanguage sends / to /ar/ or /en/: the remembered choice first, then
// the browser's preference, then Arabic.
func (s *Server) chooseLanguage(c *gin.Context) {
	l, _ := c.Cookie(cookieLang)
	if l != "ar" && l != "en" {
		l = langFromAcceptLanguage(c.GetHeader("Accept-Language"))
	}
	if l == "" {
		l = Languages[0]
	}
	c.Redirect(http.StatusFound, "/"+l+"/")
}

type homePage struct {
	Institutions int
	Catalog      survey.CatalogMetrics
	Charts       []reports.Chart
	Stories      []survey.Initiative
	// Latest is the newest published public round, for its dashboard link.
	Latest *survey.Round
	// Mine is the respondent's institution and Open the rounds open now,
	// for the card that leads to the work page (nil for other users).
	Mine *survey.Institution
	Open []survey.Round
	// TrendLeft are published rounds the national trend leaves out, their
	// questionnaire not being comparable with the latest one's.
	TrendLeft []survey.PassedRound
}

// showHome is the public front page: national progress over the published
// public rounds, the catalog's stages and reach, featured success stories
// and a search box for the catalog.
func (s *Server) showHome(c *gin.Context) {
	s.cachedScorePage(c, s.buildHome)
}

func (s *Server) buildHome(c *gin.Context) (scorePage, bool) {
	ctx := c.Request.Context()
	n, err := s.store.CountInstitutions(ctx)
	if err != nil {
		s.serverError(c, err)
		return scorePage{}, false
	}
	v := s.newView(c, "home.title")
	p := homePage{Institutions: n}
	figures, err := s.catalogFigures(ctx)
	if err != nil {
		s.serverError(c, err)
		return scorePage{}, false
	}
	p.Catalog, _ = figures.of(scoreFilter{})
	rounds, err := s.store.ListRounds(ctx)
	if err != nil {
		s.serverError(c, err)
		return scorePage{}, false
	}
	sort.Slice(rounds, func(i, j int) bool { return rounds[i].ID < rounds[j].ID })
	if u := currentUser(c); u != nil && u.Role == survey.RoleRespondent {
		// The page is cached per institution (accessClass), and a change to
		// an institution or a round changes the pages version.
		inst, err := s.store.Institution(ctx, u.InstitutionCode)
		if err != nil {
			s.serverError(c, err)
			return scorePage{}, false
		}
		p.Mine = &inst
		for _, r := range rounds {
			if r.Status == survey.RoundOpen {
				p.Open = append(p.Open, r)
			}
		}
	}
	// The national line joins only the published rounds comparable with
	// the latest one (survey.ComparableRounds); the page names the others.
	var published []survey.Round
	for _, r := range rounds {
		if r.Status == survey.RoundPublished && r.Public {
			published = append(published, r)
		}
	}
	if len(published) > 0 {
		if published, p.TrendLeft, err = s.store.ComparableRounds(ctx, published[len(published)-1], published); err != nil {
			s.serverError(c, err)
			return scorePage{}, false
		}
	}
	var names []string
	var values []float64
	scale := 100.0
	for _, r := range published {
		if r.Status != survey.RoundPublished || !r.Public {
			continue
		}
		// The round's indexes, not its ranking: a trend over ten rounds
		// need not keep ten rankings in memory.
		var sum float64
		var n int
		err := s.store.ReadIndexes(ctx, []int64{r.ID}, survey.ScoreSelf, func(_ int64, idx survey.RoundIndexes) error {
			for _, p := range idx {
				sum += p.Index
			}
			n = len(idx)
			return nil
		})
		if err != nil {
			s.serverError(c, err)
			return scorePage{}, false
		}
		if n == 0 {
			continue
		}
		q, err := s.store.Questionnaire(ctx, r.QuestionnaireID)
		if err != nil {
			s.serverError(c, err)
			return scorePage{}, false
		}
		scale = q.Def.Model.Display(1)
		names = append(names, r.Name)
		values = append(values, q.Def.Model.Display(sum/float64(n)/q.Def.Model.Scale))
		latest := r
		p.Latest = &latest
	}
	if len(values) > 0 {
		trend := reports.Trend("chart_home_trend", v.T("home.trend"), names, values, scale, v.Lang)
		trend.Head = []string{v.T("rounds.round"), v.T("dashboard.average")}
		p.Charts = append(p.Charts, trend)
	}
	if p.Catalog.Services > 0 {
		stages := reports.Counts("chart_home_stages", v.T("dashboard.stages"), stageNames(v), p.Catalog.ByStage[:], reports.StageColors[:], v.Lang)
		stages.Head = []string{v.T("field.stage"), v.T("dashboard.services")}
		p.Charts = append(p.Charts, stages)
	}
	v.Charts = len(p.Charts) > 0
	if p.Stories, err = s.store.PublicStories(ctx, 3); err != nil {
		s.serverError(c, err)
		return scorePage{}, false
	}
	v.Data = p
	return scorePage{"home", v}, true
}
