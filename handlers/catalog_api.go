package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// langText is a text in both languages, as CPSV-AP's multilingual strings.
type langText struct {
	Ar string `json:"ar"`
	En string `json:"en,omitempty"`
}

type openChannel struct {
	Type string `json:"type"`
	URL  string `json:"url,omitempty"`
}

type openCost struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
}

type openAuthority struct {
	Identifier string   `json:"identifier"`
	Name       langText `json:"name"`
}

// openService is a catalog entry as open data. Field names follow the EU
// Core Public Service Vocabulary (CPSV-AP) where it has one; Marsad's own
// facts (stage, reach from abroad, no visit) are added under plain names.
type openService struct {
	Identifier            string        `json:"identifier"`
	ID                    int64         `json:"id"`
	Name                  langText      `json:"name"`
	Description           langText      `json:"description"`
	HasCompetentAuthority openAuthority `json:"hasCompetentAuthority"`
	IsGroupedBy           string        `json:"isGroupedBy"`
	Audience              []string      `json:"audience"`
	HasChannel            []openChannel `json:"hasChannel"`
	HasCost               openCost      `json:"hasCost"`
	ProcessingTime        string        `json:"processingTime,omitempty"`
	Language              []string      `json:"language"`
	Status                string        `json:"status"`
	Modified              time.Time     `json:"modified"`
	LastReviewed          string        `json:"lastReviewed,omitempty"`
	Stage                 int           `json:"stage"`
	AvailableFromAbroad   bool          `json:"availableFromAbroad"`
	NoVisitRequired       bool          `json:"noVisitRequired"`
	EPayment              bool          `json:"ePayment"`
	EIDOrSignature        bool          `json:"eIDOrSignature"`
	MobileFriendly        bool          `json:"mobileFriendly"`
	UsesDataExchange      bool          `json:"usesDataExchange"`
	YearlyVolume          int64         `json:"yearlyVolume"`
	OnlineSharePercent    float64       `json:"onlineSharePercent"`
}

func toOpenService(s survey.Service) openService {
	o := openService{
		Identifier: s.InstitutionCode + "/" + s.Code, ID: s.ID,
		Name: langText{s.NameAr, s.NameEn}, Description: langText{s.DescriptionAr, s.DescriptionEn},
		HasCompetentAuthority: openAuthority{s.InstitutionCode, langText{s.InstitutionAr, s.InstitutionEn}},
		IsGroupedBy:           s.Category, Audience: s.Audience, HasCost: openCost{s.FeeILS, "ILS"},
		Language: s.Languages, Status: s.Status, Modified: s.UpdatedAt, LastReviewed: s.LastReviewed,
		Stage: s.Stage, AvailableFromAbroad: s.Abroad, NoVisitRequired: s.NoVisit, EPayment: s.EPayment,
		EIDOrSignature: s.EID, MobileFriendly: s.MobileFriendly, UsesDataExchange: s.DataExchange,
		YearlyVolume: s.YearlyVolume, OnlineSharePercent: s.OnlineShare,
	}
	if s.ProcessingDays > 0 {
		o.ProcessingTime = fmt.Sprintf("P%dD", s.ProcessingDays) // ISO 8601 duration
	}
	for _, ch := range s.Channels {
		oc := openChannel{Type: ch}
		if ch == "web" || ch == "mobile" {
			oc.URL = s.OnlineURL
		}
		o.HasChannel = append(o.HasChannel, oc)
	}
	return o
}

// apiCatalog is the public catalog as open data, with the same filters and
// sort as the catalog page, paged as every list is (paging.go). A page past
// the end is empty, as elsewhere, not the last page the page shows.
func (s *Server) apiCatalog(c *gin.Context) {
	p, ok := s.pageOf(c)
	if !ok {
		return
	}
	q := catalogQuery(c)
	q.Page, q.PerPage = p.Page, p.PerPage
	res, err := s.store.SearchCatalog(c.Request.Context(), q)
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := listJSON[openService]{Items: []openService{}, Page: p.Page, PerPage: p.PerPage, Total: res.Total}
	if res.Page == p.Page { // the store gives the last page for one past it
		for _, sv := range res.Services {
			out.Items = append(out.Items, toOpenService(sv))
		}
	}
	c.JSON(http.StatusOK, out)
}

// apiCatalogCSV streams the whole public catalog as CSV.
func (s *Server) apiCatalogCSV(c *gin.Context) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	attachment(c, "marsad-catalog.csv")
	err := survey.WriteServicesCSV(c.Writer, func(fn func(survey.Service) error) error {
		return s.store.EachService(c.Request.Context(), true, fn)
	})
	if err != nil {
		s.log.Error("catalog csv", "id", c.GetString(keyRequestID), "err", err)
	}
}

