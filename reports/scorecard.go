package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"marsad/survey"
)

// RankingsPageSize is how many institutions a rankings page lists: 1,500
// in one table is slow to render and to read; the exports have them all.
const RankingsPageSize = 100

// Paginate is page n (1-based, clamped to the pages there are) of a list
// of total rows, RankingsPageSize a page: the page, how many pages, and
// the rows' bounds [from, to).
func Paginate(total, n int) (page, pages, from, to int) {
	pages = max(1, (total+RankingsPageSize-1)/RankingsPageSize)
	page = min(max(n, 1), pages)
	return page, pages, (page - 1) * RankingsPageSize, min(total, page*RankingsPageSize)
}

// SortScores orders a ranking as the rankings page's sort asks, stably:
// "" or "rank" keeps the rank order, "delta" the largest change first
// (those without one last), a dimension's ID its highest score first.
func SortScores(list []survey.InstitutionScore, by string) {
	if by == "" || by == "rank" {
		return
	}
	sort.SliceStable(list, func(i, j int) bool {
		if by == "delta" {
			return deltaOf(list[i]) > deltaOf(list[j])
		}
		return list[i].Dimensions[by] > list[j].Dimensions[by]
	})
}

func deltaOf(x survey.InstitutionScore) float64 {
	if x.DeltaIndex == nil {
		return -1e9
	}
	return *x.DeltaIndex
}

// RankingsTable is a ranking as its export has it, head first, in loc's
// language; the rank is the one on dimension by when sorted by one.
// Numbers stay numbers (no rounding, no sign), so a spreadsheet sorts
// them.
func RankingsTable(def *survey.Definition, scores []survey.InstitutionScore, by string, loc Locale) [][]string {
	t := loc.T
	head := []string{t("rankings.rank"), t("field.code"), t("field.institution"), t("field.sector"), t("field.kind"),
		t("field.region"), t("rankings.index"), t("rankings.level"), t("rankings.change_score"), t("rankings.change_rank")}
	for _, sec := range def.Sections {
		head = append(head, sec.ID+" "+sec.Title(loc.Lang))
	}
	head = append(head, bandHead(loc)...)
	rows := [][]string{head}
	for _, sc := range scores {
		rank := sc.Rank
		if r, ok := sc.DimensionRanks[by]; ok {
			rank = r
		}
		change, move := "", ""
		if sc.DeltaIndex != nil {
			change = num(*sc.DeltaIndex)
		}
		if sc.DeltaRank != nil {
			move = strconv.Itoa(*sc.DeltaRank) // places moved up; a number, so it sorts
		}
		row := []string{strconv.Itoa(rank), sc.Code, sc.Name(loc.Lang), loc.sector(sc.Sector), t("kind." + sc.Kind),
			t("region." + sc.Region), num(sc.Index), loc.levelLabel(def, sc.Level), change, move}
		for _, sec := range def.Sections {
			if d, ok := sc.Dimensions[sec.ID]; ok {
				row = append(row, num(d))
			} else {
				row = append(row, "")
			}
		}
		row = append(row, bandColumns(sc)...)
		rows = append(rows, row)
	}
	return rows
}

// LevelBand is one level of the model for the rankings' printed key: its
// key, and where it starts and ends on the model's scale ("" at the ends).
type LevelBand struct {
	Key, From, Below string
}

// LevelBands are the model's levels, highest first, with their bounds.
func LevelBands(m survey.Model) []LevelBand {
	out := make([]LevelBand, len(m.Levels))
	for i, l := range m.Levels {
		b := LevelBand{Key: l.Key}
		if l.Min > 0 {
			b.From = num(m.Display(l.Min))
		}
		if i > 0 {
			b.Below = num(m.Display(m.Levels[i-1].Min))
		}
		out[i] = b
	}
	return out
}

// ActionView is an improvement action with its item.
type ActionView struct {
	survey.Action
	// Item is the question's whole definition; "question" in JSON, since
	// the action's "item" is already its id (issue 19).
	Item survey.Item `json:"question"`
}

// DimensionView is a dimension's score on the model's scale.
type DimensionView struct {
	Section survey.Section
	Score   float64
	Dropped bool
}

// ItemScoreView is a scored item with its definition.
type ItemScoreView struct {
	survey.ItemScore
	Item survey.Item
}

// Explained is one institution's score explained: its dimensions, the
// weakest of them, the improvement actions with their gain and the items
// that count.
type Explained struct {
	Actions    []ActionView
	Weakest    *survey.Section
	Dimensions []DimensionView
	Items      []ItemScoreView
}

// Explain explains a result scored on def: the dimensions in the
// result's order on the model's scale, the weakest dimension that was
// not dropped, the five actions that would raise the index most and the
// items (those that can never count left out).
func Explain(def *survey.Definition, res survey.Result) Explained {
	var e Explained
	m := def.Model
	var weakest float64 = 2
	for _, d := range res.Dimensions {
		sec := sectionOf(def, d.Section)
		e.Dimensions = append(e.Dimensions, DimensionView{Section: sec, Score: m.Display(d.Score), Dropped: d.Dropped})
		if !d.Dropped && d.Score < weakest {
			weakest = d.Score
			w := sec
			e.Weakest = &w
		}
	}
	for _, a := range survey.ImprovementActions(def, res, 5) {
		it, _ := def.Item(a.ItemID)
		e.Actions = append(e.Actions, ActionView{a, it})
	}
	for _, is := range res.Items {
		if is.Dropped == survey.DropUnscored {
			continue
		}
		it, _ := def.Item(is.ItemID)
		e.Items = append(e.Items, ItemScoreView{is, it})
	}
	return e
}

