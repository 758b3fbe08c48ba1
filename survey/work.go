package survey

import (
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
	// DaysLeft counts whole days from today to the deadline (the
	// institution's extension if it has one), in Palestine: 0 on the day
	// itself, negative once it has passed. Meaningful only with HasDeadline.
	DaysLeft    int
	HasDeadline bool
	// Due is the deadline the institution works to: the round's, or the
	// day the coordinator extended it to (deadline.go).
	Due Due
	// Closed: that deadline is over, and answers are no longer taken.
	Closed bool
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

func percentOf(n, total int) int {
	if total == 0 {
		return 0
	}
	return n * 100 / total
}
