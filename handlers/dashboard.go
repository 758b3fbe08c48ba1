package handlers

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

type dashboardPage struct {
	Round survey.Round
	scoreFilter
	// Provisional: the round is not yet published, its figures may change.
	Provisional bool
	// Total is how many institutions of the round the filter keeps;
	// Catalog their services' figures (roundFigures).
	Total   int
	Catalog survey.CatalogMetrics
	// CatalogLive: Catalog is today's catalog, the round not being closed
	// yet; otherwise it is what the round froze, and never changes.
	CatalogLive bool
	// RoundComparison is what the changes (Change, the movers) are
	// measured against: Since, nil when no change is shown, and why
	// (survey/comparable.go).
	survey.RoundComparison
	// The figures and charts: Responded, Average, Change, Charts, Top10
	// and More (the obstacles, initiatives and action plans).
	reports.Dashboard
	// Stories are the approved success stories.
	Stories []survey.Initiative
}

// showDashboard is the national overview of a round: key figures and
// charts, each with its data as a table. Visibility is the rankings'.
func (s *Server) showDashboard(c *gin.Context) {
	s.cachedScorePage(c, func(c *gin.Context) (scorePage, bool) {
		p, v, ok := s.buildDashboard(c)
		if !ok {
			return scorePage{}, false
		}
		v.Data = p
		return scorePage{"dashboard", v}, true
	})
}

// buildDashboard reads what a round's overview is made of and has
// reports assemble it. It answers the request itself when it returns
// false.
func (s *Server) buildDashboard(c *gin.Context) (dashboardPage, *view, bool) {
	r, ok := s.roundForScores(c, "")
	if !ok {
		return dashboardPage{}, nil, false
	}
	ctx := c.Request.Context()
	v := s.newView(c, "dashboard.title")
	v.Title = v.T("dashboard.heading", r.Name)
	p := dashboardPage{Round: r, scoreFilter: newScoreFilter(c), Provisional: reports.Provisional(r)}
	in := reports.DashboardInput{Round: r, Filter: p.narrow()}
	q, err := s.store.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	in.Def = q.Def
	if p.RoundComparison, err = s.comparedWith(c, r); err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	in.Since = p.Since
	// How sure the ranking is: the top three's note, the weights' chart.
	if in.Analysis, err = s.store.RankAnalysis(ctx, r.ID, p.Kind); err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	if in.Scores, err = s.store.ScoresSince(ctx, r.ID, p.Kind, roundIDOf(p.Since)); err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	p.Sectors = reports.ScoreSectors(in.Scores)
	figures, err := s.roundFigures(ctx, r)
	if err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	p.Catalog, p.Total = figures.of(p.scoreFilter)
	p.CatalogLive = !figures.frozen
	in.Catalog = p.Catalog
	if in.Conference, err = s.conferenceInput(ctx, r); err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	if p.Stories, err = s.store.PublicStories(ctx, 3); err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	p.Dashboard = reports.BuildDashboard(in, v.locale())
	v.exportCharts(r, p.Kind, p.All()...)
	v.Charts = true
	return p, v, true
}

// locale is what reports needs of the page's language to assemble a page.
func (v *view) locale() reports.Locale {
	return reports.Locale{Lang: v.Lang, T: v.T, Sector: v.Sector}
}

// exportCharts gives each of a round's charts what its exported images
// carry (reports.Export): the round's caption and a file name
// (reports.ChartFile).
func (v *view) exportCharts(r survey.Round, index string, charts ...reports.Chart) {
	reports.SetExports(r, index, v.Demo, v.locale(), charts...)
}

// chartFile names a chart's downloads after the round and the chart
// (reports.ChartFile); attachment cleans it (download.go).
func chartFile(r survey.Round, chartID, lang string) string {
	return reports.ChartFile(r, chartID, lang)
}

// chart finds one of the page's charts by its ID.
func (p dashboardPage) chart(id string) (reports.Chart, bool) { return p.Dashboard.Chart(id) }

