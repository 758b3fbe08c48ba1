package reports

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"marsad/survey"
)

// fakeT stands for a locale: "[key]", or "[key:arg,arg]" with arguments,
// so a test sees which key every header and cell came from.
func fakeT(key string, args ...any) string {
	if len(args) == 0 {
		return "[" + key + "]"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprint(a)
	}
	return "[" + key + ":" + strings.Join(parts, ",") + "]"
}

func fakeLocale(lang string) Locale {
	return Locale{Lang: lang, T: fakeT, Sector: func(k string) string { return "{" + k + "}" }}
}

func ptr[T any](x T) *T { return &x }

// testDef is a two-dimension questionnaire on 0–100 with three levels.
func testDef() *survey.Definition {
	return &survey.Definition{
		Model: survey.Model{Scale: 100, Precision: 1, Levels: []survey.Level{
			{Key: "high", Min: 0.7, LabelAr: "متقدم", LabelEn: "Advanced"},
			{Key: "middle", Min: 0.4, LabelAr: "متوسط", LabelEn: "Developing"},
			{Key: "low", Min: 0, LabelAr: "ناشئ", LabelEn: "Emerging"},
		}},
		Sections: []survey.Section{
			{ID: "A", TitleAr: "القيادة", TitleEn: "Leadership"},
			{ID: "B", TitleAr: "الخدمات", TitleEn: "Services"},
		},
		Items: []survey.Item{
			{Section: "A", ID: "A1", Type: survey.TypeYesNo, LabelAr: "استراتيجية", LabelEn: "Strategy", Weight: 1},
			{Section: "A", ID: "A2", Type: survey.TypeMulti, LabelAr: "قنوات", LabelEn: "Channels", Weight: 1, Options: []survey.Option{
				{Value: "web", LabelAr: "ويب", LabelEn: "Web", Points: 1}, {Value: "app", LabelAr: "تطبيق", LabelEn: "App", Points: 1}}},
			{Section: "B", ID: "B1", Type: survey.TypeMetric, Metric: "mean_stage", LabelAr: "المرحلة", LabelEn: "Stage", Weight: 1},
			{Section: "B", ID: "B2", Type: survey.TypeMetric, Metric: "share_stage3", LabelAr: "نسبة", LabelEn: "Share", Weight: 1},
			{Section: "B", ID: "B3", Type: survey.TypeText, LabelAr: "ملاحظات", LabelEn: "Notes"},
		},
	}
}

// testScores is a ranking of five in rank order: two health ministries,
// an education one, a municipality; DeltaIndex on three of them.
func testScores() []survey.InstitutionScore {
	return []survey.InstitutionScore{
		{Code: "MOH", NameAr: "الصحة", NameEn: "Health", Sector: "health", Kind: "ministry", Region: "national", Index: 80, Level: "high", Rank: 1,
			Dimensions: map[string]float64{"A": 90, "B": 70}, DeltaIndex: ptr(5.0), DeltaRank: ptr(2)},
		{Code: "MOE", NameAr: "التربية", NameEn: "Education", Sector: "education", Kind: "ministry", Region: "national", Index: 60, Level: "middle", Rank: 2,
			Dimensions: map[string]float64{"A": 50, "B": 70}, DimensionRanks: map[string]int{"A": 4, "B": 1}, DeltaIndex: ptr(-2.0)},
		{Code: "HOS", NameAr: "المستشفيات", NameEn: "", Sector: "health", Kind: "authority", Region: "north", Index: 50, Level: "middle", Rank: 3,
			Dimensions: map[string]float64{"A": 60}},
		{Code: "MUN", NameAr: "البلدية", NameEn: "Municipality", Sector: "local", Kind: "municipality", Region: "south", Index: 30, Level: "low", Rank: 4,
			Dimensions: map[string]float64{"A": 20, "B": 40}, DeltaIndex: ptr(12.0)},
		{Code: "MOJ", NameAr: "العدل", NameEn: "Justice", Sector: "justice", Kind: "ministry", Region: "national", Index: 20, Level: "low", Rank: 5,
			Dimensions: map[string]float64{"A": 10, "B": 30}},
	}
}

func chartByID(t *testing.T, charts []Chart, id string) Chart {
	t.Helper()
	for _, ch := range charts {
		if ch.ID == id {
			return ch
		}
	}
	var ids []string
	for _, ch := range charts {
		ids = append(ids, ch.ID)
	}
	t.Fatalf("no chart %s among %v", id, ids)
	return Chart{}
}

func ids(charts []Chart) []string {
	var out []string
	for _, ch := range charts {
		out = append(out, ch.ID)
	}
	return out
}

