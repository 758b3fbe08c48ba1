package handlers

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

type loginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

func (s *Server) showLogin(c *gin.Context) {
	if u := currentUser(c); u != nil {
		c.Redirect(http.StatusSeeOther, s.homeFor(c, u))
		return
	}
	v := s.newView(c, "login.title")
	v.Form = &form{Values: map[string]string{"next": c.Query("next")}}
	if c.Query("reset") == "1" {
		v.Data = true // the new password was just saved
	}
	s.render(c, http.StatusOK, "login", v)
}

// login checks the credentials and starts a new session. A new session
// token is issued at every sign-in, so a token planted before it (session
// fixation) is worthless.
func (s *Server) login(c *gin.Context) {
	var in loginForm
	_ = c.ShouldBind(&in)
	u, err := s.store.SignIn(c.Request.Context(), s.clientAddress(c), in.Email, in.Password)
	if err != nil {
		v := s.newView(c, "login.title")
		status, msg := http.StatusUnauthorized, v.T("err.bad_credentials")
		var te *survey.ThrottledError
		switch {
		case errors.As(err, &te):
			status, msg = http.StatusTooManyRequests, throttledMessage(v.loc, c, te)
		case errors.Is(err, survey.ErrAccountDisabled):
			status, msg = http.StatusForbidden, v.T("err.account_disabled")
		case !errors.Is(err, survey.ErrBadCredentials):
			s.serverError(c, err)
			return
		}
		email := in.Email
		if len(email) > survey.MaxEmailLen {
			email = "" // not worth sending back: no address is that long
		}
		v.Form = &form{Values: map[string]string{"email": email, "next": in.Next}, Errors: map[string]string{"email": msg}}
		s.render(c, status, "login", v)
		return
	}
	if err := s.startSession(c, u); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, safeNext(in.Next, s.homeFor(c, &u)))
}

// throttledMessage sets Retry-After and says, in the page's language, how
// long to wait before trying again.
func throttledMessage(loc *locale, c *gin.Context, te *survey.ThrottledError) string {
	secs := te.RetryAfterSeconds()
	c.Header("Retry-After", strconv.Itoa(secs))
	wait := loc.N("count.seconds", secs)
	if secs >= 90 {
		wait = loc.N("count.minutes", (secs+59)/60)
	}
	return loc.T("err.throttled", wait)
}

// clientAddress is where a request comes from, as the sign-in throttle
// counts it: the peer's IP address, or, when the server runs behind a
// reverse proxy named by Config.TrustedProxyHeader, the address that proxy
// reports. X-Forwarded-For lists every hop and anyone can send one: only
// its last entry, the one the trusted proxy added, is taken. An IPv6
// address counts as its /64, which one subscriber usually has whole. A
// header that does not hold an address falls back to the peer's.
func (s *Server) clientAddress(c *gin.Context) string {
	peer, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		peer = c.Request.RemoteAddr
	}
	addr := peer
	if h := s.cfg.TrustedProxyHeader; h != "" {
		if vals := c.Request.Header.Values(h); len(vals) > 0 {
			v := vals[len(vals)-1]
			if i := strings.LastIndexByte(v, ','); i >= 0 {
				v = v[i+1:]
			}
			if v = strings.TrimSpace(v); v != "" {
				addr = v
			}
		}
	}
	ip, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil {
		if ip, err = netip.ParseAddr(peer); err != nil {
			return peer
		}
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func (s *Server) startSession(c *gin.Context, u survey.User) error {
	if old, err := c.Cookie(cookieSession); err == nil {
		_ = s.store.DeleteSession(c.Request.Context(), old)
	}
	token, _, err := s.store.CreateSession(c.Request.Context(), u.ID, survey.SessionWeb)
	if err != nil {
		return err
	}
	s.setCookie(c, cookieSession, token, 0)
	s.setCookie(c, cookieCSRF, "", -1)
	return nil
}

// safeNext accepts only a path inside Marsad's pages as the place to go
// after sign-in, so a crafted link cannot send people to another site:
// browsers drop tabs and new lines from URLs, so "/\t/evil.example" would
// become "//evil.example".
func safeNext(next, fallback string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return fallback
	}
	for _, l := range Languages {
		if next == "/"+l || strings.HasPrefix(next, "/"+l+"/") || strings.HasPrefix(next, "/"+l+"?") {
			return next
		}
	}
	return fallback
}

// homeFor is where a user lands after signing in: the coordinator on the
// open round's board (the rounds list when none is open), a respondent on
// their work, a viewer on the home page.
func (s *Server) homeFor(c *gin.Context, u *survey.User) string {
	l := "/" + lang(c)
	switch u.Role {
	case survey.RoleAdmin:
		open, err := s.store.OpenRounds(c.Request.Context())
		if err != nil || len(open) == 0 {
			return l + "/rounds"
		}
		return l + "/admin/rounds/" + strconv.FormatInt(open[0].ID, 10)
	case survey.RoleRespondent:
		return l + "/work"
	}
	return l + "/"
}

