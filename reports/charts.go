package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"marsad/survey"
)

// Chart is a chart ready for a page or an export: its ECharts option (built
// with go-echarts, then finished here: toolbox, font, right-to-left) and the
// same data as a table, for screen readers and for people who want numbers.
type Chart struct {
	ID     string
	Title  string
	Option map[string]any
	Head   []string
	Rows   [][]string
	Height int // pixels the chart needs, 0 for the page's default
}

// OptionJSON is the option as JSON. Pages put it in an HTML attribute,
// which html/template escapes, so names can never break out as markup or
// script (go-echarts itself does not escape chart data).
func (c Chart) OptionJSON() string {
	b, _ := json.Marshal(c.Option)
	return string(b)
}

// Colours fixed for every page, chart and export (DESIGN.md §7).
var (
	LevelColors = map[string]string{"very-high": "#1a6e3a", "high": "#2b6f99", "middle": "#8a5a00", "low": "#b3261e",
		"A": "#1a6e3a", "B": "#2b6f99", "C": "#8a5a00", "D": "#b3261e"}
	StageColors = [6]string{"#c8d6e0", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08306b"}
	primary     = "#0b4f6c"
	// HeatmapColors run from low to high scores.
	HeatmapColors = []string{"#fc8d59", "#ffffbf", "#91bfdb"}
)

const fontFamily = "'Noto Sans Arabic', 'Noto Sans', sans-serif"

// isolate wraps a label for the SVG renderer so that mixed Arabic and Latin
// keeps its word order (U+2067 RLI … U+2069 PDI) in Arabic charts.
func isolate(lang, s string) string {
	if lang == "ar" {
		return "\u2067" + s + "\u2069"
	}
	return s
}

// finish turns a go-echarts chart into the option map and adds what
// go-echarts lacks: a save-as-image with pixel ratio 2 and SVG, the page's
// font, and the mirroring Arabic needs (ECharts has no right-to-left mode).
func finish(c interface {
	Validate()
	JSON() map[string]any
}, lang string, horizontal bool) map[string]any {
	c.Validate()
	raw := c.JSON()
	delete(raw, "assets")
	// Plain maps from here on: go-echarts' option structs lack fields we set.
	b, _ := json.Marshal(raw)
	var o map[string]any
	_ = json.Unmarshal(b, &o)
	o["textStyle"] = map[string]any{"fontFamily": fontFamily}
	o["animation"] = false
	o["toolbox"] = map[string]any{
		"show": true, "left": map[bool]string{true: "left", false: "right"}[lang == "ar"],
		"feature": map[string]any{"saveAsImage": map[string]any{"pixelRatio": 2, "backgroundColor": "#ffffff", "name": "marsad-chart"}},
	}
	if t, ok := o["title"].(map[string]any); ok {
		t["left"] = map[bool]string{true: "right", false: "left"}[lang == "ar"]
	}
	o["grid"] = map[string]any{"containLabel": true, "left": 40, "right": 40, "top": 56, "bottom": 16}
	o["legend"] = map[string]any{"show": false} // one series: the title says what it is
	if !horizontal {
		// Long category names wrap instead of overlapping.
		setAxis(o, "xAxis", map[string]any{"axisLabel": map[string]any{"interval": 0, "width": 84, "overflow": "break", "lineHeight": 18}})
	}
	if lang == "ar" {
		if horizontal {
			// Category axis on the right, bars growing leftwards.
			setAxis(o, "yAxis", map[string]any{"position": "right"})
			setAxis(o, "xAxis", map[string]any{"inverse": true})
		} else {
			setAxis(o, "xAxis", map[string]any{"inverse": true})
			setAxis(o, "yAxis", map[string]any{"position": "right"})
		}
	}
	return o
}

func setAxis(o map[string]any, name string, set map[string]any) {
	axes, _ := o[name].([]any)
	if len(axes) == 0 {
		axes = []any{map[string]any{}}
	}
	first, _ := axes[0].(map[string]any)
	if first == nil {
		first = map[string]any{}
		axes[0] = first
	}
	for k, val := range set {
		first[k] = val
	}
	o[name] = axes
}

func pct(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) }