func TestAverageIndex(t *testing.T) {
	m := testDef().Model
	avg, change := AverageIndex(testScores(), m)
	if avg != 48 { // (80+60+50+30+20)/5
		t.Errorf("average %v, want 48", avg)
	}
	if change == nil || *change != 5 { // (5-2+12)/3
		t.Errorf("change %v, want 5", change)
	}
	avg, change = AverageIndex(testScores()[2:3], m)
	if avg != 50 || change != nil {
		t.Errorf("one without a change: %v %v", avg, change)
	}
	if avg, change = AverageIndex(nil, m); avg != 0 || change != nil {
		t.Errorf("none: %v %v", avg, change)
	}
	// The model's precision rounds the average: 80, 60, 60 → 66.666… → 66.7.
	three := []survey.InstitutionScore{{Index: 80}, {Index: 60}, {Index: 60}}
	if avg, _ := AverageIndex(three, m); avg != 66.7 {
		t.Errorf("rounded average %v, want 66.7", avg)
	}
}

func TestFilter(t *testing.T) {
	list := testScores()
	if got := FilterScores(list, Filter{}); len(got) != len(list) {
		t.Errorf("empty filter kept %d of %d", len(got), len(list))
	}
	got := FilterScores(list, Filter{Sector: "health"})
	if len(got) != 2 || got[0].Code != "MOH" || got[1].Code != "HOS" {
		t.Errorf("health: %v", got)
	}
	got = FilterScores(list, Filter{Sector: "health", Kind: "ministry"})
	if len(got) != 1 || got[0].Code != "MOH" {
		t.Errorf("health ministries: %v", got)
	}
	if got = FilterScores(list, Filter{Region: "south"}); len(got) != 1 || got[0].Code != "MUN" {
		t.Errorf("south: %v", got)
	}
	got[0].Code = "changed"
	if list[3].Code != "MUN" {
		t.Error("FilterScores wrote into the ranking it was given")
	}
	if (Filter{}).Narrowed() || !(Filter{Region: "x"}).Narrowed() || !(Filter{Kind: "x"}).Narrowed() {
		t.Error("Narrowed")
	}
	if want := []string{"education", "health", "justice", "local"}; !reflect.DeepEqual(ScoreSectors(list), want) {
		t.Errorf("sectors %v, want %v", ScoreSectors(list), want)
	}
}

func TestCatalogOf(t *testing.T) {
	insts := []survey.Institution{{Code: "A", Sector: "health"}, {Code: "B", Sector: "health"}, {Code: "C", Sector: "ict"}}
	tallies := map[string]survey.MetricsTally{}
	add := func(code string, stages ...int) {
		tl := tallies[code]
		for _, st := range stages {
			tl.Add(survey.Service{Status: survey.ServiceActive, Stage: st})
		}
		tallies[code] = tl
	}
	add("A", 1, 3)
	add("B", 4)
	add("C", 0, 0, 5)
	m, n := CatalogOf(insts, tallies, Filter{Sector: "health"})
	if n != 2 || m.Services != 3 || m.ByStage[1] != 1 || m.ByStage[3] != 1 || m.ByStage[4] != 1 || m.ByStage[0] != 0 {
		t.Errorf("health: %d institutions, %+v", n, m)
	}
	if m, n = CatalogOf(insts, tallies, Filter{}); n != 3 || m.Services != 6 {
		t.Errorf("all: %d institutions, %d services", n, m.Services)
	}
}

