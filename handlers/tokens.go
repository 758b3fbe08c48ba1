package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Personal access tokens (survey/tokens.go, docs/api.md): made and revoked
// on the account page and through /api/v1/me/tokens. The secret is in the
// answer that makes it, once; afterwards only its hint is shown.

// tokenFields maps the store's field names to the account page's, which
// shares one form with the mail preferences.
var tokenFields = map[string]string{"name": "token_name", "scope": "token_scope", "days": "token_days"}

// tokenForm is the account page's token form as posted.
type tokenForm struct {
	Name  string `form:"token_name"`
	Scope string `form:"token_scope"`
	Days  string `form:"token_days"`
}

// createToken makes a token from the account page and shows the page with
// the secret, which is never shown again (a reload asks to post again, and
// would make a second token, as GitHub's page does).
func (s *Server) createToken(c *gin.Context) {
	var in tokenForm
	_ = c.ShouldBind(&in)
	days, _ := strconv.Atoi(survey.NormalizeDigits(in.Days))
	if in.Days != "" && days == 0 {
		days = -1 // not a number: refused as out of range, not defaulted
	}
	token, _, err := s.store.CreateAccessToken(c.Request.Context(), survey.ActorOf(*currentUser(c)),
		survey.AccessTokenInput{Name: in.Name, Scope: in.Scope, Days: days})
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		fields := map[string]string{}
		for k, msg := range ve.Fields {
			fields[tokenFields[k]] = msg
		}
		s.renderAccount(c, http.StatusUnprocessableEntity, "", &survey.ValidationError{Fields: fields},
			map[string]string{"token_name": in.Name, "token_scope": in.Scope, "token_days": in.Days})
	case errors.Is(err, survey.ErrTooManyTokens):
		tooMany := map[string]string{"token_name": "err.too_many_tokens"} // #nosec G101 -- a message key, not a credential
		s.renderAccount(c, http.StatusUnprocessableEntity, "", &survey.ValidationError{Fields: tooMany},
			map[string]string{"token_name": in.Name, "token_scope": in.Scope, "token_days": in.Days})
	case err != nil:
		s.failErr(c, err)
	default:
		c.Header("Cache-Control", "no-store")
		s.renderAccount(c, http.StatusOK, token, nil, nil)
	}
}

// revokeToken ends one of the signed-in person's tokens.
func (s *Server) revokeToken(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if err := s.store.RevokeAccessToken(c.Request.Context(), survey.ActorOf(*currentUser(c)), id); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathAccount+"?revoked=1#tokens")
}

// apiListTokens lists the caller's tokens, newest first.
func (s *Server) apiListTokens(c *gin.Context) {
	list, err := s.store.AccessTokens(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list)
}

// newTokenJSON is the answer that makes a token: the secret, once.
type newTokenJSON struct {
	Token       string             `json:"token"`
	AccessToken survey.AccessToken `json:"access_token"`
}

// apiCreateToken makes a token. A caller signed in with a token may not:
// a token must not be able to outlive itself or widen its scope.
func (s *Server) apiCreateToken(c *gin.Context) {
	if sess := session(c); sess.Kind == survey.SessionToken {
		s.fail(c, http.StatusForbidden, "err.token_cannot_mint")
		return
	}
	var in survey.AccessTokenInput
	if !s.bindJSON(c, &in) {
		return
	}
	token, t, err := s.store.CreateAccessToken(c.Request.Context(), survey.ActorOf(*currentUser(c)), in)
	if errors.Is(err, survey.ErrTooManyTokens) {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"name": "err.too_many_tokens"}})
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, newTokenJSON{Token: token, AccessToken: t})
}

// apiRevokeToken revokes one of the caller's tokens (the one it calls
// with included).
func (s *Server) apiRevokeToken(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if err := s.store.RevokeAccessToken(c.Request.Context(), survey.ActorOf(*currentUser(c)), id); err != nil {
		s.apiFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
