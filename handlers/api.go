package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// readBody reads a whole request body within the route's limit, answering
// 413 or 400 (invalid UTF-8 too) itself when it returns false.
func (s *Server) readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.fail(c, http.StatusRequestEntityTooLarge, "err.too_large")
		return nil, false
	case err != nil:
		s.fail(c, http.StatusBadRequest, "err.bad_request")
		return nil, false
	case !utf8.Valid(body):
		s.fail(c, http.StatusBadRequest, "err.bad_encoding")
		return nil, false
	}
	return body, true
}

// bindJSON reads a JSON body into dst: one object, no unknown fields, valid
// UTF-8. On failure it answers 400 (or 413) and returns false.
func (s *Server) bindJSON(c *gin.Context, dst any) bool {
	body, ok := s.readBody(c)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil || dec.More() {
		s.fail(c, http.StatusBadRequest, "err.bad_json")
		return false
	}
	return true
}

// apiValidation answers 422 with each field's translated message (409 when
// the only problem is a code or e-mail already taken).
func (s *Server) apiValidation(c *gin.Context, ve *survey.ValidationError) {
	loc := s.apiLocale(c)
	status, code := http.StatusUnprocessableEntity, "validation"
	for _, key := range ve.Fields {
		if key == "err.code_taken" || key == "err.email_taken" {
			status, code = http.StatusConflict, "conflict"
		}
	}
	c.AbortWithStatusJSON(status, apiError{Error: apiErrorBody{
		Code: code, Message: loc.T("err.validation"), Fields: loc.fieldMessages(ve),
	}})
}

// apiFail answers a domain error: validation, not found, or 500.
func (s *Server) apiFail(c *gin.Context, err error) {
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		s.apiValidation(c, ve)
		return
	}
	s.failErr(c, err)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	User      survey.User `json:"user"`
}

// apiLogin exchanges an e-mail and password for a bearer token.
func (s *Server) apiLogin(c *gin.Context) {
	var in loginRequest
	if !s.bindJSON(c, &in) {
		return
	}
	u, err := s.store.Authenticate(c.Request.Context(), in.Email, in.Password)
	switch {
	case errors.Is(err, survey.ErrThrottled):
		s.fail(c, http.StatusTooManyRequests, "err.throttled")
		return
	case errors.Is(err, survey.ErrBadCredentials):
		s.fail(c, http.StatusUnauthorized, "err.bad_credentials")
		return
	case errors.Is(err, survey.ErrAccountDisabled):
		s.fail(c, http.StatusForbidden, "err.account_disabled")
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	token, sess, err := s.store.CreateSession(c.Request.Context(), u.ID, survey.SessionAPI)
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.JSON(http.StatusOK, loginResponse{Token: token, ExpiresAt: sess.ExpiresAt, User: sess.User})
}

// apiLogout revokes the bearer token, or the session cookie, the call carries.
func (s *Server) apiLogout(c *gin.Context) {
	token := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !c.GetBool(keyAPI) {
		token, _ = c.Cookie(cookieSession)
		s.setCookie(c, cookieSession, "", -1)
	}
	if token != "" {
		if err := s.store.DeleteSession(c.Request.Context(), token); err != nil {
			s.serverError(c, err)
			return
		}
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiMe(c *gin.Context) {
	c.JSON(http.StatusOK, currentUser(c))
}

func (s *Server) apiListInstitutions(c *gin.Context) {
	inactive := c.Query("include_inactive") == "1" && currentUser(c).Role == survey.RoleAdmin
	list, err := s.store.ListInstitutions(c.Request.Context(), survey.InstitutionFilter{Query: c.Query("q"), IncludeInactive: inactive})
	if err != nil {
		s.serverError(c, err)
		return
	}
	if list == nil {
		list = []survey.Institution{}
	}
	c.JSON(http.StatusOK, gin.H{"institutions": list})
}

func (s *Server) apiGetInstitution(c *gin.Context) {
	inst, err := s.store.Institution(c.Request.Context(), c.Param("code"))
	if err == nil && !inst.Active && currentUser(c).Role != survey.RoleAdmin {
		err = survey.ErrNotFound
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, inst)
}

func (s *Server) apiCreateInstitution(c *gin.Context) {
	var in survey.InstitutionInput
	if !s.bindJSON(c, &in) {
		return
	}
	inst, err := s.store.CreateInstitution(c.Request.Context(), currentUser(c).ID, in)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.Header("Location", "/api/v1/institutions/"+inst.Code)
	c.JSON(http.StatusCreated, inst)
}

func (s *Server) apiUpdateInstitution(c *gin.Context) {
	var in survey.InstitutionInput
	if !s.bindJSON(c, &in) {
		return
	}
	if in.Code != "" && !strings.EqualFold(strings.TrimSpace(in.Code), c.Param("code")) {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiError{Error: apiErrorBody{
			Code: "validation", Message: s.apiLocale(c).T("err.validation"),
			Fields: map[string]string{"code": s.apiLocale(c).T("err.code_immutable")},
		}})
		return
	}
	inst, err := s.store.UpdateInstitution(c.Request.Context(), currentUser(c).ID, c.Param("code"), in)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, inst)
}

// apiDeleteInstitution deactivates: an institution's history (responses,
// scores, audit) must outlive it, so nothing is erased.
func (s *Server) apiDeleteInstitution(c *gin.Context) {
	if err := s.store.SetInstitutionActive(c.Request.Context(), currentUser(c).ID, c.Param("code"), false); err != nil {
		s.failErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