func TestBuildDashboard(t *testing.T) {
	def := testDef()
	in := DashboardInput{
		Round: survey.Round{ID: 7, Name: "2025"}, Def: def, Scores: testScores(),
		Catalog: survey.CatalogMetrics{Services: 10, ByStage: [survey.MaxStage + 1]int{1, 2, 3, 4, 0, 0}, ShareStage3: 0.4, ShareAbroad: 0.25},
		Since:   &survey.Round{ID: 6, Name: "2024"},
	}
	d := BuildDashboard(in, fakeLocale("en"))
	if d.Responded != 5 || d.Average != 48 || d.Change == nil || *d.Change != 5 {
		t.Errorf("figures: %d responded, average %v, change %v", d.Responded, d.Average, d.Change)
	}
	if want := []string{"chart_leaderboard_7", "chart_levels_7", "chart_stages_7", "chart_reach_7", "chart_movers_7", "chart_top3_7"}; !reflect.DeepEqual(ids(d.Charts), want) {
		t.Errorf("charts %v, want %v", ids(d.Charts), want)
	}
	lb := d.Charts[0]
	if want := []string{"[rankings.rank]", "[field.institution]", "[rankings.index]", "[rankings.level]"}; !reflect.DeepEqual(lb.Head, want) {
		t.Errorf("leaderboard head %v", lb.Head)
	}
	if !reflect.DeepEqual(lb.Rows[0], []string{"1", "Health", "80", "Advanced"}) || lb.Rows[2][1] != "المستشفيات" {
		t.Errorf("leaderboard rows (level named, English name or Arabic): %v", lb.Rows)
	}
	if lb.Title != "[dashboard.leaderboard]" {
		t.Errorf("title %q", lb.Title)
	}
	levels := d.Charts[1]
	if want := [][]string{{"Advanced", "1"}, {"Developing", "2"}, {"Emerging", "2"}}; !reflect.DeepEqual(levels.Rows, want) {
		t.Errorf("levels %v, want %v", levels.Rows, want)
	}
	if want := []string{"[rankings.level]", "[dashboard.institutions]"}; !reflect.DeepEqual(levels.Head, want) {
		t.Errorf("levels head %v", levels.Head)
	}
	stages := d.Charts[2]
	if stages.Rows[3][0] != "3 [stage.3]" || stages.Rows[3][1] != "4" || stages.Head[0] != "[field.stage]" || stages.Head[1] != "[dashboard.services]" {
		t.Errorf("stages %v %v", stages.Head, stages.Rows)
	}
	reach := d.Charts[3]
	if reach.Rows[0][0] != "[metric.stage3]" || reach.Rows[0][1] != "40.0" || reach.Rows[1][1] != "25.0" || reach.Head[1] != "[dashboard.share]" {
		t.Errorf("reach %v %v", reach.Head, reach.Rows)
	}
	movers := d.Charts[4]
	if movers.Title != "[dashboard.movers_since:2024]" || movers.Head[1] != "[rankings.change]" || movers.Rows[0][0] != "Municipality" {
		t.Errorf("movers %q %v %v", movers.Title, movers.Head, movers.Rows)
	}
	top3 := d.Charts[5]
	if want := []string{"[response.sections]", "Health", "Education", "المستشفيات"}; !reflect.DeepEqual(top3.Head, want) {
		t.Errorf("top3 head %v, want %v", top3.Head, want)
	}
	if !reflect.DeepEqual(top3.Rows[1], []string{"Services", "70", "70", "0"}) {
		t.Errorf("top3 rows %v", top3.Rows)
	}
	if d.Top10.ID != "chart_top10_7" || d.Top10.Head[3] != "[rankings.level]" || d.Top10.Rows[0][3] != "Advanced" || len(d.Top10.Rows) != 5 {
		t.Errorf("top10 %+v", d.Top10)
	}
	if len(d.More) != 0 {
		t.Errorf("conference charts with nothing to show: %v", ids(d.More))
	}

	// Narrowed to health: the figures and the charts follow; no earlier
	// round the reader may see: no movers; fewer than three: no radar.
	in.Filter, in.Since = Filter{Sector: "health"}, nil
	d = BuildDashboard(in, fakeLocale("ar"))
	if d.Responded != 2 || d.Average != 65 || *d.Change != 5 {
		t.Errorf("health figures: %d, %v, %v", d.Responded, d.Average, *d.Change)
	}
	if want := []string{"chart_leaderboard_7", "chart_levels_7", "chart_stages_7", "chart_reach_7"}; !reflect.DeepEqual(ids(d.Charts), want) {
		t.Errorf("health charts %v, want %v", ids(d.Charts), want)
	}
	if d.Charts[0].Rows[0][1] != "الصحة" || d.Charts[0].Rows[0][3] != "متقدم" {
		t.Errorf("Arabic leaderboard %v", d.Charts[0].Rows)
	}
}

func TestDashboardChartsAndSlides(t *testing.T) {
	in := DashboardInput{Round: survey.Round{ID: 3, Name: "2026"}, Def: testDef(), Scores: testScores(), Since: &survey.Round{ID: 2, Name: "2025"},
		Conference: ConferenceInput{Initiatives: []survey.Initiative{{Status: survey.InitiativeStatuses[0]}}}}
	d := BuildDashboard(in, fakeLocale("en"))
	for _, id := range []string{"chart_top10_3", "chart_movers_3", "chart_initiatives_partners_3"} {
		if ch, ok := d.Chart(id); !ok || ch.ID != id {
			t.Errorf("Chart(%s) not found", id)
		}
	}
	if _, ok := d.Chart("chart_nothing_3"); ok {
		t.Error("found a chart the dashboard lacks")
	}
	if got := len(d.All()); got != 1+len(d.Charts)+len(d.More) {
		t.Errorf("All has %d charts", got)
	}
	slides, after := d.Slides(3)
	if want := []string{"chart_top10_3", "chart_movers_3", "chart_top3_3", "chart_stages_3", "chart_reach_3", "chart_levels_3"}; !reflect.DeepEqual(ids(slides), want) {
		t.Errorf("slides %v, want %v", ids(slides), want)
	}
	if want := []string{"chart_initiatives_partners_3"}; !reflect.DeepEqual(ids(after), want) {
		t.Errorf("after %v, want %v", ids(after), want)
	}
}

