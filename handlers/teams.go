package handlers

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Teams inside an institution (survey/teams.go, docs/teams.md): a focal
// point's team page, section assignments and the head's sign-off. The
// store reads the acting account and checks every ownership rule itself;
// the handlers bind, call it and render.

// TeamStore keeps the teams of institutions.
type TeamStore interface {
	SetTeamFlags(ctx context.Context, a survey.Actor, id int64, f survey.TeamFlags) (survey.User, error)
	Colleagues(ctx context.Context, code string) ([]survey.User, error)
	CreateColleagueInvitation(ctx context.Context, actorID int64, email string) (survey.Invitation, string, error)
	TeamInvitations(ctx context.Context, code string) ([]survey.Invitation, error)
	RevokeColleagueInvitation(ctx context.Context, actorID, id int64) error
	SetColleagueActive(ctx context.Context, actorID, id int64, active bool) (survey.User, error)
	Assignments(ctx context.Context, roundID int64, code string) (survey.Assignments, error)
	AssignSection(ctx context.Context, actorID, roundID int64, code string, in survey.AssignmentInput) error
	TeamBoard(ctx context.Context, roundID int64) (map[string]survey.TeamBoard, error)
	SetRoundSignoff(ctx context.Context, actorID, roundID int64, on bool) (survey.Round, error)
	ResponseSignoff(ctx context.Context, roundID int64, code string) (survey.Signoff, error)
	RequestSignoff(ctx context.Context, a survey.Actor, roundID int64, code string) (survey.Signoff, error)
	ApproveSignoff(ctx context.Context, actorID, roundID int64, code string) (survey.Response, error)
	SendBackSignoff(ctx context.Context, actorID, roundID int64, code, comment string) error
	SignoffPreview(ctx context.Context, roundID int64, code string) (survey.Result, error)
}

const (
	pathTeam         = "/team"
	pathTeamActivity = "/team/activity"
)

func assignmentsPath(round int64, code string) string {
	return responsePath(round, code) + "/assignments"
}
func signoffPath(round int64, code string) string { return responsePath(round, code) + "/signoff" }

// freshUser is the signed-in account as the database has it now: the
// session's copy does not carry the team flags.
func (s *Server) freshUser(c *gin.Context) (survey.User, bool) {
	u, err := s.store.User(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.failErr(c, err)
		return u, false
	}
	return u, true
}

// focalPoint is the signed-in focal point; others get 403.
func (s *Server) focalPoint(c *gin.Context) (survey.User, bool) {
	u, ok := s.freshUser(c)
	if ok && !survey.CanManageTeam(u) {
		s.fail(c, http.StatusForbidden, "err.forbidden")
		return u, false
	}
	return u, ok
}

// teamPage is a focal point's team: colleagues, invitations, the open
// rounds whose sections they assign.
type teamPage struct {
	Me          survey.User
	Institution survey.Institution
	Colleagues  []survey.User
	Invitations []survey.Invitation
	Rounds      []survey.Round
	Link        string // a new invitation's link, shown once
	Created     *survey.Invitation
	Notice      string
}

func (s *Server) teamView(c *gin.Context, me survey.User) (*view, teamPage, error) {
	ctx := c.Request.Context()
	p := teamPage{Me: me}
	var err error
	if p.Institution, err = s.store.Institution(ctx, me.InstitutionCode); err != nil {
		return nil, p, err
	}
	if p.Colleagues, err = s.store.Colleagues(ctx, me.InstitutionCode); err != nil {
		return nil, p, err
	}
	if p.Invitations, err = s.store.TeamInvitations(ctx, me.InstitutionCode); err != nil {
		return nil, p, err
	}
	if p.Rounds, err = s.store.OpenRounds(ctx); err != nil {
		return nil, p, err
	}
	return s.newView(c, "team.title"), p, nil
}

// showTeam is the focal point's team page.
func (s *Server) showTeam(c *gin.Context) {
	me, ok := s.focalPoint(c)
	if !ok {
		return
	}
	v, p, err := s.teamView(c, me)
	if err != nil {
		s.serverError(c, err)
		return
	}
	switch d := c.Query("done"); d {
	case "deactivated", "activated", "revoked":
		p.Notice = "team.notice_" + d
	}
	v.Form = &form{}
	v.Data = p
	s.render(c, http.StatusOK, "team", v)
}

