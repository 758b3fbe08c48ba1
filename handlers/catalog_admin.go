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

// exportServices streams the whole catalog (every status) as CSV or XLSX.
func (s *Server) exportServices(c *gin.Context) {
	each := func(fn func(survey.Service) error) error {
		return s.store.EachService(c.Request.Context(), false, fn)
	}
	var err error
	if c.Param("format") == "xlsx" || strings.HasSuffix(c.Request.URL.Path, ".xlsx") {
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Header("Content-Disposition", `attachment; filename="marsad-services.xlsx"`)
		err = reports.WriteServicesXLSX(c.Writer, lang(c) == "ar", each)
	} else {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="marsad-services.csv"`)
		err = survey.WriteServicesCSV(c.Writer, each)
	}
	if err != nil {
		s.log.Error("export services", "id", c.GetString(keyRequestID), "err", err)
	}
}

// importServices imports a CSV or XLSX catalog, all or nothing.
func (s *Server) importServices(c *gin.Context) {
	v, p, err := s.catalogAdminView(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	ins, err := s.readServicesUpload(c)
	var res survey.ServiceImportResult
	if err == nil {
		res, err = s.store.ImportServices(c.Request.Context(), survey.ActorOf(*currentUser(c)), ins)
	}
	var ie *survey.ImportError
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ie):
		p.FileError, p.Rows = describeImportError(v, ie)
	case errors.As(err, &ve):
		p.FileError = v.T("import.rows_invalid")
	case err != nil:
		s.serverError(c, err)
		return
	default:
		p.Result = &res
		if v2, p2, err := s.catalogAdminView(c); err == nil {
			v, p2.Result = v2, &res
			p = p2
		}
	}
	v.Data = p
	status := http.StatusOK
	if p.FileError != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "catalog_admin", v)
}

// readServicesUpload reads the uploaded file as CSV or XLSX, by its
// content: a zip signature means a workbook.
func (s *Server) readServicesUpload(c *gin.Context) ([]survey.ServiceInput, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, &survey.ImportError{Key: "err.file_required"}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	isZip := bytes.HasPrefix(body, []byte("PK\x03\x04"))
	if strings.EqualFold(filepath.Ext(fh.Filename), ".xlsx") || isZip {
		if !isZip {
			return nil, &survey.ImportError{Key: "err.xlsx_invalid"}
		}
		recs, err := reports.ReadXLSXRecords(bytes.NewReader(body))
		var ie *survey.ImportError
		if errors.As(err, &ie) {
			return nil, err
		}
		if err != nil {
			return nil, &survey.ImportError{Key: "err.xlsx_invalid"}
		}
		return survey.ParseServiceRecords(recs)
	}
	return survey.ParseServicesCSV(bytes.NewReader(body))
}
