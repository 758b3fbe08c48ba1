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
	case c.ContentType() == "application/json" && loneSurrogate(body):
		s.fail(c, http.StatusBadRequest, "err.bad_encoding")
		return nil, false
	}
	return body, true
}

// loneSurrogate reports a \u escape in JSON text that names half of a
// UTF-16 surrogate pair without the other half ("\ud800", "\udc00",
// "\ud800\u0041"). encoding/json would turn it into U+FFFD without a word,
// storing something other than what was sent; such a body is refused. The
// scan steps over every escape, so "\\ud800" (a backslash, then text) is
// not one; invalid JSON is left for the decoder to refuse.
func loneSurrogate(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++ // the escaped character
		if i >= len(b) || b[i] != 'u' {
			continue
		}
		r, ok := hex4(b, i+1)
		if !ok {
			continue
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF: // a low half first
			return true
		case r >= 0xD800 && r <= 0xDBFF: // a high half: a low one must follow
			if i+6 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
				return true
			}
			lo, ok := hex4(b, i+3)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// bindJSON reads a JSON body into dst: one object, no unknown fields, valid
// UTF-8, no lone surrogate escapes. On failure it answers 400 (or 413) and
// returns false.
func (s *Server) bindJSON(c *gin.Context, dst any) bool {
	body, ok := s.readBody(c)
	if !ok {
		return false
	}
	if loneSurrogate(body) {
		s.fail(c, http.StatusBadRequest, "err.bad_encoding")
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

// bindUpdate reads an update's body into dst: with PUT the whole record
// (bindJSON); with PATCH a JSON Merge Patch (RFC 7396) applied to current,
// the record as a read returns it, then read as a PUT's body would be
// (unknown fields refused, read-only ones ignored). A patch of a record
// with a version must name the version it was made from (needVersion):
// the current one, taken from current, would let it overwrite a change it
// never saw.
func (s *Server) bindUpdate(c *gin.Context, current, dst any, needVersion bool) bool {
	if c.Request.Method != http.MethodPatch {
		return s.bindJSON(c, dst)
	}
	body, ok := s.readBody(c)
	if !ok {
		return false
	}
	var patch any
	if loneSurrogate(body) {
		s.fail(c, http.StatusBadRequest, "err.bad_encoding")
		return false
	}
	if err := json.Unmarshal(body, &patch); err != nil {
		s.fail(c, http.StatusBadRequest, "err.bad_json")
		return false
	}
	p, isObject := patch.(map[string]any)
	if !isObject {
		s.fail(c, http.StatusBadRequest, "err.bad_json")
		return false
	}
	if _, has := p["version"]; needVersion && !has {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"version": "err.version_required"}})
		return false
	}
	read, err := json.Marshal(current)
	if err != nil {
		s.serverError(c, err)
		return false
	}
	var doc any
	if err := json.Unmarshal(read, &doc); err != nil {
		s.serverError(c, err)
		return false
	}
	merged, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		s.serverError(c, err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		s.fail(c, http.StatusBadRequest, "err.bad_json")
		return false
	}
	return true
}

// mergePatch applies patch to target by RFC 7396: an object's members
// are merged one by one, null removes a member, anything else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// readOnlyJSON are fields that a read of a record returns and that a
// write ignores, so that a client may send back what it read with only
// what it means to change (issue 19); any other unknown field is still
// refused (bindJSON). docs/openapi.yaml lists them on each input.
type readOnlyJSON struct {
	ID          json.RawMessage `json:"id,omitempty"`
	Institution json.RawMessage `json:"institution,omitempty"`
	CreatedAt   json.RawMessage `json:"created_at,omitempty"`
	UpdatedAt   json.RawMessage `json:"updated_at,omitempty"`
}

// institutionJSON is an institution's fields as a write takes them,
// with what a read adds, ignored.
type institutionJSON struct {
	survey.InstitutionInput
	readOnlyJSON
	Active json.RawMessage `json:"active,omitempty"`
}

// bindInstitution reads an institution's fields, ignoring what a read adds.
func (s *Server) bindInstitution(c *gin.Context) (survey.InstitutionInput, bool) {
	var body institutionJSON
	ok := s.bindJSON(c, &body)
	return body.InstitutionInput, ok
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
	u, err := s.store.SignIn(c.Request.Context(), s.clientAddress(c), in.Email, in.Password)
	var te *survey.ThrottledError
	switch {
	case errors.As(err, &te):
		c.AbortWithStatusJSON(http.StatusTooManyRequests, apiError{Error: apiErrorBody{
			Code: "throttled", Message: throttledMessage(s.apiLocale(c), c, te)}})
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
	writePage(s, c, list) // by code
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
	in, ok := s.bindInstitution(c)
	if !ok {
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
	var current survey.Institution
	if c.Request.Method == http.MethodPatch { // the patch applies to the institution as it is
		var err error
		if current, err = s.store.Institution(c.Request.Context(), c.Param("code")); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	var body institutionJSON
	if !s.bindUpdate(c, current, &body, false) {
		return
	}
	in := body.InstitutionInput
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
