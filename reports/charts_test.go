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
	for _, want := range []string{`"pixelRatio":2`, `"saveAsImage"`, "Noto Sans Arabic", "#2b6f99", "\u2067وزارة الصحة\u2069", `"right"`} {
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
		for _, want := range []string{`"type":"radar"`, `"max":100`, tc.label, `"legend":{"bottom":0`, `"pixelRatio":2`} {
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
	if !strings.Contains(js, "#1a6e3a") || !strings.Contains(js, "#b3261e") {
		t.Errorf("rises and falls not coloured apart: %s", js)
	}
	if got := axis(t, Movers("m", "x", list, "ar", 1).Option, "yAxis"); got["position"] != "right" {
		t.Errorf("Arabic movers axis: %v", got)
	}
}

func TestHeatmap(t *testing.T) {
	a, b := 61.5, 20.0
	h := Heatmap("h", "Heat", []string{"وزارة الصحة", `</script>`}, []string{"STR", "SRV"}, [][]*float64{{&a, nil}, {&b, &a}}, 100, "ar")
	if h.Height != 140+48 {
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