func TestConferenceCharts(t *testing.T) {
	obstacle := survey.Obstacle{ID: 1, Code: "budget", Kind: survey.ObstacleInternal, LabelAr: "الميزانية", LabelEn: "Budget"}
	in := ConferenceInput{
		RoundID: 4,
		Filter:  Filter{Region: "gaza"},
		Citations: []survey.ObstacleCitation{
			{Obstacle: obstacle, InstitutionCode: "A", Region: "gaza", Severity: 3},
			{Obstacle: obstacle, InstitutionCode: "B", Region: "west-bank", Severity: 1},
		},
		Initiatives: []survey.Initiative{{Region: "west-bank", Status: survey.InitiativeStatuses[0]}},
		Plans: []survey.PlanAction{{InstitutionCode: "A", InstitutionEn: "Alpha", InstitutionAr: "ألف", Region: "gaza", Outcome: survey.PlanOutcomes[0]},
			{InstitutionCode: "B", Region: "west-bank", Outcome: survey.PlanOutcomes[0]}},
	}
	charts := ConferenceCharts(in, fakeLocale("en"))
	if want := []string{"chart_obstacles_4", "chart_obstacles_kind_4", "chart_obstacles_severity_4", "chart_obstacles_region_4", "chart_plans_4"}; !reflect.DeepEqual(ids(charts), want) {
		t.Fatalf("charts %v, want %v (the West Bank's initiative filtered out)", ids(charts), want)
	}
	ranked := charts[0]
	if ranked.Head[0] != "[obstacles.title]" || ranked.Head[1] != "[field.obstacle_kind]" || ranked.Head[5] != "[dashboard.institutions]" || ranked.Head[6] != "[obstacles.weighted]" {
		t.Errorf("ranked head %v", ranked.Head)
	}
	if len(ranked.Rows) != 1 || ranked.Rows[0][0] != "Budget" || ranked.Rows[0][1] != "[obstacle_kind.internal]" || ranked.Rows[0][5] != "1" {
		t.Errorf("ranked rows (the West Bank's citation filtered out) %v", ranked.Rows)
	}
	for _, ch := range charts[1:3] {
		if want := []string{"[field.obstacle_kind]", "[obstacles.citations]", "[dashboard.institutions]", "[obstacles.mean_severity]"}; !reflect.DeepEqual(ch.Head, want) {
			t.Errorf("%s head %v", ch.ID, ch.Head)
		}
	}
	if charts[3].Head[0] != "[field.region]" || charts[3].Head[3] != "[obstacles.total]" || !slices.ContainsFunc(charts[3].Rows, func(r []string) bool { return r[0] == "[region.gaza]" }) {
		t.Errorf("by region %v %v", charts[3].Head, charts[3].Rows)
	}
	plans := charts[4]
	if plans.Title != "[plans.chart_due]" || plans.Head[0] != "[field.institution]" || plans.Head[5] != "[plans.count]" || plans.Head[6] != "[plans.share_done]" {
		t.Errorf("plans %q %v", plans.Title, plans.Head)
	}
	if len(plans.Rows) != 1 || plans.Rows[0][0] != "Alpha" {
		t.Errorf("plans rows %v", plans.Rows)
	}
	in.PlansMade, in.Filter = true, Filter{Region: "west-bank"}
	charts = ConferenceCharts(in, fakeLocale("en"))
	if ch := chartByID(t, charts, "chart_plans_4"); ch.Title != "[plans.chart_made]" {
		t.Errorf("plans made after the round titled %q", ch.Title)
	}
	status := chartByID(t, charts, "chart_initiatives_status_4")
	if status.Title != "[initiatives.by_status_today]" || status.Head[0] != "[field.status]" || status.Rows[0][1] != "1" {
		t.Errorf("initiatives %q %v %v", status.Title, status.Head, status.Rows)
	}
	if got := ConferenceCharts(ConferenceInput{RoundID: 4}, fakeLocale("en")); len(got) != 0 {
		t.Errorf("nothing cited, no initiative, no plan: %v", ids(got))
	}
}

func TestInitiativeAndPlanCharts(t *testing.T) {
	list := []survey.Initiative{{Status: survey.InitiativeStatuses[0]}, {Status: survey.InitiativeStatuses[0]}}
	charts := InitiativeCharts(list, "list", "", fakeLocale("ar"))
	if ids(charts)[0] != "chart_initiatives_status_list" || charts[0].Title != "[initiatives.by_status]" || charts[1].Title != "[initiatives.by_partner]" {
		t.Errorf("%v %q %q", ids(charts), charts[0].Title, charts[1].Title)
	}
	if charts[0].Rows[0][0] != "[initiative_status."+survey.InitiativeStatuses[0]+"]" || charts[0].Rows[0][1] != "2" {
		t.Errorf("status rows %v", charts[0].Rows)
	}
	if want := []string{"[field.partner_type]", "[initiatives.count]"}; !reflect.DeepEqual(charts[1].Head, want) {
		t.Errorf("partner head %v", charts[1].Head)
	}
	ch := PlanChart("p", "plans.chart", []survey.PlanAction{{InstitutionCode: "A", InstitutionAr: "ألف", Outcome: survey.PlanOutcomes[0]}}, fakeLocale("ar"))
	if ch.Title != "[plans.chart]" || ch.Rows[0][0] != "ألف" {
		t.Errorf("plan chart %q %v", ch.Title, ch.Rows)
	}
}

