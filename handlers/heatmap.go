package handlers

import (
	"github.com/gin-gonic/gin"

	"marsad/reports"
)

// heatmapRows caps the chart: past a few hundred rows a heatmap is a
// texture, not a reading. The filters narrow it; the export has all.
const heatmapRows = 200

type heatmapPage struct {
	rankingsPage
	Chart       reports.Chart
	Shown       int
	Matched     int
	Provisional bool // the round is not yet published
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
	hp := heatmapPage{rankingsPage: p, Matched: len(p.Scores)}
	list := p.Scores
	if len(list) > heatmapRows {
		list = list[:heatmapRows]
	}
	hp.Shown = len(list)
	var names []string
	secs := p.Q.Def.Sections
	values := make([][]*float64, len(list))
	for i, sc := range list {
		names = append(names, pick(v.Lang, sc.NameAr, sc.NameEn))
		values[i] = make([]*float64, len(secs))
		for j, sec := range secs {
			if x, ok := sc.Dimensions[sec.ID]; ok {
				values[i][j] = &x
			}
		}
	}
	// Columns by the dimensions' short names; the full ones are in the
	// key under the chart, the tooltip and the table.
	hp.Chart = reports.Heatmap(reports.ChartID("heatmap", p.Round.ID), v.T("heatmap.chart"), names, reports.DimsOf(secs, v.Lang), values, p.Q.Def.Model.Display(1), v.Lang)
	hp.Chart.Head[0] = v.T("field.institution")
	hp.Provisional = provisional(p.Round)
	v.exportCharts(p.Round, p.Kind, hp.Chart)
	v.Charts = true
	v.Data = hp
	return scorePage{"heatmap", v}, true
}
