package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

type institutionsPage struct {
	List     []survey.Institution
	Query    string
	Inactive bool
	Notice   string
}

func (s *Server) listInstitutions(c *gin.Context) {
	f := survey.InstitutionFilter{Query: c.Query("q"), IncludeInactive: c.Query("inactive") == "1"}
	list, err := s.store.ListInstitutions(c.Request.Context(), f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "institutions.title")
	v.Data = institutionsPage{List: list, Query: f.Query, Inactive: f.IncludeInactive, Notice: noticeKey(c)}
	s.render(c, http.StatusOK, "institutions", v)
}

// noticeKey reads the one-word outcome a redirect after a change carries
// (?done=created), so the next page can confirm what happened.
func noticeKey(c *gin.Context) string {
	switch d := c.Query("done"); d {
	case "created", "updated", "deactivated", "activated", "imported":
		return "notice." + d
	}
	return ""
}

type institutionFormPage struct {
	Code string // set when editing
}

func institutionValues(in survey.InstitutionInput) map[string]string {
	return map[string]string{"code": in.Code, "name_ar": in.NameAr, "name_en": in.NameEn,
		"kind": in.Kind, "sector": in.Sector, "region": in.Region, "website": in.Website}
}

func (s *Server) newInstitution(c *gin.Context) {
	v := s.newView(c, "institution.new_title")
	v.Form = &form{Values: map[string]string{"kind": "ministry", "region": "national"}}
	v.Data = institutionFormPage{}
	s.render(c, http.StatusOK, "institution_form", v)
}

func (s *Server) createInstitution(c *gin.Context) {
	var in survey.InstitutionInput
	_ = c.ShouldBind(&in)
	inst, err := s.store.CreateInstitution(c.Request.Context(), currentUser(c).ID, in)
	if s.institutionFormError(c, err, in, "") {
		return
	}
	seeOther(c, pathAdminInstitutions+"?done=created#"+inst.Code)
}

func (s *Server) editInstitution(c *gin.Context) {
	inst, err := s.store.Institution(c.Request.Context(), c.Param("code"))
	if err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "institution.edit_title")
	v.Form = &form{Values: institutionValues(survey.InstitutionInput{Code: inst.Code, NameAr: inst.NameAr, NameEn: inst.NameEn,
		Kind: inst.Kind, Sector: inst.Sector, Region: inst.Region, Website: inst.Website})}
	v.Data = institutionFormPage{Code: inst.Code}
	s.render(c, http.StatusOK, "institution_form", v)
}

func (s *Server) updateInstitution(c *gin.Context) {
	var in survey.InstitutionInput
	_ = c.ShouldBind(&in)
	code := c.Param("code")
	_, err := s.store.UpdateInstitution(c.Request.Context(), currentUser(c).ID, code, in)
	in.Code = code
	if s.institutionFormError(c, err, in, code) {
		return
	}
	seeOther(c, pathAdminInstitutions+"?done=updated#"+code)
}

// institutionFormError re-renders the form with translated messages and what
// was typed, or reports another error. It returns false when err is nil.
func (s *Server) institutionFormError(c *gin.Context, err error, in survey.InstitutionInput, code string) bool {
	var ve *survey.ValidationError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ve):
		title := "institution.new_title"
		if code != "" {
			title = "institution.edit_title"
		}
		v := s.newView(c, title)
		v.Form = &form{Values: institutionValues(in), Errors: v.loc.fieldMessages(ve)}
		v.Data = institutionFormPage{Code: code}
		s.render(c, http.StatusUnprocessableEntity, "institution_form", v)
	default:
		s.failErr(c, err)
	}
	return true
}

func (s *Server) setInstitutionActive(c *gin.Context) {
	active := c.PostForm("active") == "1"
	code := c.Param("code")
	if err := s.store.SetInstitutionActive(c.Request.Context(), currentUser(c).ID, code, active); err != nil {
		s.failErr(c, err)
		return
	}
	done := "deactivated"
	if active {
		done = "activated"
	}
	seeOther(c, pathAdminInstitutions+"?inactive=1&done="+done+"#"+code)
}

type importPage struct {
	FileError string
	Rows      []importRow
	Result    *survey.ImportResult
}

type importRow struct {
	Line     int
	Messages []string
}

func (s *Server) showImportInstitutions(c *gin.Context) {
	v := s.newView(c, "import.title")
	v.Data = importPage{}
	s.render(c, http.StatusOK, "import", v)
}

// importInstitutions imports a CSV file all-or-nothing; when any row is bad
// the page lists every bad row with its line and reasons and stores nothing.
// The route is the coordinator's; the file is read in an upload slot,
// within survey.InstitutionFileLimits.
func (s *Server) importInstitutions(c *gin.Context) {
	v := s.newView(c, "import.title")
	page := importPage{}
	f, err := s.uploadedFile(c)
	if errors.Is(err, errAnswered) {
		return
	}
	var res survey.ImportResult
	if err == nil {
		release, ok := s.uploadSlot(c)
		if !ok {
			_ = f.Close()
			return
		}
		defer release() // until the answer is rendered: the page is heavy too
		var ins []survey.InstitutionInput
		ins, err = survey.ParseInstitutionsCSV(f)
		if err == nil {
			res, err = s.store.ImportInstitutions(c.Request.Context(), currentUser(c).ID, ins)
		}
		_ = f.Close()
	}
	var ie *survey.ImportError
	switch {
	case errors.As(err, &ie):
		page.FileError, page.Rows = describeImportError(v, ie)
		v.Data = page
		s.render(c, importStatus(ie), "import", v)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	page.Result = &res
	v.Data = page
	s.render(c, http.StatusOK, "import", v)
}

// describeImportError translates an import error: a problem with the whole
// file, or each bad row as "field: reason" lines.
func describeImportError(v *view, ie *survey.ImportError) (string, []importRow) {
	if ie.Key != "" {
		return importMessage(v, ie), nil
	}
	rows := make([]importRow, 0, len(ie.Rows))
	for _, r := range ie.Rows {
		row := importRow{Line: r.Line}
		for _, field := range fieldOrder {
			if key, ok := r.Fields[field]; ok {
				row.Messages = append(row.Messages, v.T("field."+field)+": "+v.T(key))
			}
		}
		rows = append(rows, row)
	}
	return v.T("import.rows_invalid"), rows
}

func (s *Server) exportInstitutions(c *gin.Context) {
	list, err := s.store.ListInstitutions(c.Request.Context(), survey.InstitutionFilter{IncludeInactive: true})
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	attachment(c, "institutions.csv")
	if err := survey.WriteInstitutionsCSV(c.Writer, list); err != nil {
		s.log.Error("export institutions", "err", err)
	}
}
