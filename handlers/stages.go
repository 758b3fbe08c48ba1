package handlers

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// stagesRows caps the chart: the filters narrow it; the export has all.
const stagesRows = 60

type stagesPage struct {
	Round survey.Round
	scoreFilter
	Chart       reports.Chart
	Shown       int
	Matched     int
	Provisional bool // the round is not yet published
}

// stageRow is one institution's services by stage.
type stageRow struct {
	inst   survey.Institution
	counts [survey.MaxStage + 1]int
	share3 float64
}

// stageRows are the active institutions matching the URL's filters with
// their published services by stage, most online first.
func (s *Server) stageRows(c *gin.Context) (survey.Round, scoreFilter, []stageRow, bool) {
	r, ok := s.roundForScores(c, "")
	if !ok {
		return r, scoreFilter{}, nil, false
	}
	f := newScoreFilter(c)
	figures, err := s.catalogFigures(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return r, f, nil, false
	}
	f.Sectors = institutionSectors(figures.institutions)
	var rows []stageRow
	for _, in := range figures.institutions {
		if !f.matches(in.Sector, in.Kind, in.Region) {
			continue
		}
		m := figures.tallies[in.Code].Metrics()
		rows = append(rows, stageRow{inst: in, counts: m.ByStage, share3: m.ShareStage3})
	}
	slices.SortStableFunc(rows, func(a, b stageRow) int {
		return cmp.Or(cmp.Compare(b.share3, a.share3), cmp.Compare(total(b.counts), total(a.counts)), cmp.Compare(a.inst.Code, b.inst.Code))
	})
	return r, f, rows, true
}

func total(counts [survey.MaxStage + 1]int) int {
	n := 0
	for _, x := range counts {
		n += x
	}
	return n
}

func stageNames(v *view) []string {
	var out []string
	for st := 0; st <= survey.MaxStage; st++ {
		out = append(out, strconv.Itoa(st)+" "+v.T("stage."+strconv.Itoa(st)))
	}
	return out
}

// stageChart is the stacked bars of rows, with the table's head translated.
func stageChart(v *view, id string, rows []stageRow) reports.Chart {
	names := make([]string, len(rows))
	counts := make([][survey.MaxStage + 1]int, len(rows))
	for i, row := range rows {
		names[i], counts[i] = row.inst.Name(v.Lang), row.counts
	}
	ch := reports.StageMix(id, v.T("stages.chart"), names, counts, stageNames(v), v.Lang)
	ch.Head[0], ch.Head[1], ch.Head[len(ch.Head)-1] = v.T("field.institution"), v.T("dashboard.services"), v.T("metric.stage3")+" %"
	return ch
}

// showStages is the stage distribution of each institution's services.
func (s *Server) showStages(c *gin.Context) {
	s.cachedScorePage(c, func(c *gin.Context) (scorePage, bool) {
		r, f, rows, ok := s.stageRows(c)
		if !ok {
			return scorePage{}, false
		}
		v := s.newView(c, "stages.title")
		v.Title = v.T("stages.heading", r.Name)
		p := stagesPage{Round: r, scoreFilter: f, Matched: len(rows)}
		if len(rows) > stagesRows {
			rows = rows[:stagesRows]
		}
		p.Shown = len(rows)
		p.Chart = stageChart(v, reports.ChartID("stagemix", r.ID), rows)
		p.Provisional = provisional(r)
		v.exportCharts(r, f.Kind, p.Chart)
		v.Charts = true
		v.Data = p
		return scorePage{"stages", v}, true
	})
}

// exportStages is every matching institution's row as CSV or a workbook.
func (s *Server) exportStages(c *gin.Context) {
	r, _, rows, ok := s.stageRows(c)
	if !ok {
		return
	}
	v := s.newView(c, "")
	ch := stageChart(v, "stages", rows)
	codes := []string{v.T("field.code")}
	for _, row := range rows {
		codes = append(codes, row.inst.Code)
	}
	table := [][]string{append([]string{codes[0]}, ch.Head...)}
	for i, row := range ch.Rows {
		table = append(table, append([]string{codes[i+1]}, row...))
	}
	s.sendTable(c, fmt.Sprintf("marsad-stages-%s-%s", r.Name, v.Lang), "stages", table, v.Lang == "ar")
}
