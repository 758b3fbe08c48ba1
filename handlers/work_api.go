package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// What a person does on a response and after it, through /api/v1 (issue
// 19, §2): the obstacles, action plans, success stories' approval, the
// reviewer's marks. Each handler binds, calls the store function the
// page calls (through the same loaders and checks: obstaclesFor,
// planAccess, canEdit, reviewPage, applyReviewMarks) and answers JSON;
// the store checks who and when. Teams are in teams_api.go, evidence
// files in evidence_api.go.

// ---- Obstacles ----

// obstacleJSON is an obstacle of the standard list as a write takes it:
// the fields of a read, with its id ignored.
type obstacleJSON struct {
	Code     string          `json:"code"`
	Kind     string          `json:"kind"`
	LabelAr  string          `json:"label_ar"`
	LabelEn  string          `json:"label_en"`
	Position *int            `json:"position"`
	Active   bool            `json:"active"`
	Version  int64           `json:"version"`
	ID       json.RawMessage `json:"id,omitempty"` // read only
}

func (j obstacleJSON) input() survey.ObstacleInput {
	in := survey.ObstacleInput{Code: j.Code, Kind: j.Kind, LabelAr: j.LabelAr, LabelEn: j.LabelEn, Active: j.Active, Version: j.Version}
	if j.Position != nil {
		in.Position = strconv.Itoa(*j.Position)
	}
	return in
}

// apiListObstacles is the standard list of obstacles, in its order (by
// position, then id): the active ones, every one for the coordinator
// with include_inactive=1.
func (s *Server) apiListObstacles(c *gin.Context) {
	all := c.Query("include_inactive") == "1" && currentUser(c).Role == survey.RoleAdmin
	list, err := s.store.Obstacles(c.Request.Context(), all)
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list)
}

// apiCreateObstacle adds an obstacle to the list (the coordinator's).
func (s *Server) apiCreateObstacle(c *gin.Context) {
	var in obstacleJSON
	if !s.bindJSON(c, &in) {
		return
	}
	s.saveObstacleAPI(c, 0, in, http.StatusCreated)
}

// apiUpdateObstacle changes an obstacle of the list, with the version it
// was read at; a stale one is 409 with the obstacle as it is now.
func (s *Server) apiUpdateObstacle(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	var in obstacleJSON
	if !s.bindJSON(c, &in) {
		return
	}
	if in.Version == 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"version": "err.version_required"}})
		return
	}
	s.saveObstacleAPI(c, id, in, http.StatusOK)
}

