package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"marsad/survey"
)

const (
	scriptName = `</script><script>alert(1)</script>`
	imgName    = `"><img src=x onerror=alert(1)>`
)

// sampleCitations: C is cited most (by 3, lightly); A and B tie on
// institutions and weight, so the list's position decides; E and D tie
// too; E is cited twice by one institution (counted once, most severe);
// G has impossible severities and must not appear anywhere.
func sampleCitations() []survey.ObstacleCitation {
	ob := func(code, kind, ar, en string, pos int) survey.Obstacle {
		return survey.Obstacle{Code: code, Kind: kind, LabelAr: ar, LabelEn: en, Position: pos, Active: true}
	}
	a := ob("a", survey.ObstacleInternal, "الميزانية", "Budget", 1)
	b := ob("b", survey.ObstacleExternal, scriptName, "", 2)
	c := ob("c", survey.ObstacleExternal, imgName, "", 0)
	d := ob("d", survey.ObstacleInternal, "د", "D", 5)
	e := ob("e", survey.ObstacleInternal, "هـ", "E", 4)
	f := ob("f", survey.ObstacleInternal, "و", "F", 0)
	g := ob("g", survey.ObstacleInternal, "ز", "G", 3)
	cite := func(o survey.Obstacle, inst, region string, sev int) survey.ObstacleCitation {
		return survey.ObstacleCitation{Obstacle: o, InstitutionCode: inst, Region: region, Severity: sev}
	}
	return []survey.ObstacleCitation{
		cite(a, "I1", "gaza", 3), cite(a, "I2", "north", 1),
		cite(b, "I1", "gaza", 2), cite(b, "I3", "hebron", 2),
		cite(c, "I1", "gaza", 1), cite(c, "I2", "north", 1), cite(c, "I3", "hebron", 1),
		cite(d, "I3", "hebron", 3),
		cite(e, "I1", "gaza", 2), cite(e, "I1", "gaza", 3),
		cite(f, "I4", "north", 1),
		cite(g, "I2", "north", 0), cite(g, "I3", "hebron", 4),
	}
}

var (
	kindLabels = map[string]string{survey.ObstacleInternal: "Internal", survey.ObstacleExternal: "External"}
	severities = [survey.MaxSeverity]string{"minor", "moderate", "severe"}
)

// seriesValues reads series i's values, one per category.
func seriesValues(t *testing.T, o map[string]any, i int) []float64 {
	t.Helper()
	series, _ := o["series"].([]any)
	if i >= len(series) {
		t.Fatalf("no series %d in %v", i, o["series"])
	}
	var out []float64
	for _, d := range series[i].(map[string]any)["data"].([]any) {
		out = append(out, d.(map[string]any)["value"].(float64))
	}
	return out
}

func legendData(t *testing.T, o map[string]any) []string {
	t.Helper()
	l, _ := o["legend"].(map[string]any)
	if l["show"] != true || fmt.Sprint(l["bottom"]) != "4" {
		t.Errorf("legend not shown at the bottom: %v", l)
	}
	var out []string
	switch d := l["data"].(type) {
	case []string:
		out = d
	case []any:
		for _, s := range d {
			out = append(out, s.(string))
		}
	}
	return out
}

func isolated(lang string, names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, isolate(lang, n))
	}
	return out
}

func noMarkup(t *testing.T, ch Chart) {
	t.Helper()
	js := ch.OptionJSON()
	for _, raw := range []string{"<script", "</script>", "<img", `"><`} {
		if strings.Contains(js, raw) {
			t.Errorf("%s: %q raw in the option JSON", ch.ID, raw)
		}
	}
}

// mirrored checks a horizontal chart: names on the right and bars growing
// leftwards in Arabic, the usual way round in English, first row on top.
func mirrored(t *testing.T, o map[string]any, lang string) {
	t.Helper()
	ar := lang == "ar"
	y := axis(t, o, "yAxis")
	if (y["position"] == "right") != ar || y["inverse"] != true || y["type"] != "category" {
		t.Errorf("%s category axis %v", lang, y)
	}
	if x := axis(t, o, "xAxis"); (x["inverse"] == true) != ar || x["type"] != "value" {
		t.Errorf("%s value axis %v", lang, x)
	}
}

