package handlers

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"marsad/reports"
	"marsad/survey"
)

// initiativeFilter is the list's filters, from the URL. A respondent sees
// only their own institution's initiatives.
func initiativeFilter(c *gin.Context) survey.InitiativeFilter {
	f := survey.InitiativeFilter{Institution: strings.ToUpper(c.Query("institution")), Status: c.Query("status"),
		Sector: c.Query("sector"), Region: c.Query("region"), PartnerType: c.Query("partner")}
	if c.Query("story") != "" {
		f.StoryStatus = c.Query("story")
	}
	f.Archived = c.Query("archived") == "1"
	if u := currentUser(c); u.Role == survey.RoleRespondent {
		f.Institution = u.InstitutionCode
	}
	return f
}

type initiativesPage struct {
	Filter  survey.InitiativeFilter
	List    []survey.Initiative
	Charts  []reports.Chart
	Sectors []string
	Notice  string
	// Mine is the respondent's institution, to add an initiative to.
	Mine string
	// Institutions are the filter's choices, by name (for the others).
	Institutions template.HTML
}

// Query is the filter as URL parameters, for the export links.
func (p initiativesPage) Query() template.URL {
	f := p.Filter
	return queryOf("institution", f.Institution, "status", f.Status, "sector", f.Sector, "region", f.Region,
		"partner", f.PartnerType, "story", f.StoryStatus, "archived", map[bool]string{true: "1"}[f.Archived])
}

func (s *Server) listInitiatives(c *gin.Context) {
	if currentUser(c) == nil {
		s.showPublicInitiatives(c) // the public registry (initiatives_public.go)
		return
	}
	f := initiativeFilter(c)
	list, err := s.store.ListInitiatives(c.Request.Context(), f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	insts, err := s.store.ListInstitutions(c.Request.Context(), survey.InstitutionFilter{})
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "initiatives.title")
	p := initiativesPage{Filter: f, List: list, Notice: initiativeNotice(c), Sectors: reports.InstitutionSectors(insts)}
	if u := currentUser(c); u.Role == survey.RoleRespondent {
		p.Mine = u.InstitutionCode
	}
	choices := []option{{Value: "", Label: v.T("catalog.all")}}
	for _, in := range insts {
		choices = append(choices, option{Value: in.Code, Label: in.Name(v.Lang), Selected: in.Code == f.Institution})
	}
	p.Institutions = optionsHTML(choices)
	if len(list) > 0 {
		p.Charts = reports.InitiativeCharts(list, "list", "", v.locale())
		v.Charts = true
	}
	v.Data = p
	s.render(c, http.StatusOK, "initiatives", v)
}

func initiativeNotice(c *gin.Context) string {
	switch d := c.Query("done"); d {
	case "created", "updated", "archived", "restored", "approved", "rejected", "file_attached", "file_detached", "published", "unpublished":
		return "notice.initiative_" + d
	}
	return ""
}

// exportInitiatives is the filtered list as CSV (BOM) or a workbook.
func (s *Server) exportInitiatives(c *gin.Context) {
	list, err := s.store.ListInitiatives(c.Request.Context(), initiativeFilter(c))
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "")
	rows := [][]string{{v.T("field.code"), v.T("field.institution"), v.T("field.title_ar"), v.T("field.title_en"),
		v.T("field.status"), v.T("field.start_month"), v.T("field.end_month"), v.T("field.budget_band"),
		v.T("field.partners"), v.T("field.outcome_ar"), v.T("field.story"), v.T("field.figure_label_ar"),
		v.T("field.figure_before"), v.T("field.figure_after"), v.T("field.updated")}}
	num := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	}
	for _, in := range list {
		var partners []string
		for _, p := range in.Partners {
			partners = append(partners, p.Label(v.Lang)+" ("+v.T("partner."+p.Type)+")")
		}
		story := ""
		if in.Story {
			story = v.T("story_status." + in.StoryStatus)
		}
		rows = append(rows, []string{in.InstitutionCode, in.InstitutionName(v.Lang), in.TitleAr, in.TitleEn,
			v.T("initiative_status." + in.Status), in.StartMonth, in.EndMonth, v.T("budget." + in.BudgetBand),
			strings.Join(partners, "; "), in.OutcomeAr, story, in.FigureLabelAr, num(in.FigureBefore), num(in.FigureAfter),
			in.UpdatedAt.Format("2006-01-02")})
	}
	s.sendTable(c, "marsad-initiatives-"+v.Lang, "initiatives", rows, v.Lang == "ar")
}

