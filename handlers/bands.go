package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// How sure a ranking is (docs/uncertainty.md): the rank bands on the
// rankings page and the scorecard, and the page that explains them. The
// bands come with the ranking's rows from the store; nothing is computed
// here.

// bandBar is a row's rank band drawn on a strip 100 units wide (the SVG
// beside its rank), as attribute values: the band, and the published
// rank's mark 1.5 units wide.
type bandBar struct {
	X, Width, TickX string
}

// BandBar places a row's band for the page's direction: rank 1 at the
// start of the line, the right in Arabic (reports.PlaceBand).
func (v *view) BandBar(sc survey.InstitutionScore) bandBar {
	if sc.Band == nil {
		return bandBar{}
	}
	b := reports.PlaceBand(*sc.Band, sc.Rank, sc.Of, v.Lang)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	return bandBar{X: f(b.X), Width: f(b.Width), TickX: f(max(0, min(98.5, b.Tick-0.75)))}
}

// BandText is a band as a range of ranks, "3–7".
func (v *view) BandText(b survey.RankBand) string { return reports.BandText(b) }

// methodPage is what the method page shows of the analysis' settings,
// and the band it takes as its example.
type methodPage struct {
	Spread     string // "25"
	Replicates int
	Offset     string // the geometric mean's offset on a 0–100 scale
	Example    survey.InstitutionScore
}

// showRankMethod explains, for decision makers, how sure a ranking is and
// how the bands and the weights' effects are worked out.
func (s *Server) showRankMethod(c *gin.Context) {
	v := s.newView(c, "method.title")
	v.Data = methodPage{
		Spread:     strconv.FormatFloat(survey.DefaultWeightSpread*100, 'f', -1, 64),
		Replicates: survey.DefaultReplicates,
		Offset:     strconv.FormatFloat(survey.GeometricOffset*100, 'f', -1, 64),
		Example:    survey.InstitutionScore{Rank: 4, Of: 12, Band: &survey.RankBand{Median: 4, Low: 3, High: 7}},
	}
	s.render(c, http.StatusOK, "method", v)
}