func stageInstitutions(n int) ([]survey.Institution, map[string]survey.MetricsTally) {
	var insts []survey.Institution
	tallies := map[string]survey.MetricsTally{}
	for i := range n {
		code := fmt.Sprintf("I%03d", i)
		insts = append(insts, survey.Institution{Code: code, NameAr: "مؤسسة " + code, NameEn: "Inst " + code, Sector: "s", Region: "north"})
		var tl survey.MetricsTally
		tl.Add(survey.Service{Status: survey.ServiceActive, Stage: 1})
		tl.Add(survey.Service{Status: survey.ServiceActive, Stage: 4})
		tallies[code] = tl
	}
	return insts, tallies
}

func TestStageRowsAndCharts(t *testing.T) {
	insts := []survey.Institution{
		{Code: "B", NameAr: "ب", NameEn: "Bee", Region: "north"},
		{Code: "A", NameAr: "أ", NameEn: "Ay", Region: "north"},
		{Code: "C", NameAr: "ج", NameEn: "", Region: "north"},
		{Code: "S", NameAr: "س", NameEn: "South", Region: "south"},
		{Code: "D", NameAr: "د", NameEn: "Dee", Region: "north"},
	}
	tallies := map[string]survey.MetricsTally{}
	set := func(code string, stages ...int) {
		var tl survey.MetricsTally
		for _, st := range stages {
			tl.Add(survey.Service{Status: survey.ServiceActive, Stage: st})
		}
		tallies[code] = tl
	}
	set("A", 3, 1)    // half online, two services
	set("B", 3, 3, 1) // two thirds online
	set("C", 4, 1)    // half online, two services: after A by code
	set("S", 5)
	set("D", 1, 3, 1, 4) // half online, four services: before A and C
	rows := StageRows(insts, tallies, Filter{Region: "north"})
	var order []string
	for _, r := range rows {
		order = append(order, r.Institution.Code)
	}
	if want := []string{"B", "D", "A", "C"}; !reflect.DeepEqual(order, want) {
		t.Errorf("order %v, want %v (share online, then services, then code; south filtered out)", order, want)
	}
	ch := StageChart("x", rows, fakeLocale("en"))
	if ch.Head[0] != "[field.institution]" || ch.Head[1] != "[dashboard.services]" || ch.Head[2] != "0 [stage.0]" || ch.Head[len(ch.Head)-1] != "[metric.stage3] %" {
		t.Errorf("head %v", ch.Head)
	}
	if !reflect.DeepEqual(ch.Rows[0], []string{"Bee", "3", "0", "1", "0", "2", "0", "0", "66.7"}) || ch.Rows[3][0] != "ج" {
		t.Errorf("rows %v", ch.Rows)
	}
	table := StagesTable(rows, fakeLocale("en"))
	if table[0][0] != "[field.code]" || table[0][1] != "[field.institution]" || table[1][0] != "B" || table[1][1] != "Bee" || len(table) != 5 {
		t.Errorf("export table %v", table)
	}

	many, manyTallies := stageInstitutions(StagesShown + 5)
	all := StageRows(many, manyTallies, Filter{})
	c := StagesChart(9, all, fakeLocale("en"))
	if c.Matched != StagesShown+5 || c.Shown != StagesShown || len(c.Chart.Rows) != StagesShown || c.Chart.ID != "chart_stagemix_9" {
		t.Errorf("capped: %d of %d, %d rows, %s", c.Shown, c.Matched, len(c.Chart.Rows), c.Chart.ID)
	}
	if len(StagesTable(all, fakeLocale("en"))) != StagesShown+6 {
		t.Error("the export is capped too")
	}
}

