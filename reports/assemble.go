package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"marsad/survey"
)

// Pages are assembled here, not in the handlers: the figures (averages,
// counts), the filters' effect and every chart with its data table, its
// head and its cells in the page's language. A handler binds the request,
// checks access, reads the store, calls one of these and renders; so the
// same numbers and words reach the page, its exports and its tests.

// Translate gives the text of a locale key in a page's language, with
// args formatted into it (the handlers' locale T).
type Translate func(key string, args ...any) string

// Locale is what assembly needs of a page's language.
type Locale struct {
	// Lang is "ar" or "en": which of a name's two spellings to show.
	Lang string
	T    Translate
	// Sector names a sector key. Sectors are free text: one with no
	// translation shows as stored, and so does every one when Sector is
	// nil.
	Sector func(key string) string
}

// pick is the English spelling on English pages when there is one, the
// Arabic otherwise.
func (l Locale) pick(ar, en string) string {
	if l.Lang == "en" && en != "" {
		return en
	}
	return ar
}

func (l Locale) sector(key string) string {
	if l.Sector == nil {
		return key
	}
	return l.Sector(key)
}

// levelLabel is a level's name from the model, its key if unknown.
func (l Locale) levelLabel(d *survey.Definition, key string) string {
	for _, lv := range d.Model.Levels {
		if lv.Key == key {
			return l.pick(lv.LabelAr, lv.LabelEn)
		}
	}
	return key
}

// StageNames are the stages 0–5 as charts and tables name them: the
// number, then its name ("3 معاملات").
func StageNames(t Translate) []string {
	out := make([]string, 0, survey.MaxStage+1)
	for st := 0; st <= survey.MaxStage; st++ {
		out = append(out, strconv.Itoa(st)+" "+t("stage."+strconv.Itoa(st)))
	}
	return out
}

// Filter narrows a page to institutions of one sector, kind and region;
// an empty field keeps all.
type Filter struct {
	Sector, Kind, Region string
}

// Matches says whether an institution with these attributes is kept.
func (f Filter) Matches(sector, kind, region string) bool {
	return (f.Sector == "" || sector == f.Sector) && (f.Kind == "" || kind == f.Kind) && (f.Region == "" || region == f.Region)
}

// Narrowed says whether any of sector, kind or region is chosen.
func (f Filter) Narrowed() bool { return f.Sector != "" || f.Kind != "" || f.Region != "" }

// FilterScores keeps the institutions matching f, in a new slice: the
// ranking passed in may be shared and is only read.
func FilterScores(list []survey.InstitutionScore, f Filter) []survey.InstitutionScore {
	n := len(list)
	if f.Narrowed() {
		n /= 4
	}
	out := make([]survey.InstitutionScore, 0, n)
	for _, sc := range list {
		if f.Matches(sc.Sector, sc.Kind, sc.Region) {
			out = append(out, sc)
		}
	}
	return out
}

// keep is the elements of list whose sector, kind and region f keeps.
func keep[T any](list []T, f Filter, of func(T) (sector, kind, region string)) []T {
	var out []T
	for _, x := range list {
		if f.Matches(of(x)) {
			out = append(out, x)
		}
	}
	return out
}

// ScoreSectors lists the sectors of scored institutions, sorted: the
// sector filter's choices.
func ScoreSectors(list []survey.InstitutionScore) []string {
	return distinctSorted(list, func(x survey.InstitutionScore) string { return x.Sector })
}

// InstitutionSectors lists the sectors of institutions, sorted.
func InstitutionSectors(list []survey.Institution) []string {
	return distinctSorted(list, func(in survey.Institution) string { return in.Sector })
}

func distinctSorted[T any](list []T, key func(T) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range list {
		if k := key(x); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// CatalogOf adds up the catalog tallies of the institutions f keeps (a
// tally per institution code): their metrics and how many they are.
func CatalogOf(institutions []survey.Institution, tallies map[string]survey.MetricsTally, f Filter) (survey.CatalogMetrics, int) {
	var t survey.MetricsTally
	n := 0
	for _, in := range institutions {
		if f.Matches(in.Sector, in.Kind, in.Region) {
			t.Merge(tallies[in.Code])
			n++
		}
	}
	return t.Metrics(), n
}

// Provisional says a round's figures may still change: it is not yet
// published. Its pages, slides and every export say so.
func Provisional(r survey.Round) bool { return r.Status != survey.RoundPublished }

// Caption is the caption under a round's exported charts: the source, the
// round and the index, then a mark for provisional figures and one for
// demo data.
func Caption(r survey.Round, index string, demo bool, loc Locale) string {
	indexName := loc.T("rankings.on_self")
	if index == survey.ScoreVerified {
		indexName = loc.T("rankings.on_verified")
	}
	parts := []string{loc.T("chart.source", r.Name, indexName)}
	if Provisional(r) {
		parts = append(parts, loc.T("chart.provisional"))
	}
	if demo {
		parts = append(parts, loc.T("chart.demo"))
	}
	return strings.Join(parts, " · ")
}

// ChartFile names a chart's downloads (images, data, offline HTML) after
// the round and the chart, without extension: the round's name, the
// chart's name (its ID without the "chart_" prefix and the round's ID) and
// the language, e.g. marsad-2025-leaderboard-ar. The handler that sends it
// cleans it for the header.
func ChartFile(r survey.Round, chartID, lang string) string {
	name := strings.TrimPrefix(chartID, "chart_")
	round := "_" + strconv.FormatInt(r.ID, 10)
	if i := strings.Index(name+"_", round+"_"); i >= 0 {
		name = name[:i] + name[i+len(round):]
	}
	return fmt.Sprintf("marsad-%s-%s-%s", r.Name, name, lang)
}

// SetExports gives each of a round's charts what its exported images
// carry (Export): the round's caption and its file name.
func SetExports(r survey.Round, index string, demo bool, loc Locale, charts ...Chart) {
	e := Export{Caption: Caption(r, index, demo, loc), Exported: loc.T("chart.exported"), PNG: loc.T("chart.png")}
	for _, ch := range charts {
		e.File = ChartFile(r, ch.ID, loc.Lang)
		ch.SetExport(e)
	}
}

// DataTable is a chart's data as an export has it: the head, then the
// rows. A note (provisional figures) goes above them, as wide as the
// table, so that figures copied into a report cannot pass for published
// ones and CSV readers get rows of one width.
func DataTable(ch Chart, note string) [][]string {
	table := append([][]string{ch.Head}, ch.Rows...)
	if note != "" {
		row := make([]string, max(1, len(ch.Head)))
		row[0] = note
		table = append([][]string{row}, table...)
	}
	return table
}
