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

// EvidenceStore keeps evidence files, their attachment to answers and
// initiatives, and their limits.
type EvidenceStore interface {
	EvidenceLimits(ctx context.Context) (survey.EvidenceLimits, error)
	ResponseEvidence(ctx context.Context, responseID int64) ([]survey.EvidenceLink, error)
	EvidenceLink(ctx context.Context, responseID, id int64) (survey.EvidenceLink, error)
	WriteEvidence(ctx context.Context, sha string, w io.Writer) error
	AttachEvidence(ctx context.Context, a survey.Actor, roundID int64, code string, in survey.EvidenceInput) (survey.EvidenceLink, error)
	DetachEvidence(ctx context.Context, a survey.Actor, roundID int64, code string, id int64) error
	InitiativeEvidence(ctx context.Context, initiativeID int64) ([]survey.EvidenceLink, error)
	InitiativeEvidenceLink(ctx context.Context, initiativeID, id int64) (survey.EvidenceLink, error)
	AttachInitiativeEvidence(ctx context.Context, a survey.Actor, initiativeID int64, in survey.EvidenceInput) (survey.EvidenceLink, error)
	DetachInitiativeEvidence(ctx context.Context, a survey.Actor, initiativeID, id int64) error
	SetEvidenceLimits(ctx context.Context, a survey.Actor, l survey.EvidenceLimits) error
}

// evidenceRoute and initiativeEvidenceRoute are the upload routes of an
// answer's and an initiative's files, under each language.
const (
	evidenceRoute           = "/rounds/:id/responses/:code/evidence"
	initiativeEvidenceRoute = "/initiatives/:id/evidence"
)

func init() {
	for _, l := range Languages {
		uploadRoutes["/"+l+evidenceRoute] = true
		uploadRoutes["/"+l+initiativeEvidenceRoute] = true
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
	f, in, err := s.receiveEvidence(c, p.Limits)
	if f != nil {
		defer f.close()
		p.Item = f.fields.Get("item")
	}
	if err == nil {
		in.ItemID = p.Item
		_, err = s.store.AttachEvidence(c.Request.Context(), survey.ActorOf(*currentUser(c)), p.Round.ID, p.Institution.Code, in)
	}
	if key, status := evidenceError(err); key != "" {
		p.Error = evidenceMessage(v, key, p.Limits)
		s.renderEvidence(c, status, p)
		return
	}
	if err != nil {
		if !errors.Is(err, errAnswered) {
			s.failErr(c, err)
		}
		return
	}
	c.Redirect(http.StatusSeeOther, v.URL(responsePath(p.Round.ID, p.Institution.Code))+"/evidence?done=attached#item-"+url.QueryEscape(p.Item))
}

// errNoFile: the upload form came without a file.
var errNoFile = errors.New("handlers: no file")

// receiveEvidence reads an evidence upload form — call it only after the
// checks of who may upload there — checks its CSRF token, and sniffs the
// file's type. The upload (to close) may come back with an error: a
// problem the page shows (evidenceError), or errAnswered once the request
// has been answered (400, 403, 500).
func (s *Server) receiveEvidence(c *gin.Context, limits survey.EvidenceLimits) (*evidenceUpload, survey.EvidenceInput, error) {
	return s.receiveEvidenceForm(c, limits, true)
}

// receiveEvidenceForm is receiveEvidence; formToken false leaves out the
// form's CSRF token, for the API, whose middleware has checked the call
// (checkAPIWrite: a bearer token, or the X-CSRF-Token header).
func (s *Server) receiveEvidenceForm(c *gin.Context, limits survey.EvidenceLimits, formToken bool) (*evidenceUpload, survey.EvidenceInput, error) {
	var in survey.EvidenceInput
	f, err := readEvidenceForm(c.Request, limits.FileBytes)
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, survey.ErrEvidenceTooBig) || errors.As(err, &tooBig):
		return f, in, survey.ErrEvidenceTooBig
	case err != nil:
		s.fail(c, http.StatusBadRequest, "err.bad_request")
		return f, in, errAnswered
	}
	if formToken && !tokenMatches(f.fields.Get("csrf_token"), s.csrfToken(c)) {
		s.fail(c, http.StatusForbidden, "err.csrf")
		return f, in, errAnswered
	}
	if f.tmp == nil || f.size == 0 {
		return f, in, errNoFile
	}
	ct, err := survey.SniffEvidence(f.head, f.tmp, f.size)
	if err != nil {
		return f, in, err
	}
	if _, err = f.tmp.Seek(0, io.SeekStart); err != nil {
		s.serverError(c, err)
		return f, in, errAnswered
	}
	return f, survey.EvidenceInput{Title: f.fields.Get("title"), Filename: f.name,
		File: survey.EvidenceFile{SHA256: f.sha, Size: f.size, ContentType: ct}, Body: f.tmp}, nil
}