// initiativeByParam loads the initiative in the URL. Admins and viewers may
// read any; respondents their institution's. edit asks for the right to
// change it.
func (s *Server) initiativeByParam(c *gin.Context, edit bool) (survey.Initiative, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return survey.Initiative{}, false
	}
	in, err := s.store.Initiative(c.Request.Context(), id)
	if err != nil {
		s.failErr(c, err)
		return in, false
	}
	u := currentUser(c)
	if edit || u.Role == survey.RoleRespondent {
		return in, s.canEdit(c, in.InstitutionCode)
	}
	return in, true
}

type initiativePage struct {
	Notice     string
	Initiative survey.Initiative
	Services   []survey.Service
	CanEdit    bool
	// Files are the initiative's evidence files, for those who may
	// download them: the institution's users and the coordinator, or
	// anyone while it is a public story (PublicFiles: the links go through
	// the story's address).
	Files       []survey.EvidenceLink
	ShowFiles   bool
	PublicFiles bool
	Limits      survey.EvidenceLimits
	// Error is a refused upload's message.
	Error string
	// CanPublish: the reader is the coordinator, who puts the initiative
	// in the public registry or takes it out (initiatives_public.go).
	CanPublish bool
}

// MB is a limit in megabytes.
func (initiativePage) MB(n int64) int64 { return survey.MB(n) }

// showInitiative is one initiative, read-only, with its linked services
// and its files.
func (s *Server) showInitiative(c *gin.Context) {
	u := currentUser(c)
	if u == nil {
		s.showPublicInitiative(c) // the public registry (initiatives_public.go)
		return
	}
	if u.Role == survey.RoleRespondent {
		// Another institution's initiative is not theirs to read, unless
		// it is in the public registry: then they read what anyone does.
		if pub, err := s.publicInitiativeByID(c, c.Param("id")); err == nil && pub.InstitutionCode != u.InstitutionCode {
			s.renderPublicInitiative(c, pub)
			return
		}
	}
	in, ok := s.initiativeByParam(c, false)
	if !ok {
		return
	}
	p, ok := s.initiativePageOf(c, in)
	if !ok {
		return
	}
	p.Notice = initiativeNotice(c)
	s.renderInitiative(c, s.newView(c, ""), http.StatusOK, p)
}

// initiativePageOf gathers what the initiative's page shows; it answers
// the request itself when it returns false.
func (s *Server) initiativePageOf(c *gin.Context, in survey.Initiative) (initiativePage, bool) {
	ctx := c.Request.Context()
	p := initiativePage{Initiative: in, CanEdit: survey.ActorOf(*currentUser(c)).CanEditInstitution(in.InstitutionCode),
		CanPublish: currentUser(c).Role == survey.RoleAdmin}
	services, err := s.store.InstitutionServices(ctx, in.InstitutionCode)
	if err != nil {
		s.serverError(c, err)
		return p, false
	}
	for _, sv := range services {
		if slices.Contains(in.ServiceIDs, sv.ID) {
			p.Services = append(p.Services, sv)
		}
	}
	p.PublicFiles = !p.CanEdit && s.storyPublic(c, in)
	p.ShowFiles = p.CanEdit || p.PublicFiles
	if p.ShowFiles {
		if p.Files, err = s.store.InitiativeEvidence(ctx, in.ID); err != nil {
			s.serverError(c, err)
			return p, false
		}
	}
	if p.Limits, err = s.store.EvidenceLimits(ctx); err != nil {
		s.serverError(c, err)
		return p, false
	}
	return p, true
}

func (s *Server) renderInitiative(c *gin.Context, v *view, status int, p initiativePage) {
	v.Title = p.Initiative.Title(v.Lang)
	v.Data = p
	s.render(c, status, "initiative", v)
}

