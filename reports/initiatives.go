package reports

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"marsad/survey"
)

// obstacleKinds is the order kinds are shown in: what an institution can
// fix itself first.
var obstacleKinds = []string{survey.ObstacleInternal, survey.ObstacleExternal}

// ObstacleRow is one obstacle's national tally in a round.
type ObstacleRow struct {
	Code         string
	Label        string                  // in the page's language
	Kind         string                  // survey.ObstacleInternal or survey.ObstacleExternal
	BySeverity   [survey.MaxSeverity]int // institutions citing it at severity 1, 2, 3
	Institutions int                     // institutions citing it
	Weighted     int                     // sum of severities
}

// dedupe keeps one citation per obstacle and institution (the most
// severe) and drops severities outside 1–MaxSeverity: the database allows
// neither, but a tally that counted an institution twice would overstate
// how widespread an obstacle is.
func dedupe(cites []survey.ObstacleCitation) []survey.ObstacleCitation {
	type key struct{ obstacle, institution string }
	at := map[key]int{}
	var out []survey.ObstacleCitation
	for _, c := range cites {
		if c.Severity < 1 || c.Severity > survey.MaxSeverity {
			continue
		}
		k := key{c.Obstacle.Code, c.InstitutionCode}
		if i, ok := at[k]; ok {
			if c.Severity > out[i].Severity {
				out[i].Severity = c.Severity
			}
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	return out
}

// AggregateObstacles tallies citations per obstacle: most cited first,
// then the heavier weighted severity, then the obstacle's place in the
// standard list and its code, so equal tallies always come out in the same
// order. An obstacle nobody cited has no row. Labels are in lang.
func AggregateObstacles(cites []survey.ObstacleCitation, lang string) []ObstacleRow {
	at := map[string]int{}
	position := map[string]int{}
	var rows []ObstacleRow
	for _, c := range dedupe(cites) {
		i, ok := at[c.Obstacle.Code]
		if !ok {
			i = len(rows)
			at[c.Obstacle.Code] = i
			position[c.Obstacle.Code] = c.Obstacle.Position
			rows = append(rows, ObstacleRow{Code: c.Obstacle.Code, Label: c.Obstacle.Label(lang), Kind: c.Obstacle.Kind})
		}
		r := &rows[i]
		r.BySeverity[c.Severity-1]++
		r.Institutions++
		r.Weighted += c.Severity
	}
	slices.SortFunc(rows, func(a, b ObstacleRow) int {
		return cmp.Or(cmp.Compare(b.Institutions, a.Institutions), cmp.Compare(b.Weighted, a.Weighted),
			cmp.Compare(position[a.Code], position[b.Code]), cmp.Compare(a.Code, b.Code))
	})
	return rows
}

// label is what a code map says, or the code itself: a missing
// translation should show something rather than an empty bar name.
func label(labels map[string]string, code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return code
}

// stacked adds series stacked on one another, and a legend at the bottom
// that reads from the right in Arabic, in the order the bars grow.
func stacked(bar *charts.Bar, stack string, names, colors []string, data [][]opts.BarData, lang string) []string {
	var legend []string
	for i, name := range names {
		name = isolate(lang, name)
		legend = append(legend, name)
		bar.AddSeries(name, data[i], charts.WithBarChartOpts(opts.BarChart{Stack: stack}),
			charts.WithItemStyleOpts(*fill(colors[i])))
	}
	if lang == "ar" {
		slices.Reverse(legend)
	}
	return legend
}

// withLegend shows the legend at the bottom and makes room for it; the
// tooltip gives every segment of a stacked bar at once.
func withLegend(o map[string]any, legend []string) {
	o["legend"] = map[string]any{"show": true, "bottom": 4, "data": legend}
	o["tooltip"] = map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}}
	o["grid"] = map[string]any{"containLabel": true, "left": 40, "right": 40, "top": 56, "bottom": 48}
}

// horizontalAxes puts the first row on top. Long names are wrapped
// between words by charts.js, to at most about a third of the chart's
// width, so that they never squeeze the bars.
func horizontalAxes(o map[string]any) {
	setAxis(o, "yAxis", map[string]any{"type": "category", "inverse": true})
}

