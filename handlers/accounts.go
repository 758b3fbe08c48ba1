package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Accounts and institutions are deactivated and reactivated by the
// coordinator: on the users and institutions pages, through the API, and
// with the command line (main.go). The store ends the sessions.

// userParam is the user id in the URL; it answers 404 itself when it is
// not a number.
func (s *Server) userParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return 0, false
	}
	return id, true
}

// setUserActive deactivates (active=0) or reactivates (active=1) an
// account from the users page.
func (s *Server) setUserActive(c *gin.Context) {
	id, ok := s.userParam(c)
	if !ok {
		return
	}
	active := c.PostForm("active") == "1"
	ctx := c.Request.Context()
	_, err := s.store.SetUserActive(ctx, survey.ActorOf(*currentUser(c)), id, active)
	if errors.Is(err, survey.ErrLastAdmin) {
		p, perr := s.usersPage(ctx)
		if perr != nil {
			s.serverError(c, perr)
			return
		}
		v := s.newView(c, "users.title")
		p.Error = v.T("err.last_admin")
		v.Data = p
		s.render(c, http.StatusConflict, "users", v)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	done := "user_deactivated"
	if active {
		done = "user_activated"
	}
	seeOther(c, pathAdminUsers+"?done="+done+"#u"+strconv.FormatInt(id, 10))
}

// apiListUsers lists every account (coordinators only), for the ids the
// activate and deactivate calls take: paged, by role then e-mail, as the
// users page lists them.
func (s *Server) apiListUsers(c *gin.Context) {
	list, err := s.store.ListUsers(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list)
}

// apiSetUserActive is POST /api/v1/users/{id}/activate or /deactivate: it
// answers the account as it now is, or 409 for the last coordinator.
func (s *Server) apiSetUserActive(active bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.userParam(c)
		if !ok {
			return
		}
		u, err := s.store.SetUserActive(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, active)
		if err != nil {
			s.failErr(c, err)
			return
		}
		c.JSON(http.StatusOK, u)
	}
}

// apiActivateInstitution is POST /api/v1/institutions/{code}/activate: the
// way back from DELETE, which deactivates. It answers the institution.
func (s *Server) apiActivateInstitution(c *gin.Context) {
	ctx := c.Request.Context()
	code := c.Param("code")
	if err := s.store.SetInstitutionActive(ctx, currentUser(c).ID, code, true); err != nil {
		s.failErr(c, err)
		return
	}
	inst, err := s.store.Institution(ctx, code)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, inst)
}
