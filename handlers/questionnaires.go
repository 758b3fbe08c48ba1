package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

type questionnairesPage struct {
	List     []survey.QuestionnaireVersion
	Problems []string
	Stored   *survey.QuestionnaireVersion
}

func (s *Server) questionnairesView(c *gin.Context) (*view, questionnairesPage, error) {
	var p questionnairesPage
	var err error
	p.List, err = s.store.ListQuestionnaires(c.Request.Context())
	return s.newView(c, "questionnaires.title"), p, err
}

func (s *Server) listQuestionnaires(c *gin.Context) {
	v, p, err := s.questionnairesView(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v.Data = p
	s.render(c, http.StatusOK, "questionnaires", v)
}

// uploadQuestionnaire stores an uploaded JSON definition as a new version,
// or lists every problem with it.
func (s *Server) uploadQuestionnaire(c *gin.Context) {
	v, p, err := s.questionnairesView(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	status := http.StatusOK
	fh, err := c.FormFile("file")
	if err != nil {
		p.Problems = []string{v.T("err.file_required")}
		status = http.StatusUnprocessableEntity
	} else if f, err := fh.Open(); err == nil {
		body, _ := io.ReadAll(f)
		_ = f.Close()
		var q survey.QuestionnaireVersion
		if bytes.HasPrefix(body, []byte("PK\x03\x04")) { // a workbook: the XLSX form
			var d *survey.Definition
			if d, err = reports.ReadDefinitionXLSX(bytes.NewReader(body)); err == nil {
				q, err = s.store.StoreQuestionnaire(c.Request.Context(), currentUser(c).ID, d)
			}
		} else {
			q, err = s.store.StoreQuestionnaireJSON(c.Request.Context(), currentUser(c).ID, body)
		}
		var de *survey.DefinitionError
		switch {
		case errors.As(err, &de):
			p.Problems, status = de.Problems, http.StatusUnprocessableEntity
		case err != nil:
			s.serverError(c, err)
			return
		default:
			p.Stored = &q
			p.List, _ = s.store.ListQuestionnaires(c.Request.Context())
		}
	}
	v.Data = p
	s.render(c, status, "questionnaires", v)
}

// downloadQuestionnaire sends a stored version's canonical JSON, or its
// XLSX form with ?format=xlsx.
func (s *Server) downloadQuestionnaire(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if c.Query("format") == "xlsx" {
		q, err := s.store.Questionnaire(c.Request.Context(), id)
		if err != nil {
			s.failErr(c, err)
			return
		}
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Header("Content-Disposition", `attachment; filename="questionnaire-`+strconv.FormatInt(id, 10)+`.xlsx"`)
		if err := reports.WriteDefinitionXLSX(c.Writer, q.Def, lang(c) == "ar"); err != nil {
			s.log.Error("questionnaire xlsx", "err", err)
		}
		return
	}
	body, err := s.store.QuestionnaireBody(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="questionnaire-`+strconv.FormatInt(id, 10)+`.json"`)
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