func TestHeatmapChart(t *testing.T) {
	c := HeatmapChart(2, testDef(), testScores(), fakeLocale("en"))
	if c.Shown != 5 || c.Matched != 5 || c.Chart.ID != "chart_heatmap_2" || c.Chart.Title != "[heatmap.chart]" {
		t.Errorf("%+v", c)
	}
	if want := []string{"[field.institution]", "Leadership", "Services"}; !reflect.DeepEqual(c.Chart.Head, want) {
		t.Errorf("head %v", c.Chart.Head)
	}
	if !reflect.DeepEqual(c.Chart.Rows[2], []string{"المستشفيات", "60", ""}) {
		t.Errorf("a missing dimension stays blank: %v", c.Chart.Rows[2])
	}
	var many []survey.InstitutionScore
	for i := range HeatmapShown + 1 {
		many = append(many, survey.InstitutionScore{Code: fmt.Sprint(i), NameAr: fmt.Sprint(i)})
	}
	if c = HeatmapChart(2, testDef(), many, fakeLocale("ar")); c.Shown != HeatmapShown || c.Matched != HeatmapShown+1 || len(c.Chart.Rows) != HeatmapShown {
		t.Errorf("capped: %d of %d, %d rows", c.Shown, c.Matched, len(c.Chart.Rows))
	}
}

func TestCompare(t *testing.T) {
	for in, want := range map[string]string{"MOH": "MOH", " Ministry of Health (MOH) ": "MOH", "a (b) (MOE)": "MOE", "no code)": "no code)", "": ""} {
		if got := PickedCode(in); got != want {
			t.Errorf("PickedCode(%q) = %q, want %q", in, got, want)
		}
	}
	def := testDef()
	c := Compare(5, def, testScores(), []string{"Education (MOE)", "MOH", "MOE", "NOPE", "MUN", "MOJ", "HOS"}, fakeLocale("en"))
	var got []string
	for _, sc := range c.Selected {
		got = append(got, sc.Code)
	}
	if want := []string{"MOE", "MOH", "MUN", "MOJ", "HOS"}; !reflect.DeepEqual(got, want) {
		t.Errorf("selected %v, want %v (in the picks' order, once each, unknown codes ignored)", got, want)
	}
	if c.Picks[0] != "Education (MOE)" || c.Picks[4] != "المستشفيات (HOS)" || len(c.Picks) != CompareMax {
		t.Errorf("picks %v", c.Picks)
	}
	if c.Chart.ID != "chart_compare_5" || c.Chart.Title != "[compare.radar]" || c.Chart.Head[0] != "[response.sections]" || c.Chart.Head[1] != "Education" {
		t.Errorf("radar %s %q %v", c.Chart.ID, c.Chart.Title, c.Chart.Head)
	}
	many := slices.Repeat([]string{"MOH", "MOE", "HOS", "MUN", "MOJ"}, 1)
	many = append(many, "MOH")
	if c = Compare(5, def, testScores()[:3], many, fakeLocale("en")); len(c.Selected) != 3 {
		t.Errorf("only institutions of the (filtered) ranking: %d", len(c.Selected))
	}
	c = Compare(5, def, testScores(), nil, fakeLocale("en"))
	if len(c.Selected) != 0 || c.Chart.ID != "" || !reflect.DeepEqual(c.Picks, []string{"", "", "", "", ""}) {
		t.Errorf("nothing picked: %+v", c)
	}
}

func TestSortAndPaginate(t *testing.T) {
	code := func(list []survey.InstitutionScore) []string {
		var out []string
		for _, x := range list {
			out = append(out, x.Code)
		}
		return out
	}
	list := testScores()
	SortScores(list, "delta")
	if want := []string{"MUN", "MOH", "MOE", "HOS", "MOJ"}; !reflect.DeepEqual(code(list), want) {
		t.Errorf("by change %v, want %v (no change last, stable)", code(list), want)
	}
	list = testScores()
	SortScores(list, "B")
	if want := []string{"MOH", "MOE", "MUN", "MOJ", "HOS"}; !reflect.DeepEqual(code(list), want) {
		t.Errorf("by B %v, want %v", code(list), want)
	}
	list = testScores()
	SortScores(list, "rank")
	if want := code(testScores()); !reflect.DeepEqual(code(list), want) {
		t.Errorf("by rank %v", code(list))
	}
	for _, c := range []struct{ total, n, page, pages, from, to int }{
		{0, 1, 1, 1, 0, 0},
		{250, 0, 1, 3, 0, 100},
		{250, 3, 3, 3, 200, 250},
		{250, 9, 3, 3, 200, 250},
		{200, 2, 2, 2, 100, 200},
	} {
		page, pages, from, to := Paginate(c.total, c.n)
		if page != c.page || pages != c.pages || from != c.from || to != c.to {
			t.Errorf("Paginate(%d, %d) = %d %d %d %d, want %d %d %d %d", c.total, c.n, page, pages, from, to, c.page, c.pages, c.from, c.to)
		}
	}
}

