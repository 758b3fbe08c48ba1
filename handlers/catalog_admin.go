package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

type catalogAdminPage struct {
	Institutions []survey.Institution
	Metrics      map[string]survey.CatalogMetrics
	National     survey.CatalogMetrics
	FileError    string
	Rows         []importRow
	Result       *survey.ServiceImportResult
	Checks       checkRunsPage
}

func (s *Server) catalogAdminView(c *gin.Context) (*view, catalogAdminPage, error) {
	ctx := c.Request.Context()
	var p catalogAdminPage
	var err error
	if p.Institutions, err = s.store.ListInstitutions(ctx, survey.InstitutionFilter{}); err != nil {
		return nil, p, err
	}
	var all []survey.Service
	if err := s.store.EachService(ctx, true, func(sv survey.Service) error { all = append(all, sv); return nil }); err != nil {
		return nil, p, err
	}
	p.Metrics, p.National = survey.MetricsByInstitution(all), survey.ComputeMetrics(all)
	p.Checks = s.checkRunsView(c)
	return s.newView(c, "catalog_admin.title"), p, nil
}

// showCatalogAdmin is the coordinator's view of the whole catalog: each
// institution's services and metrics, with import and export.
func (s *Server) showCatalogAdmin(c *gin.Context) {
	v, p, err := s.catalogAdminView(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v.Data = p
	s.render(c, http.StatusOK, "catalog_admin", v)
}

// exportServices streams the whole catalog (every status) as CSV or XLSX,
// with each service's last observed status after its declared columns.
func (s *Server) exportServices(c *gin.Context) {
	each := func(fn func(survey.Service) error) error {
		return s.store.EachService(c.Request.Context(), false, fn)
	}
	observed, err := s.store.ServicesObservedSummary(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	if c.Param("format") == "xlsx" || strings.HasSuffix(c.Request.URL.Path, ".xlsx") {
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		attachment(c, "marsad-services.xlsx")
		err = reports.WriteServicesObservedXLSX(c.Writer, lang(c) == "ar", each, observed)
	} else {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		attachment(c, "marsad-services.csv")
		err = survey.WriteServicesObservedCSV(c.Writer, each, observed)
	}
	if err != nil {
		s.log.Error("export services", "id", c.GetString(keyRequestID), "err", err)
	}
}

// importServices imports a CSV or XLSX catalog, all or nothing. The route
// is the coordinator's; the file is read in an upload slot, within
// survey.ServiceFileLimits.
func (s *Server) importServices(c *gin.Context) {
	f, err := s.uploadedFile(c)
	if errors.Is(err, errAnswered) {
		return
	}
	var res survey.ServiceImportResult
	if err == nil {
		release, ok := s.uploadSlot(c)
		if !ok {
			_ = f.Close()
			return
		}
		defer release() // until the answer is rendered: the page is heavy too
		var ins []survey.ServiceInput
		ins, err = readServicesUpload(f, f.Filename)
		if err == nil {
			res, err = s.store.ImportServices(c.Request.Context(), survey.ActorOf(*currentUser(c)), ins)
		}
		_ = f.Close()
	}
	v, p, verr := s.catalogAdminView(c)
	if verr != nil {
		s.serverError(c, verr)
		return
	}
	var ie *survey.ImportError
	var ve *survey.ValidationError
	status := http.StatusOK
	switch {
	case errors.As(err, &ie):
		p.FileError, p.Rows = describeImportError(v, ie)
		status = importStatus(ie)
	case errors.As(err, &ve):
		p.FileError, status = v.T("import.rows_invalid"), http.StatusUnprocessableEntity
	case err != nil:
		s.serverError(c, err)
		return
	default:
		p.Result = &res
	}
	v.Data = p
	s.render(c, status, "catalog_admin", v)
}

// readServicesUpload reads the uploaded file as CSV or XLSX (readServices),
// a workbook by its name or its content; the file itself goes to the
// workbook reader, which then needs no copy of it in memory.
func readServicesUpload(f *uploadFile, filename string) ([]survey.ServiceInput, error) {
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	return readServices(f, zipSignature(head[:n]), strings.EqualFold(filepath.Ext(filename), ".xlsx"))
}

// zipSignature says whether a file starts as a zip (a workbook) does.
func zipSignature(head []byte) bool { return bytes.Equal(head, []byte("PK\x03\x04")) }

// readServices reads a catalog file as CSV or XLSX: a zip signature
// (isZip) means a workbook, and one said to be a workbook (wantXLSX: its
// name, or the API body's type) must be one. Either streams from r, within
// survey.ServiceFileLimits. The page's upload and the API's body share it.
func readServices(r io.Reader, isZip, wantXLSX bool) ([]survey.ServiceInput, error) {
	if wantXLSX || isZip {
		if !isZip {
			return nil, &survey.ImportError{Key: "err.xlsx_invalid"}
		}
		recs, err := reports.ReadXLSXRecords(r)
		var ie *survey.ImportError
		if errors.As(err, &ie) {
			return nil, err
		}
		if err != nil {
			return nil, &survey.ImportError{Key: "err.xlsx_invalid"}
		}
		return survey.ParseServiceRecords(recs)
	}
	return survey.ParseServicesCSV(r)
}
