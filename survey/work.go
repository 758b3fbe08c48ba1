package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Work is what an institution's respondents have to do now: the open
// rounds with their progress and what the reviewer sent back, the services
// of the catalog that need a look, and the newest published result.
type Work struct {
	Institution Institution
	Rounds      []WorkRound       // open rounds, nearest deadline first
	Services    []ServiceToReview // active services needing attention, in catalog order
	Published   *PublishedResult  // nil until a published round scored the institution
}

// WorkRound is one open round as the institution stands in it.
type WorkRound struct {
	Round Round
	Def   *Definition
	// Status is the response's status, "" when nobody has opened it yet.
	Status          string
	Answered, Total int
	Sections        []SectionProgress
	// Returned are the answers the reviewer marked, with the comment, when
	// the response was returned for changes (in questionnaire order).
	Returned []ReturnedItem
	// DaysLeft counts whole days from today to the deadline: 0 on the day
	// itself, negative once it has passed. Meaningful only with HasDeadline.
	DaysLeft    int
	HasDeadline bool
}

// Percent is the share of items answered, 0–100.
func (w WorkRound) Percent() int { return percentOf(w.Answered, w.Total) }

// SectionProgress is one section's answered and visible items.
type SectionProgress struct {
	Section         Section
	Answered, Total int
}

// Percent is the share of the section's items answered, 0–100.
func (p SectionProgress) Percent() int { return percentOf(p.Answered, p.Total) }

// Done reports whether every visible item of the section is answered.
func (p SectionProgress) Done() bool { return p.Answered == p.Total }

// ReturnedItem is an answer the reviewer sent back, with the comment.
type ReturnedItem struct {
	Item    Item
	Comment string
}

// ServiceToReview is a service with the reasons it needs attention
// (ReviewStale and the others below).
type ServiceToReview struct {
	Service Service
	Reasons []string
}

// Why a catalog entry needs a look. The first three follow what scoring
// rewards: the catalog-freshness item (catalog_fresh) counts a service only
// when it has both names, an Arabic description and a channel and was
// reviewed in the last year. The others are declarations that contradict
// each other, which a reviewer would question: a service said to be online
// (stage 1 or above) with no address to reach it, or said to be done end to
// end online (stage 3 or above) while needing a visit or a fee paid in person.
const (
	ReviewNever      = "never"      // no review date at all
	ReviewStale      = "stale"      // last reviewed more than a year ago
	ReviewIncomplete = "incomplete" // English name, Arabic description or channels missing
	ReviewNoURL      = "no_url"     // stage 1 or above without an online address
	ReviewMismatch   = "mismatch"   // stage 3 or above, yet a visit or an offline fee
)

// ServiceReasons lists why a service needs a look on the day today
// (nothing for services that are not active).
func ServiceReasons(sv Service, today time.Time) []string {
	if sv.Status != ServiceActive {
		return nil
	}
	var out []string
	cutoff := today.AddDate(-1, 0, 0).Format("2006-01-02")
	switch {
	case sv.LastReviewed == "":
		out = append(out, ReviewNever)
	case sv.LastReviewed < cutoff:
		out = append(out, ReviewStale)
	}
	if sv.NameEn == "" || sv.DescriptionAr == "" || len(sv.Channels) == 0 {
		out = append(out, ReviewIncomplete)
	}
	if sv.Stage >= StageInformational && sv.OnlineURL == "" {
		out = append(out, ReviewNoURL)
	}
	if sv.Stage >= StageTransactional && (!sv.NoVisit || (sv.FeeILS > 0 && !sv.EPayment)) {
		out = append(out, ReviewMismatch)
	}
	return out
}

// PublishedResult is an institution's score in a published round.
type PublishedResult struct {
	Round Round
	Def   *Definition
	Score InstitutionScore
}