// inviteColleague makes a one-time link for a colleague of the focal
// point's own institution and shows it once.
func (s *Server) inviteColleague(c *gin.Context) {
	me, ok := s.focalPoint(c)
	if !ok {
		return
	}
	email := c.PostForm("email")
	inv, token, err := s.store.CreateColleagueInvitation(c.Request.Context(), me.ID, email)
	var ve *survey.ValidationError
	if err != nil && !errors.As(err, &ve) {
		s.failErr(c, err)
		return
	}
	v, p, lerr := s.teamView(c, me)
	if lerr != nil {
		s.serverError(c, lerr)
		return
	}
	status := http.StatusOK
	if ve != nil {
		status = http.StatusUnprocessableEntity
		v.Form = &form{Values: map[string]string{"email": email}, Errors: v.loc.fieldMessages(ve)}
	} else {
		v.Form = &form{}
		p.Link = s.cfg.BaseURL + "/" + v.Lang + "/invite/" + token
		p.Created = &inv
	}
	v.Data = p
	s.render(c, status, "team", v)
}

// revokeColleagueInvitation makes a pending invitation into the focal
// point's institution unusable.
func (s *Server) revokeColleagueInvitation(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if err := s.store.RevokeColleagueInvitation(c.Request.Context(), currentUser(c).ID, id); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathTeam+"?done=revoked")
}

// setColleagueActive deactivates or reactivates a colleague.
func (s *Server) setColleagueActive(c *gin.Context) {
	id, ok := s.userParam(c)
	if !ok {
		return
	}
	active := c.PostForm("active") == "1"
	if _, err := s.store.SetColleagueActive(c.Request.Context(), currentUser(c).ID, id, active); err != nil {
		s.failErr(c, err)
		return
	}
	done := "deactivated"
	if active {
		done = "activated"
	}
	seeOther(c, pathTeam+"?done="+done+"#u"+strconv.FormatInt(id, 10))
}

// teamActivityPage is who did what in the focal point's institution.
type teamActivityPage struct {
	survey.AuditPage
	Institution survey.Institution
	Rows        []auditRow
}

// PageLink is the activity's URL for page n.
func (p teamActivityPage) PageLink(n int) string { return "?page=" + strconv.Itoa(n) }

// showTeamActivity is the audit log narrowed to the focal point's
// institution (its users, invitations, services, responses…), read-only.
func (s *Server) showTeamActivity(c *gin.Context) {
	me, ok := s.focalPoint(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	v := s.newView(c, "team.activity_title")
	var p teamActivityPage
	var err error
	if p.Institution, err = s.store.Institution(ctx, me.InstitutionCode); err != nil {
		s.serverError(c, err)
		return
	}
	page, _ := strconv.Atoi(c.Query("page"))
	if p.AuditPage, err = s.store.AuditLogPage(ctx, survey.AuditFilter{Institution: me.InstitutionCode}, page, auditPerPage); err != nil {
		s.serverError(c, err)
		return
	}
	names := auditNames{v: v, insts: map[string]survey.Institution{p.Institution.Code: p.Institution}, item: s.auditItems(c)}
	for _, e := range p.Events {
		p.Rows = append(p.Rows, names.row(e))
	}
	v.Data = p
	s.render(c, http.StatusOK, "team_activity", v)
}

// assignPage lists a round's sections with who each is assigned to.
type assignPage struct {
	Round       survey.Round
	Q           survey.QuestionnaireVersion
	Institution survey.Institution
	Assignments survey.Assignments
	Colleagues  []survey.User // active ones: who can be assigned
	Notice      string
	Error       string
}

// AssigneeOf is the id of the section's assignee, 0 for none.
func (p assignPage) AssigneeOf(section string) int64 { return p.Assignments[section].UserID }

// showAssignments is the page where the coordinator or a focal point of
// the institution assigns the sections of a round.
func (s *Server) showAssignments(c *gin.Context) {
	s.renderAssignments(c, http.StatusOK, "")
}

// assignmentsFor loads a response's section assignments and the
// colleagues who can take one, for the page and the API, after checking
// that the user may assign them (the coordinator, the institution's focal
// point). It answers the request itself when it returns false.
func (s *Server) assignmentsFor(c *gin.Context) (assignPage, bool) {
	// Refused before the response is loaded: loading makes an open
	// round's draft, which a refused request must not.
	me, ok := s.freshUser(c)
	if !ok {
		return assignPage{}, false
	}
	if !survey.CanAssignSections(me, c.Param("code")) {
		s.fail(c, http.StatusForbidden, "err.forbidden")
		return assignPage{}, false
	}
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return assignPage{}, false
	}
	ctx := c.Request.Context()
	p := assignPage{Round: rc.Round, Q: rc.Q, Institution: rc.Institution}
	var err error
	if p.Assignments, err = s.store.Assignments(ctx, rc.Round.ID, rc.Institution.Code); err != nil {
		s.serverError(c, err)
		return p, false
	}
	all, err := s.store.Colleagues(ctx, rc.Institution.Code)
	if err != nil {
		s.serverError(c, err)
		return p, false
	}
	for _, u := range all {
		if u.Active {
			p.Colleagues = append(p.Colleagues, u)
		}
	}
	return p, true
}

