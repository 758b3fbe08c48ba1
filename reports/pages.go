package reports

import (
	"cmp"
	"slices"
	"strings"

	"marsad/survey"
)

// Capped is a chart of the first rows of a longer list: the page says
// how many it shows of how many matched, and the export has them all.
type Capped struct {
	Chart   Chart
	Shown   int
	Matched int
}

// StagesShown caps the stages chart: the filters narrow it.
const StagesShown = 60

// HeatmapShown caps the heatmap: past a few hundred rows a heatmap is a
// texture, not a reading. The filters narrow it.
const HeatmapShown = 200

// StageRow is one institution's published services by stage.
type StageRow struct {
	Institution survey.Institution
	Counts      [survey.MaxStage + 1]int
	Share3      float64 // at stage 3 or higher
}

func (r StageRow) total() int {
	n := 0
	for _, x := range r.Counts {
		n += x
	}
	return n
}

// StageRows are the institutions f keeps with their services by stage
// (from their catalog tallies, by code), most online first: by the share
// at stage 3 or higher, then the most services, then the code.
func StageRows(institutions []survey.Institution, tallies map[string]survey.MetricsTally, f Filter) []StageRow {
	var rows []StageRow
	for _, in := range institutions {
		if !f.Matches(in.Sector, in.Kind, in.Region) {
			continue
		}
		m := tallies[in.Code].Metrics()
		rows = append(rows, StageRow{Institution: in, Counts: m.ByStage, Share3: m.ShareStage3})
	}
	slices.SortStableFunc(rows, func(a, b StageRow) int {
		return cmp.Or(cmp.Compare(b.Share3, a.Share3), cmp.Compare(b.total(), a.total()), cmp.Compare(a.Institution.Code, b.Institution.Code))
	})
	return rows
}

// StageChart is the stacked bars of rows, its table's head in loc's
// language.
func StageChart(id string, rows []StageRow, loc Locale) Chart {
	names := make([]string, len(rows))
	counts := make([][survey.MaxStage + 1]int, len(rows))
	for i, row := range rows {
		names[i], counts[i] = row.Institution.Name(loc.Lang), row.Counts
	}
	ch := StageMix(id, loc.T("stages.chart"), names, counts, StageNames(loc.T), loc.Lang)
	ch.Head[0], ch.Head[1], ch.Head[len(ch.Head)-1] = loc.T("field.institution"), loc.T("dashboard.services"), loc.T("metric.stage3")+" %"
	return ch
}

// StagesChart is the stages page's chart of a round: the first
// StagesShown rows.
func StagesChart(roundID int64, rows []StageRow, loc Locale) Capped {
	c := Capped{Matched: len(rows)}
	rows = rows[:min(len(rows), StagesShown)]
	c.Shown = len(rows)
	c.Chart = StageChart(ChartID("stagemix", roundID), rows, loc)
	return c
}

// StagesTable is every row as the stages export has it: the code, then
// the chart's table.
func StagesTable(rows []StageRow, loc Locale) [][]string {
	ch := StageChart("stages", rows, loc)
	table := [][]string{append([]string{loc.T("field.code")}, ch.Head...)}
	for i, row := range ch.Rows {
		table = append(table, append([]string{rows[i].Institution.Code}, row...))
	}
	return table
}

// HeatmapChart is every institution × dimension of a ranking coloured by
// score, the first HeatmapShown institutions in the order given. Columns
// are the dimensions' short names; the full ones are in the key under
// the chart, the tooltip and the table.
func HeatmapChart(roundID int64, def *survey.Definition, scores []survey.InstitutionScore, loc Locale) Capped {
	c := Capped{Matched: len(scores)}
	scores = scores[:min(len(scores), HeatmapShown)]
	c.Shown = len(scores)
	secs := def.Sections
	var names []string
	values := make([][]*float64, len(scores))
	for i, sc := range scores {
		names = append(names, sc.Name(loc.Lang))
		values[i] = make([]*float64, len(secs))
		for j, sec := range secs {
			if x, ok := sc.Dimensions[sec.ID]; ok {
				values[i][j] = &x
			}
		}
	}
	c.Chart = Heatmap(ChartID("heatmap", roundID), loc.T("heatmap.chart"), names, DimsOf(secs, loc.Lang), values, def.Model.Display(1), loc.Lang)
	c.Chart.Head[0] = loc.T("field.institution")
	return c
}

// CompareMax is how many institutions one comparison holds: a radar with
// more lines is unreadable.
const CompareMax = 5

// Comparison is up to CompareMax institutions of a ranking side by side.
type Comparison struct {
	Selected []survey.InstitutionScore
	// Picks are the pickers' values, CompareMax of them ("" when unused).
	Picks []string
	// Chart is the radar of their dimensions (no ID when none is chosen).
	Chart Chart
}

// PickedCode is the institution code in a picker's value: the code alone
// (links) or "name (CODE)" as the picker's list offers it.
func PickedCode(value string) string {
	value = strings.TrimSpace(value)
	if strings.HasSuffix(value, ")") {
		if i := strings.LastIndex(value, "("); i >= 0 {
			return strings.TrimSpace(value[i+1 : len(value)-1])
		}
	}
	return value
}

// Compare puts the institutions of scores the picks name side by side,
// in the picks' order, each once, at most CompareMax; picks naming none
// are ignored.
func Compare(roundID int64, def *survey.Definition, scores []survey.InstitutionScore, picks []string, loc Locale) Comparison {
	var c Comparison
	byCode := make(map[string]survey.InstitutionScore, len(scores))
	for _, sc := range scores {
		byCode[sc.Code] = sc
	}
	seen := map[string]bool{}
	for _, pick := range picks {
		code := PickedCode(pick)
		if sc, ok := byCode[code]; ok && !seen[code] && len(c.Selected) < CompareMax {
			seen[code] = true
			c.Selected = append(c.Selected, sc)
		}
	}
	for i := range CompareMax {
		value := ""
		if i < len(c.Selected) {
			value = c.Selected[i].Pick(loc.Lang)
		}
		c.Picks = append(c.Picks, value)
	}
	if len(c.Selected) > 0 {
		c.Chart = ScoresRadar(ChartID("compare", roundID), loc.T("compare.radar"), def, c.Selected, loc)
	}
	return c
}
