package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

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
	var p roundsPage
	for _, r := range rounds {
		if u.Role != survey.RoleAdmin && r.Status == survey.RoundDraft {
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
		v.Form = &form{Values: map[string]string{"deadline": time.Now().AddDate(0, 2, 0).Format("2006-01-02")}}
	}
	v.Data = p
	s.render(c, http.StatusOK, "rounds", v)
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
		v.Form = &form{Values: map[string]string{"name": in.Name, "deadline": in.Deadline, "questionnaire": strconv.FormatInt(in.QuestionnaireID, 10)},
			Errors: v.loc.fieldMessages(ve)}
		v.Data = p
		s.render(c, http.StatusUnprocessableEntity, "rounds", v)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/"+lang(c)+"/rounds")
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
	if errors.Is(err, survey.ErrInvalidTransition) {
		s.fail(c, http.StatusConflict, "err.not_editable")
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/"+lang(c)+"/rounds")
}

type boardPage struct {
	Round    survey.Round
	Rows     []survey.BoardRow
	Late     bool // the deadline is within 7 days or past
	Import   *importPage
	Imported int
}

// showRoundBoard is the coordinator's progress board for a round.
func (s *Server) showRoundBoard(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	round, err := s.store.Round(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	rows, err := s.store.RoundBoard(c.Request.Context(), id)
	if err != nil {
		s.serverError(c, err)
		return
	}
	p := boardPage{Round: round, Rows: rows}
	if d, err := time.Parse("2006-01-02", round.Deadline); err == nil {
		p.Late = time.Until(d) < 7*24*time.Hour
	}
	v := s.newView(c, "board.title")
	v.Title = v.T("board.title") + " — " + round.Name
	v.Data = p
	s.render(c, http.StatusOK, "board", v)
}

// showReview is the reviewer's page for one response: each answer with a
// mark (approved or has issues) and a comment, then return or accept.
func (s *Server) showReview(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	v := s.newView(c, "review.title")
	v.Title = v.T("review.title") + " — " + rc.Institution.Name(v.Lang)
	v.Data = s.reviewPage(c, rc)
	s.render(c, http.StatusOK, "review", v)
}

type reviewPage struct {
	responseCtx
	Items []itemView
}

func (s *Server) reviewPage(c *gin.Context, rc responseCtx) reviewPage {
	p := reviewPage{responseCtx: rc}
	for _, it := range rc.Q.Def.Items {
		if it.Type == survey.TypeMetric || !rc.Answers.Visible(it) {
			continue
		}
		p.Items = append(p.Items, itemView{Item: it, Answer: rc.Answers[it.ID], Visible: true})
	}
	return p
}

// saveReview stores the marks of the review form, then returns or accepts
// the response when asked to.
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
	failed := false
	for i := range p.Items {
		iv := &p.Items[i]
		status, comment := c.PostForm("r."+iv.Item.ID), c.PostForm("rc."+iv.Item.ID)
		if status == iv.Answer.ReviewStatus && comment == iv.Answer.ReviewComment {
			continue
		}
		iv.Answer.ReviewStatus, iv.Answer.ReviewComment = status, comment
		err := s.store.ReviewAnswer(ctx, actor, rc.Round.ID, rc.Institution.Code, iv.Item.ID, status, comment)
		var ve *survey.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			failed = true
			iv.Error = firstReviewMessage(v, ve)
		case errors.Is(err, survey.ErrNotFound):
			failed = true
			iv.Error = v.T("err.review_unanswered")
		case errors.Is(err, survey.ErrInvalidTransition):
			s.fail(c, http.StatusConflict, "err.not_editable")
			return
		default:
			s.failErr(c, err)
			return
		}
	}
	if failed {
		v.Data = p
		s.render(c, http.StatusUnprocessableEntity, "review", v)
		return
	}
	if action := c.PostForm("decision"); action == "return" || action == "accept" {
		if _, err := s.store.ResponseAction(ctx, actor, rc.Round.ID, rc.Institution.Code, action); err != nil {
			if errors.Is(err, survey.ErrInvalidTransition) {
				s.fail(c, http.StatusConflict, "err.not_editable")
				return
			}
			s.failErr(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/"+lang(c)+"/admin/rounds/"+strconv.FormatInt(rc.Round.ID, 10))
}

func firstReviewMessage(v *view, ve *survey.ValidationError) string {
	for _, k := range ve.Fields {
		return v.T(k)
	}
	return ""
}
