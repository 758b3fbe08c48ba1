package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/data"
	"marsad/survey"
)

// roundRow is a round in the list, with the user's own response when a respondent.
type roundRow struct {
	Round    survey.Round
	Status   string // the respondent's response status, "" if none
	Answered int
	Total    int
	Title    string
}

type roundsPage struct {
	Rows           []roundRow
	Questionnaires []survey.QuestionnaireVersion
	Notice         string // after a round was deleted or restored (lifecycle.go)
}

// listRounds shows rounds: to a respondent with their institution's
// progress, to the coordinator with the actions that move each round on.
func (s *Server) listRounds(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	rounds, err := s.store.ListRounds(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "rounds.title")
	p := roundsPage{Notice: roundsNotice(v, c.Query("done"))}
	for _, r := range rounds {
		if !survey.Allowed(u, survey.SeeRound, r, "") {
			continue
		}
		row := roundRow{Round: r}
		if q, err := s.store.Questionnaire(ctx, r.QuestionnaireID); err == nil {
			row.Title = q.Title(v.Lang)
			if u.Role == survey.RoleRespondent {
				if resp, err := s.store.Response(ctx, r.ID, u.InstitutionCode); err == nil {
					row.Status = resp.Status
					answers, _ := s.store.Answers(ctx, resp.ID)
					row.Answered, row.Total = survey.Progress(q.Def, answers)
				}
			}
		}
		p.Rows = append(p.Rows, row)
	}
	if u.Role == survey.RoleAdmin {
		if p.Questionnaires, err = s.store.ListQuestionnaires(ctx); err != nil {
			s.serverError(c, err)
			return
		}
		v.Form = &form{Values: map[string]string{"deadline": time.Now().In(s.cfg.Location).AddDate(0, 2, 0).Format("2006-01-02"),
			"questionnaire": nationalQuestionnaire(p.Questionnaires)}}
	}
	v.Data = p
	s.render(c, http.StatusOK, "rounds", v)
}

// defaultDefID is the id of the national questionnaire that ships with
// Marsad (data.DefaultQuestionnaire), read once.
var defaultDefID = sync.OnceValue(func() string {
	var d struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data.DefaultQuestionnaire, &d)
	return d.ID
})

// nationalQuestionnaire is the id, as the form sends it, of the newest
// version of the national questionnaire, which a new round takes unless the
// coordinator picks an example model; "" when it is not stored.
func nationalQuestionnaire(list []survey.QuestionnaireVersion) string {
	for _, q := range list { // newest first
		if q.DefID == defaultDefID() {
			return strconv.FormatInt(q.ID, 10)
		}
	}
	return ""
}

func (s *Server) createRound(c *gin.Context) {
	var in survey.RoundInput
	_ = c.ShouldBind(&in)
	_, err := s.store.CreateRound(c.Request.Context(), currentUser(c).ID, in)
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		v := s.newView(c, "rounds.title")
		p := roundsPage{}
		p.Questionnaires, _ = s.store.ListQuestionnaires(c.Request.Context())
		rounds, _ := s.store.ListRounds(c.Request.Context())
		for _, r := range rounds {
			p.Rows = append(p.Rows, roundRow{Round: r})
		}
		v.Form = &form{Values: map[string]string{"name": in.Name, "deadline": in.Deadline, "questionnaire": strconv.FormatInt(in.QuestionnaireID, 10),
			"test": map[bool]string{true: "1"}[in.Test]}, Errors: v.loc.fieldMessages(ve)}
		v.Data = p
		s.render(c, http.StatusUnprocessableEntity, "rounds", v)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	seeOther(c, pathRounds)
}

// roundAction opens, closes, reopens or publishes a round, or sets whether
// its results are public.
func (s *Server) roundAction(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	ctx := c.Request.Context()
	switch action := c.PostForm("action"); action {
	case "public", "private":
		err = s.store.SetRoundPublic(ctx, currentUser(c).ID, id, action == "public")
	default:
		_, err = s.store.RoundAction(ctx, currentUser(c).ID, id, action)
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathRounds)
}

