package survey

import (
	"encoding/json"
	"errors"
	"sort"
	"time"

	"marsad/survey/search"
)

// Round statuses, in the only order they may go.
const (
	RoundDraft     = "draft"
	RoundOpen      = "open"
	RoundClosed    = "closed"
	RoundPublished = "published"
)

// ErrInvalidTransition is returned for a status change the state machine
// does not allow (answered 409 by the web layer).
var ErrInvalidTransition = errors.New("survey: not allowed in the current status")

// QuestionnaireVersion is a stored, immutable definition.
type QuestionnaireVersion struct {
	ID        int64
	Hash      string
	DefID     string
	Version   string
	TitleAr   string
	TitleEn   string
	CreatedAt time.Time
	Def       *Definition
}

// Title is the questionnaire's title in lang.
func (q QuestionnaireVersion) Title(lang string) string { return pick(lang, q.TitleAr, q.TitleEn) }

// Round is one survey round, such as "2026".
type Round struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	QuestionnaireID int64     `json:"questionnaire_id"`
	Status          string    `json:"status"`
	Public          bool      `json:"public"`
	Deadline        string    `json:"deadline"` // YYYY-MM-DD
	OpenedAt        time.Time `json:"opened_at"`
	ClosedAt        time.Time `json:"closed_at"`
	PublishedAt     time.Time `json:"published_at"`
	// Archived: a published round the coordinator put away — hidden from
	// lists, dashboards and trends, kept whole and restorable (lifecycle.go).
	Archived bool `json:"archived"`
	// Test: a rehearsal round, whose answers never pre-fill a later round
	// by default (DefaultPrefillSource).
	Test bool `json:"test"`
	// RequiresSignoff: the head of each institution approves its response
	// before it is submitted (teams.go).
	RequiresSignoff bool `json:"requires_signoff,omitempty"`
}

// MarshalJSON writes a round with its unset times (never opened, closed
// or published) as null, not as Go's zero time (issue 19).
func (r Round) MarshalJSON() ([]byte, error) {
	type plain Round
	return json.Marshal(struct {
		plain
		OpenedAt    *time.Time `json:"opened_at"`
		ClosedAt    *time.Time `json:"closed_at"`
		PublishedAt *time.Time `json:"published_at"`
	}{plain(r), timeOrNull(r.OpenedAt), timeOrNull(r.ClosedAt), timeOrNull(r.PublishedAt)})
}

// timeOrNull is t, or nil (null in JSON) when t is unset.
func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Editable reports whether answers may change: only while the round is open.
func (r Round) Editable() bool { return r.Status == RoundOpen }

// RoundInput creates a round.
type RoundInput struct {
	Name            string `form:"name" json:"name"`
	QuestionnaireID int64  `form:"questionnaire" json:"questionnaire_id"`
	Deadline        string `form:"deadline" json:"deadline"`
	// Test marks a rehearsal round (Round.Test).
	Test bool `form:"test" json:"test"`
	// RequiresSignoff: the head of each institution signs off (Round.RequiresSignoff).
	RequiresSignoff bool `form:"requires_signoff" json:"requires_signoff,omitempty"`
	// Model names an example model (gtmi, egdi, eu-benchmark) instead of a
	// questionnaire id; the web layer resolves it.
	Model string `form:"-" json:"model"`
}

// BoardStatuses are the states an institution can be in on a round's board,
// in the order the work goes; "none" is an institution that has not started.
var BoardStatuses = []string{"none", ResponseDraft, ResponseSubmitted, ResponseReturned, ResponseAccepted}

// BoardSorts are the orders a board can be listed in; the first is the default.
var BoardSorts = []string{"name", "status", "progress", "activity"}

// BoardStatus is the row's state on the board: its response status, or
// "none" before the institution has answered anything.
func (r BoardRow) BoardStatus() string {
	if r.Status == "" {
		return "none"
	}
	return r.Status
}

// BoardSummary is the head of a round's board: how many institutions are in
// each state, and how far the round has got.
type BoardSummary struct {
	Counts    map[string]int // by BoardStatus
	Total     int            // institutions on the board
	Done      int            // submitted or accepted: nothing more is asked of them
	Answered  int            // answers given, all institutions together
	Questions int            // answers asked for, all institutions together
}

// DoneShare is the share (0–1) of institutions that have submitted or been accepted.
func (s BoardSummary) DoneShare() float64 {
	if s.Total == 0 {
		return 0
	}
	return float64(s.Done) / float64(s.Total)
}

// AnsweredShare is the share (0–1) of all the answers asked for that are given.
func (s BoardSummary) AnsweredShare() float64 {
	if s.Questions == 0 {
		return 0
	}
	return float64(s.Answered) / float64(s.Questions)
}

// SummarizeBoard counts a board's rows by state.
func SummarizeBoard(rows []BoardRow) BoardSummary {
	s := BoardSummary{Counts: make(map[string]int, len(BoardStatuses)), Total: len(rows)}
	for _, r := range rows {
		st := r.BoardStatus()
		s.Counts[st]++
		if st == ResponseSubmitted || st == ResponseAccepted {
			s.Done++
		}
		s.Answered += r.Answered
		s.Questions += r.Total
	}
	return s
}

// BoardQuery narrows and orders a board: a state (BoardStatuses, "" for
// all), a sector ("" for all) and a sort (BoardSorts; unknown means by name).
type BoardQuery struct {
	Status string `form:"status"`
	Sector string `form:"sector"`
	Sort   string `form:"sort"`
}

// Clean drops values that are not choices, so that a hand-typed URL shows
// the whole board instead of an empty one, and the page shows what it applied.
func (q BoardQuery) Clean(sectors []string) BoardQuery {
	if !contains(BoardStatuses, q.Status) {
		q.Status = ""
	}
	if !contains(sectors, q.Sector) {
		q.Sector = ""
	}
	if !contains(BoardSorts, q.Sort) {
		q.Sort = BoardSorts[0]
	}
	return q
}

// BoardSectors are the sectors of the institutions on a board, sorted.
func BoardSectors(rows []BoardRow) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if s := r.Institution.Sector; s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Apply returns the rows that match q, in its order; names sort in lang
// (Arabic letter variants folded). Ties keep the institutions' order by name.
func (q BoardQuery) Apply(rows []BoardRow, lang string) []BoardRow {
	out := make([]BoardRow, 0, len(rows))
	for _, r := range rows {
		if (q.Status == "" || r.BoardStatus() == q.Status) && (q.Sector == "" || r.Institution.Sector == q.Sector) {
			out = append(out, r)
		}
	}
	name := func(r BoardRow) string { return search.Fold(r.Institution.Name(lang)) }
	rank := map[string]int{}
	for i, st := range BoardStatuses {
		rank[st] = i
	}
	share := func(r BoardRow) float64 {
		if r.Total == 0 {
			return 0
		}
		return float64(r.Answered) / float64(r.Total)
	}
	sort.SliceStable(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	switch q.Sort {
	case "status":
		sort.SliceStable(out, func(i, j int) bool { return rank[out[i].BoardStatus()] < rank[out[j].BoardStatus()] })
	case "progress": // the furthest behind first: they are the ones to call
		sort.SliceStable(out, func(i, j int) bool { return share(out[i]) < share(out[j]) })
	case "activity": // the most recent first
		sort.SliceStable(out, func(i, j int) bool { return out[i].UpdatedAt.After(out[j].UpdatedAt) })
	}
	return out
}
