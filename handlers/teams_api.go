package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Teams through /api/v1 (issue 19, §2), mirroring teams.go: a response's
// section assignments (the coordinator and the institution's focal point)
// and the head's sign-off. The loaders and the store are the page's; the
// store checks who may do what.

// assignmentJSON is one section of the questionnaire and who is assigned
// to it (user_id 0: nobody). Unset times are null.
type assignmentJSON struct {
	Section    string     `json:"section"`
	TitleAr    string     `json:"title_ar"`
	TitleEn    string     `json:"title_en"`
	UserID     int64      `json:"user_id"`
	UserName   string     `json:"user_name"`
	UserEmail  string     `json:"user_email"`
	AssignedBy string     `json:"assigned_by"`
	AssignedAt *time.Time `json:"assigned_at"`
}

// assignmentIn is what assigning takes: the user, with the rest of a
// read ignored.
type assignmentIn struct {
	UserID     int64           `json:"user_id"`
	Section    json.RawMessage `json:"section,omitempty"`
	TitleAr    json.RawMessage `json:"title_ar,omitempty"`
	TitleEn    json.RawMessage `json:"title_en,omitempty"`
	UserName   json.RawMessage `json:"user_name,omitempty"`
	UserEmail  json.RawMessage `json:"user_email,omitempty"`
	AssignedBy json.RawMessage `json:"assigned_by,omitempty"`
	AssignedAt json.RawMessage `json:"assigned_at,omitempty"`
}

// assignmentsOf lists every section in questionnaire order.
func assignmentsOf(p assignPage) []assignmentJSON {
	out := []assignmentJSON{}
	for _, sec := range p.Q.Def.Sections {
		a := p.Assignments[sec.ID]
		out = append(out, assignmentJSON{Section: sec.ID, TitleAr: sec.TitleAr, TitleEn: sec.TitleEn, UserID: a.UserID,
			UserName: a.UserName, UserEmail: a.UserEmail, AssignedBy: a.AssignedBy, AssignedAt: timeOrNil(a.AssignedAt)})
	}
	return out
}

// timeOrNil is t, or nil (null in JSON) when it is unset.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// apiAssignments is the sections of a response and their assignees.
func (s *Server) apiAssignments(c *gin.Context) {
	if p, ok := s.assignmentsFor(c); ok {
		writePage(s, c, assignmentsOf(p))
	}
}

// apiAssignSection assigns one section to a colleague (user_id 0:
// nobody), and answers with that section as it now is.
func (s *Server) apiAssignSection(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	var in assignmentIn
	if !s.bindJSON(c, &in) {
		return
	}
	section := c.Param("section")
	if err := s.store.AssignSection(c.Request.Context(), currentUser(c).ID, rc.Round.ID, rc.Institution.Code,
		survey.AssignmentInput{SectionID: section, UserID: in.UserID}); err != nil {
		s.apiFail(c, err)
		return
	}
	p, ok := s.assignmentsFor(c)
	if !ok {
		return
	}
	for _, a := range assignmentsOf(p) {
		if a.Section == section {
			c.JSON(http.StatusOK, a)
			return
		}
	}
	s.notFound(c)
}

// signoffJSON is where a response stands in its head's sign-off, and
// whether the caller may decide now. Unset times are null.
type signoffJSON struct {
	State       string     `json:"state"` // "" never sent, pending, approved, sent_back
	Comment     string     `json:"comment"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt *time.Time `json:"requested_at"`
	By          string     `json:"by"`
	At          *time.Time `json:"at"`
	Changed     bool       `json:"changed"`
	CanDecide   bool       `json:"can_decide"`
}

// writeSignoff answers the response's sign-off as it now is.
func (s *Server) writeSignoff(c *gin.Context, status int) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	so, err := s.store.ResponseSignoff(c.Request.Context(), rc.Round.ID, rc.Institution.Code)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	can, err := s.canDecideSignoff(c, rc, so)
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.JSON(status, signoffJSON{State: so.State, Comment: so.Comment, RequestedBy: so.RequestedBy, RequestedAt: timeOrNil(so.RequestedAt),
		By: so.By, At: timeOrNil(so.At), Changed: so.Changed, CanDecide: can})
}

// apiSignoff is the response's sign-off: for the institution and the
// coordinator, as the summary page.
func (s *Server) apiSignoff(c *gin.Context) { s.writeSignoff(c, http.StatusOK) }

// apiIncomplete answers a refusal for unanswered questions: 422 with each
// missing item.
func (s *Server) apiIncomplete(c *gin.Context, inc *survey.ErrIncomplete) {
	fields := map[string]string{}
	for _, item := range inc.Items {
		fields[item] = s.apiLocale(c).T("err.answer_required")
	}
	c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiError{Error: apiErrorBody{
		Code: "incomplete", Message: s.apiLocale(c).T("err.incomplete"), Fields: fields}})
}

// apiRequestSignoff sends the response to the head (a round that requires
// sign-off); an incomplete one is 422 with what is missing.
func (s *Server) apiRequestSignoff(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	_, err := s.store.RequestSignoff(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code)
	var inc *survey.ErrIncomplete
	switch {
	case errors.As(err, &inc):
		s.apiIncomplete(c, inc)
	case err != nil:
		s.apiFail(c, err)
	default:
		s.writeSignoff(c, http.StatusOK)
	}
}

// apiApproveSignoff is the head approving: the response is submitted, and
// the answer is the response in its new status.
func (s *Server) apiApproveSignoff(c *gin.Context) {
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	resp, err := s.store.ApproveSignoff(c.Request.Context(), currentUser(c).ID, rc.Round.ID, rc.Institution.Code)
	var inc *survey.ErrIncomplete
	switch {
	case errors.As(err, &inc):
		s.apiIncomplete(c, inc)
	case err != nil:
		s.apiFail(c, err)
	default:
		c.JSON(http.StatusOK, resp)
	}
}

// signoffComment is the head's reason for sending a response back.
type signoffComment struct {
	Comment string `json:"comment"`
}

// apiSendBackSignoff is the head sending the response back with a
// comment (required: 422 without).
func (s *Server) apiSendBackSignoff(c *gin.Context) {
	// Refused before the body is read: only the institution's head.
	me, ok := s.freshUser(c)
	if !ok {
		return
	}
	if !survey.CanSignOff(me, c.Param("code")) {
		s.fail(c, http.StatusForbidden, "err.forbidden")
		return
	}
	rc, ok := s.loadResponseWith(c, false)
	if !ok {
		return
	}
	var in signoffComment
	if !s.bindJSON(c, &in) {
		return
	}
	if err := s.store.SendBackSignoff(c.Request.Context(), currentUser(c).ID, rc.Round.ID, rc.Institution.Code, in.Comment); err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeSignoff(c, http.StatusOK)
}
