package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// The coordinator's outbox (issue 18; docs/mail.md): every message, queued,
// being sent, sent or failed with its reason and attempts; one message as
// it was sent; and "send again".

type outboxPage struct {
	survey.OutboxPage
	// MailOn says whether mail is configured; without it nothing is
	// queued, and the page says that links are to be copied.
	MailOn   bool
	Status   string          // the status filter, "" for all
	Kind     survey.MailKind // the kind filter, "" for all
	Statuses []string
	Kinds    []survey.MailKind
	Pages    int
	// Message is the one message shown (GET /admin/outbox/:id).
	Message *survey.OutboxMessage
	Notice  string // a message key
	Error   string // a message key
	base    string // the list's path in the page's language
}

// KindLabel names a kind of message in the page's language (its raw name
// when a kind has no label yet).
func (p outboxPage) KindLabel(v *view, k survey.MailKind) string {
	if s, ok := v.loc.messages["outbox.kind."+string(k)]; ok {
		return s
	}
	return string(k)
}

// FilterURL is the list's address with a status filter (and the kind
// filter kept).
func (p outboxPage) FilterURL(v *view, status string) string {
	q := "?status=" + status
	if p.Kind != "" {
		q += "&kind=" + string(p.Kind)
	}
	return v.URL("/admin/outbox") + q
}

// PageLink is the list's address at page n, filters kept (the pager).
func (p outboxPage) PageLink(n int) string {
	return p.base + "?status=" + p.Status + "&kind=" + string(p.Kind) + "&page=" + strconv.Itoa(n)
}

func (s *Server) showOutbox(c *gin.Context) {
	p := outboxPage{MailOn: s.store.MailEnabled(), Statuses: survey.MailStatuses, Kinds: survey.MailKinds}
	if st := c.Query("status"); slices.Contains(survey.MailStatuses, st) {
		p.Status = st
	}
	if k := survey.MailKind(c.Query("kind")); slices.Contains(survey.MailKinds, k) {
		p.Kind = k
	}
	page, _ := strconv.Atoi(c.Query("page"))
	var err error
	p.OutboxPage, err = s.store.OutboxPage(c.Request.Context(), survey.OutboxFilter{Status: p.Status, Kind: p.Kind}, page, 50)
	if err != nil {
		s.serverError(c, err)
		return
	}
	p.Pages = max(1, (p.Total+p.PerPage-1)/p.PerPage)
	v := s.newView(c, "outbox.title")
	p.base = v.URL("/admin/outbox")
	v.Data = p
	s.render(c, http.StatusOK, "outbox", v)
}

func (s *Server) showOutboxMessage(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	m, err := s.store.OutboxMessage(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	p := outboxPage{MailOn: s.store.MailEnabled(), Message: &m}
	switch {
	case c.Query("done") == "resent":
		p.Notice = "outbox.resent"
	case c.Query("error") == "not_resendable":
		p.Error = "outbox.not_resendable"
	}
	v := s.newView(c, "outbox.title")
	v.Data = p
	s.render(c, http.StatusOK, "outbox", v)
}

// resendMail puts a failed (or sent, without a one-time link) message back
// in the queue.
func (s *Server) resendMail(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	err = s.store.ResendMail(c.Request.Context(), survey.ActorOf(*currentUser(c)), id)
	path := "/admin/outbox/" + strconv.FormatInt(id, 10)
	switch {
	case errors.Is(err, survey.ErrMailNotResendable):
		seeOther(c, path+"?error=not_resendable")
	case err != nil:
		s.failErr(c, err)
	default:
		seeOther(c, path+"?done=resent")
	}
}
