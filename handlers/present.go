package handlers

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/reports"
)

type presentPage struct {
	dashboardPage
	Auto   int // seconds per slide, 0 for manual
	Slides []reports.Chart
	// After come after the success stories' slide.
	After []reports.Chart
}

// showPresentation is presentation mode: full screen, one chart per slide,
// arrow keys, Page Up/Down (what a presenter's clicker sends) and space;
// ?auto=N advances every N seconds for a screen in the hall.
func (s *Server) showPresentation(c *gin.Context) {
	s.cachedScorePage(c, s.renderPresentation)
}

func (s *Server) renderPresentation(c *gin.Context) (scorePage, bool) {
	p, v, ok := s.buildDashboard(c)
	if !ok {
		return scorePage{}, false
	}
	pp := presentPage{dashboardPage: p}
	pp.Slides, pp.After = p.Slides(p.Round.ID)
	if n := c.Query("auto"); n != "" {
		for _, d := range []int{5, 10, 15, 20, 30, 60} {
			if n == strconv.Itoa(d) {
				pp.Auto = d
			}
		}
	}
	v.Data = pp
	return scorePage{"present", v}, true
}
