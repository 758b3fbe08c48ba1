package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Evidence files (issue 17): a per-response page lists each question's
// files with a form to attach more (it works without JavaScript); files
// are downloaded, never shown from Marsad's origin. Who may: the
// institution's respondents and the coordinator — the same as who may see
// the answers (survey.SeeResponse). Viewers (decision makers) see figures,
// not the documents behind them. docs/evidence.md has the reasons.

// EvidenceStore keeps evidence files and their attachment to answers.
type EvidenceStore interface {
	EvidenceLimits(ctx context.Context) (survey.EvidenceLimits, error)
	ResponseEvidence(ctx context.Context, responseID int64) ([]survey.EvidenceLink, error)
	EvidenceLink(ctx context.Context, responseID, id int64) (survey.EvidenceLink, error)
	WriteEvidence(ctx context.Context, sha string, w io.Writer) error
	AttachEvidence(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.EvidenceInput) (survey.EvidenceLink, error)
	DetachEvidence(ctx context.Context, a survey.Actor, roundID int64, code string, id int64) error
}

// evidenceRoute is the upload route, under each language.
const evidenceRoute = "/rounds/:id/responses/:code/evidence"

func init() {
	for _, l := range Languages {
		uploadRoutes["/"+l+evidenceRoute] = true
	}
}

// evidencePage is the response's evidence files by question.
type evidencePage struct {
	responseCtx
	Items    []evidenceItem
	Editable bool
	// Item is the question the upload form has chosen.
	Item   string
	Limits survey.EvidenceLimits
	Notice string
	Error  string
}

// evidenceItem is one question and its files.
type evidenceItem struct {
	Item  survey.Item
	Files []survey.EvidenceLink
}

// evidenceFor loads the response and its files; it answers the request
// itself when it returns false.
func (s *Server) evidenceFor(c *gin.Context) (evidencePage, bool) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return evidencePage{}, false
	}
	p := evidencePage{responseCtx: rc, Item: c.Query("item"),
		Editable: offlineClosed(rc) == "" && rc.Round.Editable() && !rc.Late}
	ctx := c.Request.Context()
	var err error
	if p.Limits, err = s.store.EvidenceLimits(ctx); err != nil {
		s.serverError(c, err)
		return p, false
	}
	var links []survey.EvidenceLink
	if rc.Response.ID != 0 {
		if links, err = s.store.ResponseEvidence(ctx, rc.Response.ID); err != nil {
			s.serverError(c, err)
			return p, false
		}
	}
	byItem := map[string][]survey.EvidenceLink{}
	for _, l := range links {
		byItem[l.ItemID] = append(byItem[l.ItemID], l)
	}
	for _, it := range rc.Q.Def.Items {
		if it.Type == survey.TypeMetric {
			continue
		}
		p.Items = append(p.Items, evidenceItem{Item: it, Files: byItem[it.ID]})
	}
	return p, true
}

// showEvidence is the evidence page of a response.
func (s *Server) showEvidence(c *gin.Context) {
	p, ok := s.evidenceFor(c)
	if !ok {
		return
	}
	switch c.Query("done") {
	case "attached":
		p.Notice = "evidence.attached"
	case "detached":
		p.Notice = "evidence.detached"
	}
	s.renderEvidence(c, http.StatusOK, p)
}

func (s *Server) renderEvidence(c *gin.Context, status int, p evidencePage) {
	v := s.newView(c, "evidence.title")
	v.Title = v.T("evidence.title") + " — " + p.Round.Name
	v.Data = p
	s.render(c, status, "evidence", v)
}

