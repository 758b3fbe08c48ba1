package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

type auditPage struct {
	Events []survey.AuditEvent
	Entity string
}

// showAudit lists the newest changes: who, when, what, before and after.
func (s *Server) showAudit(c *gin.Context) {
	entity := c.Query("entity")
	events, err := s.store.AuditLog(c.Request.Context(), entity, 300)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "audit.title")
	v.Data = auditPage{Events: events, Entity: entity}
	s.render(c, http.StatusOK, "audit", v)
}

// exportAudit streams the whole audit log as CSV (with a BOM, for Excel).
func (s *Server) exportAudit(c *gin.Context) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="marsad-audit.csv"`)
	_, _ = c.Writer.Write([]byte{0xEF, 0xBB, 0xBF})
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"id", "at", "actor", "action", "entity", "key", "before", "after"})
	err := s.store.EachAuditEvent(c.Request.Context(), func(e survey.AuditEvent) error {
		return w.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02T15:04:05Z"), survey.SafeCell(e.ActorName),
			e.Action, e.Entity, survey.SafeCell(e.EntityKey), survey.SafeCell(e.Before), survey.SafeCell(e.After)})
	})
	w.Flush()
	if err != nil {
		s.log.Error("audit export", "id", c.GetString(keyRequestID), "err", err)
	}
}

// prefillResponse copies last round's answers into unanswered items.
func (s *Server) prefillResponse(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	n, err := s.store.PrefillFromPrevious(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code)
	switch {
	case errors.Is(err, survey.ErrInvalidTransition):
		s.fail(c, http.StatusConflict, "err.not_editable")
		return
	case errors.Is(err, survey.ErrForbidden):
		s.fail(c, http.StatusForbidden, "err.forbidden")
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, responseURL(lang(c), rc)+"?prefilled="+strconv.Itoa(n))
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
	fh, err := c.FormFile("file")
	var n int
	if err == nil {
		f, ferr := fh.Open()
		err = ferr
		if err == nil {
			var rows []survey.AnswerRow
			rows, err = survey.ParseAnswersCSV(f)
			_ = f.Close()
			if err == nil {
				n, err = s.store.ImportAnswers(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, rows)
			}
		}
	} else {
		err = &survey.ImportError{Key: "err.file_required"}
	}
	var ie *survey.ImportError
	switch {
	case errors.As(err, &ie):
		page.FileError, page.Rows = describeImportError(v, ie)
	case errors.Is(err, survey.ErrInvalidTransition):
		s.fail(c, http.StatusConflict, "err.not_editable")
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	round, err := s.store.Round(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	rows, err := s.store.RoundBoard(c.Request.Context(), id)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v.Title = v.T("board.title") + " — " + round.Name
	status := http.StatusOK
	if page.FileError != "" {
		status = http.StatusUnprocessableEntity
	}
	v.Data = boardPage{Round: round, Rows: rows, Import: &page, Imported: n}
	s.render(c, status, "board", v)
}

// apiImportAnswers is the same import for the API: a text/csv body.
func (s *Server) apiImportAnswers(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	body, ok := s.readBody(c)
	if !ok {
		return
	}
	rows, err := survey.ParseAnswersCSV(bytes.NewReader(body))
	var n int
	if err == nil {
		n, err = s.store.ImportAnswers(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, rows)
	}
	var ie *survey.ImportError
	if errors.As(err, &ie) {
		loc := s.apiLocale(c)
		fields := map[string]string{}
		if ie.Key != "" {
			fields["file"] = loc.T(ie.Key)
		}
		for _, r := range ie.Rows {
			for f, k := range r.Fields {
				fields["line "+strconv.Itoa(r.Line)+" "+f] = loc.T(k)
			}
		}
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiError{Error: apiErrorBody{Code: "import", Message: loc.T("import.rows_invalid"), Fields: fields}})
		return
	}
	if err != nil {
		s.apiResponseError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": n})
}
