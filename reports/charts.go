package reports

import (
	"encoding/json"
	"fmt"
	"math"
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
	// Note is a sentence the page shows under the chart (what the rank
	// bands say of the top three, for one); "" for none.
	Note string
}

// OptionJSON is the option as JSON. Pages put it in an HTML attribute,
// which html/template escapes, so names can never break out as markup or
// script (go-echarts itself does not escape chart data).
func (c Chart) OptionJSON() string {
	b, _ := json.Marshal(c.Option)
	return string(b)
}

// The option carries, under the key "marsad", what static/js/charts.js
// needs to lay the chart out for the size it is drawn at and to export it
// (ECharts options are JSON here, so no formatter functions: the strict
// Content-Security-Policy allows no script but our files). charts.js takes
// the key out before ECharts sees the option. Its fields:
//
//	rtl       Arabic: labels carry U+2067…U+2069 isolates, re-applied per line
//	wrap      "x" or "y": the category axis whose labels break between words
//	          to the room each category has (never inside a word)
//	flip      a vertical bar chart that becomes horizontal bars when its
//	          categories' words do not fit side by side (phones)
//	full      the dimensions' full names, in the order of the radar's
//	          indicators or the heatmap's columns, for the tooltip
//	caption, exported, png, file
//	          what an exported image says under the chart and its file
//	          name (see Export)
const metaKey = "marsad"

// meta is the option's "marsad" map, made on first use.
func meta(o map[string]any) map[string]any {
	m, _ := o[metaKey].(map[string]any)
	if m == nil {
		m = map[string]any{}
		o[metaKey] = m
	}
	return m
}

// Export is what a chart's exported image (PNG, SVG) carries beyond the
// chart: a caption under it and a file name, both in the page's language.
type Export struct {
	// File is the download's name without extension, from the round and
	// the chart: marsad-2025-leaderboard-ar.
	File string
	// Caption names the round, the index and the source, and marks demo
	// data and provisional (not yet published) figures.
	Caption string
	// Exported introduces the export date, which the browser adds when
	// the image is made (a cached page must not carry a stale date).
	Exported string
	// PNG is the image button's label.
	PNG string
}

// SetExport records what the chart's exports carry; the save-as-image of
// the toolbox is named after File too.
func (c Chart) SetExport(e Export) {
	if c.Option == nil {
		return
	}
	m := meta(c.Option)
	m["file"], m["caption"], m["exported"], m["png"] = e.File, e.Caption, e.Exported, e.PNG
	if tb, ok := c.Option["toolbox"].(map[string]any); ok {
		if f, ok := tb["feature"].(map[string]any); ok {
			if s, ok := f["saveAsImage"].(map[string]any); ok {
				s["name"], s["title"] = e.File, e.PNG
			}
		}
	}
}

const fontFamily = "'Noto Sans Arabic', 'Noto Sans', sans-serif"

// isolate wraps a label for the SVG renderer so that mixed Arabic and Latin
// keeps its word order (U+2067 RLI … U+2069 PDI) in Arabic charts.
// charts.js re-applies it to each line when it wraps a label, so that a
// wrapped "(المرحلة 3+)" keeps its brackets the right way round.
func isolate(lang, s string) string {
	if lang == "ar" {
		return "\u2067" + s + "\u2069"
	}
	return s
}