// uploadEvidence attaches an uploaded file to a question's answer. Who may
// upload there and whether the response still takes changes are checked
// before the body is read; the file then streams to a temporary file,
// hashed and bounded as it arrives.
func (s *Server) uploadEvidence(c *gin.Context) {
	p, ok := s.evidenceFor(c)
	if !ok {
		return
	}
	v := s.newView(c, "evidence.title")
	if key := offlineClosed(p.responseCtx); key != "" {
		p.Error = v.T(key)
		s.renderEvidence(c, http.StatusConflict, p)
		return
	}
	f, err := readEvidenceForm(c.Request, p.Limits.FileBytes)
	if f != nil {
		defer f.close()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, survey.ErrEvidenceTooBig) || errors.As(err, &tooBig):
		p.Error = v.T("evidence.too_big", survey.MB(p.Limits.FileBytes))
		s.renderEvidence(c, http.StatusRequestEntityTooLarge, p)
		return
	case err != nil:
		s.fail(c, http.StatusBadRequest, "err.bad_request")
		return
	}
	if !tokenMatches(f.fields.Get("csrf_token"), s.csrfToken(c)) {
		s.fail(c, http.StatusForbidden, "err.csrf")
		return
	}
	p.Item = f.fields.Get("item")
	if f.tmp == nil || f.size == 0 {
		p.Error = v.T("err.file_required")
		s.renderEvidence(c, http.StatusUnprocessableEntity, p)
		return
	}
	ct, err := survey.SniffEvidence(f.head, f.tmp, f.size)
	if err == nil {
		if _, err = f.tmp.Seek(0, io.SeekStart); err != nil {
			s.serverError(c, err)
			return
		}
		_, err = s.store.AttachEvidence(c.Request.Context(), survey.ActorOf(*currentUser(c)), p.Round.ID, p.Institution.Code,
			survey.EvidenceInput{ItemID: p.Item, Title: f.fields.Get("title"), Filename: f.name,
				File: survey.EvidenceFile{SHA256: f.sha, Size: f.size, ContentType: ct}, Body: f.tmp})
	}
	if key, status := evidenceError(err); key != "" {
		switch key {
		case "evidence.too_big":
			p.Error = v.T(key, survey.MB(p.Limits.FileBytes))
		case "evidence.quota":
			p.Error = v.T(key, survey.MB(p.Limits.RoundBytes))
		default:
			p.Error = v.T(key)
		}
		s.renderEvidence(c, status, p)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, v.URL(responsePath(p.Round.ID, p.Institution.Code))+"/evidence?done=attached#item-"+url.QueryEscape(p.Item))
}

// evidenceError is the message key and status of an attachment refused
// for what it is ("" for other errors).
func evidenceError(err error) (string, int) {
	switch {
	case err == nil:
		return "", 0
	case errors.Is(err, survey.ErrEvidenceType):
		return "evidence.bad_type", http.StatusUnsupportedMediaType
	case errors.Is(err, survey.ErrEvidenceTooBig):
		return "evidence.too_big", http.StatusRequestEntityTooLarge
	case errors.Is(err, survey.ErrEvidenceQuota):
		return "evidence.quota", http.StatusRequestEntityTooLarge
	case errors.Is(err, survey.ErrEvidenceTitle):
		return "evidence.bad_title", http.StatusUnprocessableEntity
	case errors.Is(err, survey.ErrNotFound):
		return "evidence.bad_item", http.StatusUnprocessableEntity
	}
	return "", 0
}

// detachEvidence removes a file from an answer.
func (s *Server) detachEvidence(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("file"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	if rc.Late {
		s.fail(c, http.StatusConflict, "err.past_deadline")
		return
	}
	if err := s.store.DetachEvidence(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code, id); err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "evidence.title")
	c.Redirect(http.StatusSeeOther, v.URL(responsePath(rc.Round.ID, rc.Institution.Code))+"/evidence?done=detached")
}

// downloadEvidence sends a file as a download only: never shown inline,
// never sniffed into something else, and sandboxed should a browser open
// it anyway.
func (s *Server) downloadEvidence(c *gin.Context) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("file"), 10, 64)
	if err != nil || rc.Response.ID == 0 {
		s.notFound(c)
		return
	}
	l, err := s.store.EvidenceLink(c.Request.Context(), rc.Response.ID, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	name := l.Filename
	if name == "" {
		name = "evidence-" + l.File.SHA256[:12]
	}
	h := c.Writer.Header()
	h.Set("Content-Type", l.File.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.FormatInt(l.File.Size, 10))
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return
	}
	if err := s.store.WriteEvidence(c.Request.Context(), l.File.SHA256, c.Writer); err != nil {
		s.log.Warn("evidence download", "sha256", l.File.SHA256, "err", err)
	}
}

// evidenceUpload is a read evidence form: its small fields, and its file
// spooled to a temporary file with its SHA-256, size and first bytes.
type evidenceUpload struct {
	fields url.Values
	tmp    *os.File
	name   string
	sha    string
	size   int64
	head   []byte
}

