package handlers

import (
	"github.com/gin-gonic/gin"

	"marsad/reports"
)

type heatmapPage struct {
	rankingsPage
	reports.Capped      // the chart, how many rows it shows of how many matched
	Provisional    bool // the round is not yet published
}

// showHeatmap is every institution × dimension of a round, coloured by
// score, with the rankings' filters and visibility.
func (s *Server) showHeatmap(c *gin.Context) {
	s.cachedScorePage(c, s.renderHeatmap)
}

func (s *Server) renderHeatmap(c *gin.Context) (scorePage, bool) {
	p, ok := s.rankingsData(c)
	if !ok {
		return scorePage{}, false
	}
	v := s.newView(c, "heatmap.title")
	v.Title = v.T("heatmap.heading", p.Round.Name)
	hp := heatmapPage{rankingsPage: p, Provisional: reports.Provisional(p.Round)}
	hp.Capped = reports.HeatmapChart(p.Round.ID, p.Q.Def, p.Scores, v.locale())
	v.exportCharts(p.Round, p.Kind, hp.Chart)
	v.Charts = true
	v.Data = hp
	return scorePage{"heatmap", v}, true
}