// Leaderboard is a horizontal bar chart of the top n institutions' index,
// each bar in its level's colour.
func Leaderboard(id, title string, scores []survey.InstitutionScore, lang string, n int) Chart {
	if len(scores) > n {
		scores = scores[:n]
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	var names []string
	var data []opts.BarData
	ch := Chart{ID: id, Title: title, Head: []string{"#", "institution", "index", "level"}}
	for _, s := range scores {
		name := s.NameAr
		if lang == "en" && s.NameEn != "" {
			name = s.NameEn
		}
		names = append(names, isolate(lang, name))
		data = append(data, opts.BarData{Value: s.Index, ItemStyle: &opts.ItemStyle{Color: LevelColors[s.Level]},
			Label: &opts.Label{Show: opts.Bool(true), Position: map[bool]string{true: "left", false: "right"}[lang == "ar"]}})
		ch.Rows = append(ch.Rows, []string{strconv.Itoa(s.Rank), name, strconv.FormatFloat(s.Index, 'f', -1, 64), s.Level})
	}
	bar.SetXAxis(names).AddSeries("index", data)
	bar.XYReversal() // horizontal bars: names on the category (y) axis
	ch.Option = finish(bar, lang, true)
	// Names on a category axis, first place on top.
	setAxis(ch.Option, "yAxis", map[string]any{"type": "category", "inverse": true})
	setAxis(ch.Option, "xAxis", map[string]any{"type": "value"})
	return ch
}

// Counts is a vertical bar chart of labelled counts with one colour each.
func Counts(id, title string, labels []string, values []int, colors []string, lang string) Chart {
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	ch := Chart{ID: id, Title: title, Head: []string{"", "n"}}
	var xs []string
	var data []opts.BarData
	for i, l := range labels {
		xs = append(xs, isolate(lang, l))
		data = append(data, opts.BarData{Value: values[i], ItemStyle: &opts.ItemStyle{Color: colors[i%len(colors)]},
			Label: &opts.Label{Show: opts.Bool(true), Position: "top"}})
		ch.Rows = append(ch.Rows, []string{l, strconv.Itoa(values[i])})
	}
	bar.SetXAxis(xs).AddSeries("n", data)
	ch.Option = finish(bar, lang, false)
	return ch
}

// Shares is a vertical bar chart of percentages (0–1 in, 0–100 shown).
func Shares(id, title string, labels []string, shares []float64, lang string) Chart {
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithYAxisOpts(opts.YAxis{Max: 100, AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}}))
	ch := Chart{ID: id, Title: title, Head: []string{"", "%"}}
	var xs []string
	var data []opts.BarData
	for i, l := range labels {
		xs = append(xs, isolate(lang, l))
		v, _ := strconv.ParseFloat(pct(shares[i]), 64)
		data = append(data, opts.BarData{Value: v, ItemStyle: &opts.ItemStyle{Color: primary},
			Label: &opts.Label{Show: opts.Bool(true), Position: "top", Formatter: "{c}%"}})
		ch.Rows = append(ch.Rows, []string{l, pct(shares[i])})
	}
	bar.SetXAxis(xs).AddSeries("share", data)
	ch.Option = finish(bar, lang, false)
	return ch
}

// ChartID makes a chart id that is safe as an HTML id and a JS name.
func ChartID(parts ...any) string {
	id := "chart"
	for _, p := range parts {
		id += fmt.Sprintf("_%v", p)
	}
	return id
}

// Series is one named line of values, for radar charts.
type Series struct {
	Name   string
	Values []float64
}

