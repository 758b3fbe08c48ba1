package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"marsad/data"
	"marsad/survey"
)

// The formats of the files in data/demo (see data/demo/README.md). Each is
// decoded strictly: an unknown field is a mistake, not something to ignore.

// account is one entry of accounts.json.
type account struct {
	Email       string `json:"email"`
	Role        string `json:"role"`
	Institution string `json:"institution"`
	Name        string `json:"name"`
	// FocalPoint and Signoff mark a respondent (survey/teams.go).
	FocalPoint bool `json:"focal_point"`
	Signoff    bool `json:"signoff"`
}

// roundsFile is rounds.json: the demo rounds and how answers are made up.
type roundsFile struct {
	Seed     [2]uint64    `json:"seed"` // of the PCG generator every draw comes from
	Maturity maturityRule `json:"maturity"`
	Answers  answerRule   `json:"answers"`
	Rounds   []roundSpec  `json:"rounds"`
}

// maturityRule gives each institution a fictional maturity in [0, 1],
// stable for its code: base + spread × (a hash of the code), times the
// first factor that applies to it, clamped to [Min, Max] after a round's
// shift.
type maturityRule struct {
	Base    float64  `json:"base"`
	Spread  float64  `json:"spread"`
	Factors []factor `json:"factors"`
	Min     float64  `json:"min"`
	Max     float64  `json:"max"`
}

// factor scales the maturity of the institutions of a region or a kind.
type factor struct {
	Region string  `json:"region"`
	Kind   string  `json:"kind"`
	Factor float64 `json:"factor"`
}

// answerRule says how answers follow maturity.
type answerRule struct {
	LevelJitter   float64 `json:"level_jitter"`   // spread of a choice's level around maturity, in levels
	PercentJitter float64 `json:"percent_jitter"` // spread of a percentage around maturity, in points
	NotApplicable struct {
		Kind    string `json:"kind"`   // institutions of this kind answer "not applicable"…
		OneIn   int    `json:"one_in"` // …to one in this many items that allow it
		Comment string `json:"comment"`
	} `json:"not_applicable"`
	EvidenceURL string `json:"evidence_url"` // with {institution} and {item}
}

// Response statuses of the demo beyond the store's: partial is a draft with
// the first half of the questionnaire answered; absent is no response.
const (
	statusPartial = "partial"
	statusAbsent  = "absent"
)

// demoStatuses are the statuses a round spec may give a response.
var demoStatuses = []string{survey.ResponseSubmitted, survey.ResponseAccepted, survey.ResponseReturned, statusPartial, statusAbsent}

// roundSpec is one demo round.
type roundSpec struct {
	Name     string `json:"name"`
	Status   string `json:"status"`
	Public   bool   `json:"public"`
	Deadline string `json:"deadline"`
	// Model names an example model (data/models) the round uses instead of
	// the demo's questionnaire: a round whose figures are not comparable
	// with the others' (survey/comparable.go).
	Model         string  `json:"model"`
	MaturityShift float64 `json:"maturity_shift"` // added to every institution's maturity that round
	// Responses is every institution's status, or empty for Draw.
	Responses string `json:"responses"`
	// Absent leaves out the institutions at positions Offset, Offset+Every…
	// of the code-ordered list.
	Absent *struct {
		Every  int `json:"every"`
		Offset int `json:"offset"`
	} `json:"absent"`
	// Fixed statuses of some institutions, by code (the walkthrough's).
	Fixed map[string]string `json:"fixed"`
	// Draw picks the other institutions' statuses at random, by weight.
	Draw []struct {
		Status string `json:"status"`
		Weight int    `json:"weight"`
	} `json:"draw"`
	// CiteObstacles are institutions whose response cites obstacles though
	// not scored in a closed round (every scored response of a closed or
	// published round does).
	CiteObstacles []string `json:"cite_obstacles"`

	OpenedAt    string `json:"opened_at"`
	SubmittedAt string `json:"submitted_at"`
	AcceptedAt  string `json:"accepted_at"`
	ClosedAt    string `json:"closed_at"`
	PublishedAt string `json:"published_at"`
	PlansAt     string `json:"plans_at"` // when plans after this round were written

	opened, submitted, accepted, closed, published, plans time.Time
}

// initiativesFile is initiatives.json.
type initiativesFile struct {
	Partners    []partnerSpec    `json:"partners"`
	Initiatives []initiativeSpec `json:"initiatives"`
}

// partnerSpec is a partner that initiatives name by key.
type partnerSpec struct {
	Key    string `json:"key"`
	Type   string `json:"type"`
	NameAr string `json:"name_ar"`
	NameEn string `json:"name_en"`
}

