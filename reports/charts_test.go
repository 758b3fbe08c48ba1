package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"marsad/survey"
)

func sampleScores() []survey.InstitutionScore {
	return []survey.InstitutionScore{
		{Code: "MOH", NameAr: "وزارة الصحة", NameEn: "Ministry of Health", Index: 61.3, Level: "high", Rank: 1},
		{Code: "X", NameAr: `</script><script>alert(1)</script>`, NameEn: `"><img src=x onerror=alert(1)>`, Index: 40, Level: "middle", Rank: 2},
	}
}

func axis(t *testing.T, o map[string]any, name string) map[string]any {
	t.Helper()
	b, _ := json.Marshal(o[name])
	var axes []map[string]any
	if err := json.Unmarshal(b, &axes); err != nil || len(axes) == 0 {
		t.Fatalf("%s: %s", name, b)
	}
	return axes[0]
}

func TestLeaderboardOptions(t *testing.T) {
	ar := Leaderboard("lb", "الترتيب", sampleScores(), "ar", 10)
	en := Leaderboard("lb", "Ranking", sampleScores(), "en", 10)
	if got := axis(t, ar.Option, "yAxis"); got["position"] != "right" || got["type"] != "category" || got["inverse"] != true {
		t.Errorf("Arabic category axis: %v", got)
	}
	if got := axis(t, ar.Option, "xAxis"); got["inverse"] != true {
		t.Errorf("Arabic value axis not mirrored: %v", got)
	}
	if got := axis(t, en.Option, "yAxis"); got["position"] == "right" {
		t.Errorf("English axis mirrored: %v", got)
	}
	js := ar.OptionJSON()
	for _, want := range []string{`"pixelRatio":2`, `"saveAsImage"`, "Noto Sans Arabic", LevelColors["high"], "\u2067وزارة الصحة\u2069", `"right"`} {
		if !strings.Contains(js, want) {
			t.Errorf("option lacks %q:\n%s", want, js)
		}
	}
	if ar.Option["title"].(map[string]any)["left"] != "right" {
		t.Error("Arabic title not on the right")
	}
	if len(ar.Rows) != 2 || ar.Rows[0][1] != "وزارة الصحة" {
		t.Errorf("table %v", ar.Rows)
	}
	if len(Leaderboard("lb", "x", sampleScores(), "en", 1).Rows) != 1 {
		t.Error("top n not applied")
	}
}

func TestCountsAndShares(t *testing.T) {
	c := Counts("levels", "Levels", []string{"High", "Low"}, []int{3, 1}, []string{"#1", "#2"}, "en")
	if !strings.Contains(c.OptionJSON(), `"value":3`) || len(c.Rows) != 2 {
		t.Errorf("counts: %s", c.OptionJSON())
	}
	s := Shares("reach", "Reach", []string{"abroad"}, []float64{0.4567}, "ar")
	if !strings.Contains(s.OptionJSON(), `"value":45.7`) || s.Rows[0][1] != "45.7" {
		t.Errorf("shares: %s", s.OptionJSON())
	}
}

