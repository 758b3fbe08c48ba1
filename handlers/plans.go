package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// planAccess checks that the user may see an institution's plan: admins
// and viewers any, respondents their own.
func (s *Server) planAccess(c *gin.Context, code string) bool {
	if survey.Allowed(currentUser(c), survey.SeeInstitution, survey.Round{}, code) {
		return true
	}
	s.fail(c, http.StatusForbidden, "err.forbidden")
	return false
}

type planPage struct {
	Round       survey.Round
	Institution survey.Institution
	Q           survey.QuestionnaireVersion
	// Actions are the scorecard's improvement actions not yet in the plan.
	Actions []reports.ActionView
	Plan    []planView
	CanEdit bool
	// ShowScores: the user may see the round's scores (a viewer may not
	// while it is open).
	ShowScores bool
	// Scored: the institution has a scorecard in the round to go back to.
	Scored   bool
	Targets  []string // round names to aim for
	Notice   string
	Error    string
	Conflict *survey.PlanAction
}

type planView struct {
	survey.PlanAction
	Item survey.Item
}

// Label is what the action is: what its item's guidance says to do (its
// question when it has none), or the action's own text.
func (p planView) Label(lang string) string {
	if p.Item.ID == "" {
		return p.Text(lang)
	}
	if do := p.Item.Improve(lang); do != "" {
		return do
	}
	return p.Item.Label(lang)
}

// roundByParam loads the round in the URL.
func (s *Server) roundByParam(c *gin.Context) (survey.Round, bool) {
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
	if hiddenDraft(currentUser(c), r) {
		s.notFound(c)
		return r, false
	}
	return r, true
}

// hiddenDraft says whether a round is a draft the user may not know of:
// drafts are the coordinator's work in progress, listed nowhere else.
func hiddenDraft(u *survey.User, r survey.Round) bool {
	return !survey.Allowed(u, survey.SeeRound, r, "")
}

// buildPlan gathers an institution's plan after a round: its actions with
// their outcome and the improvement actions it could still take on.
func (s *Server) buildPlan(c *gin.Context) (planPage, bool) {
	code := strings.ToUpper(c.Param("code"))
	if !s.planAccess(c, code) {
		return planPage{}, false
	}
	r, ok := s.roundByParam(c)
	if !ok {
		return planPage{}, false
	}
	ctx := c.Request.Context()
	p := planPage{Round: r, CanEdit: survey.ActorOf(*currentUser(c)).CanEditInstitution(code) && r.Status != survey.RoundDraft,
		ShowScores: scoreAccess(currentUser(c), r, code)}
	var err error
	if p.Institution, err = s.store.Institution(ctx, code); err != nil {
		s.failErr(c, err)
		return p, false
	}
	if p.Q, err = s.store.Questionnaire(ctx, r.QuestionnaireID); err != nil {
		s.serverError(c, err)
		return p, false
	}
	u := currentUser(c)
	plan, err := s.store.PlanActions(ctx, survey.PlanFilter{RoundID: r.ID, Institution: code,
		Seen: func(x survey.Round) bool { return scoreAccess(u, x, code) }})
	if err != nil {
		s.serverError(c, err)
		return p, false
	}
	taken := map[string]bool{}
	for _, a := range plan {
		it, _ := p.Q.Def.Item(a.ItemID)
		p.Plan = append(p.Plan, planView{a, it})
		taken[a.ItemID] = true
	}
	result, err := s.store.ScoreResult(ctx, r.ID, code, survey.ScoreSelf)
	switch {
	case !p.ShowScores:
	case err == nil:
		p.Scored = true
		for _, a := range survey.ImprovementActions(p.Q.Def, result, 10) {
			if !taken[a.ItemID] {
				it, _ := p.Q.Def.Item(a.ItemID)
				p.Actions = append(p.Actions, reports.ActionView{Action: a, Item: it})
			}
		}
	case !errors.Is(err, survey.ErrNotFound):
		s.serverError(c, err)
		return p, false
	}
	p.Targets = targetRounds(r)
	return p, true
}

// targetRounds suggests the rounds an action can aim for: the next two
// years when rounds are named by year, else this round's name.
func targetRounds(r survey.Round) []string {
	if y, err := strconv.Atoi(r.Name); err == nil {
		return []string{strconv.Itoa(y + 1), strconv.Itoa(y + 2)}
	}
	return []string{r.Name}
}

func (s *Server) showPlan(c *gin.Context) {
	p, ok := s.buildPlan(c)
	if !ok {
		return
	}
	if d := c.Query("done"); d == "added" || d == "updated" || d == "deleted" {
		p.Notice = "notice.plan_" + d
	}
	s.renderPlan(c, http.StatusOK, p)
}

func (s *Server) renderPlan(c *gin.Context, status int, p planPage) {
	v := s.newView(c, "plans.title")
	v.Title = v.T("plans.heading", p.Round.Name)
	v.Data = p
	s.render(c, status, "plan", v)
}