// bindInitiativeForm reads the initiative form: partners come as parallel
// lists of types and names, services as checked ids.
func bindInitiativeForm(c *gin.Context) survey.InitiativeInput {
	in := survey.InitiativeInput{
		TitleAr: c.PostForm("title_ar"), TitleEn: c.PostForm("title_en"), SummaryAr: c.PostForm("summary_ar"),
		SummaryEn: c.PostForm("summary_en"), Status: c.PostForm("status"), StartMonth: c.PostForm("start_month"),
		EndMonth: c.PostForm("end_month"), BudgetBand: c.PostForm("budget_band"), OutcomeAr: c.PostForm("outcome_ar"),
		OutcomeEn: c.PostForm("outcome_en"), Story: c.PostForm("story") == "1", StoryAr: c.PostForm("story_ar"),
		StoryEn: c.PostForm("story_en"), FigureLabelAr: c.PostForm("figure_label_ar"), FigureLabelEn: c.PostForm("figure_label_en"),
		FigureBefore: c.PostForm("figure_before"), FigureAfter: c.PostForm("figure_after"),
	}
	types, names, namesEn := c.PostFormArray("partner_type"), c.PostFormArray("partner_name"), c.PostFormArray("partner_name_en")
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	// The form has at most MaxPartners rows; more is refused by the domain.
	for i := range min(max(len(types), len(names), len(namesEn)), survey.MaxPartners+1) {
		in.Partners = append(in.Partners, survey.Partner{Type: at(types, i), Name: at(names, i), NameEn: at(namesEn, i)})
	}
	for _, raw := range c.PostFormArray("services") {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
			in.ServiceIDs = append(in.ServiceIDs, id)
		}
	}
	in.Version, _ = strconv.ParseInt(c.PostForm("version"), 10, 64)
	return in
}

func initiativeInputOf(in survey.Initiative) survey.InitiativeInput {
	num := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	}
	return survey.InitiativeInput{
		InstitutionCode: in.InstitutionCode, TitleAr: in.TitleAr, TitleEn: in.TitleEn, SummaryAr: in.SummaryAr,
		SummaryEn: in.SummaryEn, Status: in.Status, StartMonth: in.StartMonth, EndMonth: in.EndMonth,
		BudgetBand: in.BudgetBand, OutcomeAr: in.OutcomeAr, OutcomeEn: in.OutcomeEn, Partners: in.Partners,
		ServiceIDs: in.ServiceIDs, Story: in.Story, StoryAr: in.StoryAr, StoryEn: in.StoryEn,
		FigureLabelAr: in.FigureLabelAr, FigureLabelEn: in.FigureLabelEn, FigureBefore: num(in.FigureBefore),
		FigureAfter: num(in.FigureAfter), Version: in.Version,
	}
}

func initiativeForm(in survey.InitiativeInput) *form {
	f := &form{Values: map[string]string{
		"title_ar": in.TitleAr, "title_en": in.TitleEn, "summary_ar": in.SummaryAr, "summary_en": in.SummaryEn,
		"status": in.Status, "start_month": in.StartMonth, "end_month": in.EndMonth, "budget_band": in.BudgetBand,
		"outcome_ar": in.OutcomeAr, "outcome_en": in.OutcomeEn, "story_ar": in.StoryAr, "story_en": in.StoryEn,
		"figure_label_ar": in.FigureLabelAr, "figure_label_en": in.FigureLabelEn, "figure_before": in.FigureBefore,
		"figure_after": in.FigureAfter, "version": strconv.FormatInt(in.Version, 10),
	}, Multi: map[string][]string{}}
	if in.Story {
		f.Multi["story"] = []string{"1"}
	}
	for _, id := range in.ServiceIDs {
		f.Multi["services"] = append(f.Multi["services"], strconv.FormatInt(id, 10))
	}
	return f
}

type initiativeFormPage struct {
	Institution survey.Institution
	ID          int64 // 0 for a new initiative
	Partners    []survey.Partner
	Services    []survey.Service
	StoryStatus string
	ReviewNote  string
	Conflict    *survey.Initiative
}