// evidenceMessage is the message of a refused attachment, with the limit
// it passed.
func evidenceMessage(v *view, key string, limits survey.EvidenceLimits) string {
	switch key {
	case "evidence.too_big":
		return v.T(key, survey.MB(limits.FileBytes))
	case "evidence.quota", "evidence.initiative_quota":
		return v.T(key, survey.MB(limits.RoundBytes))
	}
	return v.T(key)
}

// evidenceError is the message key and status of an attachment refused
// for what it is ("" for other errors).
func evidenceError(err error) (string, int) {
	switch {
	case err == nil:
		return "", 0
	case errors.Is(err, errNoFile):
		return "err.file_required", http.StatusUnprocessableEntity
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

// removeEvidence removes the file in the URL from its answer, for the
// page and the API: the response must be one the user may see, and its
// deadline not over for them; the store checks the rest. It answers the
// request itself when it returns false.
func (s *Server) removeEvidence(c *gin.Context) (responseCtx, bool) {
	rc, ok := s.loadResponse(c)
	if !ok {
		return rc, false
	}
	id, err := strconv.ParseInt(c.Param("file"), 10, 64)
	if err != nil {
		s.notFound(c)
		return rc, false
	}
	if rc.Late {
		s.fail(c, http.StatusConflict, "err.past_deadline")
		return rc, false
	}
	if err := s.store.DetachEvidence(c.Request.Context(), survey.ActorOf(*currentUser(c)), rc.Round.ID, rc.Institution.Code, id); err != nil {
		s.failErr(c, err)
		return rc, false
	}
	return rc, true
}

// detachEvidence removes a file from an answer.
func (s *Server) detachEvidence(c *gin.Context) {
	rc, ok := s.removeEvidence(c)
	if !ok {
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
	s.sendEvidence(c, l)
}

// sendEvidence sends a file as a download with the headers of every
// evidence download (docs/evidence.md).
func (s *Server) sendEvidence(c *gin.Context, l survey.EvidenceLink) {
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

// Files of initiatives and success stories. They are listed, attached and
// removed on the initiative's page; downloaded by the institution's users
// and the coordinator from /initiatives/ID/evidence/FILE, and by anyone
// from /stories/ID/evidence/FILE while the story is public (approved, not
// archived, its institution active). Viewers keep the rule of answers'
// files: only a public story's.

// initiativeFiles is what the "initiative_files" partial shows.
type initiativeFiles struct {
	V *view
	// Base is the download links' prefix: the initiative's or the public
	// story's.
	Base     string
	Files    []survey.EvidenceLink
	Editable bool
}

// InitiativeFiles gathers an initiative's files for the "initiative_files"
// partial; public links go through the story's address.
func (v *view) InitiativeFiles(id int64, files []survey.EvidenceLink, public, editable bool) initiativeFiles {
	base := v.URL(initiativePath(id)) + "/evidence/"
	if public {
		base = v.URL("/stories/"+strconv.FormatInt(id, 10)) + "/evidence/"
	}
	return initiativeFiles{V: v, Base: base, Files: files, Editable: editable}
}

// uploadInitiativeEvidence attaches a file to an initiative. Who may (the
// institution's respondents, the coordinator) is checked before the body
// is read; the file then streams as for an answer's.
func (s *Server) uploadInitiativeEvidence(c *gin.Context) {
	in, ok := s.initiativeForFiles(c)
	if !ok {
		return
	}
	p, ok := s.initiativePageOf(c, in)
	if !ok {
		return
	}
	_, key, status, err := s.attachInitiativeFile(c, in, p.Limits, true)
	if key != "" {
		v := s.newView(c, "")
		p.Error = evidenceMessage(v, key, p.Limits)
		s.renderInitiative(c, v, status, p)
		return
	}
	if err != nil {
		if !errors.Is(err, errAnswered) {
			s.failErr(c, err)
		}
		return
	}
	seeOther(c, initiativePath(in.ID)+"?done=file_attached#files")
}

// initiativeForFiles loads the initiative in the URL for a new file, for
// the page and the API: who may (the institution's respondents, the
// coordinator) is checked before any body is read, and an archived
// initiative takes no files (404). It answers the request itself when it
// returns false.
func (s *Server) initiativeForFiles(c *gin.Context) (survey.Initiative, bool) {
	in, ok := s.initiativeByParam(c, true)
	if ok && in.Archived {
		s.notFound(c)
		return in, false
	}
	return in, ok
}

// attachInitiativeFile reads the upload (the form's CSRF token checked
// when formToken) and attaches its file to the initiative, for the page
// and the API. A file refused for what it is comes back as its message
// key and status (the quota is the initiative's, not a round's); other
// errors, errAnswered among them, as err.
func (s *Server) attachInitiativeFile(c *gin.Context, in survey.Initiative, limits survey.EvidenceLimits, formToken bool) (survey.EvidenceLink, string, int, error) {
	f, input, err := s.receiveEvidenceForm(c, limits, formToken)
	if f != nil {
		defer f.close()
	}
	var link survey.EvidenceLink
	if err == nil {
		link, err = s.store.AttachInitiativeEvidence(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.ID, input)
	}
	if key, status := evidenceError(err); key != "" && !errors.Is(err, survey.ErrNotFound) {
		if key == "evidence.quota" {
			key = "evidence.initiative_quota" // not only this round's answers
		}
		return link, key, status, err
	}
	return link, "", 0, err
}

// detachInitiativeEvidence removes a file from an initiative.
func (s *Server) detachInitiativeEvidence(c *gin.Context) {
	if in, ok := s.removeInitiativeFile(c); ok {
		seeOther(c, initiativePath(in.ID)+"?done=file_detached#files")
	}
}

// removeInitiativeFile removes the file in the URL from its initiative,
// for the page and the API: the institution's respondents and the
// coordinator. It answers the request itself when it returns false.
func (s *Server) removeInitiativeFile(c *gin.Context) (survey.Initiative, bool) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return in, false
	}
	id, err := strconv.ParseInt(c.Param("file"), 10, 64)
	if err != nil {
		s.notFound(c)
		return in, false
	}
	if err := s.store.DetachInitiativeEvidence(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.ID, id); err != nil {
		s.failErr(c, err)
		return in, false
	}
	return in, true
}

// downloadInitiativeEvidence sends an initiative's file to the
// institution's users and the coordinator.
func (s *Server) downloadInitiativeEvidence(c *gin.Context) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	s.sendInitiativeEvidence(c, in)
}

// downloadStoryEvidence sends a public success story's file to anyone;
// any other initiative's files are not found here.
func (s *Server) downloadStoryEvidence(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	in, err := s.store.Initiative(c.Request.Context(), id)
	if err != nil || !s.storyPublic(c, in) {
		s.notFound(c)
		return
	}
	s.sendInitiativeEvidence(c, in)
}

func (s *Server) sendInitiativeEvidence(c *gin.Context, in survey.Initiative) {
	id, err := strconv.ParseInt(c.Param("file"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	l, err := s.store.InitiativeEvidenceLink(c.Request.Context(), in.ID, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	s.sendEvidence(c, l)
}

// evidenceSettingsPage is the coordinator's page of the two limits.
type evidenceSettingsPage struct {
	Limits survey.EvidenceLimits
	Saved  bool
}

// MB is a limit in megabytes.
func (evidenceSettingsPage) MB(n int64) int64 { return survey.MB(n) }

// showEvidenceSettings is the form of the evidence limits, in megabytes.
func (s *Server) showEvidenceSettings(c *gin.Context) {
	l, err := s.store.EvidenceLimits(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "evidence_settings.title")
	v.Form = &form{Values: map[string]string{"file_mb": strconv.FormatInt(survey.MB(l.FileBytes), 10),
		"round_mb": strconv.FormatInt(survey.MB(l.RoundBytes), 10)}}
	v.Data = evidenceSettingsPage{Limits: l, Saved: c.Query("saved") == "1"}
	s.render(c, http.StatusOK, "evidence_settings", v)
}

// saveEvidenceSettings stores the limits (audited); values out of bounds
// show the form again with what was typed.
func (s *Server) saveEvidenceSettings(c *gin.Context) {
	ctx := c.Request.Context()
	fileMB, roundMB := c.PostForm("file_mb"), c.PostForm("round_mb")
	l, err := survey.CheckEvidenceLimits(fileMB, roundMB)
	if err == nil {
		err = s.store.SetEvidenceLimits(ctx, survey.ActorOf(*currentUser(c)), l)
	}
	var ve *survey.ValidationError
	if errors.As(err, &ve) {
		cur, lerr := s.store.EvidenceLimits(ctx)
		if lerr != nil {
			s.serverError(c, lerr)
			return
		}
		v := s.newView(c, "evidence_settings.title")
		v.Form = &form{Values: map[string]string{"file_mb": fileMB, "round_mb": roundMB}, Errors: v.loc.fieldMessages(ve)}
		v.Data = evidenceSettingsPage{Limits: cur}
		s.render(c, http.StatusUnprocessableEntity, "evidence_settings", v)
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathAdminEvidence+"?saved=1")
}

// pathAdminEvidence is the evidence limits' page.
const pathAdminEvidence = "/admin/evidence"