// ObstaclesRanked is a horizontal bar per obstacle, most cited on top,
// each bar stacked by severity so a widespread nuisance and a rarer
// blocker read apart. severity names the severities 1–3 and kinds the
// obstacle kinds. Head is "obstacle", "kind", the three severity names,
// "institutions", "weighted"; Height is what the chart needs for its rows.
func ObstaclesRanked(id, title string, rows []ObstacleRow, severity [survey.MaxSeverity]string, kinds map[string]string, lang string) Chart {
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	ch := Chart{ID: id, Title: title, Head: append(append([]string{"obstacle", "kind"}, severity[:]...), "institutions", "weighted"),
		Height: 140 + 30*len(rows)}
	var ys []string
	data := make([][]opts.BarData, survey.MaxSeverity)
	for _, r := range rows {
		ys = append(ys, isolate(lang, r.Label))
		row := []string{r.Label, label(kinds, r.Kind)}
		for s, n := range r.BySeverity {
			data[s] = append(data[s], opts.BarData{Value: n})
			row = append(row, strconv.Itoa(n))
		}
		ch.Rows = append(ch.Rows, append(row, strconv.Itoa(r.Institutions), strconv.Itoa(r.Weighted)))
	}
	bar.SetXAxis(ys)
	legend := stacked(bar, "severity", severity[:], SeverityColors[:], data, lang)
	bar.XYReversal()
	o := finish(bar, lang, true)
	horizontalAxes(o)
	setAxis(o, "xAxis", map[string]any{"type": "value", "minInterval": 1})
	withLegend(o, legend)
	ch.Option = o
	return ch
}

// kindTally is one obstacle kind's citations, citing institutions and
// mean severity (one decimal; meanText is "" when nobody cited it).
type kindTally struct {
	kind, label, meanText   string
	citations, institutions int
	mean                    float64
}

// tallyKinds counts citations by kind, in obstacleKinds order.
func tallyKinds(cites []survey.ObstacleCitation, kinds map[string]string) []kindTally {
	cites = dedupe(cites)
	var out []kindTally
	for _, k := range obstacleKinds {
		t := kindTally{kind: k, label: label(kinds, k)}
		sum := 0
		insts := map[string]bool{}
		for _, c := range cites {
			if c.Obstacle.Kind == k {
				t.citations++
				sum += c.Severity
				insts[c.InstitutionCode] = true
			}
		}
		t.institutions = len(insts)
		if t.citations > 0 {
			t.mean = math.Round(float64(sum)/float64(t.citations)*10) / 10
			t.meanText = strconv.FormatFloat(t.mean, 'f', 1, 64)
		}
		out = append(out, t)
	}
	return out
}

// kindTable is the data table both kind charts share. Head is "kind",
// "citations", "institutions", "mean severity".
func kindTable(tallies []kindTally) ([]string, [][]string) {
	var rows [][]string
	for _, t := range tallies {
		rows = append(rows, []string{t.label, strconv.Itoa(t.citations), strconv.Itoa(t.institutions), t.meanText})
	}
	return []string{"kind", "citations", "institutions", "mean severity"}, rows
}

// ObstaclesByKind sets obstacles inside institutions' control against
// those outside it by how often each kind is cited: one count axis, one
// colour per kind. How severe each kind is rated is a chart of its own
// (ObstacleSeverityByKind) rather than a second axis on this one, where
// bars of counts and bars of a 1–3 mean would look comparable and are
// not. kinds names the kinds; Head is "kind", "citations",
// "institutions", "mean severity".
func ObstaclesByKind(id, title string, cites []survey.ObstacleCitation, kinds map[string]string, lang string) Chart {
	tallies := tallyKinds(cites, kinds)
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1}))
	ch := Chart{ID: id, Title: title}
	ch.Head, ch.Rows = kindTable(tallies)
	var xs []string
	var counts []opts.BarData
	for _, t := range tallies {
		xs = append(xs, isolate(lang, t.label))
		counts = append(counts, opts.BarData{Value: t.citations, ItemStyle: fill(KindColors[t.kind]),
			Label: &opts.Label{Show: opts.Bool(true), Position: "top"}})
	}
	bar.SetXAxis(xs).AddSeries("citations", counts)
	ch.Option = finish(bar, lang, false)
	meta(ch.Option)["flip"] = true
	return ch
}

