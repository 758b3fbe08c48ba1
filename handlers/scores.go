package handlers

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// scoreAccess says whether the user may see a round's rankings (code "")
// or one institution's scorecard: the access policy's SeeRankings and
// SeeScorecard (survey/access.go).
func scoreAccess(u *survey.User, r survey.Round, code string) bool {
	if code == "" {
		return survey.Allowed(u, survey.SeeRankings, r, "")
	}
	return survey.Allowed(u, survey.SeeScorecard, r, code)
}

// roundForScores loads the round in the URL and checks access; it answers
// the request itself when it returns false.
func (s *Server) roundForScores(c *gin.Context, code string) (survey.Round, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return survey.Round{}, false
	}
	r, err := s.store.Round(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return r, false
	}
	if !scoreAccess(currentUser(c), r, code) {
		if currentUser(c) == nil && !isAPI(c) {
			s.requireUser(c)
			return r, false
		}
		s.fail(c, http.StatusForbidden, "err.forbidden")
		return r, false
	}
	return r, true
}

func scoreKind(c *gin.Context) string {
	if c.Query("index") == "verified" {
		return survey.ScoreVerified
	}
	return survey.ScoreSelf
}

// scoreFilter is the index and the sector, kind and region a score page
// is narrowed to, from its URL.
type scoreFilter struct {
	Kind    string // self or verified
	Sector  string
	IKind   string // institution kind
	Region  string
	Sectors []string // the sectors to choose from
}

func newScoreFilter(c *gin.Context) scoreFilter {
	return scoreFilter{Kind: scoreKind(c), Sector: c.Query("sector"), IKind: c.Query("kind"), Region: c.Query("region")}
}

// matches says whether an institution with these attributes is kept.
func (f scoreFilter) matches(sector, kind, region string) bool {
	return (f.Sector == "" || sector == f.Sector) && (f.IKind == "" || kind == f.IKind) && (f.Region == "" || region == f.Region)
}

// Narrowed says whether any of sector, kind or region is chosen.
func (f scoreFilter) Narrowed() bool { return f.Sector != "" || f.IKind != "" || f.Region != "" }

// filter keeps the institutions matching the filter.
func (f scoreFilter) filter(list []survey.InstitutionScore) []survey.InstitutionScore {
	n := len(list)
	if f.Narrowed() {
		n /= 4
	}
	out := make([]survey.InstitutionScore, 0, n)
	for _, sc := range list {
		if f.matches(sc.Sector, sc.Kind, sc.Region) {
			out = append(out, sc)
		}
	}
	return out
}

// Query is the filter as URL parameters, for links that keep it.
func (f scoreFilter) Query() template.URL {
	return queryOf("index", f.Kind, "sector", f.Sector, "kind", f.IKind, "region", f.Region)
}

// queryOf encodes the pairs of a query whose value is not empty, for links
// that keep a page's filters.
func queryOf(pairs ...string) template.URL {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return template.URL(q.Encode()) // #nosec G203 -- encoded by url.Values
}

// sectorsOf lists the sectors of scored institutions, sorted.
func sectorsOf(list []survey.InstitutionScore) []string {
	return distinctSorted(list, func(x survey.InstitutionScore) string { return x.Sector })
}

// institutionSectors lists the sectors of institutions, sorted.
func institutionSectors(list []survey.Institution) []string {
	return distinctSorted(list, func(in survey.Institution) string { return in.Sector })
}

// distinctSorted is the distinct values of key over list, sorted: the
// choices of a filter.
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