func (s *Server) renderAssignments(c *gin.Context, status int, errKey string) {
	p, ok := s.assignmentsFor(c)
	if !ok {
		return
	}
	v := s.newView(c, "assign.title")
	v.Title = v.T("assign.title") + " — " + p.Round.Name
	if c.Query("saved") == "1" {
		p.Notice = "assign.saved"
	}
	if errKey != "" {
		p.Error = v.T(errKey)
	}
	v.Data = p
	s.render(c, status, "team_assign", v)
}

// assignSection assigns (or unassigns) one section.
func (s *Server) assignSection(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	var in survey.AssignmentInput
	in.SectionID = c.PostForm("section")
	in.UserID, _ = strconv.ParseInt(c.PostForm("user"), 10, 64)
	err := s.store.AssignSection(c.Request.Context(), currentUser(c).ID, rc.Round.ID, rc.Institution.Code, in)
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		key := ""
		for _, k := range ve.Fields {
			key = k
		}
		s.renderAssignments(c, http.StatusUnprocessableEntity, key)
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	seeOther(c, assignmentsPath(rc.Round.ID, rc.Institution.Code)+"?saved=1#s-"+in.SectionID)
}

// signoffPage is the head's read-only summary of a response, with the
// score it would have if submitted now.
type signoffPage struct {
	Round       survey.Round
	Q           survey.QuestionnaireVersion
	Institution survey.Institution
	Response    survey.Response
	Signoff     survey.Signoff
	Preview     survey.Result
	Sections    []signoffSection
	Answered    int
	Total       int
	CanDecide   bool // the signed-in account is the head, and the response waits for them
	Notice      string
	Error       string
	Comment     string
}

// signoffSection is one section's answers on the summary.
type signoffSection struct {
	Section         survey.Section
	Score           float64
	Scored          bool
	Answered, Total int
	Items           []signoffItem
}

// signoffItem is one answered question, its answer said in words.
type signoffItem struct {
	Item   survey.Item
	Answer string
	NA     bool
}

// Percent is the share of items answered, 0–100.
func (p signoffPage) Percent() int {
	if p.Total == 0 {
		return 0
	}
	return p.Answered * 100 / p.Total
}

// answerWords is an answer as the reader sees it: option labels, or the value.
func answerWords(it survey.Item, a survey.Answer, lang string) string {
	var out []string
	for _, val := range a.Values {
		w := val
		for _, o := range it.Options {
			if o.Value == val {
				w = o.Label(lang)
			}
		}
		out = append(out, w)
	}
	return strings.Join(out, "، ")
}

// canDecideSignoff says whether the signed-in account may approve or send
// back the response now: it is the institution's head, and the response
// waits for them (the page's buttons, the API's can_decide).
func (s *Server) canDecideSignoff(c *gin.Context, rc responseCtx, so survey.Signoff) (bool, error) {
	me, err := s.store.User(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		return false, err
	}
	return survey.CanSignOff(me, rc.Institution.Code) && survey.CanDecideSignoff(rc.Round, rc.Response, so) == nil, nil
}