// serviceJSON is the API's service input: numbers as numbers.
type serviceJSON struct {
	Code           string   `json:"code"`
	NameAr         string   `json:"name_ar"`
	NameEn         string   `json:"name_en"`
	DescriptionAr  string   `json:"description_ar"`
	DescriptionEn  string   `json:"description_en"`
	Category       string   `json:"category"`
	Audience       []string `json:"audience"`
	Channels       []string `json:"channels"`
	Stage          *int     `json:"stage"`
	OnlineURL      string   `json:"online_url"`
	EPayment       bool     `json:"e_payment"`
	EID            bool     `json:"e_id"`
	Abroad         bool     `json:"available_abroad"`
	NoVisit        bool     `json:"no_visit"`
	MobileFriendly bool     `json:"mobile_friendly"`
	Languages      []string `json:"languages"`
	FeeILS         float64  `json:"fee_ils"`
	ProcessingDays int      `json:"processing_days"`
	YearlyVolume   int64    `json:"yearly_volume"`
	OnlineShare    float64  `json:"online_share"`
	DataExchange   bool     `json:"uses_data_exchange"`
	LastReviewed   string   `json:"last_reviewed"`
	Status         string   `json:"status"`
	Version        int64    `json:"version"`
	// What a read adds, ignored (readOnlyJSON): the observed checks.
	readOnlyJSON
	Observed    json.RawMessage `json:"observed,omitempty"`
	Discrepancy json.RawMessage `json:"discrepancy,omitempty"`
}

func (j serviceJSON) input(code string) survey.ServiceInput {
	stage := ""
	if j.Stage != nil {
		stage = strconv.Itoa(*j.Stage)
	}
	return survey.ServiceInput{
		InstitutionCode: code, Code: j.Code, NameAr: j.NameAr, NameEn: j.NameEn, DescriptionAr: j.DescriptionAr,
		DescriptionEn: j.DescriptionEn, Category: j.Category, Audience: j.Audience, Channels: j.Channels, Stage: stage,
		OnlineURL: j.OnlineURL, EPayment: j.EPayment, EID: j.EID, Abroad: j.Abroad, NoVisit: j.NoVisit,
		MobileFriendly: j.MobileFriendly, Languages: j.Languages, FeeILS: strconv.FormatFloat(j.FeeILS, 'f', -1, 64),
		ProcessingDays: strconv.Itoa(j.ProcessingDays), YearlyVolume: strconv.FormatInt(j.YearlyVolume, 10),
		OnlineShare: strconv.FormatFloat(j.OnlineShare, 'f', -1, 64), DataExchange: j.DataExchange,
		LastReviewed: j.LastReviewed, Status: j.Status, Version: j.Version,
	}
}

// canRead allows admins and viewers to read any institution's catalog,
// respondents only their own.
func (s *Server) canRead(c *gin.Context, code string) bool {
	if survey.Allowed(currentUser(c), survey.SeeInstitution, survey.Round{}, code) {
		return true
	}
	s.fail(c, http.StatusForbidden, "err.forbidden")
	return false
}

func (s *Server) apiListServices(c *gin.Context) {
	inst, err := s.store.Institution(c.Request.Context(), c.Param("code"))
	if err != nil {
		s.failErr(c, err)
		return
	}
	if !s.canRead(c, inst.Code) {
		return
	}
	list, err := s.store.InstitutionServices(c.Request.Context(), inst.Code)
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list) // services in use first, retired last, each by code
}

func (s *Server) apiCreateService(c *gin.Context) {
	var in serviceJSON
	if !s.bindJSON(c, &in) {
		return
	}
	code := c.Param("code")
	if _, err := s.store.Institution(c.Request.Context(), code); err != nil {
		s.failErr(c, err)
		return
	}
	sv, err := s.store.CreateService(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.input(code))
	if err != nil {
		s.apiServiceError(c, err)
		return
	}
	c.Header("Location", "/api/v1/services/"+strconv.FormatInt(sv.ID, 10))
	c.JSON(http.StatusCreated, sv)
}

func (s *Server) apiServiceByParam(c *gin.Context) (survey.Service, bool) {
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
	return sv, true
}

func (s *Server) apiGetService(c *gin.Context) {
	sv, ok := s.apiServiceByParam(c)
	if ok && s.canRead(c, sv.InstitutionCode) {
		c.JSON(http.StatusOK, s.observedService(c, sv))
	}
}

// apiUpdateService replaces a service's fields. The body must carry the
// version it was read at: a stale version answers 409 with the current
// service, so a client never overwrites a newer change without knowing.
func (s *Server) apiUpdateService(c *gin.Context) {
	sv, ok := s.apiServiceByParam(c)
	if !ok {
		return
	}
	var in serviceJSON
	if !s.bindUpdate(c, sv, &in, true) {
		return
	}
	if in.Version == 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"version": "err.version_required"}})
		return
	}
	out, err := s.store.UpdateService(c.Request.Context(), survey.ActorOf(*currentUser(c)), sv.ID, in.input(sv.InstitutionCode))
	if errors.Is(err, survey.ErrConflict) {
		latest, _ := s.store.Service(c.Request.Context(), sv.ID)
		s.apiStale(c, latest)
		return
	}
	if err != nil {
		s.apiServiceError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// apiStale answers an update made from an old version: 409 with the
// current record, so the caller can compare and decide.
func (s *Server) apiStale(c *gin.Context, current any) {
	c.AbortWithStatusJSON(http.StatusConflict, gin.H{"error": apiErrorBody{Code: "conflict", Message: s.apiLocale(c).T("err.conflict")}, "current": current})
}

// apiDeleteService retires the service; its history stays.
func (s *Server) apiDeleteService(c *gin.Context) {
	sv, ok := s.apiServiceByParam(c)
	if !ok {
		return
	}
	if err := s.store.RetireService(c.Request.Context(), survey.ActorOf(*currentUser(c)), sv.ID); err != nil {
		s.apiServiceError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiServiceError(c *gin.Context, err error) { s.apiFail(c, err) }