type boardPage struct {
	Round    survey.Round
	Rows     []survey.BoardRow // the rows the query keeps, in its order
	All      int               // rows before filtering
	Summary  survey.BoardSummary
	Query    survey.BoardQuery
	Sectors  []string
	Late     bool // the deadline is within 7 days or past
	Import   *importPage
	Imported int
	// Extensions are the institutions given more time, by code (lifecycle.go).
	Extensions map[string]survey.Extension
	// Reminded is when each institution was last reminded, by code (reminders.go).
	Reminded map[string]survey.LastReminder
	// Team is, by institution code, its assigned sections and sign-off (teams.go).
	Team map[string]survey.TeamBoard
	// MailOn: Marsad can send mail; without it the board says that
	// reminders and invitations are links to copy (docs/mail.md).
	MailOn bool
}

// TeamOf is what the board shows of an institution's team in the round.
func (p boardPage) TeamOf(code string) survey.TeamBoard { return p.Team[code] }

// ExtendedTo is the last day of the institution's extension, "" without one.
func (p boardPage) ExtendedTo(code string) string { return p.Extensions[code].Until }

// CanExtend reports whether extensions may be granted in the round: it
// has a deadline and is not published.
func (p boardPage) CanExtend() bool {
	return p.Round.Deadline != "" && p.Round.Status != survey.RoundPublished
}

// Filtered reports whether the board shows fewer rows than it has.
func (p boardPage) Filtered() bool { return p.Query.Status != "" || p.Query.Sector != "" }

// StatusLink is the board's URL showing only institutions in state st
// ("" for all), keeping the sector and the order.
func (p boardPage) StatusLink(st string) string {
	q := url.Values{}
	for k, v := range map[string]string{"status": st, "sector": p.Query.Sector} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if p.Query.Sort != survey.BoardSorts[0] {
		q.Set("sort", p.Query.Sort)
	}
	if len(q) == 0 {
		return "?"
	}
	return "?" + q.Encode()
}

// newBoardPage assembles the board of a round: its rows narrowed and
// ordered by the URL's query, with counts by state over the sector shown.
func (s *Server) newBoardPage(c *gin.Context, v *view, id int64) (boardPage, error) {
	round, err := s.store.Round(c.Request.Context(), id)
	if err != nil {
		return boardPage{}, err
	}
	rows, err := s.store.RoundBoard(c.Request.Context(), id)
	if err != nil {
		return boardPage{}, err
	}
	var q survey.BoardQuery
	_ = c.ShouldBindQuery(&q)
	p := boardPage{Round: round, All: len(rows), Sectors: survey.BoardSectors(rows), Extensions: map[string]survey.Extension{}, MailOn: s.store.MailEnabled()}
	exts, err := s.store.RoundExtensions(c.Request.Context(), id)
	if err != nil {
		return boardPage{}, err
	}
	for _, e := range exts {
		p.Extensions[e.InstitutionCode] = e
	}
	if p.Team, err = s.store.TeamBoard(c.Request.Context(), id); err != nil {
		return boardPage{}, err
	}
	if p.Reminded, err = s.store.LastReminders(c.Request.Context(), id); err != nil {
		return boardPage{}, err
	}
	p.Query = q.Clean(p.Sectors)
	p.Rows = p.Query.Apply(rows, v.Lang)
	// The counts are of the sector shown, whatever the state chosen: they
	// are the choices of state.
	p.Summary = survey.SummarizeBoard(survey.BoardQuery{Sector: p.Query.Sector}.Apply(rows, v.Lang))
	if d, err := time.Parse("2006-01-02", round.Deadline); err == nil {
		p.Late = time.Until(d) < 7*24*time.Hour
	}
	v.Title = v.T("board.title") + " — " + round.Name
	return p, nil
}

