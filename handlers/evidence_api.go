package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Evidence files of a response through /api/v1 (issue 19, §2), mirroring
// evidence.go: the same loader (evidenceFor: who may see the response),
// the same checks before the body is read (the response takes changes),
// the same streaming, bounded, sniffed upload, the same download headers.

// apiEvidenceRoute is the API's upload route: a multipart body (middleware
// lets it through checkAPIWrite, with the evidence upload's body limit).
const apiEvidenceRoute = "/api/v1" + evidenceRoute

func init() { uploadRoutes[apiEvidenceRoute] = true }

// evidenceJSON is one file attached to an answer: a file as an
// initiative's (initiative_evidence_api.go), with its question and the
// answer's version when it was attached.
type evidenceJSON struct {
	initiativeFileJSON
	Item          string `json:"item"`
	AnswerVersion int    `json:"answer_version"`
}

func evidenceOf(l survey.EvidenceLink) evidenceJSON {
	return evidenceJSON{initiativeFileJSON: initiativeFileOf(l), Item: l.ItemID, AnswerVersion: l.AnswerVersion}
}

// apiListEvidence is a response's files, by question in questionnaire
// order, then as the page lists each question's.
func (s *Server) apiListEvidence(c *gin.Context) {
	p, ok := s.evidenceFor(c)
	if !ok {
		return
	}
	out := []evidenceJSON{}
	for _, it := range p.Items {
		for _, l := range it.Files {
			out = append(out, evidenceOf(l))
		}
	}
	writePage(s, c, out)
}

// evidenceField names the form field a refused upload is about.
var evidenceField = map[string]string{"err.file_required": "file", "evidence.bad_title": "title", "evidence.bad_item": "item"}

// apiUploadEvidence attaches a file (multipart/form-data: file, item,
// title) to a question's answer. Who may, and whether the response takes
// changes, are checked before the body is read, as on the page.
func (s *Server) apiUploadEvidence(c *gin.Context) {
	p, ok := s.evidenceFor(c)
	if !ok {
		return
	}
	if key := offlineClosed(p.responseCtx); key != "" {
		s.fail(c, http.StatusConflict, key)
		return
	}
	if !strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		s.fail(c, http.StatusUnsupportedMediaType, "err.want_multipart")
		return
	}
	f, in, err := s.receiveEvidenceForm(c, p.Limits, false)
	if f != nil {
		defer f.close()
	}
	var link survey.EvidenceLink
	if err == nil {
		in.ItemID = f.fields.Get("item")
		link, err = s.store.AttachEvidence(c.Request.Context(), survey.ActorOf(*currentUser(c)), p.Round.ID, p.Institution.Code, in)
	}
	if key, status := evidenceError(err); key != "" {
		s.apiEvidenceRefused(c, key, status, p.Limits)
		return
	}
	if err != nil {
		if !errors.Is(err, errAnswered) {
			s.apiFail(c, err)
		}
		return
	}
	c.Header("Location", "/api/v1/rounds/"+strconv.FormatInt(p.Round.ID, 10)+"/responses/"+p.Institution.Code+"/evidence/"+strconv.FormatInt(link.ID, 10))
	c.JSON(http.StatusCreated, evidenceOf(link))
}

// apiEvidenceRefused answers a file refused for what it is (key and
// status from evidenceError): 422 validation with the form field for
// what the client sent wrong, the key's own code (too_big, quota,
// bad_type…) otherwise. Answers' and initiatives' uploads share it.
func (s *Server) apiEvidenceRefused(c *gin.Context, key string, status int, limits survey.EvidenceLimits) {
	loc := s.apiLocale(c)
	v := &view{loc: loc}
	body := apiErrorBody{Code: strings.TrimPrefix(strings.TrimPrefix(key, "err."), "evidence."), Message: evidenceMessage(v, key, limits)}
	if field := evidenceField[key]; field != "" {
		body.Code, body.Message, body.Fields = "validation", loc.T("err.validation"), map[string]string{field: evidenceMessage(v, key, limits)}
	}
	c.AbortWithStatusJSON(status, apiError{Error: body})
}

// apiDownloadEvidence sends a file, with the headers of every evidence
// download (an attachment, never shown inline).
func (s *Server) apiDownloadEvidence(c *gin.Context) { s.downloadEvidence(c) }

// apiDetachEvidence removes a file from its answer.
func (s *Server) apiDetachEvidence(c *gin.Context) {
	if _, ok := s.removeEvidence(c); ok {
		c.Status(http.StatusNoContent)
	}
}