func TestAggregateObstacles(t *testing.T) {
	cases := []struct {
		lang string
		want []ObstacleRow
	}{
		{"en", []ObstacleRow{
			{Code: "c", Label: imgName, Kind: "external", BySeverity: [3]int{3, 0, 0}, Institutions: 3, Weighted: 3},
			{Code: "a", Label: "Budget", Kind: "internal", BySeverity: [3]int{1, 0, 1}, Institutions: 2, Weighted: 4},
			{Code: "b", Label: scriptName, Kind: "external", BySeverity: [3]int{0, 2, 0}, Institutions: 2, Weighted: 4},
			{Code: "e", Label: "E", Kind: "internal", BySeverity: [3]int{0, 0, 1}, Institutions: 1, Weighted: 3},
			{Code: "d", Label: "D", Kind: "internal", BySeverity: [3]int{0, 0, 1}, Institutions: 1, Weighted: 3},
			{Code: "f", Label: "F", Kind: "internal", BySeverity: [3]int{1, 0, 0}, Institutions: 1, Weighted: 1},
		}},
	}
	for _, tc := range cases {
		got := AggregateObstacles(sampleCitations(), tc.lang)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s\n got %v\nwant %v", tc.lang, got, tc.want)
		}
	}
	if got := AggregateObstacles(sampleCitations(), "ar"); got[1].Label != "الميزانية" {
		t.Errorf("Arabic label %q", got[1].Label)
	}
	// The order does not depend on the order citations come in.
	rev := sampleCitations()
	slices.Reverse(rev)
	if fmt.Sprint(AggregateObstacles(rev, "en")) != fmt.Sprint(cases[0].want) {
		t.Error("order depends on the input's order")
	}
	if len(AggregateObstacles(nil, "en")) != 0 {
		t.Error("rows from no citations")
	}
}

func TestObstaclesRanked(t *testing.T) {
	rows := AggregateObstacles(sampleCitations(), "en")
	want := [][]string{
		{imgName, "External", "3", "0", "0", "3", "3"},
		{"Budget", "Internal", "1", "0", "1", "2", "4"},
		{scriptName, "External", "0", "2", "0", "2", "4"},
		{"E", "Internal", "0", "0", "1", "1", "3"},
		{"D", "Internal", "0", "0", "1", "1", "3"},
		{"F", "Internal", "1", "0", "0", "1", "1"},
	}
	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			ch := ObstaclesRanked("obs", "Obstacles", rows, severities, kindLabels, lang)
			if ch.Height != 140+30*6 {
				t.Errorf("height %d", ch.Height)
			}
			if fmt.Sprint(ch.Head) != fmt.Sprint([]string{"obstacle", "kind", "minor", "moderate", "severe", "institutions", "weighted"}) {
				t.Errorf("head %v", ch.Head)
			}
			if fmt.Sprint(ch.Rows) != fmt.Sprint(want) {
				t.Errorf("table\n%v\nwant\n%v", ch.Rows, want)
			}
			// Each bar's segments add up to the institutions citing it.
			for r, row := range rows {
				sum := 0.0
				for s := range survey.MaxSeverity {
					v := seriesValues(t, ch.Option, s)[r]
					if v != float64(row.BySeverity[s]) {
						t.Errorf("row %d severity %d: %v", r, s+1, v)
					}
					sum += v
				}
				if sum != float64(row.Institutions) {
					t.Errorf("row %d adds up to %v, want %d", r, sum, row.Institutions)
				}
			}
			series := ch.Option["series"].([]any)
			for s, one := range series {
				m := one.(map[string]any)
				if m["stack"] != "severity" || m["itemStyle"].(map[string]any)["color"] != SeverityColors[s] {
					t.Errorf("series %d: %v", s, m)
				}
			}
			mirrored(t, ch.Option, lang)
			wantLegend := isolated(lang, severities[:]...)
			if lang == "ar" {
				slices.Reverse(wantLegend)
			}
			if got := legendData(t, ch.Option); !slices.Equal(got, wantLegend) {
				t.Errorf("legend %q, want %q", got, wantLegend)
			}
			noMarkup(t, ch)
			if lang == "ar" && !strings.Contains(ch.OptionJSON(), "\u2067Budget\u2069") {
				t.Error("Arabic category labels not isolated")
			}
		})
	}
}

