package reports

import (
	"reflect"
	"strings"
	"testing"

	"marsad/survey"
)

// bandedScores are testScores with rank bands: MOH is clear of the rest,
// MOE (2–4) and HOS (2–3) cannot be told apart, nor MUN (4–5) and MOJ (5).
func bandedScores() []survey.InstitutionScore {
	list := testScores()
	bands := []survey.RankBand{{Median: 1, Low: 1, High: 1}, {Median: 2, Low: 2, High: 4}, {Median: 3, Low: 2, High: 3},
		{Median: 4, Low: 4, High: 5}, {Median: 5, Low: 5, High: 5}}
	survey.CountOverlaps(bands)
	for i := range list {
		list[i].Band = &bands[i]
	}
	return list
}

func TestPlaceBand(t *testing.T) {
	b := survey.RankBand{Low: 3, High: 7}
	en := PlaceBand(b, 4, 10, "en")
	if en != (BandBox{X: 20, Width: 50, Tick: 35}) {
		t.Errorf("en %+v", en)
	}
	// Arabic: rank 1 on the right, so the same band mirrored.
	ar := PlaceBand(b, 4, 10, "ar")
	if ar != (BandBox{X: 30, Width: 50, Tick: 65}) {
		t.Errorf("ar %+v", ar)
	}
	if BandText(b) != "3–7" || BandText(survey.RankBand{Low: 2, High: 2}) != "2" {
		t.Errorf("BandText %q", BandText(b))
	}
}

func TestOverlapsAndTop(t *testing.T) {
	list := bandedScores()
	// HOS (2–3) meets MOE above it, MOJ (5) MUN; MUN (4–5) is clear of HOS.
	if got, want := OverlapsAbove(list), map[string]bool{"HOS": true, "MOJ": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("overlaps above %v, want %v", got, want)
	}
	// MOE (2–4) of the top three meets MUN (4–5): not a clear top three;
	// the top one is clear.
	c, ok := CheckTop(list, 3)
	if !ok || c.Clear || c.Inside.Code != "MOE" || c.Outside.Code != "MUN" {
		t.Errorf("top three %+v %v", c, ok)
	}
	if c, ok := CheckTop(list, 1); !ok || !c.Clear {
		t.Errorf("top one %+v %v", c, ok)
	}
	note := topThreeNote(list, fakeLocale("en"))
	if note != "[bands.top3_unclear:\u2068Education\u2069,\u20682–4\u2069,\u2068Municipality\u2069,\u20684–5\u2069]" {
		t.Errorf("note %q", note)
	}
	// Without bands there is nothing to say.
	if _, ok := CheckTop(testScores(), 3); ok || topThreeNote(testScores(), fakeLocale("en")) != "" {
		t.Error("a top three judged without bands")
	}
}

func TestSensitivityChart(t *testing.T) {
	def := testDef()
	a := &survey.RankAnalysis{Dimensions: []survey.DimensionEffect{{Section: "A", Effect: 0.125}, {Section: "B", Effect: 0.5}},
		Aggregation: 0.25, NotApplicable: 0}
	for _, lang := range []string{"en", "ar"} {
		ch := SensitivityChart("chart_sensitivity_1", "title", def, a, fakeLocale(lang))
		// Largest first, in percent, with the full titles in the table.
		want := [][]string{{def.Sections[1].Title(lang), "50.0"}, {def.Sections[0].Title(lang), "12.5"}}
		if !reflect.DeepEqual(ch.Rows, want) {
			t.Errorf("%s rows %v, want %v", lang, ch.Rows, want)
		}
		if ch.Note != "[bands.choices_note:25.0,0.0]" {
			t.Errorf("%s note %q", lang, ch.Note)
		}
		js := ch.OptionJSON()
		if lang == "ar" && (!strings.Contains(js, `"position":"right"`) || !strings.Contains(js, `"inverse":true`)) {
			t.Errorf("Arabic chart not mirrored: %s", js)
		}
	}
}

func TestDashboardBands(t *testing.T) {
	def := testDef()
	round := survey.Round{ID: 7, Name: "2025"}
	in := DashboardInput{Round: round, Def: def, Scores: bandedScores(),
		Analysis: &survey.RankAnalysis{Dimensions: []survey.DimensionEffect{{Section: "A", Effect: 0.3}, {Section: "B", Effect: 0.1}}}}
	d := BuildDashboard(in, fakeLocale("en"))
	if top := chartByID(t, d.Charts, "chart_top3_7"); !strings.HasPrefix(top.Note, "[bands.top3_unclear:") {
		t.Errorf("top three note %q", top.Note)
	}
	chartByID(t, d.Charts, "chart_sensitivity_7")
	// No analysis: no chart and no note.
	in.Analysis, in.Scores = nil, testScores()
	d = BuildDashboard(in, fakeLocale("en"))
	if top := chartByID(t, d.Charts, "chart_top3_7"); top.Note != "" {
		t.Errorf("note without bands: %q", top.Note)
	}
	for _, ch := range d.Charts {
		if ch.ID == "chart_sensitivity_7" {
			t.Error("a sensitivity chart without an analysis")
		}
	}
}

func TestRankingsTableBands(t *testing.T) {
	rows := RankingsTable(testDef(), bandedScores(), "", fakeLocale("en"))
	if got := rows[2][len(rows[2])-4:]; !reflect.DeepEqual(got, []string{"2", "2", "4", "2"}) {
		t.Errorf("MOE's band columns %v", got)
	}
}