func (s *Server) buildSignoffPage(c *gin.Context, v *view, rc responseCtx) (signoffPage, error) {
	ctx := c.Request.Context()
	p := signoffPage{Round: rc.Round, Q: rc.Q, Institution: rc.Institution, Response: rc.Response}
	var err error
	if p.Signoff, err = s.store.ResponseSignoff(ctx, rc.Round.ID, rc.Institution.Code); err != nil {
		return p, err
	}
	if p.Preview, err = s.store.SignoffPreview(ctx, rc.Round.ID, rc.Institution.Code); err != nil {
		return p, err
	}
	if p.CanDecide, err = s.canDecideSignoff(c, rc, p.Signoff); err != nil {
		return p, err
	}
	scores := map[string]survey.DimensionScore{}
	for _, d := range p.Preview.Dimensions {
		scores[d.Section] = d
	}
	idx := map[string]int{}
	for _, sec := range rc.Q.Def.Sections {
		d, ok := scores[sec.ID]
		idx[sec.ID] = len(p.Sections)
		p.Sections = append(p.Sections, signoffSection{Section: sec, Score: d.Score, Scored: ok && !d.Dropped})
	}
	for _, it := range rc.Q.Def.Items {
		i, ok := idx[it.Section]
		if !ok || it.Type == survey.TypeMetric || !rc.Answers.Visible(it) {
			continue
		}
		a, has := rc.Answers[it.ID]
		answered := has && (a.NA || len(a.Values) > 0)
		p.Total++
		p.Sections[i].Total++
		if !answered {
			continue
		}
		p.Answered++
		p.Sections[i].Answered++
		p.Sections[i].Items = append(p.Sections[i].Items, signoffItem{Item: it, Answer: answerWords(it, a, v.Lang), NA: a.NA})
	}
	return p, nil
}

// showSignoff is the head's summary: the answers read-only, the scorecard
// preview, and — for the head, while the response waits — approve or send
// back. The institution's respondents and the coordinator may read it.
func (s *Server) showSignoff(c *gin.Context) {
	s.renderSignoff(c, http.StatusOK, "", "")
}

func (s *Server) renderSignoff(c *gin.Context, status int, errKey, comment string) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	v := s.newView(c, "signoff.title")
	v.Title = v.T("signoff.title") + " — " + rc.Round.Name
	p, err := s.buildSignoffPage(c, v, rc)
	if err != nil {
		s.serverError(c, err)
		return
	}
	switch c.Query("done") {
	case "approved":
		p.Notice = "signoff.notice_approved"
	case "sent_back":
		p.Notice = "signoff.notice_sent_back"
	}
	if errKey != "" {
		p.Error = v.T(errKey)
	}
	p.Comment = comment
	v.Data = p
	s.render(c, status, "team_signoff", v)
}

// requestSignoff sends the response to the head (a round that requires
// sign-off); an incomplete one comes back with what is missing.
func (s *Server) requestSignoff(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	_, err := s.store.RequestSignoff(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code)
	var inc *survey.ErrIncomplete
	switch {
	case errors.As(err, &inc):
		s.renderMissing(c, rc, inc)
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, responseURL(lang(c), rc)+"?signoff=sent")
}

// renderMissing shows the questionnaire with the items still unanswered,
// as a refused submission does.
func (s *Server) renderMissing(c *gin.Context, rc responseCtx, inc *survey.ErrIncomplete) {
	var err error
	if rc.Answers, err = s.store.Answers(c.Request.Context(), rc.Response.ID); err != nil {
		s.serverError(c, err)
		return
	}
	p := s.buildResponsePage(c, rc, c.PostForm("section"))
	for _, id := range inc.Items {
		if it, ok := rc.Q.Def.Item(id); ok {
			p.Missing = append(p.Missing, it)
		}
	}
	v := s.newView(c, "response.title")
	v.Title = rc.Q.Title(v.Lang) + " — " + rc.Round.Name
	if err := s.addSignoffBox(c, v, rc, &p); err != nil {
		s.serverError(c, err)
		return
	}
	s.renderResponse(c, http.StatusUnprocessableEntity, v, p)
}

