package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// Uploads are read only once the caller is known to be allowed to upload
// there. checkForm (middleware.go) leaves the body of an upload route
// alone; the route's middleware checks the role, its handler checks the
// user's right to the target and the target's state (a round open, a
// response still editable), and only then calls uploadedFile, which reads
// the form, checks its CSRF token and gives the file. The file is then read
// in an upload slot, with the limits of survey/upload_limits.go.

const (
	// uploadFormRoom is what an upload form holds besides its file (the
	// CSRF token, the multipart headers).
	uploadFormRoom = 64 << 10
	// maxUploadsAtOnce is how many uploaded files are read at the same
	// time. Reading the largest file the limits allow takes some tens of
	// MB; two at once, with what the server holds anyway, would pass the
	// 150 MB the server is sized for (the bench's uploads phase measures it).
	maxUploadsAtOnce = 1
	// uploadWait is how long an upload waits for its turn before the
	// server answers that it is busy.
	uploadWait = 30 * time.Second
)

// uploadSlots holds one token per upload being read.
var uploadSlots = make(chan struct{}, maxUploadsAtOnce)

// errAnswered says that the request has already been answered.
var errAnswered = errors.New("handlers: answered")

// uploadBodyLimit is the body limit of an upload route (limitBody,
// middleware.go): its file's limit and room for the rest of the form.
func uploadBodyLimit(route string) int64 {
	switch route {
	case "/api/v1/rounds/:id/answers/import":
		return survey.AnswerFileLimits.FileBytes + uploadFormRoom
	case apiEvidenceRoute, apiInitiativeEvidenceRoute: // as the pages' uploads (evidence_api.go, initiative_evidence_api.go)
		return survey.MaxEvidenceFileBytes + uploadFormRoom
	case apiInstitutionsImportRoute: // as the pages' uploads (admin_io_api.go)
		return survey.InstitutionFileLimits.FileBytes + uploadFormRoom
	case apiServicesImportRoute:
		return survey.ServiceFileLimits.FileBytes + uploadFormRoom
	}
	for _, l := range Languages {
		switch strings.TrimPrefix(route, "/"+l) {
		case "/admin/institutions/import":
			return survey.InstitutionFileLimits.FileBytes + uploadFormRoom
		case "/admin/services/import":
			return survey.ServiceFileLimits.FileBytes + uploadFormRoom
		case "/admin/questionnaires":
			return max(survey.DefinitionSheetLimits.FileBytes, survey.MaxDefinitionJSONBytes) + uploadFormRoom
		case "/admin/rounds/:id/answers":
			return survey.AnswerFileLimits.FileBytes + uploadFormRoom
		case "/rounds/:id/responses/:code/xlsx":
			return survey.OfflineSheetLimits.FileBytes + uploadFormRoom
		case evidenceRoute, initiativeEvidenceRoute: // the setting is read, and checked, as the file streams (evidence.go)
			return survey.MaxEvidenceFileBytes + uploadFormRoom
		}
	}
	return maxUpload
}

// failTooLarge answers a body over its route's limit (413), naming the
// limit of a file for an upload route.
func (s *Server) failTooLarge(c *gin.Context, limit int64) {
	if limit <= maxBody || !uploadRoutes[c.FullPath()] {
		s.fail(c, http.StatusRequestEntityTooLarge, "err.too_large")
		return
	}
	mb := survey.MB(limit - uploadFormRoom)
	if isAPI(c) {
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, apiError{Error: apiErrorBody{
			Code: "file_too_big", Message: importText(s.apiLocale(c), survey.LimitError(survey.KeyFileTooBig, mb))}})
		return
	}
	v := s.newView(c, "error.title")
	v.Data = errorPage{Status: http.StatusRequestEntityTooLarge, Heading: errorHeading(v, http.StatusRequestEntityTooLarge),
		Message: importMessage(v, survey.LimitError(survey.KeyFileTooBig, mb))}
	s.render(c, http.StatusRequestEntityTooLarge, "error", v)
	c.Abort()
}

// uploadFile is an uploaded file, spooled to a temporary file that Close
// removes.
type uploadFile struct {
	*os.File
	// Filename is the name the browser gave it.
	Filename string
}

// Close closes and removes the temporary file.
func (f *uploadFile) Close() error {
	err := f.File.Close()
	_ = os.Remove(f.File.Name())
	return err
}

