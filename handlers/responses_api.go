package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/data"
	"marsad/survey"
)

type responseJSON struct {
	Round       survey.Round     `json:"round"`
	Institution string           `json:"institution"`
	Status      string           `json:"status"`
	Answered    int              `json:"answered"`
	Total       int              `json:"total"`
	Answers     survey.AnswerSet `json:"answers"`
	Due         dueJSON          `json:"due"` // the institution's deadline, its extension, and whether it is over
}

func (s *Server) apiGetResponse(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	answered, total := survey.Progress(rc.Q.Def, rc.Answers)
	c.JSON(http.StatusOK, responseJSON{Round: rc.Round, Institution: rc.Institution.Code, Status: rc.Response.Status,
		Answered: answered, Total: total, Answers: rc.Answers, Due: dueOf(rc.Due, rc.Late)})
}

// apiSaveAnswer is the autosave: one item, with the version the page had.
// A stale version answers 409 with the newer answer, so the page can show
// it instead of overwriting it.
func (s *Server) apiSaveAnswer(c *gin.Context) {
	var in survey.AnswerInput
	if !s.bindJSON(c, &in) {
		return
	}
	in.ItemID = c.Param("item")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	a, err := s.store.SaveAnswer(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, c.Param("code"), in)
	var ce *survey.ConflictError
	switch {
	case err == nil:
		body, err := appendAnswerJSON(make([]byte, 0, 320), a) // answer_json.go
		if err != nil {
			s.apiResponseError(c, err)
			return
		}
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	case errors.As(err, &ce):
		c.AbortWithStatusJSON(http.StatusConflict, gin.H{
			"error":   apiErrorBody{Code: "conflict", Message: s.apiLocale(c).T("err.answer_conflict")},
			"current": ce.Current,
		})
	default:
		s.apiResponseError(c, err)
	}
}

// apiSaveAnswers saves several answers of a response at once (a section):
// all of them, or — when any is invalid or based on an old version — none,
// with each problem listed by item.
func (s *Server) apiSaveAnswers(c *gin.Context) {
	var ins []survey.AnswerInput
	if !s.bindJSON(c, &ins) {
		return
	}
	if len(ins) == 0 || len(ins) > 500 {
		s.fail(c, http.StatusBadRequest, "err.bad_request")
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	out, err := s.store.SaveAnswers(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, c.Param("code"), ins)
	var be *survey.BatchError
	if errors.As(err, &be) {
		loc := s.apiLocale(c)
		fields := map[string]string{}
		status := http.StatusUnprocessableEntity
		for _, ie := range be.Items {
			var ve *survey.ValidationError
			switch {
			case errors.As(ie.Err, &ve):
				for _, k := range ve.Fields {
					fields[ie.ItemID] = loc.T(k)
				}
			case errors.Is(ie.Err, survey.ErrConflict):
				fields[ie.ItemID] = loc.T("err.answer_conflict")
				status = http.StatusConflict
			default:
				fields[ie.ItemID] = loc.T("err.unknown_question")
			}
		}
		c.AbortWithStatusJSON(status, apiError{Error: apiErrorBody{Code: "not_saved", Message: loc.T("err.validation"), Fields: fields}})
		return
	}
	if err != nil {
		s.apiResponseError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"answers": out})
}

// responseActions are the moves of POST …/responses/{code}/{action};
// any other name is a path that does not exist (404), not a move the
// status refuses (409).
var responseActions = map[string]bool{"submit": true, "return": true, "accept": true, "reopen": true}