func TestRankingsTable(t *testing.T) {
	def := testDef()
	rows := RankingsTable(def, testScores(), "", fakeLocale("en"))
	want := []string{"[rankings.rank]", "[field.code]", "[field.institution]", "[field.sector]", "[field.kind]", "[field.region]",
		"[rankings.index]", "[rankings.level]", "[rankings.change_score]", "[rankings.change_rank]", "A Leadership", "B Services",
		"[bands.median]", "[bands.p5]", "[bands.p95]", "[bands.overlaps_head]"}
	if !reflect.DeepEqual(rows[0], want) {
		t.Errorf("head %v\nwant %v", rows[0], want)
	}
	if want := []string{"1", "MOH", "Health", "{health}", "[kind.ministry]", "[region.national]", "80", "Advanced", "5", "2", "90", "70", "", "", "", ""}; !reflect.DeepEqual(rows[1], want) {
		t.Errorf("MOH %v\nwant %v", rows[1], want)
	}
	if want := []string{"3", "HOS", "المستشفيات", "{health}", "[kind.authority]", "[region.north]", "50", "Developing", "", "", "60", "", "", "", "", ""}; !reflect.DeepEqual(rows[3], want) {
		t.Errorf("HOS (no change, no B) %v\nwant %v", rows[3], want)
	}
	// Sorted by a dimension, the rank is the one on that dimension.
	rows = RankingsTable(def, testScores(), "B", Locale{Lang: "ar", T: fakeT})
	if rows[2][0] != "1" || rows[1][0] != "1" || rows[2][3] != "education" || rows[2][2] != "التربية" {
		t.Errorf("by B (no Sector func: as stored): %v %v", rows[1], rows[2])
	}
	if rows[0][10] != "A القيادة" {
		t.Errorf("Arabic head %v", rows[0])
	}
}