func (s *Server) saveObstacleAPI(c *gin.Context, id int64, in obstacleJSON, status int) {
	o, err := s.store.SaveObstacle(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, in.input())
	var conflict *survey.ListConflictError
	if errors.As(err, &conflict) {
		s.apiStale(c, conflict.Current)
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if status == http.StatusCreated {
		c.Header("Location", "/api/v1/obstacles/"+strconv.FormatInt(o.ID, 10))
	}
	c.JSON(status, o)
}

// obstacleRating is one obstacle a response cites, with its severity (1–3).
type obstacleRating struct {
	Obstacle int64 `json:"obstacle"`
	Severity int   `json:"severity"`
}

// obstaclesOut is a response's obstacles as a read answers them: the
// ratings in the list's order, the version to send back, and whether
// they may be changed now.
type obstaclesOut struct {
	Ratings  []obstacleRating `json:"ratings"`
	Version  int64            `json:"version"`
	Editable bool             `json:"editable"`
}

// obstaclesIn is what a write takes: a read, with editable ignored.
type obstaclesIn struct {
	Ratings  []obstacleRating `json:"ratings"`
	Version  int64            `json:"version"`
	Editable json.RawMessage  `json:"editable,omitempty"` // read only
}

// ratingsOf lists the severities in the list's order, then any obstacle
// no longer on it (deactivated since) by id: a stable order.
func ratingsOf(list []survey.Obstacle, sev map[int64]int) []obstacleRating {
	out := []obstacleRating{}
	seen := map[int64]bool{}
	for _, o := range list {
		if n := sev[o.ID]; n > 0 {
			out = append(out, obstacleRating{o.ID, n})
			seen[o.ID] = true
		}
	}
	var rest []int64
	for id, n := range sev {
		if !seen[id] && n > 0 {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	for _, id := range rest {
		out = append(out, obstacleRating{id, sev[id]})
	}
	return out
}

// apiGetResponseObstacles is a response's obstacles, as on its page.
func (s *Server) apiGetResponseObstacles(c *gin.Context) {
	p, ok := s.obstaclesFor(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, obstaclesOut{Ratings: ratingsOf(p.Obstacles, p.Chosen), Version: p.Version, Editable: p.Editable})
}

// apiSaveResponseObstacles replaces a response's obstacles as one set,
// with the version read (0 before any); obstacles left out are not cited,
// as a severity of 0. A newer set saved since is 409 with it in current.
func (s *Server) apiSaveResponseObstacles(c *gin.Context) {
	p, ok := s.obstaclesFor(c)
	if !ok || !s.obstaclesWritable(c, p) {
		return
	}
	var in obstaclesIn
	if !s.bindJSON(c, &in) {
		return
	}
	chosen, seen := map[int64]int{}, map[int64]bool{}
	for _, r := range in.Ratings {
		if seen[r.Obstacle] {
			s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"obstacle_" + strconv.FormatInt(r.Obstacle, 10): "err.listed_twice"}})
			return
		}
		seen[r.Obstacle] = true
		if r.Severity != 0 { // 0: not cited, as on the page
			chosen[r.Obstacle] = r.Severity
		}
	}
	saved, err := s.store.SaveResponseObstacles(c.Request.Context(), survey.ActorOf(*currentUser(c)), p.Round.ID, p.Institution.Code, chosen, in.Version)
	var conflict *survey.ObstacleConflictError
	if errors.As(err, &conflict) {
		s.apiStale(c, obstaclesOut{Ratings: ratingsOf(p.Obstacles, conflict.Current.Severity), Version: conflict.Current.Version, Editable: true})
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, obstaclesOut{Ratings: ratingsOf(p.Obstacles, saved.Severity), Version: saved.Version, Editable: true})
}

// ---- Action plans ----

// planJSON is a plan action as a write takes it: the fields of a read,
// with what only a read says ignored.
type planJSON struct {
	survey.PlanInput
	readOnlyJSON
	RoundID     json.RawMessage `json:"round_id,omitempty"`
	RoundName   json.RawMessage `json:"round,omitempty"`
	ScoreAtPlan json.RawMessage `json:"score_at_plan,omitempty"`
	NewScore    json.RawMessage `json:"new_score,omitempty"`
	Outcome     json.RawMessage `json:"outcome,omitempty"`
}

// planSeen is the filter of what the user may see of an institution's
// plan (code; "" for every institution), as on the plan pages.
func planSeen(u *survey.User, code string) func(survey.Round) bool {
	return func(x survey.Round) bool { return scoreAccess(u, x, code) }
}

// apiListPlans is every institution's plan actions after a round, for
// the coordinator and viewers; a respondent gets their own institution's
// (the page sends them to it). Ordered as the plans page lists them.
func (s *Server) apiListPlans(c *gin.Context) {
	u := currentUser(c)
	r, ok := s.roundByParam(c)
	if !ok {
		return
	}
	f := survey.PlanFilter{RoundID: r.ID, Seen: planSeen(u, "")}
	if u.Role == survey.RoleRespondent {
		f.Institution, f.Seen = u.InstitutionCode, planSeen(u, u.InstitutionCode)
	}
	plans, err := s.store.PlanActions(c.Request.Context(), f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, plans)
}

// apiInstitutionPlan is one institution's plan after a round: admins and
// viewers any, respondents their own.
func (s *Server) apiInstitutionPlan(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	if !s.planAccess(c, code) {
		return
	}
	r, ok := s.roundByParam(c)
	if !ok {
		return
	}
	if _, err := s.store.Institution(c.Request.Context(), code); err != nil {
		s.failErr(c, err)
		return
	}
	plans, err := s.store.PlanActions(c.Request.Context(), survey.PlanFilter{RoundID: r.ID, Institution: code, Seen: planSeen(currentUser(c), code)})
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, plans)
}