// ObstacleSeverityByKind is the mean severity institutions give each kind
// of obstacle, on a fixed 1–3 axis whose ticks are named by severity
// (severity names 1–3), so that a kind cited less but rated more severe
// stands out honestly. A kind nobody cited has no bar. Head is as
// ObstaclesByKind's.
func ObstacleSeverityByKind(id, title string, cites []survey.ObstacleCitation, kinds map[string]string, severity [survey.MaxSeverity]string, lang string) Chart {
	tallies := tallyKinds(cites, kinds)
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	ch := Chart{ID: id, Title: title}
	ch.Head, ch.Rows = kindTable(tallies)
	var xs []string
	var means []opts.BarData
	for _, t := range tallies {
		xs = append(xs, isolate(lang, t.label))
		d := opts.BarData{Value: t.mean, ItemStyle: fill(SeverityColors[min(max(int(math.Round(t.mean)), 1), survey.MaxSeverity)-1]),
			Label: &opts.Label{Show: opts.Bool(true), Position: "top"}}
		if t.citations == 0 {
			d.Value, d.Label = "-", nil // no bar, rather than a mean of 0 nobody gave
		}
		means = append(means, d)
	}
	bar.SetXAxis(xs).AddSeries("mean", means)
	o := finish(bar, lang, false)
	// The axis is the severity scale itself: 1 = the first name, 3 the
	// last, whatever the data, so two rounds' charts read alike.
	var ticks []string
	for i, s := range severity {
		ticks = append(ticks, strconv.Itoa(i+1)+" "+s)
	}
	setAxis(o, "yAxis", map[string]any{"type": "value", "min": 0, "max": survey.MaxSeverity, "interval": 1})
	meta(o)["flip"] = true
	meta(o)["ticks"] = ticks
	ch.Option = o
	return ch
}

