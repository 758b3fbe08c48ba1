package handlers

import (
	"errors"
	"net/http"

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
func (s *Server) showAccount(c *gin.Context) {
	prefs, err := s.store.MailPrefs(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "account.title")
	v.Form = prefsForm(prefs)
	v.Data = accountPage{Prefs: prefs, MailOn: s.store.MailEnabled(), Saved: c.Query("saved") == "1"}
	s.render(c, http.StatusOK, "account", v)
}

// saveAccount saves the mail preferences of the signed-in person.
func (s *Server) saveAccount(c *gin.Context) {
	var in survey.MailPrefsInput
	_ = c.ShouldBind(&in)
	prefs, err := s.store.SaveMailPrefs(c.Request.Context(), survey.ActorOf(*currentUser(c)), in)
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		v := s.newView(c, "account.title")
		v.Form = prefsForm(prefs)
		v.Form.Errors = v.loc.fieldMessages(ve)
		v.Data = accountPage{Prefs: prefs, MailOn: s.store.MailEnabled()}
		s.render(c, http.StatusUnprocessableEntity, "account", v)
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
