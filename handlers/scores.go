package handlers

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"

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

// narrow is the filter's sector, kind and region, which reports applies.
func (f scoreFilter) narrow() reports.Filter {
	return reports.Filter{Sector: f.Sector, Kind: f.IKind, Region: f.Region}
}

// Narrowed says whether any of sector, kind or region is chosen.
func (f scoreFilter) Narrowed() bool { return f.narrow().Narrowed() }

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
	cmp, err := s.comparedWith(c, r)
	since := cmp.Since
	if err != nil {
		s.serverError(c, err)
		return
	}
	key := "scores/" + strconv.FormatInt(r.ID, 10) + "/" + scoreKind(c) + "/" + c.Query("sector") + "/" + c.Query("kind") + "/" + c.Query("region") + "/" + r.Status + strconv.FormatBool(r.Public) +
		"/since" + strconv.FormatInt(roundIDOf(since), 10) + "/v" + c.Query("scoring_version") + "/passed" + cmp.PassedKey()
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
	// The scores shown, or those of a scoring version a rescore superseded
	// (?scoring_version=, frozen.go).
	list, shown, versions, err := s.scoresOfVersion(c, r, roundIDOf(since))
	if err != nil {
		s.failErr(c, err)
		return
	}
	var compared, comparison any = since, comparisonJSON(cmp)
	if shown != versions[0] {
		compared, comparison = nil, nil // superseded scores are read as they were, measured against no round
	}
	// How sure the ranking is beyond each row's band: the weights' effects
	// (bands.go); null without an analysis of the scores shown.
	var analysis *survey.RankAnalysis
	if shown == versions[0] {
		if analysis, err = s.store.RankAnalysis(c.Request.Context(), r.ID, scoreKind(c)); err != nil {
			s.serverError(c, err)
			return
		}
	}
	list = reports.FilterScores(list, newScoreFilter(c).narrow())
	if list == nil {
		list = []survey.InstitutionScore{}
	}
	body, err := json.Marshal(gin.H{"round": r, "index": scoreKind(c), "scoring_version": shown, "scoring_versions": versions, "compared_with": compared, "comparison": comparison, "scores": list,
		"rank_analysis": analysis})
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.apiCache.put(key, version, body)
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// scorecard is one institution's score explained: dimensions, items and
// the improvement actions with their gain (reports.Explained).
type scorecard struct {
	Round survey.Round
	Q     survey.QuestionnaireVersion
	Score survey.InstitutionScore
	Kind  string
	reports.Explained
	// Rows are Items ready to print (the page's "how it was scored"
	// table).
	Rows        []reports.ItemRow
	Institution survey.Institution
	Charts      []reports.Chart // the profile: radar and trend (pages only)
	// OwnOnly: the reader may see this scorecard but not the round's
	// rankings (a respondent's own, before publication): Score holds the
	// institution's own figures only, and the page compares with nobody.
	OwnOnly bool
	// RoundComparison is what the changes are measured against: Since,
	// nil when no change is shown, and why (survey/comparable.go).
	survey.RoundComparison
	// TrendLeft are the rounds the institution took part in that the
	// trend leaves out, their questionnaire not being comparable.
	TrendLeft []survey.PassedRound
	// Observed is what Marsad's own checks said of the institution's
	// online services in the round's window: the observed technology
	// score beside the self-reported index, and the discrepancies.
	Observed survey.RoundObserved
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
	if sc.RoundComparison, err = s.comparedWith(c, r); err != nil {
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
	sc.Explained = reports.Explain(sc.Q.Def, sc.Score.Result)
	if sc.Observed, err = s.store.RoundObserved(ctx, r.ID, code); err != nil {
		s.serverError(c, err)
		return sc, false
	}
	return sc, true
}

func (s *Server) apiScorecard(c *gin.Context) {
	sc, ok := s.loadScorecard(c)
	if !ok {
		return
	}
	// own_only: the caller may see this institution's figures but not yet
	// the round's rankings, so nothing in the answer compares it with others.
	c.JSON(http.StatusOK, gin.H{"round": sc.Round, "index": sc.Kind, "score": sc.Score, "result": sc.Score.Result,
		"improvement_actions": sc.Actions, "scoring_version": sc.Score.ScoringVersion, "own_only": sc.OwnOnly, "compared_with": sc.Since, "comparison": comparisonJSON(sc.RoundComparison),
		"observed": sc.Observed})
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
	if sc.Charts, err = s.profileCharts(c, v, &sc); err != nil {
		s.serverError(c, err)
		return scorePage{}, false
	}
	v.Charts = len(sc.Charts) > 0
	sc.Rows = reports.ItemRows(sc.Items, v.locale())
	v.Data = sc
	return scorePage{"scorecard", v}, true
}

// profileCharts are an institution's radar and its index over the rounds
// this user may see that are comparable with sc's (reports.ProfileCharts;
// the others go to sc.TrendLeft); the radar compares with the round's
// ranking unless the reader may see only the institution's own figures.
func (s *Server) profileCharts(c *gin.Context, v *view, sc *scorecard) ([]reports.Chart, error) {
	ctx := c.Request.Context()
	in := reports.ProfileInput{Round: sc.Round, Def: sc.Q.Def, Score: sc.Score}
	if !sc.OwnOnly {
		// Only read: the ranking held in memory, not a copy of it.
		if err := s.store.ReadRanking(ctx, sc.Round.ID, sc.Kind, func(r *survey.Ranking) error { in.Ranking = r; return nil }); err != nil {
			return nil, err
		}
	}
	rounds, err := s.store.ListRounds(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(rounds, func(i, j int) bool { return rounds[i].ID < rounds[j].ID })
	var ids []int64
	var seen []survey.Round
	byID := map[int64]survey.Round{}
	for _, r := range rounds {
		if r.ID <= sc.Round.ID && scoreAccess(currentUser(c), r, sc.Score.Code) {
			ids = append(ids, r.ID)
			byID[r.ID] = r
			seen = append(seen, r)
		}
	}
	// The line joins only rounds comparable with this one; the page names
	// the others the institution took part in (survey.ComparableRounds).
	_, left, err := s.store.ComparableRounds(ctx, sc.Round, seen)
	if err != nil {
		return nil, err
	}
	apart := map[int64]survey.PassedRound{}
	for _, x := range left {
		apart[x.Round.ID] = x
	}
	err = s.store.ReadIndexes(ctx, ids, sc.Kind, func(id int64, idx survey.RoundIndexes) error {
		if x, ok := idx[sc.Score.Code]; ok {
			if p, out := apart[id]; out {
				sc.TrendLeft = append(sc.TrendLeft, p)
				return nil
			}
			index := x.Index
			if survey.OwnFiguresOnly(currentUser(c), byID[id]) {
				index = x.Own // a normalised index would place it among the others
			}
			in.Rounds, in.Indexes = append(in.Rounds, byID[id].Name), append(in.Indexes, index)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := reports.ProfileCharts(in, v.locale())
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

	// TiesAbove are the rows whose rank band overlaps the band of the row
	// above them, in rank order (reports.OverlapsAbove); none when sorted
	// otherwise.
	TiesAbove map[string]bool

	// RoundComparison is what the changes are measured against: Since,
	// nil when no change is shown, and why (survey/comparable.go).
	survey.RoundComparison
	// ScoringVersions are the versions the round's scores can be read in,
	// the one shown first: more than one after a rescore under a new
	// version, and the page links to the earlier ones.
	ScoringVersions []string
}

// LevelBands are the model's levels, highest first, with their bounds,
// for the rankings' printed key.
func (p rankingsPage) LevelBands() []reports.LevelBand { return reports.LevelBands(p.Q.Def.Model) }

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
		// A page of rows; the exports have them all.
		n, _ := strconv.Atoi(c.Query("page"))
		var from, to int
		p.Page, p.Pages, from, to = reports.Paginate(len(p.Scores), n)
		p.Scores = p.Scores[from:to]
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
	if p.RoundComparison, err = s.comparedWith(c, r); err != nil {
		s.serverError(c, err)
		return p, false
	}
	if p.ScoringVersions, err = s.store.ScoringVersions(ctx, r.ID); err != nil {
		s.serverError(c, err)
		return p, false
	}
	// filter makes the page's own slice, so the shared ranking is only read.
	err = s.store.ReadRankingSince(ctx, r.ID, p.Kind, roundIDOf(p.Since), func(rk *survey.Ranking) error {
		p.Sectors = reports.ScoreSectors(rk.List)
		p.Scores = reports.FilterScores(rk.List, p.narrow())
		return nil
	})
	if err != nil {
		s.serverError(c, err)
		return p, false
	}
	reports.SortScores(p.Scores, p.Sort)
	if p.Sort == "" || p.Sort == "rank" {
		p.TiesAbove = reports.OverlapsAbove(p.Scores)
	}
	return p, true
}

// exportRankings is the rankings table as it is filtered on the page, as
// CSV (with a BOM) or as a workbook (right to left in Arabic).
func (s *Server) exportRankings(c *gin.Context) {
	p, ok := s.rankingsData(c)
	if !ok {
		return
	}
	v := s.newView(c, "rankings.title")
	rows := reports.RankingsTable(p.Q.Def, p.Scores, p.Sort, v.locale())
	if note := v.commonItemsText(p.RoundComparison); note != "" {
		// The change columns are on the common items only: say so above them.
		rows = reports.DataTable(reports.Chart{Head: rows[0], Rows: rows[1:]}, note)
	}
	s.sendTable(c, fmt.Sprintf("marsad-rankings-%s-%s", p.Round.Name, p.Kind), "rankings", rows, v.Lang == "ar")
}