// renderInitiativeForm shows the form with the typed input: partner rows
// (what was typed plus empty ones) and the institution's services.
func (s *Server) renderInitiativeForm(c *gin.Context, v *view, status int, code string, in survey.InitiativeInput, p initiativeFormPage) {
	ctx := c.Request.Context()
	inst, err := s.store.Institution(ctx, code)
	if err != nil {
		s.failErr(c, err)
		return
	}
	services, err := s.store.InstitutionServices(ctx, inst.Code)
	if err != nil {
		s.serverError(c, err)
		return
	}
	p.Institution = inst
	for _, sv := range services {
		if sv.Status != survey.ServiceRetired || slices.Contains(in.ServiceIDs, sv.ID) {
			p.Services = append(p.Services, sv)
		}
	}
	for _, pt := range in.Partners {
		if pt.Name != "" || pt.NameEn != "" || pt.Type != "" {
			p.Partners = append(p.Partners, pt)
		}
	}
	// Two empty rows to add partners (three rows at least), up to the most
	// an initiative may list.
	for rows := min(survey.MaxPartners, max(3, len(p.Partners)+2)); len(p.Partners) < rows; {
		p.Partners = append(p.Partners, survey.Partner{})
	}
	v.Data = p
	s.render(c, status, "initiative_form", v)
}

func (s *Server) newInitiative(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	if !s.canEdit(c, code) {
		return
	}
	v := s.newView(c, "initiative.new_title")
	in := survey.InitiativeInput{Status: "in_progress", BudgetBand: "unknown"}
	v.Form = initiativeForm(in)
	s.renderInitiativeForm(c, v, http.StatusOK, code, in, initiativeFormPage{})
}

func (s *Server) createInitiative(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	if !s.canEdit(c, code) {
		return
	}
	in := bindInitiativeForm(c)
	in.InstitutionCode = code
	out, err := s.store.CreateInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), in)
	if s.initiativeFormError(c, err, code, in, 0) {
		return
	}
	seeOther(c, initiativePath(out.ID)+"?done=created")
}

func (s *Server) editInitiative(c *gin.Context) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	v := s.newView(c, "initiative.edit_title")
	input := initiativeInputOf(in)
	v.Form = initiativeForm(input)
	s.renderInitiativeForm(c, v, http.StatusOK, in.InstitutionCode, input,
		initiativeFormPage{ID: in.ID, StoryStatus: in.StoryStatus, ReviewNote: in.ReviewNote})
}

func (s *Server) updateInitiative(c *gin.Context) {
	before, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	in := bindInitiativeForm(c)
	in.InstitutionCode = before.InstitutionCode
	_, err := s.store.UpdateInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), before.ID, in)
	if s.initiativeFormError(c, err, before.InstitutionCode, in, before.ID) {
		return
	}
	seeOther(c, initiativePath(before.ID)+"?done=updated")
}

// initiativeFormError shows the form again after a failed save: the field
// errors with what was typed, or the other person's newer version beside
// the typed values (a second save then overwrites it knowingly).
func (s *Server) initiativeFormError(c *gin.Context, err error, code string, in survey.InitiativeInput, id int64) bool {
	if err == nil {
		return false
	}
	title := "initiative.new_title"
	if id != 0 {
		title = "initiative.edit_title"
	}
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		v := s.newView(c, title)
		v.Form = initiativeForm(in)
		v.Form.Errors = v.loc.fieldMessages(ve)
		s.renderInitiativeForm(c, v, http.StatusUnprocessableEntity, code, in, initiativeFormPage{ID: id})
	case errors.Is(err, survey.ErrConflict):
		latest, lerr := s.store.Initiative(c.Request.Context(), id)
		if lerr != nil {
			s.serverError(c, lerr)
			return true
		}
		v := s.newView(c, title)
		in.Version = latest.Version
		v.Form = initiativeForm(in)
		v.Form.Errors = map[string]string{"version": v.T("err.conflict")}
		s.renderInitiativeForm(c, v, http.StatusConflict, code, in, initiativeFormPage{ID: id, Conflict: &latest})
	default:
		s.failErr(c, err)
	}
	return true
}

func (s *Server) archiveInitiative(c *gin.Context) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	if err := s.store.ArchiveInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.ID); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, pathInitiatives+"?done=archived")
}

// restoreInitiative brings an archived initiative back, for the one who
// archived it by mistake.
func (s *Server) restoreInitiative(c *gin.Context) {
	in, ok := s.initiativeByParam(c, true)
	if !ok {
		return
	}
	if err := s.store.RestoreInitiative(c.Request.Context(), survey.ActorOf(*currentUser(c)), in.ID); err != nil {
		s.failErr(c, err)
		return
	}
	seeOther(c, initiativePath(in.ID)+"?done=restored")
}