func TestRadarAndTrend(t *testing.T) {
	for _, tc := range []struct {
		lang, label string
	}{{"ar", "\u2067الحوكمة\u2069"}, {"en", "Governance"}} {
		name := map[string]string{"ar": "الحوكمة", "en": "Governance"}[tc.lang]
		r := Radar("r", "Profile", []string{name, "B"}, 100, []Series{
			{Name: `"><img src=x onerror=alert(1)>`, Values: []float64{60, 40}},
			{Name: "avg", Values: []float64{50, 50}},
		}, tc.lang)
		js := r.OptionJSON()
		for _, want := range []string{`"type":"radar"`, `"max":100`, tc.label, `"legend":{"bottom":4`, `"pixelRatio":2`} {
			if !strings.Contains(js, want) {
				t.Errorf("%s radar lacks %q:\n%s", tc.lang, want, js)
			}
		}
		if _, ok := r.Option["xAxis"]; ok {
			t.Errorf("%s radar has a cartesian axis", tc.lang)
		}
		if strings.Contains(js, "<img") {
			t.Errorf("%s: JSON left markup unescaped for HTML: %s", tc.lang, js)
		}
		if len(r.Rows) != 2 || r.Rows[0][1] != "60" || r.Rows[1][2] != "50" || len(r.Head) != 3 {
			t.Errorf("%s radar table %v %v", tc.lang, r.Head, r.Rows)
		}
	}
	tr := Trend("t", "Trend", []string{"2024", "2025"}, []float64{41.5, 47}, 100, "ar")
	if got := axis(t, tr.Option, "xAxis"); got["inverse"] != true {
		t.Errorf("Arabic trend runs left to right: %v", got)
	}
	if got := axis(t, tr.Option, "yAxis"); got["max"] != 100.0 || got["position"] != "right" {
		t.Errorf("trend value axis: %v", got)
	}
	if !strings.Contains(tr.OptionJSON(), `"type":"line"`) || len(tr.Rows) != 2 || tr.Rows[1][1] != "47" {
		t.Errorf("trend: %v %s", tr.Rows, tr.OptionJSON())
	}
}

func TestMovers(t *testing.T) {
	up, down := 6.5000000000000085, -2.0
	list := sampleScores()
	list[0].DeltaIndex, list[1].DeltaIndex = &down, &up
	list = append(list, survey.InstitutionScore{Code: "NEW", NameAr: "جديدة", Index: 30}) // no earlier round
	m := Movers("m", "Movers", list, "en", 10)
	if len(m.Rows) != 2 || m.Rows[0][1] != "6.5" || m.Rows[1][1] != "-2" {
		t.Errorf("movers rows %v", m.Rows)
	}
	js := m.OptionJSON()
	if !strings.Contains(js, RiseColor) || !strings.Contains(js, FallColor) || RiseColor == FallColor {
		t.Errorf("rises and falls not coloured apart: %s", js)
	}
	if got := axis(t, Movers("m", "x", list, "ar", 1).Option, "yAxis"); got["position"] != "right" {
		t.Errorf("Arabic movers axis: %v", got)
	}
}

func TestHeatmap(t *testing.T) {
	a, b := 61.5, 20.0
	dims := []Dim{{Short: "الاستراتيجية", Full: "محور الاستراتيجية والحوكمة"}, {Short: "الخدمات", Full: "محور إتاحة الخدمات (المرحلة 3+)"}}
	h := Heatmap("h", "Heat", []string{"وزارة الصحة", `</script>`}, dims, [][]*float64{{&a, nil}, {&b, &a}}, 100, "ar")
	if h.Height != 160+2*26 {
		t.Errorf("height %d", h.Height)
	}
	js := h.OptionJSON()
	for _, want := range []string{`"type":"heatmap"`, `[0,0,61.5]`, `[1,1,61.5]`, `"visualMap":{`, `"max":100`} {
		if !strings.Contains(js, want) {
			t.Errorf("heatmap lacks %s: %s", want, js)
		}
	}
	if strings.Contains(js, `[1,0,`) {
		t.Error("a missing score was drawn")
	}
	if strings.Contains(js, "</script>") {
		t.Error("a name is raw in the JSON")
	}
	if got := axis(t, h.Option, "yAxis"); got["position"] != "right" || got["inverse"] != true {
		t.Errorf("Arabic rows axis: %v", got)
	}
	if len(h.Rows) != 2 || h.Rows[0][2] != "" || h.Rows[1][1] != "20" {
		t.Errorf("table %v", h.Rows)
	}
	// Columns by short name, isolated; the full names head the table and
	// go to the tooltip.
	if x := axis(t, h.Option, "xAxis"); fmt.Sprint(x["data"]) != "[\u2067الاستراتيجية\u2069 \u2067الخدمات\u2069]" {
		t.Errorf("columns %v", x["data"])
	}
	if h.Head[1] != dims[0].Full || h.Head[2] != dims[1].Full {
		t.Errorf("table head %v", h.Head)
	}
	m := h.Option["marsad"].(map[string]any)
	if m["wrap"] != "xy" || fmt.Sprint(m["full"]) != "[\u2067"+dims[0].Full+"\u2069 \u2067"+dims[1].Full+"\u2069]" {
		t.Errorf("heatmap meta %v", m)
	}
}