func (f *evidenceUpload) close() {
	if f.tmp != nil {
		_ = f.tmp.Close()
		_ = os.Remove(f.tmp.Name())
	}
}

// sniffHead keeps the first 512 bytes written, for sniffing.
type sniffHead struct{ b []byte }

func (h *sniffHead) Write(p []byte) (int, error) {
	if n := 512 - len(h.b); n > 0 {
		h.b = append(h.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// readEvidenceForm reads the multipart form part by part: fields bounded,
// the part named "file" copied to a temporary file through an
// io.LimitReader of limit+1 bytes while hashing, so no more than a copy
// buffer of it is ever in memory. A file over limit is
// survey.ErrEvidenceTooBig. The returned upload (to close) may be non-nil
// with an error.
func readEvidenceForm(r *http.Request, limit int64) (*evidenceUpload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		// A form without a file: its fields only, within their bounds.
		r.Body = http.MaxBytesReader(nil, r.Body, maxUploadFields*maxUploadField)
		if err := r.ParseForm(); err != nil {
			return nil, errUploadForm
		}
		return &evidenceUpload{fields: r.PostForm}, nil
	}
	f := &evidenceUpload{fields: url.Values{}}
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, err
		}
		if parts >= maxUploadFields {
			return f, errUploadForm
		}
		switch {
		case p.FileName() == "":
			b, err := io.ReadAll(io.LimitReader(p, maxUploadField+1))
			if err != nil {
				return f, err
			}
			if len(b) > maxUploadField || !utf8.Valid(b) {
				return f, errUploadForm
			}
			f.fields.Add(p.FormName(), string(b))
		case p.FormName() == "file" && f.tmp == nil:
			if f.tmp, err = os.CreateTemp("", "marsad-evidence-"); err != nil {
				return f, err
			}
			f.name = p.FileName()
			h, head := sha256.New(), &sniffHead{}
			n, err := io.Copy(io.MultiWriter(f.tmp, h, head), io.LimitReader(p, limit+1))
			if err != nil {
				return f, err
			}
			if n > limit {
				return f, survey.ErrEvidenceTooBig
			}
			f.size, f.sha, f.head = n, hex.EncodeToString(h.Sum(nil)), bytes.Clone(head.b)
		default:
			if _, err := io.Copy(io.Discard, p); err != nil {
				return f, err
			}
		}
	}
}

// evidenceHref is the download address of an attachment.
func (v *view) EvidenceURL(round int64, code string, id int64) string {
	return v.URL(responsePath(round, code)) + fmt.Sprintf("/evidence/%d", id)
}

// evidenceList is what the "evidence_list" partial shows.
type evidenceList struct {
	V        *view
	Round    int64
	Code     string
	Files    []survey.EvidenceLink
	Editable bool
}

// EvidenceList gathers an answer's files for the "evidence_list" partial.
func (v *view) EvidenceList(round int64, code string, files []survey.EvidenceLink, editable bool) evidenceList {
	return evidenceList{V: v, Round: round, Code: code, Files: files, Editable: editable}
}

// EvidenceKB is a file's size in kilobytes, rounded up.
func (v *view) EvidenceKB(n int64) int64 { return (n + 1023) / 1024 }

// MB is a limit in megabytes.
func (evidencePage) MB(n int64) int64 { return survey.MB(n) }

// evidenceByItem is a response's files by question (nil when it has none).
func (s *Server) evidenceByItem(c *gin.Context, rc responseCtx) (map[string][]survey.EvidenceLink, error) {
	if rc.Response.ID == 0 {
		return nil, nil
	}
	links, err := s.store.ResponseEvidence(c.Request.Context(), rc.Response.ID)
	if err != nil || len(links) == 0 {
		return nil, err
	}
	m := map[string][]survey.EvidenceLink{}
	for _, l := range links {
		m[l.ItemID] = append(m[l.ItemID], l)
	}
	return m, nil
}

// redirectToEvidence sends a question's "files" link on to the evidence
// page with that question chosen in the upload form.
func (s *Server) redirectToEvidence(c *gin.Context, rc responseCtx, item string) {
	v := s.newView(c, "evidence.title")
	c.Redirect(http.StatusSeeOther, v.URL(responsePath(rc.Round.ID, rc.Institution.Code))+"/evidence?item="+url.QueryEscape(item)+"#upload")
}