type storiesReviewPage struct {
	Pending []survey.Initiative
	Decided []survey.Initiative
	Notice  string
	// Files are the pending stories' evidence files, by initiative.
	Files map[int64][]survey.EvidenceLink
}

// showStoryReview is the coordinator's queue of success stories waiting
// for approval, with the latest decisions.
func (s *Server) showStoryReview(c *gin.Context) {
	ctx := c.Request.Context()
	pending, err := s.store.ListInitiatives(ctx, survey.InitiativeFilter{StoryStatus: survey.StoryPending})
	if err != nil {
		s.serverError(c, err)
		return
	}
	p := storiesReviewPage{Pending: pending, Notice: initiativeNotice(c), Files: map[int64][]survey.EvidenceLink{}}
	for _, in := range pending {
		if p.Files[in.ID], err = s.store.InitiativeEvidence(ctx, in.ID); err != nil {
			s.serverError(c, err)
			return
		}
	}
	for _, st := range []string{survey.StoryApproved, survey.StoryRejected} {
		list, err := s.store.ListInitiatives(ctx, survey.InitiativeFilter{StoryStatus: st})
		if err != nil {
			s.serverError(c, err)
			return
		}
		p.Decided = append(p.Decided, list...)
	}
	v := s.newView(c, "stories.review_title")
	v.Data = p
	s.render(c, http.StatusOK, "stories_review", v)
}

// reviewStory approves or rejects a story (a note is required to reject).
func (s *Server) reviewStory(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	approve := c.PostForm("decision") == "approve"
	version, _ := strconv.ParseInt(c.PostForm("version"), 10, 64)
	err = s.store.ReviewStory(c.Request.Context(), survey.ActorOf(*currentUser(c)), id, version, approve, c.PostForm("review_note"))
	var ve *survey.ValidationError
	switch {
	case errors.As(err, &ve):
		s.fail(c, http.StatusUnprocessableEntity, "err.story_note_required")
		return
	case errors.Is(err, survey.ErrConflict):
		s.fail(c, http.StatusConflict, "err.story_changed")
		return
	case errors.Is(err, survey.ErrInvalidTransition):
		s.fail(c, http.StatusConflict, "err.story_decided")
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	done := "rejected"
	if approve {
		done = "approved"
	}
	seeOther(c, pathAdminStories+"?done="+done)
}

type storiesPage struct {
	List        []survey.Initiative
	Total       int
	Page, Pages int // 1-based
}

// PageLink is the list's URL for page n.
func (p storiesPage) PageLink(n int) string { return "?page=" + strconv.Itoa(n) }

// storiesPerPage is how many stories a page of the public list shows.
const storiesPerPage = 12

// showStories is the public list of approved success stories, newest
// first, a page at a time (?page=N).
func (s *Server) showStories(c *gin.Context) {
	list, err := s.store.PublicStories(c.Request.Context(), 0)
	if err != nil {
		s.serverError(c, err)
		return
	}
	p := storiesPage{Total: len(list), Pages: max(1, (len(list)+storiesPerPage-1)/storiesPerPage)}
	p.Page, _ = strconv.Atoi(c.Query("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	p.List = list[(p.Page-1)*storiesPerPage : min(len(list), p.Page*storiesPerPage)]
	v := s.newView(c, "stories.title")
	v.Data = p
	s.render(c, http.StatusOK, "stories", v)
}

// storyPage is a public success story and its files.
type storyPage struct {
	survey.Initiative
	Files []survey.EvidenceLink
}

// storyPublic says whether the initiative is a success story anyone may
// read, and download the files of: approved, not archived, its
// institution active.
func (s *Server) storyPublic(c *gin.Context, in survey.Initiative) bool {
	if !in.Story || in.StoryStatus != survey.StoryApproved || in.Archived {
		return false
	}
	inst, err := s.store.Institution(c.Request.Context(), in.InstitutionCode)
	return err == nil && inst.Active
}

// showStory is one approved success story with its files; anything else
// is not found.
func (s *Server) showStory(c *gin.Context) {
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
	files, err := s.store.InitiativeEvidence(c.Request.Context(), in.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	v := s.newView(c, "")
	v.Title = in.Title(v.Lang)
	v.Data = storyPage{Initiative: in, Files: files}
	s.render(c, http.StatusOK, "story", v)
}
