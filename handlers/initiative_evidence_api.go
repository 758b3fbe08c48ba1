package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// An initiative's evidence files through /api/v1 (issue 19, §2), mirroring
// the initiative page's files (evidence.go): the same loaders (the
// institution's respondents and the coordinator, checked before the body
// is read), the same streaming, bounded, sniffed upload with the
// initiative's quota, the same download headers.

// apiInitiativeEvidenceRoute is the API's upload route of an initiative's
// files: a multipart body (middleware lets it through checkAPIWrite, with
// the evidence upload's body limit, upload.go).
const apiInitiativeEvidenceRoute = "/api/v1" + initiativeEvidenceRoute

func init() { uploadRoutes[apiInitiativeEvidenceRoute] = true }

// initiativeFileJSON is one file attached to an initiative (and the
// common part of an answer's file, evidenceJSON).
type initiativeFileJSON struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

func initiativeFileOf(l survey.EvidenceLink) initiativeFileJSON {
	return initiativeFileJSON{ID: l.ID, Title: l.Title, Filename: l.Filename, ContentType: l.File.ContentType,
		Size: l.File.Size, SHA256: l.File.SHA256, UploadedBy: l.UploadedBy, UploadedAt: l.UploadedAt}
}

// apiListInitiativeEvidence is an initiative's files, in the order its
// page lists them, for those who may download them.
func (s *Server) apiListInitiativeEvidence(c *gin.Context) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	files, err := s.store.InitiativeEvidence(c.Request.Context(), in.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := make([]initiativeFileJSON, 0, len(files))
	for _, l := range files {
		out = append(out, initiativeFileOf(l))
	}
	writePage(s, c, out)
}

// apiUploadInitiativeEvidence attaches a file (multipart/form-data: file,
// title) to an initiative. Who may is checked before the body is read, as
// on the page.
func (s *Server) apiUploadInitiativeEvidence(c *gin.Context) {
	in, ok := s.initiativeForFiles(c)
	if !ok {
		return
	}
	if !strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		s.fail(c, http.StatusUnsupportedMediaType, "err.want_multipart")
		return
	}
	limits, err := s.store.EvidenceLimits(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	link, key, status, err := s.attachInitiativeFile(c, in, limits, false)
	if key != "" {
		s.apiEvidenceRefused(c, key, status, limits)
		return
	}
	if err != nil {
		if !errors.Is(err, errAnswered) {
			s.apiFail(c, err)
		}
		return
	}
	c.Header("Location", "/api/v1/initiatives/"+strconv.FormatInt(in.ID, 10)+"/evidence/"+strconv.FormatInt(link.ID, 10))
	c.JSON(http.StatusCreated, initiativeFileOf(link))
}

// apiDownloadInitiativeEvidence sends a file with the headers of every
// evidence download (an attachment, never shown inline).
func (s *Server) apiDownloadInitiativeEvidence(c *gin.Context) { s.downloadInitiativeEvidence(c) }

// apiDetachInitiativeEvidence removes a file from its initiative.
func (s *Server) apiDetachInitiativeEvidence(c *gin.Context) {
	if _, ok := s.removeInitiativeFile(c); ok {
		c.Status(http.StatusNoContent)
	}
}
