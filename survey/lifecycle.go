package survey

import "errors"

// A round's life after it is created, under the coordinator's control:
// deadlines and extensions (deadline.go), deletion of a round that was
// never published, archiving of one that was, and the source that
// pre-fills a new response.

// Errors of a round's life, each answered 409 with its own message.
var (
	// ErrNotDeletable: a published round is never deleted, only archived.
	ErrNotDeletable = errors.New("survey: a published round cannot be deleted")
	// ErrNotArchivable: only a published round is archived (one never
	// published is deleted instead), and only once.
	ErrNotArchivable = errors.New("survey: only a published round can be archived")
	// ErrRoundChanged: the round holds other responses or answers than the
	// confirmation page named; nothing was deleted.
	ErrRoundChanged = errors.New("survey: the round changed since its deletion was confirmed")
)

// Deletable reports whether the round may be deleted with everything in
// it: only if it was never published. Published figures may have been
// cited, so a published round is archived instead (Archivable), never
// deleted.
func (r Round) Deletable() bool { return r.Status != RoundPublished && r.PublishedAt.IsZero() }

// Archivable reports whether the round may be archived: published, and not
// archived already.
func (r Round) Archivable() bool { return r.Status == RoundPublished && !r.Archived }

// RoundContents is what deleting a round would remove, as the confirmation
// page names it.
type RoundContents struct {
	Responses    int `json:"responses"`
	Institutions int `json:"institutions"` // that have a response
	Submitted    int `json:"submitted"`    // responses submitted or accepted
	Answers      int `json:"answers"`
	// Other counts every other record that goes with the round, by table:
	// scores, obstacle ratings, action plans, extensions…
	Other map[string]int `json:"other"`
}

// OtherTotal is how many other records go with the round.
func (c RoundContents) OtherTotal() int {
	n := 0
	for _, x := range c.Other {
		n += x
	}
	return n
}

// Same reports whether two counts of a round's contents agree on what the
// coordinator was shown (responses and answers): a deletion confirmed on
// a page that showed fewer is refused, not carried out on more.
func (c RoundContents) Same(o RoundContents) bool {
	return c.Responses == o.Responses && c.Answers == o.Answers
}

// PrefillSource is a past response of an institution that can pre-fill its
// response to a round: its round, its state and how many answers it holds.
type PrefillSource struct {
	Round    Round  `json:"round"`
	Status   string `json:"status"` // the response's status
	Answers  int    `json:"answers"`
	TitleAr  string `json:"questionnaire_title_ar"` // the questionnaire's title
	TitleEn  string `json:"questionnaire_title_en"`
	Same     bool   `json:"comparable"` // on the same or a comparable questionnaire
	Standard bool   `json:"default"`    // the one chosen by default (DefaultPrefillSource)
}

// Title is the source's questionnaire title in lang.
func (p PrefillSource) Title(lang string) string { return pick(lang, p.TitleAr, p.TitleEn) }

// Final reports whether the source's answers were sent in: submitted or
// accepted, not a draft left unfinished.
func (p PrefillSource) Final() bool {
	return p.Status == ResponseSubmitted || p.Status == ResponseAccepted
}

// PrefillComparable reports whether answers given to questionnaire from
// may pre-fill a response to questionnaire to by default: the same
// questionnaire, or a version the coordinator declared comparable through
// its predecessors (Compare, with lineage l). Whatever it answers, only the
// items with the same id whose answers are still valid are copied.
func PrefillComparable(from, to QuestionnaireVersion, l Lineage) bool {
	return Compare(from, to, l).Comparable()
}

// PrefillCandidate reports whether a response in round r may be offered as
// a pre-fill source at all: a round that is over (closed or published),
// not archived, and not the round being filled.
func PrefillCandidate(r Round, current int64) bool {
	return r.ID != current && !r.Archived && (r.Status == RoundClosed || r.Status == RoundPublished)
}

// DefaultPrefillSource picks, from an institution's sources (newest round
// first), the one a pre-fill uses when the respondent does not choose: the
// newest response that was sent in (never a draft) to a round on the same
// or a comparable questionnaire that is not a test round. ok is false when
// none qualifies: the respondent may still choose one.
func DefaultPrefillSource(list []PrefillSource) (PrefillSource, bool) {
	for _, p := range list {
		if p.Same && p.Final() && !p.Round.Test {
			return p, true
		}
	}
	return PrefillSource{}, false
}