// TestRadarDims: short names on the axes, full ones in the table and the
// tooltip's list; lines told apart by dash and symbol, not colour alone;
// Arabic runs clockwise.
func TestRadarDims(t *testing.T) {
	dims := []Dim{{Short: "Strategy", Full: "Strategy, governance and capacity"}, {Short: "Services", Full: "Service availability and depth"}, {Short: "Diaspora", Full: "Diaspora and cross-border reach"}}
	for _, lang := range []string{"ar", "en"} {
		r := RadarDims("r", "Profile", dims, 100, []Series{{Name: "MOH", Values: []float64{1, 2, 3}}, {Name: "avg", Values: []float64{4, 5, 6}}}, lang)
		radar := r.Option["radar"].(map[string]any)
		ind := radar["indicator"].([]any)
		if len(ind) != 3 || ind[0].(map[string]any)["name"] != isolate(lang, "Strategy") {
			t.Errorf("%s indicators %v", lang, ind)
		}
		if radar["clockwise"] != (lang == "ar") {
			t.Errorf("%s clockwise %v", lang, radar["clockwise"])
		}
		if _, ok := radar["radius"]; ok {
			t.Errorf("%s: a fixed radius; charts.js fits it to the labels", lang)
		}
		m := r.Option["marsad"].(map[string]any)
		if full := m["full"].([]string); len(full) != 3 || full[2] != isolate(lang, dims[2].Full) {
			t.Errorf("%s full names %v", lang, m["full"])
		}
		if r.Rows[0][0] != dims[0].Full {
			t.Errorf("%s table names %v", lang, r.Rows)
		}
		js := r.OptionJSON()
		for _, want := range []string{`"type":"dashed"`, `"symbol":"rect"`, `"trigger":"item"`, SeriesColors[1]} {
			if !strings.Contains(js, want) {
				t.Errorf("%s radar lacks %s", lang, want)
			}
		}
	}
	// Titles only (the scorecard): the titles are the axes' names.
	r := Radar("r", "x", []string{"Strategy, governance and capacity"}, 100, []Series{{Name: "a", Values: []float64{1}}}, "en")
	if got := r.Option["radar"].(map[string]any)["indicator"].([]any)[0].(map[string]any)["name"]; got != "Strategy, governance and capacity" {
		t.Errorf("indicator %v", got)
	}
}

// TestLayoutHints: what charts.js is told about each chart: which axis
// wraps, which bar charts may turn horizontal, right-to-left.
func TestLayoutHints(t *testing.T) {
	for _, tc := range []struct {
		name string
		ch   Chart
		wrap string
		flip bool
	}{
		{"counts", Counts("c", "t", []string{"1 Informational"}, []int{1}, StageColors[:], "en"), "x", true},
		{"shares", Shares("s", "t", []string{"a"}, []float64{0.5}, "ar"), "x", true},
		{"trend", Trend("t", "t", []string{"2024", "2025"}, []float64{1, 2}, 100, "en"), "x", false},
		{"leaderboard", Leaderboard("l", "t", sampleScores(), "ar", 10), "y", false},
		{"stagemix", StageMix("m", "t", []string{"a"}, [][6]int{{1}}, []string{"0", "1", "2", "3", "4", "5"}, "en"), "y", false},
	} {
		m, _ := tc.ch.Option["marsad"].(map[string]any)
		if m["wrap"] != tc.wrap || (m["flip"] == true) != tc.flip || m["rtl"] != strings.Contains(tc.ch.OptionJSON(), "\u2067") {
			t.Errorf("%s: hints %v", tc.name, m)
		}
		// No fixed label width that ECharts would break inside a word.
		if strings.Contains(tc.ch.OptionJSON(), `"overflow":"break"`) || strings.Contains(tc.ch.OptionJSON(), `"overflow":"truncate"`) {
			t.Errorf("%s: ECharts' own label breaking is on", tc.name)
		}
	}
}