// exportChartData is one chart's data table as CSV (BOM) or a workbook
// (right to left in Arabic): ?chart=ID.
func (s *Server) exportChartData(c *gin.Context) {
	p, v, ok := s.buildDashboard(c)
	if !ok {
		return
	}
	ch, ok := p.chart(c.Query("chart"))
	if !ok {
		s.fail(c, http.StatusNotFound, "err.not_found")
		return
	}
	s.sendTable(c, chartFile(p.Round, ch.ID, v.Lang), "data", reports.DataTable(ch, p.exportNote(v, ch)), v.Lang == "ar")
}

// exportNote is what a chart's exported table says above its rows (the
// file exports and the dashboard API alike): provisional figures, today's
// catalog, changes on the common items only; "" for nothing.
func (p dashboardPage) exportNote(v *view, ch reports.Chart) string {
	note := ""
	if p.Provisional {
		note = v.T("dashboard.provisional", p.Round.Name)
	}
	if p.CatalogLive && (ch.ID == reports.ChartID("stages", p.Round.ID) || ch.ID == reports.ChartID("reach", p.Round.ID)) {
		note += " " + v.T("catalog.live_note", p.Round.Name) // today's catalog, not yet frozen
	}
	if ch.ID == reports.ChartID("movers", p.Round.ID) {
		note += " " + v.commonItemsText(p.RoundComparison) // changes on the common items only
	}
	return strings.TrimSpace(note)
}

// sendTable answers rows (header first) as a workbook when the path ends
// in .xlsx (sheet right to left with rtl), otherwise as CSV with a BOM.
func (s *Server) sendTable(c *gin.Context, name, sheet string, rows [][]string, rtl bool) {
	var err error
	if strings.HasSuffix(c.Request.URL.Path, ".xlsx") {
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		attachment(c, name+".xlsx")
		err = reports.WriteTableXLSX(c.Writer, sheet, rows, rtl)
	} else {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		attachment(c, name+".csv")
		err = reports.WriteTableCSV(c.Writer, rows)
	}
	if err != nil {
		s.log.Error("table export", "name", name, "id", c.GetString(keyRequestID), "err", err)
	}
}

// catalogFigures are the published catalog's figures: a tally per active
// institution, so that any sector, kind or region adds up without reading
// the services again. They are computed once per version of the catalog
// (15,000 services take tens of milliseconds).
type catalogFigures struct {
	institutions []survey.Institution // active ones; in a frozen round those it was run with
	tallies      map[string]survey.MetricsTally
	// frozen: a closed round's figures, made of what it froze
	// (roundFigures), not the catalog's.
	frozen bool
}

// of adds up the institutions matching f: their catalog metrics and how
// many they are.
func (cf catalogFigures) of(f scoreFilter) (survey.CatalogMetrics, int) {
	return reports.CatalogOf(cf.institutions, cf.tallies, f.narrow())
}

func (s *Server) catalogFigures(ctx context.Context) (catalogFigures, error) {
	version, err := s.store.CatalogVersion(ctx)
	if err != nil {
		return catalogFigures{}, err
	}
	s.metrics.mu.Lock()
	defer s.metrics.mu.Unlock()
	if s.metrics.version == version && s.metrics.ok {
		return s.metrics.figures, nil
	}
	var cf catalogFigures
	if cf.institutions, err = s.store.ListInstitutions(ctx, survey.InstitutionFilter{}); err != nil {
		return cf, err
	}
	cf.tallies = make(map[string]survey.MetricsTally, len(cf.institutions))
	err = s.store.EachService(ctx, true, func(sv survey.Service) error {
		t := cf.tallies[sv.InstitutionCode]
		t.Add(sv)
		cf.tallies[sv.InstitutionCode] = t
		return nil
	})
	if err != nil {
		return cf, err
	}
	s.metrics.figures, s.metrics.version, s.metrics.ok = cf, version, true
	return cf, nil
}

