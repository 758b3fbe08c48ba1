package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

type usersPage struct {
	List         []survey.User
	Institutions []survey.Institution
	// ResetFor and ResetLink show a reset link just made, once.
	ResetFor  string
	ResetLink string
	// ResetMailed says the link was also queued by mail (mail configured).
	ResetMailed bool
	// Notice is a change just made (a message key); Error a change refused.
	Notice string
	Error  string
}

// NameOf is the name of the institution with code in lang.
func (p usersPage) NameOf(lang, code string) string { return nameOf(p.Institutions, lang, code) }

// CanSignIn says whether the account may sign in: it is active, and a
// respondent's institution too.
func (p usersPage) CanSignIn(u survey.User) bool {
	if !u.Active {
		return false
	}
	if u.Role != survey.RoleRespondent {
		return true
	}
	for _, in := range p.Institutions {
		if in.Code == u.InstitutionCode {
			return in.Active
		}
	}
	return false
}

// resetPassword makes a one-time link for a user to choose a new password:
// resets are for administrators only (no self-service by e-mail). The
// user's sessions end at once; the link is shown once, here.
func (s *Server) resetPassword(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	ctx := c.Request.Context()
	token, err := s.store.CreatePasswordReset(ctx, survey.ActorOf(*currentUser(c)), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	p, err := s.usersPage(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "users.title")
	p.ResetFor, p.ResetLink = u.Email, s.cfg.BaseURL+"/"+v.Lang+"/reset/"+token
	p.ResetMailed = s.store.MailEnabled()
	v.Data = p
	s.render(c, http.StatusOK, "users", v)
}

type resetPage struct {
	Email, Token string
	Valid        bool
}

// showReset is the page a reset link opens: choose a new password.
func (s *Server) showReset(c *gin.Context) {
	email, err := s.store.ResetEmail(c.Request.Context(), c.Param("token"))
	v := s.newView(c, "reset.title")
	v.Data = resetPage{Email: email, Token: c.Param("token"), Valid: err == nil}
	status := http.StatusOK
	if errors.Is(err, survey.ErrResetInvalid) {
		status = http.StatusGone
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, status, "reset", v)
}

// useReset sets the new password; the person then signs in with it.
func (s *Server) useReset(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	email, err := s.store.ResetEmail(ctx, token)
	v := s.newView(c, "reset.title")
	v.Data = resetPage{Email: email, Token: token, Valid: err == nil}
	if errors.Is(err, survey.ErrResetInvalid) {
		s.render(c, http.StatusGone, "reset", v)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	password := c.PostForm("password")
	if password != c.PostForm("password_confirm") {
		v.Form = &form{Errors: map[string]string{"password_confirm": v.T("err.password_mismatch")}}
		s.render(c, http.StatusUnprocessableEntity, "reset", v)
		return
	}
	err = s.store.UsePasswordReset(ctx, token, password)
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		v.Form = &form{Errors: v.loc.fieldMessages(ve)}
		s.render(c, http.StatusUnprocessableEntity, "reset", v)
		return
	case errors.Is(err, survey.ErrResetInvalid):
		v.Data = resetPage{}
		s.render(c, http.StatusGone, "reset", v)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	seeOther(c, pathLogin+"?reset=1")
}