// apiCreatePlanAction adds an action to an institution's plan.
func (s *Server) apiCreatePlanAction(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	if !s.canEdit(c, code) {
		return
	}
	r, ok := s.roundByParam(c)
	if !ok {
		return
	}
	var in planJSON
	if !s.bindJSON(c, &in) {
		return
	}
	out, err := s.store.CreatePlanAction(c.Request.Context(), survey.ActorOf(*currentUser(c)), r.ID, code, in.PlanInput)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if out, ok = s.planAsListed(c, out); ok {
		c.Header("Location", "/api/v1/plans/"+strconv.FormatInt(out.ID, 10))
		c.JSON(http.StatusCreated, out)
	}
}

// apiPlanAction reads the plan action in the URL as its institution's
// plan lists it (outcome, and a score only where the user may see it),
// after the checks of the plan page: who may see the institution's plan,
// and a draft round is not found but for the coordinator.
func (s *Server) apiPlanAction(c *gin.Context) (survey.PlanAction, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return survey.PlanAction{}, false
	}
	ctx := c.Request.Context()
	p, err := s.store.PlanAction(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return p, false
	}
	if !s.planAccess(c, p.InstitutionCode) {
		return p, false
	}
	r, err := s.store.Round(ctx, p.RoundID)
	if err != nil {
		s.failErr(c, err)
		return p, false
	}
	if hiddenDraft(currentUser(c), r) {
		s.notFound(c)
		return p, false
	}
	return s.planAsListed(c, p)
}

// planAsListed is a plan action as its plan lists it to the user: with
// its outcome, and its scores only where the user may see them.
func (s *Server) planAsListed(c *gin.Context, p survey.PlanAction) (survey.PlanAction, bool) {
	plans, err := s.store.PlanActions(c.Request.Context(), survey.PlanFilter{RoundID: p.RoundID, Institution: p.InstitutionCode,
		Seen: planSeen(currentUser(c), p.InstitutionCode)})
	if err != nil {
		s.serverError(c, err)
		return p, false
	}
	for _, x := range plans {
		if x.ID == p.ID {
			return x, true
		}
	}
	s.notFound(c)
	return p, false
}

func (s *Server) apiGetPlanAction(c *gin.Context) {
	if p, ok := s.apiPlanAction(c); ok {
		c.JSON(http.StatusOK, p)
	}
}

// apiUpdatePlanAction replaces a plan action (PUT, what GET returned
// accepted) or changes some of it (PATCH, a JSON Merge Patch naming its
// version). A stale version is 409 with the action as it is now.
func (s *Server) apiUpdatePlanAction(c *gin.Context) {
	before, ok := s.apiPlanAction(c)
	if !ok || !s.canEdit(c, before.InstitutionCode) {
		return
	}
	var in planJSON
	if !s.bindUpdate(c, before, &in, true) {
		return
	}
	if in.Version == 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"version": "err.version_required"}})
		return
	}
	ctx := c.Request.Context()
	out, err := s.store.UpdatePlanAction(ctx, survey.ActorOf(*currentUser(c)), before.ID, in.PlanInput)
	if errors.Is(err, survey.ErrConflict) {
		latest, lerr := s.store.PlanAction(ctx, before.ID)
		if lerr != nil {
			s.serverError(c, lerr)
			return
		}
		s.apiStale(c, latest)
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if out, ok = s.planAsListed(c, out); ok {
		c.JSON(http.StatusOK, out)
	}
}

