package handlers

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
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
	Responded   int
	Total       int
	Average     float64
	Change      *float64
	// Since is the round the changes (Change, the movers) are measured
	// against: nil when the reader may see no earlier round.
	Since   *survey.Round
	Catalog survey.CatalogMetrics
	Charts  []reports.Chart
	Top10   reports.Chart
	// More are the obstacles, initiatives and action plans; Stories the
	// approved success stories.
	More    []reports.Chart
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

// buildDashboard gathers a round's overview: figures and charts. It answers
// the request itself when it returns false.
func (s *Server) buildDashboard(c *gin.Context) (dashboardPage, *view, bool) {
	r, ok := s.roundForScores(c, "")
	if !ok {
		return dashboardPage{}, nil, false
	}
	ctx := c.Request.Context()
	v := s.newView(c, "dashboard.title")
	v.Title = v.T("dashboard.heading", r.Name)
	p := dashboardPage{Round: r, scoreFilter: newScoreFilter(c), Provisional: provisional(r)}
	q, err := s.store.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	if p.Since, err = s.comparedWith(c, r); err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	scores, err := s.store.ScoresSince(ctx, r.ID, p.Kind, roundIDOf(p.Since))
	if err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	p.Sectors = sectorsOf(scores)
	scores = p.filter(scores)
	figures, err := s.catalogFigures(ctx)
	if err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	p.Catalog, p.Total = figures.of(p.scoreFilter)
	p.Responded = len(scores)
	var sum, dsum float64
	var dn int
	levels := map[string]int{}
	for _, sc := range scores {
		sum += sc.Index
		levels[sc.Level]++
		if sc.DeltaIndex != nil {
			dsum += *sc.DeltaIndex
			dn++
		}
	}
	if len(scores) > 0 {
		p.Average = q.Def.Model.Display(sum / float64(len(scores)) / q.Def.Model.Scale)
	}
	if dn > 0 {
		d := dsum / float64(dn)
		p.Change = &d
	}

	var levelLabels []string
	var levelCounts []int
	var levelColors []string
	for _, l := range q.Def.Model.Levels {
		levelLabels = append(levelLabels, pick(v.Lang, l.LabelAr, l.LabelEn))
		levelCounts = append(levelCounts, levels[l.Key])
		levelColors = append(levelColors, reports.LevelColors[l.Key])
	}
	var stageLabels []string
	var stageCounts []int
	for st := 0; st <= survey.MaxStage; st++ {
		stageLabels = append(stageLabels, strconv.Itoa(st)+" "+v.T("stage."+strconv.Itoa(st)))
		stageCounts = append(stageCounts, p.Catalog.ByStage[st])
	}
	p.Charts = []reports.Chart{
		reports.Leaderboard(reports.ChartID("leaderboard", r.ID), v.T("dashboard.leaderboard"), scores, v.Lang, 15),
		reports.Counts(reports.ChartID("levels", r.ID), v.T("dashboard.levels"), levelLabels, levelCounts, levelColors, v.Lang),
		reports.Counts(reports.ChartID("stages", r.ID), v.T("dashboard.stages"), stageLabels, stageCounts, reports.StageColors[:], v.Lang),
		reports.Shares(reports.ChartID("reach", r.ID), v.T("dashboard.reach"),
			[]string{v.T("metric.stage3"), v.T("flag.abroad"), v.T("flag.no_visit"), v.T("flag.e_payment")},
			[]float64{p.Catalog.ShareStage3, p.Catalog.ShareAbroad, p.Catalog.ShareNoVisit, p.Catalog.ShareEPayment}, v.Lang),
	}
	p.Top10 = reports.Leaderboard(reports.ChartID("top10", r.ID), v.T("present.top10"), scores, v.Lang, 10)
	// The data tables (and their exports) speak the page's language.
	for _, ch := range []*reports.Chart{&p.Charts[0], &p.Top10} {
		ch.Head = []string{v.T("rankings.rank"), v.T("field.institution"), v.T("rankings.index"), v.T("rankings.level")}
		for _, row := range ch.Rows {
			row[3] = v.LevelLabel(q.Def, row[3])
		}
	}
	p.Charts[1].Head = []string{v.T("rankings.level"), v.T("dashboard.institutions")}
	p.Charts[2].Head = []string{v.T("field.stage"), v.T("dashboard.services")}
	p.Charts[3].Head = []string{v.T("dashboard.measure"), v.T("dashboard.share")}
	// Changes exist only against a round this reader may see (p.Since).
	if p.Since != nil {
		if movers := reports.Movers(reports.ChartID("movers", r.ID), v.T("dashboard.movers_since", p.Since.Name), scores, v.Lang, 10); len(movers.Rows) > 0 {
			movers.Head = []string{v.T("field.institution"), v.T("rankings.change"), v.T("rankings.index")}
			p.Charts = append(p.Charts, movers)
		}
	}
	if len(scores) >= 3 {
		var series []reports.Series
		for _, sc := range scores[:3] {
			one := reports.Series{Name: pick(v.Lang, sc.NameAr, sc.NameEn)}
			for _, sec := range q.Def.Sections {
				one.Values = append(one.Values, sc.Dimensions[sec.ID])
			}
			series = append(series, one)
		}
		top3 := reports.RadarDims(reports.ChartID("top3", r.ID), v.T("dashboard.top3"), reports.DimsOf(q.Def.Sections, v.Lang), q.Def.Model.Display(1), series, v.Lang)
		top3.Head[0] = v.T("response.sections")
		p.Charts = append(p.Charts, top3)
	}
	conf, err := s.conferenceCharts(ctx, v, r, p.scoreFilter)
	if err != nil {
		s.serverError(c, err)
		return p, v, false
	}
	p.More, p.Stories = conf.Charts, conf.Stories
	v.exportCharts(r, p.Kind, append(append([]reports.Chart{p.Top10}, p.Charts...), p.More...)...)
	v.Charts = true
	return p, v, true
}

