package survey

import (
	"strings"
	"time"
)

// Initiative statuses, budget bands (US dollars) and partner types.
var (
	InitiativeStatuses = []string{"planned", "in_progress", "done"}
	BudgetBands        = []string{"unknown", "lt_100k", "100k_500k", "500k_2m", "gt_2m"}
	PartnerTypes       = []string{"private", "university", "donor", "ngo", "public"}
)

// Story states: none (not a story), pending (waiting for the coordinator),
// approved (public), rejected (sent back with a note).
const (
	StoryNone     = "none"
	StoryPending  = "pending"
	StoryApproved = "approved"
	StoryRejected = "rejected"
)

// MaxPartners is how many partners one initiative lists.
const MaxPartners = 8

// Partner is an organisation an initiative works with. Name is the Arabic
// name (or the only one, as typed); NameEn the English one, optional.
type Partner struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
}

// Label is the partner's name in lang, falling back to Name.
func (p Partner) Label(lang string) string { return pickLang(lang, p.Name, p.NameEn) }

// Initiative is one of an institution's digital initiatives; a success
// story when Story is set.
type Initiative struct {
	ID              int64     `json:"id"`
	InstitutionCode string    `json:"institution"`
	InstitutionAr   string    `json:"-"`
	InstitutionEn   string    `json:"-"`
	Sector          string    `json:"-"`
	Region          string    `json:"-"`
	InstitutionKind string    `json:"-"`
	TitleAr         string    `json:"title_ar"`
	TitleEn         string    `json:"title_en"`
	SummaryAr       string    `json:"summary_ar"`
	SummaryEn       string    `json:"summary_en"`
	Status          string    `json:"status"`
	StartMonth      string    `json:"start_month"`
	EndMonth        string    `json:"end_month"`
	BudgetBand      string    `json:"budget_band"`
	OutcomeAr       string    `json:"outcome_ar"`
	OutcomeEn       string    `json:"outcome_en"`
	Partners        []Partner `json:"partners"`
	ServiceIDs      []int64   `json:"services"`
	Story           bool      `json:"success_story"`
	StoryStatus     string    `json:"story_status"`
	StoryAr         string    `json:"story_ar"`
	StoryEn         string    `json:"story_en"`
	FigureLabelAr   string    `json:"figure_label_ar"`
	FigureLabelEn   string    `json:"figure_label_en"`
	FigureBefore    *float64  `json:"figure_before"`
	FigureAfter     *float64  `json:"figure_after"`
	ReviewNote      string    `json:"review_note"`
	// Public: the coordinator put it in the public registry, which anyone
	// may read (PublicInitiative; docs/opendata.md).
	Public    bool      `json:"public"`
	Archived  bool      `json:"archived"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Title is the initiative's title in lang, falling back to Arabic.
func (in Initiative) Title(lang string) string { return pickLang(lang, in.TitleAr, in.TitleEn) }

// Summary is the initiative's summary in lang, falling back to Arabic.
func (in Initiative) Summary(lang string) string { return pickLang(lang, in.SummaryAr, in.SummaryEn) }

// Outcome is the initiative's outcome in lang, falling back to Arabic.
func (in Initiative) Outcome(lang string) string { return pickLang(lang, in.OutcomeAr, in.OutcomeEn) }

// StoryText is the story's narrative in lang, falling back to Arabic.
func (in Initiative) StoryText(lang string) string { return pickLang(lang, in.StoryAr, in.StoryEn) }

// FigureLabel is what the before/after figures count, in lang.
func (in Initiative) FigureLabel(lang string) string {
	return pickLang(lang, in.FigureLabelAr, in.FigureLabelEn)
}

// InstitutionName is the owning institution's name in lang.
func (in Initiative) InstitutionName(lang string) string {
	return pickLang(lang, in.InstitutionAr, in.InstitutionEn)
}

// HasPartner says whether a partner of type t takes part.
func (in Initiative) HasPartner(t string) bool {
	for _, p := range in.Partners {
		if p.Type == t {
			return true
		}
	}
	return false
}

func pickLang(lang, ar, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ar
}

// InitiativeInput is what a form or an API call gives: text as typed
// (numbers may use Arabic-Indic digits).
type InitiativeInput struct {
	InstitutionCode string    `json:"institution"`
	TitleAr         string    `json:"title_ar"`
	TitleEn         string    `json:"title_en"`
	SummaryAr       string    `json:"summary_ar"`
	SummaryEn       string    `json:"summary_en"`
	Status          string    `json:"status"`
	StartMonth      string    `json:"start_month"`
	EndMonth        string    `json:"end_month"`
	BudgetBand      string    `json:"budget_band"`
	OutcomeAr       string    `json:"outcome_ar"`
	OutcomeEn       string    `json:"outcome_en"`
	Partners        []Partner `json:"partners"`
	ServiceIDs      []int64   `json:"services"`
	Story           bool      `json:"success_story"`
	StoryAr         string    `json:"story_ar"`
	StoryEn         string    `json:"story_en"`
	FigureLabelAr   string    `json:"figure_label_ar"`
	FigureLabelEn   string    `json:"figure_label_en"`
	FigureBefore    string    `json:"figure_before"`
	FigureAfter     string    `json:"figure_after"`
	// Public is the coordinator's mark for the public registry; nil keeps
	// it as it is. Only the coordinator may change it: anyone else asking
	// for a value other than the current one is refused (ErrForbidden), so
	// that an editor may send back what a read returned.
	Public *bool `json:"public,omitempty"`
	// Version is the version the editor started from; an older one is
	// refused (someone else saved in between). 0 skips the check on create.
	Version int64 `json:"version"`
}

// checkInitiative normalises in into an Initiative, collecting every field
// problem as a message key.
func CheckInitiative(in InitiativeInput) (Initiative, error) {
	fe := FieldErrors{}
	out := Initiative{
		InstitutionCode: strings.ToUpper(CleanText(in.InstitutionCode)),
		TitleAr:         CleanText(in.TitleAr),
		TitleEn:         CleanText(in.TitleEn),
		SummaryAr:       NormalizeNewlines(in.SummaryAr),
		SummaryEn:       NormalizeNewlines(in.SummaryEn),
		Status:          strings.ToLower(CleanText(in.Status)),
		StartMonth:      CleanText(NormalizeDigits(in.StartMonth)),
		EndMonth:        CleanText(NormalizeDigits(in.EndMonth)),
		BudgetBand:      strings.ToLower(CleanText(in.BudgetBand)),
		OutcomeAr:       NormalizeNewlines(in.OutcomeAr),
		OutcomeEn:       NormalizeNewlines(in.OutcomeEn),
		Story:           in.Story,
		StoryAr:         NormalizeNewlines(in.StoryAr),
		StoryEn:         NormalizeNewlines(in.StoryEn),
		FigureLabelAr:   CleanText(in.FigureLabelAr),
		FigureLabelEn:   CleanText(in.FigureLabelEn),
	}
	CheckText(fe, "title_ar", out.TitleAr, true, 200)
	if _, bad := fe["title_ar"]; !bad && !HasArabicLetter(out.TitleAr) {
		fe.Add("title_ar", "err.need_arabic")
	}
	CheckText(fe, "title_en", out.TitleEn, false, 200)
	CheckLongText(fe, "summary_ar", out.SummaryAr)
	CheckLongText(fe, "summary_en", out.SummaryEn)
	CheckLongText(fe, "outcome_ar", out.OutcomeAr)
	CheckLongText(fe, "outcome_en", out.OutcomeEn)
	if !contains(InitiativeStatuses, out.Status) {
		fe.Add("status", "err.choose_one")
	}
	if out.BudgetBand == "" {
		out.BudgetBand = "unknown"
	}
	if !contains(BudgetBands, out.BudgetBand) {
		fe.Add("budget_band", "err.choose_one")
	}
	for _, m := range []struct{ field, v string }{{"start_month", out.StartMonth}, {"end_month", out.EndMonth}} {
		if m.v == "" {
			continue
		}
		if _, err := time.Parse("2006-01", m.v); err != nil {
			fe.Add(m.field, "err.month")
		}
	}
	if out.StartMonth != "" && out.EndMonth != "" && out.EndMonth < out.StartMonth {
		fe.Add("end_month", "err.end_before_start")
	}
	for _, p := range in.Partners {
		p = Partner{Type: strings.ToLower(CleanText(p.Type)), Name: CleanText(p.Name), NameEn: CleanText(p.NameEn)}
		if p.Name == "" && p.NameEn == "" && p.Type == "" {
			continue // an unused row of the form
		}
		if p.Name == "" { // an English name alone is the name
			p.Name, p.NameEn = p.NameEn, ""
		}
		switch {
		case !contains(PartnerTypes, p.Type):
			fe.Add("partners", "err.partner_type")
		case p.Name == "":
			fe.Add("partners", "err.partner_name")
		case BadText(p.Name, false) || len([]rune(p.Name)) > 200, BadText(p.NameEn, false) || len([]rune(p.NameEn)) > 200:
			fe.Add("partners", "err.partner_name")
		}
		out.Partners = append(out.Partners, p)
	}
	if len(out.Partners) > MaxPartners {
		fe.Add("partners", "err.too_many")
	}
	seen := map[int64]bool{}
	for _, id := range in.ServiceIDs {
		if id > 0 && !seen[id] {
			seen[id] = true
			out.ServiceIDs = append(out.ServiceIDs, id)
		}
	}
	if len(out.ServiceIDs) > 200 {
		fe.Add("services", "err.too_many")
	}
	var ok bool
	var before, after float64
	if before, ok = parseNumber(in.FigureBefore, 0, 1e12); !ok {
		fe.Add("figure_before", "err.number_nonnegative")
	} else if CleanText(in.FigureBefore) != "" {
		out.FigureBefore = &before
	}
	if after, ok = parseNumber(in.FigureAfter, 0, 1e12); !ok {
		fe.Add("figure_after", "err.number_nonnegative")
	} else if CleanText(in.FigureAfter) != "" {
		out.FigureAfter = &after
	}
	CheckText(fe, "figure_label_ar", out.FigureLabelAr, false, 200)
	CheckText(fe, "figure_label_en", out.FigureLabelEn, false, 200)
	if out.Story {
		// A story tells what changed: a narrative, and what was counted.
		if out.StoryAr == "" {
			fe.Add("story_ar", "err.required")
		}
		if out.Status == "planned" {
			fe.Add("status", "err.story_planned")
		}
		if (out.FigureBefore != nil || out.FigureAfter != nil) && out.FigureLabelAr == "" {
			fe.Add("figure_label_ar", "err.figure_label")
		}
	}
	CheckLongText(fe, "story_ar", out.StoryAr)
	CheckLongText(fe, "story_en", out.StoryEn)
	return out, fe.Err()
}

// InitiativeFilter narrows a list of initiatives; empty fields match all.
type InitiativeFilter struct {
	Institution string
	Status      string
	Sector      string
	Region      string
	PartnerType string
	StoryStatus string // "" any, or one story state
	Archived    bool   // list archived ones instead
	ActiveOnly  bool   // only institutions that are active
	PublicOnly  bool   // only those the coordinator made public
}