func TestLevelBands(t *testing.T) {
	got := LevelBands(testDef().Model)
	want := []LevelBand{{Key: "high", From: "70"}, {Key: "middle", From: "40", Below: "70"}, {Key: "low", Below: "40"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}

func TestExplainAndItemRows(t *testing.T) {
	def := testDef()
	res := survey.Result{
		Dimensions: []survey.DimensionScore{{Section: "A", Score: 0.4, Weight: 1}, {Section: "B", Score: 0.25, Weight: 1, Dropped: true}, {Section: "Z", Score: 0.9, Weight: 1}},
		Items: []survey.ItemScore{
			{ItemID: "A1", Section: "A", Score: 1, Weight: 1, Value: "yes"},
			{ItemID: "A2", Section: "A", Score: 0.5, Weight: 1, Value: "web;app"},
			{ItemID: "B1", Section: "B", Score: 0.6, Weight: 1, Value: "0.6"},
			{ItemID: "B2", Section: "B", Score: 0.3, Weight: 1, Value: "0.25"},
			{ItemID: "B3", Section: "B", Dropped: survey.DropUnscored, Value: "text"},
			{ItemID: "A1", Section: "A", Dropped: survey.DropNA, Value: "na"},
			{ItemID: "A2", Section: "A", Weight: 1},
		},
	}
	e := Explain(def, res)
	if len(e.Dimensions) != 3 || e.Dimensions[0].Score != 40 || !e.Dimensions[1].Dropped || e.Dimensions[2].Section.TitleAr != "Z" {
		t.Errorf("dimensions %+v", e.Dimensions)
	}
	if e.Weakest == nil || e.Weakest.ID != "A" {
		t.Errorf("weakest %v, want A (B is lower but dropped)", e.Weakest)
	}
	if len(e.Items) != 6 {
		t.Errorf("%d items, want 6 (the unscored text left out)", len(e.Items))
	}
	if len(e.Actions) == 0 || e.Actions[0].Item.ID != e.Actions[0].ItemID {
		t.Errorf("actions %+v", e.Actions)
	}
	rows := ItemRows(e.Items, fakeLocale("en"))
	want := []ItemRow{
		{ID: "A1", Label: "Strategy", Value: "[yes]", Weight: 1, Score: "100.0"},
		{ID: "A2", Label: "Channels", Value: "Web[list.separator]App", Weight: 1, Score: "50.0"},
		{ID: "B1", Label: "Stage", Value: "[scorecard.mean_stage:3.0]", Weight: 1, Score: "60.0"},
		{ID: "B2", Label: "Share", Value: "25%", Weight: 1, Score: "30.0"},
		{ID: "A1", Label: "Strategy", Value: "—", Score: "0.0", Dropped: "[scorecard.drop_na]"},
		{ID: "A2", Label: "Channels", Value: "[scorecard.unanswered]", Weight: 1, Score: "0.0"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n%+v\nwant\n%+v", rows, want)
	}
	if ar := ItemRows(e.Items[1:2], fakeLocale("ar")); ar[0].Label != "قنوات" || ar[0].Value != "ويب[list.separator]تطبيق" {
		t.Errorf("Arabic %+v", ar)
	}
}

func TestProfileCharts(t *testing.T) {
	def := testDef()
	scores := testScores()
	mine := scores[2] // HOS, health, second in its sector
	mine.Institution = survey.Institution{Code: "HOS", NameAr: "المستشفيات", NameEn: "Hospitals"}
	in := ProfileInput{Round: survey.Round{ID: 4}, Def: def, Score: mine, Rounds: []string{"2025"}, Indexes: []float64{50}}
	own := ProfileCharts(in, fakeLocale("en"))
	if len(own) != 1 || own[0].Title != "[profile.radar_own]" || own[0].ID != "chart_profile_4_HOS" {
		t.Fatalf("own figures only, one round: %v", ids(own))
	}
	if want := []string{"[response.sections]", "Hospitals"}; !reflect.DeepEqual(own[0].Head, want) {
		t.Errorf("own head %v", own[0].Head)
	}
	in.Ranking = survey.NewRanking(scores)
	in.Rounds, in.Indexes = []string{"2024", "2025"}, []float64{44, 50}
	charts := ProfileCharts(in, fakeLocale("en"))
	if len(charts) != 2 || charts[0].Title != "[profile.radar]" {
		t.Fatalf("%v", ids(charts))
	}
	if want := []string{"[response.sections]", "Hospitals", "[profile.national_average]", "[profile.sector_best_named:Health]"}; !reflect.DeepEqual(charts[0].Head, want) {
		t.Errorf("radar head %v, want %v", charts[0].Head, want)
	}
	if want := []string{"Leadership", "60", "46", "90"}; !reflect.DeepEqual(charts[0].Rows[0], want) {
		t.Errorf("radar row %v, want %v", charts[0].Rows[0], want)
	}
	trend := charts[1]
	if trend.ID != "chart_trend_4_HOS" || !reflect.DeepEqual(trend.Head, []string{"[rounds.round]", "[rankings.index]"}) || !reflect.DeepEqual(trend.Rows[0], []string{"2024", "44"}) {
		t.Errorf("trend %s %v %v", trend.ID, trend.Head, trend.Rows)
	}
	// Alone in its sector: no best to compare with.
	in.Score = scores[4]
	if charts = ProfileCharts(in, fakeLocale("en")); len(charts[0].Head) != 3 {
		t.Errorf("alone in its sector: %v", charts[0].Head)
	}
}

func TestCaptionAndExports(t *testing.T) {
	loc := fakeLocale("en")
	published := survey.Round{ID: 3, Name: "2025", Status: survey.RoundPublished}
	open := survey.Round{ID: 4, Name: "2026", Status: survey.RoundOpen}
	if got := Caption(published, survey.ScoreSelf, false, loc); got != "[chart.source:2025,[rankings.on_self]]" {
		t.Errorf("published %q", got)
	}
	if got := Caption(open, survey.ScoreVerified, true, loc); got != "[chart.source:2026,[rankings.on_verified]] · [chart.provisional] · [chart.demo]" {
		t.Errorf("open, demo %q", got)
	}
	if Provisional(published) || !Provisional(open) {
		t.Error("Provisional")
	}
	for _, c := range []struct{ id, want string }{
		{"chart_leaderboard_3", "marsad-2025-leaderboard-ar"},
		{"chart_obstacles_kind_3", "marsad-2025-obstacles_kind-ar"},
		{"chart_profile_3_MOH", "marsad-2025-profile_MOH-ar"},
		{"chart_initiatives_status_13", "marsad-2025-initiatives_status_13-ar"},
		{"stages", "marsad-2025-stages-ar"},
	} {
		if got := ChartFile(published, c.id, "ar"); got != c.want {
			t.Errorf("ChartFile(%s) = %s, want %s", c.id, got, c.want)
		}
	}
	ch := Counts("chart_levels_3", "t", []string{"a"}, []int{1}, []string{"#000"}, "en")
	SetExports(published, survey.ScoreSelf, false, loc, ch)
	m := ch.Option[metaKey].(map[string]any)
	if m["file"] != "marsad-2025-levels-en" || m["caption"] != "[chart.source:2025,[rankings.on_self]]" || m["exported"] != "[chart.exported]" || m["png"] != "[chart.png]" {
		t.Errorf("export meta %v", m)
	}
	ch.Head = []string{"h1", "h2", "h3"}
	table := DataTable(ch, "")
	if len(table) != 2 || table[0][0] != "h1" {
		t.Errorf("table %v", table)
	}
	table = DataTable(ch, "note")
	if len(table) != 3 || !reflect.DeepEqual(table[0], []string{"note", "", ""}) {
		t.Errorf("table with a note %v", table)
	}
	if got := DataTable(Chart{}, "note"); !reflect.DeepEqual(got[0], []string{"note"}) {
		t.Errorf("note above an empty head %v", got)
	}
}

func TestStageNames(t *testing.T) {
	got := StageNames(fakeT)
	if len(got) != survey.MaxStage+1 || got[0] != "0 [stage.0]" || got[5] != "5 [stage.5]" {
		t.Errorf("%v", got)
	}
}
