package survey

import (
	"strings"
	"time"
)

// Plan progress as the institution reports it, and plan outcomes as the
// next round shows them.
var PlanProgress = []string{"planned", "in_progress", "done"}

const (
	OutcomePlanned    = "planned"
	OutcomeInProgress = "in_progress"
	OutcomeDone       = "done"
	OutcomeSlipped    = "slipped"
)

// PlanOutcomes are the outcomes in the order charts show them.
var PlanOutcomes = []string{OutcomeDone, OutcomeInProgress, OutcomePlanned, OutcomeSlipped}

// PlanAction is one commitment of an institution's action plan: an
// improvement action of its scorecard (or free text), an owner and the
// round by which it should be done.
type PlanAction struct {
	ID              int64     `json:"id"`
	InstitutionCode string    `json:"institution"`
	InstitutionAr   string    `json:"-"`
	InstitutionEn   string    `json:"-"`
	Sector          string    `json:"-"`
	Region          string    `json:"-"`
	InstitutionKind string    `json:"-"`
	RoundID         int64     `json:"round_id"`
	RoundName       string    `json:"round"`
	ItemID          string    `json:"item,omitempty"`
	TextAr          string    `json:"text_ar"`
	TextEn          string    `json:"text_en"`
	Owner           string    `json:"owner"`
	TargetRound     string    `json:"target_round"`
	Progress        string    `json:"progress"`
	ProgressNote    string    `json:"progress_note"`
	ScoreAtPlan     *float64  `json:"score_at_plan,omitempty"`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// Filled by PlanActions: the item's latest score since the plan, and
	// the outcome (done, in progress, planned or slipped).
	NewScore *float64 `json:"new_score,omitempty"`
	Outcome  string   `json:"outcome"`
}

// Text is the action's own text in lang, falling back to Arabic.
func (p PlanAction) Text(lang string) string { return pickLang(lang, p.TextAr, p.TextEn) }

// InstitutionName is the institution's name in lang.
func (p PlanAction) InstitutionName(lang string) string {
	return pickLang(lang, p.InstitutionAr, p.InstitutionEn)
}

// PlanInput is what the plan form or the API gives.
type PlanInput struct {
	ItemID       string `json:"item"`
	TextAr       string `json:"text_ar"`
	TextEn       string `json:"text_en"`
	Owner        string `json:"owner"`
	TargetRound  string `json:"target_round"`
	Progress     string `json:"progress"`
	ProgressNote string `json:"progress_note"`
	Version      int64  `json:"version"`
}

func CheckPlan(in PlanInput) (PlanAction, error) {
	fe := FieldErrors{}
	p := PlanAction{ItemID: CleanText(in.ItemID), TextAr: NormalizeNewlines(in.TextAr), TextEn: NormalizeNewlines(in.TextEn),
		Owner: CleanText(in.Owner), TargetRound: CleanText(NormalizeDigits(in.TargetRound)),
		Progress: strings.ToLower(CleanText(in.Progress)), ProgressNote: NormalizeNewlines(in.ProgressNote)}
	if p.ItemID == "" && p.TextAr == "" {
		fe.Add("text_ar", "err.required")
	}
	CheckText(fe, "item", p.ItemID, false, 80)
	for _, t := range []struct{ field, v string }{{"text_ar", p.TextAr}, {"text_en", p.TextEn}} {
		switch {
		case BadText(t.v, true):
			fe.Add(t.field, "err.bad_characters")
		case len([]rune(t.v)) > 1000:
			fe.Add(t.field, "err.too_long")
		}
	}
	CheckText(fe, "owner", p.Owner, true, 200)
	CheckText(fe, "target_round", p.TargetRound, true, 40)
	if p.Progress == "" {
		p.Progress = "planned"
	}
	if !contains(PlanProgress, p.Progress) {
		fe.Add("progress", "err.choose_one")
	}
	CheckLongText(fe, "progress_note", p.ProgressNote)
	return p, fe.Err()
}

// PlanFilter narrows the plans listed: a round's plans (the round they
// answer), one institution's, or those due by a round (by its name).
type PlanFilter struct {
	RoundID     int64
	Institution string
	TargetRound string
	// Seen says which rounds' scores the reader may see. An outcome is
	// derived from item scores ("done" when one rose), so it counts only
	// those of rounds seen — else it would tell a score the reader may not
	// see — and ScoreAtPlan is left out when its round is not seen. nil
	// means what anyone may see: published rounds marked public.
	Seen func(Round) bool
}

// PlanOutcome says where an action stands: done when the institution says
// so or the item's score rose since the plan; slipped when the target round
// is over (closed or published) without that; in progress when the
// institution says so; planned otherwise. target is nil while the target
// round does not exist yet.
func PlanOutcome(p PlanAction, target *Round) string {
	rose := p.ScoreAtPlan != nil && p.NewScore != nil && *p.NewScore > *p.ScoreAtPlan+1e-9
	switch {
	case p.Progress == "done" || rose:
		return OutcomeDone
	case target != nil && (target.Status == RoundClosed || target.Status == RoundPublished):
		return OutcomeSlipped
	case p.Progress == "in_progress":
		return OutcomeInProgress
	}
	return OutcomePlanned
}