// ObstaclesByRegion is a horizontal bar per region, in the order given,
// stacked internal then external, so a region held back by what is
// outside its institutions' hands stands out. A region nobody cited an
// obstacle in has no bar; regions of citations missing from regions come
// last, by code. regionLabels and kinds name regions and kinds. Head is
// "region", then the two kind names, then "total".
func ObstaclesByRegion(id, title string, cites []survey.ObstacleCitation, regions []string, regionLabels, kinds map[string]string, lang string) Chart {
	count := map[string]*[2]int{}
	var extra []string
	for _, c := range dedupe(cites) {
		k := slices.Index(obstacleKinds, c.Obstacle.Kind)
		if k < 0 {
			continue
		}
		n := count[c.Region]
		if n == nil {
			n = &[2]int{}
			count[c.Region] = n
			if !slices.Contains(regions, c.Region) {
				extra = append(extra, c.Region)
			}
		}
		n[k]++
	}
	slices.Sort(extra)
	var order []string
	for _, r := range append(slices.Clone(regions), extra...) {
		if count[r] != nil && !slices.Contains(order, r) {
			order = append(order, r)
		}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	var kindNames, colors []string
	for _, k := range obstacleKinds {
		kindNames = append(kindNames, label(kinds, k))
		colors = append(colors, KindColors[k])
	}
	ch := Chart{ID: id, Title: title, Head: append(append([]string{"region"}, kindNames...), "total"), Height: 140 + 30*len(order)}
	var ys []string
	data := make([][]opts.BarData, len(obstacleKinds))
	for _, r := range order {
		l := label(regionLabels, r)
		ys = append(ys, isolate(lang, l))
		n := count[r]
		for k := range obstacleKinds {
			data[k] = append(data[k], opts.BarData{Value: n[k]})
		}
		ch.Rows = append(ch.Rows, []string{l, strconv.Itoa(n[0]), strconv.Itoa(n[1]), strconv.Itoa(n[0] + n[1])})
	}
	bar.SetXAxis(ys)
	legend := stacked(bar, "kind", kindNames, colors, data, lang)
	bar.XYReversal()
	o := finish(bar, lang, true)
	horizontalAxes(o)
	setAxis(o, "xAxis", map[string]any{"type": "value", "minInterval": 1})
	withLegend(o, legend)
	ch.Option = o
	return ch
}

// InitiativeCounts counts initiatives by status, in
// survey.InitiativeStatuses order, and by partner type, in
// survey.PartnerTypes order, for Counts. An initiative with two partners
// of one type counts once for it: the chart is about how many initiatives
// involve, say, universities, not how many universities there are.
func InitiativeCounts(list []survey.Initiative) (byStatus, byPartner []int) {
	byStatus = make([]int, len(survey.InitiativeStatuses))
	byPartner = make([]int, len(survey.PartnerTypes))
	for _, in := range list {
		if i := slices.Index(survey.InitiativeStatuses, in.Status); i >= 0 {
			byStatus[i]++
		}
		for i, t := range survey.PartnerTypes {
			if in.HasPartner(t) {
				byPartner[i]++
			}
		}
	}
	return byStatus, byPartner
}

// PlanChartRows is how many institutions the plan completion chart draws at most.
const PlanChartRows = 40

// PlanCompletion is a horizontal bar per institution of the share of its
// action plan at each outcome (survey.PlanOutcomes order), best share done
// on top, so a short plan and a long one compare; the table keeps the
// counts. An action without an outcome gets the one its own progress
// gives; one with an unknown outcome is left out. outcomes names the
// outcomes. Head is "institution", the four outcome names, "n", "% done";
// Height is what the chart needs for its rows.
func PlanCompletion(id, title string, plans []survey.PlanAction, outcomes map[string]string, lang string) Chart {
	type inst struct {
		code, name string
		n          []int
		total      int
	}
	at := map[string]int{}
	var list []inst
	for _, p := range plans {
		out := p.Outcome
		if out == "" {
			out = survey.PlanOutcome(p, nil)
		}
		o := slices.Index(survey.PlanOutcomes, out)
		if o < 0 {
			continue
		}
		i, ok := at[p.InstitutionCode]
		if !ok {
			i = len(list)
			at[p.InstitutionCode] = i
			list = append(list, inst{code: p.InstitutionCode, name: p.InstitutionName(lang), n: make([]int, len(survey.PlanOutcomes))})
		}
		list[i].n[o]++
		list[i].total++
	}
	done := slices.Index(survey.PlanOutcomes, survey.OutcomeDone)
	slices.SortFunc(list, func(a, b inst) int {
		// Shares compared by cross-multiplying: exact, no rounding ties.
		return cmp.Or(cmp.Compare(b.n[done]*a.total, a.n[done]*b.total), cmp.Compare(a.name, b.name), cmp.Compare(a.code, b.code))
	})
	var names, colors []string
	for _, o := range survey.PlanOutcomes {
		names = append(names, label(outcomes, o))
		colors = append(colors, OutcomeColors[o])
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}))
	// Past PlanChartRows institutions the bars show the best and the worst
	// halves (a chart thousands of pixels tall reads as nothing); the table
	// keeps every institution.
	shown := func(i int) bool {
		return len(list) <= PlanChartRows || i < PlanChartRows/2 || i >= len(list)-PlanChartRows/2
	}
	ch := Chart{ID: id, Title: title, Head: append(append([]string{"institution"}, names...), "n", "% done"), Height: 160 + 26*min(len(list), PlanChartRows)}
	var ys []string
	data := make([][]opts.BarData, len(survey.PlanOutcomes))
	for i, in := range list {
		if shown(i) {
			ys = append(ys, isolate(lang, in.name))
		}
		row := []string{in.name}
		for o, n := range in.n {
			if shown(i) {
				share, _ := strconv.ParseFloat(pct(float64(n)/float64(in.total)), 64)
				data[o] = append(data[o], opts.BarData{Value: share})
			}
			row = append(row, strconv.Itoa(n))
		}
		ch.Rows = append(ch.Rows, append(row, strconv.Itoa(in.total), pct(float64(in.n[done])/float64(in.total))))
	}
	bar.SetXAxis(ys)
	legend := stacked(bar, "outcome", names, colors, data, lang)
	bar.XYReversal()
	o := finish(bar, lang, true)
	horizontalAxes(o)
	setAxis(o, "xAxis", map[string]any{"type": "value", "max": 100, "axisLabel": map[string]any{"formatter": "{value}%"}})
	withLegend(o, legend)
	ch.Option = o
	return ch
}
