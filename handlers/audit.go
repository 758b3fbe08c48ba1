package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// auditPerPage is how many events a page of the audit log shows.
const auditPerPage = 50

// auditQuery is the audit log's URL query: the filter and the page.
type auditQuery struct {
	User        string `form:"user"`
	Institution string `form:"institution"`
	Entity      string `form:"entity"`
	From        string `form:"from"` // YYYY-MM-DD in the configured zone
	To          string `form:"to"`   // YYYY-MM-DD, included
	Page        int    `form:"page"`
}

type auditPage struct {
	survey.AuditPage
	Rows         []auditRow
	Query        auditQuery
	Actors       []string
	Institutions []survey.Institution
	Entities     []string
	DateError    string // a date that could not be read, translated
}

// Filtered reports whether the log is narrowed.
func (p auditPage) Filtered() bool {
	q := p.Query
	return q.User != "" || q.Institution != "" || q.Entity != "" || q.From != "" || q.To != ""
}

// PageLink is the log's URL for page n, with the filter kept.
func (p auditPage) PageLink(n int) string {
	q := p.filterValues()
	q.Set("page", strconv.Itoa(n))
	return "?" + q.Encode()
}

// CSVQuery is the export's query: the events the page's filter keeps.
func (p auditPage) CSVQuery() string {
	if q := p.filterValues(); len(q) > 0 {
		return "?" + q.Encode()
	}
	return ""
}

func (p auditPage) filterValues() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"user": p.Query.User, "institution": p.Query.Institution, "entity": p.Query.Entity,
		"from": p.Query.From, "to": p.Query.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// auditFilter reads the log's filter from the URL: dates are days in the
// configured zone, the "to" day included. It returns the filter, the query
// as understood (unknown choices dropped) and the message for a bad date.
func (s *Server) auditFilter(c *gin.Context, v *view, insts []survey.Institution) (survey.AuditFilter, auditQuery, string) {
	var q auditQuery
	_ = c.ShouldBindQuery(&q)
	f := survey.AuditFilter{Actor: q.User}
	if containsString(survey.AuditEntities, q.Entity) {
		f.Entity = q.Entity
	} else {
		q.Entity = ""
	}
	q.Institution = strings.ToUpper(strings.TrimSpace(q.Institution))
	found := false
	for _, in := range insts {
		found = found || in.Code == q.Institution
	}
	if found {
		f.Institution = q.Institution
	} else {
		q.Institution = ""
	}
	var dateErr string
	day := func(s string) (time.Time, bool) {
		s = strings.TrimSpace(survey.NormalizeDigits(s))
		if s == "" {
			return time.Time{}, true
		}
		t, err := time.ParseInLocation("2006-01-02", s, v.tz)
		if err != nil {
			dateErr = v.T("err.date")
		}
		return t, err == nil
	}
	if t, ok := day(q.From); ok {
		f.From = t
	} else {
		q.From = ""
	}
	if t, ok := day(q.To); ok && !t.IsZero() {
		f.To = t.AddDate(0, 0, 1)
	} else if !ok {
		q.To = ""
	}
	return f, q, dateErr
}

// showAudit lists changes, newest first, 50 to a page: who, when, what, and
// what changed, field by field, in the page's language.
func (s *Server) showAudit(c *gin.Context) {
	ctx := c.Request.Context()
	v := s.newView(c, "audit.title")
	insts, err := s.store.ListInstitutions(ctx, survey.InstitutionFilter{})
	if err != nil {
		s.serverError(c, err)
		return
	}
	f, q, dateErr := s.auditFilter(c, v, insts)
	p := auditPage{Query: q, Institutions: insts, Entities: survey.AuditEntities, DateError: dateErr}
	if p.AuditPage, err = s.store.AuditLogPage(ctx, f, q.Page, auditPerPage); err != nil {
		s.serverError(c, err)
		return
	}
	if p.Actors, err = s.store.AuditActors(ctx); err != nil {
		s.serverError(c, err)
		return
	}
	p.Query.Page = p.Page
	names := auditNames{v: v, insts: map[string]survey.Institution{}, item: s.auditItems(c)}
	for _, in := range insts {
		names.insts[in.Code] = in
	}
	for _, e := range p.Events {
		p.Rows = append(p.Rows, names.row(e))
	}
	v.Data = p
	s.render(c, http.StatusOK, "audit", v)
}