// approveSignoff is the head approving: the response is submitted.
func (s *Server) approveSignoff(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	_, err := s.store.ApproveSignoff(c.Request.Context(), currentUser(c).ID, rc.Round.ID, rc.Institution.Code)
	var inc *survey.ErrIncomplete
	switch {
	case errors.As(err, &inc):
		s.renderSignoff(c, http.StatusUnprocessableEntity, "signoff.incomplete", "")
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	seeOther(c, signoffPath(rc.Round.ID, rc.Institution.Code)+"?done=approved")
}

// sendBackSignoff is the head sending the response back with a comment.
func (s *Server) sendBackSignoff(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	comment := c.PostForm("comment")
	err := s.store.SendBackSignoff(c.Request.Context(), currentUser(c).ID, rc.Round.ID, rc.Institution.Code, comment)
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		s.renderSignoff(c, http.StatusUnprocessableEntity, ve.Fields["comment"], comment)
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	seeOther(c, signoffPath(rc.Round.ID, rc.Institution.Code)+"?done=sent_back")
}

// setTeamFlags is the coordinator marking a respondent as focal point
// and/or head, from the users page.
func (s *Server) setTeamFlags(c *gin.Context) {
	id, ok := s.userParam(c)
	if !ok {
		return
	}
	f := survey.TeamFlags{FocalPoint: c.PostForm("focal_point") == "1", Signoff: c.PostForm("signoff") == "1"}
	if _, err := s.store.SetTeamFlags(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, f); err != nil {
		var ve *survey.ValidationError
		if errors.As(err, &ve) {
			s.fail(c, http.StatusUnprocessableEntity, "err.team_respondent_only")
			return
		}
		s.failErr(c, err)
		return
	}
	seeOther(c, pathAdminUsers+"?done=team_saved#u"+strconv.FormatInt(id, 10))
}

// setRoundSignoff is the coordinator turning the round's sign-off
// requirement on or off, from the round's board.
func (s *Server) setRoundSignoff(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if _, err := s.store.SetRoundSignoff(c.Request.Context(), currentUser(c).ID, id, c.PostForm("requires_signoff") == "1"); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, adminRoundPath(id)+"#signoff")
}

// signoffBox is what the response page shows in place of the submit
// button in a round that requires sign-off: the state, and the button
// that sends the response to the head.
type signoffBox struct {
	Round       survey.Round
	Institution survey.Institution
	Signoff     survey.Signoff
	Section     string
	CanSend     bool
	Sent        bool // just sent (the redirect's ?signoff=sent)
}

// addSignoffBox renders the sign-off box into p, in a round that requires
// sign-off (nothing otherwise: the page stays as it was).
func (s *Server) addSignoffBox(c *gin.Context, v *view, rc responseCtx, p *responsePage) error {
	if !rc.Round.RequiresSignoff || !rc.Response.Editable() {
		return nil
	}
	so, err := s.store.ResponseSignoff(c.Request.Context(), rc.Round.ID, rc.Institution.Code)
	if err != nil {
		return err
	}
	box := signoffBox{Round: rc.Round, Institution: rc.Institution, Signoff: so, Section: p.Section.ID,
		CanSend: p.Editable, Sent: c.Query("signoff") == "sent"}
	t, err := s.pages.get("response")
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "signoff_box", v.Pair(v, box)); err != nil {
		return err
	}
	p.Signoff = template.HTML(b.String()) // #nosec G203 -- rendered by html/template
	return nil
}

// AssignmentsURL is where a response's sections are assigned.
func (v *view) AssignmentsURL(round int64, code string) string {
	return v.URL(assignmentsPath(round, code))
}

// SignoffURL is the head's summary of a response.
func (v *view) SignoffURL(round int64, code string) string { return v.URL(signoffPath(round, code)) }

// Shown is an index or dimension score (0–1) on the model's scale, as
// the scorecard shows it.
func (p signoffPage) Shown(x float64) float64 { return p.Q.Def.Model.Display(x) }

// addTeamWork adds to the work page what teams bring: the reader's marks,
// each round's assignments with the reader's sections first, and the
// sign-off in rounds that require it.
func (s *Server) addTeamWork(c *gin.Context, p *workPage) error {
	ctx := c.Request.Context()
	me, err := s.store.User(ctx, currentUser(c).ID)
	if err != nil {
		return err
	}
	p.Me = me
	for i := range p.Rounds {
		r := &p.Rounds[i]
		if r.Assigned, err = s.store.Assignments(ctx, r.Round.ID, p.Institution.Code); err != nil {
			return err
		}
		r.Mine = r.Assigned.Mine(r.Def, me.ID)
		if r.Round.RequiresSignoff {
			if r.Signoff, err = s.store.ResponseSignoff(ctx, r.Round.ID, p.Institution.Code); err != nil {
				return err
			}
		}
	}
	return nil
}
