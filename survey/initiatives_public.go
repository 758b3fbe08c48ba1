package survey

import "time"

// The public registry of initiatives (issue 19, §1): what the coordinator
// marks public is readable by anyone, so that companies, universities and
// donors can see where to partner. A visitor reads a PublicInitiative,
// never an Initiative: it is built field by field from what helps a partner,
// so that a field added to Initiative later (a review note, a file) cannot
// reach the public by accident.

// PublicInitiative is an initiative as the public registry shows it.
type PublicInitiative struct {
	ID              int64     `json:"id"`
	InstitutionCode string    `json:"institution"`
	InstitutionAr   string    `json:"institution_name_ar"`
	InstitutionEn   string    `json:"institution_name_en"`
	Sector          string    `json:"sector"`
	Region          string    `json:"region"`
	InstitutionKind string    `json:"institution_kind"`
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
	// SuccessStory: it is also an approved success story, readable at
	// /{lang}/stories/{id}.
	SuccessStory bool      `json:"success_story"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// PublicStory is an approved success story as anyone reads it: the
// initiative's public fields and the story's narrative and figures.
type PublicStory struct {
	PublicInitiative
	StoryAr       string   `json:"story_ar"`
	StoryEn       string   `json:"story_en"`
	FigureLabelAr string   `json:"figure_label_ar"`
	FigureLabelEn string   `json:"figure_label_en"`
	FigureBefore  *float64 `json:"figure_before"`
	FigureAfter   *float64 `json:"figure_after"`
}

// InPublicRegistry says whether anyone may read the initiative in the
// public registry: the coordinator marked it public and it is not archived.
// (The store lists only those of active institutions; a page asking by id
// checks the institution too.)
func (in Initiative) InPublicRegistry() bool { return in.Public && !in.Archived }

// PublicView is the initiative as the public registry shows it.
func (in Initiative) PublicView() PublicInitiative {
	partners := in.Partners
	if partners == nil {
		partners = []Partner{}
	}
	return PublicInitiative{ID: in.ID, InstitutionCode: in.InstitutionCode, InstitutionAr: in.InstitutionAr,
		InstitutionEn: in.InstitutionEn, Sector: in.Sector, Region: in.Region, InstitutionKind: in.InstitutionKind,
		TitleAr: in.TitleAr, TitleEn: in.TitleEn, SummaryAr: in.SummaryAr, SummaryEn: in.SummaryEn, Status: in.Status,
		StartMonth: in.StartMonth, EndMonth: in.EndMonth, BudgetBand: in.BudgetBand, OutcomeAr: in.OutcomeAr,
		OutcomeEn: in.OutcomeEn, Partners: partners, SuccessStory: in.Story && in.StoryStatus == StoryApproved,
		UpdatedAt: in.UpdatedAt}
}

// PublicStoryView is an approved success story as anyone reads it.
func (in Initiative) PublicStoryView() PublicStory {
	return PublicStory{PublicInitiative: in.PublicView(), StoryAr: in.StoryAr, StoryEn: in.StoryEn,
		FigureLabelAr: in.FigureLabelAr, FigureLabelEn: in.FigureLabelEn, FigureBefore: in.FigureBefore,
		FigureAfter: in.FigureAfter}
}

// Title is the initiative's title in lang, falling back to Arabic.
func (in PublicInitiative) Title(lang string) string { return pickLang(lang, in.TitleAr, in.TitleEn) }

// Summary is the initiative's summary in lang, falling back to Arabic.
func (in PublicInitiative) Summary(lang string) string {
	return pickLang(lang, in.SummaryAr, in.SummaryEn)
}

// Outcome is the initiative's outcome in lang, falling back to Arabic.
func (in PublicInitiative) Outcome(lang string) string {
	return pickLang(lang, in.OutcomeAr, in.OutcomeEn)
}

// InstitutionName is the owning institution's name in lang.
func (in PublicInitiative) InstitutionName(lang string) string {
	return pickLang(lang, in.InstitutionAr, in.InstitutionEn)
}

// LooksForPartners says whether the initiative is still under way
// (planned or in progress): where a partner can still join. The model
// has no explicit "looking for partners" mark; the registry reads the
// status instead.
func (in PublicInitiative) LooksForPartners() bool { return in.Status != "done" }
