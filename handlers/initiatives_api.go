package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// initiativeJSON is an initiative as API clients send it: figures as
// numbers (or null), services as catalog ids.
type initiativeJSON struct {
	TitleAr       string           `json:"title_ar"`
	TitleEn       string           `json:"title_en"`
	SummaryAr     string           `json:"summary_ar"`
	SummaryEn     string           `json:"summary_en"`
	Status        string           `json:"status"`
	StartMonth    string           `json:"start_month"`
	EndMonth      string           `json:"end_month"`
	BudgetBand    string           `json:"budget_band"`
	OutcomeAr     string           `json:"outcome_ar"`
	OutcomeEn     string           `json:"outcome_en"`
	Partners      []survey.Partner `json:"partners"`
	Services      []int64          `json:"services"`
	SuccessStory  bool             `json:"success_story"`
	StoryAr       string           `json:"story_ar"`
	StoryEn       string           `json:"story_en"`
	FigureLabelAr string           `json:"figure_label_ar"`
	FigureLabelEn string           `json:"figure_label_en"`
	FigureBefore  *float64         `json:"figure_before"`
	FigureAfter   *float64         `json:"figure_after"`
	// Public is the coordinator's mark for the public registry: absent or
	// the current value keeps it; only the coordinator may change it
	// (403 for anyone else), so a respondent may send back what a read
	// returned.
	Public  *bool `json:"public"`
	Version int64 `json:"version"`
	// What a read adds, ignored (readOnlyJSON).
	readOnlyJSON
	StoryStatus json.RawMessage `json:"story_status,omitempty"`
	ReviewNote  json.RawMessage `json:"review_note,omitempty"`
	Archived    json.RawMessage `json:"archived,omitempty"`
}

func (j initiativeJSON) input(code string) survey.InitiativeInput {
	num := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	}
	return survey.InitiativeInput{InstitutionCode: code, TitleAr: j.TitleAr, TitleEn: j.TitleEn, SummaryAr: j.SummaryAr,
		SummaryEn: j.SummaryEn, Status: j.Status, StartMonth: j.StartMonth, EndMonth: j.EndMonth, BudgetBand: j.BudgetBand,
		OutcomeAr: j.OutcomeAr, OutcomeEn: j.OutcomeEn, Partners: j.Partners, ServiceIDs: j.Services, Story: j.SuccessStory,
		StoryAr: j.StoryAr, StoryEn: j.StoryEn, FigureLabelAr: j.FigureLabelAr, FigureLabelEn: j.FigureLabelEn,
		FigureBefore: num(j.FigureBefore), FigureAfter: num(j.FigureAfter), Public: j.Public, Version: j.Version}
}

// apiListInitiatives lists initiatives with the page's filters
// (?institution, status, sector, region, partner, story); respondents get
// their own institution's.
func (s *Server) apiListInitiatives(c *gin.Context) {
	list, err := s.store.ListInitiatives(c.Request.Context(), initiativeFilter(c))
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list) // the latest change first, then by id
}

// apiInstitutionInitiatives lists one institution's initiatives: any for
// admins and viewers, their own for respondents.
func (s *Server) apiInstitutionInitiatives(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	u := currentUser(c)
	if !survey.Allowed(u, survey.SeeInstitution, survey.Round{}, code) {
		s.fail(c, http.StatusForbidden, "err.forbidden")
		return
	}
	if _, err := s.store.Institution(c.Request.Context(), code); err != nil {
		s.failErr(c, err)
		return
	}
	list, err := s.store.ListInitiatives(c.Request.Context(), survey.InitiativeFilter{Institution: code})
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list) // the latest change first, then by id
}

func (s *Server) apiCreateInitiative(c *gin.Context) {
	var in initiativeJSON
	if !s.bindJSON(c, &in) {
		return
	}
	code := strings.ToUpper(c.Param("code"))
	if _, err := s.store.Institution(c.Request.Context(), code); err != nil {
		s.failErr(c, err)
		return
	}
	out, err := s.store.CreateInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.input(code))
	if err != nil {
		s.apiServiceError(c, err)
		return
	}
	c.Header("Location", "/api/v1/initiatives/"+strconv.FormatInt(out.ID, 10))
	c.JSON(http.StatusCreated, out)
}

func (s *Server) apiGetInitiative(c *gin.Context) {
	if in, ok := s.initiativeByParam(c, false); ok {
		c.JSON(http.StatusOK, in)
	}
}

// apiUpdateInitiative replaces an initiative; version is required, and an
// old one gets 409 with the current initiative.
func (s *Server) apiUpdateInitiative(c *gin.Context) {
	before, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	var in initiativeJSON
	if !s.bindUpdate(c, before, &in, true) {
		return
	}
	if in.Version == 0 {
		s.apiValidation(c, &survey.ValidationError{Fields: map[string]string{"version": "err.version_required"}})
		return
	}
	out, err := s.store.UpdateInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), before.ID, in.input(before.InstitutionCode))
	if errors.Is(err, survey.ErrConflict) {
		latest, _ := s.store.Initiative(c.Request.Context(), before.ID)
		s.apiStale(c, latest)
		return
	}
	if err != nil {
		s.apiServiceError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// apiArchiveInitiative archives an initiative (it stays in the audit log).
func (s *Server) apiArchiveInitiative(c *gin.Context) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	if err := s.store.ArchiveInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.ID); err != nil {
		s.apiServiceError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// apiRestoreInitiative brings an archived initiative back and answers with
// it (its new version).
func (s *Server) apiRestoreInitiative(c *gin.Context) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	if err := s.store.RestoreInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.ID); err != nil {
		s.apiServiceError(c, err)
		return
	}
	if in, ok = s.initiativeByParam(c, false); ok {
		c.JSON(http.StatusOK, in)
	}
}