func sectionOf(d *survey.Definition, id string) survey.Section {
	for _, s := range d.Sections {
		if s.ID == id {
			return s
		}
	}
	return survey.Section{ID: id, TitleAr: id}
}

// ItemRow is a scored item ready to print (the scorecard's "how it was
// scored" table): 60 rows of method calls through the template were a
// third of a scorecard's rendering.
type ItemRow struct {
	ID, Label, Value string
	Weight           float64
	Score            string // one decimal, on 100
	Dropped          string // why it was not scored, translated ("" if scored)
}

// ItemRows are items as the scorecard prints them, in loc's language.
func ItemRows(items []ItemScoreView, loc Locale) []ItemRow {
	out := make([]ItemRow, len(items))
	for i, x := range items {
		r := ItemRow{ID: x.ItemID, Label: x.Item.Label(loc.Lang), Value: scoredValue(x.Item, x.ItemScore, loc), Weight: x.Weight, Score: decimal(x.Score * 100)}
		if x.Dropped != "" {
			r.Dropped = loc.T("scorecard.drop_" + x.Dropped)
		}
		out[i] = r
	}
	return out
}

// decimal and percent are as pages show numbers: one decimal, a whole
// percentage.
func decimal(x float64) string { return fmt.Sprintf("%.1f", x) }
func percent(x float64) string { return fmt.Sprintf("%.0f%%", x*100) }

// scoredValue is the answer that was scored as a person reads it, in
// loc's language: option labels (a multiple choice's joined by the
// language's separator), yes or no, a percentage for a catalog share, the
// mean stage out of 5 — never a stored code, an "a;b;c" list or a bare
// fraction.
func scoredValue(it survey.Item, is survey.ItemScore, loc Locale) string {
	switch {
	case is.Dropped != "":
		return "—"
	case is.Value == "":
		return loc.T("scorecard.unanswered")
	}
	switch it.Type {
	case survey.TypeMetric:
		x, err := strconv.ParseFloat(is.Value, 64)
		if err != nil {
			return is.Value
		}
		if it.Metric == "mean_stage" { // stored as the mean stage / 5
			return loc.T("scorecard.mean_stage", decimal(x*survey.MaxStage))
		}
		return percent(x)
	case survey.TypePercent:
		return is.Value + "%"
	case survey.TypeSingle, survey.TypeMulti, survey.TypeYesNo:
		// The scored value joins a multiple choice's values with ";".
		values := strings.Split(is.Value, ";")
		labels := make([]string, len(values))
		for i, val := range values {
			labels[i] = optionLabel(it, val, loc)
		}
		return strings.Join(labels, loc.T("list.separator"))
	}
	return is.Value
}

// optionLabel is an answer value's label: the option's text for choices,
// yes or no translated, the value itself otherwise.
func optionLabel(it survey.Item, value string, loc Locale) string {
	for _, o := range it.Options {
		if o.Value == value {
			return o.Label(loc.Lang)
		}
	}
	if it.Type == survey.TypeYesNo {
		return loc.T(value)
	}
	return value
}

// ProfileInput is what an institution's profile charts are made of.
type ProfileInput struct {
	Round survey.Round
	Def   *survey.Definition
	Score survey.InstitutionScore
	// Ranking is the round's ranking the radar compares with; nil when
	// the reader may see only the institution's own figures.
	Ranking *survey.Ranking
	// Rounds and Indexes are the institution's index over the rounds the
	// reader may see, oldest first.
	Rounds  []string
	Indexes []float64
}

// ProfileCharts are an institution's radar (its dimensions against the
// national average and the best in its sector, or alone without a
// ranking) and, over two rounds or more, its index over the rounds.
func ProfileCharts(in ProfileInput, loc Locale) []Chart {
	t, def, sc := loc.T, in.Def, in.Score
	mine := Series{Name: sc.Institution.Name(loc.Lang)}
	for _, sec := range def.Sections {
		mine.Values = append(mine.Values, sc.Dimensions[sec.ID])
	}
	series, title := []Series{mine}, t("profile.radar_own")
	if rk := in.Ranking; rk != nil {
		avg := Series{Name: t("profile.national_average")}
		best := Series{Name: t("profile.sector_best")}
		bestScore := rk.SectorBest(sc.Sector, sc.Code)
		if bestScore != nil {
			best.Name = t("profile.sector_best_named", bestScore.Name(loc.Lang))
		}
		for _, sec := range def.Sections {
			avg.Values = append(avg.Values, rk.Average(sec.ID))
			if bestScore != nil {
				best.Values = append(best.Values, bestScore.Dimensions[sec.ID])
			}
		}
		series, title = append(series, avg), t("profile.radar")
		if bestScore != nil {
			series = append(series, best)
		}
	}
	radar := RadarDims(ChartID("profile", in.Round.ID, sc.Code), title, DimsOf(def.Sections, loc.Lang), def.Model.Display(1), series, loc.Lang)
	radar.Head[0] = t("response.sections")
	out := []Chart{radar}
	if len(in.Indexes) > 1 {
		tr := Trend(ChartID("trend", in.Round.ID, sc.Code), t("profile.trend"), in.Rounds, in.Indexes, def.Model.Display(1), loc.Lang)
		tr.Head = []string{t("rounds.round"), t("rankings.index")}
		out = append(out, tr)
	}
	return out
}
