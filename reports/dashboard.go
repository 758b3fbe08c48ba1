package reports

import "marsad/survey"

// DashboardInput is what a round's dashboard is made of, read from the
// store by the handler.
type DashboardInput struct {
	Round survey.Round
	Def   *survey.Definition
	// Scores is the round's whole ranking in rank order, with changes
	// against Since; Filter narrows it (and Conference) here.
	Scores []survey.InstitutionScore
	Filter Filter
	// Catalog is the catalog's figures for the filter's institutions.
	Catalog survey.CatalogMetrics
	// Since is the round the changes are measured against, nil when no
	// change is shown (none the reader may see, or none comparable): then
	// no movers chart.
	Since      *survey.Round
	Conference ConferenceInput
	// Analysis is the round's rank analysis on the index shown, nil when
	// it has none (bands.go).
	Analysis *survey.RankAnalysis
}

// Dashboard is a round's overview, ready to render and export.
type Dashboard struct {
	// Responded is how many institutions of the filter were scored.
	Responded int
	// Average is their mean index on the model's scale; Change the mean
	// change of those with one (nil: none has).
	Average float64
	Change  *float64
	// Charts are the leaderboard, levels, stages and reach, then the
	// movers and the top three's radar when there are any.
	Charts []Chart
	// Top10 is the leaderboard of ten, for the slides.
	Top10 Chart
	// More are the obstacles, initiatives and action plans.
	More []Chart
}

// AverageIndex is the mean index of scores shown on the model's scale,
// and the mean change of those with one (nil when none has).
func AverageIndex(scores []survey.InstitutionScore, m survey.Model) (float64, *float64) {
	var sum, dsum, avg float64
	var dn int
	for _, sc := range scores {
		sum += sc.Index
		if sc.DeltaIndex != nil {
			dsum += *sc.DeltaIndex
			dn++
		}
	}
	if len(scores) > 0 {
		avg = m.Display(sum / float64(len(scores)) / m.Scale)
	}
	if dn == 0 {
		return avg, nil
	}
	d := dsum / float64(dn)
	return avg, &d
}

// BuildDashboard assembles a round's dashboard: its figures and its charts
// with their tables in loc's language.
func BuildDashboard(in DashboardInput, loc Locale) Dashboard {
	t, def, id := loc.T, in.Def, in.Round.ID
	scores := FilterScores(in.Scores, in.Filter)
	d := Dashboard{Responded: len(scores)}
	d.Average, d.Change = AverageIndex(scores, def.Model)

	levels := map[string]int{}
	for _, sc := range scores {
		levels[sc.Level]++
	}
	var levelLabels, levelColors []string
	var levelCounts []int
	for _, l := range def.Model.Levels {
		levelLabels = append(levelLabels, loc.pick(l.LabelAr, l.LabelEn))
		levelCounts = append(levelCounts, levels[l.Key])
		levelColors = append(levelColors, LevelColors[l.Key])
	}
	cat := in.Catalog
	d.Charts = []Chart{
		leaderboard(ChartID("leaderboard", id), t("dashboard.leaderboard"), scores, def, loc, 15),
		Counts(ChartID("levels", id), t("dashboard.levels"), levelLabels, levelCounts, levelColors, loc.Lang),
		Counts(ChartID("stages", id), t("dashboard.stages"), StageNames(t), cat.ByStage[:], StageColors[:], loc.Lang),
		Shares(ChartID("reach", id), t("dashboard.reach"),
			[]string{t("metric.stage3"), t("flag.abroad"), t("flag.no_visit"), t("flag.e_payment")},
			[]float64{cat.ShareStage3, cat.ShareAbroad, cat.ShareNoVisit, cat.ShareEPayment}, loc.Lang),
	}
	d.Charts[1].Head = []string{t("rankings.level"), t("dashboard.institutions")}
	d.Charts[2].Head = []string{t("field.stage"), t("dashboard.services")}
	d.Charts[3].Head = []string{t("dashboard.measure"), t("dashboard.share")}
	d.Top10 = leaderboard(ChartID("top10", id), t("present.top10"), scores, def, loc, 10)
	// Changes exist only against a round this reader may see (Since).
	if in.Since != nil {
		if movers := Movers(ChartID("movers", id), t("dashboard.movers_since", in.Since.Name), scores, loc.Lang, 10); len(movers.Rows) > 0 {
			movers.Head = []string{t("field.institution"), t("rankings.change"), t("rankings.index")}
			d.Charts = append(d.Charts, movers)
		}
	}
	if len(scores) >= 3 {
		d.Charts = append(d.Charts, ScoresRadar(ChartID("top3", id), t("dashboard.top3"), def, scores[:3], loc))
	}
	addBands(&d, in, scores, loc)
	conf := in.Conference
	conf.RoundID, conf.Filter = id, in.Filter
	d.More = ConferenceCharts(conf, loc)
	return d
}

// leaderboard is Leaderboard with its table in loc's language: the head
// and each level's name.
func leaderboard(id, title string, scores []survey.InstitutionScore, def *survey.Definition, loc Locale, n int) Chart {
	ch := Leaderboard(id, title, scores, loc.Lang, n)
	ch.Head = []string{loc.T("rankings.rank"), loc.T("field.institution"), loc.T("rankings.index"), loc.T("rankings.level")}
	for _, row := range ch.Rows {
		row[3] = loc.levelLabel(def, row[3])
	}
	return ch
}

// ScoresRadar is a radar of institutions' dimensions, one line each (the
// dashboard's top three, a comparison), its table's first column headed
// in loc's language.
func ScoresRadar(id, title string, def *survey.Definition, scores []survey.InstitutionScore, loc Locale) Chart {
	series := make([]Series, 0, len(scores))
	for _, sc := range scores {
		one := Series{Name: sc.Name(loc.Lang)}
		for _, sec := range def.Sections {
			one.Values = append(one.Values, sc.Dimensions[sec.ID])
		}
		series = append(series, one)
	}
	ch := RadarDims(id, title, DimsOf(def.Sections, loc.Lang), def.Model.Display(1), series, loc.Lang)
	ch.Head[0] = loc.T("response.sections")
	return ch
}

// All are the dashboard's charts, each once: the top ten, the charts,
// then the conference's.
func (d Dashboard) All() []Chart {
	return append(append([]Chart{d.Top10}, d.Charts...), d.More...)
}

// Chart finds one of the dashboard's charts by its ID.
func (d Dashboard) Chart(id string) (Chart, bool) {
	for _, ch := range d.All() {
		if ch.ID == id {
			return ch, true
		}
	}
	return Chart{}, false
}

// Slides are the dashboard's charts in the order a round's story is told
// on stage: who leads, who moved, how the leaders differ, then the
// services (stages, reach and resilience, levels), then what the
// conference discusses (obstacles). After come after the success stories'
// slides: partnerships and whether plans were kept. Charts the dashboard
// lacks are skipped.
func (d Dashboard) Slides(roundID int64) (slides, after []Chart) {
	for _, name := range []string{"top10", "movers", "top3", "stages", "reach", "levels", "obstacles", "obstacles_kind", "obstacles_severity", "obstacles_region"} {
		if ch, ok := d.Chart(ChartID(name, roundID)); ok {
			slides = append(slides, ch)
		}
	}
	for _, name := range []string{"initiatives_partners", "plans"} {
		if ch, ok := d.Chart(ChartID(name, roundID)); ok {
			after = append(after, ch)
		}
	}
	return slides, after
}
