package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// The public registry of initiatives (issue 19, §1;
// docs/opendata.md): what the coordinator marks public, readable
// by anyone — companies, universities and donors looking for where to
// partner. The same addresses as the signed-in list and page
// (/{lang}/initiatives, /{lang}/initiatives/{id}) answer visitors who are
// not signed in with the public registry, so that a link shared from the
// registry works for everyone; signed-in users keep the list and page they
// had. Visitors get their own templates, fed survey.PublicInitiative only,
// so nothing internal (review notes, evidence files, story drafts) can
// reach them through a template change.

// publicInitiativeFilter is the registry's filters from the URL: public,
// not archived, of an active institution, and the visitor's choices.
func publicInitiativeFilter(c *gin.Context) survey.InitiativeFilter {
	return survey.InitiativeFilter{PublicOnly: true, ActiveOnly: true, Status: c.Query("status"), Sector: c.Query("sector"),
		Region: c.Query("region"), PartnerType: c.Query("partner"), Institution: strings.ToUpper(c.Query("institution"))}
}

// publicInitiatives lists the registry, newest change first (ties by id,
// newest first: a stable order for paging).
func (s *Server) publicInitiatives(c *gin.Context) ([]survey.PublicInitiative, error) {
	list, err := s.store.ListInitiatives(c.Request.Context(), publicInitiativeFilter(c))
	if err != nil {
		return nil, err
	}
	out := make([]survey.PublicInitiative, 0, len(list))
	for _, in := range list {
		out = append(out, in.PublicView())
	}
	return out, nil
}

// publicInitiativesPage is the registry's page: one page of the list.
type publicInitiativesPage struct {
	Filter      survey.InitiativeFilter
	List        []survey.PublicInitiative
	Sectors     []string
	Total       int
	Page, Pages int // 1-based
	query       string
}

// PageLink is the list's URL for page n, keeping the filters.
func (p publicInitiativesPage) PageLink(n int) string {
	q := "?page=" + strconv.Itoa(n)
	if p.query != "" {
		q += "&" + p.query
	}
	return q
}

// publicPerPage is how many initiatives a page of the registry shows.
const publicPerPage = 20

// showPublicInitiatives is the registry for visitors not signed in.
func (s *Server) showPublicInitiatives(c *gin.Context) {
	list, err := s.publicInitiatives(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	insts, err := s.store.ListInstitutions(c.Request.Context(), survey.InstitutionFilter{})
	if err != nil {
		s.serverError(c, err)
		return
	}
	f := publicInitiativeFilter(c)
	p := publicInitiativesPage{Filter: f, Total: len(list), Pages: max(1, (len(list)+publicPerPage-1)/publicPerPage),
		query: string(queryOf("status", f.Status, "sector", f.Sector, "region", f.Region, "partner", f.PartnerType))}
	p.Sectors = reports.InstitutionSectors(insts)
	p.Page, _ = strconv.Atoi(c.Query("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	p.List = list[min(len(list), (p.Page-1)*publicPerPage):min(len(list), p.Page*publicPerPage)]
	v := s.newView(c, "registry.title")
	v.Data = p
	s.render(c, http.StatusOK, "initiatives_public", v)
}

// publicInitiativeByID is the initiative of id when the registry shows it:
// public, not archived, its institution active. Anything else is
// ErrNotFound — a visitor cannot tell a private initiative from none.
func (s *Server) publicInitiativeByID(c *gin.Context, raw string) (survey.PublicInitiative, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return survey.PublicInitiative{}, survey.ErrNotFound
	}
	in, err := s.store.Initiative(c.Request.Context(), id)
	if err != nil {
		return survey.PublicInitiative{}, err
	}
	if !in.InPublicRegistry() {
		return survey.PublicInitiative{}, survey.ErrNotFound
	}
	inst, err := s.store.Institution(c.Request.Context(), in.InstitutionCode)
	if err != nil || !inst.Active {
		return survey.PublicInitiative{}, survey.ErrNotFound
	}
	return in.PublicView(), nil
}

// showPublicInitiative is one initiative of the registry for visitors not
// signed in.
func (s *Server) showPublicInitiative(c *gin.Context) {
	in, err := s.publicInitiativeByID(c, c.Param("id"))
	if errors.Is(err, survey.ErrNotFound) {
		s.notFound(c)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.renderPublicInitiative(c, in)
}

func (s *Server) renderPublicInitiative(c *gin.Context, in survey.PublicInitiative) {
	v := s.newView(c, "")
	v.Title = in.Title(v.Lang)
	v.Data = in
	s.render(c, http.StatusOK, "initiative_public", v)
}

// setInitiativePublic is the coordinator's button on the initiative's
// page: put it in the public registry, or take it out.
func (s *Server) setInitiativePublic(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	version, _ := strconv.ParseInt(c.PostForm("version"), 10, 64)
	public := c.PostForm("public") == "1"
	_, err = s.store.SetInitiativePublic(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, version, public)
	if errors.Is(err, survey.ErrConflict) {
		s.fail(c, http.StatusConflict, "err.conflict")
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	done := "unpublished"
	if public {
		done = "published"
	}
	seeOther(c, initiativePath(id)+"?done="+done)
}

// apiOpenInitiatives is the registry as JSON, paged.
func (s *Server) apiOpenInitiatives(c *gin.Context) {
	list, err := s.publicInitiatives(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	writePage(s, c, list)
}

// apiOpenInitiativesCSV is the whole registry as CSV (BOM), its columns
// named as the JSON's fields; partners as "type: name" separated by "; ".
func (s *Server) apiOpenInitiativesCSV(c *gin.Context) {
	list, err := s.publicInitiatives(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	rows := [][]string{{"id", "institution", "institution_name_ar", "institution_name_en", "sector", "region", "institution_kind",
		"title_ar", "title_en", "summary_ar", "summary_en", "status", "start_month", "end_month", "budget_band",
		"outcome_ar", "outcome_en", "partners", "success_story", "updated_at"}}
	for _, in := range list {
		partners := make([]string, len(in.Partners))
		for i, p := range in.Partners {
			partners[i] = p.Type + ": " + p.Name
			if p.NameEn != "" {
				partners[i] += " / " + p.NameEn
			}
		}
		rows = append(rows, []string{strconv.FormatInt(in.ID, 10), in.InstitutionCode, in.InstitutionAr, in.InstitutionEn,
			in.Sector, in.Region, in.InstitutionKind, in.TitleAr, in.TitleEn, in.SummaryAr, in.SummaryEn, in.Status,
			in.StartMonth, in.EndMonth, in.BudgetBand, in.OutcomeAr, in.OutcomeEn, strings.Join(partners, "; "),
			strconv.FormatBool(in.SuccessStory), in.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")})
	}
	s.sendTable(c, "marsad-initiatives-public", "initiatives", rows, false)
}

// apiOpenStories is the approved success stories as JSON, paged, newest
// first.
func (s *Server) apiOpenStories(c *gin.Context) {
	list, err := s.store.PublicStories(c.Request.Context(), 0)
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := make([]survey.PublicStory, 0, len(list))
	for _, in := range list {
		out = append(out, in.PublicStoryView())
	}
	writePage(s, c, out)
}