// initiativeSpec is one initiative; stories.json refers to it by key.
type initiativeSpec struct {
	Key         string `json:"key"`
	Institution string `json:"institution"`
	TitleAr     string `json:"title_ar"`
	TitleEn     string `json:"title_en"`
	SummaryAr   string `json:"summary_ar"`
	SummaryEn   string `json:"summary_en"`
	Status      string `json:"status"`
	StartMonth  string `json:"start_month"`
	EndMonth    string `json:"end_month"`
	BudgetBand  string `json:"budget_band"`
	// Public: the coordinator put it in the public registry.
	Public    bool     `json:"public"`
	OutcomeAr string   `json:"outcome_ar"`
	OutcomeEn string   `json:"outcome_en"`
	Partners  []string `json:"partners"` // keys of partners
	Services  []string `json:"services"` // codes of the institution's services
}

// storySpec is the success story of an initiative (stories.json).
type storySpec struct {
	Initiative    string   `json:"initiative"`
	Status        string   `json:"status"` // approved or pending
	StoryAr       string   `json:"story_ar"`
	StoryEn       string   `json:"story_en"`
	FigureLabelAr string   `json:"figure_label_ar"`
	FigureLabelEn string   `json:"figure_label_en"`
	FigureBefore  *float64 `json:"figure_before"`
	FigureAfter   *float64 `json:"figure_after"`
}

// plansFile is plans.json.
type plansFile struct {
	Owners map[string]string `json:"owners"` // key → the owner as plans name them
	// Texts are what an institution commits to for an improvement action
	// of the questionnaire's items.
	Texts []struct {
		Item   string `json:"item"`
		TextAr string `json:"text_ar"`
		TextEn string `json:"text_en"`
		Owner  string `json:"owner"` // key of owners
	} `json:"texts"`
	// Notes are progress notes by outcome, one picked by a stable roll.
	Notes map[string][]string `json:"progress_notes"`
	Plans []planSpec          `json:"plans"`
}

// planSpec is an institution's plan after a round: the outcome each action
// shows. Which improvement action each one answers is chosen at seeding
// (see seedPlans), so that the outcome the app computes is this one.
type planSpec struct {
	Institution string `json:"institution"`
	Round       string `json:"round"`
	Actions     []struct {
		Outcome     string `json:"outcome"`
		TargetRound string `json:"target_round"`
		Progress    string `json:"progress"` // as reported; the outcome when empty
	} `json:"actions"`
}

// decode reads one JSON value from b into v, strictly.
func decode(name string, b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("demo: %s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("demo: %s: data after the JSON value", name)
	}
	return nil
}

// problems collects what is wrong with a file, to report all at once.
type problems struct {
	file string
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return fmt.Errorf("demo: %s: %s", p.file, strings.Join(p.list, "; "))
}

// parseAccounts reads accounts.json; respondents must belong to one of
// institutions (codes).
func parseAccounts(b []byte, institutions map[string]bool) ([]survey.NewUser, error) {
	var list []account
	if err := decode("accounts.json", b, &list); err != nil {
		return nil, err
	}
	p := &problems{file: "accounts.json"}
	var out []survey.NewUser
	for _, a := range list {
		role := survey.Role(a.Role)
		switch {
		case a.Email == "":
			p.add("an account without an e-mail")
		case !survey.ValidRole(role):
			p.add("%s: unknown role %q", a.Email, a.Role)
		case (role == survey.RoleRespondent) != (a.Institution != ""):
			p.add("%s: a respondent, and only a respondent, names an institution", a.Email)
		case a.Institution != "" && !institutions[a.Institution]:
			p.add("%s: institution %s is not in the demo", a.Email, a.Institution)
		}
		if (a.FocalPoint || a.Signoff) && role != survey.RoleRespondent {
			p.add("%s: only a respondent is a focal point or signs off", a.Email)
		}
		out = append(out, survey.NewUser{Email: a.Email, Name: a.Name, Role: role, InstitutionCode: a.Institution,
			FocalPoint: a.FocalPoint, Signoff: a.Signoff})
	}
	return out, p.err()
}