// apiResponseAction is submit (the institution), return, accept and
// reopen (the reviewer). Return and accept may carry the reviewer's marks
// and comments ({"marks": [...]}, as PUT …/review takes them), stored
// first, as the review form sends them with its decision.
func (s *Server) apiResponseAction(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	action := c.Param("action")
	if err != nil || !responseActions[action] {
		s.notFound(c)
		return
	}
	if (action == "return" || action == "accept") && c.Request.ContentLength != 0 {
		if !survey.ActorOf(*currentUser(c)).CanReview() { // refused before the body is read
			s.fail(c, http.StatusForbidden, "err.forbidden")
			return
		}
		rc, ok := s.loadResponse(c)
		if !ok {
			return
		}
		marks, ok := s.bindMarks(c)
		if !ok || !s.setMarks(c, rc, marks) {
			return
		}
	}
	resp, err := s.store.ResponseAction(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, c.Param("code"), action)
	var inc *survey.ErrIncomplete
	if errors.As(err, &inc) {
		s.apiIncomplete(c, inc)
		return
	}
	if err != nil {
		s.apiResponseError(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

// apiResponseError maps the domain's errors (domainErrors): forbidden 403,
// a state that does not allow it 409, bad input 422, unknown 404.
func (s *Server) apiResponseError(c *gin.Context, err error) { s.apiFail(c, err) }

func (s *Server) apiListRounds(c *gin.Context) {
	all, err := s.store.ListRounds(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	// Draft rounds are the coordinator's work in progress, as on the page.
	list := []survey.Round{}
	for _, r := range all {
		if survey.Allowed(currentUser(c), survey.SeeRound, r, "") {
			list = append(list, r)
		}
	}
	writePage(s, c, list) // by name, the latest first, then by id
}

// apiRoundQuestionnaire is the questionnaire a round asks, as stored
// (docs/questionnaire.md): its sections and items with their ids, types,
// options and conditions, so that a respondent's client knows what to
// save (issue 19). Anyone who may see the round may read it.
func (s *Server) apiRoundQuestionnaire(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	round, err := s.store.Round(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !survey.Allowed(currentUser(c), survey.SeeRound, round, "") {
		s.notFound(c)
		return
	}
	body, err := s.store.QuestionnaireBody(c.Request.Context(), round.QuestionnaireID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// apiCreateRound creates a draft round on a questionnaire version, or on an
// example model by name ({"name": "2026", "model": "gtmi"}).
func (s *Server) apiCreateRound(c *gin.Context) {
	var in survey.RoundInput
	if !s.bindJSON(c, &in) {
		return
	}
	if in.Model != "" {
		body, ok := data.Model(in.Model)
		if !ok {
			s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"model": "err.choose_one"}})
			return
		}
		q, err := s.store.StoreQuestionnaireJSON(c.Request.Context(), currentUser(c).ID, body)
		if err != nil {
			s.serverError(c, err)
			return
		}
		in.QuestionnaireID = q.ID
	}
	r, err := s.store.CreateRound(c.Request.Context(), currentUser(c).ID, in)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, r)
}

func (s *Server) apiRoundAction(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	r, err := s.store.RoundAction(c.Request.Context(), currentUser(c).ID, id, c.Param("action"))
	if err != nil {
		s.apiResponseError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// questionnaireJSON is a stored questionnaire version as the API lists it.
// The definition's own id and version string (its file's "id" and
// "version") are def_id and def_version: on every other record "version"
// is the number a write must carry (optimistic locking), and "id" the
// stored row's.
type questionnaireJSON struct {
	ID            int64  `json:"id"`
	Hash          string `json:"hash"`
	DefID         string `json:"def_id"`
	DefVersion    string `json:"def_version"`
	TitleAr       string `json:"title_ar"`
	TitleEn       string `json:"title_en"`
	PredecessorID int64  `json:"predecessor_id"` // the version it continues, declared comparable (0: none)
}

// apiListQuestionnaires lists the stored questionnaire versions, paged.
func (s *Server) apiListQuestionnaires(c *gin.Context) {
	list, err := s.store.ListQuestionnaires(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	lineage, err := s.store.QuestionnaireLineage(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := make([]questionnaireJSON, 0, len(list))
	for _, q := range list {
		out = append(out, questionnaireJSON{ID: q.ID, Hash: q.Hash, DefID: q.DefID, DefVersion: q.Version,
			TitleAr: q.TitleAr, TitleEn: q.TitleEn, PredecessorID: lineage[q.ID]})
	}
	writePage(s, c, out) // the latest stored first (by id)
}

// apiCreateQuestionnaire stores a JSON definition as a new version; every
// problem with it is listed.
func (s *Server) apiCreateQuestionnaire(c *gin.Context) {
	body, ok := s.readBody(c)
	if !ok {
		return
	}
	pred, ok := predecessorOf(c.Query("predecessor"))
	if !ok {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"predecessor": "err.choose_one"}})
		return
	}
	if pred != 0 {
		// Checked first, so that an unknown predecessor stores no version.
		if _, err := s.store.Questionnaire(c.Request.Context(), pred); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	q, err := s.store.StoreQuestionnaireJSON(c.Request.Context(), currentUser(c).ID, body)
	if err == nil && pred != 0 {
		// ?predecessor=ID: the version it continues, declared comparable.
		if err = s.store.SetPredecessor(c.Request.Context(), currentUser(c).ID, q.ID, pred); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	var de *survey.DefinitionError
	if errors.As(err, &de) {
		fields := map[string]string{}
		for i, p := range de.Problems {
			fields[strconv.Itoa(i+1)] = p
		}
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiError{Error: apiErrorBody{
			Code: "invalid_definition", Message: s.apiLocale(c).T("err.invalid_definition"), Fields: fields}})
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": q.ID, "hash": q.Hash, "predecessor_id": pred})
}