// scorePageParams are the query parameters score pages understand; only
// URLs made of them are cached.
var scorePageParams = map[string]bool{"index": true, "sector": true, "kind": true, "region": true, "sort": true, "auto": true, "page": true, "c": true}

// scorePage is a score page ready to render: its template and view.
type scorePage struct {
	name string
	v    *view
}

// scorePart is a score page's main part as rendered, with what the layout
// needs around it.
type scorePart struct {
	name, title string
	charts      bool
	body        []byte // the main part, gzip-compressed (see gzipBytes)
	// page is the whole page, gzip-compressed, for anonymous visitors:
	// nothing around the main part depends on who they are.
	page []byte
}

// cachedScorePage serves a score page (dashboard, rankings, heatmap,
// scorecard, compare, presentation, and the home page, which shows
// national progress). Its main part depends only on the URL,
// on what the user may see (anonymous, viewer, admin, or a respondent's
// institution) and on the data behind it, so it is kept in memory while
// neither the scores, the catalog, the rounds nor the initiatives,
// obstacles and plans changed; the layout around
// it (who is signed in, the sign-out form's token) is rendered each time.
// build makes the page otherwise. Access is checked on every request.
func (s *Server) cachedScorePage(c *gin.Context, build func(c *gin.Context) (scorePage, bool)) {
	raw := c.Request.URL.Query()
	cacheable := true
	for k := range raw {
		cacheable = cacheable && scorePageParams[k]
	}
	if !cacheable {
		if p, ok := build(c); ok {
			s.render(c, http.StatusOK, p.name, p.v)
		}
		return
	}
	if c.Param("id") != "" {
		if _, ok := s.roundForScores(c, c.Param("code")); !ok {
			return
		}
	}
	version, err := s.store.PagesVersion(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	key := accessClass(currentUser(c)) + " " + c.Request.URL.Path + "?" + raw.Encode()
	if part, ok := s.scorePages.get(key, version); ok {
		if part.page != nil {
			s.writeGzipPage(c, http.StatusOK, part.page)
			return
		}
		body, err := gunzipBytes(part.body)
		if err != nil {
			s.serverError(c, err)
			return
		}
		v := s.newView(c, "")
		v.Title, v.Charts, v.Content = part.title, part.charts, template.HTML(body) // #nosec G203 -- the output of our own template, kept
		s.render(c, http.StatusOK, part.name, v)
		return
	}
	p, ok := build(c)
	if !ok {
		return
	}
	t, err := s.pages.get(p.name)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "content", p.v); err != nil {
		s.serverError(c, err)
		return
	}
	p.v.Content = template.HTML(buf.String()) // #nosec G203 -- the output of our own template
	page, release, ok := s.renderBytes(c, p.name, p.v)
	defer release()
	if !ok {
		return
	}
	part := scorePart{name: p.name, title: p.v.Title, charts: p.v.Charts}
	if currentUser(c) == nil {
		part.page = gzipBytes(page)
		s.scorePages.put(key, version, part)
		s.writeGzipPage(c, http.StatusOK, part.page)
		return
	}
	part.body = gzipBytes(buf.Bytes())
	s.scorePages.put(key, version, part)
	s.writePage(c, http.StatusOK, page)
}

// accessClass names what a user may see of scores: pages rendered for one
// member of a class are right for every other. A score page may depend on
// its reader only through scoreAccess (which rounds' rankings, and which
// institution's own scorecard, they may see — and so the round its changes
// are measured against, comparedWith, and whether a scorecard is theirs
// alone, ownOnly), and scoreAccess tells apart no more than these classes.
func accessClass(u *survey.User) string {
	switch {
	case u == nil:
		return "anonymous"
	case u.Role == survey.RoleRespondent:
		return "respondent:" + u.InstitutionCode
	}
	return string(u.Role)
}
