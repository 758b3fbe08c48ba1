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
	// Lineage is each version's declared predecessor (survey/comparable.go).
	Lineage survey.Lineage
}

// Continues is the version that version id continues, nil for none.
func (p questionnairesPage) Continues(id int64) *survey.QuestionnaireVersion {
	pred, ok := p.Lineage[id]
	for i := range p.List {
		if ok && p.List[i].ID == pred {
			return &p.List[i]
		}
	}
	return nil
}

func (s *Server) questionnairesView(c *gin.Context) (*view, questionnairesPage, error) {
	var p questionnairesPage
	var err error
	if p.List, err = s.store.ListQuestionnaires(c.Request.Context()); err == nil {
		p.Lineage, err = s.store.QuestionnaireLineage(c.Request.Context())
	}
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

// uploadQuestionnaire stores an uploaded definition (JSON, or the XLSX
// form) as a new version, or lists every problem with it. The route is the
// coordinator's; the file is read in an upload slot, within
// survey.MaxDefinitionJSONBytes or survey.DefinitionSheetLimits.
func (s *Server) uploadQuestionnaire(c *gin.Context) {
	f, err := s.uploadedFile(c)
	if errors.Is(err, errAnswered) {
		return
	}
	var q survey.QuestionnaireVersion
	if err == nil {
		release, ok := s.uploadSlot(c)
		if !ok {
			_ = f.Close()
			return
		}
		defer release() // until the answer is rendered: the page is heavy too
		q, err = s.storeDefinitionUpload(c, f)
		_ = f.Close()
	}
	// The version it continues, when the coordinator named one.
	if pred, ok := predecessorOf(uploadField(c, "predecessor")); err == nil && ok && pred != 0 {
		err = s.store.SetPredecessor(c.Request.Context(), currentUser(c).ID, q.ID, pred)
	}
	v, p, verr := s.questionnairesView(c)
	if verr != nil {
		s.serverError(c, verr)
		return
	}
	status := http.StatusOK
	var de *survey.DefinitionError
	var ie *survey.ImportError
	var ve *survey.ValidationError
	switch {
	case errors.Is(err, survey.ErrNotFound):
		p.Problems, status = []string{v.T("err.choose_one")}, http.StatusUnprocessableEntity
	case errors.As(err, &ve):
		p.Problems, status = []string{v.T("questionnaires.stored", q.Version) + " " + v.loc.fieldMessages(ve)["predecessor"]}, http.StatusUnprocessableEntity
	case errors.As(err, &ie):
		p.Problems, status = []string{importMessage(v, ie)}, importStatus(ie)
	case errors.As(err, &de):
		p.Problems, status = de.Problems, http.StatusUnprocessableEntity
	case err != nil:
		s.serverError(c, err)
		return
	default:
		p.Stored = &q
	}
	v.Data = p
	s.render(c, status, "questionnaires", v)
}

// storeDefinitionUpload reads an uploaded definition — a workbook when it
// starts with a zip signature, JSON otherwise — and stores it.
func (s *Server) storeDefinitionUpload(c *gin.Context, f *uploadFile) (survey.QuestionnaireVersion, error) {
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	if bytes.Equal(head[:n], []byte("PK\x03\x04")) { // a workbook: the XLSX form
		d, err := reports.ReadDefinitionXLSX(f)
		if err != nil {
			return survey.QuestionnaireVersion{}, err
		}
		return s.store.StoreQuestionnaire(c.Request.Context(), currentUser(c).ID, d)
	}
	body, err := io.ReadAll(io.LimitReader(f, survey.MaxDefinitionJSONBytes+1))
	if err != nil {
		return survey.QuestionnaireVersion{}, err
	}
	if len(body) > survey.MaxDefinitionJSONBytes {
		return survey.QuestionnaireVersion{}, survey.LimitError(survey.KeyFileTooBig, survey.MB(survey.MaxDefinitionJSONBytes))
	}
	return s.store.StoreQuestionnaireJSON(c.Request.Context(), currentUser(c).ID, body)
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
		attachment(c, "questionnaire-"+strconv.FormatInt(id, 10)+".xlsx")
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
	attachment(c, "questionnaire-"+strconv.FormatInt(id, 10)+".json")
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