// parseRounds reads rounds.json.
func parseRounds(b []byte) (roundsFile, error) {
	var f roundsFile
	if err := decode("rounds.json", b, &f); err != nil {
		return f, err
	}
	p := &problems{file: "rounds.json"}
	m := f.Maturity
	if m.Spread < 0 || m.Min < 0 || m.Min >= m.Max || m.Max > 1 {
		p.add("maturity: want spread ≥ 0 and 0 ≤ min < max ≤ 1")
	}
	for _, fc := range m.Factors {
		if (fc.Region == "") == (fc.Kind == "") || fc.Factor < 0 {
			p.add("maturity factor %+v: name a region or a kind, with a factor ≥ 0", fc)
		}
	}
	if f.Answers.NotApplicable.OneIn < 1 {
		p.add("answers.not_applicable.one_in must be at least 1")
	}
	if f.Answers.EvidenceURL == "" {
		p.add("answers.evidence_url is missing")
	}
	if len(f.Rounds) == 0 {
		p.add("no rounds")
	}
	names := map[string]bool{}
	for i := range f.Rounds {
		r := &f.Rounds[i]
		if r.Name == "" || names[r.Name] {
			p.add("round %d: a name, once", i+1)
		}
		names[r.Name] = true
		if !slices.Contains([]string{survey.RoundOpen, survey.RoundClosed, survey.RoundPublished}, r.Status) {
			p.add("round %s: unknown status %q", r.Name, r.Status)
		}
		if _, ok := data.Model(r.Model); r.Model != "" && !ok {
			p.add("round %s: unknown model %q (one of %v)", r.Name, r.Model, data.ModelNames)
		}
		if _, err := time.Parse(time.DateOnly, r.Deadline); r.Deadline != "" && err != nil {
			p.add("round %s: deadline %q is not YYYY-MM-DD", r.Name, r.Deadline)
		}
		for _, d := range []struct {
			field, v string
			want     bool
			t        *time.Time
		}{
			{"opened_at", r.OpenedAt, true, &r.opened},
			{"submitted_at", r.SubmittedAt, true, &r.submitted},
			{"accepted_at", r.AcceptedAt, true, &r.accepted},
			{"closed_at", r.ClosedAt, r.Status != survey.RoundOpen, &r.closed},
			{"published_at", r.PublishedAt, r.Status == survey.RoundPublished, &r.published},
			{"plans_at", r.PlansAt, r.PlansAt != "", &r.plans},
		} {
			if (d.v != "") != d.want {
				p.add("round %s: %s goes with status %s only", r.Name, d.field, r.Status)
				continue
			}
			if d.v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339, d.v)
			if err != nil {
				p.add("round %s: %s: %v", r.Name, d.field, err)
			}
			*d.t = t
		}
		if (r.Responses == "") == (len(r.Draw) == 0) {
			p.add("round %s: give either responses (one status for all) or draw", r.Name)
		}
		if r.Responses != "" && !slices.Contains(demoStatuses, r.Responses) {
			p.add("round %s: unknown response status %q", r.Name, r.Responses)
		}
		for _, w := range r.Draw {
			if !slices.Contains(demoStatuses, w.Status) || w.Weight < 1 {
				p.add("round %s: draw %q with weight %d", r.Name, w.Status, w.Weight)
			}
		}
		for code, s := range r.Fixed {
			if !slices.Contains(demoStatuses, s) {
				p.add("round %s: %s has unknown status %q", r.Name, code, s)
			}
		}
		if a := r.Absent; a != nil && (a.Every < 1 || a.Offset < 0 || a.Offset >= a.Every) {
			p.add("round %s: absent wants every ≥ 1 and 0 ≤ offset < every", r.Name)
		}
	}
	return f, p.err()
}