// RespondentWork gathers an institution's work on the day today. It only
// reads: unlike Response, it creates no draft for a round not yet opened.
func (s *Store) RespondentWork(ctx context.Context, code string, today time.Time) (Work, error) {
	var w Work
	var err error
	if w.Institution, err = s.Institution(ctx, code); err != nil {
		return w, err
	}
	rounds, err := s.ListRounds(ctx) // newest first
	if err != nil {
		return w, err
	}
	for _, r := range rounds {
		switch r.Status {
		case RoundOpen:
			wr, err := s.workRound(ctx, r, w.Institution.Code, today)
			if err != nil {
				return w, err
			}
			w.Rounds = append(w.Rounds, wr)
		case RoundPublished:
			if w.Published == nil {
				if w.Published, err = s.publishedResult(ctx, r, w.Institution.Code); err != nil {
					return w, err
				}
			}
		}
	}
	sortRoundsByDeadline(w.Rounds)
	services, err := s.InstitutionServices(ctx, w.Institution.Code)
	if err != nil {
		return w, err
	}
	for _, sv := range services {
		if reasons := ServiceReasons(sv, today); len(reasons) > 0 {
			w.Services = append(w.Services, ServiceToReview{Service: sv, Reasons: reasons})
		}
	}
	return w, nil
}

func (s *Store) workRound(ctx context.Context, r Round, code string, today time.Time) (WorkRound, error) {
	wr := WorkRound{Round: r}
	q, err := s.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		return wr, err
	}
	wr.Def = q.Def
	answers := AnswerSet{}
	resp, err := scanResponse(s.r.QueryRowContext(ctx, responseSelect+responseOf, r.ID, code))
	switch {
	case err == nil:
		wr.Status = resp.Status
		if answers, err = s.Answers(ctx, resp.ID); err != nil {
			return wr, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return wr, fmt.Errorf("survey: work %s: %w", code, err)
	}
	wr.Answered, wr.Total = Progress(q.Def, answers)
	for _, sec := range q.Def.Sections {
		p := SectionProgress{Section: sec}
		for _, it := range q.Def.SectionItems(sec.ID) {
			if it.Type == TypeMetric || !answers.Visible(it) {
				continue
			}
			p.Total++
			if a, ok := answers[it.ID]; ok && (a.NA || len(a.Values) > 0) {
				p.Answered++
			}
		}
		if p.Total > 0 {
			wr.Sections = append(wr.Sections, p)
		}
	}
	if wr.Status == ResponseReturned {
		for _, it := range q.Def.Items {
			if a, ok := answers[it.ID]; ok && a.ReviewStatus == ReviewIssues {
				wr.Returned = append(wr.Returned, ReturnedItem{Item: it, Comment: a.ReviewComment})
			}
		}
	}
	if d, err := time.ParseInLocation("2006-01-02", r.Deadline, today.Location()); err == nil {
		day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location())
		wr.DaysLeft, wr.HasDeadline = int(d.Sub(day).Round(24*time.Hour)/(24*time.Hour)), true
	}
	return wr, nil
}

// publishedResult is the institution's self-reported score in a published
// round, nil when it took no part.
func (s *Store) publishedResult(ctx context.Context, r Round, code string) (*PublishedResult, error) {
	var out *PublishedResult
	err := s.ReadRanking(ctx, r.ID, ScoreSelf, func(rk *Ranking) error {
		if sc, ok := rk.Find(code); ok {
			out = &PublishedResult{Round: r, Score: sc}
		}
		return nil
	})
	if err != nil || out == nil {
		return nil, err
	}
	q, err := s.Questionnaire(ctx, r.QuestionnaireID)
	if err != nil {
		return nil, err
	}
	out.Def = q.Def
	return out, nil
}

// sortRoundsByDeadline puts the nearest deadline first; rounds without one last.
func sortRoundsByDeadline(list []WorkRound) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.HasDeadline != b.HasDeadline {
			return a.HasDeadline
		}
		return a.Round.Deadline < b.Round.Deadline
	})
}

func percentOf(n, total int) int {
	if total == 0 {
		return 0
	}
	return n * 100 / total
}
