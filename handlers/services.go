package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// bindServiceForm reads the service form. Checkboxes arrive only when ticked.
func bindServiceForm(c *gin.Context) survey.ServiceInput {
	in := survey.ServiceInput{
		Code: c.PostForm("code"), NameAr: c.PostForm("name_ar"), NameEn: c.PostForm("name_en"),
		DescriptionAr: c.PostForm("description_ar"), DescriptionEn: c.PostForm("description_en"),
		Category: c.PostForm("category"), Audience: c.PostFormArray("audience"), Channels: c.PostFormArray("channels"),
		Stage: c.PostForm("stage"), OnlineURL: c.PostForm("online_url"), Languages: c.PostFormArray("languages"),
		FeeILS: c.PostForm("fee_ils"), ProcessingDays: c.PostForm("processing_days"), YearlyVolume: c.PostForm("yearly_volume"),
		OnlineShare: c.PostForm("online_share"), LastReviewed: c.PostForm("last_reviewed"), Status: c.PostForm("status"),
		EPayment: c.PostForm("e_payment") == "1", EID: c.PostForm("e_id") == "1", Abroad: c.PostForm("available_abroad") == "1",
		NoVisit: c.PostForm("no_visit") == "1", MobileFriendly: c.PostForm("mobile_friendly") == "1",
		DataExchange: c.PostForm("uses_data_exchange") == "1",
	}
	in.Version, _ = strconv.ParseInt(c.PostForm("version"), 10, 64)
	return in
}

// serviceInputOf is the form input that shows an existing service.
func serviceInputOf(s survey.Service) survey.ServiceInput {
	rec := survey.ServiceRecord(s)
	col := map[string]string{}
	for i, name := range survey.ServiceColumns {
		col[name] = rec[i]
	}
	return survey.ServiceInput{
		InstitutionCode: s.InstitutionCode, Code: s.Code, NameAr: s.NameAr, NameEn: s.NameEn,
		DescriptionAr: s.DescriptionAr, DescriptionEn: s.DescriptionEn, Category: s.Category,
		Audience: s.Audience, Channels: s.Channels, Stage: col["stage"], OnlineURL: s.OnlineURL,
		EPayment: s.EPayment, EID: s.EID, Abroad: s.Abroad, NoVisit: s.NoVisit, MobileFriendly: s.MobileFriendly,
		Languages: s.Languages, FeeILS: col["fee_ils"], ProcessingDays: col["processing_days"],
		YearlyVolume: col["yearly_volume"], OnlineShare: col["online_share"], DataExchange: s.DataExchange,
		LastReviewed: s.LastReviewed, Status: s.Status, Version: s.Version,
	}
}

func serviceForm(in survey.ServiceInput) *form {
	f := &form{
		Values: map[string]string{
			"code": in.Code, "name_ar": in.NameAr, "name_en": in.NameEn, "description_ar": in.DescriptionAr,
			"description_en": in.DescriptionEn, "category": in.Category, "stage": in.Stage, "online_url": in.OnlineURL,
			"fee_ils": in.FeeILS, "processing_days": in.ProcessingDays, "yearly_volume": in.YearlyVolume,
			"online_share": in.OnlineShare, "last_reviewed": in.LastReviewed, "status": in.Status,
			"version": strconv.FormatInt(in.Version, 10),
		},
		Multi: map[string][]string{"audience": in.Audience, "channels": in.Channels, "languages": in.Languages},
	}
	for field, on := range map[string]bool{"e_payment": in.EPayment, "e_id": in.EID, "available_abroad": in.Abroad,
		"no_visit": in.NoVisit, "mobile_friendly": in.MobileFriendly, "uses_data_exchange": in.DataExchange} {
		if on {
			f.Multi[field] = []string{"1"}
		}
	}
	return f
}

// canEdit checks that the signed-in user may change the institution's
// catalog, answering 403 if not.
func (s *Server) canEdit(c *gin.Context, code string) bool {
	if survey.ActorOf(*currentUser(c)).CanEditInstitution(code) {
		return true
	}
	s.fail(c, http.StatusForbidden, "err.forbidden")
	return false
}

// myServices sends a respondent to their institution's catalog and an admin
// to the list of institutions.
func (s *Server) myServices(c *gin.Context) {
	u := currentUser(c)
	if u.Role == survey.RoleRespondent {
		seeOther(c, institutionServicesPath(u.InstitutionCode))
		return
	}
	seeOther(c, pathAdminServices)
}

type servicesPage struct {
	Institution survey.Institution
	List        []survey.Service
	Metrics     survey.CatalogMetrics
	Notice      string
	// Checks are the latest observed checks, by service id (checks.go).
	Checks map[int64]*survey.URLCheck
	// Discrepancies are where the checks disagree with what is declared,
	// by service id (survey/discrepancy.go).
	Discrepancies map[int64]survey.Discrepancy
}

func (s *Server) listServices(c *gin.Context) {
	code := c.Param("code")
	if !s.canEdit(c, code) {
		return
	}
	ctx := c.Request.Context()
	inst, err := s.store.Institution(ctx, code)
	if err != nil {
		s.failErr(c, err)
		return
	}
	list, err := s.store.InstitutionServices(ctx, inst.Code)
	if err != nil {
		s.serverError(c, err)
		return
	}
	checks, err := s.store.InstitutionServiceChecks(ctx, inst.Code)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "services.title")
	v.Data = servicesPage{Institution: inst, List: list, Metrics: survey.ComputeMetrics(list), Notice: serviceNotice(c), Checks: checks,
		Discrepancies: survey.DiscrepanciesByService(s.institutionDiscrepancies(c, inst.Code))}
	s.render(c, http.StatusOK, "services", v)
}

