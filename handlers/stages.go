package handlers

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

type stagesPage struct {
	Round survey.Round
	scoreFilter
	reports.Capped      // the chart, how many rows it shows of how many matched
	Provisional    bool // the round is not yet published
}

// stageRows are the active institutions matching the URL's filters with
// their published services by stage, most online first (reports.StageRows).
func (s *Server) stageRows(c *gin.Context) (survey.Round, scoreFilter, []reports.StageRow, bool) {
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
	f.Sectors = reports.InstitutionSectors(figures.institutions)
	return r, f, reports.StageRows(figures.institutions, figures.tallies, f.narrow()), true
}

// stageNames are the stages as charts name them (reports.StageNames).
func stageNames(v *view) []string { return reports.StageNames(v.T) }

// showStages is the stage distribution of each institution's services.
func (s *Server) showStages(c *gin.Context) {
	s.cachedScorePage(c, func(c *gin.Context) (scorePage, bool) {
		r, f, rows, ok := s.stageRows(c)
		if !ok {
			return scorePage{}, false
		}
		v := s.newView(c, "stages.title")
		v.Title = v.T("stages.heading", r.Name)
		p := stagesPage{Round: r, scoreFilter: f, Provisional: reports.Provisional(r)}
		p.Capped = reports.StagesChart(r.ID, rows, v.locale())
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
	s.sendTable(c, fmt.Sprintf("marsad-stages-%s-%s", r.Name, v.Lang), "stages", reports.StagesTable(rows, v.locale()), v.Lang == "ar")
}
