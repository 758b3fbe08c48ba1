package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// The account page (issue 18, §2; docs/reminders.md): who the signed-in
// person is, and their choices about mail — the language of the messages
// they receive, turning off the optional notifications (invitations and
// password resets always go) and, for a coordinator, the daily digest.

const pathAccount = "/account"

// accountPage is what the account page shows.
type accountPage struct {
	Prefs  survey.MailPrefs
	MailOn bool
	Saved  bool
	// Personal access tokens (tokens.go): the list, the secret of the one
	// just made (shown once), the choices of lifetime.
	Tokens    []survey.AccessToken
	NewToken  string
	Revoked   bool
	Lifetimes []int
	Now       time.Time
}

func prefsForm(p survey.MailPrefs) *form {
	f := &form{Values: map[string]string{"mail_lang": p.Lang}, Multi: map[string][]string{}}
	if p.OptOut {
		f.Multi["mail_optout"] = []string{"1"}
	}
	if p.Digest {
		f.Multi["digest"] = []string{"1"}
	}
	return f
}

// showAccount is the account page.
func (s *Server) showAccount(c *gin.Context) { s.renderAccount(c, http.StatusOK, "", nil, nil) }

// renderAccount shows the account page with the stored preferences and
// tokens, and optionally a new token's secret, or the errors of a form with
// the values posted (extra, merged over the stored ones).
func (s *Server) renderAccount(c *gin.Context, status int, newToken string, ve *survey.ValidationError, posted map[string]string) {
	ctx := c.Request.Context()
	u := currentUser(c)
	prefs, err := s.store.MailPrefs(ctx, u.ID)
	if err != nil {
		s.failErr(c, err)
		return
	}
	tokens, err := s.store.AccessTokens(ctx, u.ID)
	if err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "account.title")
	v.Form = prefsForm(prefs)
	v.Form.Values["token_scope"], v.Form.Values["token_days"] = survey.ScopeRead, strconv.Itoa(survey.DefaultTokenDays)
	for k, val := range posted {
		v.Form.Values[k] = val
	}
	if ve != nil {
		v.Form.Errors = v.loc.fieldMessages(ve)
	}
	v.Data = accountPage{Prefs: prefs, MailOn: s.store.MailEnabled(), Saved: c.Query("saved") == "1" && status == http.StatusOK && newToken == "",
		Tokens: tokens, NewToken: newToken, Revoked: c.Query("revoked") == "1", Lifetimes: survey.TokenLifetimes, Now: time.Now()}
	s.render(c, status, "account", v)
}

// saveAccount saves the mail preferences of the signed-in person.
func (s *Server) saveAccount(c *gin.Context) {
	var in survey.MailPrefsInput
	_ = c.ShouldBind(&in)
	_, err := s.store.SaveMailPrefs(c.Request.Context(), survey.ActorOf(*currentUser(c)), in)
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		posted := map[string]string{"mail_lang": in.Lang}
		s.renderAccount(c, http.StatusUnprocessableEntity, "", ve, posted)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathAccount+"?saved=1")
}

// MailLanguages are the languages messages are written in.
func (v *view) MailLanguages() []string { return Languages }

// TokenScopes are the scopes a personal access token may have.
func (v *view) TokenScopes() []string { return []string{survey.ScopeRead, survey.ScopeWrite} }
