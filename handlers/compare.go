package handlers

import (
	"context"
	"html/template"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// compareMax is how many institutions one comparison holds: a radar with
// more lines is unreadable.
const compareMax = 5

type comparePage struct {
	rankingsPage
	PickList    template.HTML // the pickers' options: every institution of the filtered ranking
	Selected    []survey.InstitutionScore
	Picks       []string // the picker values, compareMax of them ("" when unused)
	Chart       reports.Chart
	Provisional bool // the round is not yet published
}

// showCompare puts up to five institutions of a round side by side: their
// figures, a radar of their dimensions and the same as a table. The choice
// lives in the URL (?c=MOH&c=MOE…) so a comparison can be shared.
func (s *Server) showCompare(c *gin.Context) {
	s.cachedScorePage(c, s.renderCompare)
}

// pickedCode is the institution code in a picker's value: the code alone
// (links) or "name (CODE)" as the picker's list offers it.
func pickedCode(value string) string {
	value = strings.TrimSpace(value)
	if strings.HasSuffix(value, ")") {
		if i := strings.LastIndex(value, "("); i >= 0 {
			return strings.TrimSpace(value[i+1 : len(value)-1])
		}
	}
	return value
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
	byCode := map[string]survey.InstitutionScore{}
	for _, sc := range p.Scores {
		byCode[sc.Code] = sc
	}
	seen := map[string]bool{}
	for _, pick := range c.QueryArray("c") {
		code := pickedCode(pick)
		if sc, ok := byCode[code]; ok && !seen[code] && len(cp.Selected) < compareMax {
			seen[code] = true
			cp.Selected = append(cp.Selected, sc)
		}
	}
	for i := range compareMax {
		value := ""
		if i < len(cp.Selected) {
			value = cp.Selected[i].Pick(v.Lang)
		}
		cp.Picks = append(cp.Picks, value)
	}
	cp.Provisional = provisional(p.Round)
	if len(cp.Selected) > 0 {
		var series []reports.Series
		for _, sc := range cp.Selected {
			one := reports.Series{Name: pick(v.Lang, sc.NameAr, sc.NameEn)}
			for _, sec := range p.Q.Def.Sections {
				one.Values = append(one.Values, sc.Dimensions[sec.ID])
			}
			series = append(series, one)
		}
		cp.Chart = reports.RadarDims(reports.ChartID("compare", p.Round.ID), v.T("compare.radar"), reports.DimsOf(p.Q.Def.Sections, v.Lang), p.Q.Def.Model.Display(1), series, v.Lang)
		cp.Chart.Head[0] = v.T("response.sections")
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