func serviceNotice(c *gin.Context) string {
	switch d := c.Query("done"); d {
	case "created", "updated", "retired":
		return "notice.service_" + d
	}
	return ""
}

type serviceFormPage struct {
	Institution survey.Institution
	ServiceID   int64 // 0 for a new service
	Conflict    *survey.Service
}

func (s *Server) newService(c *gin.Context) {
	code := c.Param("code")
	if !s.canEdit(c, code) {
		return
	}
	inst, err := s.store.Institution(c.Request.Context(), code)
	if err != nil {
		s.failErr(c, err)
		return
	}
	v := s.newView(c, "service.new_title")
	v.Form = serviceForm(survey.ServiceInput{Stage: "0", Status: survey.ServiceActive, Languages: []string{"ar"}, Audience: []string{"citizens"}, Channels: []string{"counter"}})
	v.Data = serviceFormPage{Institution: inst}
	s.render(c, http.StatusOK, "service_form", v)
}

func (s *Server) createService(c *gin.Context) {
	code := c.Param("code")
	if !s.canEdit(c, code) {
		return
	}
	in := bindServiceForm(c)
	in.InstitutionCode = code
	sv, err := s.store.CreateService(c.Request.Context(), survey.ActorOf(*currentUser(c)), in)
	if s.serviceFormError(c, err, in, 0) {
		return
	}
	seeOther(c, institutionServicesPath(sv.InstitutionCode)+"?done=created#s"+strconv.FormatInt(sv.ID, 10))
}

// serviceByParam loads the service in the URL and checks the user may edit it.
func (s *Server) serviceByParam(c *gin.Context) (survey.Service, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return survey.Service{}, false
	}
	sv, err := s.store.Service(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return sv, false
	}
	return sv, s.canEdit(c, sv.InstitutionCode)
}

func (s *Server) editService(c *gin.Context) {
	sv, ok := s.serviceByParam(c)
	if !ok {
		return
	}
	inst, err := s.store.Institution(c.Request.Context(), sv.InstitutionCode)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "service.edit_title")
	v.Form = serviceForm(serviceInputOf(sv))
	v.Data = serviceFormPage{Institution: inst, ServiceID: sv.ID}
	s.render(c, http.StatusOK, "service_form", v)
}

func (s *Server) updateService(c *gin.Context) {
	sv, ok := s.serviceByParam(c)
	if !ok {
		return
	}
	in := bindServiceForm(c)
	in.InstitutionCode = sv.InstitutionCode
	_, err := s.store.UpdateService(c.Request.Context(), survey.ActorOf(*currentUser(c)), sv.ID, in)
	if s.serviceFormError(c, err, in, sv.ID) {
		return
	}
	seeOther(c, institutionServicesPath(sv.InstitutionCode)+"?done=updated#s"+strconv.FormatInt(sv.ID, 10))
}

// serviceFormError re-renders the service form after a failed save: field
// errors with what was typed, or — when someone else saved first — the
// other person's version beside the typed values, so nothing is lost and
// nothing is overwritten silently.
func (s *Server) serviceFormError(c *gin.Context, err error, in survey.ServiceInput, id int64) bool {
	if err == nil {
		return false
	}
	var ve *survey.ValidationError
	title := "service.new_title"
	if id != 0 {
		title = "service.edit_title"
	}
	switch {
	case errors.As(err, &ve):
		v := s.newView(c, title)
		v.Form = serviceForm(in)
		v.Form.Errors = v.loc.fieldMessages(ve)
		s.renderServiceForm(c, v, http.StatusUnprocessableEntity, in.InstitutionCode, id, nil)
	case errors.Is(err, survey.ErrConflict):
		latest, lerr := s.store.Service(c.Request.Context(), id)
		if lerr != nil {
			s.serverError(c, lerr)
			return true
		}
		v := s.newView(c, title)
		in.Version = latest.Version // a second save is a deliberate overwrite
		v.Form = serviceForm(in)
		v.Form.Errors = map[string]string{"version": v.T("err.conflict")}
		s.renderServiceForm(c, v, http.StatusConflict, in.InstitutionCode, id, &latest)
	default:
		s.failErr(c, err)
	}
	return true
}

func (s *Server) renderServiceForm(c *gin.Context, v *view, status int, code string, id int64, conflict *survey.Service) {
	inst, err := s.store.Institution(c.Request.Context(), code)
	if err != nil {
		s.failErr(c, err)
		return
	}
	v.Data = serviceFormPage{Institution: inst, ServiceID: id, Conflict: conflict}
	s.render(c, status, "service_form", v)
}

func (s *Server) retireService(c *gin.Context) {
	sv, ok := s.serviceByParam(c)
	if !ok {
		return
	}
	if err := s.store.RetireService(c.Request.Context(), survey.ActorOf(*currentUser(c)), sv.ID); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, institutionServicesPath(sv.InstitutionCode)+"?done=retired#s"+strconv.FormatInt(sv.ID, 10))
}