// uploadedFile reads the upload form — call it only after the checks of
// who may upload there — checks its CSRF token and returns the file (to
// close). The form streams: its fields may hold maxUploadField bytes each,
// the file goes to a temporary file as it arrives, and the route's body
// limit bounds the whole. A problem the page should show (no file, a file
// too big) is a *survey.ImportError; errAnswered means the request was
// answered (400, 403).
func (s *Server) uploadedFile(c *gin.Context) (*uploadFile, error) {
	fields, file, err := readUploadForm(c.Request)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, survey.LimitError(survey.KeyFileTooBig, survey.MB(tooBig.Limit-uploadFormRoom))
	case err != nil:
		s.fail(c, http.StatusBadRequest, "err.bad_request")
		return nil, errAnswered
	}
	for _, vs := range fields {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				_ = closeUpload(file)
				s.fail(c, http.StatusBadRequest, "err.bad_encoding")
				return nil, errAnswered
			}
		}
	}
	if !tokenMatches(fields.Get("csrf_token"), s.csrfToken(c)) {
		_ = closeUpload(file)
		s.fail(c, http.StatusForbidden, "err.csrf")
		return nil, errAnswered
	}
	c.Set(keyUploadFields, fields) // the form's other fields (uploadField)
	if file == nil {
		return nil, &survey.ImportError{Key: "err.file_required"}
	}
	return file, nil
}

// keyUploadFields holds an upload form's fields besides its file, read by
// uploadedFile: the form is read once, as a stream, so c.PostForm is empty.
const keyUploadFields = "marsad.upload_fields"

// uploadField is a field of the upload form uploadedFile read ("" when
// absent).
func uploadField(c *gin.Context, name string) string {
	fields, _ := c.Value(keyUploadFields).(url.Values)
	return fields.Get(name)
}

// Bounds of an upload form besides its file.
const (
	maxUploadField  = 4 << 10 // a field's value (the CSRF token is 32 bytes)
	maxUploadFields = 16      // fields and parts
)

var errUploadForm = errors.New("handlers: malformed upload form")

// readUploadForm reads a multipart upload form part by part: small fields
// kept, the part named "file" copied to a temporary file, any other file
// skipped. A form that is not multipart holds no file.
func readUploadForm(r *http.Request) (url.Values, *uploadFile, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		// A form without a file: its fields only, within their bounds.
		r.Body = http.MaxBytesReader(nil, r.Body, maxUploadFields*maxUploadField)
		if err := r.ParseForm(); err != nil {
			return nil, nil, errUploadForm
		}
		return r.PostForm, nil, nil
	}
	fields := url.Values{}
	var file *uploadFile
	fail := func(err error) (url.Values, *uploadFile, error) {
		_ = closeUpload(file)
		return nil, nil, err
	}
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fields, file, nil
		}
		if err != nil {
			return fail(err)
		}
		if parts >= maxUploadFields {
			return fail(errUploadForm)
		}
		switch {
		case p.FileName() == "":
			b, err := io.ReadAll(io.LimitReader(p, maxUploadField+1))
			if err != nil {
				return fail(err)
			}
			if len(b) > maxUploadField {
				return fail(errUploadForm)
			}
			fields.Add(p.FormName(), string(b))
		case p.FormName() == "file" && file == nil:
			tmp, err := os.CreateTemp("", "marsad-upload-")
			if err != nil {
				return fail(err)
			}
			file = &uploadFile{File: tmp, Filename: p.FileName()}
			if _, err := io.Copy(tmp, p); err != nil {
				return fail(err)
			}
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				return fail(err)
			}
		default:
			if _, err := io.Copy(io.Discard, p); err != nil {
				return fail(err)
			}
		}
	}
}

// closeUpload closes f if there is one.
func closeUpload(f *uploadFile) error {
	if f == nil {
		return nil
	}
	return f.Close()
}

// uploadSlot waits for a turn to read an upload. When none comes within
// uploadWait it answers 503 (try again shortly) and returns false.
func (s *Server) uploadSlot(c *gin.Context) (release func(), ok bool) {
	t := time.NewTimer(uploadWait)
	defer t.Stop()
	select {
	case uploadSlots <- struct{}{}:
		return func() { <-uploadSlots }, true
	case <-t.C:
	case <-c.Request.Context().Done():
	}
	c.Header("Retry-After", "30")
	s.fail(c, http.StatusServiceUnavailable, "err.upload_busy")
	return nil, false
}

// importStatus is the status of an upload refused for what it holds: 413
// for a file over its size, 422 for the rest.
func importStatus(ie *survey.ImportError) int {
	if ie.Key == survey.KeyFileTooBig {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusUnprocessableEntity
}

// importMessage is an import error's message for the whole file, with
// the figure of the limit it names.
func importMessage(v *view, ie *survey.ImportError) string { return importText(v.loc, ie) }

// importText is an import error's message in l: figures of a limit are
// written with thousands grouped in English (50,000) and, as everywhere
// else in the Arabic messages, plain (50000) in Arabic.
func importText(l *locale, ie *survey.ImportError) string {
	args := make([]any, len(ie.Args))
	for i, a := range ie.Args {
		switch n := a.(type) {
		case int:
			args[i] = groupDigits(int64(n), l.lang)
		case int64:
			args[i] = groupDigits(n, l.lang)
		default:
			args[i] = a
		}
	}
	return l.T(ie.Key, args...)
}

func groupDigits(n int64, lang string) string {
	s := strconv.FormatInt(n, 10)
	if lang != "en" || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}