// Radar compares series on the same dimensions (an institution against the
// national average and the best in its sector), each axis 0 to max.
func Radar(id, title string, dims []string, max float64, series []Series, lang string) Chart {
	radar := charts.NewRadar()
	var ind []*opts.Indicator
	for _, d := range dims {
		ind = append(ind, &opts.Indicator{Name: isolate(lang, d), Max: float32(max)})
	}
	radar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithRadarComponentOpts(opts.RadarComponent{Indicator: ind, SplitNumber: 4}))
	ch := Chart{ID: id, Title: title, Head: []string{""}}
	var data []opts.RadarData
	for _, s := range series {
		ch.Head = append(ch.Head, s.Name)
		data = append(data, opts.RadarData{Name: isolate(lang, s.Name), Value: s.Values})
	}
	for i, d := range dims {
		row := []string{d}
		for _, s := range series {
			row = append(row, strconv.FormatFloat(s.Values[i], 'f', -1, 64))
		}
		ch.Rows = append(ch.Rows, row)
	}
	radar.AddSeries("radar", data)
	o := finish(radar, lang, false)
	delete(o, "xAxis")
	delete(o, "yAxis")
	delete(o, "grid")
	var names []string
	for _, s := range series {
		names = append(names, isolate(lang, s.Name))
	}
	o["legend"] = map[string]any{"show": true, "bottom": 0, "data": names}
	o["color"] = []string{primary, "#8a8f94", "#1a6e3a", "#b35c00", "#6a3d9a"}
	if r, ok := o["radar"].(map[string]any); ok {
		r["center"], r["radius"] = []string{"50%", "56%"}, "58%"
		// Long dimension names wrap instead of running off the chart.
		r["axisName"] = map[string]any{"width": 120, "overflow": "break", "lineHeight": 16, "color": "#333"}
	}
	ch.Option = o
	return ch
}

// Trend is one institution's index over rounds, oldest first.
func Trend(id, title string, rounds []string, values []float64, max float64, lang string) Chart {
	line := charts.NewLine()
	line.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: max}))
	ch := Chart{ID: id, Title: title, Head: []string{"", ""}}
	var data []opts.LineData
	for i, r := range rounds {
		data = append(data, opts.LineData{Value: values[i]})
		ch.Rows = append(ch.Rows, []string{r, strconv.FormatFloat(values[i], 'f', -1, 64)})
	}
	line.SetXAxis(rounds).AddSeries("index", data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: primary, Width: 3}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: primary}))
	ch.Option = finish(line, lang, false)
	return ch
}

// Movers is a horizontal bar chart of the n largest changes of index since
// the last round (risers first), green up and red down.
func Movers(id, title string, scores []survey.InstitutionScore, lang string, n int) Chart {
	var moved []survey.InstitutionScore
	for _, s := range scores {
		if s.DeltaIndex != nil {
			moved = append(moved, s)
		}
	}
	sort.SliceStable(moved, func(i, j int) bool { return *moved[i].DeltaIndex > *moved[j].DeltaIndex })
	if len(moved) > n {
		moved = moved[:n]
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	ch := Chart{ID: id, Title: title, Head: []string{"institution", "change", "index"}}
	var names []string
	var data []opts.BarData
	for _, s := range moved {
		name := s.NameAr
		if lang == "en" && s.NameEn != "" {
			name = s.NameEn
		}
		d := math.Round(*s.DeltaIndex*10) / 10 // one decimal, as the index is shown
		color := "#1a6e3a"
		if d < 0 {
			color = "#b3261e"
		}
		names = append(names, isolate(lang, name))
		data = append(data, opts.BarData{Value: d, ItemStyle: &opts.ItemStyle{Color: color},
			Label: &opts.Label{Show: opts.Bool(true), Position: map[bool]string{true: "left", false: "right"}[lang == "ar"]}})
		ch.Rows = append(ch.Rows, []string{name, strconv.FormatFloat(d, 'f', -1, 64), strconv.FormatFloat(s.Index, 'f', -1, 64)})
	}
	bar.SetXAxis(names).AddSeries("change", data)
	bar.XYReversal()
	ch.Option = finish(bar, lang, true)
	setAxis(ch.Option, "yAxis", map[string]any{"type": "category", "inverse": true})
	setAxis(ch.Option, "xAxis", map[string]any{"type": "value"})
	return ch
}

// Heatmap shows institutions (rows, in the order given) × dimensions
// (columns) coloured by score, 0 to max; a missing score stays blank.
// Height is what the chart needs for its rows, in pixels.
func Heatmap(id, title string, names, dims []string, values [][]*float64, max float64, lang string) Chart {
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	ch := Chart{ID: id, Title: title, Head: append([]string{""}, dims...), Height: 140 + 24*len(names)}
	var data []opts.HeatMapData
	var ys []string
	for r, name := range names {
		ys = append(ys, isolate(lang, name))
		row := []string{name}
		for c := range dims {
			cell := ""
			if v := values[r][c]; v != nil {
				data = append(data, opts.HeatMapData{Value: [3]any{c, r, *v}})
				cell = strconv.FormatFloat(*v, 'f', -1, 64)
			}
			row = append(row, cell)
		}
		ch.Rows = append(ch.Rows, row)
	}
	hm.SetXAxis(dims).AddSeries("score", data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}))
	o := finish(hm, lang, true)
	setAxis(o, "xAxis", map[string]any{"type": "category", "data": dims, "position": "top", "splitArea": map[string]any{"show": true}})
	setAxis(o, "yAxis", map[string]any{"type": "category", "data": ys, "inverse": true, "splitArea": map[string]any{"show": true}})
	if lang == "ar" {
		setAxis(o, "xAxis", map[string]any{"inverse": true})
		setAxis(o, "yAxis", map[string]any{"position": "right"})
	}
	o["grid"] = map[string]any{"containLabel": true, "left": 16, "right": 16, "top": 80, "bottom": 56}
	o["visualMap"] = map[string]any{"min": 0, "max": max, "calculable": true, "orient": "horizontal", "left": "center", "bottom": 0,
		// ColorBrewer RdYlBu: ordered for people with red–green colour
		// blindness too, and light enough for dark labels on every cell.
		"inRange": map[string]any{"color": HeatmapColors}}
	ch.Option = o
	return ch
}