// showRoundBoard is the coordinator's progress board for a round.
func (s *Server) showRoundBoard(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	v := s.newView(c, "board.title")
	p, err := s.newBoardPage(c, v, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	v.Data = p
	s.render(c, http.StatusOK, "board", v)
}

// showReview is the reviewer's page for one response: the answers by
// dimension, each with a mark (approved or has issues) and a comment, and
// the decisions (return or accept) at hand from the top of the page.
func (s *Server) showReview(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	v := s.newView(c, "review.title")
	v.Title = v.T("review.title") + " — " + rc.Institution.Name(v.Lang)
	p := s.reviewPage(c, rc)
	var err error
	if p.Evidence, err = s.evidenceByItem(c, rc); err != nil {
		s.serverError(c, err)
		return
	}
	if c.Query("saved") == "1" {
		p.Notice = v.T("review.saved")
	}
	if n, err := strconv.Atoi(c.Query("approved")); err == nil && n >= 0 {
		p.Notice = v.N("review.approved_n", n)
	}
	v.Data = p
	s.render(c, http.StatusOK, "review", v)
}

type reviewPage struct {
	responseCtx
	Sections []reviewSection
	Items    []itemView // every item of Sections, in order
	// Reviewed of Reviewable answers carry a mark.
	Reviewed, Reviewable int
	Notice               string
	// Evidence is the files attached to each answer (evidence.go).
	Evidence map[string][]survey.EvidenceLink
	// Discrepancies are the institution's services whose checks disagree
	// with what it declares (checks.go): per institution, not per answer,
	// so the page shows them in a block of their own.
	Discrepancies []survey.Discrepancy
}

// reviewSection is one dimension's answers on the review page.
type reviewSection struct {
	Section              survey.Section
	Items                []*itemView
	Reviewed, Reviewable int
}

// CanReview reports whether marks and decisions may be made: only on a
// submitted response of a round not yet published (a published round's
// figures are frozen, survey.ErrRoundPublished).
func (p reviewPage) CanReview() bool {
	return p.Response.Status == survey.ResponseSubmitted && p.Round.Status != survey.RoundPublished
}

// Unreviewed is how many answers carry no mark yet.
func (p reviewPage) Unreviewed() int { return p.Reviewable - p.Reviewed }

func (s *Server) reviewPage(c *gin.Context, rc responseCtx) reviewPage {
	p := reviewPage{responseCtx: rc, Discrepancies: s.institutionDiscrepancies(c, rc.Institution.Code)}
	for _, it := range rc.Q.Def.Items {
		if it.Type == survey.TypeMetric || !rc.Answers.Visible(it) {
			continue
		}
		p.Items = append(p.Items, itemView{Item: it, Answer: rc.Answers[it.ID], Visible: true})
	}
	bySection := map[string]int{}
	for _, sec := range rc.Q.Def.Sections {
		bySection[sec.ID] = len(p.Sections)
		p.Sections = append(p.Sections, reviewSection{Section: sec})
	}
	for i := range p.Items {
		iv := &p.Items[i]
		k, ok := bySection[iv.Item.Section]
		if !ok { // an item outside every section still shows, under its own heading
			k = len(p.Sections)
			bySection[iv.Item.Section] = k
			p.Sections = append(p.Sections, reviewSection{Section: survey.Section{ID: iv.Item.Section, TitleAr: iv.Item.Section, TitleEn: iv.Item.Section}})
		}
		sec := &p.Sections[k]
		sec.Items = append(sec.Items, iv)
		if iv.Answer.Version > 0 {
			sec.Reviewable++
			p.Reviewable++
			if iv.Answer.ReviewStatus != "" {
				sec.Reviewed++
				p.Reviewed++
			}
		}
	}
	kept := p.Sections[:0]
	for _, sec := range p.Sections {
		if len(sec.Items) > 0 {
			kept = append(kept, sec)
		}
	}
	p.Sections = kept
	return p
}

// saveReview stores the marks of the review form, then returns or accepts
// the response, or approves every answer not marked yet, when asked to.
func (s *Server) saveReview(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	actor := survey.ActorOf(*currentUser(c))
	v := s.newView(c, "review.title")
	v.Title = v.T("review.title") + " — " + rc.Institution.Name(v.Lang)
	p := s.reviewPage(c, rc)
	marks := map[string]reviewMark{}
	for _, iv := range p.Items {
		// Not on the form (a browser sends every item's choice): unchanged.
		if status, sent := c.GetPostForm("r." + iv.Item.ID); sent {
			marks[iv.Item.ID] = reviewMark{Item: iv.Item.ID, Status: status, Comment: c.PostForm("rc." + iv.Item.ID)}
		}
	}
	refused, err := s.applyReviewMarks(c, rc, p.Items, marks)
	if err != nil {
		s.failErr(c, err)
		return
	}
	for i := range p.Items {
		iv := &p.Items[i]
		if m, ok := marks[iv.Item.ID]; ok {
			iv.Answer.ReviewStatus, iv.Answer.ReviewComment = m.Status, m.Comment
		}
		if key := refused[iv.Item.ID]; key != "" {
			iv.Error = v.T(key)
		}
	}
	if len(refused) > 0 {
		v.Data = p
		s.render(c, http.StatusUnprocessableEntity, "review", v)
		return
	}
	here := "/" + lang(c) + adminRoundPath(rc.Round.ID)
	switch action := c.PostForm("decision"); action {
	case "return", "accept":
		if _, err := s.store.ResponseAction(ctx, actor, rc.Round.ID, rc.Institution.Code, action); err != nil {
			s.reviewFailed(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, here)
	case "approve-unreviewed":
		ids, err := s.store.ApproveUnreviewed(ctx, actor, rc.Round.ID, rc.Institution.Code)
		if err != nil {
			s.reviewFailed(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, here+"/responses/"+rc.Institution.Code+"?approved="+strconv.Itoa(len(ids)))
	default:
		c.Redirect(http.StatusSeeOther, here+"/responses/"+rc.Institution.Code+"?saved=1")
	}
}

// reviewFailed answers a decision the response's state does not allow
// (another reviewer decided first) or an unexpected error.
func (s *Server) reviewFailed(c *gin.Context, err error) { s.failErr(c, err) }

// firstFieldKey is the message of a validation error's first field, by
// name: one message per answer, the same each time.
func firstFieldKey(ve *survey.ValidationError) string {
	first := ""
	for f := range ve.Fields {
		if first == "" || f < first {
			first = f
		}
	}
	return ve.Fields[first]
}

// reviewMark is the reviewer's mark on one answer (approved, issues, or
// none) and comment, as the review form and the API send it.
type reviewMark struct {
	Item    string `json:"item"`
	Status  string `json:"status"`
	Comment string `json:"comment"`
}

// applyReviewMarks stores the marks that differ from what items hold,
// through the store's ReviewAnswer (which checks who and when), for the
// review page and the API alike. A mark refused for what it says comes
// back by item as a message key, the others are still stored; any other
// error ends it. A mark for an item not among items (hidden, a metric,
// unknown) is refused as an unknown question.
func (s *Server) applyReviewMarks(c *gin.Context, rc responseCtx, items []itemView, marks map[string]reviewMark) (map[string]string, error) {
	ctx := c.Request.Context()
	actor := survey.ActorOf(*currentUser(c))
	refused := map[string]string{}
	known := map[string]bool{}
	for _, iv := range items {
		known[iv.Item.ID] = true
		m, ok := marks[iv.Item.ID]
		if !ok || (m.Status == iv.Answer.ReviewStatus && m.Comment == iv.Answer.ReviewComment) {
			continue
		}
		err := s.store.ReviewAnswer(ctx, actor, rc.Round.ID, rc.Institution.Code, iv.Item.ID, m.Status, m.Comment)
		var ve *survey.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			refused[iv.Item.ID] = firstFieldKey(ve)
		case errors.Is(err, survey.ErrNotFound):
			refused[iv.Item.ID] = "err.review_unanswered"
		default:
			return refused, err
		}
	}
	for id := range marks {
		if !known[id] {
			refused[id] = "err.unknown_question"
		}
	}
	return refused, nil
}

// AnswerText is an answer as a reviewer reads it in the page's language:
// option labels (never the stored option values), "not applicable", yes or
// no, a percentage with its sign; several choices joined by the language's
// comma.
func (v *view) AnswerText(it survey.Item, a survey.Answer) string {
	sep := ", "
	if v.Lang == "ar" {
		sep = "، "
	}
	return strings.Join(v.AnswerLabels(it, a), sep)
}

// AnswerLabels are an answer's values as AnswerText names them, one by one
// (a multiple choice shows as a list).
func (v *view) AnswerLabels(it survey.Item, a survey.Answer) []string {
	if a.NA {
		return []string{v.T("response.na")}
	}
	labels := make([]string, 0, len(a.Values))
	for _, x := range a.Values {
		l := v.OptionLabel(it, x)
		if it.Type == survey.TypePercent {
			l += "%"
		}
		labels = append(labels, l)
	}
	return labels
}