func planInputFrom(c *gin.Context) survey.PlanInput {
	in := survey.PlanInput{ItemID: c.PostForm("item"), TextAr: c.PostForm("text_ar"), TextEn: c.PostForm("text_en"),
		Owner: c.PostForm("owner"), TargetRound: c.PostForm("target_round"), Progress: c.PostForm("progress"),
		ProgressNote: c.PostForm("progress_note")}
	in.Version, _ = strconv.ParseInt(c.PostForm("version"), 10, 64)
	return in
}

// planFailed shows the plan again with a clear message after a refused
// change; it returns false when there was nothing to report.
func (s *Server) planFailed(c *gin.Context, err error, latest *survey.PlanAction) bool {
	if err == nil {
		return false
	}
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve), errors.Is(err, survey.ErrConflict):
		p, ok := s.buildPlan(c)
		if !ok {
			return true
		}
		v := s.newView(c, "")
		status := http.StatusConflict
		if ve != nil {
			status = http.StatusUnprocessableEntity
			var msgs []string
			for field, msg := range v.loc.fieldMessages(ve) {
				msgs = append(msgs, v.T("field."+field)+": "+msg)
			}
			p.Error = strings.Join(msgs, " · ")
		} else {
			p.Error, p.Conflict = v.T("err.conflict"), latest
		}
		s.renderPlan(c, status, p)
	default:
		s.failErr(c, err)
	}
	return true
}

func (s *Server) createPlanAction(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	if !s.canEdit(c, code) {
		return
	}
	r, ok := s.roundByParam(c)
	if !ok {
		return
	}
	_, err := s.store.CreatePlanAction(c.Request.Context(), survey.ActorOf(*currentUser(c)), r.ID, code, planInputFrom(c))
	if s.planFailed(c, err, nil) {
		return
	}
	seeOther(c, planPath(r.ID, code)+"?done=added")
}

// planByParam loads the plan action in the URL for a change, checking the
// user may change the institution's plan.
func (s *Server) planByParam(c *gin.Context) (survey.PlanAction, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return survey.PlanAction{}, false
	}
	p, err := s.store.PlanAction(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return p, false
	}
	// The plan page's parameters, for showing it again after an error.
	c.Params = append(c.Params, gin.Param{Key: "code", Value: p.InstitutionCode})
	for i := range c.Params {
		if c.Params[i].Key == "id" {
			c.Params[i].Value = strconv.FormatInt(p.RoundID, 10)
		}
	}
	return p, s.canEdit(c, p.InstitutionCode)
}

func (s *Server) updatePlanAction(c *gin.Context) {
	before, ok := s.planByParam(c)
	if !ok {
		return
	}
	_, err := s.store.UpdatePlanAction(c.Request.Context(), survey.ActorOf(*currentUser(c)), before.ID, planInputFrom(c))
	if errors.Is(err, survey.ErrConflict) {
		latest, lerr := s.store.PlanAction(c.Request.Context(), before.ID)
		if lerr != nil {
			s.serverError(c, lerr)
			return
		}
		s.planFailed(c, err, &latest)
		return
	}
	if s.planFailed(c, err, nil) {
		return
	}
	seeOther(c, planPath(before.RoundID, before.InstitutionCode)+"?done=updated#p"+strconv.FormatInt(before.ID, 10))
}

func (s *Server) deletePlanAction(c *gin.Context) {
	before, ok := s.planByParam(c)
	if !ok {
		return
	}
	if err := s.store.DeletePlanAction(c.Request.Context(), survey.ActorOf(*currentUser(c)), before.ID); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, planPath(before.RoundID, before.InstitutionCode)+"?done=deleted")
}

type plansPage struct {
	Round  survey.Round
	Q      survey.QuestionnaireVersion
	Plans  []planView
	Chart  reports.Chart
	Counts map[string]int
}

// listPlans is every institution's plan after a round, for the
// coordinator and decision makers, with the completion by institution.
func (s *Server) listPlans(c *gin.Context) {
	u := currentUser(c)
	r, ok := s.roundByParam(c)
	if !ok {
		return
	}
	if u.Role == survey.RoleRespondent {
		seeOther(c, planPath(r.ID, u.InstitutionCode))
		return
	}
	ctx := c.Request.Context()
	p := plansPage{Round: r, Counts: map[string]int{}}
	var err error
	if p.Q, err = s.store.Questionnaire(ctx, r.QuestionnaireID); err != nil {
		s.serverError(c, err)
		return
	}
	plans, err := s.store.PlanActions(ctx, survey.PlanFilter{RoundID: r.ID,
		Seen: func(x survey.Round) bool { return scoreAccess(u, x, "") }})
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "plans.all_title")
	v.Title = v.T("plans.all_heading", r.Name)
	for _, a := range plans {
		it, _ := p.Q.Def.Item(a.ItemID)
		p.Plans = append(p.Plans, planView{a, it})
		p.Counts[a.Outcome]++
	}
	if len(plans) > 0 {
		p.Chart = reports.PlanChart(reports.ChartID("plans", r.ID), "plans.chart", plans, v.locale())
		v.Charts = true
	}
	v.Data = p
	s.render(c, http.StatusOK, "plans", v)
}
