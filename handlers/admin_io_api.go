package handlers

import (
	"bufio"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// The coordinator's imports, exports, service checks and settings through
// /api/v1 (issue 19, §2), mirroring the pages: the institutions' import
// (institutions.go), the catalog's import and check runs (catalog_admin.go,
// checks.go), the evidence limits (evidence.go) and the open data licence
// (opendata.go). Each calls what its page calls; the routes are the
// coordinator's, so the role is checked (requireRole) before a body is read.
// The exports are the pages' own handlers: they answer in the language of
// Accept-Language (lang).

// Import routes take a file as the body, not JSON (checkAPIWrite), with
// the page's file limit (uploadBodyLimit).
const (
	apiInstitutionsImportRoute = "/api/v1/institutions/import"
	apiServicesImportRoute     = "/api/v1/services/import"
)

func init() {
	for _, r := range []string{apiInstitutionsImportRoute, apiServicesImportRoute} {
		uploadRoutes[r], csvBodyRoutes[r] = true, true
	}
}

// xlsxMediaType is the media type of a workbook.
const xlsxMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// importCountsJSON is what an import did: rows created, updated, left as
// they were.
type importCountsJSON struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// apiImportFailed answers an import refused for what its file holds: 413
// for a file over its size, otherwise 422 with the whole file's problem in
// fields["file"] or each bad row's as fields["line N field"]; nothing was
// stored.
func (s *Server) apiImportFailed(c *gin.Context, ie *survey.ImportError) {
	loc := s.apiLocale(c)
	fields := map[string]string{}
	msg := loc.T("import.rows_invalid")
	if ie.Key != "" {
		msg = importText(loc, ie)
		fields["file"] = msg
	}
	for _, r := range ie.Rows {
		for f, k := range r.Fields {
			fields["line "+strconv.Itoa(r.Line)+" "+f] = loc.T(k)
		}
	}
	c.AbortWithStatusJSON(importStatus(ie), apiError{Error: apiErrorBody{Code: "import", Message: msg, Fields: fields}})
}

// apiImportInstitutions imports institutions from a text/csv body, all or
// nothing, as the import page does (survey.ParseInstitutionsCSV within
// survey.InstitutionFileLimits, then the store's ImportInstitutions).
func (s *Server) apiImportInstitutions(c *gin.Context) {
	release, ok := s.uploadSlot(c)
	if !ok {
		return
	}
	defer release()
	ins, err := survey.ParseInstitutionsCSV(c.Request.Body)
	var res survey.ImportResult
	if err == nil {
		res, err = s.store.ImportInstitutions(c.Request.Context(), currentUser(c).ID, ins)
	}
	var ie *survey.ImportError
	if errors.As(err, &ie) {
		s.apiImportFailed(c, ie)
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, importCountsJSON{Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged})
}

// apiImportServices imports the catalog from the body, all or nothing, as
// the catalog page does: a workbook when the body's type says so
// (xlsxMediaType) or its content starts as one, CSV otherwise (readServices).
func (s *Server) apiImportServices(c *gin.Context) {
	release, ok := s.uploadSlot(c)
	if !ok {
		return
	}
	defer release()
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	br := bufio.NewReader(c.Request.Body)
	head, _ := br.Peek(4)
	ins, err := readServices(br, zipSignature(head), mt == xlsxMediaType)
	var res survey.ServiceImportResult
	if err == nil {
		res, err = s.store.ImportServices(c.Request.Context(), survey.ActorOf(*currentUser(c)), ins)
	}
	var ie *survey.ImportError
	if errors.As(err, &ie) {
		s.apiImportFailed(c, ie)
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, importCountsJSON{Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged})
}

// checkRunJSON is what the catalog page says about service check runs.
type checkRunJSON struct {
	// Last is the last stored run (null when none ever ran).
	Last *lastCheckRunJSON `json:"last"`
	// Running: this server is running one now.
	Running bool `json:"running"`
	// Interrupted: the last run never finished and none runs now.
	Interrupted bool `json:"interrupted"`
}

// lastCheckRunJSON is a stored run; finished_at is null while it runs or
// when its server stopped before it ended.
type lastCheckRunJSON struct {
	ID         int64      `json:"id"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	ByHand     bool       `json:"by_hand"`
	URLs       int        `json:"urls"`
	Reachable  int        `json:"reachable"`
	Failed     bool       `json:"failed"`
}

func (s *Server) checkRunStatusJSON(c *gin.Context) (checkRunJSON, error) {
	st, err := s.checkStatus(c.Request.Context())
	if err != nil {
		return checkRunJSON{}, err
	}
	out := checkRunJSON{Running: st.Running, Interrupted: st.Interrupted}
	if !st.Never {
		r := st.CheckRun
		out.Last = &lastCheckRunJSON{ID: r.ID, StartedAt: r.StartedAt, ByHand: r.ByHand, URLs: r.URLs, Reachable: r.Reachable, Failed: r.Failed}
		if !r.FinishedAt.IsZero() {
			out.Last.FinishedAt = &r.FinishedAt
		}
	}
	return out, nil
}

// apiCheckRuns is the state of the service checks, as the catalog page
// shows it.
func (s *Server) apiCheckRuns(c *gin.Context) {
	out, err := s.checkRunStatusJSON(c)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// apiStartChecks is the page's "check now": a run starts in the background
// (202), unless one runs (409) or one started less than checkMinGap ago
// (429, with Retry-After): the page's limit, so a script cannot make
// Marsad hammer every government site either.
func (s *Server) apiStartChecks(c *gin.Context) {
	loc := s.apiLocale(c)
	switch err := s.startCheckRun(c.Request.Context(), currentUser(c).ID, true); {
	case errors.Is(err, errCheckRunning):
		c.AbortWithStatusJSON(http.StatusConflict, apiError{Error: apiErrorBody{Code: "check_running", Message: loc.T("checks.check_running")}})
		return
	case errors.Is(err, errCheckTooSoon):
		c.Header("Retry-After", strconv.Itoa(int(checkMinGap.Seconds())))
		c.AbortWithStatusJSON(http.StatusTooManyRequests, apiError{Error: apiErrorBody{Code: "check_too_soon", Message: loc.T("checks.check_too_soon")}})
		return
	case err != nil:
		s.failErr(c, err)
		return
	}
	out, err := s.checkRunStatusJSON(c)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusAccepted, out)
}

// evidenceSettingsJSON are the evidence limits in whole megabytes, as the
// page's form has them.
type evidenceSettingsJSON struct {
	FileMB  int64 `json:"file_mb"`
	RoundMB int64 `json:"round_mb"`
}

// apiEvidenceSettings is the evidence limits.
func (s *Server) apiEvidenceSettings(c *gin.Context) {
	l, err := s.store.EvidenceLimits(c.Request.Context())
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, evidenceSettingsJSON{FileMB: survey.MB(l.FileBytes), RoundMB: survey.MB(l.RoundBytes)})
}

// apiSaveEvidenceSettings sets them (audited), checked as the page's form
// is (survey.CheckEvidenceLimits).
func (s *Server) apiSaveEvidenceSettings(c *gin.Context) {
	var in evidenceSettingsJSON
	if !s.bindJSON(c, &in) {
		return
	}
	l, err := survey.CheckEvidenceLimits(strconv.FormatInt(in.FileMB, 10), strconv.FormatInt(in.RoundMB, 10))
	if err == nil {
		err = s.store.SetEvidenceLimits(c.Request.Context(), survey.ActorOf(*currentUser(c)), l)
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, evidenceSettingsJSON{FileMB: survey.MB(l.FileBytes), RoundMB: survey.MB(l.RoundBytes)})
}

// apiOpenDataSettings is the open data's licence and publisher.
func (s *Server) apiOpenDataSettings(c *gin.Context) {
	o, err := s.store.OpenData(c.Request.Context())
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

// apiSaveOpenDataSettings sets them (audited), checked as the page's form
// is (survey.CheckOpenData): a known licence's name and address are its
// own, whatever is sent, so what GET returned can be sent back.
func (s *Server) apiSaveOpenDataSettings(c *gin.Context) {
	var in survey.OpenDataSettings
	if !s.bindJSON(c, &in) {
		return
	}
	o, err := survey.CheckOpenData(survey.OpenDataInput(in))
	if err == nil {
		err = s.store.SetOpenData(c.Request.Context(), survey.ActorOf(*currentUser(c)), o)
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}