// finish turns a go-echarts chart into the option map and adds what
// go-echarts lacks: a save-as-image with pixel ratio 2 and SVG, the page's
// font, and the mirroring Arabic needs (ECharts has no right-to-left mode).
// horizontal says the categories are on the y axis. The labels' wrapping
// and the sizes of text are left to charts.js, which knows the width the
// chart is drawn at.
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
	o["backgroundColor"] = "#ffffff"
	o["toolbox"] = map[string]any{
		"show": true, "left": map[bool]string{true: "left", false: "right"}[lang == "ar"],
		"feature": map[string]any{"saveAsImage": map[string]any{"pixelRatio": 2, "backgroundColor": "#ffffff", "name": "marsad-chart"}},
	}
	if t, ok := o["title"].(map[string]any); ok {
		t["left"] = map[bool]string{true: "right", false: "left"}[lang == "ar"]
		// A lone series is what the title says: its tooltip shows the
		// title rather than a placeholder name such as "n" or "index".
		if series, _ := o["series"].([]any); len(series) == 1 {
			if one, ok := series[0].(map[string]any); ok && t["text"] != nil {
				one["name"] = isolate(lang, fmt.Sprint(t["text"]))
			}
		}
	}
	o["grid"] = map[string]any{"containLabel": true, "left": 40, "right": 40, "top": 56, "bottom": 16}
	o["legend"] = map[string]any{"show": false} // one series: the title says what it is
	m := meta(o)
	m["rtl"] = lang == "ar"
	// Every category keeps its label: none is skipped for lack of room
	// (charts.js wraps, flips or makes the chart taller instead).
	if horizontal {
		m["wrap"] = "y"
		setAxis(o, "yAxis", map[string]any{"axisLabel": map[string]any{"interval": 0}})
	} else {
		m["wrap"] = "x"
		setAxis(o, "xAxis", map[string]any{"axisLabel": map[string]any{"interval": 0}})
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

// setAxis sets fields of a chart's first axis of that name, merging into
// the maps it already has (axisLabel, …) rather than replacing them.
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
	merge(first, set)
	o[name] = axes
}

// merge copies set into dst, merging maps found on both sides.
func merge(dst, set map[string]any) {
	for k, val := range set {
		inner, isMap := val.(map[string]any)
		old, hadMap := dst[k].(map[string]any)
		if isMap && hadMap {
			merge(old, inner)
			continue
		}
		dst[k] = val
	}
}

func pct(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) }

// fill is a bar's colour, outlined when the colour is too light to stand
// out against the white background on its own: under the 3:1 contrast
// WCAG 1.4.11 asks of graphics, i.e. a relative luminance above 0.3 (the
// first stages, the light levels, the lightest severity, planned actions).
func fill(color string) *opts.ItemStyle {
	st := &opts.ItemStyle{Color: color}
	if (1+0.05)/(luminance(color)+0.05) < 3 {
		st.BorderColor, st.BorderWidth = stageBorder, 1
	}
	return st
}

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
		data = append(data, opts.BarData{Value: s.Index, ItemStyle: fill(LevelColors[s.Level]),
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
		data = append(data, opts.BarData{Value: values[i], ItemStyle: fill(colors[i%len(colors)]),
			Label: &opts.Label{Show: opts.Bool(true), Position: "top"}})
		ch.Rows = append(ch.Rows, []string{l, strconv.Itoa(values[i])})
	}
	bar.SetXAxis(xs).AddSeries("n", data)
	ch.Option = finish(bar, lang, false)
	setAxis(ch.Option, "yAxis", map[string]any{"minInterval": 1})
	meta(ch.Option)["flip"] = true
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
		data = append(data, opts.BarData{Value: v, ItemStyle: fill(primary),
			Label: &opts.Label{Show: opts.Bool(true), Position: "top", Formatter: "{c}%"}})
		ch.Rows = append(ch.Rows, []string{l, pct(shares[i])})
	}
	bar.SetXAxis(xs).AddSeries("share", data)
	ch.Option = finish(bar, lang, false)
	meta(ch.Option)["flip"] = true
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

// Dim is a dimension as a chart names it: a short name for the axis (one
// or two words: survey.Section.Short) and the full title for the tooltip
// and the data table.
type Dim struct {
	Short, Full string
}

// DimsOf are a questionnaire's dimensions in lang, in their order.
func DimsOf(sections []survey.Section, lang string) []Dim {
	out := make([]Dim, len(sections))
	for i, s := range sections {
		out[i] = Dim{Short: s.Short(lang), Full: s.Title(lang)}
	}
	return out
}

// Radar compares series on the same dimensions, named by their full
// titles. RadarDims is the same with short axis names, which a radar
// holds far better; Radar stays for callers that have only titles (the
// labels are wrapped between words and the radar made to fit them).
func Radar(id, title string, dims []string, max float64, series []Series, lang string) Chart {
	ds := make([]Dim, len(dims))
	for i, d := range dims {
		ds[i] = Dim{Short: d, Full: d}
	}
	return RadarDims(id, title, ds, max, series, lang)
}

// seriesDashes and seriesSymbols tell a radar's lines apart without their
// colour, for readers who cannot tell the colours apart, and in print.
var (
	seriesDashes  = []string{"solid", "dashed", "dotted", "solid", "dashed"}
	seriesSymbols = []string{"circle", "rect", "triangle", "diamond", "roundRect"}
)