// logout ends the session on the server, not only in the browser.
func (s *Server) logout(c *gin.Context) {
	if token, err := c.Cookie(cookieSession); err == nil {
		if err := s.store.DeleteSession(c.Request.Context(), token); err != nil {
			s.serverError(c, err)
			return
		}
	}
	s.setCookie(c, cookieSession, "", -1)
	seeOther(c, pathHome)
}

type setupForm struct {
	Token           string `form:"token"`
	Email           string `form:"email"`
	Name            string `form:"name"`
	Password        string `form:"password"`
	PasswordConfirm string `form:"password_confirm"`
}

type setupPage struct {
	Token string
	Valid bool
}

// showSetup is the first-run page that creates the first administrator,
// reached through the one-time link printed at start-up.
func (s *Server) showSetup(c *gin.Context) {
	if s.ready.Load() {
		seeOther(c, pathLogin)
		return
	}
	token := c.Query("token")
	valid := s.store.ValidSetupToken(c.Request.Context(), token)
	v := s.newView(c, "setup.title")
	v.Data = setupPage{Token: token, Valid: valid}
	status := http.StatusOK
	if !valid {
		status = http.StatusForbidden
	}
	s.render(c, status, "setup", v)
}

func (s *Server) completeSetup(c *gin.Context) {
	if s.ready.Load() {
		seeOther(c, pathLogin)
		return
	}
	var in setupForm
	_ = c.ShouldBind(&in)
	v := s.newView(c, "setup.title")
	v.Data = setupPage{Token: in.Token, Valid: true}
	values := map[string]string{"email": in.Email, "name": in.Name}
	if in.Password != in.PasswordConfirm {
		v.Form = &form{Values: values, Errors: map[string]string{"password_confirm": v.T("err.password_mismatch")}}
		s.render(c, http.StatusUnprocessableEntity, "setup", v)
		return
	}
	u, err := s.store.CompleteSetup(c.Request.Context(), in.Token, survey.NewUser{Email: in.Email, Name: in.Name, Password: in.Password})
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		v.Form = &form{Values: values, Errors: v.loc.fieldMessages(ve)}
		s.render(c, http.StatusUnprocessableEntity, "setup", v)
		return
	case errors.Is(err, survey.ErrNotFound):
		v.Data = setupPage{Valid: false}
		s.render(c, http.StatusForbidden, "setup", v)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	s.ready.Store(true)
	if err := s.startSession(c, u); err != nil {
		s.serverError(c, err)
		return
	}
	seeOther(c, pathAdminInstitutions)
}

type invitationPage struct {
	Invitation survey.Invitation
	Token      string
}

// showInvitation shows the form to accept an invitation, or explains why
// the link no longer works.
func (s *Server) showInvitation(c *gin.Context) {
	inv, err := s.store.InvitationByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "invite.title")
	v.Data = invitationPage{Invitation: inv, Token: c.Param("token")}
	status := http.StatusOK
	if inv.State != survey.InvitationPending {
		status = http.StatusGone
	}
	s.render(c, status, "invite", v)
}

type acceptForm struct {
	Name            string `form:"name"`
	Password        string `form:"password"`
	PasswordConfirm string `form:"password_confirm"`
}

// acceptInvitation creates the invited account and signs the person in.
func (s *Server) acceptInvitation(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	inv, err := s.store.InvitationByToken(ctx, token)
	if err != nil {
		s.failErr(c, err)
		return
	}
	var in acceptForm
	_ = c.ShouldBind(&in)
	v := s.newView(c, "invite.title")
	v.Data = invitationPage{Invitation: inv, Token: token}
	values := map[string]string{"name": in.Name}
	if in.Password != in.PasswordConfirm {
		v.Form = &form{Values: values, Errors: map[string]string{"password_confirm": v.T("err.password_mismatch")}}
		s.render(c, http.StatusUnprocessableEntity, "invite", v)
		return
	}
	u, err := s.store.AcceptInvitation(ctx, token, in.Name, in.Password)
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		v.Form = &form{Values: values, Errors: v.loc.fieldMessages(ve)}
		s.render(c, http.StatusUnprocessableEntity, "invite", v)
		return
	case errors.Is(err, survey.ErrInvitationUsed), errors.Is(err, survey.ErrInvitationGone), errors.Is(err, survey.ErrInvitationVoid):
		inv, _ = s.store.InvitationByToken(ctx, token)
		v.Data = invitationPage{Invitation: inv}
		s.render(c, http.StatusGone, "invite", v)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	if err := s.startSession(c, u); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, s.homeFor(c, &u))
}