// parseInitiatives reads initiatives.json and stories.json into the form's
// input, each with its service codes and its story's state.
func parseInitiatives(ib, sb []byte) ([]initiative, error) {
	var f initiativesFile
	if err := decode("initiatives.json", ib, &f); err != nil {
		return nil, err
	}
	var stories []storySpec
	if err := decode("stories.json", sb, &stories); err != nil {
		return nil, err
	}
	p := &problems{file: "initiatives.json"}
	partners := map[string]survey.Partner{}
	for _, pt := range f.Partners {
		if _, dup := partners[pt.Key]; dup || pt.Key == "" {
			p.add("partner %q: a key, once", pt.Key)
		}
		if !slices.Contains(survey.PartnerTypes, pt.Type) || pt.NameAr == "" {
			p.add("partner %s: a type of %v and an Arabic name", pt.Key, survey.PartnerTypes)
		}
		partners[pt.Key] = survey.Partner{Type: pt.Type, Name: pt.NameAr, NameEn: pt.NameEn}
	}
	byKey := map[string]int{}
	var out []initiative
	for i, s := range f.Initiatives {
		if _, dup := byKey[s.Key]; dup || s.Key == "" {
			p.add("initiative %d: a key, once", i+1)
		}
		byKey[s.Key] = i
		if s.Institution == "" || s.TitleAr == "" || !slices.Contains(survey.InitiativeStatuses, s.Status) {
			p.add("initiative %s: an institution, an Arabic title and a status of %v", s.Key, survey.InitiativeStatuses)
		}
		if s.BudgetBand != "" && !slices.Contains(survey.BudgetBands, s.BudgetBand) {
			p.add("initiative %s: budget band %q is not one of %v", s.Key, s.BudgetBand, survey.BudgetBands)
		}
		in := survey.InitiativeInput{InstitutionCode: s.Institution, TitleAr: s.TitleAr, TitleEn: s.TitleEn,
			SummaryAr: s.SummaryAr, SummaryEn: s.SummaryEn, Status: s.Status, StartMonth: s.StartMonth, EndMonth: s.EndMonth,
			BudgetBand: s.BudgetBand, OutcomeAr: s.OutcomeAr, OutcomeEn: s.OutcomeEn}
		if s.Public {
			in.Public = &s.Public
		}
		for _, k := range s.Partners {
			pt, ok := partners[k]
			if !ok {
				p.add("initiative %s: no partner %q", s.Key, k)
			}
			in.Partners = append(in.Partners, pt)
		}
		out = append(out, initiative{in: in, services: s.Services})
	}
	ps := &problems{file: "stories.json"}
	for _, st := range stories {
		i, ok := byKey[st.Initiative]
		switch {
		case !ok:
			ps.add("no initiative %q", st.Initiative)
			continue
		case out[i].in.Story:
			ps.add("initiative %s has two stories", st.Initiative)
		case st.Status != survey.StoryApproved && st.Status != survey.StoryPending:
			ps.add("%s: status %q is neither %s nor %s", st.Initiative, st.Status, survey.StoryApproved, survey.StoryPending)
		case st.StoryAr == "":
			ps.add("%s: the story has no Arabic text", st.Initiative)
		}
		in := &out[i].in
		in.Story, in.StoryAr, in.StoryEn = true, st.StoryAr, st.StoryEn
		in.FigureLabelAr, in.FigureLabelEn = st.FigureLabelAr, st.FigureLabelEn
		in.FigureBefore, in.FigureAfter = figure(st.FigureBefore), figure(st.FigureAfter)
		out[i].story = st.Status
	}
	return out, errors.Join(p.err(), ps.err())
}

// figure is a story's figure as the form takes it: text, empty for none.
func figure(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// parsePlans reads plans.json; rounds are the demo rounds, def the
// questionnaire whose items the texts answer.
func parsePlans(b []byte, rounds []roundSpec, def *survey.Definition) (plansFile, error) {
	var f plansFile
	if err := decode("plans.json", b, &f); err != nil {
		return f, err
	}
	p := &problems{file: "plans.json"}
	items := map[string]bool{}
	for i := range def.Items {
		items[def.Items[i].ID] = true
	}
	seen := map[string]bool{}
	for _, t := range f.Texts {
		switch {
		case seen[t.Item]:
			p.add("two texts for %s", t.Item)
		case !items[t.Item]:
			p.add("%s is not an item of questionnaire %s", t.Item, def.ID)
		case f.Owners[t.Owner] == "":
			p.add("%s: no owner %q", t.Item, t.Owner)
		case t.TextAr == "":
			p.add("%s: no Arabic text", t.Item)
		}
		seen[t.Item] = true
	}
	for outcome, notes := range f.Notes {
		if !slices.Contains(survey.PlanOutcomes, outcome) || len(notes) == 0 {
			p.add("progress notes of %q: an outcome of %v, with at least one note", outcome, survey.PlanOutcomes)
		}
	}
	round := map[string]roundSpec{}
	for _, r := range rounds {
		round[r.Name] = r
	}
	for _, pl := range f.Plans {
		if r, ok := round[pl.Round]; !ok || r.PlansAt == "" {
			p.add("plan of %s: round %s is not a demo round with plans_at", pl.Institution, pl.Round)
		}
		for _, a := range pl.Actions {
			progress := a.Progress
			if progress == "" {
				progress = a.Outcome
			}
			switch {
			case len(f.Notes[a.Outcome]) == 0:
				p.add("plan of %s/%s: outcome %q has no progress notes", pl.Institution, pl.Round, a.Outcome)
			case !slices.Contains(survey.PlanProgress, progress):
				p.add("plan of %s/%s: progress %q is not one of %v", pl.Institution, pl.Round, progress, survey.PlanProgress)
			}
			if _, ok := round[a.TargetRound]; !ok {
				p.add("plan of %s/%s: target round %q is not a demo round", pl.Institution, pl.Round, a.TargetRound)
			}
		}
	}
	return f, p.err()
}