// TestObstaclesByKind: counts and mean severity are two charts, each with
// one honest axis, sharing one table; not bars of both on twin axes.
func TestObstaclesByKind(t *testing.T) {
	// Internal: A(3,1) E(3, duplicate dropped) D(3) F(1) by I1 I2 I3 I4;
	// external: B(2,2) C(1,1,1) by I1 I2 I3; G's severities are invalid.
	want := [][]string{{"Internal", "5", "4", "2.2"}, {"External", "5", "3", "1.4"}}
	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			ar := lang == "ar"
			count := ObstaclesByKind("kind", "By kind", sampleCitations(), kindLabels, lang)
			sev := ObstacleSeverityByKind("sev", "Severity", sampleCitations(), kindLabels, severities, lang)
			for _, ch := range []Chart{count, sev} {
				if fmt.Sprint(ch.Rows) != fmt.Sprint(want) || len(ch.Head) != 4 {
					t.Errorf("%s table %v %v", ch.ID, ch.Head, ch.Rows)
				}
				if series := ch.Option["series"].([]any); len(series) != 1 {
					t.Errorf("%s: %d series, want one", ch.ID, len(series))
				}
				if axes := ch.Option["yAxis"].([]any); len(axes) != 1 {
					t.Errorf("%s: %d value axes, want one", ch.ID, len(axes))
				}
				if x := axis(t, ch.Option, "xAxis"); (x["inverse"] == true) != ar {
					t.Errorf("%s kind axis %v", ch.ID, x)
				}
				if y := axis(t, ch.Option, "yAxis"); (y["position"] == "right") != ar {
					t.Errorf("%s value axis not mirrored: %v", ch.ID, y)
				}
				noMarkup(t, ch)
			}
			if got := seriesValues(t, count.Option, 0); !slices.Equal(got, []float64{5, 5}) {
				t.Errorf("citations %v", got)
			}
			if got := seriesValues(t, sev.Option, 0); !slices.Equal(got, []float64{2.2, 1.4}) {
				t.Errorf("mean severity %v", got)
			}
			y := axis(t, sev.Option, "yAxis")
			if y["max"] != float64(survey.MaxSeverity) || y["min"] != 0.0 || y["interval"] != 1.0 {
				t.Errorf("severity axis %v", y)
			}
			// The ticks are the severity names, for charts.js to label the axis.
			ticks, _ := sev.Option["marsad"].(map[string]any)["ticks"].([]string)
			if !slices.Equal(ticks, []string{"1 minor", "2 moderate", "3 severe"}) {
				t.Errorf("severity ticks %q", ticks)
			}
		})
	}
	empty := ObstaclesByKind("kind", "By kind", nil, kindLabels, "en")
	if fmt.Sprint(empty.Rows) != fmt.Sprint([][]string{{"Internal", "0", "0", ""}, {"External", "0", "0", ""}}) {
		t.Errorf("no citations: %v", empty.Rows)
	}
	// A kind nobody cited has no bar, not a mean severity of 0.
	sev := ObstacleSeverityByKind("sev", "Severity", nil, kindLabels, severities, "en")
	if !strings.Contains(sev.OptionJSON(), `"value":"-"`) || strings.Contains(sev.OptionJSON(), `"value":0`) {
		t.Errorf("empty severity chart: %s", sev.OptionJSON())
	}
}