// provisional says a round's figures may still change: it is not yet
// published. Its pages, slides and every export say so.
func provisional(r survey.Round) bool { return r.Status != survey.RoundPublished }

// chartCaption is the caption under a round's exported charts, in the
// page's language: the source, the round and the index, then a mark for
// provisional figures and one for demo data.
func (v *view) chartCaption(r survey.Round, index string) string {
	indexName := v.T("rankings.on_self")
	if index == survey.ScoreVerified {
		indexName = v.T("rankings.on_verified")
	}
	parts := []string{v.T("chart.source", r.Name, indexName)}
	if provisional(r) {
		parts = append(parts, v.T("chart.provisional"))
	}
	if v.Demo {
		parts = append(parts, v.T("chart.demo"))
	}
	return strings.Join(parts, " · ")
}

// exportCharts gives each of a round's charts what its exported images
// carry (reports.Export): the round's caption, and a file name made of the
// round's name, the chart's name (its ID without the "chart_" prefix and
// the round's ID) and the language, e.g. marsad-2025-leaderboard-ar.
func (v *view) exportCharts(r survey.Round, index string, charts ...reports.Chart) {
	e := reports.Export{Caption: v.chartCaption(r, index), Exported: v.T("chart.exported"), PNG: v.T("chart.png")}
	for _, ch := range charts {
		e.File = chartFile(r, ch.ID, v.Lang)
		ch.SetExport(e)
	}
}

// chartFile names a chart's downloads (images, data, offline HTML) after
// the round and the chart, without extension.
func chartFile(r survey.Round, chartID, lang string) string {
	name := strings.TrimPrefix(chartID, "chart_")
	round := "_" + strconv.FormatInt(r.ID, 10)
	if i := strings.Index(name+"_", round+"_"); i >= 0 {
		name = name[:i] + name[i+len(round):]
	}
	return fmt.Sprintf("marsad-%s-%s-%s", r.Name, name, lang) // attachment cleans it (download.go)
}

// chart finds one of the page's charts by its ID.
func (p dashboardPage) chart(id string) (reports.Chart, bool) {
	for _, ch := range append(append(append([]reports.Chart(nil), p.Charts...), p.More...), p.Top10) {
		if ch.ID == id {
			return ch, true
		}
	}
	return reports.Chart{}, false
}

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
	table := append([][]string{ch.Head}, ch.Rows...)
	if p.Provisional {
		// A note above the table, so that provisional figures copied
		// into a report cannot pass for published ones.
		note := make([]string, max(1, len(ch.Head))) // as wide as the table: CSV readers want even rows
		note[0] = v.T("dashboard.provisional", p.Round.Name)
		table = append([][]string{note}, table...)
	}
	s.sendTable(c, chartFile(p.Round, ch.ID, v.Lang), "data", table, v.Lang == "ar")
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
	institutions []survey.Institution // active ones
	tallies      map[string]survey.MetricsTally
}

// of adds up the institutions matching f: their catalog metrics and how
// many they are.
func (cf catalogFigures) of(f scoreFilter) (survey.CatalogMetrics, int) {
	var t survey.MetricsTally
	n := 0
	for _, in := range cf.institutions {
		if f.matches(in.Sector, in.Kind, in.Region) {
			t.Merge(cf.tallies[in.Code])
			n++
		}
	}
	return t.Metrics(), n
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
	page, ok := s.renderBytes(c, p.name, p.v)
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
