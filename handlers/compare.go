package handlers

import (
	"context"
	"html/template"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
)

type comparePage struct {
	rankingsPage
	PickList template.HTML // the pickers' options: every institution of the filtered ranking
	// Selected, Picks (the pickers' values) and the radar Chart.
	reports.Comparison
	Provisional bool // the round is not yet published
}

// showCompare puts up to five institutions of a round side by side: their
// figures, a radar of their dimensions and the same as a table. The choice
// lives in the URL (?c=MOH&c=MOE…) so a comparison can be shared.
func (s *Server) showCompare(c *gin.Context) {
	s.cachedScorePage(c, s.renderCompare)
}

func (s *Server) renderCompare(c *gin.Context) (scorePage, bool) {
	p, ok := s.rankingsData(c)
	if !ok {
		return scorePage{}, false
	}
	v := s.newView(c, "compare.title")
	v.Title = v.T("compare.heading", p.Round.Name)
	cp := comparePage{rankingsPage: p}
	var err error
	if cp.PickList, err = s.pickList(c.Request.Context(), p, v.Lang); err != nil {
		s.serverError(c, err)
		return scorePage{}, false
	}
	cp.Comparison = reports.Compare(p.Round.ID, p.Q.Def, p.Scores, c.QueryArray("c"), v.locale())
	cp.Provisional = reports.Provisional(p.Round)
	if len(cp.Selected) > 0 {
		v.exportCharts(p.Round, p.Kind, cp.Chart)
		v.Charts = true
	}
	v.Data = cp
	return scorePage{"compare", v}, true
}

// pickList is the <option> list of the compare pickers, "name (CODE)" for
// each institution of the filtered ranking. It is the same for every
// comparison of a round, so it is made once per scores version and shared:
// 1,500 escaped names were half the time of a comparison.
func (s *Server) pickList(ctx context.Context, p rankingsPage, lang string) (template.HTML, error) {
	version, err := s.store.ScoresVersion(ctx)
	if err != nil {
		return "", err
	}
	key := strings.Join([]string{strconv.FormatInt(p.Round.ID, 10), p.Kind, lang, p.Sector, p.IKind, p.Region}, "\x00")
	if list, ok := s.pickLists.get(key, version); ok {
		return list, nil
	}
	opts := make([]option, len(p.Scores))
	for i, sc := range p.Scores {
		opts[i] = option{Value: sc.Pick(lang)}
	}
	list := optionsHTML(opts)
	s.pickLists.put(key, version, list)
	return list, nil
}
