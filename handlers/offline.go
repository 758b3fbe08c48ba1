package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// downloadResponseXLSX sends the questionnaire pre-filled with the current
// answers, to fill offline.
func (s *Server) downloadResponseXLSX(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	var files []survey.EvidenceLink // listed on the sheet's second page
	if rc.Response.ID != 0 {
		var err error
		if files, err = s.store.ResponseEvidence(c.Request.Context(), rc.Response.ID); err != nil {
			s.serverError(c, err)
			return
		}
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	attachment(c, "marsad-"+rc.Round.Name+"-"+rc.Institution.Code+".xlsx")
	if err := reports.WriteResponseXLSX(c.Writer, rc.Q.Def, rc.Answers, lang(c), files...); err != nil {
		s.log.Error("response xlsx", "id", c.GetString(keyRequestID), "err", err)
	}
}

// change is one answer an uploaded sheet would change.
type change struct {
	Item    survey.Item
	Old     survey.Answer
	New     survey.AnswerInput
	Problem string
}

type uploadPage struct {
	responseCtx
	Changes   []change
	Invalid   bool
	FileError string
	JSON      string // the changes, carried to the apply step
}

// uploadResponseXLSX reads a filled sheet and shows what it would change,
// with any invalid value explained; nothing is saved yet. Who may upload
// and whether the response still takes changes are checked before the
// file is read.
func (s *Server) uploadResponseXLSX(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	v := s.newView(c, "offline.title")
	p := uploadPage{responseCtx: rc}
	if key := offlineClosed(rc); key != "" {
		p.FileError = v.T(key)
		v.Data = p
		s.render(c, http.StatusConflict, "offline", v)
		return
	}
	f, err := s.uploadedFile(c)
	if errors.Is(err, errAnswered) {
		return
	}
	var ins []survey.AnswerInput
	if err == nil {
		release, ok := s.uploadSlot(c)
		if !ok {
			_ = f.Close()
			return
		}
		defer release() // until the answer is rendered: the page is heavy too
		ins, err = reports.ReadResponseXLSX(f)
		_ = f.Close()
	}
	var ie *survey.ImportError
	status := http.StatusOK
	switch {
	case errors.As(err, &ie):
		p.FileError, _ = describeImportError(v, ie)
		if p.FileError == v.T("import.rows_invalid") {
			p.FileError = v.T("err.xlsx_invalid")
		}
		status = importStatus(ie)
	case errors.Is(err, reports.ErrNotXLSX):
		p.FileError = v.T("err.xlsx_invalid")
	case err != nil:
		s.serverError(c, err)
		return
	}
	var keep []survey.AnswerInput
	for _, in := range ins {
		it, ok := rc.Q.Def.Item(in.ItemID)
		if !ok || it.Type == survey.TypeMetric {
			continue
		}
		old := rc.Answers[in.ItemID]
		norm, err := rc.Q.Def.CheckAnswer(in)
		ch := change{Item: it, Old: old, New: norm}
		var ve *survey.ValidationError
		if errors.As(err, &ve) {
			ch.New, ch.Problem, p.Invalid = in, firstMessage(v, ve), true
		} else if slices.Equal(old.Values, norm.Values) && old.NA == norm.NA && old.Evidence == norm.Evidence && old.Comment == norm.Comment {
			continue
		}
		p.Changes = append(p.Changes, ch)
		keep = append(keep, ch.New)
	}
	b, _ := json.Marshal(keep)
	p.JSON = string(b)
	v.Data = p
	if status == http.StatusOK && (p.FileError != "" || p.Invalid) {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "offline", v)
}

// offlineClosed is why the response takes no uploaded sheet (the round is
// not open, its deadline is over, the response is submitted or accepted),
// or "".
func offlineClosed(rc responseCtx) string {
	switch {
	case !rc.Round.Editable():
		return "err.not_editable"
	case rc.Late:
		return "err.past_deadline"
	case rc.Response.Status != "none" && !rc.Response.Editable():
		return "err.response_not_editable"
	}
	return ""
}

// applyResponseXLSX saves the previewed changes all at once: if any is
// invalid or someone changed an answer since the sheet was made, nothing is
// saved and the preview says which.
func (s *Server) applyResponseXLSX(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	var ins []survey.AnswerInput
	if err := json.Unmarshal([]byte(c.PostForm("changes")), &ins); err != nil || len(ins) > 1000 {
		s.fail(c, http.StatusBadRequest, "err.bad_request")
		return
	}
	_, err := s.store.SaveAnswers(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code, ins)
	var be *survey.BatchError
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, responseURL(lang(c), rc)+"?saved=1")
		return
	case errors.As(err, &be):
		v := s.newView(c, "offline.title")
		p := uploadPage{responseCtx: rc, Invalid: true}
		problems := map[string]string{}
		for _, ie := range be.Items {
			var ve *survey.ValidationError
			var ce *survey.ConflictError
			switch {
			case errors.As(ie.Err, &ve):
				problems[ie.ItemID] = firstMessage(v, ve)
			case errors.As(ie.Err, &ce):
				problems[ie.ItemID] = v.T("err.answer_conflict")
			default:
				problems[ie.ItemID] = v.T("err.unknown_question")
			}
		}
		for _, in := range ins {
			it, _ := rc.Q.Def.Item(in.ItemID)
			p.Changes = append(p.Changes, change{Item: it, Old: rc.Answers[in.ItemID], New: in, Problem: problems[in.ItemID]})
		}
		v.Data = p
		s.render(c, http.StatusConflict, "offline", v)
	default:
		s.failErr(c, err)
	}
}
