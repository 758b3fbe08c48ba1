package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

type invitationsPage struct {
	List         []survey.Invitation
	Institutions []survey.Institution
	Roles        []survey.Role
	Link         string // the new invitation's link, shown once to copy
	Created      *survey.Invitation
	// MailOn says whether mail is configured: the invitation is then also
	// mailed (queued in the outbox with it), in the language chosen.
	MailOn bool
}

func (s *Server) invitationsView(c *gin.Context) (*view, invitationsPage, error) {
	ctx := c.Request.Context()
	var p invitationsPage
	var err error
	if p.List, err = s.store.ListInvitations(ctx); err != nil {
		return nil, p, err
	}
	if p.Institutions, err = s.store.ListInstitutions(ctx, survey.InstitutionFilter{}); err != nil {
		return nil, p, err
	}
	p.Roles = survey.Roles
	p.MailOn = s.store.MailEnabled()
	return s.newView(c, "invitations.title"), p, nil
}

// NameOf is the name of the institution with code in lang: pages name
// institutions, never show their codes alone.
func (p invitationsPage) NameOf(lang, code string) string { return nameOf(p.Institutions, lang, code) }

func nameOf(list []survey.Institution, lang, code string) string {
	for _, in := range list {
		if in.Code == code {
			return in.Name(lang)
		}
	}
	return code
}

// usersPage lists the accounts, with the institutions to name (the
// deactivated ones too: their respondents are listed).
func (s *Server) usersPage(ctx context.Context) (usersPage, error) {
	var p usersPage
	var err error
	if p.List, err = s.store.ListUsers(ctx); err != nil {
		return p, err
	}
	p.Institutions, err = s.store.ListInstitutions(ctx, survey.InstitutionFilter{IncludeInactive: true})
	return p, err
}

func (s *Server) listInvitations(c *gin.Context) {
	v, p, err := s.invitationsView(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v.Form = &form{Values: map[string]string{"role": string(survey.RoleRespondent), "invite_lang": "ar"}}
	v.Data = p
	s.render(c, http.StatusOK, "invitations", v)
}

// createInvitation makes a one-time link and shows it once, to copy.
func (s *Server) createInvitation(c *gin.Context) {
	var in survey.InvitationInput
	_ = c.ShouldBind(&in)
	inv, token, err := s.store.CreateInvitation(c.Request.Context(), currentUser(c).ID, in)
	var ve *survey.ValidationError
	if err != nil && !errors.As(err, &ve) {
		s.serverError(c, err)
		return
	}
	v, p, lerr := s.invitationsView(c)
	if lerr != nil {
		s.serverError(c, lerr)
		return
	}
	status := http.StatusOK
	if ve != nil {
		status = http.StatusUnprocessableEntity
		v.Form = &form{Values: map[string]string{"email": in.Email, "role": string(in.Role), "institution": in.InstitutionCode, "invite_lang": in.Lang},
			Errors: v.loc.fieldMessages(ve)}
	} else {
		v.Form = &form{Values: map[string]string{"role": string(in.Role), "invite_lang": survey.MailLang(in.Lang)}}
		p.Link = s.cfg.BaseURL + "/" + v.Lang + "/invite/" + token
		p.Created = &inv
	}
	v.Data = p
	s.render(c, status, "invitations", v)
}

func (s *Server) revokeInvitation(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if err := s.store.RevokeInvitation(c.Request.Context(), currentUser(c).ID, id); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathAdminInvitations)
}

func (s *Server) listUsers(c *gin.Context) {
	p, err := s.usersPage(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	if d := c.Query("done"); d == "user_deactivated" || d == "user_activated" || d == "team_saved" {
		p.Notice = "notice." + d
	}
	v := s.newView(c, "users.title")
	v.Data = p
	s.render(c, http.StatusOK, "users", v)
}