// TestSetExport: the caption and file name reach the option, and the
// toolbox's save-as-image is named after the file.
func TestSetExport(t *testing.T) {
	ch := Counts("c", "t", []string{"a"}, []int{1}, []string{"#000000"}, "ar")
	ch.SetExport(Export{File: "marsad-2025-levels-ar", Caption: "المصدر: مرصد", Exported: "صُدِّر في", PNG: "PNG"})
	m := ch.Option["marsad"].(map[string]any)
	if m["file"] != "marsad-2025-levels-ar" || m["caption"] != "المصدر: مرصد" || m["exported"] != "صُدِّر في" {
		t.Errorf("meta %v", m)
	}
	save := ch.Option["toolbox"].(map[string]any)["feature"].(map[string]any)["saveAsImage"].(map[string]any)
	if save["name"] != "marsad-2025-levels-ar" || save["backgroundColor"] != "#ffffff" {
		t.Errorf("save as image %v", save)
	}
	if ch.Option["backgroundColor"] != "#ffffff" {
		t.Error("the chart is transparent: its SVG would be too")
	}
	Chart{}.SetExport(Export{File: "x"}) // a chart with no option is left alone
}

func TestStageMix(t *testing.T) {
	stages := []string{"0", "1", "2", "3", "4", "5"}
	cases := []struct {
		lang      string
		wantRight bool // Arabic: names on the right, bars growing leftwards
	}{{"ar", true}, {"en", false}}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			m := StageMix("s", "Stages", []string{"بلدية غزة", `"><img src=x onerror=alert(1)>`, "empty"},
				[][6]int{{1, 0, 1, 1, 0, 1}, {0, 0, 0, 0, 3, 0}, {}}, stages, tc.lang)
			if m.Height != 160+3*26 {
				t.Errorf("height %d", m.Height)
			}
			want := [][]string{
				{"بلدية غزة", "4", "1", "0", "1", "1", "0", "1", "50.0"},
				{`"><img src=x onerror=alert(1)>`, "3", "0", "0", "0", "0", "3", "0", "100.0"},
				{"empty", "0", "0", "0", "0", "0", "0", "0", ""},
			}
			if fmt.Sprint(m.Rows) != fmt.Sprint(want) {
				t.Errorf("table\n%v\nwant\n%v", m.Rows, want)
			}
			series, _ := m.Option["series"].([]any)
			if len(series) != 6 {
				t.Fatalf("%d series, want one per stage", len(series))
			}
			// Each row's shares add up to 100 % (0 for no services).
			for row, total := range []float64{100, 100, 0} {
				sum := 0.0
				for _, s := range series {
					one := s.(map[string]any)
					if one["stack"] != "stages" {
						t.Fatalf("series not stacked: %v", one)
					}
					sum += one["data"].([]any)[row].(map[string]any)["value"].(float64)
				}
				if math.Abs(sum-total) > 0.2 {
					t.Errorf("row %d adds up to %v", row, sum)
				}
			}
			js := m.OptionJSON()
			if strings.Contains(js, "<img") {
				t.Error("a name is raw in the JSON")
			}
			y := axis(t, m.Option, "yAxis")
			if (y["position"] == "right") != tc.wantRight || y["inverse"] != true {
				t.Errorf("rows axis %v", y)
			}
			if x := axis(t, m.Option, "xAxis"); x["max"] != float64(100) || (x["inverse"] == true) != tc.wantRight {
				t.Errorf("share axis %v", x)
			}
		})
	}
}
