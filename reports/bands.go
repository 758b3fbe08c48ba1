package reports

import (
	"sort"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"marsad/survey"
)

// How sure a ranking is, as pages and exports show it: the rank bands
// that the store attaches to a ranking's rows (survey.RankBand) and the
// sensitivity of the ranking to each weight (survey.RankAnalysis); see
// docs/uncertainty.md.

// BandText is a band as a range of ranks, "3–7", or the one rank when the
// band has no width.
func BandText(b survey.RankBand) string {
	if b.Low == b.High {
		return strconv.Itoa(b.Low)
	}
	return strconv.Itoa(b.Low) + "–" + strconv.Itoa(b.High)
}

// BandBox places a band on a strip 100 units wide that stands for ranks 1
// to of, rank 1 at the start of the line: the left in English, the right
// in Arabic. X and Width are the band, Tick the published rank's mark.
type BandBox struct {
	X, Width, Tick float64
}

// PlaceBand is the band of a row ranked rank among of, drawn for lang.
func PlaceBand(b survey.RankBand, rank, of int, lang string) BandBox {
	if of < 1 {
		of = 1
	}
	unit := 100 / float64(of)
	box := BandBox{X: float64(b.Low-1) * unit, Width: float64(b.High-b.Low+1) * unit, Tick: (float64(rank) - 0.5) * unit}
	if lang == "ar" {
		box.X, box.Tick = 100-box.X-box.Width, 100-box.Tick
	}
	return box
}

// OverlapsAbove names the rows of a ranking, listed best first, whose band
// overlaps the band of the row just above them: the two cannot be told
// apart under other reasonable choices. Rows without a band are never named.
func OverlapsAbove(list []survey.InstitutionScore) map[string]bool {
	out := map[string]bool{}
	for i := 1; i < len(list); i++ {
		a, b := list[i-1].Band, list[i].Band
		if a != nil && b != nil && a.Overlap(*b) {
			out[list[i].Code] = true
		}
	}
	return out
}

// TopCheck says whether the first n rows of a ranking are told apart from
// every row below them. When they are not, Inside is the one of the first
// n whose band reaches lowest and Outside the one below whose band reaches
// highest: the pair that overlaps.
type TopCheck struct {
	Clear           bool
	Inside, Outside survey.InstitutionScore
}

// CheckTop checks the first n of a ranking listed best first; ok is false
// when there is nothing to check: n rows or fewer, or rows without bands.
func CheckTop(list []survey.InstitutionScore, n int) (TopCheck, bool) {
	if len(list) <= n {
		return TopCheck{}, false
	}
	for _, x := range list {
		if x.Band == nil {
			return TopCheck{}, false
		}
	}
	in, out := 0, n
	for i := range n {
		if list[i].Band.High > list[in].Band.High {
			in = i
		}
	}
	for i := n; i < len(list); i++ {
		if list[i].Band.Low < list[out].Band.Low {
			out = i
		}
	}
	c := TopCheck{Inside: list[in], Outside: list[out]}
	c.Clear = list[in].Band.High < list[out].Band.Low
	return c, true
}

// topThreeNote is what the dashboard says under its top three: whether
// they are a clear top three, and if not which two cannot be told apart.
func topThreeNote(scores []survey.InstitutionScore, loc Locale) string {
	c, ok := CheckTop(scores, 3)
	switch {
	case !ok:
		return ""
	case c.Clear:
		return loc.T("bands.top3_clear")
	}
	return loc.T("bands.top3_unclear", fsi(c.Inside.Name(loc.Lang)), fsi(BandText(*c.Inside.Band)), fsi(c.Outside.Name(loc.Lang)), fsi(BandText(*c.Outside.Band)))
}

// fsi isolates a name or a range of ranks inside a sentence (U+2068 …
// U+2069): a Latin name or "2–4" keeps its own direction in Arabic text.
func fsi(s string) string { return "\u2068" + s + "\u2069" }

// addBands adds to a dashboard what the round's rank analysis says: a
// note under the top three, and the chart of which weight moves the
// ranking most. Without an analysis the dashboard is left as it is.
func addBands(d *Dashboard, in DashboardInput, scores []survey.InstitutionScore, loc Locale) {
	for i, ch := range d.Charts {
		if ch.ID == ChartID("top3", in.Round.ID) {
			d.Charts[i].Note = topThreeNote(scores, loc)
		}
	}
	if in.Analysis != nil {
		d.Charts = append(d.Charts, SensitivityChart(ChartID("sensitivity", in.Round.ID), loc.T("bands.sensitivity"), in.Def, in.Analysis, loc))
	}
}

// SensitivityChart is a horizontal bar chart of how much each dimension's
// weight moves the ranking: its first-order effect on the ranking's
// movement, in percent, largest first. Its note gives the effect of the
// two other choices (the mean; "not applicable").
func SensitivityChart(id, title string, def *survey.Definition, a *survey.RankAnalysis, loc Locale) Chart {
	sections := map[string]survey.Section{}
	for _, s := range def.Sections {
		sections[s.ID] = s
	}
	effects := append([]survey.DimensionEffect(nil), a.Dimensions...)
	sort.SliceStable(effects, func(i, j int) bool { return effects[i].Effect > effects[j].Effect })
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	ch := Chart{ID: id, Title: title, Head: []string{loc.T("response.sections"), loc.T("bands.effect")}}
	var names []string
	var data []opts.BarData
	for _, e := range effects {
		sec := sections[e.Section]
		v, _ := strconv.ParseFloat(pct(e.Effect), 64)
		names = append(names, isolate(loc.Lang, sec.Short(loc.Lang)))
		data = append(data, opts.BarData{Value: v, ItemStyle: fill(primary),
			Label: &opts.Label{Show: opts.Bool(true), Position: map[bool]string{true: "left", false: "right"}[loc.Lang == "ar"], Formatter: "{c}%"}})
		ch.Rows = append(ch.Rows, []string{sec.Title(loc.Lang), pct(e.Effect)})
	}
	bar.SetXAxis(names).AddSeries("effect", data)
	bar.XYReversal()
	ch.Option = finish(bar, loc.Lang, true)
	setAxis(ch.Option, "yAxis", map[string]any{"type": "category", "inverse": true})
	setAxis(ch.Option, "xAxis", map[string]any{"type": "value", "min": 0, "axisLabel": map[string]any{"formatter": "{value}%"}})
	ch.Note = loc.T("bands.choices_note", pct(a.Aggregation), pct(a.NotApplicable))
	return ch
}

// bandColumns are a ranking export's columns of a row's band: median,
// best and worst rank, and how many others it cannot be told apart from;
// empty without a band.
func bandColumns(sc survey.InstitutionScore) []string {
	b := sc.Band
	if b == nil {
		return []string{"", "", "", ""}
	}
	return []string{strconv.Itoa(b.Median), strconv.Itoa(b.Low), strconv.Itoa(b.High), strconv.Itoa(b.Overlaps)}
}

// bandHead heads bandColumns in loc's language.
func bandHead(loc Locale) []string {
	return []string{loc.T("bands.median"), loc.T("bands.p5"), loc.T("bands.p95"), loc.T("bands.overlaps_head")}
}