func TestObstaclesByRegion(t *testing.T) {
	regions := []string{"north", "gaza", "khan"} // khan: nobody cited anything
	labels := map[string]string{"north": "North Gaza", "gaza": imgName, "khan": "Khan Younis"}
	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			ch := ObstaclesByRegion("reg", "By region", sampleCitations(), regions, labels, kindLabels, lang)
			// hebron is not in regions: it comes last, under its code.
			want := [][]string{{"North Gaza", "2", "1", "3"}, {imgName, "2", "2", "4"}, {"hebron", "1", "2", "3"}}
			if fmt.Sprint(ch.Rows) != fmt.Sprint(want) {
				t.Errorf("table\n%v\nwant\n%v", ch.Rows, want)
			}
			if fmt.Sprint(ch.Head) != fmt.Sprint([]string{"region", "Internal", "External", "total"}) {
				t.Errorf("head %v", ch.Head)
			}
			if ch.Height != 140+30*3 {
				t.Errorf("height %d", ch.Height)
			}
			in, ex := seriesValues(t, ch.Option, 0), seriesValues(t, ch.Option, 1)
			for r, row := range want {
				if fmt.Sprint(in[r]+ex[r]) != row[3] {
					t.Errorf("row %d: %v + %v, want %s", r, in[r], ex[r], row[3])
				}
			}
			mirrored(t, ch.Option, lang)
			wantLegend := isolated(lang, "Internal", "External")
			if lang == "ar" {
				slices.Reverse(wantLegend)
			}
			if got := legendData(t, ch.Option); !slices.Equal(got, wantLegend) {
				t.Errorf("legend %q, want %q", got, wantLegend)
			}
			noMarkup(t, ch)
			if strings.Contains(ch.OptionJSON(), "Khan Younis") {
				t.Error("a region without citations has a bar")
			}
		})
	}
}

func TestInitiativeCounts(t *testing.T) {
	p := func(types ...string) []survey.Partner {
		var out []survey.Partner
		for _, ty := range types {
			out = append(out, survey.Partner{Type: ty, Name: ty + " partner"})
		}
		return out
	}
	cases := []struct {
		name                string
		list                []survey.Initiative
		status, partnerType []int // statuses: planned, in_progress, done; types: private, university, donor, ngo, public
	}{
		{"none", nil, []int{0, 0, 0}, []int{0, 0, 0, 0, 0}},
		{"mixed", []survey.Initiative{
			{Status: "planned", Partners: p("university", "university", "donor")},
			{Status: "done", Partners: p("university")},
			{Status: "done"},
			{Status: "unknown", Partners: p("public", "ngo", "ngo", "other")},
		}, []int{1, 0, 2}, []int{0, 2, 1, 1, 1}},
	}
	for _, tc := range cases {
		status, partners := InitiativeCounts(tc.list)
		if !slices.Equal(status, tc.status) || !slices.Equal(partners, tc.partnerType) {
			t.Errorf("%s: status %v partners %v, want %v %v", tc.name, status, partners, tc.status, tc.partnerType)
		}
	}
}