// apiDeletePlanAction removes an action from its plan.
func (s *Server) apiDeletePlanAction(c *gin.Context) {
	before, ok := s.apiPlanAction(c)
	if !ok || !s.canEdit(c, before.InstitutionCode) {
		return
	}
	if err := s.store.DeletePlanAction(c.Request.Context(), survey.ActorOf(*currentUser(c)), before.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ---- Success stories ----

// apiPendingStories is the coordinator's queue: the success stories
// waiting for approval, in the order of the review page.
func (s *Server) apiPendingStories(c *gin.Context) {
	list, err := s.store.ListInitiatives(c.Request.Context(), survey.InitiativeFilter{StoryStatus: survey.StoryPending})
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list)
}

// storyDecision is the coordinator's decision on a story, with the
// version of the initiative it was read at.
type storyDecision struct {
	Decision   string `json:"decision"` // approve or reject
	Version    int64  `json:"version"`
	ReviewNote string `json:"review_note"` // required to reject: the institution reads it
}

// apiReviewStory approves a success story or sends it back with a note;
// the answer is the initiative as it now is.
func (s *Server) apiReviewStory(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	var in storyDecision
	if !s.bindJSON(c, &in) {
		return
	}
	if in.Decision != "approve" && in.Decision != "reject" {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"decision": "err.choose_one"}})
		return
	}
	ctx := c.Request.Context()
	err = s.store.ReviewStory(ctx, survey.ActorOf(*currentUser(c)), id, in.Version, in.Decision == "approve", in.ReviewNote)
	switch {
	case errors.Is(err, survey.ErrConflict):
		latest, lerr := s.store.Initiative(ctx, id)
		if lerr != nil {
			s.serverError(c, lerr)
			return
		}
		s.apiStale(c, latest)
		return
	case errors.Is(err, survey.ErrInvalidTransition):
		s.fail(c, http.StatusConflict, "err.story_decided")
		return
	case err != nil:
		s.apiFail(c, err)
		return
	}
	out, err := s.store.Initiative(ctx, id)
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// ---- The reviewer's marks ----

// reviewMarkOut is one answer on the review page: its mark and comment,
// its section, and whether it was answered (only answers take a mark).
type reviewMarkOut struct {
	reviewMark
	Section  string `json:"section"`
	Answered bool   `json:"answered"`
}

// reviewMarksIn is what setting marks takes: the marks to set, each as a
// read returns it (section and answered ignored).
type reviewMarksIn struct {
	Marks []struct {
		reviewMark
		Section  json.RawMessage `json:"section,omitempty"`
		Answered json.RawMessage `json:"answered,omitempty"`
	} `json:"marks"`
}

// marksOf lists the review page's answers in questionnaire order.
func marksOf(p reviewPage) []reviewMarkOut {
	out := make([]reviewMarkOut, 0, len(p.Items))
	for _, iv := range p.Items {
		out = append(out, reviewMarkOut{reviewMark: reviewMark{Item: iv.Item.ID, Status: iv.Answer.ReviewStatus, Comment: iv.Answer.ReviewComment},
			Section: iv.Item.Section, Answered: iv.Answer.Version > 0})
	}
	return out
}

// apiGetReview is the reviewer's marks on a response's visible answers.
func (s *Server) apiGetReview(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	writePage(s, c, marksOf(s.reviewPage(c, rc)))
}

// bindMarks reads the marks of a body, one per item (a second one for the
// same item is 422).
func (s *Server) bindMarks(c *gin.Context) (map[string]reviewMark, bool) {
	var in reviewMarksIn
	if !s.bindJSON(c, &in) {
		return nil, false
	}
	marks := map[string]reviewMark{}
	for _, m := range in.Marks {
		if _, dup := marks[m.Item]; dup {
			s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{m.Item: "err.listed_twice"}})
			return nil, false
		}
		marks[m.Item] = m.reviewMark
	}
	return marks, true
}

// setMarks applies marks to the loaded response as the review page does
// (applyReviewMarks); refused marks are 422 by item. It answers itself
// when it returns false.
func (s *Server) setMarks(c *gin.Context, rc responseCtx, marks map[string]reviewMark) bool {
	refused, err := s.applyReviewMarks(c, rc, s.reviewPage(c, rc).Items, marks)
	if err != nil {
		s.apiFail(c, err)
		return false
	}
	if len(refused) > 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: refused})
		return false
	}
	return true
}

// apiSaveReview sets the reviewer's marks and comments on a submitted
// response; marks left out stay as they are. The answer is every mark.
func (s *Server) apiSaveReview(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	marks, ok := s.bindMarks(c)
	if !ok || !s.setMarks(c, rc, marks) {
		return
	}
	if rc, ok = s.loadResponse(c); ok {
		writePage(s, c, marksOf(s.reviewPage(c, rc)))
	}
}