// StageMix shows, for each institution (rows, in the order given), the
// share of its services at each stage 0–5 as one stacked bar, so a small
// municipality and a big ministry compare; the table keeps the counts.
// stages names the stages; Height is what the chart needs for its rows.
func StageMix(id, title string, names []string, counts [][survey.MaxStage + 1]int, stages []string, lang string) Chart {
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	ch := Chart{ID: id, Title: title, Head: append(append([]string{"", "n"}, stages...), "≥3 %"), Height: 160 + 26*len(names)}
	var ys []string
	series := make([][]opts.BarData, survey.MaxStage+1)
	for r, name := range names {
		ys = append(ys, isolate(lang, name))
		total := 0
		for _, n := range counts[r] {
			total += n
		}
		row := []string{name, strconv.Itoa(total)}
		online := 0
		for st, n := range counts[r] {
			share := 0.0
			if total > 0 {
				share, _ = strconv.ParseFloat(pct(float64(n)/float64(total)), 64)
			}
			series[st] = append(series[st], opts.BarData{Value: share})
			row = append(row, strconv.Itoa(n))
			if st >= survey.StageTransactional {
				online += n
			}
		}
		share3 := ""
		if total > 0 {
			share3 = pct(float64(online) / float64(total))
		}
		ch.Rows = append(ch.Rows, append(row, share3))
	}
	bar.SetXAxis(ys)
	var legend []string
	for st, data := range series {
		name := isolate(lang, stages[st])
		legend = append(legend, name)
		bar.AddSeries(name, data, charts.WithBarChartOpts(opts.BarChart{Stack: "stages"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: StageColors[st]}))
	}
	if lang == "ar" {
		slices.Reverse(legend) // read from the right: stage 0 first, as the bars start
	}
	bar.XYReversal()
	o := finish(bar, lang, true)
	setAxis(o, "yAxis", map[string]any{"type": "category", "inverse": true})
	setAxis(o, "xAxis", map[string]any{"type": "value", "max": 100, "axisLabel": map[string]any{"formatter": "{value}%"}})
	o["legend"] = map[string]any{"show": true, "bottom": 0, "data": legend}
	o["tooltip"] = map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}}
	o["grid"] = map[string]any{"containLabel": true, "left": 40, "right": 40, "top": 56, "bottom": 48}
	ch.Option = o
	return ch
}
