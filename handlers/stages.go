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
	// Live: the rows are today's catalog (the round is not closed yet);
	// otherwise they are what the round froze (roundFigures).
	Live bool
}

// stageRows are the institutions matching the URL's filters with their
// services by stage, most online first (reports.StageRows): in a closed or
// published round those scored in it, with the services they submitted
// (roundFigures); in another, the active institutions with today's
// published services (live says so).
func (s *Server) stageRows(c *gin.Context) (r survey.Round, f scoreFilter, rows []reports.StageRow, live, ok bool) {
	r, ok = s.roundForScores(c, "")
	if !ok {
		return r, scoreFilter{}, nil, false, false
	}
	f = newScoreFilter(c)
	figures, err := s.roundFigures(c.Request.Context(), r)
	if err != nil {
		s.serverError(c, err)
		return r, f, nil, false, false
	}
	listed := figures.listed()
	f.Sectors = reports.InstitutionSectors(listed)
	return r, f, reports.StageRows(listed, figures.tallies, f.narrow()), !figures.frozen, true
}

// stageNames are the stages as charts name them (reports.StageNames).
func stageNames(v *view) []string { return reports.StageNames(v.T) }

// showStages is the stage distribution of each institution's services.
func (s *Server) showStages(c *gin.Context) {
	s.cachedScorePage(c, func(c *gin.Context) (scorePage, bool) {
		r, f, rows, live, ok := s.stageRows(c)
		if !ok {
			return scorePage{}, false
		}
		v := s.newView(c, "stages.title")
		v.Title = v.T("stages.heading", r.Name)
		p := stagesPage{Round: r, scoreFilter: f, Provisional: reports.Provisional(r), Live: live}
		p.Capped = reports.StagesChart(r.ID, rows, v.locale())
		v.exportCharts(r, f.Kind, p.Chart)
		v.Charts = true
		v.Data = p
		return scorePage{"stages", v}, true
	})
}

// exportStages is every matching institution's row as CSV or a workbook.
func (s *Server) exportStages(c *gin.Context) {
	r, _, rows, _, ok := s.stageRows(c)
	if !ok {
		return
	}
	v := s.newView(c, "")
	s.sendTable(c, fmt.Sprintf("marsad-stages-%s-%s", r.Name, v.Lang), "stages", reports.StagesTable(rows, v.locale()), v.Lang == "ar")
}
