package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// A focal point's team through /api/v1 (issue 19, §2), mirroring the team
// page (teams.go): the institution's colleagues and the invitations into
// it, inviting, revoking, deactivating and reactivating a colleague, and
// the team's activity. Only focal points get in (403 for everyone else,
// the coordinator included, who has /users and /invitations); the store
// checks the rest again (their own institution, not themselves, no
// coordinator) with the acting account as it is in the database.

// apiTeam is the focal point's colleagues (every respondent of their
// institution, active or not, themselves included), in the page's order.
func (s *Server) apiTeam(c *gin.Context) {
	me, ok := s.focalPoint(c)
	if !ok {
		return
	}
	list, err := s.store.Colleagues(c.Request.Context(), me.InstitutionCode)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if list == nil {
		list = []survey.User{}
	}
	writePage(s, c, list)
}

// apiTeamInvitations is the invitations into the focal point's
// institution, newest first, each with its state (pending, used, expired,
// revoked), as the page lists them.
func (s *Server) apiTeamInvitations(c *gin.Context) {
	me, ok := s.focalPoint(c)
	if !ok {
		return
	}
	list, err := s.store.TeamInvitations(c.Request.Context(), me.InstitutionCode)
	s.writeInvitations(c, list, err)
}

// colleagueInvitationIn is whom a focal point invites: an e-mail; the
// role (respondent) and the institution (theirs) are not theirs to choose.
type colleagueInvitationIn struct {
	Email string `json:"email"`
}

// apiInviteColleague invites a colleague into the focal point's
// institution, with the page's store call: the one-time link is in the
// answer, once, and mailed when mail is configured.
func (s *Server) apiInviteColleague(c *gin.Context) {
	me, ok := s.focalPoint(c) // before the body is read
	if !ok {
		return
	}
	var in colleagueInvitationIn
	if !s.bindJSON(c, &in) {
		return
	}
	inv, token, err := s.store.CreateColleagueInvitation(c.Request.Context(), me.ID, in.Email)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	// The invitation is mailed in the default language (the store's
	// CreateInvitation with no language); the link says the same.
	c.JSON(http.StatusCreated, struct {
		Invitation invitationJSON `json:"invitation"`
		createdLink
	}{toInvitationJSON(inv), createdLink{
		Link:   s.cfg.BaseURL + "/" + survey.MailLang("") + "/invite/" + token,
		Mailed: s.store.MailEnabled(),
	}})
}

// apiRevokeColleagueInvitation revokes an invitation into the focal
// point's institution; one already used, expired or revoked is left as it
// is (204 too), as on the page.
func (s *Server) apiRevokeColleagueInvitation(c *gin.Context) {
	me, ok := s.focalPoint(c)
	if !ok {
		return
	}
	id, ok := s.userParam(c) // a number, or 404
	if !ok {
		return
	}
	if err := s.store.RevokeColleagueInvitation(c.Request.Context(), me.ID, id); err != nil {
		s.failErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// apiSetColleagueActive deactivates (their sessions end) or reactivates a
// colleague, as POST /users/{id}/activate and /deactivate do for the
// coordinator; it answers the account.
func (s *Server) apiSetColleagueActive(active bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		me, ok := s.focalPoint(c)
		if !ok {
			return
		}
		id, ok := s.userParam(c)
		if !ok {
			return
		}
		u, err := s.store.SetColleagueActive(c.Request.Context(), me.ID, id, active)
		if err != nil {
			s.failErr(c, err)
			return
		}
		c.JSON(http.StatusOK, u)
	}
}

// apiTeamActivity is the audit log narrowed to the focal point's
// institution, newest first, one page read from the store, as the
// activity page shows it.
func (s *Server) apiTeamActivity(c *gin.Context) {
	me, ok := s.focalPoint(c)
	if !ok {
		return
	}
	p, ok := s.pageOf(c)
	if !ok {
		return
	}
	page, err := s.store.AuditLogPage(c.Request.Context(), survey.AuditFilter{Institution: me.InstitutionCode}, p.Page, p.PerPage)
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.JSON(http.StatusOK, auditPageJSON(page, p))
}

// auditPageJSON is one page of the audit log as the API answers it, for
// /audit and /team/activity. The store gives its last page for one past
// it; the API answers that page empty, so that a client's loop ends.
func auditPageJSON(page survey.AuditPage, p pageParams) listJSON[auditEventJSON] {
	out := listJSON[auditEventJSON]{Items: []auditEventJSON{}, Page: p.Page, PerPage: p.PerPage, Total: page.Total}
	if page.Page != p.Page {
		return out
	}
	for _, e := range page.Events {
		actor := e.ActorName
		if e.ActorID == 0 {
			actor = survey.AuditSystem
		}
		out.Items = append(out.Items, auditEventJSON{ID: e.ID, At: e.At.UTC(), Actor: actor, Action: e.Action,
			Entity: e.Entity, Key: e.EntityKey, Before: rawOrNull(e.Before), After: rawOrNull(e.After)})
	}
	return out
}