// auditItems finds the question an answer event's key names
// ("2026/MOH/STR-1": the round's name, the institution, the item), reading
// the rounds once and only when an answer event asks.
func (s *Server) auditItems(c *gin.Context) func(key string) (survey.Item, bool) {
	var byName map[string]int64
	return func(key string) (survey.Item, bool) {
		i := strings.LastIndexByte(key, '/')
		j := strings.LastIndexByte(key[:max(i, 0)], '/')
		if i < 0 || j < 0 {
			return survey.Item{}, false
		}
		if byName == nil {
			byName = map[string]int64{}
			rounds, _ := s.store.ListRounds(c.Request.Context())
			for _, r := range rounds {
				byName[r.Name] = r.QuestionnaireID
			}
		}
		qid, ok := byName[key[:j]]
		if !ok {
			return survey.Item{}, false
		}
		q, err := s.store.Questionnaire(c.Request.Context(), qid)
		if err != nil {
			return survey.Item{}, false
		}
		return q.Def.Item(key[i+1:])
	}
}

// exportAudit streams the audit log as CSV (with a BOM, for Excel): the
// events the page's filter keeps, all of them, oldest first, times in UTC.
func (s *Server) exportAudit(c *gin.Context) {
	ctx := c.Request.Context()
	v := s.newView(c, "")
	insts, err := s.store.ListInstitutions(ctx, survey.InstitutionFilter{})
	if err != nil {
		s.serverError(c, err)
		return
	}
	f, _, _ := s.auditFilter(c, v, insts)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	attachment(c, "marsad-audit.csv")
	w := survey.NewCSVWriter(c.Writer) // every text cell quoted and defused
	_ = w.Write([]string{"id", "at", "actor", "action", "entity", "key", "before", "after"})
	err = s.store.EachAuditEventMatching(ctx, f, func(e survey.AuditEvent) error {
		return w.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02T15:04:05Z"), e.ActorName,
			e.Action, e.Entity, e.EntityKey, e.Before, e.After})
	})
	err = errors.Join(err, w.Flush())
	if err != nil {
		s.log.Error("audit export", "id", c.GetString(keyRequestID), "err", err)
	}
}

// prefillResponse copies answers of an earlier round into unanswered
// items: from the round the respondent chose (from), or by default the
// last closed or published round of the same questionnaire.
func (s *Server) prefillResponse(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	from, _ := strconv.ParseInt(c.PostForm("from"), 10, 64) // 0: the default source
	src, n, err := s.store.PrefillFrom(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code, from)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, responseURL(lang(c), rc)+"?prefilled="+strconv.Itoa(n)+"&from="+strconv.FormatInt(src.Round.ID, 10))
}

// importAnswers imports answers for a round from CSV, all or nothing, and
// shows the board with the result or every bad row.
func (s *Server) importAnswers(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	v := s.newView(c, "board.title")
	var page importPage
	// The round must take answers before the file is read (upload.go).
	if round, err := s.store.Round(c.Request.Context(), id); err != nil {
		s.failErr(c, err)
		return
	} else if !round.Editable() {
		s.fail(c, http.StatusConflict, "err.not_editable")
		return
	}
	f, err := s.uploadedFile(c)
	if errors.Is(err, errAnswered) {
		return
	}
	var n int
	if err == nil {
		release, ok := s.uploadSlot(c)
		if !ok {
			_ = f.Close()
			return
		}
		defer release() // until the answer is rendered: the page is heavy too
		var rows []survey.AnswerRow
		rows, err = survey.ParseAnswersCSV(f)
		if err == nil {
			n, err = s.store.ImportAnswers(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, rows)
		}
		_ = f.Close()
	}
	var ie *survey.ImportError
	switch {
	case errors.As(err, &ie):
		page.FileError, page.Rows = describeImportError(v, ie)
	case err != nil:
		s.failErr(c, err)
		return
	}
	p, err := s.newBoardPage(c, v, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	status := http.StatusOK
	if page.FileError != "" {
		status = http.StatusUnprocessableEntity
	}
	p.Import, p.Imported = &page, n
	v.Data = p
	s.render(c, status, "board", v)
}

// apiImportAnswers is the same import for the API: a text/csv body.
func (s *Server) apiImportAnswers(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	// The round must take answers before the body is read; the body is
	// then read as it streams, within survey.AnswerFileLimits (upload.go).
	if round, err := s.store.Round(c.Request.Context(), id); err != nil {
		s.apiResponseError(c, err)
		return
	} else if !round.Editable() {
		s.apiResponseError(c, survey.ErrInvalidTransition)
		return
	}
	release, ok := s.uploadSlot(c)
	if !ok {
		return
	}
	defer release()
	rows, err := survey.ParseAnswersCSV(c.Request.Body)
	var n int
	if err == nil {
		n, err = s.store.ImportAnswers(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, rows)
	}
	var ie *survey.ImportError
	if errors.As(err, &ie) {
		s.apiImportFailed(c, ie) // admin_io_api.go
		return
	}
	if err != nil {
		s.apiResponseError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": n})
}