func TestPlanCompletion(t *testing.T) {
	act := func(code, ar, en, outcome string) survey.PlanAction {
		return survey.PlanAction{InstitutionCode: code, InstitutionAr: ar, InstitutionEn: en, Outcome: outcome}
	}
	var plans []survey.PlanAction
	add := func(code, ar, en string, outcomes ...string) {
		for _, o := range outcomes {
			plans = append(plans, act(code, ar, en, o))
		}
	}
	add("B", "وزارة ب", "Beta", "done", "in_progress", "in_progress")
	add("X", "وزارة س", scriptName, "planned", "bogus")
	add("D", "وزارة د", "Delta", "slipped", "done")
	add("A", "وزارة أ", "Alpha", "done", "slipped", "done", "planned")
	add("G", "وزارة ج", "Gamma", "done", "done", "done")
	add("Z", "وزارة ز", "Zeta", "bogus") // nothing counted: no bar
	// No outcome yet: the institution's own progress says where it stands.
	plans = append(plans, survey.PlanAction{InstitutionCode: "X", InstitutionAr: "وزارة س", InstitutionEn: scriptName, Progress: "in_progress"})
	outcomes := map[string]string{"done": "Done", "in_progress": "In progress", "planned": "Planned", "slipped": "Slipped"}
	cases := []struct {
		lang  string
		names []string // Alpha and Delta tie at 50 %: by name
	}{
		{"en", []string{"Gamma", "Alpha", "Delta", "Beta", scriptName}},
		{"ar", []string{"وزارة ج", "وزارة أ", "وزارة د", "وزارة ب", "وزارة س"}},
	}
	counts := [][]string{
		{"3", "0", "0", "0", "3", "100.0"},
		{"2", "0", "1", "1", "4", "50.0"},
		{"1", "0", "0", "1", "2", "50.0"},
		{"1", "2", "0", "0", "3", "33.3"},
		{"0", "1", "1", "0", "2", "0.0"},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			ch := PlanCompletion("plans", "Plans", plans, outcomes, tc.lang)
			var want [][]string
			for i, n := range tc.names {
				want = append(want, append([]string{n}, counts[i]...))
			}
			if fmt.Sprint(ch.Rows) != fmt.Sprint(want) {
				t.Errorf("table\n%v\nwant\n%v", ch.Rows, want)
			}
			if fmt.Sprint(ch.Head) != fmt.Sprint([]string{"institution", "Done", "In progress", "Planned", "Slipped", "n", "% done"}) {
				t.Errorf("head %v", ch.Head)
			}
			if ch.Height != 160+26*5 {
				t.Errorf("height %d", ch.Height)
			}
			// Shares add up to 100 % for every institution.
			for r := range want {
				sum := 0.0
				for o := range survey.PlanOutcomes {
					sum += seriesValues(t, ch.Option, o)[r]
				}
				if math.Abs(sum-100) > 0.2 {
					t.Errorf("row %d adds up to %v", r, sum)
				}
			}
			if got := seriesValues(t, ch.Option, 0); !slices.Equal(got, []float64{100, 50, 50, 33.3, 0}) {
				t.Errorf("done shares %v", got)
			}
			series := ch.Option["series"].([]any)
			for o, name := range survey.PlanOutcomes {
				m := series[o].(map[string]any)
				if m["stack"] != "outcome" || m["itemStyle"].(map[string]any)["color"] != OutcomeColors[name] {
					t.Errorf("series %s: %v", name, m)
				}
			}
			mirrored(t, ch.Option, tc.lang)
			if x := axis(t, ch.Option, "xAxis"); x["max"] != 100.0 {
				t.Errorf("share axis %v", x)
			}
			wantLegend := isolated(tc.lang, "Done", "In progress", "Planned", "Slipped")
			if tc.lang == "ar" {
				slices.Reverse(wantLegend)
			}
			if got := legendData(t, ch.Option); !slices.Equal(got, wantLegend) {
				t.Errorf("legend %q, want %q", got, wantLegend)
			}
			noMarkup(t, ch)
		})
	}
}

// TestPlanCompletionManyInstitutions: past PlanChartRows institutions the
// chart draws the best and the worst halves; the table keeps them all.
func TestPlanCompletionManyInstitutions(t *testing.T) {
	var plans []survey.PlanAction
	for i := range 100 {
		code := fmt.Sprintf("I%03d", i)
		for k := range 4 {
			out := survey.OutcomeSlipped
			if k < i%5 {
				out = survey.OutcomeDone
			}
			plans = append(plans, survey.PlanAction{InstitutionCode: code, InstitutionAr: "مؤسسة " + code, Outcome: out})
		}
	}
	ch := PlanCompletion("p", "Plans", plans, nil, "ar")
	if len(ch.Rows) != 100 {
		t.Errorf("table has %d rows, want 100", len(ch.Rows))
	}
	y := axis(t, ch.Option, "yAxis")
	names, _ := y["data"].([]any)
	if len(names) != PlanChartRows || ch.Height != 160+26*PlanChartRows {
		t.Fatalf("chart draws %d rows, height %d", len(names), ch.Height)
	}
	first, last := names[0].(string), names[len(names)-1].(string)
	if !strings.Contains(first, ch.Rows[0][0]) || !strings.Contains(last, ch.Rows[99][0]) {
		t.Errorf("chart rows %q … %q, want the best %q … the worst %q", first, last, ch.Rows[0][0], ch.Rows[99][0])
	}
}