// RadarDims compares series on the same dimensions (an institution against
// the national average and the best in its sector, or up to five
// institutions), each axis 0 to max. The axes carry the short names; the
// tooltip and the data table the full ones. Where the labels go and how
// big the radar may be is worked out by charts.js for the size it is drawn
// at, so that no label is ever cut off.
func RadarDims(id, title string, dims []Dim, max float64, series []Series, lang string) Chart {
	radar := charts.NewRadar()
	var ind []*opts.Indicator
	var full []string
	for _, d := range dims {
		ind = append(ind, &opts.Indicator{Name: isolate(lang, d.Short), Max: float32(max)})
		full = append(full, isolate(lang, d.Full))
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
		row := []string{d.Full}
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
	m := meta(o)
	delete(m, "wrap")
	m["full"] = full
	var names []string
	for _, s := range series {
		names = append(names, isolate(lang, s.Name))
	}
	o["legend"] = map[string]any{"show": true, "bottom": 4, "data": names}
	o["color"] = SeriesColors
	o["tooltip"] = map[string]any{"trigger": "item"}
	if list, ok := o["series"].([]any); ok && len(list) > 0 {
		if one, ok := list[0].(map[string]any); ok {
			items, _ := one["data"].([]any)
			for i, it := range items {
				if item, ok := it.(map[string]any); ok {
					item["lineStyle"] = map[string]any{"type": seriesDashes[i%len(seriesDashes)], "width": 2}
					item["symbol"] = seriesSymbols[i%len(seriesSymbols)]
					item["symbolSize"] = 7
				}
			}
		}
	}
	if r, ok := o["radar"].(map[string]any); ok {
		// Arabic reads the dimensions clockwise from the top, as its text
		// runs right to left; English counter-clockwise.
		r["clockwise"] = lang == "ar"
		r["axisName"] = map[string]any{"color": "#1b1f23"}
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
// the last round (risers first), rises and falls in the levels' end colours.
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
		color := RiseColor
		if d < 0 {
			color = FallColor
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
// (columns, by their short names; the full ones in the tooltip and the
// table) coloured by score, 0 to max; a missing score stays blank.
// Height is what the chart needs for its rows, in pixels.
func Heatmap(id, title string, names []string, dims []Dim, values [][]*float64, max float64, lang string) Chart {
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	var xs, full []string
	head := []string{""}
	for _, d := range dims {
		xs = append(xs, isolate(lang, d.Short))
		full = append(full, isolate(lang, d.Full))
		head = append(head, d.Full)
	}
	ch := Chart{ID: id, Title: title, Head: head, Height: 160 + 26*len(names)}
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
	hm.SetXAxis(xs).AddSeries("score", data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}))
	o := finish(hm, lang, true)
	setAxis(o, "xAxis", map[string]any{"type": "category", "data": xs, "position": "top", "splitArea": map[string]any{"show": true},
		"axisLabel": map[string]any{"interval": 0}})
	setAxis(o, "yAxis", map[string]any{"type": "category", "data": ys, "inverse": true, "splitArea": map[string]any{"show": true}})
	if lang == "ar" {
		setAxis(o, "xAxis", map[string]any{"inverse": true})
		setAxis(o, "yAxis", map[string]any{"position": "right"})
	}
	m := meta(o)
	m["wrap"], m["full"] = "xy", full
	o["grid"] = map[string]any{"containLabel": true, "left": 16, "right": 16, "top": 80, "bottom": 64}
	o["tooltip"] = map[string]any{"trigger": "item"}
	// The colour key reads in the text's direction: low to high from the
	// right in Arabic.
	o["visualMap"] = map[string]any{"min": 0, "max": max, "calculable": true, "orient": "horizontal", "left": "center", "bottom": 4,
		"inverse": lang == "ar", "inRange": map[string]any{"color": HeatmapColors}}
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
	legend := stacked(bar, "stages", stages, StageColors[:], series, lang)
	bar.XYReversal()
	o := finish(bar, lang, true)
	setAxis(o, "yAxis", map[string]any{"type": "category", "inverse": true})
	setAxis(o, "xAxis", map[string]any{"type": "value", "max": 100, "axisLabel": map[string]any{"formatter": "{value}%"}})
	withLegend(o, legend)
	ch.Option = o
	return ch
}