// apiScores answers a round's rankings, with changes against the round
// the caller may see (compared_with, null when none). The encoded answer
// is kept per round, index, filters, round compared with and version of
// the scores — everything it depends on, so it is right for anyone
// allowed to ask — and repeated requests (a dashboard on a conference
// screen) cost two small queries.
func (s *Server) apiScores(c *gin.Context) {
	r, ok := s.roundForScores(c, "")
	if !ok {
		return
	}
	version, err := s.store.ScoresVersion(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	since, err := s.comparedWith(c, r)
	if err != nil {
		s.serverError(c, err)
		return
	}
	key := "scores/" + strconv.FormatInt(r.ID, 10) + "/" + scoreKind(c) + "/" + c.Query("sector") + "/" + c.Query("kind") + "/" + c.Query("region") + "/" + r.Status + strconv.FormatBool(r.Public) +
		"/since" + strconv.FormatInt(roundIDOf(since), 10)
	if body, ok := s.apiCache.get(key, version); ok {
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
		return
	}
	// Requests arriving together after a change encode the answer once.
	s.encoding.Lock()
	defer s.encoding.Unlock()
	if body, ok := s.apiCache.get(key, version); ok {
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
		return
	}
	list, err := s.store.ScoresSince(c.Request.Context(), r.ID, scoreKind(c), roundIDOf(since))
	if err != nil {
		s.serverError(c, err)
		return
	}
	list = newScoreFilter(c).filter(list)
	if list == nil {
		list = []survey.InstitutionScore{}
	}
	body, err := json.Marshal(gin.H{"round": r, "index": scoreKind(c), "scoring_version": survey.ScoringVersion, "compared_with": since, "scores": list})
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.apiCache.put(key, version, body)
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// scorecard is one institution's score explained: dimensions, items and
// the improvement actions with their gain.
type scorecard struct {
	Round      survey.Round
	Q          survey.QuestionnaireVersion
	Score      survey.InstitutionScore
	Kind       string
	Actions    []actionView
	Weakest    *survey.Section
	Dimensions []dimensionView
	Items      []itemScoreView
	// Rows are Items ready to print (the page's "how it was scored"
	// table): 60 rows of method calls through the template were a third
	// of a scorecard's rendering.
	Rows        []itemRow
	Institution survey.Institution
	Charts      []reports.Chart // the profile: radar and trend (pages only)
	// OwnOnly: the reader may see this scorecard but not the round's
	// rankings (a respondent's own, before publication): Score holds the
	// institution's own figures only, and the page compares with nobody.
	OwnOnly bool
	// Since is the round the changes are measured against (nil: none the
	// reader may see, and no change is shown).
	Since *survey.Round
}

type actionView struct {
	survey.Action
	Item survey.Item
}

type dimensionView struct {
	Section survey.Section
	Score   float64
	Dropped bool
}

type itemScoreView struct {
	survey.ItemScore
	Item survey.Item
}

type itemRow struct {
	ID, Label, Value string
	Weight           float64
	Score            string // one decimal, on 100
	Dropped          string // why it was not scored, translated ("" if scored)
}

func itemRows(v *view, items []itemScoreView) []itemRow {
	out := make([]itemRow, len(items))
	for i, x := range items {
		r := itemRow{ID: x.ItemID, Label: x.Item.Label(v.Lang), Value: scoredValue(v, x.Item, x.ItemScore), Weight: x.Weight, Score: v.Decimal(x.Score * 100)}
		if x.Dropped != "" {
			r.Dropped = v.T("scorecard.drop_" + x.Dropped)
		}
		out[i] = r
	}
	return out
}

// scoredValue is the answer that was scored as a person reads it, in the
// page's language: option labels (a multiple choice's joined by commas),
// yes or no, a percentage for a catalog share, the mean stage out of 5 —
// never a stored code, an "a;b;c" list or a bare fraction.
func scoredValue(v *view, it survey.Item, is survey.ItemScore) string {
	switch {
	case is.Dropped != "":
		return "—"
	case is.Value == "":
		return v.T("scorecard.unanswered")
	}
	switch it.Type {
	case survey.TypeMetric:
		x, err := strconv.ParseFloat(is.Value, 64)
		if err != nil {
			return is.Value
		}
		if it.Metric == "mean_stage" { // stored as the mean stage / 5
			return v.T("scorecard.mean_stage", v.Decimal(x*survey.MaxStage))
		}
		return v.Percent(x)
	case survey.TypePercent:
		return is.Value + "%"
	case survey.TypeSingle, survey.TypeMulti, survey.TypeYesNo:
		// The scored value joins a multiple choice's values with ";".
		values := strings.Split(is.Value, ";")
		labels := make([]string, len(values))
		for i, val := range values {
			labels[i] = v.OptionLabel(it, val)
		}
		return strings.Join(labels, v.T("list.separator"))
	}
	return is.Value
}

func (s *Server) loadScorecard(c *gin.Context) (scorecard, bool) {
	code := c.Param("code")
	r, ok := s.roundForScores(c, code)
	if !ok {
		return scorecard{}, false
	}
	ctx := c.Request.Context()
	sc := scorecard{Round: r, Kind: scoreKind(c), OwnOnly: survey.OwnFiguresOnly(currentUser(c), r)}
	var err error
	if sc.Q, err = s.store.Questionnaire(ctx, r.QuestionnaireID); err != nil {
		s.serverError(c, err)
		return sc, false
	}
	if sc.Since, err = s.comparedWith(c, r); err != nil {
		s.serverError(c, err)
		return sc, false
	}
	found := false
	err = s.store.ReadRankingSince(ctx, r.ID, sc.Kind, roundIDOf(sc.Since), func(rk *survey.Ranking) error {
		sc.Score, found = rk.Find(code)
		return nil
	})
	if err != nil {
		s.serverError(c, err)
		return sc, false
	}
	if !found {
		s.failErr(c, survey.ErrNotFound)
		return sc, false
	}
	if sc.OwnOnly {
		sc.Score = sc.Score.OwnOnly()
	}
	if sc.Score.Result, err = s.store.ScoreResult(ctx, r.ID, code, sc.Kind); err != nil {
		s.failErr(c, err)
		return sc, false
	}
	sc.Institution = sc.Score.Institution
	m := sc.Q.Def.Model
	var weakest float64 = 2
	for _, d := range sc.Score.Result.Dimensions {
		sec := sectionOf(sc.Q.Def, d.Section)
		sc.Dimensions = append(sc.Dimensions, dimensionView{Section: sec, Score: m.Display(d.Score), Dropped: d.Dropped})
		if !d.Dropped && d.Score < weakest {
			weakest = d.Score
			w := sec
			sc.Weakest = &w
		}
	}
	for _, a := range survey.ImprovementActions(sc.Q.Def, sc.Score.Result, 5) {
		it, _ := sc.Q.Def.Item(a.ItemID)
		sc.Actions = append(sc.Actions, actionView{a, it})
	}
	for _, is := range sc.Score.Result.Items {
		it, _ := sc.Q.Def.Item(is.ItemID)
		if is.Dropped == survey.DropUnscored {
			continue
		}
		sc.Items = append(sc.Items, itemScoreView{is, it})
	}
	return sc, true
}

func sectionOf(d *survey.Definition, id string) survey.Section {
	for _, s := range d.Sections {
		if s.ID == id {
			return s
		}
	}
	return survey.Section{ID: id, TitleAr: id}
}

func (s *Server) apiScorecard(c *gin.Context) {
	sc, ok := s.loadScorecard(c)
	if !ok {
		return
	}
	// own_only: the caller may see this institution's figures but not yet
	// the round's rankings, so nothing in the answer compares it with others.
	c.JSON(http.StatusOK, gin.H{"round": sc.Round, "index": sc.Kind, "score": sc.Score, "result": sc.Score.Result,
		"improvement_actions": sc.Actions, "scoring_version": survey.ScoringVersion, "own_only": sc.OwnOnly, "compared_with": sc.Since})
}

func (s *Server) showScorecard(c *gin.Context) {
	s.cachedScorePage(c, s.renderScorecard)
}

func (s *Server) renderScorecard(c *gin.Context) (scorePage, bool) {
	sc, ok := s.loadScorecard(c)
	if !ok {
		return scorePage{}, false
	}
	v := s.newView(c, "scorecard.title")
	v.Title = v.T("scorecard.title") + " — " + sc.Institution.Name(v.Lang)
	var err error
	if sc.Charts, err = s.profileCharts(c, v, sc); err != nil {
		s.serverError(c, err)
		return scorePage{}, false
	}
	v.Charts = len(sc.Charts) > 0
	sc.Rows = itemRows(v, sc.Items)
	v.Data = sc
	return scorePage{"scorecard", v}, true
}

// profileCharts are an institution's radar (its dimensions against the
// national average and the best in its sector — or alone, before the
// reader may see the round's rankings) and its index over the rounds this
// user may see.
func (s *Server) profileCharts(c *gin.Context, v *view, sc scorecard) ([]reports.Chart, error) {
	ctx := c.Request.Context()
	m := sc.Q.Def.Model
	mine := reports.Series{Name: sc.Institution.Name(v.Lang)}
	for _, sec := range sc.Q.Def.Sections {
		mine.Values = append(mine.Values, sc.Score.Dimensions[sec.ID])
	}
	series, title := []reports.Series{mine}, v.T("profile.radar_own")
	if !sc.OwnOnly {
		var ranking *survey.Ranking
		// Only read: the ranking held in memory, not a copy of it.
		if err := s.store.ReadRanking(ctx, sc.Round.ID, sc.Kind, func(r *survey.Ranking) error { ranking = r; return nil }); err != nil {
			return nil, err
		}
		avg := reports.Series{Name: v.T("profile.national_average")}
		best := reports.Series{Name: v.T("profile.sector_best")}
		bestScore := ranking.SectorBest(sc.Score.Sector, sc.Score.Code)
		if bestScore != nil {
			best.Name = v.T("profile.sector_best_named", pick(v.Lang, bestScore.NameAr, bestScore.NameEn))
		}
		for _, sec := range sc.Q.Def.Sections {
			avg.Values = append(avg.Values, ranking.Average(sec.ID))
			if bestScore != nil {
				best.Values = append(best.Values, bestScore.Dimensions[sec.ID])
			}
		}
		series, title = append(series, avg), v.T("profile.radar")
		if bestScore != nil {
			series = append(series, best)
		}
	}
	radar := reports.RadarDims(reports.ChartID("profile", sc.Round.ID, sc.Score.Code), title, reports.DimsOf(sc.Q.Def.Sections, v.Lang), m.Display(1), series, v.Lang)
	radar.Head[0] = v.T("response.sections")
	out := []reports.Chart{radar}

	rounds, err := s.store.ListRounds(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(rounds, func(i, j int) bool { return rounds[i].ID < rounds[j].ID })
	var ids []int64
	byID := map[int64]survey.Round{}
	for _, r := range rounds {
		if r.ID <= sc.Round.ID && scoreAccess(currentUser(c), r, sc.Score.Code) {
			ids = append(ids, r.ID)
			byID[r.ID] = r
		}
	}
	var names []string
	var values []float64
	err = s.store.ReadRankings(ctx, ids, sc.Kind, func(id int64, rk *survey.Ranking) error {
		if x, ok := rk.Find(sc.Score.Code); ok {
			if survey.OwnFiguresOnly(currentUser(c), byID[id]) {
				x = x.OwnOnly() // a normalised index would place it among the others
			}
			names, values = append(names, byID[id].Name), append(values, x.Index)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(values) > 1 {
		t := reports.Trend(reports.ChartID("trend", sc.Round.ID, sc.Score.Code), v.T("profile.trend"), names, values, m.Display(1), v.Lang)
		t.Head = []string{v.T("rounds.round"), v.T("rankings.index")}
		out = append(out, t)
	}
	v.exportCharts(sc.Round, sc.Kind, out...)
	return out, nil
}

type rankingsPage struct {
	Round  survey.Round
	Q      survey.QuestionnaireVersion
	Scores []survey.InstitutionScore
	scoreFilter
	Sort  string
	Page  int // 1-based, on the rankings page
	Pages int
	// Since is the round the changes are measured against (nil: none the
	// reader may see; the changes are not shown).
	Since *survey.Round
}

// levelBand is one level of the model for the rankings' printed key: its
// key, and where it starts and ends on the model's scale ("" at the ends).
type levelBand struct {
	Key, From, Below string
}

// LevelBands are the model's levels, highest first, with their bounds.
func (p rankingsPage) LevelBands() []levelBand {
	m := p.Q.Def.Model
	out := make([]levelBand, len(m.Levels))
	for i, l := range m.Levels {
		b := levelBand{Key: l.Key}
		if l.Min > 0 {
			b.From = strconv.FormatFloat(m.Display(l.Min), 'f', -1, 64)
		}
		if i > 0 {
			b.Below = strconv.FormatFloat(m.Display(m.Levels[i-1].Min), 'f', -1, 64)
		}
		out[i] = b
	}
	return out
}

// rankingsPageSize is how many institutions a rankings page lists.
const rankingsPageSize = 100

// PageLink is the rankings URL for page n, other parameters kept.
func (p rankingsPage) PageLink(n int) string {
	q := url.Values{"index": {p.Kind}, "sector": {p.Sector}, "kind": {p.IKind}, "region": {p.Region}, "sort": {p.Sort}, "page": {strconv.Itoa(n)}}
	return "?" + q.Encode()
}

func (s *Server) showRankings(c *gin.Context) {
	s.cachedScorePage(c, func(c *gin.Context) (scorePage, bool) {
		p, ok := s.rankingsData(c)
		if !ok {
			return scorePage{}, false
		}
		// A page of rows: 1,500 institutions in one table is slow to render
		// and to read; the exports have them all.
		p.Pages = max(1, (len(p.Scores)+rankingsPageSize-1)/rankingsPageSize)
		p.Page, _ = strconv.Atoi(c.Query("page"))
		p.Page = min(max(p.Page, 1), p.Pages)
		p.Scores = p.Scores[(p.Page-1)*rankingsPageSize : min(len(p.Scores), p.Page*rankingsPageSize)]
		v := s.newView(c, "rankings.title")
		v.Title = v.T("rankings.title") + " — " + p.Round.Name
		v.Data = p
		return scorePage{"rankings", v}, true
	})
}

// rankingsData is the filtered, sorted ranking a request asks for; it has
// answered the request itself when it returns false.
func (s *Server) rankingsData(c *gin.Context) (rankingsPage, bool) {
	r, ok := s.roundForScores(c, "")
	if !ok {
		return rankingsPage{}, false
	}
	ctx := c.Request.Context()
	p := rankingsPage{Round: r, scoreFilter: newScoreFilter(c), Sort: c.Query("sort")}
	var err error
	if p.Q, err = s.store.Questionnaire(ctx, r.QuestionnaireID); err != nil {
		s.serverError(c, err)
		return p, false
	}
	if p.Since, err = s.comparedWith(c, r); err != nil {
		s.serverError(c, err)
		return p, false
	}
	// filter makes the page's own slice, so the shared ranking is only read.
	err = s.store.ReadRankingSince(ctx, r.ID, p.Kind, roundIDOf(p.Since), func(rk *survey.Ranking) error {
		p.Sectors = sectorsOf(rk.List)
		p.Scores = p.filter(rk.List)
		return nil
	})
	if err != nil {
		s.serverError(c, err)
		return p, false
	}
	if d := p.Sort; d != "" && d != "rank" {
		sort.SliceStable(p.Scores, func(i, j int) bool {
			if d == "delta" {
				return deltaOf(p.Scores[i]) > deltaOf(p.Scores[j])
			}
			return p.Scores[i].Dimensions[d] > p.Scores[j].Dimensions[d]
		})
	}
	return p, true
}

func deltaOf(x survey.InstitutionScore) float64 {
	if x.DeltaIndex == nil {
		return -1e9
	}
	return *x.DeltaIndex
}

// exportRankings is the rankings table as it is filtered on the page, as
// CSV (with a BOM) or as a workbook (right to left in Arabic).
func (s *Server) exportRankings(c *gin.Context) {
	p, ok := s.rankingsData(c)
	if !ok {
		return
	}
	v := s.newView(c, "rankings.title")
	head := []string{v.T("rankings.rank"), v.T("field.code"), v.T("field.institution"), v.T("field.sector"), v.T("field.kind"),
		v.T("field.region"), v.T("rankings.index"), v.T("rankings.level"), v.T("rankings.change_score"), v.T("rankings.change_rank")}
	for _, sec := range p.Q.Def.Sections {
		head = append(head, sec.ID+" "+sec.Title(v.Lang))
	}
	rows := [][]string{head}
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	for _, sc := range p.Scores {
		rank := sc.Rank
		if r, ok := sc.DimensionRanks[p.Sort]; ok {
			rank = r
		}
		change, move := "", ""
		if sc.DeltaIndex != nil {
			change = num(*sc.DeltaIndex)
		}
		if sc.DeltaRank != nil {
			move = strconv.Itoa(*sc.DeltaRank) // places moved up; a number, so it sorts
		}
		row := []string{strconv.Itoa(rank), sc.Code, pick(v.Lang, sc.NameAr, sc.NameEn), v.Sector(sc.Sector), v.Kind(sc.Kind),
			v.Region(sc.Region), num(sc.Index), v.LevelLabel(p.Q.Def, sc.Level), change, move}
		for _, sec := range p.Q.Def.Sections {
			if d, ok := sc.Dimensions[sec.ID]; ok {
				row = append(row, num(d))
			} else {
				row = append(row, "")
			}
		}
		rows = append(rows, row)
	}
	s.sendTable(c, fmt.Sprintf("marsad-rankings-%s-%s", p.Round.Name, p.Kind), "rankings", rows, v.Lang == "ar")
}
